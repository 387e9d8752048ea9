"""Motion benchmark (issue 8): ``cursor.set`` on a relation with one infer-only route.

Workload M1: N new records (N = 100k by default) of ``Reading(id: int, x: float, y: float)``,
each made by one ``cursor.set(relation="reading", key_values={"x": ...})``. The route watches
``x``; its ``infer`` does the work: ``y = 2x + 1`` appended to a result list. Contenders (each
in a fresh process, rounds interleaved, medians; see ``bench/harness.py``):

- ``floor``: the same work as a plain function-call loop: the record is a dict put into a dict
  table, then the infer function is called with a (relation, identifier, key, value) tuple —
  the baseline of the ratios;
- ``motion``: ``cursor.set`` with the route (an in-memory store): checking the key and value,
  encoding it, the record atom, the value write, the trigger firing, the route's infer;
- ``motion-noroute``: ``cursor.set`` with no trigger: what the store part costs alone;
- ``motion-derived``: the infer writes ``y`` back with a second ``cursor.set`` (the seed's
  derived-key pattern; 2 sets per record).

Each motion contender also runs the floor loop in its own process right before its timed run,
and reports the **overhead per set**: (motion seconds - floor seconds) / N, in microseconds.

Run ``python -m bench.bench_motion --help``; ``--quick`` is a smoke run.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from bench.harness import Job, Report, first_failure, run_interleaved, successes

CONTENDERS = ("floor", "motion", "motion-noroute", "motion-derived")


def _floor(n: int) -> tuple[float, list[float]]:
    table: dict[int, dict[str, Any]] = {}
    out: list[float] = []

    def infer(triggered_by: tuple[str, int, str, float]) -> None:
        out.append(2.0 * triggered_by[3] + 1.0)

    def set_(identifier: int, key_values: dict[str, Any]) -> int:
        record = table.get(identifier)
        if record is None:
            record = table[identifier] = {}
        record.update(key_values)
        for key, value in key_values.items():
            if key == "x":
                infer(("reading", identifier, key, value))
        return identifier

    t0 = time.perf_counter()
    for i in range(n):
        set_(i, {"x": float(i)})
    return time.perf_counter() - t0, out


def set_target(probe: Any, contender: str, n: int) -> dict[str, Any]:
    """M1 for one contender; returns sets/s and (motion) the overhead per set."""
    floor_s, floor_out = _floor(n)
    if contender == "floor":
        return {"sets": n, "seconds": floor_s, "rate": n / floor_s}
    from dataclasses import dataclass

    import atomtrig.motion as motion

    @dataclass
    class Reading:
        id: int
        x: float
        y: float

    out: list[float] = []

    class Double(motion.Trigger):
        def routes(self) -> list[motion.Route]:
            return [motion.Route(relation="reading", key="x", infer=self.infer)]

        def infer(self, cursor: motion.Cursor, triggered_by: motion.TriggeredBy) -> None:
            out.append(2.0 * triggered_by.value + 1.0)

    class Derived(motion.Trigger):
        def routes(self) -> list[motion.Route]:
            return [motion.Route(relation="reading", key="x", infer=self.infer)]

        def infer(self, cursor: motion.Cursor, triggered_by: motion.TriggeredBy) -> None:
            cursor.set("reading", triggered_by.identifier, {"y": 2.0 * triggered_by.value + 1.0})

    triggers = {"motion": [Double], "motion-noroute": [], "motion-derived": [Derived]}[contender]
    store = motion.create_store("bench", schemas={"reading": Reading}, memory=True,
                                triggers=triggers)
    cursor = store.cursor
    t0 = time.perf_counter()
    for i in range(n):
        cursor.set(relation="reading", key_values={"x": float(i)})
    seconds = time.perf_counter() - t0
    if contender == "motion":
        assert out == floor_out, "the route did not do the floor's work"
    if contender == "motion-derived":
        assert cursor.get("reading", n - 1, ["y"]) == {"y": floor_out[-1]}
    records = store.space.count_by_type("MotionReadingRecordNode")
    store.close()
    assert records == n
    return {"sets": n, "seconds": seconds, "rate": n / seconds,
            "overhead_us": (seconds - floor_s) / n * 1e6, "floor_seconds": floor_s}


def _progress(round_: int, job: Job, result: Any) -> None:
    what = "FAILED" if not isinstance(result, dict) else f"{result.get('rate', 0):,.0f} sets/s"
    print(f"  round {round_ + 1} {job.contender:15s} {what}", file=sys.stderr, flush=True)


def _size(text: str) -> int:
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * scale)


def run(argv: list[str] | None = None, stream: Any = None) -> Report:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_motion", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=_size, default=100_000, help="N (default 100k)")
    parser.add_argument("--repeats", type=int, default=3, help="rounds (default 3)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 2k records, 1 round")
    parser.add_argument("--json", dest="json_path", help="also write the JSON lines here")
    parser.add_argument("--markdown", help="also write the figures as Markdown here")
    args = parser.parse_args(argv)
    if args.quick:
        args.records, args.repeats = 2_000, 1
    n = args.records
    report = Report("motion", baseline="floor", stream=stream, json_path=args.json_path)
    samples = run_interleaved(
        [Job(c, "bench.bench_motion:set_target", {"contender": c, "n": n}) for c in CONTENDERS],
        args.repeats, _progress)
    workload = "M1 cursor.set, one infer-only route"
    for contender, results in samples.items():
        ok = successes(results)
        if not ok:
            failure = first_failure(results)
            report.fail(workload, n, contender, failure.reason if failure else "no result")
            continue
        report.add(workload, n, contender, "set", "sets/s", [r["rate"] for r in ok])
        if contender != "floor":
            report.add(workload, n, contender, "overhead per set vs floor", "us",
                       [r["overhead_us"] for r in ok], better="lower")
    report.note("floor: a dict table and a direct call of the same infer function (no checks, "
                "no atoms); overhead per set = (contender seconds - floor seconds in the same "
                "process) / N. motion-derived does 2 cursor.set per record (the infer writes y).")
    report.finish(markdown=args.markdown)
    return report


def main(argv: list[str] | None = None) -> int:
    run(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
