"""Stress campaign (not a timed benchmark): many seeds of the suite's thread property test, each
a few threads running random transactions (nested ones, rollbacks, recursive removals, truth
values, values) on one opened store, then a reopen compared with what memory held at close.

The suite runs a handful of seeds per backend; this runs as many as asked and reports how many
reopened to something other than memory (0 is the only acceptable figure).

Run: ``python -m bench.stress_threads [--seeds 200] [--threads 4] [--rounds 100]
[--postgres URL]`` (the PostgreSQL database given is scratch: it is emptied for every seed).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"


def run(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.stress_threads")
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--postgres", metavar="URL", default=os.environ.get("ATOMTRIG_BENCH_POSTGRES"))
    args = parser.parse_args(argv)
    sys.path.insert(0, str(TESTS))
    from storage_support import Store, empty_postgres, snapshot  # the suite's own helpers
    from test_storage_threads import _run_threads

    kinds = ["memory", "sqlite"] + (["postgresql"] if args.postgres else [])
    print("| backend | seeds | threads x rounds | differing reopens | errors | seconds |")
    print("|---|---:|---|---:|---:|---:|")
    worst = 0
    for kind in kinds:
        differ = errors = 0
        began = time.perf_counter()
        for seed in range(args.seeds):
            with tempfile.TemporaryDirectory() as folder:
                if kind == "postgresql":
                    empty_postgres(args.postgres)
                store = Store(kind, Path(folder), args.postgres if kind == "postgresql" else None)
                space = store.open()
                try:
                    _run_threads(space, seed, args.threads, args.rounds)
                except AssertionError:
                    errors += 1
                memory = snapshot(space)
                again = store.reopen(space)
                differ += snapshot(again) != memory
                again.close()
        seconds = time.perf_counter() - began
        worst = max(worst, differ + errors)
        print(f"| {kind} | {args.seeds} | {args.threads} x {args.rounds} | {differ} | {errors} "
              f"| {seconds:.0f} |", flush=True)
    return 1 if worst else 0


if __name__ == "__main__":
    sys.exit(run())
