"""Every rep's actions through the Dask and Spark runners on two local workers, against
single-process ``evaluate_all``, on the synthetic CRM and on the skewed one.

Run from the repository root, after ``pip install -e '.[test]'`` (pyspark, dask, pyarrow; Spark
needs Java)::

    python benchmarks/distributed.py                  # 50 x 200 = 10k contacts; skewed 2k
    python benchmarks/distributed.py --users 100 --contacts-per-user 10000   # 1 M contacts

The CRMs are ``guided_actions.synthetic.generate(users=…, contacts_per_user=…, seed=0, now=…)``
and ``skewed_crm`` of ``tests/crms.py`` (``--skewed-users`` x ``--skewed-contacts-per-user``,
10 x 200 by default: its first rep concerns ~30 % of the records; making it takes a snapshot
per step, so it is kept smaller), each written once as a Parquet directory
(``guided_actions.frames.write_parquet``).
Then, for each CRM, once each:

- single process: ``read_parquet`` then ``evaluate_all(...).to_arrow()``;
- Dask: ``guided_actions.dask.evaluate_all(directory, now).compute()`` on a ``LocalCluster`` of
  2 worker processes of 1 thread;
- Spark: ``guided_actions.spark.evaluate_all({list: spark.read.parquet(file)}, now).toArrow()``
  on ``local[2]`` (``spark.sql.shuffle.partitions`` 8, adaptive execution on).

The first rep's book (``snapshot.book([rep])``: the skewed CRM's heavy one, the longest task of
either runner) is also evaluated alone, in this process. Each runner's table is checked equal to
the single process's, sorted by key. Prints wall-clock seconds and the peak resident memory of
each process: the single process's own, each Dask worker's (``getrusage`` run on the workers)
and Spark's JVM and Python workers' (sampled from ``/proc`` every 0.1 s: the JVM holds the rows
between stages, the Python workers run the library's code, a user's book in one of them).
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import tempfile
import threading
import time
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


def _single(directory: str, now: datetime, out: Any) -> None:
    """In a fresh process: the single-process table, its time and the process's peak memory."""
    start = time.perf_counter()
    table = evaluate_all(read_parquet(directory), now).to_arrow()
    seconds = time.perf_counter() - start
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    out.send((seconds, peak, sink.getvalue().to_pybytes()))


def single(directory: Path, now: datetime) -> tuple[float, int, pa.Table]:
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_single, args=(str(directory), now, send))
    process.start()
    seconds, peak, data = receive.recv()
    process.join()
    return seconds, peak, pa.ipc.open_stream(data).read_all()


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


def run_dask(client: Any, directory: Path, now: datetime) -> tuple[float, pa.Table, list[int]]:
    from guided_actions.dask import evaluate_all as dask_evaluate_all

    start = time.perf_counter()
    frame = dask_evaluate_all(directory, now).compute()
    seconds = time.perf_counter() - start
    peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    return seconds, pa.Table.from_pandas(frame, preserve_index=False), list(peaks.values())


def run_spark(directory: Path, now: datetime) -> tuple[float, pa.Table, int, int]:
    from pyspark.sql import SparkSession

    from guided_actions.spark import evaluate_all as spark_evaluate_all

    with Sampler(spark_kind) as sampler:
        spark = (
            SparkSession.builder.master("local[2]")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "8")
            .config("spark.sql.adaptive.enabled", "true")
            .config("spark.driver.memory", "4g")
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        tables = {p.stem: spark.read.parquet(str(p)) for p in directory.glob("*.parquet")}
        start = time.perf_counter()
        table = spark_evaluate_all(tables, now).toArrow()
        seconds = time.perf_counter() - start
        spark.stop()
    return seconds, table, sampler.peak("jvm"), sampler.peak("python")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--contacts-per-user", type=int, default=200)
    parser.add_argument("--skewed-users", type=int, default=10)
    parser.add_argument("--skewed-contacts-per-user", type=int, default=200)
    parser.add_argument("--engines", default="dask,spark")
    args = parser.parse_args()
    engines = args.engines.split(",")
    print(" ".join(["python", *sys.argv]))

    from distributed import Client, LocalCluster

    documents = {
        "synthetic": generate(
            users=args.users, contacts_per_user=args.contacts_per_user, seed=0, now=NOW
        ),
        "skewed": skewed_crm(
            users=args.skewed_users, contacts_per_user=args.skewed_contacts_per_user
        ),
    }
    with tempfile.TemporaryDirectory() as work:
        for name, document in documents.items():
            now = NOW if name == "synthetic" else SKEWED_NOW
            snapshot = Snapshot.from_dict(document)
            directory = Path(work) / name
            write_parquet(snapshot, directory)
            records = sum(len(v) for v in document.values() if isinstance(v, list))
            users = len(document["users"])
            contacts = len(document["contacts"])
            print(f"\n{name}: {users} users, {contacts:,} contacts, {records:,} records")
            # The first rep's book: the skewed CRM's heavy one (in the synthetic CRM every book
            # has the same shape), the longest task of either runner, evaluated alone here.
            heaviest = document["users"][0]["id"]
            book = snapshot.book([heaviest])
            held = sum(len(r) for r in book.to_dict().values() if isinstance(r, list))
            start = time.perf_counter()
            evaluate(book, now, heaviest)
            alone = time.perf_counter() - start
            print(
                f"  first rep's book{heaviest}: {held:,} records ({held / records:.0%}), "
                f"evaluated alone in {alone:.1f} s"
            )
            del snapshot, document, book
            seconds, peak, want = single(directory, now)
            want = sorted_table(want)
            print(f"  single process  {seconds:8.1f} s   peak {peak / MB:8.0f} MB")
            if "dask" in engines:
                with (
                    LocalCluster(
                        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0"
                    ) as cluster,
                    Client(cluster) as client,
                ):
                    seconds, got, peaks = run_dask(client, directory, now)
                assert sorted_table(got).equals(want), "dask differs"
                shown = ", ".join(f"{p / MB:.0f}" for p in peaks)
                print(f"  dask 2 workers  {seconds:8.1f} s   peak per worker {shown} MB")
            if "spark" in engines:
                seconds, got, jvm, python = run_spark(directory, now)
                assert sorted_table(got).equals(want), "spark differs"
                print(
                    f"  spark local[2]  {seconds:8.1f} s   peak JVM {jvm / MB:.0f} MB, "
                    f"Python worker {python / MB:.0f} MB"
                )


if __name__ == "__main__":
    main()
