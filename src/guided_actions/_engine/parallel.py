"""``evaluate_all(..., workers=N)``: every user's result computed in ``N`` processes.

The users are cut into runs of neighbours in snapshot order (:data:`CHUNKS_PER_WORKER` runs per
process, of about equal books), and each run is evaluated by ``evaluate_all`` itself in a worker
process of a :class:`concurrent.futures.ProcessPoolExecutor`. The results come back pickled and
are put back in snapshot order, so the :class:`Results` equal those of ``workers=1``.

How a worker reads the snapshot depends on the platform:

- ``fork`` (Linux and the other POSIX systems but macOS): the workers are forked from the
  caller and read its snapshot where it is, shared page by page until written; nothing of the
  snapshot is pickled. The collector is paused (:func:`~guided_actions._model.collector.paused`)
  in the caller before the fork, so the children inherit it paused and never walk the shared
  records.
- ``spawn`` (macOS, Windows): each run of users travels as their book
  (``snapshot.book(user_ids)``, which holds everything their evaluation reads), pickled; a
  snapshot without ``book`` (a CRM's own reader) is pickled whole, once per worker.

The rules and the configuration travel with the workers (inherited, or pickled once per worker).
A run that raises is reported as ``workers=1`` would report it: the error of the first failing
user in snapshot order, of the same type with the same message; the other runs are cancelled
and every worker is stopped. The same holds for ``KeyboardInterrupt``.

Results travel without what they were evaluated from (:class:`~.actions.Origin`) and without a
way to compute :attr:`~.actions.Result.next_change_at`; both are attached again in the caller, to
its own snapshot, so ``diff`` and ``next_change_at`` work as for ``workers=1``.
"""

from __future__ import annotations

import functools
import io
import multiprocessing
import operator
import os
import pickle
import signal
import sys
import threading
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

import attrs

from guided_actions._engine.actions import Action, NextChange, Origin, Result, make_action
from guided_actions._engine.config import Config
from guided_actions._engine.tables import Results
from guided_actions._model import collector
from guided_actions._model.records import User
from guided_actions._rules.rule import Rule
from guided_actions._text.checks import Check, Ref, make_check, make_ref
from guided_actions.errors import GuidedActionsError, RuleError, short_repr
from guided_actions.typing import SnapshotReader

if typing.TYPE_CHECKING:
    from guided_actions._engine.evaluate import _Chosen
    from guided_actions._engine.ruleset import RuleSet
    from guided_actions._engine.settings import Settings

__all__ = ["CHUNKS_PER_WORKER", "cpu_count", "evaluate_all", "reporting", "worker_count"]

#: Runs of users per worker process: more runs than processes, so that a process that finishes
#: early takes the next run instead of waiting for the slowest.
CHUNKS_PER_WORKER = 4
#: The start method of the worker processes; ``None``: ``fork`` where the platform offers it
#: (not on macOS, where forking a process is unsafe) and the process runs no other thread, else
#: ``spawn`` (see ``_start_method``). Tests set it.
START_METHOD: str | None = None

#: The function ``evaluate_all`` runs on each run of users: ``evaluate_all`` itself, passed in
#: by it (this module sits below it).
Run = Callable[..., Results]
#: Who is told how far the evaluation is: ``(users done, users)``, in the caller's thread.
Progress = Callable[[int, int], None]

_PROGRESS: ContextVar[Progress | None] = ContextVar("guided_actions_progress", default=None)


@contextmanager
def reporting(progress: Progress) -> Iterator[None]:
    """Within the block, ``evaluate_all(..., workers=N)`` with ``N > 1`` calls
    ``progress(done, total)`` each time a run of users is done (the CLI's progress bar)."""
    token = _PROGRESS.set(progress)
    try:
        yield
    finally:
        _PROGRESS.reset(token)


