"""The fast path of the matcher for conjunctions of plain clauses.

A *plain* clause is a link whose outgoing atoms are constants and (non-glob) variables, ordered,
or unordered with two members: ``(Inheritance $X $Y)``, ``(Member $B k)``, ``(Similarity $X s)``.
Most queries (and most trigger patterns) are conjunctions of these, and for them the general
backtracking of :mod:`atomtrig.query.matcher` spends most of its time building dictionaries.
Here each variable gets a slot in one list, each clause becomes a :class:`Step` (where to find
candidates, which positions must be which constants or already grounded atoms, which positions
ground which slots), and the search is a loop per step over the smallest candidate bucket.
A step whose positions are all known is a single lookup of the link in the store.

The order of the steps is fixed per (component, first clause, variables grounded beforehand)
and cached; the first clause is chosen per call, the one with the fewest candidates.

>>> from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
>>> from atomtrig.query.pattern import compile_pattern
>>> space = AtomSpace()
>>> a, b, g = (space.add_node("Concept", n) for n in "abg")
>>> _ = space.add_link("Inheritance", [a, b]); _ = space.add_link("Inheritance", [b, g])
>>> x, y = space.add_node("Variable", "$X"), space.add_node("Variable", "$Y")
>>> q = space.add_link("Get", [space.add_link("And", [space.add_link("Inheritance", [x, y]),
...                                                   space.add_link("Inheritance", [y, g])])])
>>> plan = JoinPlan.build(compile_pattern(q).alternatives[0], compile_pattern(q).variables, compile_pattern(q).own)
>>> [[v.name for v in row] for row in plan.run(space, compile_pattern(q).own, {})]
[['a', 'b']]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from itertools import product
from typing import TYPE_CHECKING, Any

from atomtrig.core.atom import Link
from atomtrig.query.pattern import CONST, ORDERED, UNORDERED, VAR, Alternative, Clause

if TYPE_CHECKING:
    from atomtrig.core.atom import Atom
    from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
    from atomtrig.core.types import AtomType

Row = list[Any]
_NOTHING: frozenset[int] = frozenset()
Holds = Callable[[Mapping[Any, Any]], bool]
# A compiled step: fn(space, row, results, candidates or None); grounds its slots in ``row``
# for each fitting candidate and calls the next step (the last appends a copy of ``row``).
StepFn = Callable[["AtomSpace", Row, list[Any], Any], None]


def bucket(atom: Atom, link_type: AtomType) -> Any:
    """Links holding ``atom`` among which are all those of exactly ``link_type``: the store's
    own live list (its incoming set is bucketed by type once large), so asking costs nothing.
    Small incoming sets come whole, other types included; callers check the type."""
    holders = atom._incoming
    if holders is None:
        return ()
    cls = holders.__class__
    if cls is dict:
        return holders.get(link_type) or ()  # type: ignore[union-attr]
    if cls is list:
        return holders
    if cls is Link:
        return (holders,)
    return atom.incoming_by_type(link_type)


def _leafy(term: Any) -> bool:
    return term.kind == CONST or term.kind == VAR


def is_plain(clause: Clause) -> bool:
    """True if the clause can run as a :class:`Step`: an ordered link of constants, variables
    and ordered links of constants and variables (``(Evaluation p (List $x $y))``), or an
    unordered link of two constants or variables."""
    term = clause.term
    if term.kind == ORDERED:
        return all(
            _leafy(c) or (c.kind == ORDERED and all(_leafy(g) for g in c.children))
            for c in term.children
        )
    if term.kind == UNORDERED:
        return len(term.children) == 2 and all(_leafy(c) for c in term.children)
    return False


class Step:
    """One clause, given which slots are grounded before it."""

    __slots__ = (
        "clause",
        "type",
        "arity",
        "unordered",
        "positions",
        "hook_consts",
        "hook_slots",
        "closed",
        "checks",
        "fn",
        "shapes",
        "leaves",
        "nested_hooks",
    )

    def __init__(self, clause: Clause, slot_of: dict[Atom, int], bound: set[int]) -> None:
        term = clause.term
        self.clause = clause
        self.type: Any = term.type
        self.arity = len(term.children)
        self.unordered = term.kind == UNORDERED
        # Per leaf (an outgoing atom, or one inside a nested link): its path, is_const, the
        # const atom or slot, whether it is known before this step, the type check.
        leaves: list[tuple[tuple[int, ...], bool, Any, bool, Any]] = []
        # Nested links: path, type, arity.
        shapes: list[tuple[int, Any, int]] = []
        hook_consts: list[Atom] = []
        hook_slots: list[int] = []
        # Known atoms inside nested links: (index of the nested link, its type, the atom or
        # slot, is_const) — a way to candidates when no outgoing atom is known.
        nested_hooks: list[tuple[int, Any, Any, bool]] = []
        for i, child in enumerate(term.children):
            if child.kind == ORDERED:
                shapes.append((i, child.type, len(child.children)))
                for j, grandchild in enumerate(child.children):
                    leaf = self._leaf((i, j), grandchild, slot_of, bound)
                    leaves.append(leaf)
                    if leaf[3]:
                        nested_hooks.append((i, child.type, leaf[2], leaf[1]))
                continue
            leaf = self._leaf((i,), child, slot_of, bound)
            leaves.append(leaf)
            if leaf[1]:
                if leaf[2] not in hook_consts:
                    hook_consts.append(leaf[2])
            elif leaf[3] and leaf[2] not in hook_slots:
                hook_slots.append(leaf[2])
        self.leaves = tuple(leaves)
        self.shapes = tuple(shapes)
        self.nested_hooks = tuple(nested_hooks)
        # The flat form the specialised steps use (meaningful only without nested links).
        self.positions = tuple((c, w, k, chk) for _, c, w, k, chk in leaves)
        self.hook_consts = tuple(hook_consts)
        self.hook_slots = tuple(hook_slots)
        self.closed = not shapes and all(leaf[3] for leaf in leaves)
        self.checks = tuple(leaf[4] for leaf in leaves)
        self.fn: StepFn | None = None

    @staticmethod
    def _leaf(
        path: tuple[int, ...], term: Any, slot_of: dict[Atom, int], bound: set[int]
    ) -> tuple[tuple[int, ...], bool, Any, bool, Any]:
        if term.kind == CONST:
            return (path, True, term.atom, True, None)
        slot = slot_of[term.var]
        return (path, False, slot, slot in bound, term.spec.check)

    def slots(self) -> set[int]:
        return {p[1] for p in self.positions if not p[0]}

    def candidates(self, space: AtomSpace, row: Row) -> Any:
        """Links that may ground this step: the smallest bucket of a known atom, a lookup when
        every position is known, or the type index."""
        t = self.type
        if self.closed:
            out = [p[1] if p[0] else row[p[1]] for p in self.positions]
            link = space.get_link(t, out)
            return () if link is None else (link,)
        best = None
        for atom in self.hook_consts:
            found = bucket(atom, t)
            if best is None or len(found) < len(best):
                best = found
                if not found:
                    return ()
        for slot in self.hook_slots:
            found = bucket(row[slot], t)
            if best is None or len(found) < len(best):
                best = found
                if not found:
                    return ()
        if best is None:
            for index, inner_type, what, is_const in self.nested_hooks:
                atom = what if is_const else row[what]
                parents: dict[Atom, None] = {}
                for inner in bucket(atom, inner_type):
                    if inner.type is inner_type:
                        for parent in bucket(inner, t):
                            parents[parent] = None
                return tuple(parents)
            return space.get_atoms_by_type(t, subtypes=False)
        return tuple(best)

    def estimate(self, space: AtomSpace, row: Row) -> int:
        t = self.type
        best = -1
        for atom in self.hook_consts:
            size = len(bucket(atom, t))
            if best < 0 or size < best:
                best = size
        for slot in self.hook_slots:
            size = len(bucket(row[slot], t))
            if best < 0 or size < best:
                best = size
        if best < 0:
            for _, inner_type, what, is_const in self.nested_hooks:
                size = len(bucket(what if is_const else row[what], inner_type))
                if best < 0 or size < best:
                    best = size
        return space.count_by_type(t, subtypes=False) if best < 0 else best


class JoinPlan:
    """A conjunction of plain clauses, ready to run (see the module docstring)."""

    def __init__(self, alt: Alternative, variables: tuple[Atom, ...], own: frozenset[Atom]) -> None:
        self.alt = alt
        self.own = own
        slot_vars: list[Atom] = list(variables)
        for clause in alt.clauses:
            for v in sorted(clause.vars, key=lambda a: a.name):
                if v not in slot_vars:
                    slot_vars.append(v)
        self.slot_vars = tuple(slot_vars)
        self.slot_of = {v: i for i, v in enumerate(slot_vars)}
        self._orders: dict[tuple[int, frozenset[int], tuple[int, ...], bool], tuple[Step, ...]] = {}
        self.clause_slots = [
            frozenset(self.slot_of[v] for v in clause.vars) for clause in alt.clauses
        ]
        self.make = _maker(tuple(variables))

    @staticmethod
    def build(alt: Alternative, variables: tuple[Atom, ...], own: frozenset[Atom]) -> JoinPlan:
        return JoinPlan(alt, variables, own)

    def steps(
        self, first: int, bound: frozenset[int], indices: tuple[int, ...], direct: bool = False
    ) -> tuple[Step, ...]:
        """The steps of the component ``indices`` starting with clause ``first``; with
        ``direct`` the last step emits groundings as dicts, else copies of the row."""
        key = (first, bound, indices, direct)
        found = self._orders.get(key)
        if found is not None:
            return found
        clauses = self.alt.clauses
        known = set(bound)
        order = [first]
        remaining = [i for i in indices if i != first]
        steps = [Step(clauses[first], self.slot_of, known)]
        known |= self.clause_slots[first]
        while remaining:
            # Next: the clause with the most grounded variables, then with a constant.
            def score(i: int) -> tuple[int, int, int]:
                slots = self.clause_slots[i]
                has_const = any(c.kind == CONST for c in clauses[i].term.children)
                return (len(slots & known), int(has_const), -len(slots - known))

            best = max(remaining, key=score)
            remaining.remove(best)
            order.append(best)
            steps.append(Step(clauses[best], self.slot_of, known))
            known |= self.clause_slots[best]
        following: StepFn | None = None
        for step in reversed(steps):
            step.fn = _compile_step(step, following, self.own, self.make if direct else list.copy)
            following = step.fn
        result = tuple(steps)
        self._orders[key] = result
        return result

    def run(
        self,
        space: AtomSpace,
        own: frozenset[Atom],
        start: Mapping[Atom, Any],
        anchor: Atom | None = None,
        holds: Holds | None = None,
    ) -> list[Row]:
        """Every grounding, as rows of slot values (the slots of ``self.slot_vars``).

        ``holds(bindings)`` is called on each complete row (as a dict) when given: the
        alternative's virtual and absent clauses."""
        alt = self.alt
        base: Row = [None] * len(self.slot_vars)
        for v, value in start.items():
            slot = self.slot_of.get(v)
            if slot is not None:
                base[slot] = value
        bound = frozenset(i for i, v in enumerate(base) if v is not None)
        parts: list[list[Row]] = []
        if anchor is None:
            for indices in alt.components:
                rows = self._component(space, own, base, bound, indices, None)
                if not rows:
                    return []
                parts.append(rows)
        else:
            touched = [
                k for k, indices in enumerate(alt.components)
                if any(alt.clauses[i].term.type is anchor.type for i in indices)
            ]
            if not touched:
                return []
            if len(touched) > 1:
                return self._anchored_many(space, own, base, bound, anchor, holds)
            for k, indices in enumerate(alt.components):
                rows = self._component(space, own, base, bound, indices, anchor if k == touched[0] else None)
                if not rows:
                    return []
                parts.append(rows)
        if not parts:
            return []
        rows = parts[0] if len(parts) == 1 else [self._merge(base, combo) for combo in product(*parts)]
        if holds is not None:
            slot_vars = self.slot_vars
            rows = [
                row for row in rows
                if holds({v: row[i] for i, v in enumerate(slot_vars) if row[i] is not None})
            ]
        return rows

    def _anchored_many(
        self,
        space: AtomSpace,
        own: frozenset[Atom],
        base: Row,
        bound: frozenset[int],
        anchor: Atom,
        holds: Holds | None,
    ) -> list[Row]:
        # The anchor may ground clauses of several components: the union, over each such
        # component, of (that component anchored) x (the others in full).
        alt = self.alt
        full: dict[int, list[Row]] = {}
        seen: dict[tuple[int, ...], Row] = {}
        for k, indices in enumerate(alt.components):
            if not any(alt.clauses[i].term.type is anchor.type for i in indices):
                continue
            parts = [self._component(space, own, base, bound, indices, anchor)]
            for j, other in enumerate(alt.components):
                if j != k:
                    if j not in full:
                        full[j] = self._component(space, own, base, bound, other, None)
                    parts.append(full[j])
            for combo in product(*parts):
                row = self._merge(base, combo)
                seen.setdefault(tuple(map(id, row)), row)
        rows = list(seen.values())
        if holds is not None:
            slot_vars = self.slot_vars
            rows = [
                row for row in rows
                if holds({v: row[i] for i, v in enumerate(slot_vars) if row[i] is not None})
            ]
        return rows

    @staticmethod
    def _merge(base: Row, combo: tuple[Row, ...]) -> Row:
        row = list(base)
        for part in combo:
            for i, value in enumerate(part):
                if value is not None:
                    row[i] = value
        return row

    def _component(
        self,
        space: AtomSpace,
        own: frozenset[Atom],
        base: Row,
        bound: frozenset[int],
        indices: tuple[int, ...],
        anchor: Atom | None,
    ) -> list[Row]:
        results: list[Row] = []
        if anchor is None:
            first = min(indices, key=lambda i: self._first_estimate(space, i, base, bound))
            steps = self.steps(first, bound, indices)
            steps[0].fn(space, list(base), results, None)  # type: ignore[misc]
            return results
        seen: set[tuple[int, ...]] = set()
        clauses = self.alt.clauses
        for first in indices:
            if clauses[first].term.type is not anchor.type or anchor in own:
                continue
            steps = self.steps(first, bound, indices)
            found: list[Row] = []
            steps[0].fn(space, list(base), found, (anchor,))  # type: ignore[misc]
            for row in found:
                key = tuple(map(id, row))
                if key not in seen:
                    seen.add(key)
                    results.append(row)
        return results

    def run_direct(
        self, space: AtomSpace, start: Mapping[Atom, Any], limit: int | None = None
    ) -> list[dict[Atom, Any]] | None:
        """The groundings as dicts, straight from the last step, when the alternative is one
        component with nothing to check afterwards; None when it is not. With ``limit`` the
        search stops once it has that many."""
        alt = self.alt
        if len(alt.components) != 1 or alt.virtual or alt.absent:
            return None
        base: Row = [None] * len(self.slot_vars)
        if start:
            for v, value in start.items():
                slot = self.slot_of.get(v)
                if slot is not None:
                    base[slot] = value
            bound = frozenset(i for i, v in enumerate(base) if v is not None)
        else:
            bound = _NOTHING
        indices = alt.components[0]
        if len(indices) == 1:
            first = indices[0]
        else:
            first = indices[0]
            least = -1
            for i in indices:
                size = self.steps(i, bound, (i,))[0].estimate(space, base)
                if least < 0 or size < least:
                    first, least = i, size
                    if size == 0:
                        return []
        results: list[dict[Atom, Any]] = [] if limit is None else _Bounded(limit)
        try:
            self.steps(first, bound, indices, True)[0].fn(space, base, results, None)  # type: ignore[misc]
        except _Enough:
            pass
        return list(results) if limit is not None else results

    def _first_estimate(self, space: AtomSpace, index: int, base: Row, bound: frozenset[int]) -> int:
        return self.steps(index, bound, (index,))[0].estimate(space, base)



