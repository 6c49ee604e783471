"""Every rep's actions through the Dask and Spark runners on two local workers, against
single-process ``evaluate_all`` (one process, and ``workers=2``), on the synthetic CRM and on the
skewed one.

Run from the repository root, after ``pip install -e '.[test]'`` (pyspark, dask, pyarrow; Spark
needs Java)::

    python benchmarks/distributed.py                          # 50 x 200 = 10k contacts
    python benchmarks/distributed.py --users 200 --contacts-per-user 500   # 100k contacts
    python benchmarks/distributed.py --parquet DIR            # a CRM already in Parquet
    python benchmarks/distributed.py --issued 50000 --engines none   # what issued actions cost

A million contacts: write them once with ``guided-actions generate --users 2000
--contacts-per-user 500 --now 2025-03-03T12:00:00Z --format parquet -o DIR``, then
``python benchmarks/distributed.py --parquet DIR --crms synthetic --engines single,dask,spark
--driver-memory 10g`` (about 25 minutes on two cores, 12 GB at the peak).

The synthetic CRM is ``guided_actions.synthetic.generate(users=…, contacts_per_user=…, seed=0,
now=…)``, written once as a Parquet directory (``guided_actions.frames.write_parquet``), or the
directory ``--parquet`` names; the skewed one is ``skewed_crm`` of ``tests/crms.py``
(``--skewed-users`` x ``--skewed-contacts-per-user``, 50 x 200 by default: its first rep
concerns ~30 % of the records). Then, for each CRM, once each:

- single process: ``read_parquet`` then ``evaluate_all(...).to_arrow()``, in a fresh process,
  with ``workers=1`` and ``workers=2``;
- Dask: ``guided_actions.dask.evaluate_all(directory, now)`` (reading, the fan-out and sizing
  the books) then ``.compute()`` (the evaluation), on a ``LocalCluster`` of 2 worker processes
  of 1 thread;
- Spark: ``guided_actions.spark.evaluate_all({list: spark.read.parquet(file)}, now)`` then
  ``.toArrow()``, on ``local[2]`` with the settings of :data:`SPARK_CONF`.

Each runner's table is checked equal to the single process's, sorted by key. Prints the wall
time of each stage and the peak resident memory of each process: the single process's own,
each Dask worker's (``VmHWM``, read on the workers) and Spark's JVM and Python workers'
(sampled from ``/proc`` every 0.1 s: the JVM holds the rows between stages, the Python workers
run the library's code, a user's book in one of them). For the evaluation stage it prints the
longest task against the median task (Dask: the task stream; Spark: the stage's task list
from its status API): a heavy book in a shared task makes the longest one much longer.

``--issued N`` adds N issued actions (random keys, each naming a random contact) to the
synthetic CRM: every book holds every issued action and the contacts they name (an issued
action does not say whose it is), and the first rep's book is measured with and without them.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import resource
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# This file's name is the dask.distributed package's: its directory must not shadow it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]

import psutil  # noqa: E402
import pyarrow as pa  # noqa: E402

from guided_actions import Snapshot, evaluate, evaluate_all  # noqa: E402
from guided_actions._adapters.distributed import core  # noqa: E402
from guided_actions.frames import read_parquet, write_parquet  # noqa: E402
from guided_actions.synthetic import generate  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from crms import NOW as SKEWED_NOW  # noqa: E402
from crms import skewed_crm  # noqa: E402

#: The instant the synthetic CRM is generated around (the other benchmarks' ``NOW``).
NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
MB = 1024 * 1024

#: Spark's settings here (``--driver-memory`` sets the driver's); the how-to's "Size the
#: partitions" says what a million contacts took.
SPARK_CONF = {
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "8",
    "spark.sql.adaptive.enabled": "true",
    "spark.driver.memory": "4g",
    "spark.sql.execution.arrow.maxRecordsPerBatch": "2000",
}


def own_peak() -> int:
    """This process's peak resident memory since it started: ``VmHWM`` (``ru_maxrss`` is kept
    across ``exec``, so a process spawned by a large one would report its parent's peak)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _single(directory: str, now: datetime, workers: int, out: Any) -> None:
    """In a fresh process (of one thread, so that its workers are forked, as a caller's
    would be): the single-process table, its time and the process's peak memory."""
    start = time.perf_counter()
    table = evaluate_all(read_parquet(directory), now, workers=workers).to_arrow()
    seconds = time.perf_counter() - start
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    out.send((seconds, own_peak(), sink.getvalue().to_pybytes()))