def cpu_count() -> int:
    """The processors this process may run on (its affinity where the platform tells it)."""
    process_cpu_count = getattr(os, "process_cpu_count", None)  # Python 3.13
    if process_cpu_count is not None:
        found: int | None = process_cpu_count()
    elif hasattr(os, "sched_getaffinity"):
        found = len(os.sched_getaffinity(0))
    else:
        found = os.cpu_count()
    return max(1, found or 1)


def worker_count(workers: object) -> int:
    """``workers`` checked: a whole number of at least 1, or ``None`` for :func:`cpu_count`."""
    if workers is None:
        return cpu_count()
    if isinstance(workers, bool) or not hasattr(type(workers), "__index__"):
        raise TypeError(
            f"workers must be a whole number of processes or None, got {short_repr(workers)}"
        )
    count = operator.index(typing.cast("typing.SupportsIndex", workers))
    if count < 1:
        raise ValueError(f"workers must be at least 1, got {count}")
    return count


def chunks(weights: Sequence[int], count: int) -> list[range]:
    """``range(len(weights))`` cut into ``count`` runs of neighbours (fewer when there are fewer
    weights), none empty, none heavier than its share of the whole plus one weight."""
    total = sum(weights)
    count = max(1, min(count, len(weights)))
    runs: list[range] = []
    start = 0
    done = 0
    for i, weight in enumerate(weights):
        done += weight
        # Cut after ``i`` once this run reaches its share of the whole, or when each run still
        # to come has just one user left.
        left = count - len(runs) - 1
        rest = len(weights) - i - 1
        if left > 0 and rest >= left and (rest == left or done * count >= total * (len(runs) + 1)):
            runs.append(range(start, i + 1))
            start = i + 1
    if start < len(weights):
        runs.append(range(start, len(weights)))
    return runs


def _book_size(snapshot: SnapshotReader, user: User) -> int:
    """What a user's evaluation costs, roughly: one, and one per contact they own."""
    return 1 + len(snapshot.contacts_owned_by(user.id))


def _start_method() -> str:
    """``fork`` where the platform offers it (not macOS, where forking is unsafe) and this
    process runs one Python thread; else ``spawn``. A thread of a process that forks may hold
    a lock (of logging, of an I/O loop) that the child then never sees released: a notebook
    kernel, a web server or a Dask client runs such threads."""
    if START_METHOD is not None:
        return START_METHOD
    if (
        sys.platform != "darwin"
        and "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
    ):
        return "fork"
    return "spawn"


# -- in the worker ---------------------------------------------------------------------------


@attrs.frozen
class _Job:
    """What every run of one call shares: the function, its arguments but the users, and the
    whole snapshot when the worker reads it whole (``fork``, or a reader without ``book``)."""

    run: Run
    snapshot: SnapshotReader | None
    now: datetime
    config: Config | Settings | None
    rules: RuleSet | tuple[Rule, ...]
    strict: bool


#: The job of this worker process, set when it starts.
_JOB: _Job | None = None


def _start_worker(job: _Job) -> None:
    """A worker's start: keep the job, and leave Ctrl-C to the caller, which stops the workers."""
    global _JOB
    _JOB = job
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _travels(value: object) -> bool:
    """Whether ``value`` comes back from a pickle."""
    try:
        pickle.loads(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))
    except Exception:
        return False
    return True


def _portable(result: Result) -> Result:
    """``result``, each rule failure's exception replaced by a :class:`RuleError` with its
    message when that exception cannot travel back in a pickle."""
    if not result.errors or all(_travels(f.exception) for f in result.errors):
        return result
    errors = tuple(
        f
        if _travels(f.exception)
        else attrs.evolve(f, exception=RuleError(f.rule_id, f.message, f.plugin))
        for f in result.errors
    )
    return attrs.evolve(result, errors=errors)


def _action_parts(action: Action) -> tuple[Any, ...]:
    """An ungrouped action as the arguments of :func:`make_action`; a card as pickle does it."""
    if action.group is not None or action.members:
        return typing.cast("tuple[Any, ...]", action.__reduce_ex__(pickle.HIGHEST_PROTOCOL))
    return (
        make_action,
        (
            action.key,
            action.rule,
            action.title,
            action.category,
            action.priority,
            action.user_id,
            action.subjects,
            action.created_at,
            action.expires_at,
            action.contact_ids,
            action.company_ids,
            action.checks,
            action.calls_to_action,
        ),
    )


