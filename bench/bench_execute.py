"""Execution benchmark (issue 3, the execution half): rewriting, virtual clauses, recursion and
PutLink filtering, against hand-written Python (the floor) and hyperon 0.2.6 where it has an
equivalent.

Workloads (atoms built before the clock starts; each figure the median of the timed passes of a
worker, then the median over interleaved workers):

- **rewrite** ``(Bind (Member $x c) (Evaluation (Predicate "seen") (List $x)))`` over G members:
  groundings rewritten per second (the SetLink of results included). Floor: a loop over the
  members building the hash-consed result tuples in a dict. hyperon: ``GroundingSpaceRef.subst``
  with the same pattern and template ``(seen $x)``.
- **filter** ``(Get (And (Member $x c) (GreaterThan (ValueOf $x (Predicate "w")) (Number 0.5))))``
  over G members holding a FloatValue: candidates per second (each candidate evaluates the
  virtual GreaterThanLink). Floor: a loop comparing the floats. hyperon: not run (no values).
- **factorial** the classic recursive ``(DefinedSchema "factorial")`` (Lambda, Cond,
  GreaterThan, Times, Minus, ExecutionOutput) on 20: calls per second. Floor: a recursive Python
  function. hyperon: ``(= (fact $n) (if (> $n 0) (* $n (fact (- $n 1))) 1))`` run by MeTTa.
- **put** ``(Put (TypedVariable $x (Type "ConceptNode")) $x (Set ...))`` over a set of G/10
  mixed nodes: set elements per second. Floor: a comprehension testing the type.

Run ``python -m bench.bench_execute --help``; ``--quick`` is a smoke run.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from bench.harness import Job, Probe, Report, first_failure, run_interleaved, successes

CONTENDERS = ("floor", "atomtrig", "hyperon")
WORKLOADS = ("rewrite", "filter", "factorial", "put")
METRICS = {
    "rewrite": ("groundings rewritten", "groundings/s"),
    "filter": ("candidates filtered", "candidates/s"),
    "factorial": ("factorial(20) calls", "calls/s"),
    "put": ("set elements put", "elements/s"),
}


def _passes(run_once: Any, passes: int, budget: float) -> list[float]:
    """Seconds of each timed pass (at least one; stop early past ``budget`` seconds)."""
    times: list[float] = []
    start = time.perf_counter()
    for _ in range(passes):
        t0 = time.perf_counter()
        run_once()
        times.append(time.perf_counter() - t0)
        if time.perf_counter() - start > budget:
            break
    return times


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


# -- floor ------------------------------------------------------------------------------------
def _floor(workload: str, g: int) -> tuple[Any, int]:
    if workload == "rewrite":
        members = [("Member", f"m{i}", "c") for i in range(g)]
        table: dict[Any, Any] = {}

        def run() -> int:
            results = set()
            for _, x, _ in members:
                key = ("Evaluation", ("Predicate", "seen"), ("List", x))
                results.add(table.setdefault(key, key))
            return len(results)

        return run, g
    if workload == "filter":
        weights = {f"m{i}": (i % 100) / 100 for i in range(g)}

        def run() -> int:
            return len({x for x, w in weights.items() if w > 0.5})

        return run, g
    if workload == "factorial":

        def fact(n: float) -> float:
            return n * fact(n - 1) if n > 0 else 1.0

        return (lambda: fact(20.0)), 1
    items = [("ConceptNode" if i % 3 else "PredicateNode", f"n{i}") for i in range(g // 10)]

    def run() -> int:
        return len({item for item in items if item[0] == "ConceptNode"})

    return run, len(items)


# -- atomtrig ---------------------------------------------------------------------------------
def _atomtrig(workload: str, g: int) -> tuple[Any, int]:
    import atomtrig
    from atomtrig.core.values import FloatValue
    from atomtrig.query import execute

    space = atomtrig.AtomSpace()
    add_node, add_link = space.add_node, space.add_link
    x = add_node("Variable", "$x")
    c = add_node("Concept", "c")
    if workload in ("rewrite", "filter"):
        w = add_node("Predicate", "w")
        for i in range(g):
            m = add_node("Concept", f"m{i}")
            add_link("Member", [m, c])
            if workload == "filter":
                space.set_value(m, w, FloatValue((i % 100) / 100))
        if workload == "rewrite":
            query = add_link("Bind", [add_link("Member", [x, c]), add_link(
                "Evaluation", [add_node("Predicate", "seen"), add_link("List", [x])])])
        else:
            query = add_link("Get", [add_link("And", [
                add_link("Member", [x, c]),
                add_link("GreaterThan", [add_link("ValueOf", [x, w]), add_node("Number", 0.5)])])])
        return (lambda: len(execute(space, query).out)), g
    if workload == "factorial":
        n = add_node("Variable", "$n")
        fact = add_node("DefinedSchema", "factorial")
        num = lambda v: add_node("Number", v)  # noqa: E731
        add_link("Define", [fact, add_link("Lambda", [
            add_link("TypedVariable", [n, add_node("Type", "NumberNode")]),
            add_link("Cond", [
                add_link("GreaterThan", [n, num(0)]),
                add_link("Times", [n, add_link("ExecutionOutput", [fact, add_link("Minus", [n, num(1)])])]),
                num(1)])])])
        call = add_link("ExecutionOutput", [fact, num(20)])
        return (lambda: execute(space, call)), 1
    items = [add_node("Concept" if i % 3 else "Predicate", f"n{i}") for i in range(g // 10)]
    put = add_link("Put", [add_link("TypedVariable", [x, add_node("Type", "ConceptNode")]), x,
                           add_link("Set", items)])
    return (lambda: len(execute(space, put).out)), len(items)


# -- hyperon ----------------------------------------------------------------------------------
def _hyperon(workload: str, g: int) -> tuple[Any, int] | None:
    if workload == "rewrite":
        from hyperon import E, GroundingSpaceRef, S, V

        space = GroundingSpaceRef()
        for i in range(g):
            space.add_atom(E(S("Member"), S(f"m{i}"), S("c")))
        pattern, template = E(S("Member"), V("x"), S("c")), E(S("seen"), V("x"))
        return (lambda: len(space.subst(pattern, template))), g
    if workload == "factorial":
        from hyperon import MeTTa

        metta = MeTTa()
        metta.run("(= (fact $n) (if (> $n 0) (* $n (fact (- $n 1))) 1))")
        return (lambda: metta.run("!(fact 20)")), 1
    return None


def execute_target(probe: Probe, contender: str, workload: str, g: int, passes: int = 5,
                   budget: float = 20.0) -> dict[str, Any]:
    """One worker: build, then time ``passes`` runs of ``workload``; the rate of the median."""
    builders = {"floor": _floor, "atomtrig": _atomtrig, "hyperon": _hyperon}
    built = builders[contender](workload, g)
    if built is None:
        return {"skipped": True}
    run, units = built
    run()  # warm: compiles the pattern, creates the rewritten atoms once
    times = _passes(run, passes, budget)
    result = run()
    return {"rate": units / _median(times), "passes": len(times),
            "results": result if isinstance(result, int) else None}


def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.bench_execute", description=__doc__.split("\n\n")[0])
    p.add_argument("--groundings", type=int, default=10_000, help="G, the members (default 10000)")
    p.add_argument("--repeats", type=int, default=3, help="interleaved rounds (default 3)")
    p.add_argument("--passes", type=int, default=5, help="timed passes per worker (default 5)")
    p.add_argument("--contenders", default=",".join(CONTENDERS))
    p.add_argument("--workloads", default=",".join(WORKLOADS))
    p.add_argument("--quick", action="store_true", help="smoke run: G = 1000, one round")
    p.add_argument("--json", dest="json_path", help="also write the JSON lines to this file")
    p.add_argument("--markdown", help="also write the tables as Markdown to this file")
    args = p.parse_args(argv)
    args.contenders = [c for c in args.contenders.split(",") if c]
    args.workloads = [w for w in args.workloads.split(",") if w]
    if args.quick:
        args.groundings, args.repeats, args.passes = 1000, 1, 2
    return args


def run(argv: list[str] | None = None, stream: Any = None) -> Report:
    args = _args(argv)
    report = Report("execute", baseline="floor", references=("hyperon",), stream=stream,
                    json_path=args.json_path)
    g = args.groundings
    for workload in args.workloads:
        jobs = [Job(c, "bench.bench_execute:execute_target",
                    {"contender": c, "workload": workload, "g": g, "passes": args.passes}, timeout=1800)
                for c in args.contenders]
        timing = run_interleaved(jobs, args.repeats, lambda r, job, res: print(
            f"[{workload}] round {r + 1} {job.contender}: {'failed' if not isinstance(res, dict) else 'ok'}",
            file=sys.stderr))
        metric, unit = METRICS[workload]
        counts = {}
        for c in args.contenders:
            ok = [r for r in successes(timing[c]) if not r.get("skipped")]
            if not ok:
                fl = first_failure(timing[c])
                report.fail(workload, g, c, fl.reason if fl else "no equivalent workload")
                continue
            report.add(workload, g, c, metric, unit, [r["rate"] for r in ok])
            counts[c] = ok[0]["results"]
        if counts.get("floor") is not None and counts.get("atomtrig") is not None:
            if counts["floor"] != counts["atomtrig"]:
                raise AssertionError(f"{workload}: atomtrig found {counts['atomtrig']}, the floor {counts['floor']}")
        report.flush()
    report.note("floor = hand-written Python over dicts and tuples (no store, no atoms).")
    report.note("hyperon: 'rewrite' is GroundingSpaceRef.subst, 'factorial' MeTTa; no equivalent "
                "for 'filter' (values) or 'put' (typed filtering of a set).")
    report.finish(markdown=args.markdown)
    return report


def main(argv: list[str] | None = None) -> int:
    run(argv)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
