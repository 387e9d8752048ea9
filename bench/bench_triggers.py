"""Trigger benchmark (issue 5): the cost of triggers when unused, and W4, a rule fired per insert.

Workloads:

- **W1-unused** the core's W1 (insert N links ``(Inheritance c_i c_(i mod 1000))`` with their
  nodes) on ``atomtrig.AtomSpace``, with no trigger registered (``atomtrig``, the baseline) and
  with 1,000 RelationshipTriggerLinks registered on 1,000 other nodes (``atomtrig+1000``), whose
  incoming sets the workload never touches. ``atomtrig-core`` (the bare core store, no trigger
  engine attached) shows what attaching the engine costs. Figure: atoms created per second.
- **W4** the rule "when ``(Inheritance X food)`` is added, add ``(Evaluation (Predicate
  "edible") X)``": a store of S background atoms (S/2 ConceptNodes and S/2 InheritanceLinks
  among them), then ``--inserts`` timed inserts of ``(Inheritance item_i food)`` with a new
  ``item_i`` node each. Figure: firings per second of wall time over the inserts (insert and
  firing together), checked by counting the produced links.

  - ``dict-callback`` (the baseline): a plain dict keyed by (type, name/outgoing) and a Python
    callback per node, called when a link holding that node is new.
  - ``atomtrig``: ``(RelationshipTriggerLink (Concept "food") (BindLink $X (Inheritance $X food)
    (Evaluation edible $X)))``, synchronous (the default), anchored on the new link.
    ``atomtrig-async``: the same with ``trigger:mode "async"``, timed until
    ``wait_for_triggers()`` returns. ``atomtrig-gcfreeze``: the sync rule after
    ``gc.freeze()`` once the background store is built (the garbage collector then stops
    re-scanning the store's million objects; it shows how much of the growth with S is the heap,
    not the trigger path, which is anchored and does no work proportional to S).
  - ``durable_rules`` (2.0.28): ``when_all((m.rel == 'inheritance') & (m.obj == 'food'))``
    asserting ``{'rel': 'edible', 'subj': ...}``, facts asserted with ``assert_fact``.
  - ``experta`` (1.9.4): ``@Rule(Inh(obj='food', subj=MATCH.x))`` declaring ``Edible(subj=x)``;
    the facts are declared, then ``run()`` (timed together).

  The peers are rule engines, not stores: they get no background atoms, and fewer inserts
  (``--peer-inserts``; their rate falls as facts accumulate, so this flatters them).

Run ``python -m bench.bench_triggers --help``; ``--quick`` is a smoke run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from bench.harness import (
    Failure,
    Job,
    Probe,
    Report,
    Target,
    first_failure,
    run_interleaved,
    successes,
)

W1_CONTENDERS = ("atomtrig", "atomtrig+1000", "atomtrig-core")
W4_CONTENDERS = ("dict-callback", "atomtrig", "atomtrig-async", "atomtrig-gcfreeze", "durable_rules",
                 "experta")
PEERS = ("durable_rules", "experta")
FANOUT = 1000


# ---------------------------------------------------------------------------------------------
# W1-unused
# ---------------------------------------------------------------------------------------------
def w1_target(probe: Probe, contender: str, n: int) -> dict[str, Any]:
    import atomtrig
    from atomtrig.core.atomspace import CoreAtomSpace as CoreSpace

    space: Any = CoreSpace() if contender == "atomtrig-core" else atomtrig.AtomSpace()
    if contender == "atomtrig+1000":
        target = space.add_link("ExecutionOutput", [space.add_node("GroundedSchema", "py:unused")])
        for i in range(1000):
            space.add_link("RelationshipTrigger", [space.add_node("Concept", f"other{i}"), target])
        assert len(space.triggers.triggers()) == 1000
    before = len(space)
    add_node, add_link = space.add_node, space.add_link
    t0 = time.perf_counter()
    for i in range(n):
        add_link("Inheritance", [add_node("Concept", f"c{i}"), add_node("Concept", f"c{i % FANOUT}")])
    seconds = time.perf_counter() - t0
    created = len(space) - before
    assert created == n + n, created
    return {"rate": created / seconds, "seconds": seconds}


# ---------------------------------------------------------------------------------------------
# W4
# ---------------------------------------------------------------------------------------------
def _background(space: Any, size: int) -> None:
    add_node, add_link = space.add_node, space.add_link
    half = size // 2
    for i in range(half):
        add_link("Inheritance", [add_node("Concept", f"bg{i}"), add_node("Concept", f"bg{i % FANOUT}")])


class DictStore:
    """The baseline: a dict of atoms and a callback list per node, run when a link holding the
    node is new."""

    def __init__(self) -> None:
        self.atoms: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        self.callbacks: dict[tuple[Any, ...], list[Any]] = {}

    def add_node(self, type: str, name: str) -> tuple[Any, ...]:
        key = (type, name)
        atom = self.atoms.get(key)
        if atom is None:
            atom = self.atoms[key] = key
        return atom

    def add_link(self, type: str, out: list[Any]) -> tuple[Any, ...]:
        key = (type, tuple(out))
        atom = self.atoms.get(key)
        if atom is None:
            atom = self.atoms[key] = key
            for member in out:
                for callback in self.callbacks.get(member, ()):
                    callback(self, atom)
        return atom


def _edible(store: DictStore, link: tuple[Any, ...]) -> None:
    if link[0] == "Inheritance" and link[1][1] == ("Concept", "food"):
        store.add_link("Evaluation", [store.add_node("Predicate", "edible"), link[1][0]])


def w4_target(probe: Probe, contender: str, size: int, inserts: int) -> dict[str, Any]:
    if contender == "durable_rules":
        return _w4_durable(inserts)
    if contender == "experta":
        return _w4_experta(inserts)
    if contender == "dict-callback":
        store = DictStore()
        _background(store, size)
        food = store.add_node("Concept", "food")
        store.callbacks[food] = [_edible]
        add_node, add_link = store.add_node, store.add_link
        t0 = time.perf_counter()
        for i in range(inserts):
            add_link("Inheritance", [add_node("Concept", f"item{i}"), food])
        seconds = time.perf_counter() - t0
        produced = sum(1 for k in store.atoms if k[0] == "Evaluation")
        assert produced == inserts, produced
        return {"rate": inserts / seconds, "seconds": seconds}
    import gc

    import atomtrig

    space = atomtrig.AtomSpace()
    _background(space, size)
    if contender == "atomtrig-gcfreeze":
        gc.collect()
        gc.freeze()
    x = space.add_node("Variable", "$X")
    food = space.add_node("Concept", "food")
    edible = space.add_node("Predicate", "edible")
    rule = space.add_link("Bind", [x, space.add_link("Inheritance", [x, food]),
                                   space.add_link("Evaluation", [edible, x])])
    options = {"mode": "async"} if contender == "atomtrig-async" else {}
    space.add_trigger("RelationshipTrigger", [food, rule], **options)
    add_node, add_link = space.add_node, space.add_link
    # Insert-only reference in the same store: links on a node no trigger watches.
    plain = space.add_node("Concept", "plain")
    t0 = time.perf_counter()
    for i in range(inserts):
        add_link("Inheritance", [add_node("Concept", f"other{i}"), plain])
    insert_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    for i in range(inserts):
        add_link("Inheritance", [add_node("Concept", f"item{i}"), food])
    space.wait_for_triggers()
    seconds = time.perf_counter() - t0
    produced = len(edible.incoming_by_type("EvaluationLink")) - 1  # minus the rule's own
    stats = space.trigger_stats()[0]
    assert produced == inserts and stats.fired == inserts and stats.failed == 0, (produced, stats)
    return {"rate": inserts / seconds, "seconds": seconds, "insert_rate": inserts / insert_seconds,
            "firing_us": (seconds - insert_seconds) / inserts * 1e6}


def _w4_durable(inserts: int) -> dict[str, Any]:
    from durable.lang import assert_fact, m, ruleset, when_all

    produced = [0]
    with ruleset("food"):
        @when_all((m.rel == "inheritance") & (m.obj == "food"))
        def edible(c: Any) -> None:
            produced[0] += 1
            c.assert_fact({"rel": "edible", "subj": c.m.subj})

    t0 = time.perf_counter()
    for i in range(inserts):
        assert_fact("food", {"rel": "inheritance", "subj": f"item{i}", "obj": "food"})
    seconds = time.perf_counter() - t0
    assert produced[0] == inserts, produced[0]
    return {"rate": inserts / seconds, "seconds": seconds}


def _w4_experta(inserts: int) -> dict[str, Any]:
    from experta import MATCH, Fact, KnowledgeEngine, Rule

    class Inh(Fact):  # type: ignore[misc]
        pass

    class Edible(Fact):  # type: ignore[misc]
        pass

    class Engine(KnowledgeEngine):  # type: ignore[misc]
        @Rule(Inh(obj="food", subj=MATCH.x))
        def edible(self, x: Any) -> None:
            self.declare(Edible(subj=x))

    engine = Engine()
    engine.reset()
    t0 = time.perf_counter()
    for i in range(inserts):
        engine.declare(Inh(subj=f"item{i}", obj="food"))
    engine.run()
    seconds = time.perf_counter() - t0
    produced = sum(1 for f in engine.facts.values() if isinstance(f, Edible))
    assert produced == inserts, produced
    return {"rate": inserts / seconds, "seconds": seconds}


# ---------------------------------------------------------------------------------------------
# The driver
# ---------------------------------------------------------------------------------------------
def parse_size(text: str) -> int:
    text = text.strip().lower()
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    number = text[:-1] if factor > 1 else text
    try:
        value = int(float(number) * factor)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a size is a number like 10k or 1M, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"a size must be at least 1, not {text!r}")
    return value


def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.bench_triggers",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default=None, help="W4 store sizes (default 10k,1M; --quick: 2k)")
    p.add_argument("--inserts", type=parse_size, default=None,
                   help="W4 timed inserts (default 100k; --quick: 2k)")
    p.add_argument("--peer-inserts", type=parse_size, default=None,
                   help="W4 inserts for durable_rules and experta (default 5k; --quick: 500)")
    p.add_argument("--w1-n", type=parse_size, default=None, help="W1 links (default 200k)")
    p.add_argument("--repeats", type=int, default=None, help="interleaved rounds (default 5)")
    p.add_argument("--contenders", default=",".join(W4_CONTENDERS),
                   help=f"W4 contenders, a subset of {','.join(W4_CONTENDERS)}")
    p.add_argument("--skip-w1", action="store_true")
    p.add_argument("--quick", action="store_true", help="a smoke run")
    p.add_argument("--json", dest="json_path", default=None, help="also write the JSON lines here")
    p.add_argument("--markdown", default=None, help="write the figures as Markdown here")
    args = p.parse_args(argv)
    q = args.quick
    args.sizes = [parse_size(s) for s in args.sizes.split(",")] if args.sizes else (
        [2_000] if q else [10_000, 1_000_000])
    args.inserts = args.inserts or (2_000 if q else 100_000)
    args.peer_inserts = args.peer_inserts or (500 if q else 5_000)
    args.w1_n = args.w1_n or (5_000 if q else 200_000)
    args.repeats = args.repeats or (1 if q else 5)
    args.contenders = [c.strip() for c in args.contenders.split(",") if c.strip()]
    unknown = [c for c in args.contenders if c not in W4_CONTENDERS]
    if unknown:
        p.error(f"unknown contender(s) {', '.join(unknown)}")
    if "dict-callback" not in args.contenders:
        args.contenders.insert(0, "dict-callback")
    return args


def _progress(r: int, job: Job, result: dict[str, Any] | Failure) -> None:
    text = f"FAILED: {result.reason}" if isinstance(result, Failure) else f"{result['rate']:,.0f}/s"
    print(f"[round {r + 1}] {job.contender} {job.kwargs}: {text}", file=sys.stderr, flush=True)


def run(argv: list[str] | None = None, stream: Any = None) -> Report:
    args = _args(argv)
    report = Report("triggers", baseline="dict-callback",
                    references=("atomtrig", "durable_rules"), stream=stream,
                    json_path=args.json_path)
    if not args.skip_w1:
        w1 = Report("triggers-unused", baseline="atomtrig", stream=stream)
        results = run_interleaved(
            [Job(c, "bench.bench_triggers:w1_target", {"contender": c, "n": args.w1_n})
             for c in W1_CONTENDERS], args.repeats, _progress)
        for c in W1_CONTENDERS:
            ok = successes(results[c])
            if ok:
                w1.add("W1-unused", args.w1_n, c, "insert", "atoms/s", [r["rate"] for r in ok])
            else:
                fl = first_failure(results[c])
                w1.fail("W1-unused", args.w1_n, c, fl.reason if fl else "no result")
        w1.target(Target("W1 with 1,000 triggers on other atoms >= 0.95x none", "W1-unused",
                         "insert", "atomtrig+1000", args.w1_n, 0.95, ">=", vs="atomtrig"))
        w1_checked = w1.finish()
    rates: dict[tuple[str, int], float] = {}
    for size in args.sizes:
        jobs = []
        for c in args.contenders:
            inserts = args.peer_inserts if c in PEERS else args.inserts
            if c in PEERS and size != args.sizes[0]:
                continue  # the peers hold no background store: measured once
            jobs.append(Job(c, "bench.bench_triggers:w4_target",
                            {"contender": c, "size": size, "inserts": inserts}, timeout=3600))
        results = run_interleaved(jobs, args.repeats, _progress)
        for c, runs in results.items():
            ok = successes(runs)
            if not ok:
                fl = first_failure(runs)
                reason = fl.reason if fl else "no result"
                if fl is not None and fl.stderr:
                    reason += ": " + fl.stderr.strip().splitlines()[-1][:160]
                report.fail("W4", size, c, reason)
                continue
            m = report.add("W4", size, c, "firings", "firings/s", [r["rate"] for r in ok])
            rates[(c, size)] = m.value
            if c.startswith("atomtrig"):
                report.add("W4", size, c, "insert only", "atoms/s", [r["insert_rate"] for r in ok])
                report.add("W4", size, c, "firing cost", "us", [r["firing_us"] for r in ok],
                           better="lower")
        if size != args.sizes[0]:
            for c in PEERS:  # the peers' one figure, repeated for the ratios at this size
                if (c, args.sizes[0]) in rates:
                    report.add("W4", size, c, "firings", "firings/s", [rates[(c, args.sizes[0])]],
                               note="measured once, without a store")
        report.flush()
    largest, smallest = max(args.sizes), min(args.sizes)
    report.target(Target(f"W4 atomtrig S={largest:,} >= 50,000 sync firings/s", "W4", "firings",
                         "atomtrig", largest, 50_000.0, ">="))
    report.target(Target(f"W4 atomtrig S={largest:,} >= 5x durable_rules", "W4", "firings",
                         "atomtrig", largest, 5.0, ">=", vs="durable_rules"))
    for c in ("dict-callback", "atomtrig", "atomtrig-gcfreeze"):
        if largest != smallest and (c, largest) in rates and (c, smallest) in rates:
            report.add("W4-scaling", largest, c, "cost vs smallest store", "x",
                       [rates[(c, smallest)] / rates[(c, largest)]], better="lower")
    if ("atomtrig", largest) in rates and ("atomtrig", smallest) in rates and largest != smallest:
        report.target(Target(f"W4 firing cost at S={largest:,} <= 1.5x at S={smallest:,}",
                             "W4-scaling", "cost vs smallest store", "atomtrig", largest, 1.5, "<="))
    report.note(f"W4 peers: no background store, {args.peer_inserts:,} inserts; atomtrig and "
                f"dict-callback: {args.inserts:,} inserts. 'firing cost' = (time of the W4 "
                "inserts - time of as many untriggered inserts in the same store) / inserts.")
    checked = report.finish()
    if args.markdown:
        text = report.markdown(checked)
        if not args.skip_w1:
            text = w1.markdown(w1_checked) + "\n" + text
        Path(args.markdown).write_text(text, encoding="utf-8")
    return report


def main(argv: list[str] | None = None) -> int:
    run(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
