"""Query benchmark (issue 3): the pattern matcher against a hand-written dict-based join (the
floor) and hyperon 0.2.6, at N = 10k, 100k and 1M atoms.

The generated store (about N atoms in all):

- members ``m_i`` and classes ``k_0..k_999``: ``(Inheritance m_i k_(i mod 1000))``;
- each class in a group: ``(Inheritance k_j g_(j mod 100))``, groups ``g_0..g_99``;
- a directed graph for the triangle query, N/100 nodes ``t_i`` and N/20 edges
  ``(Member t_a t_b)``;
- an unordered graph, N/50 nodes ``s_i`` and N/20 links ``(Similarity s_a s_b)``;
- the members take what is left: M = (N - the rest) / 2 of them.

Workloads (queries built once, before the clock starts; each figure the median of the timed
passes of a worker, then the median over interleaved workers):

- **W2q** 1000 one-clause queries ``(Get (Inheritance $X k_j))``, j drawn with a fixed seed:
  queries per second. ``W2q cold`` is the first pass, which compiles each query once.
- **W3** 100 two-hop joins ``(Get (And (Inheritance $X $Y) (Inheritance $Y g_z)))``: queries
  per second.
- **triangle** ``(Get (And (Member $A $B) (Member $B $C) (Member $C $A)))``: seconds per query.
- **unordered** 100 queries ``(Get (And (Similarity $X $Y) (Similarity $Y s_k)))`` (every
  permutation of each Similarity link): queries per second.
- **anchored** 300 new links ``(Inheritance n_i k_j)``, each added then matched against the
  2-clause W3 pattern with ``anchor=`` the new link: microseconds per match (only the match is
  timed). The target is about scaling: the time at the largest N over the time at the smallest.

Contenders: ``floor`` (plain dicts: an index (type, position, atom) -> links, the join written
by hand for each query), ``atomtrig`` (``atomtrig.query.matcher.match``), ``atomtrig-execute``
(the user path ``space.execute(GetLink)``, which also builds the SetLink of the results and
adds it to the store) and ``hyperon`` (``GroundingSpaceRef.query`` with the same patterns, a
conjunction as ``(, clause clause)``; hyperon has no anchored search, so its "anchored" figure is
the full query with the new link's atoms put in; it stops after ``--hyperon-budget`` seconds per
workload and reports the rate over what it did).

Run ``python -m bench.bench_query --help``; ``--quick`` is a smoke run.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from typing import Any

from bench.bench_core import parse_size
from bench.harness import Failure, Job, Probe, Report, Target, first_failure, run_interleaved, successes

CONTENDERS = ("floor", "atomtrig", "atomtrig-execute", "hyperon")
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
CLASSES = 1000
GROUPS = 100
SEED = 20261122


# ---------------------------------------------------------------------------------------------
# The generated store, as plain tuples every contender builds from
# ---------------------------------------------------------------------------------------------
def layout(n: int) -> dict[str, Any]:
    """Sizes of the parts of the store for N atoms."""
    tri_nodes, tri_edges = max(20, n // 100), max(60, n // 20)
    sim_nodes, sim_links = max(40, n // 50), max(60, n // 20)
    fixed = CLASSES + CLASSES + GROUPS + tri_nodes + tri_edges + sim_nodes + sim_links
    members = max(CLASSES, (n - fixed) // 2)
    return {"members": members, "tri_nodes": tri_nodes, "tri_edges": tri_edges,
            "sim_nodes": sim_nodes, "sim_links": sim_links}


def generate(n: int) -> dict[str, Any]:
    """The links of the store, as (type, name, name) triples, and the query keys."""
    lay = layout(n)
    rng = random.Random(SEED)
    links: list[tuple[str, str, str]] = []
    for i in range(lay["members"]):
        links.append(("Inheritance", f"m{i}", f"k{i % CLASSES}"))
    for j in range(CLASSES):
        links.append(("Inheritance", f"k{j}", f"g{j % GROUPS}"))
    edges: set[tuple[int, int]] = set()
    while len(edges) < lay["tri_edges"]:
        a, b = rng.randrange(lay["tri_nodes"]), rng.randrange(lay["tri_nodes"])
        if a != b:
            edges.add((a, b))
    links.extend(("Member", f"t{a}", f"t{b}") for a, b in sorted(edges))
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < lay["sim_links"]:
        a, b = rng.randrange(lay["sim_nodes"]), rng.randrange(lay["sim_nodes"])
        if a != b:
            pairs.add((min(a, b), max(a, b)))
    links.extend(("Similarity", f"s{a}", f"s{b}") for a, b in sorted(pairs))
    return {
        "links": links,
        "w2q": [rng.randrange(CLASSES) for _ in range(1000)],
        "w3": [rng.randrange(GROUPS) for _ in range(100)],
        "unordered": [rng.randrange(lay["sim_nodes"]) for _ in range(100)],
        "anchored": [(f"n{i}", rng.randrange(CLASSES)) for i in range(300)],
        "anchored_group": 7,
        **lay,
    }


# ---------------------------------------------------------------------------------------------
# The floor: plain dicts and hand-written joins
# ---------------------------------------------------------------------------------------------
class FloorLink:
    __slots__ = ("type", "out")

    def __init__(self, type: str, out: tuple[str, ...]) -> None:
        self.type = type
        self.out = out


class FloorStore:
    """Links keyed by (type, a, b); an index (type, position, atom) -> links; Similarity links
    indexed under both members; a type index."""

    def __init__(self) -> None:
        self.links: dict[tuple[str, str, str], FloorLink] = {}
        self.index: dict[tuple[str, int, str], list[FloorLink]] = {}
        self.by_type: dict[str, list[FloorLink]] = {}

    def add(self, t: str, a: str, b: str) -> FloorLink:
        if t == "Similarity" and b < a:
            a, b = b, a
        key = (t, a, b)
        link = self.links.get(key)
        if link is None:
            link = self.links[key] = FloorLink(t, (a, b))
            self.by_type.setdefault(t, []).append(link)
            self.index.setdefault((t, 0, a), []).append(link)
            self.index.setdefault((t, 1, b), []).append(link)
        return link

    def __len__(self) -> int:
        names = {x for link in self.links.values() for x in link.out}
        return len(self.links) + len(names)


def floor_w2q(store: FloorStore, k: str) -> list[dict[str, str]]:
    return [{"X": link.out[0]} for link in store.index.get(("Inheritance", 1, k), ())]


def floor_w3(store: FloorStore, g: str) -> list[dict[str, str]]:
    index = store.index
    result = []
    for up in index.get(("Inheritance", 1, g), ()):
        y = up.out[0]
        for down in index.get(("Inheritance", 1, y), ()):
            result.append({"X": down.out[0], "Y": y})
    return result


def floor_triangle(store: FloorStore) -> list[dict[str, str]]:
    index, links = store.index, store.links
    result = []
    for ab in store.by_type.get("Member", ()):
        a, b = ab.out
        for bc in index.get(("Member", 0, b), ()):
            c = bc.out[1]
            if ("Member", c, a) in links:
                result.append({"A": a, "B": b, "C": c})
    return result


def _similar(store: FloorStore, x: str) -> list[str]:
    index = store.index
    return [link.out[1] for link in index.get(("Similarity", 0, x), ())] + [
        link.out[0] for link in index.get(("Similarity", 1, x), ())
    ]


def floor_unordered(store: FloorStore, s: str) -> list[dict[str, str]]:
    result = []
    for y in _similar(store, s):
        for x in _similar(store, y):
            result.append({"X": x, "Y": y})
    return result


def floor_anchored(store: FloorStore, link: FloorLink, g: str) -> list[dict[str, str]]:
    result = []
    x, y = link.out
    if link.type == "Inheritance":
        if ("Inheritance", y, g) in store.links:
            result.append({"X": x, "Y": y})
        if y == g:
            for down in store.index.get(("Inheritance", 1, x), ()):
                result.append({"X": down.out[0], "Y": x})
    return result


# ---------------------------------------------------------------------------------------------
# Timing helpers
# ---------------------------------------------------------------------------------------------
def _time_passes(run_all: Any, passes: int, budget: float) -> tuple[list[float], int, int]:
    """Run ``run_all(deadline) -> (queries done, results)`` ``passes`` times; per-pass rates."""
    rates: list[float] = []
    done = results = 0
    for _ in range(passes):
        gc.collect()
        t0 = time.perf_counter()
        done, results = run_all(t0 + budget)
        seconds = time.perf_counter() - t0
        rates.append(done / seconds if seconds > 0 else float("inf"))
        if time.perf_counter() - t0 > budget:
            break
    return rates, done, results


def _loop(queries: list[Any], run_one: Any) -> Any:
    def run_all(deadline: float) -> tuple[int, int]:
        total = 0
        done = 0
        for q in queries:
            total += len(run_one(q))
            done += 1
            if time.perf_counter() > deadline:
                break
        return done, total

    return run_all


# ---------------------------------------------------------------------------------------------
# The worker
# ---------------------------------------------------------------------------------------------
def query_target(probe: Probe, contender: str, n: int, passes: int = 3,
                 hyperon_budget: float = 15.0, workloads: str = "all") -> dict[str, Any]:
    """Build the store for ``contender`` and time the workloads (see the module docstring)."""
    data = generate(n)
    wanted = set(workloads.split(",")) if workloads != "all" else {
        "w2q", "w3", "triangle", "unordered", "anchored"}
    budget = hyperon_budget if contender == "hyperon" else float("inf")
    out: dict[str, Any] = {"contender": contender, "n": n, **{k: data[k] for k in (
        "members", "tri_nodes", "tri_edges", "sim_nodes", "sim_links")}}
    t0 = time.perf_counter()
    if contender == "floor":
        store = FloorStore()
        for t, a, b in data["links"]:
            store.add(t, a, b)
        out["build_seconds"] = time.perf_counter() - t0
        runners = _floor_runners(store, data)
    elif contender in ("atomtrig", "atomtrig-execute"):
        import atomtrig

        space = atomtrig.AtomSpace()
        for t, a, b in data["links"]:
            space.add_link(t, [space.add_node("Concept", a), space.add_node("Concept", b)])
        out["build_seconds"] = time.perf_counter() - t0
        out["atoms"] = len(space)
        runners = _atomtrig_runners(space, data, execute=contender == "atomtrig-execute")
    elif contender == "hyperon":
        from hyperon import E, GroundingSpaceRef, S

        hspace = GroundingSpaceRef()
        for t, a, b in data["links"]:
            hspace.add_atom(E(S(t), S(a), S(b)))
        out["build_seconds"] = time.perf_counter() - t0
        runners = _hyperon_runners(hspace, data)
    else:
        raise ValueError(f"unknown contender {contender!r}; known: {', '.join(CONTENDERS)}")

    if "w2q" in wanted:
        queries, run_one = runners["w2q"]
        if "w2q_cold" in runners:
            cold_rates, _, _ = _time_passes(_loop(*runners["w2q_cold"]), 1, budget)
            out["w2q_cold_rate"] = cold_rates[0]
        rates, done, results = _time_passes(_loop(queries, run_one), passes, budget)
        out.update(w2q_rate=statistics.median(rates), w2q_done=done, w2q_results=results)
    if "w3" in wanted:
        rates, done, results = _time_passes(_loop(*runners["w3"]), passes, budget)
        out.update(w3_rate=statistics.median(rates), w3_done=done, w3_results=results)
    if "unordered" in wanted:
        rates, done, results = _time_passes(_loop(*runners["unordered"]), passes, budget)
        out.update(unordered_rate=statistics.median(rates), unordered_done=done,
                   unordered_results=results)
    if "triangle" in wanted:
        rates, done, results = _time_passes(_loop(*runners["triangle"]), passes, budget)
        out.update(triangle_seconds=1.0 / statistics.median(rates) if done else None,
                   triangle_results=results)
    if "anchored" in wanted:
        timings, results = runners["anchored"](budget)
        out.update(anchored_us=statistics.median(timings) * 1e6, anchored_done=len(timings),
                   anchored_results=results)
    return out


def _floor_runners(store: FloorStore, data: dict[str, Any]) -> dict[str, Any]:
    g = f"g{data['anchored_group']}"

    def anchored(budget: float) -> tuple[list[float], int]:
        timings, results = [], 0
        start = time.perf_counter()
        for name, j in data["anchored"]:
            link = store.add("Inheritance", name, f"k{j}")
            t0 = time.perf_counter()
            results += len(floor_anchored(store, link, g))
            timings.append(time.perf_counter() - t0)
            if time.perf_counter() - start > budget:
                break
        return timings, results

    return {
        "w2q": ([f"k{j}" for j in data["w2q"]], lambda k: floor_w2q(store, k)),
        "w3": ([f"g{z}" for z in data["w3"]], lambda g: floor_w3(store, g)),
        "triangle": ([None], lambda _: floor_triangle(store)),
        "unordered": ([f"s{k}" for k in data["unordered"]], lambda s: floor_unordered(store, s)),
        "anchored": anchored,
    }


def _atomtrig_runners(space: Any, data: dict[str, Any], execute: bool) -> dict[str, Any]:
    from atomtrig.query.matcher import match

    def C(name: str) -> Any:
        return space.add_node("Concept", name)

    def V(name: str) -> Any:
        return space.add_node("Variable", name)

    def L(t: str, *out: Any) -> Any:
        return space.add_link(t, list(out))

    X, Y, A, B, Cv = V("$X"), V("$Y"), V("$A"), V("$B"), V("$C")
    w2q = [L("Get", L("Inheritance", X, C(f"k{j}"))) for j in data["w2q"]]
    w3 = [L("Get", L("And", L("Inheritance", X, Y), L("Inheritance", Y, C(f"g{z}"))))
          for z in data["w3"]]
    triangle = [L("Get", L("And", L("Member", A, B), L("Member", B, Cv), L("Member", Cv, A)))]
    unordered = [L("Get", L("And", L("Similarity", X, Y), L("Similarity", Y, C(f"s{k}"))))
                 for k in data["unordered"]]
    anchored_query = L("Get", L("And", L("Inheritance", X, Y),
                                L("Inheritance", Y, C(f"g{data['anchored_group']}"))))

    if execute:
        def run(q: Any) -> Any:
            return space.execute(q).out
    else:
        def run(q: Any) -> Any:
            return match(space, q)

    def anchored(budget: float) -> tuple[list[float], int]:
        timings, results = [], 0
        match(space, anchored_query, anchor=space.get_link("Inheritance", [C("m0"), C("k0")]))
        start = time.perf_counter()
        for name, j in data["anchored"]:
            link = L("Inheritance", C(name), C(f"k{j}"))
            if execute:
                t0 = time.perf_counter()
                results += len(space.execute(anchored_query, anchor=link).out)
            else:
                t0 = time.perf_counter()
                results += len(match(space, anchored_query, anchor=link))
            timings.append(time.perf_counter() - t0)
            if time.perf_counter() - start > budget:
                break
        return timings, results

    return {
        "w2q_cold": (w2q, run),
        "w2q": (w2q, run),
        "w3": (w3, run),
        "triangle": (triangle, run),
        "unordered": (unordered, run),
        "anchored": anchored,
    }


def _hyperon_runners(space: Any, data: dict[str, Any]) -> dict[str, Any]:
    from hyperon import E, S, V

    inh, mem, conj = S("Inheritance"), S("Member"), S(",")
    x, y, a, b, c = V("x"), V("y"), V("a"), V("b"), V("c")

    def run(pattern: Any) -> list[Any]:
        return list(space.query(pattern))

    g = S(f"g{data['anchored_group']}")

    def anchored(budget: float) -> tuple[list[float], int]:
        timings, results = [], 0
        start = time.perf_counter()
        for name, j in data["anchored"]:
            space.add_atom(E(inh, S(name), S(f"k{j}")))
            t0 = time.perf_counter()
            pattern = E(conj, E(inh, S(name), S(f"k{j}")), E(inh, S(f"k{j}"), g))
            results += len(run(pattern))
            timings.append(time.perf_counter() - t0)
            if time.perf_counter() - start > budget:
                break
        return timings, results

    return {
        "w2q": ([E(inh, x, S(f"k{j}")) for j in data["w2q"]], run),
        "w3": ([E(conj, E(inh, x, y), E(inh, y, S(f"g{z}"))) for z in data["w3"]], run),
        "triangle": ([E(conj, E(mem, a, b), E(mem, b, c), E(mem, c, a))], run),
        # hyperon has no unordered links: both orientations of each clause, as four queries.
        "unordered": ([S(f"s{k}") for k in data["unordered"]], lambda s: _hyperon_unordered(space, s)),
        "anchored": anchored,
    }


def _hyperon_unordered(space: Any, s: Any) -> list[Any]:
    from hyperon import E, S, V

    sim, conj, x, y = S("Similarity"), S(","), V("x"), V("y")
    result: list[Any] = []
    for first in (E(sim, x, y), E(sim, y, x)):
        for second in (E(sim, y, s), E(sim, s, y)):
            result.extend(space.query(E(conj, first, second)))
    return result


# ---------------------------------------------------------------------------------------------
# The driver
# ---------------------------------------------------------------------------------------------
def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.bench_query",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default=None, help="comma-separated N (default 10k,100k,1M; --quick: 5k)")
    p.add_argument("--contenders", default=",".join(CONTENDERS),
                   help=f"comma-separated subset of {','.join(CONTENDERS)}")
    p.add_argument("--repeats", type=int, default=None,
                   help="interleaved worker rounds per size (default 3; --quick: 1)")
    p.add_argument("--passes", type=int, default=3, help="timed passes per workload in a worker")
    p.add_argument("--workloads", default="all",
                   help="comma-separated subset of w2q,w3,triangle,unordered,anchored")
    p.add_argument("--hyperon-budget", type=float, default=15.0,
                   help="seconds hyperon may spend per workload (default 15)")
    p.add_argument("--quick", action="store_true", help="a smoke run: small N, one round")
    p.add_argument("--json", dest="json_path", default=None, help="also write the JSON lines here")
    p.add_argument("--markdown", default=None, help="write the figures as Markdown here")
    args = p.parse_args(argv)
    args.sizes = [parse_size(s) for s in args.sizes.split(",")] if args.sizes else (
        [5_000] if args.quick else list(DEFAULT_SIZES))
    args.repeats = args.repeats or (1 if args.quick else 3)
    if args.quick:
        args.passes = 1
    args.contenders = [c.strip() for c in args.contenders.split(",") if c.strip()]
    unknown = [c for c in args.contenders if c not in CONTENDERS]
    if unknown:
        p.error(f"unknown contender(s) {', '.join(unknown)}; known: {', '.join(CONTENDERS)}")
    if "floor" not in args.contenders:
        args.contenders.insert(0, "floor")
    return args


def _progress(r: int, job: Job, result: dict[str, Any] | Failure) -> None:
    n = job.kwargs["n"]
    if isinstance(result, Failure):
        text = f"FAILED: {result.reason}"
    else:
        parts = []
        for key, label in (("w2q_rate", "W2q q/s"), ("w3_rate", "W3 q/s"),
                           ("unordered_rate", "unordered q/s"), ("triangle_seconds", "triangle s"),
                           ("anchored_us", "anchored us")):
            if result.get(key) is not None:
                parts.append(f"{label} {result[key]:,.4g}")
        text = ", ".join(parts)
    print(f"[round {r + 1}] {job.contender} N={n:,}: {text}", file=sys.stderr, flush=True)


METRICS = (
    ("W2q", "w2q_rate", "one-clause query", "queries/s", "higher"),
    ("W2q cold", "w2q_cold_rate", "first pass (compiles)", "queries/s", "higher"),
    ("W3", "w3_rate", "two-hop join", "queries/s", "higher"),
    ("unordered", "unordered_rate", "2-clause Similarity", "queries/s", "higher"),
    ("triangle", "triangle_seconds", "3-clause triangle", "s", "lower"),
    ("anchored", "anchored_us", "match one new link", "us", "lower"),
)


def run(argv: list[str] | None = None, stream: Any = None) -> Report:
    args = _args(argv)
    report = Report("query", baseline="floor", references=("hyperon",), stream=stream,
                    json_path=args.json_path)
    contenders = args.contenders
    for n in args.sizes:
        kwargs = {"n": n, "passes": args.passes, "hyperon_budget": args.hyperon_budget,
                  "workloads": args.workloads}
        timing = run_interleaved(
            [Job(c, "bench.bench_query:query_target", {"contender": c, **kwargs}, timeout=3600)
             for c in contenders], args.repeats, _progress)
        for c in contenders:
            ok = successes(timing[c])
            if not ok:
                fl = first_failure(timing[c])
                report.fail("all", n, c, fl.reason if fl else "no result")
                continue
            for workload, key, metric, unit, better in METRICS:
                values = [r[key] for r in ok if r.get(key) is not None]
                if values:
                    extra: dict[str, Any] = {}
                    done_key = key.split("_")[0] + "_done"
                    if c == "hyperon" and done_key in ok[0]:
                        extra["done"] = min(r[done_key] for r in ok)
                    report.add(workload, n, c, metric, unit, values, better=better, **extra)
            _check_answers(ok, timing.get("floor", []), c, n)
        report.flush()
    small, large = min(args.sizes), max(args.sizes)
    for c in ("atomtrig", "atomtrig-execute"):
        if c not in contenders:
            continue
        a_small = report.find("anchored", small, "match one new link", c)
        a_large = report.find("anchored", large, "match one new link", c)
        if a_small and a_large and large != small:
            report.add("anchored scaling", large, c, f"time at N / time at {small:,}", "x",
                       [a_large.value / a_small.value], better="lower")
            report.target(Target(f"anchored {c}: N={large:,} within 1.5x of N={small:,}",
                                 "anchored scaling", f"time at N / time at {small:,}", c, large,
                                 1.5, "<="))
        if small == 10_000 or args.quick:
            report.target(Target(f"W2q {c} N={small:,} >= 25,000 queries/s", "W2q",
                                 "one-clause query", c, small, 25_000.0, ">="))
        for n in args.sizes:
            if n >= 100_000:
                report.target(Target(f"W2q {c} N={n:,} >= 0.25x floor", "W2q", "one-clause query",
                                     c, n, 0.25, ">=", vs="floor"))
            if "hyperon" in contenders:
                report.target(Target(f"W2q {c} N={n:,} >= 100x hyperon", "W2q",
                                     "one-clause query", c, n, 100.0, ">=", vs="hyperon"))
            report.target(Target(f"W3 {c} N={n:,} >= 0.5x floor", "W3", "two-hop join", c, n,
                                 0.5, ">=", vs="floor"))
    report.note("queries are built (added to the store) before the clock starts; 'W2q cold' is "
                "the first pass over them, which compiles each pattern once.")
    report.note("atomtrig-execute = space.execute(GetLink): the matcher plus the SetLink of the "
                "results (ListLinks for two variables) added to the store.")
    if "hyperon" in contenders:
        report.note(f"hyperon: GroundingSpaceRef.query, conjunctions as (, ...), stopped after "
                    f"{args.hyperon_budget:g} s per workload (rate over the queries done); "
                    "'unordered' as four ordered queries; 'anchored' = the full query with the "
                    "new link's atoms substituted (hyperon has no anchored search).")
    report.finish(markdown=args.markdown)
    return report


def _check_answers(ok: list[dict[str, Any]], floor: list[Any], contender: str, n: int) -> None:
    """Every contender must find as many results as the floor (hyperon: where it finished)."""
    reference = successes(floor)
    if not reference or contender == "floor":
        return
    ref = reference[0]
    for key in ("w2q_results", "w3_results", "unordered_results", "triangle_results",
                "anchored_results"):
        done_key = key.replace("_results", "_done")
        if key not in ok[0] or key not in ref:
            continue
        if contender == "hyperon" and ok[0].get(done_key) != ref.get(done_key):
            continue
        if ok[0][key] != ref[key]:
            raise AssertionError(
                f"{contender} N={n}: {key} = {ok[0][key]}, the floor found {ref[key]}")


def main(argv: list[str] | None = None) -> int:
    run(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
