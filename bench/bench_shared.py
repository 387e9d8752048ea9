"""Shared-store benchmark: asynchronous trigger firings run by worker processes, and the change
feed, on SQLite and PostgreSQL.

Workloads (each contender in a fresh process, which starts the worker/follower processes it
needs; every process on this machine, loopback only):

- ``burst``: a writer (``workers=0``) commits ``--firings`` links at once (one transaction), each
  firing an asynchronous RelationshipTriggerLink whose target notes when it ran; 1, 2 or 4
  worker processes (one worker thread each, already waiting) claim and run them. Figure:
  firings per second from the commit to the last run. Baseline: the same burst on one
  in-memory AtomSpace (its in-process worker pool), the single-process path.
- ``trickle``: the writer commits one firing at a time, ``--rate`` a second for ``--seconds``;
  figure: commit-to-run latency p50/p99 (ms) with 2 workers.
- ``feed``: a writer commits one node at a time at ``--rate`` a second; another process that
  has the store open notes when each reached its atoms (``StoreBinding.on_remote``). Figure:
  change-feed lag p50/p99 (ms).

Run: ``python -m bench.bench_shared [--postgres URL] [--firings 5000] [--repeats 3]
[--markdown F]``. Without ``--postgres`` (or ``ATOMTRIG_BENCH_POSTGRES``) only SQLite is
measured. The PostgreSQL database given is scratch: it is emptied for every run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.harness import Job, Report, Target, first_failure, run_interleaved, successes

RAN: list[tuple[float, float]] = []
"""(when the target ran, its latency from the commit) in a worker process."""


def note_run(*atoms: Any) -> None:
    """The target: the event's link holds ``(Concept "t:<commit time>")``."""
    now = time.time()
    link = next((a for a in atoms if a is not None and a.is_link()), None)
    name = link.out[0].name if link is not None else ""
    committed = float(name.split(":", 1)[1]) if name.startswith("t:") else now
    RAN.append((now, now - committed))


_WORKER = """
import json, sys, time
sys.path.insert(0, sys.argv[3])
import atomtrig
from bench import bench_shared
atomtrig.allow_module("bench")
space = atomtrig.AtomSpace.open(sys.argv[1], workers=int(sys.argv[2]), create=False)
print("ready", flush=True)
sys.stdin.readline()
space.close()
print(json.dumps(bench_shared.RAN), flush=True)
"""

_FOLLOWER = """
import json, sys, time
sys.path.insert(0, sys.argv[2])
import atomtrig
space = atomtrig.AtomSpace.open(sys.argv[1], workers=0, create=False)
lags = []
def seen(added, removed):
    now = time.time()
    for atom in added:
        if atom.is_node() and atom.name.startswith("t:"):
            lags.append(now - float(atom.name[2:]))
space.store.on_remote(seen)
print("ready", flush=True)
sys.stdin.readline()
space.close()
print(json.dumps(lags), flush=True)
"""

ROOT = str(Path(__file__).resolve().parent.parent)


def _location(backend: str, folder: str, postgres: str | None) -> str:
    if backend == "postgresql":
        import psycopg

        assert postgres, "postgresql needs --postgres URL"
        with psycopg.connect(postgres, autocommit=True) as conn:
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")
        return postgres
    return str(Path(folder) / "kb.db")


def _setup(location: str, triggers: int = 1) -> Any:
    """The store's space (no workers) and ``triggers`` hubs, each with its async trigger."""
    import atomtrig

    atomtrig.allow_module("bench")
    space = atomtrig.AtomSpace.open(location, workers=0)
    body = space.add_link("ExecutionOutput", [
        space.add_node("GroundedSchema", "py:bench.bench_shared.note_run")])
    hubs = [space.add_node("Concept", f"hub{h}") for h in range(triggers)]
    for hub in hubs:
        space.add_trigger("RelationshipTrigger", [hub, body], mode="async")
    return space, hubs[0] if triggers == 1 else hubs