def single(directory: Path, now: datetime, workers: int) -> tuple[float, int, int, pa.Table]:
    """The single process's time, peak memory, its largest worker's peak (sampled from this
    process, with workers) and table."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_single, args=(str(directory), now, workers, send))
    process.start()
    with Sampler(lambda child: None if child.pid == process.pid else "worker") as sampler:
        seconds, peak, data = receive.recv()
    process.join()
    return seconds, peak, sampler.peak("worker"), pa.ipc.open_stream(data).read_all()


class Sampler:
    """The peak resident memory of every process under this one, by kind, sampled."""

    def __init__(self, kind: Callable[[psutil.Process], str | None]) -> None:
        self.kind = kind
        self.peaks: dict[tuple[str, int], int] = {}
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        me = psutil.Process()
        while not self.done.wait(0.1):
            for child in me.children(recursive=True):
                try:
                    kind = self.kind(child)
                    rss = child.memory_info().rss
                except psutil.Error:
                    continue
                if kind is not None:
                    key = (kind, child.pid)
                    self.peaks[key] = max(self.peaks.get(key, 0), rss)

    def __enter__(self) -> Sampler:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join()

    def peak(self, kind: str) -> int:
        return max((v for (k, _pid), v in self.peaks.items() if k == kind), default=0)


def spark_kind(process: psutil.Process) -> str | None:
    line = " ".join(process.cmdline())
    if "java" in process.name() or "java" in line.split(" ")[0]:
        return "jvm"
    if "pyspark" in line or "daemon" in line or "worker" in line:
        return "python"
    return None


def sorted_table(table: pa.Table) -> pa.Table:
    return table.cast(core.ACTIONS_SCHEMA).sort_by("key")


def spread(durations: list[float]) -> str:
    """The longest task against the median task."""
    if not durations:
        return "no tasks"
    longest, median = max(durations), statistics.median(durations)
    return (
        f"{len(durations)} tasks, longest {longest:.1f} s, median {median:.1f} s "
        f"({longest / median if median else float('inf'):.1f}x)"
    )


def run_dask(client: Any, directory: Path, now: datetime) -> dict[str, Any]:
    from distributed import get_task_stream

    from guided_actions.dask import evaluate_all as dask_evaluate_all

    start = time.perf_counter()
    actions = dask_evaluate_all(directory, now)
    fan_out = time.perf_counter() - start
    with get_task_stream(client) as stream:
        frame = actions.compute()
    seconds = time.perf_counter() - start
    durations = [
        sum(s["stop"] - s["start"] for s in task["startstops"] if s["action"] == "compute")
        for task in stream.data
        if "_evaluate" in task["key"] or "evaluate" in str(task["key"])
    ]
    peaks = client.run(own_peak)
    return {
        "fan_out": fan_out,
        "seconds": seconds,
        "table": pa.Table.from_pandas(frame, preserve_index=False),
        "peaks": list(peaks.values()),
        "tasks": durations,
    }


def _stage_tasks(spark: Any) -> list[float]:
    """The durations of the tasks of the last stage Spark completed (the evaluation), from
    its status API."""
    base = f"{spark.sparkContext.uiWebUrl}/api/v1/applications/{spark.sparkContext.applicationId}"
    with urllib.request.urlopen(f"{base}/stages?status=complete") as response:
        stages = json.load(response)
    last = max(stages, key=lambda s: s["stageId"])
    url = f"{base}/stages/{last['stageId']}/{last['attemptId']}/taskList?length=100000"
    with urllib.request.urlopen(url) as response:
        tasks = json.load(response)
    return [t["duration"] / 1000 for t in tasks if t.get("status") == "SUCCESS"]


def run_spark(directory: Path, now: datetime) -> dict[str, Any]:
    from pyspark.sql import SparkSession

    from guided_actions.spark import evaluate_all as spark_evaluate_all

    with Sampler(spark_kind) as sampler:
        builder = SparkSession.builder.master("local[2]").config("spark.ui.port", "0")
        for key, value in SPARK_CONF.items():
            builder = builder.config(key, value)
        spark = builder.getOrCreate()
        spark.sparkContext.setLogLevel("ERROR")
        tables = {p.stem: spark.read.parquet(str(p)) for p in directory.glob("*.parquet")}
        start = time.perf_counter()
        actions = spark_evaluate_all(tables, now)
        fan_out = time.perf_counter() - start
        table = actions.toArrow()
        seconds = time.perf_counter() - start
        tasks = _stage_tasks(spark)
        spark.stop()
    return {
        "fan_out": fan_out,
        "seconds": seconds,
        "table": table,
        "jvm": sampler.peak("jvm"),
        "python": sampler.peak("python"),
        "tasks": tasks,
    }


def with_issued(document: dict[str, Any], count: int) -> dict[str, Any]:
    """``document`` with ``count`` issued actions more: random keys, each naming a contact."""
    rng = random.Random(0)
    contacts = [c["id"] for c in document["contacts"]]
    issued = [
        {"key": f"email_replies:{rng.getrandbits(80):020x}", "contact_ids": [rng.choice(contacts)]}
        for _ in range(count)
    ]
    return {**document, "issued_actions": [*document.get("issued_actions", ()), *issued]}


def first_book(snapshot: Snapshot, now: datetime, records: int) -> str:
    """The first rep's book: its size, the time to make its snapshot from its interchange
    document and to evaluate it alone, in this process."""
    user = snapshot.users()[0].id
    book = snapshot.book([user])
    document = book.to_dict()
    held = sum(len(v) for v in document.values() if isinstance(v, list))
    start = time.perf_counter()
    Snapshot.from_dict(document)  # what a runner's task does with the book's rows
    decoded = time.perf_counter() - start
    start = time.perf_counter()
    evaluate(book, now, user)
    return (
        f"{held:,} records ({held / records:.0%}), decoded in {decoded:.2f} s, evaluated "
        f"alone in {time.perf_counter() - start:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--contacts-per-user", type=int, default=200)
    parser.add_argument("--parquet", type=Path, help="the synthetic CRM's Parquet directory")
    parser.add_argument("--skewed-users", type=int, default=50)
    parser.add_argument("--skewed-contacts-per-user", type=int, default=200)
    parser.add_argument("--crms", default="synthetic,skewed")
    parser.add_argument("--engines", default="single,workers,dask,spark")
    parser.add_argument("--issued", type=int, default=0, help="issued actions to add")
    parser.add_argument(
        "--driver-memory", default=SPARK_CONF["spark.driver.memory"], help="Spark's driver memory"
    )
    args = parser.parse_args()
    engines = args.engines.split(",")
    SPARK_CONF["spark.driver.memory"] = args.driver_memory
    print(" ".join(["python", *sys.argv]))

    from distributed import Client, LocalCluster

    with tempfile.TemporaryDirectory() as work:
        for name in args.crms.split(","):
            now = NOW if name == "synthetic" else SKEWED_NOW
            start = time.perf_counter()
            if name == "synthetic" and args.parquet is not None:
                directory = args.parquet
                snapshot = read_parquet(directory)
            else:
                if name == "synthetic":
                    document = generate(
                        users=args.users, contacts_per_user=args.contacts_per_user, now=now
                    )
                else:
                    document = skewed_crm(
                        users=args.skewed_users, contacts_per_user=args.skewed_contacts_per_user
                    )
                snapshot = Snapshot.from_dict(document)
                del document
                directory = Path(work) / name
                write_parquet(snapshot, directory)
            made = time.perf_counter() - start
            records = sum(len(snapshot.records(n)) for n in snapshot.to_dict() if n != "schema")
            users = len(snapshot.users())
            contacts = len(snapshot.records("contacts"))
            print(
                f"\n{name}: {users} users, {contacts:,} contacts, {records:,} records "
                f"(made and written in {made:.1f} s)"
            )
            print(f"  first rep's book: {first_book(snapshot, now, records)}")
            if args.issued and name == "synthetic":
                more = Snapshot.from_dict(with_issued(snapshot.to_dict(), args.issued))
                print(f"  with {args.issued:,} issued actions: {first_book(more, now, records)}")
                del more
            del snapshot
            want = None
            for engine, workers in (("single", 1), ("workers", 2)):
                if engine in engines:
                    seconds, peak, children, got = single(directory, now, workers)
                    got = sorted_table(got)
                    assert want is None or got.equals(want), "workers=2 differs"
                    want = got
                    extra = f", its largest worker {children / MB:.0f} MB" if workers > 1 else ""
                    print(
                        f"  single process, workers={workers}  {seconds:8.1f} s   "
                        f"peak {peak / MB:.0f} MB{extra}"
                    )
            if "dask" in engines:
                with (
                    LocalCluster(
                        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0"
                    ) as cluster,
                    Client(cluster) as client,
                ):
                    out = run_dask(client, directory, now)
                assert want is None or sorted_table(out["table"]).equals(want), "dask differs"
                shown = ", ".join(f"{p / MB:.0f}" for p in out["peaks"])
                print(
                    f"  dask 2 workers  {out['seconds']:8.1f} s (read and fan-out "
                    f"{out['fan_out']:.1f} s)   peak per worker {shown} MB"
                )
                print(f"    evaluation: {spread(out['tasks'])}")
            if "spark" in engines:
                out = run_spark(directory, now)
                assert want is None or sorted_table(out["table"]).equals(want), "spark differs"
                print(
                    f"  spark local[2]  {out['seconds']:8.1f} s (read and fan-out "
                    f"{out['fan_out']:.1f} s)   peak JVM {out['jvm'] / MB:.0f} MB, "
                    f"Python worker {out['python'] / MB:.0f} MB"
                )
                print(f"    evaluation: {spread(out['tasks'])}")


if __name__ == "__main__":
    main()
