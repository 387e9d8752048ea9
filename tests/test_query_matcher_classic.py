"""The matcher with the real evaluator, on the classic AtomSpace examples (the baskets of
``always.scm``, virtual clauses with GroundedPredicateNodes, GreaterThan, Equal and a nested
SatisfactionLink under NotLink), and the ``space.match`` method."""

from __future__ import annotations

from typing import Any

import pytest

import atomtrig
from atomtrig import AtomSpace
from atomtrig.core.atom import Atom
from atomtrig.query.grounded import unregister


@pytest.fixture
def space() -> AtomSpace:
    return AtomSpace()


def C(space: AtomSpace, name: str) -> Atom:
    return space.add_node("Concept", name)


def L(space: AtomSpace, t: str, *out: Atom) -> Atom:
    return space.add_link(t, list(out))


def V(space: AtomSpace, name: str) -> Atom:
    return space.add_node("Variable", name)


def typed(space: AtomSpace, name: str, t: str) -> Atom:
    return L(space, "TypedVariable", V(space, name), space.add_node("Type", t))


def names(result: Atom) -> set[str]:
    return {a.name for a in result.out}


@pytest.fixture
def baskets(space: AtomSpace) -> AtomSpace:
    basket = C(space, "basket")
    contents = {
        "reds basket": ["red ball", "red ball too", "red ball also"],
        "another red basket": ["a red ball", "b red ball", "red ball also"],
        "reds&greens basket": ["red ball", "red ball too", "green ball"],
        "yellows basket": ["yellow ball", "ochre ball"],
    }
    for name, balls in contents.items():
        L(space, "Inheritance", C(space, name), basket)
        for ball in balls:
            L(space, "Member", C(space, ball), C(space, name))
    colours = {
        "is red": ["red ball", "red ball too", "red ball also", "a red ball", "b red ball"],
        "is green": ["green ball"],
        "is yellow": ["yellow ball", "ochre ball"],
    }
    for colour, balls in colours.items():
        for ball in balls:
            L(space, "Evaluation", space.add_node("Predicate", colour), C(space, ball))
    return space


def test_always_only_red_balls(baskets: AtomSpace) -> None:
    s = baskets
    b, ball = V(s, "basket"), V(s, "ball")
    query = L(
        s,
        "Bind",
        L(s, "VariableList", typed(s, "basket", "ConceptNode"), typed(s, "ball", "ConceptNode")),
        L(
            s,
            "And",
            L(s, "Inheritance", b, C(s, "basket")),
            L(s, "Member", ball, b),
            L(s, "Always", L(s, "Evaluation", s.add_node("Predicate", "is red"), ball)),
        ),
        b,
    )
    assert names(s.execute(query)) == {"reds basket", "another red basket"}


def test_always_same_colour_pairs(baskets: AtomSpace) -> None:
    s = baskets
    b, one, other, c1, c2 = (V(s, n) for n in ("basket", "some ball", "other ball", "some color", "other color"))
    decl = L(
        s,
        "VariableList",
        typed(s, "basket", "ConceptNode"),
        typed(s, "some ball", "ConceptNode"),
        typed(s, "other ball", "ConceptNode"),
        typed(s, "some color", "PredicateNode"),
        typed(s, "other color", "PredicateNode"),
    )
    body = L(
        s,
        "And",
        L(s, "Inheritance", b, C(s, "basket")),
        L(s, "Member", one, b),
        L(s, "Member", other, b),
        L(s, "Evaluation", c1, one),
        L(s, "Evaluation", c2, other),
        L(s, "Always", L(s, "Equal", c1, c2)),
    )
    assert names(s.execute(L(s, "Bind", decl, body, b))) == {
        "reds basket",
        "another red basket",
        "yellows basket",
    }


def test_not_satisfaction_nested_query(baskets: AtomSpace) -> None:
    s = baskets
    b, ball = V(s, "basket"), V(s, "ball")
    inner = L(
        s,
        "Satisfaction",
        ball,
        L(
            s,
            "And",
            L(s, "Member", ball, b),
            L(s, "Absent", L(s, "Evaluation", s.add_node("Predicate", "is red"), ball)),
        ),
    )
    query = L(s, "Get", b, L(s, "And", L(s, "Inheritance", b, C(s, "basket")), L(s, "Not", inner)))
    assert names(s.execute(query)) == {"reds basket", "another red basket"}


def test_grounded_predicate_and_greater_than(space: AtomSpace) -> None:
    s = space
    seen: list[tuple[Atom, ...]] = []

    @atomtrig.grounded("test-matcher-is-even")
    def is_even(*atoms: Atom) -> bool:
        seen.append(atoms)
        return int(float(atoms[0].name)) % 2 == 0

    try:
        g = C(s, "g")
        for n in range(1, 7):
            L(s, "Inheritance", s.add_node("Number", n), g)
        x = V(s, "$X")
        gpn = s.add_node("GroundedPredicateNode", "py:test-matcher-is-even")
        body = L(
            s,
            "And",
            L(s, "Inheritance", x, g),
            L(s, "Evaluation", gpn, L(s, "List", x)),
            L(s, "GreaterThan", x, s.add_node("Number", 2)),
        )
        got = s.match(L(s, "Get", body))
        assert sorted(float(gr[x].name) for gr in got) == [4.0, 6.0]
        assert all(len(args) == 1 and args[0].type.name == "NumberNode" for args in seen)
    finally:
        unregister("test-matcher-is-even")


def test_equal_joins_two_components(space: AtomSpace) -> None:
    s = space
    g, h = C(s, "g"), C(s, "h")
    for name in ("a", "b", "c"):
        L(s, "Inheritance", C(s, name), g)
    for name in ("b", "c", "d"):
        L(s, "Member", C(s, name), h)
    x, y = V(s, "$X"), V(s, "$Y")
    body = L(s, "And", L(s, "Inheritance", x, g), L(s, "Member", y, h), L(s, "Equal", x, y))
    got = s.match(L(s, "Get", body))
    assert {(gr[x].name, gr[y].name) for gr in got} == {("b", "b"), ("c", "c")}


def test_get_through_execute_wraps_in_a_set(space: AtomSpace) -> None:
    s = space
    g = C(s, "g")
    for name in ("a", "b"):
        L(s, "Inheritance", C(s, name), g)
    x = V(s, "$X")
    query = L(s, "Get", L(s, "Inheritance", x, g))
    result: Any = s.execute(query)
    assert result.type.name == "SetLink" and names(result) == {"a", "b"}
    assert {gr[x].name for gr in s.match(query)} == {"a", "b"}
    link = s.get_link("Inheritance", [C(s, "a"), g])
    assert [gr[x].name for gr in s.match(query, anchor=link)] == ["a"]
