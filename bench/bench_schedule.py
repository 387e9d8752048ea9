"""Schedule runner benchmark: N schedules due every second on 1, 2 or 4 runners.

Each schedule is ``(ScheduledExecutionLink (NumberNode 1000) (ConceptNode "Repeating")
(ExecutionOutputLink (GroundedSchemaNode "py:bench-schedule-tick") (ListLink (Concept
"s_i"))))``; ``tick`` (registered with ``@grounded``) counts its calls. The runner runs for ``--seconds`` (the first second is
warm-up, not counted). Figures: lateness of each run (start - due time) p50 and p99 in ms, CPU
time used per wall second (%), runs per second, and runs recorded missed.

Contenders:

- ``floor`` (the baseline): a hand-written loop over a ``heapq`` of due times calling ``tick``
  directly, in memory, no store: what any scheduler in one Python process pays at least.
- ``durable-spread-Kr``: K ``atomtrig schedule`` runners (:class:`ScheduleRunner`, each in its
  own process) sharing an SQLite store, the schedules' due times spread over the second (as
  when they were added at different times; the schedule rows are seeded so).
- ``durable-aligned-1r``: one runner with every schedule due at the same instant (all added at
  once): each second, N runs come due together, so the last ones wait for the first ones.

``step-cost``: CPU time (``time.process_time``) per run of one ``ScheduleRunner.step()`` with
min(N, 2,000) runs due at once on a manual clock (no waiting), and of the body alone: what the
bookkeeping costs whatever the machine's load does to wall-clock figures.

Run: ``python -m bench.bench_schedule [--n 10000] [--seconds 8] [--repeats 3] [--markdown F]``.
Target: p99 lateness < 100 ms at N = 10,000 (every durable contender checked).
"""

from __future__ import annotations

import argparse
import heapq
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.harness import Job, Report, Target, first_failure, run_interleaved, successes

CALLS = [0]


def tick(*atoms: Any) -> Any:
    CALLS[0] += 1
    return atoms[0] if atoms else None


