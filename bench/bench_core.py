"""Core benchmark (issue 2): inserting atoms, incoming-set lookups, memory per atom.

Workloads, at N = 10k, 100k and 1M by default:

- **W1** insert N links ``(Inheritance c_i c_(i mod 1000))`` with their nodes through the public
  API, ``space.add_link("Inheritance", [space.add_node("Concept", f"c{i}"),
  space.add_node("Concept", f"c{i % 1000}")])``; figure: atoms created (N nodes + N links) per
  second.
- **W2** 1000 lookups of the incoming set of a random ``c_k`` (k drawn from 0..999, the nodes that
  appear second, with a fixed seed, the same keys for every contender), keeping the
  InheritanceLinks where ``c_k`` is second; figure: lookups per second. Each lookup returns about
  N/1000 links, and every contender checks its answer against the count the workload implies.
- **W5** peak memory per atom: the rise of the resident set (RSS) from before building the store
  to its peak, divided by the 2N atoms, in a fresh process per contender and size; also the RSS
  still held at the end and, for the pure-Python contenders, tracemalloc's peak.

W1 and W2 are reported twice: by wall-clock time (what the targets are judged on) and by the
worker's CPU time (``time.process_time``), which other jobs sharing the VM disturb less.

Contenders (each run in its own process, interleaved, medians over the rounds):

- ``floor``: a plain-dict hash-consed atom table (:class:`FloorSpace`), the CPython floor and
  the baseline of every ratio.
- ``atomtrig``: ``atomtrig.AtomSpace`` (the class users import) with type names, as above.
- ``atomtrig-types``: the same with type objects (``types["Concept"]``).
- ``atomtrig-core``: the bare ``atomtrig.core.CoreAtomSpace`` with type names (what the layers above
  the core add to the hot path shows as the gap to ``atomtrig``).
- ``hyperon``: hyperon's ``GroundingSpaceRef`` (``pip install hyperon==0.2.6``): W1 adds the
  expression ``(Inheritance c_i c_j)`` per link (symbols live inside expressions; there are no
  separate node atoms, so its rate and bytes are counted per the same 2N logical atoms); W2 is
  ``space.subst(pattern, pattern)`` with the pattern ``(Inheritance $x c_k)``, which hands the
  matching links to Python. Its W2 is a scan that slows with N, so it stops after
  ``--hyperon-budget`` seconds and reports the rate over the lookups done.

Run ``python -m bench.bench_core --help``; ``--quick`` is a smoke run.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
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

CONTENDERS = ("floor", "atomtrig", "atomtrig-types", "atomtrig-core", "hyperon")
PYTHON_ONLY = ("floor", "atomtrig", "atomtrig-types", "atomtrig-core")
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
FANOUT = 1000  # link i points at c_(i mod FANOUT)
SEED = 20261122


# ---------------------------------------------------------------------------------------------
# The floor: a minimal plain-dict hash-consed atom table
# ---------------------------------------------------------------------------------------------
class FloorAtom:
    """An atom of :class:`FloorSpace`: type name, node name, outgoing tuple, incoming list."""

    __slots__ = ("incoming", "name", "out", "type")

    def __init__(self, type: str, name: str, out: tuple[FloorAtom, ...]) -> None:
        self.type = type
        self.name = name
        self.out = out
        self.incoming: list[FloorAtom] | None = None


class FloorSpace:
    """The CPython floor: one dict keyed by ``(type, name)`` / ``(type, outgoing)``, incoming
    sets as plain lists. No validation, no lock, no type hierarchy, no events.

    >>> space = FloorSpace()
    >>> a, b = space.add_node("Concept", "a"), space.add_node("Concept", "b")
    >>> link = space.add_link("Inheritance", [a, b])
    >>> space.add_link("Inheritance", [a, b]) is link, b.incoming == [link], len(space)
    (True, True, 3)
    """

    def __init__(self) -> None:
        self.atoms: dict[tuple[Any, ...], FloorAtom] = {}

    def __len__(self) -> int:
        return len(self.atoms)

    def add_node(self, type: str, name: str) -> FloorAtom:
        key = (type, name)
        atom = self.atoms.get(key)
        if atom is None:
            atom = self.atoms[key] = FloorAtom(type, name, ())
        return atom

    def add_link(self, type: str, outgoing: Any) -> FloorAtom:
        out = tuple(outgoing)
        key = (type, out)
        atom = self.atoms.get(key)
        if atom is None:
            atom = self.atoms[key] = FloorAtom(type, "", out)
            for member in out:
                incoming = member.incoming
                if incoming is None:
                    member.incoming = [atom]
                elif incoming[-1] is not atom:  # an atom twice in one link: list it once
                    incoming.append(atom)
        return atom


# ---------------------------------------------------------------------------------------------
# The workloads, one builder and one looker-up per contender
# ---------------------------------------------------------------------------------------------
def _build_floor(n: int) -> Any:
    space = FloorSpace()
    for i in range(n):
        space.add_link("Inheritance", [space.add_node("Concept", f"c{i}"),
                                       space.add_node("Concept", f"c{i % 1000}")])
    return space


def _atomtrig_space(contender: str) -> Any:
    if contender == "atomtrig-core":
        from atomtrig.core import CoreAtomSpace

        return CoreAtomSpace()
    import atomtrig

    return atomtrig.AtomSpace()


def _build_atomtrig(n: int, space: Any) -> Any:
    for i in range(n):
        space.add_link("Inheritance", [space.add_node("Concept", f"c{i}"),
                                       space.add_node("Concept", f"c{i % 1000}")])
    return space


def _build_atomtrig_types(n: int, space: Any) -> Any:
    from atomtrig.core.types import types

    concept, inheritance = types["Concept"], types["Inheritance"]
    for i in range(n):
        space.add_link(inheritance, [space.add_node(concept, f"c{i}"),
                                     space.add_node(concept, f"c{i % 1000}")])
    return space


def _build_hyperon(n: int, space: Any) -> Any:
    from hyperon import E, S

    inheritance = S("Inheritance")
    for i in range(n):
        space.add_atom(E(inheritance, S(f"c{i}"), S(f"c{i % 1000}")))
    return space


def _keys(n: int, lookups: int) -> list[int]:
    rng = random.Random(SEED)
    return [rng.randrange(min(n, FANOUT)) for _ in range(lookups)]


def _expected(n: int, k: int) -> int:
    """How many links ``(Inheritance c_i c_k)`` W1 made: every i < n with i mod 1000 == k."""
    return (n - k + FANOUT - 1) // FANOUT


def _w2_lookups(contender: str, space: Any, n: int, keys: list[int], rounds: int,
                budget: float) -> dict[str, Any]:
    """Time the lookups ``rounds`` times (stopping a round early past ``budget`` seconds);
    returns the median rate and the answers' sizes, checked against :func:`_expected`."""
    if contender == "floor":
        targets = [space.atoms[("Concept", f"c{k}")] for k in keys]

        def lookup(c: Any) -> list[Any]:
            return [l for l in c.incoming if l.type == "Inheritance" and l.out[1] is c]

    elif contender == "hyperon":
        from hyperon import E, S, V

        targets = [E(S("Inheritance"), V("x"), S(f"c{k}")) for k in keys]

        def lookup(c: Any) -> list[Any]:  # here c is the pattern (Inheritance $x c_k)
            return space.subst(c, c)  # type: ignore[no-any-return]

    else:
        inheritance: Any = "Inheritance"
        if contender == "atomtrig-types":
            from atomtrig.core.types import types

            inheritance = types["Inheritance"]
        targets = [space.get_node("Concept", f"c{k}") for k in keys]

        def lookup(c: Any) -> list[Any]:
            return [l for l in c.incoming_by_type(inheritance) if l.out[1] is c]

    rates: list[float] = []
    cpu_rates: list[float] = []
    done = len(targets)
    matches = 0
    for _ in range(rounds):
        gc.collect()
        found: list[int] = []
        c0 = time.process_time()
        t0 = time.perf_counter()
        deadline = t0 + budget
        for target in targets:
            found.append(len(lookup(target)))
            if time.perf_counter() > deadline:
                break
        seconds = time.perf_counter() - t0
        cpu_seconds = time.process_time() - c0
        done = len(found)
        rates.append(done / seconds)
        cpu_rates.append(done / max(cpu_seconds, 1e-9))
        wrong = [(keys[j], got) for j, got in enumerate(found) if got != _expected(n, keys[j])]
        if wrong:
            k, got = wrong[0]
            raise AssertionError(
                f"{contender}: W2 lookup of c{k} found {got} links, expected {_expected(n, k)}"
            )
        matches = sum(found)
        if done < len(targets):  # over budget: one round is all we can afford
            break
    rates.sort()
    cpu_rates.sort()
    return {"w2_rate": rates[len(rates) // 2], "w2_cpu_rate": cpu_rates[len(cpu_rates) // 2],
            "w2_lookups_done": done, "w2_matches": matches, "w2_rounds": len(rates)}


def core_target(probe: Probe, contender: str, n: int, lookups: int = 1000, w2_rounds: int = 3,
                hyperon_budget: float = 20.0) -> dict[str, Any]:
    """Worker entry point (see :mod:`bench.harness`): build the W1 store for ``contender``;
    in a time job time W1 and W2, in a memory job measure the build."""
    space: Any
    if contender == "floor":
        def build() -> Any:
            return _build_floor(n)
    elif contender == "hyperon":
        from hyperon import GroundingSpaceRef

        space = GroundingSpaceRef()

        def build() -> Any:
            return _build_hyperon(n, space)
    elif contender in ("atomtrig", "atomtrig-core", "atomtrig-types"):
        space = _atomtrig_space(contender)
        builder = _build_atomtrig_types if contender == "atomtrig-types" else _build_atomtrig

        def build() -> Any:
            return builder(n, space)
    else:
        raise ValueError(f"unknown contender {contender!r}; known: {', '.join(CONTENDERS)}")

    # Warm up the code paths (and the imports they pull in) on a throw-away store, so the
    # figures measure steady state rather than first-call costs.
    _warm_up(contender)
    atoms = 2 * n
    if probe.measuring_memory:
        probe.start()
        built = build()
        probe.stop(atoms=atoms)
        del built
        return {"contender": contender, "n": n}
    gc.collect()
    c0 = time.process_time()
    t0 = time.perf_counter()
    built = build()
    w1_seconds = time.perf_counter() - t0
    w1_cpu_seconds = time.process_time() - c0
    if contender != "hyperon" and len(built) != atoms:
        raise AssertionError(f"{contender}: W1 made {len(built)} atoms, expected {atoms}")
    result: dict[str, Any] = {"contender": contender, "n": n, "atoms": atoms,
                              "w1_seconds": w1_seconds, "w1_rate": atoms / w1_seconds,
                              "w1_cpu_rate": atoms / w1_cpu_seconds}
    budget = hyperon_budget if contender == "hyperon" else float("inf")
    result.update(_w2_lookups(contender, built, n, _keys(n, lookups), w2_rounds, budget))
    return result


def _warm_up(contender: str) -> None:
    if contender == "floor":
        _build_floor(50)
    elif contender == "hyperon":
        from hyperon import GroundingSpaceRef

        _build_hyperon(50, GroundingSpaceRef())
    elif contender == "atomtrig-types":
        _build_atomtrig_types(50, _atomtrig_space(contender))
    else:
        _build_atomtrig(50, _atomtrig_space(contender))


# ---------------------------------------------------------------------------------------------
# The driver
# ---------------------------------------------------------------------------------------------
def parse_size(text: str) -> int:
    """``10k`` -> 10000, ``1M`` -> 1000000, ``2500`` -> 2500.

    >>> [parse_size(s) for s in ("10k", "1M", "2500")]
    [10000, 1000000, 2500]
    """
    text = text.strip()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:].lower(), 1)
    number = text[:-1] if scale != 1 else text
    try:
        value = int(float(number) * scale)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a size is a number like 10k or 1M, not {text!r}")
    if value < 1:
        raise argparse.ArgumentTypeError(f"a size must be at least 1, not {text!r}")
    return value


