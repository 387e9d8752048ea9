"""The pattern matcher: every grounding of a pattern in an AtomSpace.

:func:`match` takes a pattern scope link (BindLink, QueryLink, GetLink, MeetLink,
SatisfactionLink, DualLink) and returns its groundings, each a dict from every declared
variable to the atom grounding it (a GlobNode to the tuple of atoms of its run). What the
pattern language means is described in :mod:`atomtrig.query.pattern`.

How the search runs: the pattern is compiled once (cached per pattern atom). Each alternative
of the body is searched component by component; inside a component the next clause is always
the one with the fewest candidates given what is grounded so far (the incoming set of a
constant or grounded atom of the clause, bucketed by link type; the type index only when a
clause touches nothing grounded). Virtual clauses are evaluated as soon as their variables are
grounded, through :func:`atomtrig.query.evaluate.evaluate`; a virtual clause holds when the
truth value's strength is at least 0.5 (the classic rule: the classic matcher rejects a
grounding whose evaluated mean is below 0.5). The query's own atoms never ground a clause or a
variable.

``anchor=link`` restricts the search to groundings in which some clause is grounded by that
very link: the search starts from it, so its cost depends on the link's neighbourhood, not on
the size of the store.

>>> from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
>>> space = AtomSpace()
>>> cat, dog, animal = (space.add_node("Concept", n) for n in ("cat", "dog", "animal"))
>>> _ = space.add_link("Inheritance", [cat, animal]); _ = space.add_link("Inheritance", [dog, animal])
>>> x = space.add_node("Variable", "$X")
>>> query = space.add_link("Get", [space.add_link("Inheritance", [x, animal])])
>>> sorted(g[x].name for g in match(space, query))
['cat', 'dog']
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from itertools import product
from typing import TYPE_CHECKING, Any, Union

from atomtrig.query.errors import PatternError
from atomtrig.query.joins import JoinPlan, bucket, is_plain
from atomtrig.query.pattern import (
    CHOOSE,
    CONST,
    GLOBV,
    ORDERED,
    VAR,
    Alternative,
    Clause,
    Pattern,
    Term,
    Virtual,
    compile_body,
    compile_pattern,
)

if TYPE_CHECKING:
    from atomtrig.core.atom import Atom
    from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
    from atomtrig.core.truthvalue import TruthValue

Grounding = dict["Atom", Union["Atom", tuple["Atom", ...]]]
Bindings = dict[Any, Any]

__all__ = ["match", "match_body", "match_compiled", "Grounding"]


def match(
    space: AtomSpace,
    scope: Atom,
    *,
    anchor: Atom | None = None,
    fixed: Mapping[Atom, Atom | tuple[Atom, ...]] | None = None,
    limit: int | None = None,
) -> list[Grounding]:
    """Every grounding of the pattern scope link ``scope`` in ``space``.

    ``fixed`` pre-binds variables; ``anchor`` keeps only groundings in which some clause is
    grounded by the anchor atom itself; ``limit`` stops after that many groundings.

    >>> from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
    >>> space = AtomSpace()
    >>> a, b = space.add_node("Concept", "a"), space.add_node("Concept", "b")
    >>> link = space.add_link("Similarity", [a, b])
    >>> x, y = space.add_node("Variable", "$x"), space.add_node("Variable", "$y")
    >>> get = space.add_link("Get", [space.add_link("Similarity", [x, y])])
    >>> sorted((g[x].name, g[y].name) for g in match(space, get))
    [('a', 'b'), ('b', 'a')]
    >>> len(match(space, get, fixed={x: a}))
    1
    """
    if scope._space is not space:
        scope = space.add_atom(scope)  # a pattern made elsewhere: its constants must be ours
    return match_compiled(space, compile_pattern(scope), anchor=anchor, fixed=fixed, limit=limit)


def match_body(
    space: AtomSpace,
    declaration: Atom | None,
    body: Atom,
    *,
    anchor: Atom | None = None,
    fixed: Mapping[Atom, Atom | tuple[Atom, ...]] | None = None,
    limit: int | None = None,
) -> list[Grounding]:
    """Like :func:`match`, for a bare variable declaration (or None: implicit variables) and
    body, such as the two halves of an ImplicationLink."""
    if body._space is not space:
        body = space.add_atom(body)
    if declaration is not None and declaration._space is not space:
        declaration = space.add_atom(declaration)
    return match_compiled(
        space, compile_body(declaration, body), anchor=anchor, fixed=fixed, limit=limit
    )


def match_compiled(
    space: AtomSpace,
    pattern: Pattern,
    *,
    anchor: Atom | None = None,
    fixed: Mapping[Atom, Atom | tuple[Atom, ...]] | None = None,
    limit: int | None = None,
) -> list[Grounding]:
    """Run an already compiled :class:`~atomtrig.query.pattern.Pattern`."""
    if limit is not None and limit <= 0:
        return []
    if anchor is not None and anchor._space is not space:
        return []
    if not fixed and pattern.fast is not None:
        if anchor is None:
            return _fast(pattern, limit)
        return _fast_anchor(pattern, anchor)
    start: Bindings = {}
    if fixed:
        specs = pattern.specs
        for variable, value in fixed.items():
            spec = specs.get(variable)
            if spec is None:
                raise PatternError(
                    f"fixed binds {getattr(variable, 'short', lambda: repr(variable))()}, "
                    "which the pattern does not declare"
                )
            if spec.is_glob:
                run: tuple[Atom, ...] = tuple(value) if not hasattr(value, "type") else (value,)  # type: ignore[arg-type,assignment]
                if not spec.accepts_run(run):
                    return []
                start[variable] = run
            else:
                if value.__class__ is tuple or not spec.accepts(value):  # type: ignore[arg-type]
                    return []
                start[variable] = value
    variables = pattern.variables
    results: list[Grounding] = []
    seen: set[tuple[object, ...]] = set()
    for alt in pattern.alternatives:
        missing = [v for v in alt.ungroundable if v not in start] if alt.ungroundable else None
        if missing:
            raise PatternError(
                f"variable {missing[0].short()} appears in no clause that can ground it "
                f"(only in evaluated or negated terms, or nowhere) in {pattern.body.short()}"
            )
        plan = _join_plan(pattern, alt)
        if plan is not None:
            if anchor is None and len(pattern.alternatives) == 1:
                direct = plan.run_direct(space, start, limit)
                if direct is not None:
                    return direct
            rows = _run_join(space, pattern, alt, plan, start, anchor)
            make = plan.make
            if len(pattern.alternatives) == 1:
                # One alternative of plain clauses: each grounding comes once.
                if limit is not None:
                    del rows[limit:]
                return [make(row) for row in rows]
            nvars = len(variables)
            for row in rows:
                key = tuple(row[:nvars])
                if key in seen:
                    continue
                seen.add(key)
                results.append(make(row))
                if limit is not None and len(results) >= limit:
                    return results
            continue
        found: Iterator[Bindings] = _alternative(space, pattern, alt, start, anchor)
        if alt.always:
            found = iter(_apply_always(space, pattern, alt, list(found)))
        for b in found:
            key = tuple(b[v] for v in variables)
            if key in seen:
                continue
            seen.add(key)
            results.append({v: b[v] for v in variables})
            if limit is not None and len(results) >= limit:
                return results
    return results


# -- conjunctions of plain clauses ----------------------------------------------------------
_NO_PLAN = object()


def _join_plan(pattern: Pattern, alt: Alternative) -> JoinPlan | None:
    plan = alt.join
    if plan is None:
        usable = bool(alt.clauses) and not alt.always and all(is_plain(c) for c in alt.clauses)
        plan = JoinPlan(alt, pattern.variables, pattern.own) if usable else _NO_PLAN
        alt.join = plan
    return None if plan is _NO_PLAN else plan  # type: ignore[return-value]


def _run_join(
    space: AtomSpace,
    pattern: Pattern,
    alt: Alternative,
    plan: JoinPlan,
    start: Bindings,
    anchor: Atom | None,
) -> list[list[Any]]:
    start_keys = start.keys()
    later: list[Virtual] = []
    for v in alt.virtual:
        if start_keys >= v.vars:
            if not _holds(space, v, start):
                return []
        else:
            later.append(v)
    holds = None
    if later or alt.absent:
        searcher = _Search(space, pattern.own, alt.clauses)

        def holds(b: Mapping[Atom, Any]) -> bool:
            for v in later:
                if not _holds(space, v, dict(b)):
                    return False
            for group in alt.absent:
                if searcher.exists(group, dict(b)):
                    return False
            return True

    return plan.run(space, pattern.own, start, anchor, holds)


# -- the one-clause fast path ---------------------------------------------------------------
def _fast(pattern: Pattern, limit: int | None) -> list[Grounding]:
    link_type, arity, consts, variables = pattern.fast  # type: ignore[misc]
    best: Any = None
    for _, atom in consts:
        found = bucket(atom, link_type)
        if not found:
            return []
        if best is None or len(found) < len(best):
            best = found
    own = pattern.own
    specs = pattern.specs
    results: list[Grounding] = []
    if len(consts) == 1 and len(variables) == 1:
        ((cpos, catom),) = consts
        ((vpos, var),) = variables
        check = specs[var].check
        append = results.append
        for link in tuple(best):
            out = link.out
            if len(out) != arity or out[cpos] is not catom or link.type is not link_type:
                continue
            value = out[vpos]
            if value in own or link in own or (check is not None and not check(value)):
                continue
            append({var: value})
        if limit is not None:
            del results[limit:]
        return results
    seen: set[tuple[Any, ...]] = set()
    for link in tuple(best):
        grounding = _fast_one(pattern, link)
        if grounding is not None:
            key = tuple(grounding.values())
            if key not in seen:
                seen.add(key)
                results.append(grounding)
                if limit is not None and len(results) >= limit:
                    break
    return results


def _fast_one(pattern: Pattern, link: Atom) -> Grounding | None:
    link_type, arity, consts, variables = pattern.fast  # type: ignore[misc]
    out = link.out
    if link.type is not link_type or len(out) != arity or link in pattern.own:
        return None
    for pos, atom in consts:
        if out[pos] is not atom:
            return None
    grounding: Grounding = {}
    specs = pattern.specs
    own = pattern.own
    for pos, var in variables:
        value = out[pos]
        previous = grounding.get(var)
        if previous is not None:
            if previous is not value:
                return None
            continue
        if value in own:
            return None
        check = specs[var].check
        if check is not None and not check(value):
            return None
        grounding[var] = value
    return {v: grounding[v] for v in pattern.variables}


def _fast_anchor(pattern: Pattern, anchor: Atom) -> list[Grounding]:
    grounding = _fast_one(pattern, anchor)
    return [] if grounding is None else [grounding]


# -- evaluation of virtual clauses ----------------------------------------------------------
_evaluate: Callable[[AtomSpace, Atom, Mapping[Atom, Any]], TruthValue] | None = None


def _holds(space: AtomSpace, virtual: Virtual | Atom, b: Bindings) -> bool:
    global _evaluate
    if _evaluate is None:
        from atomtrig.query.evaluate import evaluate

        _evaluate = evaluate
    if isinstance(virtual, Virtual):
        return (_evaluate(space, virtual.atom, b).strength >= 0.5) is not virtual.negate
    return _evaluate(space, virtual, b).strength >= 0.5


# -- the general search ---------------------------------------------------------------------
def _alternative(
    space: AtomSpace, pattern: Pattern, alt: Alternative, start: Bindings, anchor: Atom | None
) -> Iterator[Bindings]:
    own = pattern.own
    clauses = alt.clauses
    start_keys = start.keys()
    pending = []
    for v in alt.virtual:
        if start_keys >= v.vars:
            if not _holds(space, v, start):
                return
        else:
            pending.append(v)
    comp_vars = [frozenset().union(*(clauses[i].vars for i in comp)) for comp in alt.components]
    comp_virtuals: list[list[Virtual]] = [[] for _ in alt.components]
    cross: list[Virtual] = []
    for v in pending:
        for k, cv in enumerate(comp_vars):
            if v.vars <= cv | start_keys:
                comp_virtuals[k].append(v)
                break
        else:
            cross.append(v)
    searcher = _Search(space, own, clauses)

    def finish(b: Bindings) -> bool:
        for v in cross:
            if not _holds(space, v, b):
                return False
        for group in alt.absent:
            if searcher.exists(group, b):
                return False
        return True

    if not alt.components:
        if anchor is None and finish(start):
            yield start
        return

    if anchor is None:
        if len(alt.components) == 1:
            for b in searcher.run(alt.components[0], start, comp_virtuals[0]):
                if finish(b):
                    yield b
            return
        parts = [
            list(searcher.run(comp, start, comp_virtuals[k]))
            for k, comp in enumerate(alt.components)
        ]
        for combo in product(*parts):
            b = dict(start)
            for part in combo:
                b.update(part)
            if finish(b):
                yield b
        return

    # Anchored: some clause is grounded by the anchor itself.
    others: dict[int, list[Bindings]] = {}
    for index, clause in enumerate(clauses):
        term = clause.term
        if term.type is not anchor.type or anchor in own:
            continue
        k = next(i for i, comp in enumerate(alt.components) if index in comp)
        rest = tuple(i for i in alt.components[k] if i != index)
        anchored: list[Bindings] = []
        for b1 in _gen(term, anchor, start, own):
            if not _virtuals_ok(space, comp_virtuals[k], start, b1):
                continue
            anchored.extend(searcher.run(rest, b1, comp_virtuals[k], already=start))
        if not anchored:
            continue
        parts = [anchored]
        for j, comp in enumerate(alt.components):
            if j == k:
                continue
            if j not in others:
                others[j] = list(searcher.run(comp, start, comp_virtuals[j]))
            parts.append(others[j])
        for combo in product(*parts):
            if len(combo) == 1:
                b = combo[0]
            else:
                b = dict(start)
                for part in combo:
                    b.update(part)
            if finish(b):
                yield b


def _virtuals_ok(space: AtomSpace, virtuals: list[Virtual], before: Bindings, after: Bindings) -> bool:
    if not virtuals or after is before:
        return True
    keys, old = after.keys(), before.keys()
    for v in virtuals:
        if keys >= v.vars and not old >= v.vars:
            if not _holds(space, v, after):
                return False
    return True


class _Search:
    """Backtracking over the clauses of one component."""

    __slots__ = ("space", "own", "clauses")

    def __init__(self, space: AtomSpace, own: frozenset[Atom], clauses: list[Clause]) -> None:
        self.space = space
        self.own = own
        self.clauses = clauses

    def run(
        self,
        indices: tuple[int, ...],
        b: Bindings,
        virtuals: list[Virtual],
        already: Bindings | None = None,
    ) -> Iterator[Bindings]:
        if already is not None and not _virtuals_ok(self.space, virtuals, already, b):
            return
        yield from self._step([self.clauses[i] for i in indices], b, virtuals)

    def exists(self, group: list[Clause], b: Bindings) -> bool:
        # A constant term is in the store (it is part of the pattern): it holds by itself.
        remaining = [c for c in group if c.term.kind != CONST]
        for _ in self._step(remaining, b, []):
            return True
        return False

    def _step(self, remaining: list[Clause], b: Bindings, virtuals: list[Virtual]) -> Iterator[Bindings]:
        if not remaining:
            yield b
            return
        best_i = 0
        best_cands: Any = None
        best_size = -1
        for i, clause in enumerate(remaining):
            size, cands = _plan(self.space, clause.term, b)
            if best_size < 0 or size < best_size:
                best_i, best_cands, best_size = i, cands, size
                if size == 0:
                    return
        clause = remaining[best_i]
        rest = remaining[:best_i] + remaining[best_i + 1 :]
        if best_cands is None:
            best_cands = self.space.get_atoms_by_type(clause.term.type, subtypes=False)
        term = clause.term
        own = self.own
        space = self.space
        if term.det:
            for link in tuple(best_cands):
                if link in own:
                    continue
                nb = _det(term, link, b, own)
                if nb is None:
                    continue
                if virtuals and not _virtuals_ok(space, virtuals, b, nb):
                    continue
                yield from self._step(rest, nb, virtuals)
        else:
            for link in tuple(best_cands):
                if link in own:
                    continue
                for nb in _gen(term, link, b, own):
                    if virtuals and not _virtuals_ok(space, virtuals, b, nb):
                        continue
                    yield from self._step(rest, nb, virtuals)


# -- candidates ------------------------------------------------------------------------------
def _plan(space: AtomSpace, term: Term, b: Bindings) -> tuple[int, Any]:
    """``(estimated count, candidates)`` for a clause term; candidates None means the type
    index."""
    cands = _hooked(term, b)
    if cands is None:
        return space.count_by_type(term.type, subtypes=False), None  # type: ignore[arg-type]
    return len(cands), cands


def _hooked(term: Term, b: Bindings) -> Any:
    """Links that may match the link term ``term``, found from a grounded atom inside it; None
    when nothing inside it is grounded."""
    link_type = term.type
    best = None
    for child in term.children:
        kind = child.kind
        if kind == CONST:
            atom = child.atom
        elif kind == VAR:
            atom = b.get(child.var)
            if atom is None:
                continue
        else:
            continue
        bucket = atom.incoming_by_type(link_type)  # type: ignore[union-attr]
        if not bucket:
            return ()
        if best is None or len(bucket) < len(best):
            best = bucket
    if best is not None:
        return best
    for child in term.children:
        inner = _atoms_for(child, b)
        if inner is None:
            continue
        parents: dict[Atom, None] = {}
        for atom in inner:
            bucket = atom.incoming_by_type(link_type)
            if bucket:
                for parent in bucket:
                    parents[parent] = None
        return tuple(parents)
    return None


def _atoms_for(term: Term, b: Bindings) -> Any:
    """Atoms that may match ``term`` (any kind), or None when unconstrained."""
    kind = term.kind
    if kind == CONST:
        return (term.atom,)
    if kind == VAR:
        value = b.get(term.var)
        return None if value is None else (value,)
    if kind == GLOBV:
        return None
    if kind == CHOOSE:
        union: dict[Atom, None] = {}
        for alt in term.children:
            atoms = _atoms_for(alt, b)
            if atoms is None:
                return None
            union.update(dict.fromkeys(atoms))
        return tuple(union)
    return _hooked(term, b)


# -- matching one term against one atom -------------------------------------------------------
def _det(term: Term, cand: Atom, b: Bindings, own: frozenset[Atom]) -> Bindings | None:
    new: Bindings = {}
    if not _det_into(term, cand, b, new, own):
        return None
    if not new:
        return b
    nb = dict(b)
    nb.update(new)
    return nb


def _det_into(term: Term, cand: Atom, b: Bindings, new: Bindings, own: frozenset[Atom]) -> bool:
    kind = term.kind
    if kind == CONST:
        return cand is term.atom
    if kind == VAR:
        var = term.var
        current = b.get(var)
        if current is None:
            current = new.get(var)
        if current is not None:
            return current is cand
        if cand in own:
            return False
        check = term.spec.check  # type: ignore[union-attr]
        if check is not None and not check(cand):
            return False
        new[var] = cand
        return True
    if cand.type is not term.type:
        return False
    out = cand.out
    children = term.children
    if len(out) != len(children):
        return False
    if kind == ORDERED:
        for child, atom in zip(children, out):
            if not _det_into(child, atom, b, new, own):
                return False
        return True
    # An unordered link with at most one non-constant child.
    remaining = list(out)
    loose = None
    for child in children:
        if child.kind == CONST:
            try:
                remaining.remove(child.atom)
            except ValueError:
                return False
        else:
            loose = child
    if loose is None:
        return not remaining
    return _det_into(loose, remaining[0], b, new, own)


def _gen(term: Term, cand: Atom, b: Bindings, own: frozenset[Atom]) -> Iterator[Bindings]:
    """Every way ``term`` matches ``cand`` extending ``b``."""
    if term.det:
        nb = _det(term, cand, b, own)
        if nb is not None:
            yield nb
        return
    kind = term.kind
    if kind == CHOOSE:
        for alt in term.children:
            yield from _gen(alt, cand, b, own)
        return
    if kind == GLOBV:
        raise PatternError(f"a GlobNode must stand in an outgoing set: {term.var.short()}")  # type: ignore[union-attr]
    if cand.type is not term.type:
        return
    if kind == ORDERED:
        out = cand.out
        if not term.has_glob and len(out) != len(term.children):
            return
        yield from _seq(term.children, 0, out, 0, b, own)
        return
    yield from _unordered(term, cand.out, b, own)


def _min_len(children: tuple[Term, ...], start: int) -> int:
    total = 0
    for child in children[start:]:
        total += child.spec.interval[0] if child.kind == GLOBV else 1  # type: ignore[union-attr]
    return total


def _seq(
    children: tuple[Term, ...], i: int, out: tuple[Atom, ...], j: int, b: Bindings, own: frozenset[Atom]
) -> Iterator[Bindings]:
    if i == len(children):
        if j == len(out):
            yield b
        return
    child = children[i]
    if child.kind == GLOBV:
        var = child.var
        current = b.get(var)
        if current is not None:
            n = len(current)
            if out[j : j + n] == current:
                yield from _seq(children, i + 1, out, j + n, b, own)
            return
        spec = child.spec
        lo, hi = spec.interval  # type: ignore[union-attr]
        longest = len(out) - j - _min_len(children, i + 1)
        if hi >= 0:
            longest = min(longest, hi)
        check = spec.check  # type: ignore[union-attr]
        for k in range(j, j + lo):  # the shortest run must be acceptable
            if k >= len(out) or out[k] in own or (check is not None and not check(out[k])):
                return
        for n in range(lo, longest + 1):
            if n > lo:
                last = out[j + n - 1]
                if last in own or (check is not None and not check(last)):
                    return
            nb = dict(b)
            nb[var] = out[j : j + n]
            yield from _seq(children, i + 1, out, j + n, nb, own)
        return
    if j >= len(out):
        return
    for nb in _gen(child, out[j], b, own):
        yield from _seq(children, i + 1, out, j + 1, nb, own)


def _unordered(term: Term, out: tuple[Atom, ...], b: Bindings, own: frozenset[Atom]) -> Iterator[Bindings]:
    glob = None
    fixed: list[Term] = []
    for child in term.children:
        if child.kind == GLOBV:
            glob = child
        else:
            fixed.append(child)
    if glob is None:
        if len(out) != len(fixed):
            return
    elif len(out) < len(fixed) + glob.spec.interval[0]:  # type: ignore[union-attr]
        return
    fixed.sort(key=lambda c: c.kind != CONST)
    yield from _assign(fixed, 0, out, frozenset(), glob, b, own)


def _assign(
    fixed: list[Term],
    index: int,
    out: tuple[Atom, ...],
    used: frozenset[int],
    glob: Term | None,
    b: Bindings,
    own: frozenset[Atom],
) -> Iterator[Bindings]:
    if index == len(fixed):
        if glob is None:
            yield b
            return
        run = tuple(atom for k, atom in enumerate(out) if k not in used)
        current = b.get(glob.var)
        if current is not None:
            if sorted(map(id, current)) == sorted(map(id, run)):
                yield b
            return
        if any(a in own for a in run) or not glob.spec.accepts_run(run):  # type: ignore[union-attr]
            return
        nb = dict(b)
        nb[glob.var] = run
        yield nb
        return
    child = fixed[index]
    tried: set[int] = set()
    for k, atom in enumerate(out):
        if k in used or id(atom) in tried:
            continue
        tried.add(id(atom))
        for nb in _gen(child, atom, b, own):
            yield from _assign(fixed, index + 1, out, used | {k}, glob, nb, own)


# -- AlwaysLink -------------------------------------------------------------------------------
def _apply_always(
    space: AtomSpace, pattern: Pattern, alt: Alternative, groundings: list[Bindings]
) -> list[Bindings]:
    searcher = _Search(space, pattern.own, alt.clauses)
    groups: dict[tuple[object, ...], list[Bindings]] = {}
    for b in groundings:
        groups.setdefault(tuple(b.get(v) for v in alt.group_vars), []).append(b)
    kept: list[Bindings] = []
    for members in groups.values():
        ok = True
        for b in members:
            for item in alt.always:
                if isinstance(item, Virtual):
                    holds = _holds(space, item, b)
                else:
                    holds = searcher.exists([item], b)
                if not holds:
                    ok = False
                    break
            if not ok:
                break
        if ok:
            kept.extend(members)
    return kept