def _start(script: str, *args: str) -> subprocess.Popen[str]:
    child = subprocess.Popen([sys.executable, "-c", script, *args], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    return child


def _finish(children: list[subprocess.Popen[str]]) -> list[Any]:
    results = []
    for child in children:
        assert child.stdin is not None and child.stdout is not None
        child.stdin.write("\n")
        child.stdin.flush()
    for child in children:
        assert child.stdout is not None
        results.append(json.loads(child.stdout.readline()))
        child.wait(60)
    return results


def _drained(space: Any, timeout: float = 300.0) -> None:
    backend = space.store.backend
    deadline = time.monotonic() + timeout
    while True:
        depth = backend.queue_depth()
        if depth["queued"] == 0 and depth["held"] == 0:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"the queue did not drain: {depth}")
        time.sleep(0.01)


def burst_target(probe: Any, backend: str, workers: int, firings: int, triggers: int = 1,
                 postgres: str | None = None) -> dict[str, Any]:
    """Firings per second from one commit of ``firings`` firings (spread over ``triggers``
    triggers: one trigger's firings run one at a time, in order) to the last run."""
    import atomtrig

    if backend == "memory":
        atomtrig.allow_module("bench")
        space = atomtrig.AtomSpace()
        hub = space.add_node("Concept", "hub")
        body = space.add_link("ExecutionOutput", [
            space.add_node("GroundedSchema", "py:bench.bench_shared.note_run")])
        space.add_trigger("RelationshipTrigger", [hub, body], mode="async")
        t0 = time.time()
        for i in range(firings):
            space.add_link("Member", [space.add_node("Concept", f"t:{t0}"),
                                      space.add_node("Concept", f"n{i}"), hub])
        space.wait_for_triggers()
        last = max(t for t, _ in RAN)
        return {"rate": firings / (last - t0), "ran": len(RAN)}
    with tempfile.TemporaryDirectory() as folder:
        location = _location(backend, folder, postgres)
        space, hubs = _setup(location, triggers)
        hubs = hubs if isinstance(hubs, list) else [hubs]
        pool = [_start(_WORKER, location, "1", ROOT) for _ in range(workers)]
        t0 = time.time()
        with space.transaction():
            for i in range(firings):
                space.add_link("Member", [space.add_node("Concept", f"t:{t0}"), space.add_node(
                    "Concept", f"n{i}"), hubs[i % len(hubs)]])
        _drained(space)
        runs = [r for result in _finish(pool) for r in result]
        space.close()
    last = max(t for t, _ in runs)
    return {"rate": len(runs) / (last - t0), "ran": len(runs)}


def trickle_target(probe: Any, backend: str, workers: int, rate: float, seconds: float,
                   postgres: str | None = None) -> dict[str, Any]:
    """Commit-to-run latency of single firings committed ``rate`` times a second."""
    with tempfile.TemporaryDirectory() as folder:
        location = _location(backend, folder, postgres)
        space, hub = _setup(location)
        pool = [_start(_WORKER, location, "1", ROOT) for _ in range(workers)]
        count = int(rate * seconds)
        begin = time.time()
        for i in range(count):
            pause = begin + i / rate - time.time()
            if pause > 0:
                time.sleep(pause)
            now = time.time()
            space.add_link("Member", [space.add_node("Concept", f"t:{now}"), hub])
        _drained(space)
        lats = sorted(lat * 1000 for result in _finish(pool) for _, lat in result)
        space.close()
    return {"p50": statistics.median(lats), "p99": lats[int(0.99 * (len(lats) - 1))],
            "ran": len(lats)}