class _Enough(Exception):
    """Raised by :class:`_Bounded` to stop a search that has all the groundings it wants."""


class _Bounded(list):  # type: ignore[type-arg]
    """A result list that stops the search (raises :class:`_Enough`) once it holds ``limit``."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def append(self, item: Any) -> None:
        super().append(item)
        if len(self) >= self.limit:
            raise _Enough


def _maker(variables: tuple[Atom, ...]) -> Callable[[Row], dict[Atom, Any]]:
    """row -> {variable: value} for the pattern's variables (the first slots), as a dict
    display for the usual few variables (several times faster than ``dict(zip(...))``)."""
    n = len(variables)
    if n == 1:
        (v0,) = variables
        return lambda row: {v0: row[0]}
    if n == 2:
        v0, v1 = variables
        make2 = lambda row: {v0: row[0], v1: row[1]}  # noqa: E731
        make2.pair = (v0, v1)  # type: ignore[attr-defined]
        return make2
    if n == 3:
        v0, v1, v2 = variables
        return lambda row: {v0: row[0], v1: row[1], v2: row[2]}
    if n == 4:
        v0, v1, v2, v3 = variables
        return lambda row: {v0: row[0], v1: row[1], v2: row[2], v3: row[3]}
    return lambda row: dict(zip(variables, row))


def _compile_step(
    step: Step, following: StepFn | None, own: frozenset[Atom], finish: Callable[[Row], Any]
) -> StepFn:
    """A closure running ``step`` then ``following`` (or, for the last step, appending
    ``finish(row)`` to the results), specialised on the step's shape."""
    t = step.type
    positions = step.positions
    if step.shapes:
        return _generic(step, following, own, finish)
    if step.closed and not step.unordered:
        return _closed(step, following, own, finish)
    if step.arity == 2 and not step.closed:
        (c0, w0, k0, chk0), (c1, w1, k1, chk1) = positions
        known0, known1 = c0 or k0, c1 or k1
        if known0 != known1:
            kp, fp = (0, 1) if known0 else (1, 0)
            kconst, kwhat = (c0, w0) if known0 else (c1, w1)
            fslot, check = (w1, chk1) if known0 else (w0, chk0)
            if step.unordered:
                return _known_free_unordered(t, kconst, kwhat, fslot, check, following, own, finish)
            inner = getattr(following, "chain", None)
            if inner is not None and not inner[3] and inner[4] == fslot:
                return _known_free_pair(t, kp, fp, kconst, kwhat, fslot, check, inner, own, finish)
            fn = _known_free(t, kp, fp, kconst, kwhat, fslot, check, following, own, finish)
            if following is None:
                fn.chain = (t, kp, fp, kconst, kwhat, fslot, check)  # type: ignore[attr-defined]
            return fn
        if not known0 and not known1 and w0 != w1 and not step.unordered:
            return _free_free(t, w0, chk0, w1, chk1, following, own, finish)
    return _generic(step, following, own, finish)


