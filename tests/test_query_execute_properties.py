"""Property tests of execution: arithmetic against a Python reference, instantiation against
pure substitution, PutLink as a type filter, and BindLink against GetLink + PutLink."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atomtrig.core.atom import Atom
from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
from atomtrig.query import execute, instantiate
from atomtrig.query.errors import DivisionByZeroError
from atomtrig.query.substitute import substitute

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- arithmetic -------------------------------------------------------------------------------
OPS = {"Plus": "+", "Minus": "-", "Times": "*", "Divide": "/"}

expressions = st.recursive(
    st.integers(min_value=-20, max_value=20),
    lambda inner: st.tuples(st.sampled_from(sorted(OPS)), inner, inner),
    max_leaves=12,
)


def build_expression(space: AtomSpace, expr: Any) -> Atom:
    if isinstance(expr, int):
        return space.add_node("Number", expr)
    op, a, b = expr
    return space.add_link(op, [build_expression(space, a), build_expression(space, b)])


def reference(expr: Any) -> float:
    if isinstance(expr, int):
        return float(expr)
    op, a, b = expr
    x, y = reference(a), reference(b)
    if op == "Plus":
        return x + y
    if op == "Minus":
        return x - y
    if op == "Times":
        return x * y
    if y == 0:
        raise ZeroDivisionError
    return x / y


@SETTINGS
@given(expressions)
def test_arithmetic_matches_python(expr: Any) -> None:
    space = AtomSpace()
    atom = build_expression(space, expr)
    try:
        expected = reference(expr)
    except ZeroDivisionError:
        with pytest.raises(DivisionByZeroError):
            execute(space, atom)
        return
    assert execute(space, atom) is space.add_node("Number", expected)


# -- instantiation of pure data is substitution ------------------------------------------------
VARS = ("$a", "$b", "$c")
NAMES = ("p", "q", "r")


def templates(depth: int = 3) -> st.SearchStrategy[tuple[Any, ...]]:
    leaf = st.one_of(
        st.tuples(st.just("Variable"), st.sampled_from(VARS)),
        st.tuples(st.just("Concept"), st.sampled_from(NAMES)),
    )
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            st.tuples(st.sampled_from(["List", "Set", "Inheritance", "Similarity"]), st.lists(inner, min_size=1, max_size=3)),
            st.tuples(st.just("Lambda"), st.sampled_from(VARS), inner),
        ),
        max_leaves=10,
    )


def make(space: AtomSpace, t: Any) -> Atom:
    kind = t[0]
    if kind in ("Variable", "Concept"):
        return space.add_node(kind, t[1])
    if kind == "Lambda":
        return space.add_link("Lambda", [space.add_node("Variable", t[1]), make(space, t[2])])
    return space.add_link(kind, [make(space, c) for c in t[1]])


@SETTINGS
@given(templates(), st.dictionaries(st.sampled_from(VARS), st.sampled_from(NAMES + ("s",)), min_size=1))
def test_instantiating_data_is_substituting(template: Any, binding: dict[str, str]) -> None:
    space = AtomSpace()
    atom = make(space, template)
    grounding = {space.add_node("Variable", v): space.add_node("Concept", n) for v, n in binding.items()}
    assert instantiate(space, atom, grounding) is substitute(space, atom, grounding)


# -- PutLink filters by type -------------------------------------------------------------------
TYPES = ("ConceptNode", "PredicateNode", "NumberNode", "AnchorNode")


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(TYPES), st.integers(0, 5)), min_size=1, max_size=8),
       st.sampled_from(TYPES))
def test_put_keeps_exactly_the_declared_type(items: list[tuple[str, int]], wanted: str) -> None:
    space = AtomSpace()
    atoms = [space.add_node(t, str(n)) for t, n in items]
    x = space.add_node("Variable", "$x")
    put = space.add_link("Put", [space.add_link("TypedVariable", [x, space.add_node("Type", wanted)]),
                                 x, space.add_link("Set", atoms)])
    result = execute(space, put)
    assert set(result.out) == {a for a in atoms if a.type.name == wanted}


# -- BindLink is GetLink followed by PutLink ---------------------------------------------------
edges = st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), max_size=12)


@SETTINGS
@given(edges, st.integers(0, 4))
def test_bind_equals_get_then_put(pairs: list[tuple[int, int]], goal: int) -> None:
    space = AtomSpace()

    def c(i: int) -> Atom:
        return space.add_node("Concept", f"c{i}")

    for a, b in pairs:
        space.add_link("Inheritance", [c(a), c(b)])
    x, y = space.add_node("Variable", "$x"), space.add_node("Variable", "$y")
    decl = space.add_link("VariableList", [x, y])
    body = space.add_link("And", [space.add_link("Inheritance", [x, y]),
                                  space.add_link("Inheritance", [y, c(goal)])])
    rewrite = space.add_link("Evaluation", [space.add_node("Predicate", "two-hop"), space.add_link("List", [x, y])])
    bound = execute(space, space.add_link("Bind", [decl, body, rewrite]))
    put = execute(space, space.add_link("Put", [decl, rewrite, space.add_link("Get", [decl, body])]))
    assert bound is put
    expected = {(a, b) for a, b in pairs if (b, goal) in pairs}
    assert len(bound.out) == len(expected)
