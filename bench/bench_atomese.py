"""Atomese loading benchmark (issue 4): a generated N-atom Atomese file loaded by
``atomtrig.atomese.load_atoms`` (``atomtrig load``), against, in the same run, the core's
``add_node``/``add_link`` from Python building the same atoms (the ceiling) and hyperon 0.2.6
loading the equivalent MeTTa text.

The generated file (about N atoms in all, fixed seed): N/10 ConceptNodes ``c_i`` on lines of
their own; 0.6 N ``(InheritanceLink (ConceptNode "c_a") (ConceptNode "c_b"))`` with random a, b;
0.15 N ``(EvaluationLink (stv 0.5 0.9) (PredicateNode "p_k") (ListLink (ConceptNode "c_a")
(ConceptNode "c_b")))`` over 100 predicates, written on three indented lines as the printer
writes them. The MeTTa text says the same with symbols: ``(Inheritance (Concept c_a) (Concept
c_b))``, ``(Evaluation (stv 0.5 0.9) (Predicate p_k) (List (Concept c_a) (Concept c_b)))``.

Contenders, each in a fresh process, interleaved (see :mod:`bench.harness`):

- ``python-api``: the same atoms built by a Python loop over pre-made tuples (names formatted
  before the clock starts): ``space.add_node`` / ``space.add_link`` — no reading at all;
- ``atomtrig-load``: ``load_atoms(space, text)`` on the file's text (read before the clock;
  the Lark parser is built before the clock too, and its build time reported apart);
- ``atomtrig-run``: the evaluator on the same text (``space.eval_atomese``), for reference;
- ``hyperon``: ``MeTTa().run(text)`` on the MeTTa text, which parses it with hyperon's Rust
  parser and adds each top-level expression to its space.

The figure is atoms per second: the number of atoms the file holds (``len(space)`` after the
atomtrig load, the same count for every contender: it is the same knowledge) over the seconds
taken. Run ``python -m bench.bench_atomese --help``; ``--quick`` is a smoke run.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.harness import Job, Probe, Report, Target, first_failure, run_interleaved, successes

CONTENDERS = ("python-api", "atomtrig-load", "atomtrig-run", "hyperon")
SEED = 20261122
PREDICATES = 100


def parse_size(text: str) -> int:
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text[:-1] if scale > 1 else text) * scale)


def plan(n: int) -> tuple[int, list[tuple[int, int]], list[tuple[int, int, int]]]:
    """(concepts, inheritance pairs, evaluation triples) for about ``n`` atoms."""
    rng = random.Random(SEED)
    concepts = max(n // 10, 2)
    inheritance = [(rng.randrange(concepts), rng.randrange(concepts)) for _ in range(n * 6 // 10)]
    evaluations = [
        (i % PREDICATES, rng.randrange(concepts), rng.randrange(concepts))
        for i in range(n * 15 // 100)
    ]
    return concepts, inheritance, evaluations


def write_files(n: int, folder: Path) -> tuple[Path, Path]:
    """The Atomese and MeTTa files for ``n``."""
    concepts, inheritance, evaluations = plan(n)
    scm, metta = folder / f"atoms_{n}.scm", folder / f"atoms_{n}.metta"
    with scm.open("w") as a, metta.open("w") as m:
        for i in range(concepts):
            a.write(f'(ConceptNode "c{i}")\n')
            m.write(f"(Concept c{i})\n")
        for x, y in inheritance:
            a.write(f'(InheritanceLink (ConceptNode "c{x}") (ConceptNode "c{y}"))\n')
            m.write(f"(Inheritance (Concept c{x}) (Concept c{y}))\n")
        for p, x, y in evaluations:
            a.write(
                f'(EvaluationLink (stv 0.5 0.9)\n  (PredicateNode "p{p}")\n'
                f'  (ListLink (ConceptNode "c{x}") (ConceptNode "c{y}")))\n'
            )
            m.write(f"(Evaluation (stv 0.5 0.9) (Predicate p{p}) (List (Concept c{x}) (Concept c{y})))\n")
    return scm, metta


# -- targets (run in worker processes) ---------------------------------------------------------
def api_target(probe: Probe, n: int) -> dict[str, Any]:
    from atomtrig import AtomSpace, stv

    concepts, inheritance, evaluations = plan(n)
    names = [f"c{i}" for i in range(concepts)]
    inh = [(names[x], names[y]) for x, y in inheritance]
    ev = [(f"p{p}", names[x], names[y]) for p, x, y in evaluations]
    space = AtomSpace()
    add_node, add_link = space.add_node, space.add_link
    probe.start()
    start = time.perf_counter()
    for name in names:
        add_node("ConceptNode", name)
    for x, y in inh:
        add_link("InheritanceLink", (add_node("ConceptNode", x), add_node("ConceptNode", y)))
    for p, x, y in ev:
        add_link(
            "EvaluationLink",
            (add_node("PredicateNode", p),
             add_link("ListLink", (add_node("ConceptNode", x), add_node("ConceptNode", y)))),
            stv(0.5, 0.9),
        )
    seconds = time.perf_counter() - start
    probe.stop(atoms=len(space))
    return {"seconds": seconds, "atoms": len(space)}


def load_target(probe: Probe, path: str) -> dict[str, Any]:
    from atomtrig import AtomSpace
    from atomtrig.atomese import load_atoms

    text = Path(path).read_text()
    # Building the Lark parser is a one-time cost per process and thread: timed apart.
    build = time.perf_counter()
    load_atoms(AtomSpace(), "")
    build = time.perf_counter() - build
    space = AtomSpace()
    probe.start()
    start = time.perf_counter()
    load_atoms(space, text, path)
    seconds = time.perf_counter() - start
    probe.stop(atoms=len(space))
    return {"seconds": seconds, "atoms": len(space), "parser_build_s": build}


def run_target(probe: Probe, path: str) -> dict[str, Any]:
    from atomtrig import AtomSpace

    text = Path(path).read_text()
    AtomSpace().eval_atomese("")  # build the parser outside the clock, as for load
    space = AtomSpace()
    probe.start()
    start = time.perf_counter()
    space.eval_atomese(text, path)
    seconds = time.perf_counter() - start
    probe.stop(atoms=len(space))
    return {"seconds": seconds, "atoms": len(space)}


def hyperon_target(probe: Probe, path: str) -> dict[str, Any]:
    from hyperon import MeTTa

    text = Path(path).read_text()
    metta = MeTTa()
    probe.start()
    start = time.perf_counter()
    metta.run(text)
    seconds = time.perf_counter() - start
    probe.stop()
    top_level = len(metta.space().get_atoms())
    return {"seconds": seconds, "top_level": top_level}


# -- the run ----------------------------------------------------------------------------------
def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.bench_atomese",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default=None, help="comma-separated N (default 100k,1M; --quick: 20k)")
    p.add_argument("--contenders", default=",".join(CONTENDERS))
    p.add_argument("--run-max", type=parse_size, default=100_000,
                   help="largest N for atomtrig-run (the evaluator; default 100k)")
    p.add_argument("--repeats", type=int, default=None, help="interleaved rounds (default 3)")
    p.add_argument("--quick", action="store_true", help="a smoke run: small N, one round")
    p.add_argument("--json", dest="json_path", default=None)
    p.add_argument("--markdown", default=None)
    args = p.parse_args(argv)
    args.sizes = [parse_size(s) for s in args.sizes.split(",")] if args.sizes else (
        [20_000] if args.quick else [100_000, 1_000_000])
    args.repeats = args.repeats or (1 if args.quick else 3)
    args.contenders = [c.strip() for c in args.contenders.split(",") if c.strip()]
    return args


def run(argv: list[str] | None = None) -> Report:
    args = _args(argv)
    report = Report("atomese", baseline="python-api", references=["hyperon"],
                    json_path=args.json_path)
    with tempfile.TemporaryDirectory(prefix="bench_atomese_") as tmp:
        for n in args.sizes:
            scm, metta = write_files(n, Path(tmp))
            jobs = []
            for c in args.contenders:
                if c == "python-api":
                    jobs.append(Job(c, "bench.bench_atomese:api_target", {"n": n}))
                elif c == "atomtrig-load":
                    jobs.append(Job(c, "bench.bench_atomese:load_target", {"path": str(scm)}))
                elif c == "atomtrig-run" and n <= args.run_max:
                    jobs.append(Job(c, "bench.bench_atomese:run_target", {"path": str(scm)}))
                elif c == "hyperon":
                    jobs.append(Job(c, "bench.bench_atomese:hyperon_target", {"path": str(metta)}))

            def progress(r: int, job: Job, result: Any) -> None:
                print(f"# N={n:,} round {r + 1}: {job.contender} done", file=sys.stderr)

            results = run_interleaved(jobs, args.repeats, on_result=progress)
            atoms = None
            for c in ("atomtrig-load", "python-api", "atomtrig-run"):
                ok = successes(results.get(c, []))
                if ok:
                    atoms = ok[0]["atoms"]
                    break
            for c, rs in results.items():
                failure = first_failure(rs)
                ok = successes(rs)
                if failure is not None or not ok:
                    report.fail("load", n, c, failure.reason if failure else "no result")
                    continue
                count = ok[0].get("atoms", atoms)
                if atoms is not None and "atoms" in ok[0] and ok[0]["atoms"] != atoms:
                    raise AssertionError(f"{c} N={n}: {ok[0]['atoms']} atoms, expected {atoms}")
                report.add("load", n, c, "atoms loaded", "atoms/s",
                           [count / r["seconds"] for r in ok])
                if "parser_build_s" in ok[0]:
                    report.add("parser build", n, c, "building the Lark parser", "s",
                               [r["parser_build_s"] for r in ok], better="lower")
            report.flush()
            if "atomtrig-load" in results:
                report.target(Target(f"load N={n:,} >= 100,000 atoms/s", "load", "atoms loaded",
                                     "atomtrig-load", n, 100_000.0))
                report.target(Target(f"load N={n:,} >= 0.4x python-api", "load", "atoms loaded",
                                     "atomtrig-load", n, 0.4, vs="python-api"))
                if "hyperon" in results:
                    report.target(Target(f"load N={n:,} >= 0.5x hyperon", "load", "atoms loaded",
                                         "atomtrig-load", n, 0.5, vs="hyperon"))
    report.note("atoms/s = atoms in the loaded store (the same count for every contender) / "
                "seconds; python-api builds them from pre-formatted names with add_node/add_link.")
    report.note("hyperon: MeTTa().run(text) of the equivalent MeTTa (node names as symbols, the "
                "truth value as an (stv s c) sub-expression).")
    report.finish(markdown=args.markdown)
    return report


def main(argv: list[str] | None = None) -> int:
    run(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