def _known_free(
    t: AtomType, kp: int, fp: int, kconst: bool, kwhat: Any, fslot: int, check: Any,
    following: StepFn | None, own: frozenset[Atom], finish: Callable[[Row], Any],
) -> StepFn:
    # The query's own links of this type, by the atom at the known position: only when the
    # known atom is one of those can a candidate be one of the query's links.
    own_at = {link.out[kp] for link in own if link.type is t and len(link.out) == 2}

    def fn(space: AtomSpace, row: Row, results: list[Any], cands: Any) -> None:
        katom = kwhat if kconst else row[kwhat]
        exact = False
        if cands is None:
            holders = katom._incoming
            if holders is None:
                return
            cls = holders.__class__
            if cls is dict:
                cands = tuple(holders.get(t) or ())
                exact = True
            elif cls is list:
                cands = tuple(holders)
            else:
                cands = (holders,)
        risky = katom in own_at
        if following is None:
            append = results.append
            for link in cands:
                out = link.out
                if len(out) != 2 or out[kp] is not katom:
                    continue
                if not exact and link.type is not t:
                    continue
                if risky and link in own:
                    continue
                value = out[fp]
                if value in own or (check is not None and not check(value)):
                    continue
                row[fslot] = value
                append(finish(row))
        else:
            for link in cands:
                out = link.out
                if len(out) != 2 or out[kp] is not katom:
                    continue
                if not exact and link.type is not t:
                    continue
                if risky and link in own:
                    continue
                value = out[fp]
                if value in own or (check is not None and not check(value)):
                    continue
                row[fslot] = value
                following(space, row, results, None)
        row[fslot] = None

    return fn


