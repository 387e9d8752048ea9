"""Storage benchmark (issue 6): bulk insert into a store, reopening a store, single-change commits.

Workloads (the atoms are W1's of ``bench_core``: N links ``(Inheritance c_i c_(i mod 1000))``
with their nodes, 2N atoms; N = 500k by default, so 1M atoms):

- **S1 bulk insert**: the 2N atoms added through the public API, in transactions of
  ``--tx`` atoms (10,000 by default); figure: atoms per second, from the first add to the last
  commit. Contenders: ``memory`` (``atomtrig.AtomSpace()``, no store, no transactions: the
  in-memory store, baseline of the ratios), ``memory-tx`` (the same in ``space.transaction()``
  blocks: what the undo log costs), ``sqlite`` (``AtomSpace.open(path)``, WAL,
  ``synchronous="NORMAL"``, the default) and ``sqlite-full`` (``synchronous="FULL"``).
- **S2 reopen**: ``AtomSpace.open`` of the 2N-atom SQLite store built (untimed) in the same
  process; figure: atoms per second. ``memory`` here is building the same space from scratch
  through ``add_node``/``add_link`` in memory, for scale.
- **S3 single-change commits**: ``--changes`` truth-value updates, each its own API call and so
  its own commit (WAL); figure: commits per second, for ``sqlite`` (NORMAL) and ``sqlite-full``
  (FULL), against ``memory`` doing the same updates with no store.

Each contender runs in a fresh process, interleaved, medians over ``--repeats`` rounds (see
``bench/harness.py``). Run ``python -m bench.bench_storage --help``; ``--quick`` is a smoke run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.harness import Job, Report, Target, first_failure, run_interleaved, successes

FANOUT = 1000
S1_CONTENDERS = ("memory", "memory-tx", "sqlite", "sqlite-full")
S3_CONTENDERS = ("memory", "sqlite", "sqlite-full")


def _fill(space: Any, n: int, tx: int | None) -> None:
    add_node, add_link = space.add_node, space.add_link
    per = max(1, (tx or 2 * n) // 2)  # links per transaction: each adds ~2 atoms
    for start in range(0, n, per):
        stop = min(n, start + per)
        if tx:
            with space.transaction():
                for i in range(start, stop):
                    add_link("Inheritance", [add_node("Concept", f"c{i}"),
                                             add_node("Concept", f"c{i % FANOUT}")])
        else:
            for i in range(start, stop):
                add_link("Inheritance", [add_node("Concept", f"c{i}"),
                                         add_node("Concept", f"c{i % FANOUT}")])


def _fresh_postgres(url: str) -> str:
    """An empty database for one run: ``url``'s database is emptied (a benchmark database)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    return url


def _open(contender: str, folder: str, postgres: str | None = None) -> Any:
    import atomtrig

    path = Path(folder) / "kb.db"
    if contender == "postgresql":
        assert postgres, "the postgresql contender needs --postgres URL"
        return atomtrig.AtomSpace.open(_fresh_postgres(postgres))
    if contender == "sqlite":
        return atomtrig.AtomSpace.open(path, synchronous="NORMAL")
    if contender == "sqlite-full":
        return atomtrig.AtomSpace.open(path, synchronous="FULL")
    return atomtrig.AtomSpace()


def insert_target(probe: Any, contender: str, n: int, tx: int,
                  postgres: str | None = None) -> dict[str, Any]:
    """S1: insert 2N atoms; atoms per second including the commits."""
    with tempfile.TemporaryDirectory() as folder:
        space = _open(contender, folder, postgres)
        t0, c0 = time.perf_counter(), time.process_time()
        _fill(space, n, None if contender == "memory" else tx)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        atoms = len(space)
        if not contender.startswith("memory"):
            space.close()
    return {"atoms": atoms, "seconds": seconds, "rate": atoms / seconds, "cpu_rate": atoms / cpu}


def reopen_target(probe: Any, contender: str, n: int, tx: int,
                  postgres: str | None = None) -> dict[str, Any]:
    """S2: reopen a 2N-atom store (or, for ``memory``, build the space in memory)."""
    import atomtrig

    with tempfile.TemporaryDirectory() as folder:
        if contender == "memory":
            space = atomtrig.AtomSpace()
            t0, c0 = time.perf_counter(), time.process_time()
            _fill(space, n, None)
            seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
            return {"atoms": len(space), "seconds": seconds, "rate": len(space) / seconds,
                    "cpu_rate": len(space) / cpu}
        space = _open(contender, folder, postgres)
        _fill(space, n, tx)
        space.close()
        where = postgres if contender == "postgresql" else Path(folder) / "kb.db"
        t0, c0 = time.perf_counter(), time.process_time()
        space = atomtrig.AtomSpace.open(where)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        atoms = len(space)
        space.close()
    return {"atoms": atoms, "seconds": seconds, "rate": atoms / seconds, "cpu_rate": atoms / cpu}