def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.bench_core", description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default=None,
                   help="comma-separated sizes N (default 10k,100k,1M; --quick: 2k)")
    p.add_argument("--contenders", default=",".join(CONTENDERS),
                   help=f"comma-separated subset of {','.join(CONTENDERS)}")
    p.add_argument("--repeats", type=int, default=None,
                   help="interleaved timing rounds per size (default 5 up to N=100k, 3 above; "
                        "--quick: 1)")
    p.add_argument("--mem-repeats", type=int, default=None,
                   help="RSS memory runs per contender and size (default 3; --quick: 1)")
    p.add_argument("--no-tracemalloc", action="store_true",
                   help="skip the tracemalloc memory runs (on by default, off with --quick)")
    p.add_argument("--lookups", type=int, default=None, help="W2 lookups (default 1000)")
    p.add_argument("--hyperon-budget", type=float, default=20.0,
                   help="seconds hyperon may spend on one W2 round (default 20)")
    p.add_argument("--quick", action="store_true", help="a smoke run: small N, one round")
    p.add_argument("--json", dest="json_path", default=None, help="also write the JSON lines here")
    p.add_argument("--markdown", default=None, help="write the figures as Markdown here")
    args = p.parse_args(argv)
    q = args.quick
    args.sizes = [parse_size(s) for s in args.sizes.split(",")] if args.sizes else (
        [2_000] if q else list(DEFAULT_SIZES))
    args.repeats_fixed = args.repeats or (1 if q else None)
    args.mem_repeats = args.mem_repeats or (1 if q else 3)
    args.lookups = args.lookups or (100 if q else 1000)
    args.tracemalloc = not (args.no_tracemalloc or q)
    args.contenders = [c.strip() for c in args.contenders.split(",") if c.strip()]
    unknown = [c for c in args.contenders if c not in CONTENDERS]
    if unknown:
        p.error(f"unknown contender(s) {', '.join(unknown)}; known: {', '.join(CONTENDERS)}")
    if "floor" not in args.contenders:
        args.contenders.insert(0, "floor")  # the baseline of every ratio
    return args


