"""The pattern matcher, construct by construct, and its error paths."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

import atomtrig.query.matcher as matcher_module
from atomtrig.core.atom import Atom
from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
from atomtrig.core.errors import AtomtrigError
from atomtrig.core.truthvalue import stv
from atomtrig.query.errors import PatternError, QueryError
from atomtrig.query.matcher import match, match_body
from atomtrig.query.substitute import substitute


class Kit:
    """Short constructors over one space."""

    def __init__(self) -> None:
        self.space = AtomSpace()

    def C(self, name: str) -> Atom:
        return self.space.add_node("Concept", name)

    def P(self, name: str) -> Atom:
        return self.space.add_node("Predicate", name)

    def V(self, name: str) -> Atom:
        return self.space.add_node("Variable", name)

    def G(self, name: str) -> Atom:
        return self.space.add_node("Glob", name)

    def N(self, value: float) -> Atom:
        return self.space.add_node("Number", value)

    def T(self, name: str) -> Atom:
        return self.space.add_node("Type", name)

    def L(self, t: str, *out: Atom) -> Atom:
        return self.space.add_link(t, list(out))

    def names(self, groundings: list[dict[Atom, Any]], *variables: Atom) -> set[tuple[Any, ...]]:
        def show(value: Any) -> Any:
            if isinstance(value, tuple):
                return tuple(show(v) for v in value)
            return value.name if value.is_node() else value.short()

        return {tuple(show(g[v]) for v in variables) for g in groundings}


@pytest.fixture
def k() -> Kit:
    return Kit()


@pytest.fixture
def fake_evaluate(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Atom, dict[Atom, Any]]]:
    """A stand-in for the executor's evaluate(): GreaterThan over NumberNodes, Equal/Identical
    by identity, Evaluation of GroundedPredicate "py:true"/"py:false". Records its calls."""
    calls: list[tuple[Atom, dict[Atom, Any]]] = []

    def value(atom: Atom, b: Mapping[Atom, Any]) -> Any:
        return b.get(atom, atom)

    def evaluate(space: AtomSpace, atom: Atom, b: Mapping[Atom, Any]) -> Any:
        calls.append((atom, dict(b)))
        t = atom.type.name
        if t == "GreaterThanLink":
            left, right = (value(a, b) for a in atom.out)
            return stv(1, 1) if float(left.name) > float(right.name) else stv(0, 1)
        if t in ("EqualLink", "IdenticalLink"):
            left, right = (value(a, b) for a in atom.out)
            return stv(1, 1) if left is right else stv(0, 1)
        if t == "NotLink":
            inner = evaluate(space, atom.out[0], b)
            return stv(1 - inner.strength, 1)
        if t == "EvaluationLink":
            return stv(1, 1) if atom.out[0].name == "py:true" else stv(0, 1)
        raise AssertionError(f"fake evaluate got {atom.short()}")

    monkeypatch.setattr(matcher_module, "_evaluate", evaluate)
    return calls


# -- basic conjunctions -------------------------------------------------------------------------
def test_one_clause(k: Kit) -> None:
    a, b, c = k.C("a"), k.C("b"), k.C("c")
    k.L("Inheritance", a, c)
    k.L("Inheritance", b, c)
    k.L("Inheritance", c, a)
    x = k.V("$X")
    got = match(k.space, k.L("Get", k.L("Inheritance", x, c)))
    assert k.names(got, x) == {("a",), ("b",)}


def test_two_hop_join_and_declaration_order(k: Kit) -> None:
    a, b, c, g = k.C("a"), k.C("b"), k.C("c"), k.C("g")
    k.L("Inheritance", a, b)
    k.L("Inheritance", b, g)
    k.L("Inheritance", c, b)
    x, y = k.V("$X"), k.V("$Y")
    body = k.L("And", k.L("Inheritance", x, y), k.L("Inheritance", y, g))
    got = match(k.space, k.L("Get", k.L("VariableList", y, x), body))
    assert k.names(got, x, y) == {("a", "b"), ("c", "b")}
    assert all(list(grounding) == [y, x] for grounding in got)  # declaration order
    implicit = match(k.space, k.L("Get", body))
    assert all(list(grounding) == [x, y] for grounding in implicit)  # first appearance


def test_repeated_variable(k: Kit) -> None:
    a, b = k.C("a"), k.C("b")
    k.L("Inheritance", a, a)
    k.L("Inheritance", a, b)
    x = k.V("$X")
    assert k.names(match(k.space, k.L("Get", k.L("Inheritance", x, x))), x) == {("a",)}


def test_duplicate_clauses_are_one(k: Kit) -> None:
    a, b = k.C("a"), k.C("b")
    k.L("Inheritance", a, b)
    x = k.V("$X")
    clause = k.L("Inheritance", x, b)
    assert len(match(k.space, k.L("Get", k.L("And", clause, k.L("Present", clause))))) == 1


def test_constant_clause_is_satisfied(k: Kit) -> None:
    a, b = k.C("a"), k.C("b")
    k.L("Inheritance", a, b)
    x = k.V("$X")
    body = k.L("And", k.L("Inheritance", x, b), k.L("Member", a, b))
    assert k.names(match(k.space, k.L("Get", body)), x) == {("a",)}


def test_nested_terms(k: Kit) -> None:
    a, b, p = k.C("a"), k.C("b"), k.P("likes")
    k.L("Evaluation", p, k.L("List", a, b))
    k.L("Evaluation", p, k.L("List", b, b))
    x = k.V("$X")
    got = match(k.space, k.L("Get", k.L("Evaluation", p, k.L("List", x, b))))
    assert k.names(got, x) == {("a",), ("b",)}


def test_link_type_is_exact(k: Kit) -> None:
    a, b = k.C("a"), k.C("b")
    k.L("Inheritance", a, b)
    k.L("Member", a, b)
    x = k.V("$X")
    assert len(match(k.space, k.L("Get", k.L("Member", x, b)))) == 1


def test_variable_can_bind_a_link(k: Kit) -> None:
    a, b, c = k.C("a"), k.C("b"), k.C("c")
    inner = k.L("List", a, b)
    k.L("Inheritance", inner, c)
    x = k.V("$X")
    got = match(k.space, k.L("Get", k.L("Inheritance", x, c)))
    assert [g[x] for g in got] == [inner]


def test_disconnected_components_are_combined(k: Kit) -> None:
    a, b, c, d, g = k.C("a"), k.C("b"), k.C("c"), k.C("d"), k.C("g")
    k.L("Inheritance", a, g)
    k.L("Inheritance", b, g)
    k.L("Member", c, g)
    k.L("Member", d, g)
    x, y = k.V("$X"), k.V("$Y")
    body = k.L("And", k.L("Inheritance", x, g), k.L("Member", y, g))
    got = match(k.space, k.L("Get", body))
    assert k.names(got, x, y) == {(p, q) for p in "ab" for q in "cd"}


def test_limit(k: Kit) -> None:
    g = k.C("g")
    for i in range(10):
        k.L("Inheritance", k.C(f"n{i}"), g)
    x, y = k.V("$X"), k.V("$Y")
    assert len(match(k.space, k.L("Get", k.L("Inheritance", x, g)), limit=3)) == 3
    pair = k.L("Get", k.L("And", k.L("Inheritance", x, g), k.L("Inheritance", y, g)))
    assert len(match(k.space, pair, limit=5)) == 5
    assert match(k.space, pair, limit=0) == []


# -- the query never matches itself -----------------------------------------------------------
def test_query_never_matches_itself(k: Kit) -> None:
    x, y = k.V("$X"), k.V("$Y")
    query = k.L("Get", k.L("Inheritance", x, y))
    assert match(k.space, query) == []  # only the query's own (Inheritance $X $Y) is there
    a, b = k.C("a"), k.C("b")
    k.L("Inheritance", a, b)
    assert k.names(match(k.space, query), x, y) == {("a", "b")}


def test_variables_never_bind_the_query_atoms(k: Kit) -> None:
    a, c = k.C("a"), k.C("c")
    x = k.V("$X")
    clause = k.L("Inheritance", x, c)
    query = k.L("Get", clause)
    k.L("Inheritance", clause, c)  # data whose first atom is the query's own clause
    k.L("Inheritance", a, c)
    got = match(k.space, query)
    assert [g[x] for g in got] == [a]


def test_undeclared_variable_is_a_constant(k: Kit) -> None:
    a, c = k.C("a"), k.C("c")
    x, z = k.V("$X"), k.V("$Z")
    k.L("List", a, z)
    k.L("List", a, c)
    query = k.L("Get", x, k.L("List", x, z))
    assert k.names(match(k.space, query), x) == {("a",)}
    # Another stored query is data to this one (only a query's own atoms are skipped).
    k.L("Get", k.L("List", k.C("q"), z))
    assert k.names(match(k.space, query), x) == {("a",), ("q",)}


# -- unordered links --------------------------------------------------------------------------
def test_unordered_every_permutation(k: Kit) -> None:
    a, b = k.C("a"), k.C("b")
    k.L("Similarity", a, b)
    x, y = k.V("$X"), k.V("$Y")
    got = match(k.space, k.L("Get", k.L("Similarity", x, y)))
    assert k.names(got, x, y) == {("a", "b"), ("b", "a")}


def test_unordered_with_repeated_members(k: Kit) -> None:
    a = k.C("a")
    k.L("Set", a, a, k.C("b"))
    x, y = k.V("$X"), k.V("$Y")
    got = match(k.space, k.L("Get", k.L("Set", x, x, y)))
    assert k.names(got, x, y) == {("a", "b")}


def test_nested_unordered(k: Kit) -> None:
    a, b, c, d = k.C("a"), k.C("b"), k.C("c"), k.C("d")
    k.L("Set", k.L("Similarity", a, b), k.L("Similarity", c, d))
    x, y, z = k.V("$X"), k.V("$Y"), k.V("$Z")
    got = match(k.space, k.L("Get", k.L("Set", k.L("Similarity", x, b), z)))
    assert k.names(got, x, z) == {("a", k.space.get_link("Similarity", [c, d]).short())}
    got = match(k.space, k.L("Get", k.L("Set", k.L("Similarity", x, y), k.L("Similarity", c, d))))
    assert k.names(got, x, y) == {("a", "b"), ("b", "a")}


def test_shared_unordered_links(k: Kit) -> None:
    a, b, c = k.C("a"), k.C("b"), k.C("c")
    k.L("Similarity", a, b)
    k.L("Similarity", b, c)
    x, y, z = k.V("$X"), k.V("$Y"), k.V("$Z")
    body = k.L("And", k.L("Similarity", x, y), k.L("Similarity", y, z))
    got = k.names(match(k.space, k.L("Get", body)), x, y, z)
    expected = {("a", "b", "c"), ("c", "b", "a"), ("a", "b", "a"), ("c", "b", "c"), ("b", "a", "b"), ("b", "c", "b")}
    assert got == expected


# -- globs ------------------------------------------------------------------------------------
def test_glob_runs(k: Kit) -> None:
    a, b, c, d = k.C("a"), k.C("b"), k.C("c"), k.C("d")
    k.L("List", a, b, c, d)
    k.L("List", a, d)
    k.L("List", a)
    g = k.G("$g")
    got = match(k.space, k.L("Get", k.L("List", a, g, d)))
    assert k.names(got, g) == {(("b", "c"),)}  # one or more by default
    h = k.G("$h")
    got = match(k.space, k.L("Get", k.L("List", g, h)))
    assert k.names(got, g, h) == {(("a",), ("b", "c", "d")), (("a", "b"), ("c", "d")), (("a", "b", "c"), ("d",)), (("a",), ("d",))}


def test_glob_interval_and_zero(k: Kit) -> None:
    a, b, c, d = k.C("a"), k.C("b"), k.C("c"), k.C("d")
    k.L("List", a, b, c, d)
    k.L("List", a, d)
    g = k.G("$g")
    zero_or_more = k.L("TypedVariable", g, k.L("Interval", k.N(0), k.N(-1)))
    got = match(k.space, k.L("Get", zero_or_more, k.L("List", a, g, d)))
    assert k.names(got, g) == {(("b", "c"),), ((),)}
    exactly_one = k.L("TypedVariable", g, k.L("Interval", k.N(1), k.N(1)))
    assert match(k.space, k.L("Get", exactly_one, k.L("List", a, g, d))) == []


def test_glob_typed(k: Kit) -> None:
    a, d = k.C("a"), k.C("d")
    k.L("List", a, k.N(1), k.N(2), d)
    k.L("List", a, k.N(1), k.C("x"), d)
    g = k.G("$g")
    numbers = k.L("TypedVariable", g, k.L("TypeChoice", k.T("NumberNode"), k.L("Interval", k.N(1), k.N(3))))
    got = match(k.space, k.L("Get", numbers, k.L("List", a, g, d)))
    assert k.names(got, g) == {(("1", "2"),)}


def test_repeated_glob(k: Kit) -> None:
    a, b = k.C("a"), k.C("b")
    k.L("List", a, b, a, b)
    k.L("List", a, b, b, a)
    g = k.G("$g")
    got = match(k.space, k.L("Get", k.L("List", g, g)))
    assert k.names(got, g) == {(("a", "b"),)}


def test_glob_in_unordered_link(k: Kit) -> None:
    a, b, c = k.C("a"), k.C("b"), k.C("c")
    k.L("Set", a, b, c)
    g = k.G("$g")
    got = match(k.space, k.L("Get", k.L("Set", b, g)))
    assert k.names(got, g) == {(("a", "c"),)}


# -- type restrictions ------------------------------------------------------------------------
def test_typed_variables(k: Kit) -> None:
    c = k.C("c")
    k.L("Inheritance", k.C("a"), c)
    k.L("Inheritance", k.P("p"), c)
    k.L("Inheritance", k.N(3), c)
    x = k.V("$X")
    body = k.L("Inheritance", x, c)
    concept = k.L("TypedVariable", x, k.T("ConceptNode"))
    assert k.names(match(k.space, k.L("Get", concept, body)), x) == {("a",)}
    choice = k.L("TypedVariable", x, k.L("TypeChoice", k.T("Predicate"), k.T("NumberNode")))
    assert k.names(match(k.space, k.L("Get", choice, body)), x) == {("p",), ("3",)}


def test_type_is_exact_not_subtype(k: Kit) -> None:
    c = k.C("c")
    k.L("Inheritance", k.space.add_node("GroundedPredicateNode", "py:f"), c)
    x = k.V("$X")
    typed = k.L("TypedVariable", x, k.T("PredicateNode"))
    assert match(k.space, k.L("Get", typed, k.L("Inheritance", x, c))) == []


def test_signature_deep_type(k: Kit) -> None:
    a, b, c = k.C("a"), k.C("b"), k.C("c")
    good = k.L("Inheritance", a, b)
    k.L("Member", good, c)
    k.L("Member", k.L("Inheritance", a, k.N(1)), c)
    x = k.V("$X")
    concept = k.T("ConceptNode")
    sig = k.L("TypedVariable", x, k.L("Signature", k.L("Inheritance", concept, concept)))
    got = match(k.space, k.L("Get", sig, k.L("Member", x, c)))
    assert [g[x] for g in got] == [good]


# -- logic ------------------------------------------------------------------------------------
def test_or_alternatives(k: Kit) -> None:
    a, b, c, d = k.C("a"), k.C("b"), k.C("c"), k.C("d")
    k.L("Inheritance", a, b)
    k.L("Member", c, b)
    k.L("Inheritance", d, d)
    x = k.V("$X")
    body = k.L("Or", k.L("Inheritance", x, b), k.L("Member", x, b))
    assert k.names(match(k.space, k.L("Get", body)), x) == {("a",), ("c",)}
    mixed = k.L("And", k.L("Inheritance", x, b), k.L("Or", k.L("Member", x, b), k.L("Member", x, d)))
    assert match(k.space, k.L("Get", mixed)) == []
    k.L("Member", a, d)
    assert k.names(match(k.space, k.L("Get", mixed)), x) == {("a",)}


def test_choice_term_and_clause(k: Kit) -> None:
    a, b, c, d = k.C("a"), k.C("b"), k.C("c"), k.C("d")
    k.L("Inheritance", a, b)
    k.L("Inheritance", c, d)
    k.L("Inheritance", d, a)
    x = k.V("$X")
    got = match(k.space, k.L("Get", k.L("Inheritance", x, k.L("Choice", b, d))))
    assert k.names(got, x) == {("a",), ("c",)}
    clause_choice = k.L("Choice", k.L("Inheritance", x, b), k.L("Inheritance", x, a))
    assert k.names(match(k.space, k.L("Get", clause_choice)), x) == {("a",), ("d",)}


def test_absent_is_negation_as_failure(k: Kit) -> None:
    a, b, c, g = k.C("a"), k.C("b"), k.C("c"), k.C("g")
    for n in (a, b, c):
        k.L("Inheritance", n, g)
    k.L("Member", a, g)
    x = k.V("$X")
    body = k.L("And", k.L("Inheritance", x, g), k.L("Absent", k.L("Member", x, g)))
    assert k.names(match(k.space, k.L("Get", body)), x) == {("b",), ("c",)}
    negated = k.L("And", k.L("Inheritance", x, g), k.L("Not", k.L("Present", k.L("Member", x, g))))
    assert k.names(match(k.space, k.L("Get", negated)), x) == {("b",), ("c",)}


def test_absent_with_local_variable(k: Kit) -> None:
    a, b, g = k.C("a"), k.C("b"), k.C("g")
    k.L("Inheritance", a, g)
    k.L("Inheritance", b, g)
    k.L("Member", k.C("z"), a)
    x, y = k.V("$X"), k.V("$Y")
    body = k.L("And", k.L("Inheritance", x, g), k.L("Absent", k.L("Member", y, x)))
    got = match(k.space, k.L("Get", body))
    assert k.names(got, x) == {("b",)}
    assert all(list(grounding) == [x] for grounding in got)  # $Y is local to the Absent


def test_always_is_for_all(k: Kit) -> None:
    basket = k.C("basket")
    red = k.P("is red")
    baskets = {"reds": ["r1", "r2"], "mixed": ["r1", "green"], "other": ["r3"]}
    for name, balls in baskets.items():
        k.L("Inheritance", k.C(name), basket)
        for ball in balls:
            k.L("Member", k.C(ball), k.C(name))
    for ball in ("r1", "r2", "r3"):
        k.L("Evaluation", red, k.C(ball))
    b, ball = k.V("$basket"), k.V("$ball")
    decl = k.L("VariableList", k.L("TypedVariable", b, k.T("ConceptNode")), k.L("TypedVariable", ball, k.T("ConceptNode")))
    body = k.L(
        "And",
        k.L("Inheritance", b, basket),
        k.L("Member", ball, b),
        k.L("Always", k.L("Evaluation", red, ball)),
    )
    got = match(k.space, k.L("Bind", decl, body, b))
    assert {g[b].name for g in got} == {"reds", "other"}


def test_quote_matches_queries_as_data(k: Kit) -> None:
    z, a = k.V("$Z"), k.C("a")
    stored = k.L("Bind", z, k.L("Inheritance", z, a), z)
    vd, body, rw = k.V("$vd"), k.V("$body"), k.V("$rw")
    pattern = k.L("Quote", k.L("Bind", k.L("Unquote", vd), k.L("Unquote", body), k.L("Unquote", rw)))
    got = match(k.space, k.L("Get", pattern))
    assert len(got) == 1
    assert got[0][vd] is z and got[0][body] is stored.out[1] and got[0][rw] is z


def test_quoted_variable_is_literal(k: Kit) -> None:
    a, x = k.C("a"), k.V("$X")
    k.L("List", a, x)
    k.L("List", a, a)
    y = k.V("$Y")
    got = match(k.space, k.L("Get", k.L("List", y, k.L("Quote", x))))
    assert k.names(got, y) == {("a",)}


def test_local_quote_matches_an_and_link(k: Kit) -> None:
    a, b = k.C("a"), k.C("b")
    k.L("And", k.L("Inheritance", a, b), k.L("Member", a, b))
    x = k.V("$X")
    pattern = k.L("LocalQuote", k.L("And", k.L("Inheritance", a, b), x))
    got = match(k.space, k.L("Get", pattern))
    assert [g[x] for g in got] == [k.space.get_link("Member", [a, b])]


# -- virtual clauses ---------------------------------------------------------------------------
def test_virtual_clauses_filter(k: Kit, fake_evaluate: list[Any]) -> None:
    g = k.C("g")
    for n in (1, 5, 9):
        k.L("Inheritance", k.N(n), g)
    x = k.V("$X")
    body = k.L("And", k.L("Inheritance", x, g), k.L("GreaterThan", x, k.N(4)))
    assert k.names(match(k.space, k.L("Get", body)), x) == {("5",), ("9",)}
    assert all(call[1].get(x) is not None for call in fake_evaluate)  # grounded before evaluation


def test_virtual_clause_joins_components(k: Kit, fake_evaluate: list[Any]) -> None:
    g, h = k.C("g"), k.C("h")
    for n in (1, 2, 3):
        k.L("Inheritance", k.N(n), g)
        k.L("Member", k.N(n), h)
    x, y = k.V("$X"), k.V("$Y")
    body = k.L("And", k.L("Inheritance", x, g), k.L("Member", y, h), k.L("GreaterThan", x, y))
    got = k.names(match(k.space, k.L("Get", body)), x, y)
    assert got == {("2", "1"), ("3", "1"), ("3", "2")}


def test_not_over_virtual_and_constant_virtual(k: Kit, fake_evaluate: list[Any]) -> None:
    a, b, g = k.C("a"), k.C("b"), k.C("g")
    k.L("Inheritance", a, g)
    k.L("Inheritance", b, g)
    x = k.V("$X")
    body = k.L("And", k.L("Inheritance", x, g), k.L("Not", k.L("Equal", x, a)))
    assert k.names(match(k.space, k.L("Get", body)), x) == {("b",)}
    false = k.L("And", k.L("Inheritance", x, g), k.L("Evaluation", k.space.add_node("GroundedPredicateNode", "py:false"), k.L("List")))
    assert match(k.space, k.L("Get", false)) == []


def test_virtual_strength_threshold(k: Kit, monkeypatch: pytest.MonkeyPatch) -> None:
    g = k.C("g")
    k.L("Inheritance", k.C("a"), g)
    x = k.V("$X")
    gpn = k.space.add_node("GroundedPredicateNode", "py:half")
    body = k.L("And", k.L("Inheritance", x, g), k.L("Evaluation", gpn, k.L("List", x)))
    query = k.L("Get", body)
    for strength, expected in ((0.5, 1), (0.49, 0)):
        monkeypatch.setattr(matcher_module, "_evaluate", lambda s, a, b, v=strength: stv(v, 0.1))
        assert len(match(k.space, query)) == expected


# -- anchored matching ------------------------------------------------------------------------
def test_anchor_restricts_to_groundings_using_the_link(k: Kit) -> None:
    a, b, c, g = k.C("a"), k.C("b"), k.C("c"), k.C("g")
    ab = k.L("Inheritance", a, b)
    bg = k.L("Inheritance", b, g)
    cb = k.L("Inheritance", c, b)
    x, y = k.V("$X"), k.V("$Y")
    query = k.L("Get", k.L("And", k.L("Inheritance", x, y), k.L("Inheritance", y, g)))
    assert k.names(match(k.space, query, anchor=ab), x, y) == {("a", "b")}
    assert k.names(match(k.space, query, anchor=cb), x, y) == {("c", "b")}
    assert k.names(match(k.space, query, anchor=bg), x, y) == {("a", "b"), ("c", "b")}
    assert match(k.space, query, anchor=k.L("Member", a, b)) == []
    single = k.L("Get", k.L("Inheritance", x, b))
    assert k.names(match(k.space, single, anchor=ab), x) == {("a",)}
    assert match(k.space, single, anchor=bg) == []


def test_anchor_inside_one_component(k: Kit) -> None:
    a, b, g = k.C("a"), k.C("b"), k.C("g")
    ag = k.L("Inheritance", a, g)
    k.L("Inheritance", b, g)
    k.L("Member", a, g)
    x, y = k.V("$X"), k.V("$Y")
    query = k.L("Get", k.L("And", k.L("Inheritance", x, g), k.L("Member", y, g)))
    assert k.names(match(k.space, query, anchor=ag), x, y) == {("a", "a")}


def test_fixed_prebinds(k: Kit) -> None:
    a, b, c, g = k.C("a"), k.C("b"), k.C("c"), k.C("g")
    k.L("Inheritance", a, g)
    k.L("Inheritance", b, g)
    x, s = k.V("$X"), k.V("$source")
    query = k.L("Get", k.L("VariableList", x, s), k.L("Inheritance", x, g))
    got = match(k.space, query, fixed={s: c})
    assert k.names(got, x, s) == {("a", "c"), ("b", "c")}
    assert k.names(match(k.space, query, fixed={x: a, s: c}), x) == {("a",)}
    typed = k.L("Get", k.L("TypedVariable", x, k.T("PredicateNode")), k.L("Inheritance", x, g))
    assert match(k.space, typed, fixed={x: a}) == []


def test_match_body_for_implication_halves(k: Kit) -> None:
    a, g = k.C("a"), k.C("g")
    k.L("Inheritance", a, g)
    x = k.V("$X")
    assert k.names(match_body(k.space, None, k.L("Inheritance", x, g)), x) == {("a",)}
    assert k.names(match_body(k.space, x, k.L("Inheritance", x, g)), x) == {("a",)}


def test_compiled_pattern_is_cached_and_sees_new_atoms(k: Kit) -> None:
    from atomtrig.query.pattern import compile_pattern

    g = k.C("g")
    x = k.V("$X")
    query = k.L("Get", k.L("Inheritance", x, g))
    assert compile_pattern(query) is compile_pattern(query)
    assert match(k.space, query) == []
    k.L("Inheritance", k.C("late"), g)
    assert k.names(match(k.space, query), x) == {("late",)}


def test_numbers_match_by_value(k: Kit) -> None:
    g = k.C("g")
    k.L("Inheritance", k.space.add_node("Number", "3.0"), g)
    x = k.V("$X")
    query = k.L("Get", k.L("Inheritance", k.space.add_node("Number", 3), x))
    assert k.names(match(k.space, query), x) == {("g",)}


# -- substitution -----------------------------------------------------------------------------
def test_substitute_respects_scopes_quotes_and_globs(k: Kit) -> None:
    x, y, g = k.V("$X"), k.V("$Y"), k.G("$g")
    a, b = k.C("a"), k.C("b")
    lam = k.L("Lambda", x, k.L("List", x, y))
    result = substitute(k.space, k.L("List", x, lam), {x: a, y: b})
    assert result is k.space.get_link("List", [a, k.L("Lambda", x, k.L("List", x, b))])
    quoted = k.L("Quote", k.L("List", x, k.L("Unquote", y)))
    assert substitute(k.space, quoted, {x: a, y: b}) is k.L("Quote", k.L("List", x, k.L("Unquote", b)))
    assert substitute(k.space, quoted, {x: a, y: b}, consume_quotations=True) is k.L("List", x, b)
    assert substitute(k.space, k.L("Set", g, a), {g: (b, b)}) is k.L("Set", a, b, b)
    put = k.L("Put", k.L("List", x), y)
    assert substitute(k.space, put, {x: a, y: b}) is k.L("Put", k.L("List", x), b)
    assert substitute(k.space, g, {g: (a, b)}) is k.L("List", a, b)


# -- errors -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "build, words",
    [
        (lambda k: k.L("Get"), "no body"),
        (lambda k: k.L("Get", k.V("$X"), k.L("List", k.V("$X")), k.C("extra")), "one body"),
        (lambda k: k.L("Bind", k.V("$X"), k.L("List", k.V("$X"))), "rewrite"),
        (lambda k: k.L("Inheritance", k.C("a"), k.C("b")), "must be a BindLink"),
        (lambda k: k.L("Get", k.L("TypedVariable", k.V("$X"), k.T("NoSuchType")), k.L("List", k.V("$X"))), "names no atom type"),
        (lambda k: k.L("Get", k.L("TypedVariable", k.V("$X"), k.C("notatype")), k.L("List", k.V("$X"))), "type restriction"),
        (lambda k: k.L("Get", k.L("TypedVariable", k.V("$X"), k.L("Interval", k.N(0), k.N(1))), k.L("List", k.V("$X"))), "restricts a GlobNode"),
        (lambda k: k.L("Get", k.L("TypedVariable", k.G("$g"), k.L("Interval", k.N(3), k.N(1))), k.L("List", k.G("$g"))), "below its lower"),
        (lambda k: k.L("Get", k.L("TypedVariable", k.G("$g"), k.L("Interval", k.N(0.5), k.N(1))), k.L("List", k.G("$g"))), "whole numbers"),
        (lambda k: k.L("Get", k.L("TypedVariable", k.G("$g"), k.L("Interval", k.C("x"))), k.L("List", k.G("$g"))), "two NumberNodes"),
        (lambda k: k.L("Get", k.L("VariableList", k.V("$X"), k.V("$X")), k.L("List", k.V("$X"))), "declared twice"),
        (lambda k: k.L("Get", k.L("And", k.V("$X"), k.L("List", k.V("$X")))), "bare variable"),
        (lambda k: k.L("Get", k.L("Set", k.G("$a"), k.G("$b"))), "at most one GlobNode"),
        (lambda k: k.L("Get", k.L("Absent", k.L("List", k.V("$X")), k.L("List", k.C("a")))), "exactly one term"),
        (lambda k: k.L("Get", k.L("Or")), "no alternative"),
        (lambda k: k.L("Get", k.L("TypedVariable", k.V("$X"), k.L("Signature", k.C("a"), k.C("b"))), k.L("List", k.V("$X"))), "exactly one atom"),
        (lambda k: k.L("Get", k.L("TypedVariable", k.V("$X"), k.L("TypeChoice")), k.L("List", k.V("$X"))), "accepts nothing"),
        (lambda k: k.L("Get", k.L("And", k.L("List", k.V("$X")), k.L("Absent", k.L("Or", k.L("List", k.V("$X")))))), "negation of OrLink"),
    ],
)
def test_malformed_patterns_raise_pattern_error(k: Kit, build: Any, words: str) -> None:
    query = build(k)
    with pytest.raises(PatternError, match=words) as info:
        match(k.space, query)
    assert isinstance(info.value, QueryError) and isinstance(info.value, AtomtrigError)


def test_variable_only_in_virtual_clause_is_an_error(k: Kit, fake_evaluate: list[Any]) -> None:
    x, y = k.V("$X"), k.V("$Y")
    body = k.L("And", k.L("Inheritance", x, k.C("g")), k.L("GreaterThan", y, k.N(1)))
    query = k.L("Get", k.L("VariableList", x, y), body)
    with pytest.raises(PatternError, match=r"\$Y.*appears in no clause"):
        match(k.space, query)
    assert match(k.space, query, fixed={y: k.N(2)}) == []  # grounded by `fixed`: fine


def test_fixed_with_unknown_variable(k: Kit) -> None:
    x = k.V("$X")
    query = k.L("Get", k.L("Inheritance", x, k.C("g")))
    with pytest.raises(PatternError, match="does not declare"):
        match(k.space, query, fixed={k.V("$other"): k.C("a")})


def test_anchor_from_elsewhere_gives_nothing(k: Kit) -> None:
    other = AtomSpace()
    link = other.add_link("Inheritance", [other.add_node("Concept", "a"), other.add_node("Concept", "g")])
    x = k.V("$X")
    query = k.L("Get", k.L("Inheritance", x, k.C("g")))
    assert match(k.space, query, anchor=link) == []


# -- more scopes and shapes -------------------------------------------------------------------
def test_every_pattern_scope_reads_its_body(k: Kit) -> None:
    a, g = k.C("a"), k.C("g")
    k.L("Inheritance", a, g)
    x, r = k.V("$X"), k.V("$R")
    body = k.L("Inheritance", x, g)
    for scope in (
        k.L("Get", body),
        k.L("Get", x, body),
        k.L("Meet", body),
        k.L("Satisfaction", x, body),
        k.L("Bind", body, k.L("List", x, r)),  # $R is in the rewrite only: not a variable
        k.L("Bind", x, body, k.L("List", x)),
        k.L("Query", body, x),
    ):
        got = match(k.space, scope)
        assert [list(g) for g in got] == [[x]] and got[0][x] is a, scope.short()


def test_unordered_three_members_every_permutation(k: Kit) -> None:
    a, b, c = k.C("a"), k.C("b"), k.C("c")
    k.L("Set", a, b, c)
    x, y, z = k.V("$X"), k.V("$Y"), k.V("$Z")
    got = k.names(match(k.space, k.L("Get", k.L("Set", x, y, z))), x, y, z)
    assert got == {(p, q, r) for p in "abc" for q in "abc" for r in "abc" if len({p, q, r}) == 3}


def test_glob_fixed(k: Kit) -> None:
    a, b, c = k.C("a"), k.C("b"), k.C("c")
    k.L("List", a, b, c)
    k.L("List", a, c)
    g = k.G("$g")
    query = k.L("Get", k.L("List", a, g))
    assert k.names(match(k.space, query, fixed={g: (b, c)}), g) == {(("b", "c"),)}
    assert match(k.space, query, fixed={g: ()}) == []  # one or more by default


def test_removed_query_is_compiled_again(k: Kit) -> None:
    from atomtrig.query.pattern import compile_pattern

    a, g = k.C("a"), k.C("g")
    k.L("Inheritance", a, g)
    x = k.V("$X")
    query = k.L("Get", k.L("Inheritance", x, g))
    first = compile_pattern(query)
    k.space.remove(query)
    again = k.L("Get", k.L("Inheritance", x, g))
    assert compile_pattern(again) is not first
    assert k.names(match(k.space, again), x) == {("a",)}


def test_anchor_that_is_the_query_itself(k: Kit) -> None:
    x, g = k.V("$X"), k.C("g")
    clause = k.L("Inheritance", x, g)
    query = k.L("Get", clause)
    assert match(k.space, query, anchor=clause) == []


def test_anchor_general_path_with_nested_terms(k: Kit) -> None:
    a, b, p = k.C("a"), k.C("b"), k.P("likes")
    first = k.L("Evaluation", p, k.L("List", a, b))
    k.L("Evaluation", p, k.L("List", b, a))
    x, y = k.V("$X"), k.V("$Y")
    query = k.L("Get", k.L("Evaluation", p, k.L("List", x, y)))
    assert k.names(match(k.space, query, anchor=first), x, y) == {("a", "b")}


def test_limit_stops_the_join_early(k: Kit, monkeypatch: pytest.MonkeyPatch) -> None:
    from atomtrig.query import joins

    g = k.C("g")
    for i in range(50):
        k.L("Inheritance", k.C(f"n{i}"), g)
        k.L("Member", k.C(f"n{i}"), g)
    x = k.V("$X")
    query = k.L("Get", k.L("And", k.L("Inheritance", x, g), k.L("Member", x, g)))
    made: list[int] = []
    original = joins._maker

    def counting(variables: Any) -> Any:
        make = original(variables)

        def wrapped(row: Any) -> Any:
            made.append(1)
            return make(row)

        return wrapped

    monkeypatch.setattr(joins, "_maker", counting)
    assert len(match(k.space, query, limit=2)) == 2
    assert len(made) == 2  # the search stopped at the second grounding


def test_pattern_from_another_space_is_copied_in(k: Kit) -> None:
    k.L("Inheritance", k.C("a"), k.C("g"))
    elsewhere = AtomSpace()
    x = elsewhere.add_node("Variable", "$X")
    body = elsewhere.add_link("Inheritance", [x, elsewhere.add_node("Concept", "g")])
    query = elsewhere.add_link("Get", [body])
    got = match(k.space, query)
    assert [g[k.V("$X")].name for g in got] == ["a"]
    assert [g[k.V("$X")].name for g in match_body(k.space, None, body)] == ["a"]


def test_absent_over_an_evaluatable_term_negates_it(k: Kit, fake_evaluate: list[Any]) -> None:
    g = k.C("g")
    for n in (1, 5, 9):
        k.L("Inheritance", k.N(n), g)
    x = k.V("$X")
    body = k.L("And", k.L("Inheritance", x, g), k.L("Absent", k.L("GreaterThan", x, k.N(4))))
    assert k.names(match(k.space, k.L("Get", body)), x) == {("1",)}