def _known_free_pair(
    t: AtomType, kp: int, fp: int, kconst: bool, kwhat: Any, fslot: int, check: Any,
    inner: tuple[Any, ...], own: frozenset[Atom], finish: Callable[[Row], Any],
) -> StepFn:
    """Two chained steps in one loop nest: this one grounds ``fslot``, and the last step (an
    ordered pair whose known atom is that slot) grounds its own free slot — saving a call and
    its set-up per candidate of the first step (two-clause joins are the usual patterns)."""
    own_at = {link.out[kp] for link in own if link.type is t and len(link.out) == 2}
    t2, kp2, fp2, _, _, fslot2, check2 = inner
    own_at2 = {link.out[kp2] for link in own if link.type is t2 and len(link.out) == 2}
    # With exactly the two slots as the pattern's variables, the grounding's dict is built
    # here rather than through the row.
    pair = getattr(finish, "pair", None)
    if pair is not None and {fslot, fslot2} != {0, 1}:
        pair = None
    first_var, second_var = pair if pair is not None else (None, None)
    middle_first = fslot == 0

    def fn(space: AtomSpace, row: Row, results: list[Any], cands: Any) -> None:
        katom = kwhat if kconst else row[kwhat]
        exact = False
        if cands is None:
            holders = katom._incoming
            if holders is None:
                return
            cls = holders.__class__
            if cls is dict:
                cands = tuple(holders.get(t) or ())
                exact = True
            elif cls is list:
                cands = tuple(holders)
            else:
                cands = (holders,)
        risky = katom in own_at
        append = results.append
        for link in cands:
            out = link.out
            if len(out) != 2 or out[kp] is not katom:
                continue
            if not exact and link.type is not t:
                continue
            if risky and link in own:
                continue
            middle = out[fp]
            if middle in own or (check is not None and not check(middle)):
                continue
            row[fslot] = middle
            holders = middle._incoming
            if holders is None:
                continue
            cls = holders.__class__
            exact2 = False
            if cls is dict:
                cands2: Any = tuple(holders.get(t2) or ())
                exact2 = True
            elif cls is list:
                cands2 = tuple(holders)
            else:
                cands2 = (holders,)
            risky2 = middle in own_at2
            for link2 in cands2:
                out2 = link2.out
                if len(out2) != 2 or out2[kp2] is not middle:
                    continue
                if not exact2 and link2.type is not t2:
                    continue
                if risky2 and link2 in own:
                    continue
                value = out2[fp2]
                if value in own or (check2 is not None and not check2(value)):
                    continue
                if pair is None:
                    row[fslot2] = value
                    append(finish(row))
                elif middle_first:
                    append({first_var: middle, second_var: value})
                else:
                    append({first_var: value, second_var: middle})
            row[fslot2] = None
        row[fslot] = None

    return fn