def _progress(r: int, job: Job, result: dict[str, Any] | Failure) -> None:
    n = job.kwargs["n"]
    if isinstance(result, Failure):
        text = f"FAILED: {result.reason}"
    elif job.mode == "time":
        text = f"W1 {result['w1_rate']:,.0f} atoms/s, W2 {result['w2_rate']:,.1f} lookups/s"
    else:
        text = f"{result['mem_peak_per_atom']:.0f} B/atom peak ({job.mode})"
    print(f"[{job.mode} round {r + 1}] {job.contender} N={n:,}: {text}", file=sys.stderr,
          flush=True)


def run(argv: list[str] | None = None, stream: Any = None) -> Report:
    """Run the benchmark; returns the :class:`Report` (already printed to ``stream``)."""
    args = _args(argv)
    report = Report("core", baseline="floor", references=("hyperon",), stream=stream,
                    json_path=args.json_path)
    contenders = args.contenders
    for n in args.sizes:
        kwargs = {"n": n, "lookups": args.lookups, "hyperon_budget": args.hyperon_budget}
        timing = run_interleaved(
            [Job(c, "bench.bench_core:core_target", {"contender": c, **kwargs}) for c in contenders],
            args.repeats_fixed or (5 if n <= 100_000 else 3), _progress)
        rss = run_interleaved(
            [Job(c, "bench.bench_core:core_target", {"contender": c, "n": n}, mode="rss")
             for c in contenders], args.mem_repeats, _progress)
        traced: dict[str, list[dict[str, Any] | Failure]] = {}
        if args.tracemalloc:
            traced = run_interleaved(
                [Job(c, "bench.bench_core:core_target", {"contender": c, "n": n},
                     mode="tracemalloc") for c in contenders if c in PYTHON_ONLY], 1, _progress)
        for c in contenders:
            ok = successes(timing[c])
            if ok:
                report.add("W1", n, c, "insert", "atoms/s", [r["w1_rate"] for r in ok])
                report.add("W1", n, c, "insert (CPU time)", "atoms/s",
                           [r["w1_cpu_rate"] for r in ok])
                lookups_done = min(r["w2_lookups_done"] for r in ok)
                extra = {} if lookups_done == args.lookups else {"lookups_done": lookups_done}
                report.add("W2", n, c, "incoming lookup", "lookups/s",
                           [r["w2_rate"] for r in ok], **extra)
                report.add("W2", n, c, "incoming lookup (CPU time)", "lookups/s",
                           [r["w2_cpu_rate"] for r in ok], **extra)
            else:
                fl = first_failure(timing[c])
                report.fail("W1+W2", n, c, fl.reason if fl else "no result")
            ok = successes(rss[c])
            if ok:
                report.add("W5", n, c, "peak RSS/atom", "B", [r["mem_peak_per_atom"] for r in ok],
                           better="lower")
                report.add("W5", n, c, "retained RSS/atom", "B",
                           [r["mem_retained_per_atom"] for r in ok], better="lower")
            else:
                fl = first_failure(rss[c])
                report.fail("W5", n, c, fl.reason if fl else "no result")
            if c in traced:
                ok = successes(traced[c])
                if ok:
                    report.add("W5", n, c, "tracemalloc peak/atom", "B",
                               [r["mem_peak_per_atom"] for r in ok], better="lower")
                else:
                    fl = first_failure(traced[c])
                    report.fail("W5 tracemalloc", n, c, fl.reason if fl else "no result")
        report.flush()
    for n in args.sizes:
        for c in ("atomtrig", "atomtrig-types"):
            if c in contenders:
                report.target(Target(f"W1 {c} N={n:,} >= 1.0x floor (stretch 2x)", "W1",
                                     "insert", c, n, 1.0, ">=", vs="floor", stretch=2.0))
        for c in ("atomtrig", "atomtrig-types"):
            if c in contenders:
                report.target(Target(f"W2 {c} N={n:,} >= 0.7x floor", "W2", "incoming lookup",
                                     c, n, 0.7, ">=", vs="floor"))
    largest = max(args.sizes)
    if "atomtrig" in contenders:
        report.target(Target(f"W5 atomtrig N={largest:,} < 350 B/atom (stretch 200 B)", "W5",
                             "peak RSS/atom", "atomtrig", largest, 350.0, "<", stretch=200.0))
    if "hyperon" in contenders:
        report.note("hyperon: W1 adds one expression (Inheritance c_i c_j) per link; rates and "
                    "bytes are per the same 2N logical atoms. W2 = space.subst((Inheritance $x "
                    f"c_k), same), stopped after {args.hyperon_budget:g} s per round.")
    report.note("Targets are judged on wall-clock medians; the '(CPU time)' rows divide by the "
                "worker's process_time instead, which other jobs on the VM disturb less.")
    report.note("W5 peak RSS/atom = (peak RSS - RSS before building) / 2N, fresh process per "
                "contender and size; tracemalloc sees Python allocations only.")
    report.finish(markdown=args.markdown)
    return report


def main(argv: list[str] | None = None) -> int:
    run(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