def commit_target(probe: Any, contender: str, changes: int,
                  postgres: str | None = None) -> dict[str, Any]:
    """S3: single truth-value changes, each committed by itself."""
    from atomtrig import stv

    with tempfile.TemporaryDirectory() as folder:
        space = _open(contender, folder, postgres)
        atoms = [space.add_node("Concept", f"a{i}") for i in range(100)]
        t0, c0 = time.perf_counter(), time.process_time()
        for i in range(changes):
            space.set_tv(atoms[i % 100], stv((i % 1000) / 1000, 0.5))
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        if contender != "memory":
            space.close()
    return {"changes": changes, "seconds": seconds, "rate": changes / seconds,
            "cpu_rate": changes / cpu}


def _progress(round_: int, job: Job, result: Any) -> None:
    what = "FAILED" if not isinstance(result, dict) else f"{result.get('rate', 0):,.0f}/s"
    print(f"  round {round_ + 1} {job.contender:12s} {job.target.split(':')[1]:14s} {what}",
          file=sys.stderr, flush=True)


def _size(text: str) -> int:
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * scale)


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_storage", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--links", type=_size, default=500_000,
                        help="N links (2N atoms) for S1/S2 (default 500k: 1M atoms)")
    parser.add_argument("--tx", type=_size, default=10_000, help="atoms per transaction (10k)")
    parser.add_argument("--changes", type=_size, default=3_000, help="S3 commits per round")
    parser.add_argument("--repeats", type=int, default=3, help="rounds (default 3)")
    parser.add_argument("--workloads", default="S1,S2,S3")
    parser.add_argument("--quick", action="store_true", help="smoke run: 5k links, 1 round")
    parser.add_argument("--postgres", metavar="URL", default=os.environ.get("ATOMTRIG_BENCH_POSTGRES"),
                        help="also measure PostgreSQL in this (scratch: it is emptied) database")
    parser.add_argument("--json", dest="json_path", help="also write the JSON lines here")
    parser.add_argument("--markdown", help="also write the figures as Markdown here")
    args = parser.parse_args(argv)
    if args.quick:
        args.links, args.repeats, args.changes = 5_000, 1, 300
    args.workloads = [w.strip().upper() for w in args.workloads.split(",") if w.strip()]
    return args


def _record(report: Report, workload: str, size: int, metric: str, unit: str,
            samples: dict[str, list[Any]]) -> None:
    for contender, results in samples.items():
        ok = successes(results)
        if ok:
            report.add(workload, size, contender, metric, unit, [r["rate"] for r in ok])
            report.add(workload, size, contender, f"{metric} per CPU-s", unit,
                       [r["cpu_rate"] for r in ok])
        else:
            failure = first_failure(results)
            report.fail(workload, size, contender, failure.reason if failure else "no result")


def run(argv: list[str] | None = None, stream: Any = None) -> Report:
    args = _args(argv)
    report = Report("storage", baseline="memory", stream=stream, json_path=args.json_path)
    n, atoms = args.links, 2 * args.links
    pg = ("postgresql",) if args.postgres else ()
    extra = {"postgres": args.postgres}
    if "S1" in args.workloads:
        samples = run_interleaved(
            [Job(c, "bench.bench_storage:insert_target",
                 {"contender": c, "n": n, "tx": args.tx, **extra})
             for c in S1_CONTENDERS + pg], args.repeats, _progress)
        _record(report, "S1 bulk insert", atoms, "insert", "atoms/s", samples)
        report.target(Target(f"S1 sqlite {atoms:,} atoms >= 100,000 atoms/s", "S1 bulk insert",
                             "insert", "sqlite", atoms, 100_000))
        report.target(Target(f"S1 sqlite {atoms:,} atoms >= 0.3x memory", "S1 bulk insert",
                             "insert", "sqlite", atoms, 0.3, vs="memory"))
        report.flush()
    if "S2" in args.workloads:
        samples = run_interleaved(
            [Job(c, "bench.bench_storage:reopen_target",
                 {"contender": c, "n": n, "tx": args.tx, **extra})
             for c in ("memory", "sqlite") + pg], args.repeats, _progress)
        _record(report, "S2 reopen", atoms, "load", "atoms/s", samples)
        report.target(Target(f"S2 sqlite reopen {atoms:,} atoms >= 300,000 atoms/s",
                             "S2 reopen", "load", "sqlite", atoms, 300_000))
        report.flush()
    if "S3" in args.workloads:
        samples = run_interleaved(
            [Job(c, "bench.bench_storage:commit_target",
                 {"contender": c, "changes": args.changes, **extra})
             for c in S3_CONTENDERS + pg], args.repeats, _progress)
        _record(report, "S3 single commits", args.changes, "commit", "commits/s", samples)
        report.flush()
    report.note("per CPU-s: the same count over the process's CPU time (time.process_time), "
                "less sensitive to other jobs on the VM; it leaves out time waiting for the disk.")
    report.note(f"S1/S2: W1 atoms, {n:,} links + their nodes; S1 transactions of {args.tx:,} "
                "atoms (memory: none). S2 memory = building the same space in memory. "
                "S3: one set_tv per commit; memory has no store (reference).")
    report.finish(markdown=args.markdown)
    return report


def main(argv: list[str] | None = None) -> int:
    run(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
