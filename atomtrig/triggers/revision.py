"""Revision: when a trigger's rewrite produces a link that already exists, its evidence is
merged instead of overwritten.

Each production of a link by a trigger's rewrite counts as one observation, a piece of positive
evidence ``(strength 1, count 1)`` — or the template's own truth value, if the rewrite template
carries one. The rule:

- a link the rewrite **creates** gets that evidence: ``(ctv 1 c 1)`` with ``c = 1 / (1 + K)``
  (``K = 800``, the classic confidence constant), or the template's truth value;
- a link that **exists** with a CountTruthValue ``(ctv s c n)`` becomes
  ``(ctv s' c' n+m)`` where ``m`` is the new evidence's count (1), ``s'`` the count-weighted mean
  of the strengths and ``c' = (n+m) / (n+m+K)`` — the seed's "positiveEvidence incremented by 1";
- a link that exists with a SimpleTruthValue ``(stv s c)`` is revised by the PLN revision rule:
  counts ``n = K c / (1 - c)`` add up, strengths are averaged weighted by count, and the result
  is a SimpleTruthValue with ``c' = n' / (n' + K)``. A truth value with confidence 1 is certain
  and stays as it is.

Only the top atom of each rewrite term is revised; links built inside it are just added.
A revision goes through ``AtomSpace.revise_tv``: on a store shared by several processes it is
committed only over the truth value it was computed from, so two processes' observations of
one link both count (a conflicting firing is run again on the fresh value).

>>> from atomtrig.core.truthvalue import stv, ctv
>>> revise(ctv(1, 0.00125, 3), None)
(ctv 1 0.004975124378109453 4)
>>> revise(stv(0.5, 0.5), stv(1.0, 0.5))
(stv 0.75 0.6666666666666666)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from atomtrig.core.atomspace import canonical_order
from atomtrig.core.truthvalue import (
    DEFAULT_K,
    DEFAULT_TV,
    CountTruthValue,
    TruthValue,
    ctv,
    stv,
)
from atomtrig.core.types import types
from atomtrig.core.variables import declared_variables, is_declaration
from atomtrig.query.engine import DATA_EXECUTABLE, build, restrict
from atomtrig.query.instantiate import TOP_ONLY, instantiate
from atomtrig.query.substitute import substitute

if TYPE_CHECKING:
    from atomtrig.core.atom import Atom
    from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace

_SCOPE = types["ScopeLink"]
_QUOTE = types["QuoteLink"]
_UNQUOTE = types["UnquoteLink"]
_LOCAL_QUOTE = types["LocalQuoteLink"]
_GLOB = types["GlobNode"]
_revision_lock = threading.RLock()
ONE_OBSERVATION = ctv(1.0, 1.0 / (1.0 + DEFAULT_K), 1.0)


def _count(tv: TruthValue) -> float:
    return tv.count


def revise(existing: TruthValue, produced: TruthValue | None) -> TruthValue:
    """The truth value of an existing link after one more production with ``produced`` evidence
    (None: one plain observation)."""
    new = ONE_OBSERVATION if produced is None or produced == DEFAULT_TV else produced
    n2 = _count(new) if isinstance(new, CountTruthValue) else new.count
    if isinstance(existing, CountTruthValue):
        n1 = existing.count
        n = n1 + n2
        s = (n1 * existing.strength + n2 * new.strength) / n if n > 0 else new.strength
        return ctv(min(1.0, max(0.0, s)), n / (n + DEFAULT_K), n)
    if existing.confidence >= 1.0:
        return existing
    n1 = existing.count
    if n2 == float("inf"):
        return new if not isinstance(new, CountTruthValue) else stv(new.strength, 1.0)
    n = n1 + n2
    if n <= 0:
        return existing
    s = (n1 * existing.strength + n2 * new.strength) / n
    return stv(min(1.0, max(0.0, s)), n / (n + DEFAULT_K))


def _plain_children(space: AtomSpace, template: Atom, grounding: Mapping[Atom, Any]) -> list[Atom] | None:
    """The outgoing set the top link of ``template`` will have, built without adding the top
    link itself; None when the template is not a plain link (then it is not revised)."""
    t = template.type
    if template.is_node() or t in DATA_EXECUTABLE or t in TOP_ONLY:
        return None
    ancestors = t.ancestors
    if _QUOTE in ancestors or _UNQUOTE in ancestors or _LOCAL_QUOTE in ancestors:
        return None
    out = template.out
    if _SCOPE in ancestors:
        if not out or not is_declaration(out[0]):
            return list(out)
        env = restrict(grounding, declared_variables(out[0]))
        return [substitute(space, child, env) if env else child for child in out]
    children: list[Atom] = []
    for child in out:
        built = build(space, child, grounding, True)
        if built is None:
            continue
        if built.__class__ is tuple:
            children.extend(built)  # type: ignore[arg-type]
        else:
            children.append(built)  # type: ignore[arg-type]
    return children


_simple: dict[Atom, tuple[Atom, ...] | None] = {}


def _simple_children(template: Atom) -> tuple[Atom, ...] | None:
    """For a template that is a plain ordered or unordered link of nodes (constants and plain
    variables, no globs): its outgoing set, so a grounding is put in with one dict lookup per
    member. None for anything else."""
    try:
        return _simple[template]
    except KeyError:
        pass
    t = template.type
    simple: tuple[Atom, ...] | None = template.out
    if (
        template.is_node()
        or t in DATA_EXECUTABLE
        or t in TOP_ONLY
        or any(a in t.ancestors for a in (_SCOPE, _QUOTE, _UNQUOTE, _LOCAL_QUOTE))
        or any(c.is_link() or c.type is _GLOB for c in template.out)
    ):
        simple = None
    if len(_simple) > 10000:
        _simple.clear()
    _simple[template] = simple
    return simple


def instantiate_revising(space: AtomSpace, template: Atom, grounding: Mapping[Atom, Any]) -> Any:
    """Instantiate a rewrite term for one grounding, merging evidence into the produced link as
    described in the module docstring. Returns what :func:`atomtrig.query.instantiate.instantiate`
    returns."""
    simple = _simple_children(template)
    children: list[Atom] | None = None
    if simple is not None:
        get = grounding.get
        children = [get(c, c) for c in simple]
        for c in children:
            if c._space is not space:
                children = _plain_children(space, template, grounding)
                break
    else:
        children = _plain_children(space, template, grounding)
    if children is None:
        return instantiate(space, template, grounding)
    tv = template._tv
    produced = None if tv is DEFAULT_TV or tv == DEFAULT_TV else tv
    t = template.type
    key = tuple(children)
    if t.unordered and len(key) > 1:
        key = canonical_order(key)
    with _revision_lock:  # two firings producing one link must not both think they created it
        table = space._tables.get(t)
        existing = table.get(key) if table else None
        if existing is None:
            return space.add_link(t, key, tv=produced or ONE_OBSERVATION)
        space.revise_tv(existing, lambda old: revise(old, produced))
    return existing


def make_reviser(space: AtomSpace, template: Atom) -> Callable[[Mapping[Atom, Any]], Any]:
    """:func:`instantiate_revising` for one template, with what can be worked out once worked
    out once (a trigger compiles its rewrites with this)."""
    simple = _simple_children(template)
    if simple is None:
        return lambda grounding: instantiate_revising(space, template, grounding)
    t = template.type
    tv = template._tv
    produced = None if tv is DEFAULT_TV or tv == DEFAULT_TV else tv
    first_tv = produced or ONE_OBSERVATION
    unordered = t.unordered and len(simple) > 1
    tables = space._tables
    add_link = space.add_link

    pair = simple if len(simple) == 2 else None

    def revise_simple(grounding: Mapping[Atom, Any]) -> Any:
        get = grounding.get
        if pair is not None:  # the common binary link, without a list comprehension
            a, b = pair
            key: tuple[Atom, ...] = (get(a, a), get(b, b))
            if key[0]._space is not space or key[1]._space is not space:
                return instantiate_revising(space, template, grounding)
        else:
            key = tuple([get(c, c) for c in simple])
            for c in key:
                if c._space is not space:
                    return instantiate_revising(space, template, grounding)
        if unordered:
            key = canonical_order(key)
        with _revision_lock:
            table = tables.get(t)
            existing = table.get(key) if table else None
            if existing is None:
                return add_link(t, key, tv=first_tv)
            space.revise_tv(existing, lambda old: revise(old, produced))
        return existing

    return revise_simple