def _check_parts(check: Check) -> tuple[Any, ...]:
    return (make_check, (check.criterion, check.met, check._names, check._values))


def _ref_parts(ref: Ref) -> tuple[Any, ...]:
    return (make_ref, (ref.kind, ref.id, ref.detail, ref.private))


#: How the results' most numerous objects travel: as the arguments of the constructors the
#: engine itself uses, rather than attrs' field-by-field state (a third of the time to pickle and
#: to unpickle). Only this module's pickles use it; ``pickle.dumps`` of a result is unchanged.
_COMPACT: dict[type, Callable[[Any], tuple[Any, ...]]] = {
    Action: _action_parts,
    Check: _check_parts,
    Ref: _ref_parts,
}


def _dumps(value: object) -> bytes:
    """``pickle.dumps(value)``, with the results' objects in their compact form."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _COMPACT
    pickler.dump(value)
    return buffer.getvalue()


#: What a run sends back: the pickle of each user's result with the prepared rules it ran, and
#: the rules that ran.
_Sent = tuple[list[tuple[str, Result, Any]], tuple[str, ...]]


def _evaluate_run(user_ids: list[str], book: SnapshotReader | None) -> bytes:
    """Evaluate one run of users in a worker; their results, pickled."""
    job = _JOB
    assert job is not None, "the worker was started without its job"
    snapshot = book if book is not None else job.snapshot
    with collector.paused():
        try:
            results = job.run(
                snapshot,
                job.now,
                config=job.config,
                rules=job.rules,
                strict=job.strict,
                users=user_ids,
            )
        except Exception as exc:
            if _travels(exc):
                raise
            text = f"{type(exc).__name__}: {exc}"
            raise GuidedActionsError(short_repr(text, 300)) from None
        sent: _Sent = (
            [
                (uid, _portable(r), r._origin.prepared if r._origin is not None else None)
                for uid, r in results.items()
            ],
            results.rule_ids,
        )
        return _dumps(sent)


# -- in the caller ---------------------------------------------------------------------------


def _next_change_of(
    run: Run,
    snapshot: SnapshotReader,
    now: datetime,
    config: Config | Settings | None,
    rules: RuleSet | tuple[Rule, ...],
    user_id: str,
) -> datetime | None:
    """A user's ``next_change_at``, as an in-process evaluation of them gives it."""
    [result] = run(snapshot, now, config=config, rules=rules, users=[user_id]).values()
    value: datetime | None = result.next_change_at
    return value


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop every worker now, the runs under way and those waiting."""
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14
    if terminate is not None:
        terminate()
        return
    processes: Mapping[int, Any] = getattr(pool, "_processes", None) or {}
    stopped = list(processes.values())
    for process in stopped:
        process.terminate()
    for process in stopped:
        process.join()
    # A worker stopped while it wrote its result leaves the pool's reader waiting for the rest
    # of that message, for ever: the caller's own end of the results pipe keeps it open. With
    # every worker gone, closing that end lets the reader see the pipe's end, and the pool
    # shut down as broken.
    results = getattr(pool, "_result_queue", None)
    writer = getattr(results, "_writer", None)
    if writer is not None:
        writer.close()
    pool.shutdown(wait=True, cancel_futures=True)


def evaluate_all(
    run: Run,
    snapshot: SnapshotReader,
    now: datetime,
    targets: Sequence[User],
    chosen: _Chosen,
    *,
    config: Config | Settings | None,
    strict: bool,
    workers: object,
) -> Results:
    """``run(snapshot, now, ..., users=targets)`` (``evaluate_all`` itself, the arguments
    checked: ``now`` in UTC, the rules chosen, the users resolved) in ``workers`` processes."""
    count = worker_count(workers)
    rules: RuleSet | tuple[Rule, ...] = (
        chosen.ruleset if chosen.ruleset is not None else chosen.rules
    )
    progress = _PROGRESS.get()
    ids = [u.id for u in targets]
    if min(count, len(targets)) <= 1:
        results = run(snapshot, now, config=config, rules=rules, strict=strict, users=ids)
        if progress is not None:
            progress(len(targets), len(targets))
        return results
    method = _start_method()
    books = method == "spawn" and callable(getattr(snapshot, "book", None))
    job = _Job(
        run=run,
        snapshot=None if books else snapshot,
        now=now,
        config=config,
        rules=rules,
        strict=strict,
    )
    count = min(count, len(targets))
    runs = chunks([_book_size(snapshot, u) for u in targets], count * CHUNKS_PER_WORKER)
    with collector.paused():
        received = _run_pool(snapshot, job, ids, runs, count, method, books, progress)
    by_id = {u.id: u for u in targets}
    results_of: dict[str, Result] = {}
    ran: set[str] = set()
    for sent in received:
        items, rule_ids = sent
        ran.update(rule_ids)
        for uid, result, prepared in items:
            results_of[uid] = _attached(result, snapshot, by_id[uid], prepared, job)
    return Results(results_of, rule_ids=[r.id for r in chosen.rules if r.id in ran])


def _attached(
    result: Result, snapshot: SnapshotReader, user: User, prepared: Any, job: _Job
) -> Result:
    """``result`` as the caller's own evaluation gives it: evaluated from the caller's snapshot,
    and able to compute its next change there."""
    compute = functools.partial(
        _next_change_of, job.run, snapshot, job.now, job.config, job.rules, user.id
    )
    return attrs.evolve(
        result,
        _origin=Origin(snapshot, user, False, prepared) if prepared is not None else None,
        _next_change=NextChange(compute),
    )


def _run_pool(
    snapshot: SnapshotReader,
    job: _Job,
    ids: list[str],
    runs: list[range],
    count: int,
    method: str,
    books: bool,
    progress: Progress | None,
) -> list[_Sent]:
    """Every run's results, in order; the first failing run's error, once every run before it
    is done."""
    context = multiprocessing.get_context(method)
    pool = ProcessPoolExecutor(
        max_workers=count, mp_context=context, initializer=_start_worker, initargs=(job,)
    )
    received: list[_Sent | None] = [None] * len(runs)
    futures: dict[Future[bytes], int] = {}
    failed: int | None = None
    errors: dict[int, BaseException] = {}
    done_users = 0
    following = iter(enumerate(runs))

    def submit_next() -> None:
        """Submit the next run (books are made as runs are submitted, a few ahead)."""
        for index, span in following:
            if failed is not None and index > failed:
                return
            part = [ids[i] for i in span]
            book = snapshot.book(part) if books else None  # type: ignore[attr-defined]
            futures[pool.submit(_evaluate_run, part, book)] = index
            return

    try:
        for _ in range(2 * count):
            submit_next()
        while futures:
            finished, _pending = wait(futures, return_when=FIRST_COMPLETED)
            for future in finished:
                index = futures.pop(future)
                error = future.exception()
                if error is not None:
                    errors[index] = error
                    failed = index if failed is None else min(failed, index)
                    continue
                received[index] = pickle.loads(future.result())
                done_users += len(runs[index])
                if progress is not None:
                    progress(done_users, len(ids))
            if failed is not None:
                # Only the runs before the failing one still matter: one of them may fail
                # first in snapshot order.
                for future, index in list(futures.items()):
                    if index > failed and future.cancel():
                        del futures[future]
                if all(index > failed for index in futures.values()):
                    break
            else:
                for _ in finished:
                    submit_next()
        if failed is not None:
            raise errors[failed]
    except BaseException:
        _stop(pool)
        raise
    pool.shutdown(wait=True)
    return [r for r in received if r is not None]