def _register() -> None:
    from atomtrig.query.grounded import grounded

    grounded("bench-schedule-tick")(tick)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    if not ordered:
        return float("nan"), float("nan")
    p50 = ordered[len(ordered) // 2]
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return p50 * 1000, p99 * 1000


class _ShiftedClock:
    """The real clock moved by ``shift`` seconds (the schedules' due times are seeded an hour
    ahead; once the runner has loaded, its clock is moved to just before them)."""

    def __init__(self) -> None:
        self.shift = 0.0

    def time(self) -> float:
        return time.time() + self.shift

    def sleep(self, seconds: float, stop: threading.Event | None = None) -> None:
        if seconds > 0:
            if stop is None:
                time.sleep(seconds)
            else:
                stop.wait(seconds)


def floor_target(probe: Any, n: int, seconds: float) -> dict[str, Any]:
    start = time.time() + 0.5
    heap = [(start + i / n, i) for i in range(n)]
    heapq.heapify(heap)
    lateness: list[float] = []
    warm = start + 1.0
    end = start + seconds
    cpu0, wall0 = None, None
    while True:
        now = time.time()
        if now >= end:
            break
        due, i = heap[0]
        if due > now:
            time.sleep(min(due - now, 0.05))
            continue
        heapq.heapreplace(heap, (due + 1.0, i))
        t = time.time()
        if due >= warm:
            if cpu0 is None:
                cpu0, wall0 = _cpu(), t
            lateness.append(t - due)
        tick()
    cpu = (_cpu() - cpu0) / (time.time() - wall0) if cpu0 is not None and wall0 else 0.0
    p50, p99 = _percentiles(lateness)
    return {"p50": p50, "p99": p99, "cpu": cpu * 100, "runs": len(lateness) / (seconds - 1.0),
            "missed": 0}


_RUNNER = """
import json, sys, threading, time
sys.path.insert(0, sys.argv[2])
from bench import bench_schedule
from bench.bench_schedule import _cpu
from atomtrig.triggers.scheduler import ScheduleRunner
bench_schedule._register()
warm, end = float(sys.argv[3]), float(sys.argv[4])
runner = ScheduleRunner.open(sys.argv[1], keep_runs=2, poll=0.05)
print("ready", flush=True)
marks = {}
def stopper():
    while time.time() < warm:
        time.sleep(0.005)
    marks["cpu0"], marks["wall0"], marks["i0"] = _cpu(), time.time(), len(runner.lateness)
    while time.time() < end:
        time.sleep(0.01)
    marks["cpu1"], marks["wall1"], marks["i1"] = _cpu(), time.time(), len(runner.lateness)
    runner.stop()
thread = threading.Thread(target=stopper, daemon=True)
thread.start()
runner.run_forever()
thread.join()
late = list(runner.lateness)[marks["i0"]:marks["i1"]]
cpu = (marks["cpu1"] - marks["cpu0"]) / (marks["wall1"] - marks["wall0"])
print(json.dumps({"late": late, "cpu": cpu, "missed": runner.outcomes.get("missed", 0)}), flush=True)
runner.close()
"""


def durable_target(probe: Any, n: int, seconds: float, spread: bool,
                   runners: int = 1) -> dict[str, Any]:
    """``runners`` ``atomtrig schedule`` runners (processes) on one SQLite store with ``n``
    schedules due every second, seeded to start a few seconds from now."""
    import json
    import sqlite3
    import subprocess

    import atomtrig
    from atomtrig.core.printer import to_oneline
    from atomtrig.triggers.scheduler import records

    _register()
    folder = tempfile.mkdtemp(prefix="bench_schedule_")
    path = str(Path(folder) / "kb.db")
    space = atomtrig.AtomSpace.open(path, workers=0)
    schema = space.add_node("GroundedSchema", "py:bench-schedule-tick")
    period = space.add_node("Number", "1000")
    repeating = space.add_node("Concept", "Repeating")
    with space.transaction():
        links = [space.add_link("ScheduledExecutionLink", [period, repeating, space.add_link(
            "ExecutionOutput", [schema, space.add_link("List", [space.add_node("Concept", f"s_{i}")])])])
            for i in range(n)]
    ids = [space.store.atom_id(link) for link in links]
    texts = [to_oneline(link) for link in links]
    space.close()
    start = time.time() + 4.0 + runners  # the runners have opened the store by then
    rows = []
    for i, (atom_id, text) in enumerate(zip(ids, texts)):
        first = round(start + (i / n if spread else 0.0), 6)
        state = records.encode_state(records.new_state(text, start - 1.0, first), json.dumps(text))
        rows.append((first, state, atom_id))
    conn = sqlite3.connect(path)
    conn.executemany("UPDATE schedules SET next_due = ?, state = ? WHERE trigger = ?", rows)
    conn.commit()
    conn.close()
    root = str(Path(__file__).resolve().parent.parent)
    warm, end = start + 1.0, start + seconds
    children = [subprocess.Popen([sys.executable, "-c", _RUNNER, path, root, repr(warm), repr(end)],
                                 stdout=subprocess.PIPE, text=True) for _ in range(runners)]
    results = []
    for child in children:
        assert child.stdout is not None
        lines = child.stdout.read().splitlines()
        child.wait(60)
        results.append(json.loads(lines[-1]))
    late = [x for r in results for x in r["late"]]
    p50, p99 = _percentiles(late)
    result = {"p50": p50, "p99": p99, "cpu": sum(r["cpu"] for r in results) * 100,
              "runs": len(late) / (seconds - 1.0), "missed": sum(r["missed"] for r in results)}
    for f in Path(folder).iterdir():
        f.unlink()
    os.rmdir(folder)
    return result


def step_cost_target(probe: Any, n: int, steps: int = 6) -> dict[str, Any]:
    """CPU time per run of ``ScheduleRunner.step()`` with ``n`` runs due at once (a manual
    clock: no waiting), and of the body alone (``space.execute`` of the same link)."""
    import atomtrig
    from atomtrig.triggers.scheduler import ManualWallClock, ScheduleRunner

    _register()
    folder = tempfile.mkdtemp(prefix="bench_schedule_")
    path = str(Path(folder) / "kb.db")
    space = atomtrig.AtomSpace.open(path, workers=0)
    schema = space.add_node("GroundedSchema", "py:bench-schedule-tick")
    with space.transaction():
        for i in range(n):
            space.add_link("ScheduledExecutionLink", [
                space.add_node("Number", "1000"), space.add_node("Concept", "Repeating"),
                space.add_link("ExecutionOutput", [schema, space.add_link(
                    "List", [space.add_node("Concept", f"s_{i}")])])])
    space.close()
    clock = ManualWallClock(1e9)
    runner = ScheduleRunner.open(path, clock=clock)
    runner.step()
    costs = []
    for _ in range(steps):
        clock.advance(1.0)
        t = time.process_time()
        runner.step()
        costs.append((time.process_time() - t) / n * 1e6)
    runner.close()
    plain = atomtrig.AtomSpace()
    body = plain.add_link("ExecutionOutput", [plain.add_node("GroundedSchema", "py:bench-schedule-tick"),
                                              plain.add_link("List", [plain.add_node("Concept", "x")])])
    t = time.process_time()
    for _ in range(n):
        plain.execute(body)
    body_us = (time.process_time() - t) / n * 1e6
    for f in Path(folder).iterdir():
        f.unlink()
    os.rmdir(folder)
    return {"run_us": statistics.median(costs), "body_us": body_us}


def run(argv: list[str] | None = None) -> Report:
    p = argparse.ArgumentParser(prog="python -m bench.bench_schedule")
    p.add_argument("--n", type=int, default=10_000)
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--markdown", metavar="FILE")
    p.add_argument("--json", metavar="FILE")
    args = p.parse_args(argv)
    report = Report("schedule", baseline="floor", json_path=args.json)
    jobs = [
        Job("floor", "bench.bench_schedule:floor_target", {"n": args.n, "seconds": args.seconds}),
        *[Job(f"durable-spread-{r}r", "bench.bench_schedule:durable_target",
              {"n": args.n, "seconds": args.seconds, "spread": True, "runners": r})
          for r in (1, 2, 4)],
        Job("durable-aligned-1r", "bench.bench_schedule:durable_target",
            {"n": args.n, "seconds": args.seconds, "spread": False, "runners": 1}),
    ]
    results = run_interleaved(jobs, args.repeats)
    for contender, runs in results.items():
        ok = successes(runs)
        if not ok:
            fl = first_failure(runs)
            reason = fl.reason if fl else "no result"
            if fl is not None and fl.stderr:
                reason += ": " + fl.stderr.strip().splitlines()[-1][:200]
            report.fail("every-second", args.n, contender, reason)
            continue
        report.add("every-second", args.n, contender, "lateness p50", "ms",
                   [r["p50"] for r in ok], better="lower")
        report.add("every-second", args.n, contender, "lateness p99", "ms",
                   [r["p99"] for r in ok], better="lower")
        report.add("every-second", args.n, contender, "cpu", "%", [r["cpu"] for r in ok],
                   better="lower")
        report.add("every-second", args.n, contender, "runs", "runs/s", [r["runs"] for r in ok])
        report.add("every-second", args.n, contender, "missed", "runs", [r["missed"] for r in ok],
                   better="lower")
    cost = successes(run_interleaved([Job("durable-step", "bench.bench_schedule:step_cost_target",
                                          {"n": min(args.n, 2000)})], args.repeats)["durable-step"])
    if cost:
        report.add("step-cost", min(args.n, 2000), "durable-step", "cpu per run", "us",
                   [r["run_us"] for r in cost], better="lower")
        report.add("step-cost", min(args.n, 2000), "durable-step", "cpu per body alone", "us",
                   [r["body_us"] for r in cost], better="lower")
    report.flush()
    for c in ("durable-spread-1r", "durable-spread-2r", "durable-spread-4r", "durable-aligned-1r"):
        report.target(Target(f"{c}: p99 lateness < 100 ms at N={args.n:,}", "every-second",
                             "lateness p99", c, args.n, 100.0, "<"))
    report.note(f"{args.seconds:g} s per run, the first second not counted; medians of "
                f"{args.repeats} interleaved runs, each in a fresh process.")
    report.finish(markdown=args.markdown)
    return report


def main(argv: list[str] | None = None) -> int:
    run(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