def feed_target(probe: Any, backend: str, rate: float, seconds: float,
                postgres: str | None = None) -> dict[str, Any]:
    """How long another process takes to see a commit (its follower, unprompted)."""
    import atomtrig

    with tempfile.TemporaryDirectory() as folder:
        location = _location(backend, folder, postgres)
        atomtrig.AtomSpace.open(location).close()
        follower = _start(_FOLLOWER, location, ROOT)
        space = atomtrig.AtomSpace.open(location, workers=0)
        count = int(rate * seconds)
        begin = time.time()
        for i in range(count):
            pause = begin + i / rate - time.time()
            if pause > 0:
                time.sleep(pause)
            space.add_node("Concept", f"t:{time.time()}")
        time.sleep(1.5)
        (lags,) = _finish([follower])
        space.close()
    lags = sorted(lag * 1000 for lag in lags)
    return {"p50": statistics.median(lags), "p99": lags[int(0.99 * (len(lags) - 1))],
            "seen": len(lags), "sent": count}


def run(argv: list[str] | None = None) -> Report:
    p = argparse.ArgumentParser(prog="python -m bench.bench_shared", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--postgres", metavar="URL", default=os.environ.get("ATOMTRIG_BENCH_POSTGRES"))
    p.add_argument("--firings", type=int, default=5000)
    p.add_argument("--triggers", type=int, default=8,
                   help="triggers the burst's firings are spread over (default 8)")
    p.add_argument("--rate", type=float, default=200.0)
    p.add_argument("--seconds", type=float, default=3.0)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--markdown", metavar="FILE")
    p.add_argument("--json", metavar="FILE")
    args = p.parse_args(argv)
    backends = ["sqlite"] + (["postgresql"] if args.postgres else [])
    pg = {"postgres": args.postgres}
    report = Report("shared", baseline="memory", json_path=args.json)

    def record(workload: str, size: int, samples: dict[str, list[Any]],
               metrics: list[tuple[str, str, str, str]]) -> None:
        for contender, runs in samples.items():
            ok = successes(runs)
            if not ok:
                failure = first_failure(runs)
                reason = failure.reason if failure else "no result"
                if failure is not None and failure.stderr:
                    reason += ": " + failure.stderr.strip().splitlines()[-1][:200]
                report.fail(workload, size, contender, reason)
                continue
            for key, metric, unit, better in metrics:
                report.add(workload, size, contender, metric, unit, [r[key] for r in ok],
                           better=better)

    jobs = [Job("memory", "bench.bench_shared:burst_target",
                {"backend": "memory", "workers": 0, "firings": args.firings})]
    jobs += [Job(f"{b}-{w}w", "bench.bench_shared:burst_target",
                 {"backend": b, "workers": w, "firings": args.firings,
                  "triggers": args.triggers, **pg})
             for b in backends for w in (1, 2, 4)]
    record("burst", args.firings, run_interleaved(jobs, args.repeats),
           [("rate", "firings", "firings/s", "higher")])
    if args.postgres:
        report.target(Target("burst postgresql 2 workers >= 5,000 firings/s", "burst",
                             "firings", "postgresql-2w", args.firings, 5000))
    report.flush()
    size = int(args.rate * args.seconds)
    jobs = [Job(f"{b}-2w", "bench.bench_shared:trickle_target",
                {"backend": b, "workers": 2, "rate": args.rate, "seconds": args.seconds, **pg})
            for b in backends]
    record("trickle latency", size, run_interleaved(jobs, args.repeats),
           [("p50", "commit-to-run p50", "ms", "lower"), ("p99", "commit-to-run p99", "ms", "lower")])
    jobs = [Job(b, "bench.bench_shared:feed_target",
                {"backend": b, "rate": args.rate, "seconds": args.seconds, **pg}) for b in backends]
    record("feed lag", size, run_interleaved(jobs, args.repeats),
           [("p50", "lag p50", "ms", "lower"), ("p99", "lag p99", "ms", "lower")])
    report.note(f"burst: one transaction of N links, each firing one of {args.triggers} async "
                "triggers; workers are processes with one worker thread each, started before "
                "the commit. memory: the same burst on one in-memory AtomSpace (its in-process "
                "pool; no store), one trigger.")
    report.note(f"trickle/feed: {args.rate:g} single commits a second for {args.seconds:g} s.")
    report.finish(markdown=args.markdown)
    return report


def main(argv: list[str] | None = None) -> int:
    run(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
