"""The cyclic garbage collector, paused around the library's own batch work.

Loading a large CRM creates millions of long-lived records; evaluating every rep creates and
keeps many results. While they are being made the collector finds nothing to free among them,
yet walks all of them again and again, adding a fifth to a third of the time. The batch paths
(loading a document or a frame, ``evaluate_all``) therefore run inside :func:`paused`, which
switches the collector off and puts it back exactly as it was: a process that had it on has it
on again, one that had switched it off keeps it off, and nothing else of the collector (its
thresholds, frozen objects) is touched.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused"]


@contextmanager
def paused() -> Iterator[None]:
    """Switch the cyclic collector off for the block, then back to what it was."""
    was_enabled = gc.isenabled()
    if was_enabled:
        gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
