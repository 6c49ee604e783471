"""Shared test settings: Hypothesis profiles, chosen with ``HYPOTHESIS_PROFILE``, and an English
environment for every test.

The command line reads its language from the environment (``LC_ALL``, ``LC_MESSAGES``,
``LANG``), which would otherwise be the developer's: every test starts without those variables,
and a test that wants a language sets it.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

from guided_actions._adapters.cli.language import ENVIRONMENT

settings.register_profile("default", max_examples=200, deadline=None)
settings.register_profile("thorough", max_examples=3000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(autouse=True)
def _english_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*ENVIRONMENT, "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