def _known_free_unordered(
    t: AtomType, kconst: bool, kwhat: Any, fslot: int, check: Any,
    following: StepFn | None, own: frozenset[Atom], finish: Callable[[Row], Any],
) -> StepFn:
    def fn(space: AtomSpace, row: Row, results: list[Any], cands: Any) -> None:
        katom = kwhat if kconst else row[kwhat]
        if cands is None:
            cands = tuple(bucket(katom, t))
        for link in cands:
            out = link.out
            if len(out) != 2 or link.type is not t or link in own:
                continue
            first, second = out
            if first is katom:
                value = second
            elif second is katom:
                value = first
            else:
                continue
            if value in own or (check is not None and not check(value)):
                continue
            row[fslot] = value
            if following is None:
                results.append(finish(row))
            else:
                following(space, row, results, None)
        row[fslot] = None

    return fn


def _free_free(
    t: AtomType, s0: int, chk0: Any, s1: int, chk1: Any,
    following: StepFn | None, own: frozenset[Atom], finish: Callable[[Row], Any],
) -> StepFn:
    def fn(space: AtomSpace, row: Row, results: list[Any], cands: Any) -> None:
        if cands is None:
            cands = space.get_atoms_by_type(t, subtypes=False)
        for link in cands:
            out = link.out
            if len(out) != 2 or link.type is not t or link in own:
                continue
            v0, v1 = out
            if v0 in own or v1 in own:
                continue
            if (chk0 is not None and not chk0(v0)) or (chk1 is not None and not chk1(v1)):
                continue
            row[s0] = v0
            row[s1] = v1
            if following is None:
                results.append(finish(row))
            else:
                following(space, row, results, None)
        row[s0] = None
        row[s1] = None

    return fn


