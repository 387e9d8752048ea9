"""Soak run (not a timed benchmark): two ``atomtrig schedule`` runners on one store for several
minutes, one of them SIGKILLed and restarted every ``--kill-every`` seconds. Each run of the
schedules' body adds one to a counter of its due time, in the store (committed with the run), so
a due time run twice shows as 2. Reports due times run, double runs (must be 0), and the longest
gap between consecutive runs of a schedule (a killed runner's schedules must be taken over
within one lease).

Run: ``python -m bench.soak_runners [--minutes 3] [--schedules 5] [--period-ms 200]
[--lease 2] [--kill-every 20] [--store LOCATION]``.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = str(Path(__file__).resolve().parent.parent)


def mark_due(*atoms: Any) -> Any:
    """The body: count this run under its schedule and due time, in the store."""
    import atomtrig
    from atomtrig.triggers import current_firing

    firing = current_firing()
    assert firing is not None and firing.due is not None
    space = atomtrig.current_atomspace()
    which = atoms[0].name if atoms and atoms[0] is not None else "?"
    node = space.add_node("Concept", f"due:{which}:{firing.due!r}")
    old = node.get_value("runs")
    space.set_value(node, "runs", [1 + (old[0] if old is not None else 0)])
    return node


def _runner(location: str, lease: float) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen(
        [sys.executable, "-m", "atomtrig.cli", "schedule", "--store", location, "--allow-module",
         "bench", "--lease", str(lease), "--quiet", "--poll", "0.2"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def run(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.soak_runners")
    p.add_argument("--minutes", type=float, default=3.0)
    p.add_argument("--schedules", type=int, default=5)
    p.add_argument("--period-ms", type=int, default=200)
    p.add_argument("--lease", type=float, default=2.0)
    p.add_argument("--kill-every", type=float, default=20.0)
    p.add_argument("--store", help="a store location (default: a new SQLite file)")
    args = p.parse_args(argv)
    import atomtrig

    location = args.store or os.path.join(tempfile.mkdtemp(), "kb.db")
    space = atomtrig.AtomSpace.open(location, workers=0)
    for i in range(args.schedules):
        space.eval_atomese(
            f'(ScheduledExecutionLink (NumberNode {args.period_ms}) (ConceptNode "Repeating") '
            f'(ExecutionOutputLink (GroundedSchemaNode "py:bench.soak_runners.mark_due") '
            f'(ListLink (ConceptNode "s{i}"))))')
    space.close()
    runners = [_runner(location, args.lease), _runner(location, args.lease)]
    kills = 0
    end = time.monotonic() + args.minutes * 60
    next_kill = time.monotonic() + args.kill_every
    while time.monotonic() < end:
        time.sleep(0.5)
        if time.monotonic() >= next_kill:
            victim = runners[kills % 2]
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            runners[kills % 2] = _runner(location, args.lease)
            kills += 1
            next_kill = time.monotonic() + args.kill_every
    for r in runners:
        r.send_signal(signal.SIGTERM)
    for r in runners:
        r.wait(60)
    space = atomtrig.AtomSpace.open(location, readonly=True)
    counts: dict[str, list[tuple[float, float]]] = {}
    try:
        for node in space.get_atoms_by_type("ConceptNode"):
            if node.name.startswith("due:"):
                _, which, due = node.name.split(":", 2)
                counts.setdefault(which, []).append((float(due), node.get_value("runs")[0]))
    finally:
        space.close()
    runs = sum(len(v) for v in counts.values())
    doubles = sum(1 for v in counts.values() for _, n in v if n > 1)
    gaps = [b - a for v in counts.values() for (a, _), (b, _) in zip(sorted(v), sorted(v)[1:])]
    print("| minutes | schedules x period | runners | kills (SIGKILL) | due times run | double runs "
          f"| longest gap between runs | lease |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    print(f"| {args.minutes:g} | {args.schedules} x {args.period_ms} ms | 2 | {kills} | {runs:,} "
          f"| {doubles} | {max(gaps, default=0):.2f} s | {args.lease:g} s |")
    return 1 if doubles else 0


if __name__ == "__main__":
    sys.exit(run())