def _closed(
    step: Step, following: StepFn | None, own: frozenset[Atom], finish: Callable[[Row], Any]
) -> StepFn:
    """Every position known (an ordered link): one lookup of the link in the store's table
    for its type (the core keeps one dict per type keyed by outgoing tuple), or, anchored, a
    check of the anchor."""
    t = step.type
    parts = tuple((is_const, what) for is_const, what, _, _ in step.positions)
    if len(parts) == 2:
        (c0, w0), (c1, w1) = parts

        def build(row: Row) -> tuple[Atom, ...]:
            return (w0 if c0 else row[w0], w1 if c1 else row[w1])

    else:

        def build(row: Row) -> tuple[Atom, ...]:
            return tuple(what if is_const else row[what] for is_const, what in parts)

    def fn(space: AtomSpace, row: Row, results: list[Any], cands: Any) -> None:
        out = build(row)
        if cands is None:
            tables = getattr(space, "_tables", None)
            if tables is not None:
                table = tables.get(t)
                link = table.get(out) if table else None
            else:
                link = space.get_link(t, out)
            if link is None or link in own:
                return
        elif not any(c.type is t and c.out == out and c not in own for c in cands):
            return
        if following is None:
            results.append(finish(row))
        else:
            following(space, row, results, None)

    return fn


def _generic(
    step: Step, following: StepFn | None, own: frozenset[Atom], finish: Callable[[Row], Any]
) -> StepFn:
    unordered = step.unordered

    def fn(space: AtomSpace, row: Row, results: list[Any], cands: Any) -> None:
        if cands is None:
            cands = step.candidates(space, row)
        newly: list[int] = []
        for link in cands:
            if link in own:
                continue
            out = link.out
            if unordered and len(out) == 2 and out[0] is not out[1]:
                orientations: tuple[tuple[Atom, ...], ...] = (out, (out[1], out[0]))
            else:
                orientations = (out,)
            for oriented in orientations:
                if not _fits(step, link, oriented, row, own, newly):
                    continue
                if following is None:
                    results.append(finish(row))
                else:
                    following(space, row, results, None)
                for slot in newly:
                    row[slot] = None
                newly.clear()

    return fn


def _fits(step: Step, link: Atom, out: tuple[Atom, ...], row: Row, own: frozenset[Atom], newly: list[int]) -> bool:
    """Check ``out`` (``link``'s outgoing set, maybe reoriented) against the step, grounding
    slots into ``row``; on failure the slots are cleared again."""
    if len(out) != step.arity or link.type is not step.type:
        return False
    if step.shapes:
        return _fits_nested(step, out, row, own, newly)
    for (is_const, what, known, check), atom in zip(step.positions, out):
        if is_const:
            if atom is not what:
                break
        elif known:
            if atom is not row[what]:
                break
        else:
            current = row[what]
            if current is not None:
                if current is not atom:
                    break
                continue
            if atom in own or (check is not None and not check(atom)):
                break
            row[what] = atom
            newly.append(what)
    else:
        return True
    for slot in newly:
        row[slot] = None
    newly.clear()
    return False


def _fits_nested(step: Step, out: tuple[Atom, ...], row: Row, own: frozenset[Atom], newly: list[int]) -> bool:
    for index, inner_type, arity in step.shapes:
        inner = out[index]
        if inner.type is not inner_type or len(inner.out) != arity:
            return False
    for path, is_const, what, known, check in step.leaves:
        atom = out[path[0]] if len(path) == 1 else out[path[0]].out[path[1]]
        if is_const:
            if atom is not what:
                break
        elif known:
            if atom is not row[what]:
                break
        else:
            current = row[what]
            if current is not None:
                if current is not atom:
                    break
                continue
            if atom in own or (check is not None and not check(atom)):
                break
            row[what] = atom
            newly.append(what)
    else:
        return True
    for slot in newly:
        row[slot] = None
    newly.clear()
    return False
