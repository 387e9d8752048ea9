"""Property tests: the matcher against a brute-force reference on small random stores and
patterns (same grounding sets), anchored matching against the reference filtered by the anchor,
and globs against an enumeration of every split of every candidate."""

from __future__ import annotations

from itertools import product
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atomtrig.core.atom import Atom
from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
from atomtrig.query.matcher import match

NODE_NAMES = ["a", "b", "c", "d"]
LINK_SHAPES = [("Inheritance", 2, 2), ("List", 1, 3), ("Similarity", 2, 2), ("Set", 1, 3)]
VARIABLES = ["$x", "$y", "$z"]

# A term description: ("node", name) | ("var", name) | (link type, [children]).
node_desc = st.sampled_from(NODE_NAMES).map(lambda n: ("node", n))


def link_desc(child: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.sampled_from(LINK_SHAPES).flatmap(
        lambda shape: st.lists(child, min_size=shape[1], max_size=shape[2]).map(
            lambda out: (shape[0], out)
        )
    )


data_atom = st.recursive(node_desc, link_desc, max_leaves=5)
data_link = link_desc(st.one_of(node_desc, link_desc(node_desc)))
pattern_leaf = st.one_of(node_desc, st.sampled_from(VARIABLES).map(lambda v: ("var", v)))
pattern_clause = link_desc(st.one_of(pattern_leaf, pattern_leaf, link_desc(pattern_leaf)))


def build(space: AtomSpace, desc: Any) -> Atom:
    kind = desc[0]
    if kind == "node":
        return space.add_node("Concept", desc[1])
    if kind == "var":
        return space.add_node("Variable", desc[1])
    return space.add_link(kind, [build(space, c) for c in desc[1]])


def variables_in_order(atom: Atom, found: dict[Atom, None]) -> None:
    if atom.type.name in ("VariableNode", "GlobNode"):
        found.setdefault(atom, None)
    for child in atom.out:
        variables_in_order(child, found)


def own_atoms(atom: Atom, own: set[Atom]) -> None:
    if atom.is_link() or atom.type.name in ("VariableNode", "GlobNode"):
        own.add(atom)
    for child in atom.out:
        own_atoms(child, own)


def ground(space: AtomSpace, atom: Atom, assignment: dict[Atom, Atom]) -> Atom | None:
    """The atom ``atom`` becomes under ``assignment``, if it is in the store."""
    if atom.is_node():
        return assignment.get(atom, atom)
    out = []
    for child in atom.out:
        grounded = ground(space, child, assignment)
        if grounded is None:
            return None
        out.append(grounded)
    return space.get_link(atom.type, out)


def clause_vars(atom: Atom) -> list[Atom]:
    found: dict[Atom, None] = {}
    variables_in_order(atom, found)
    return list(found)


def reference(
    space: AtomSpace, query: Atom, alternatives: list[tuple[list[Atom], list[Atom]]]
) -> tuple[list[Atom], list[tuple[dict[Atom, Atom], set[Atom]]]]:
    """Every grounding by brute force: each assignment of the query's variables to atoms of
    the store; returns the variables and (grounding, links grounding a positive clause)."""
    found: dict[Atom, None] = {}
    variables_in_order(query, found)
    variables = list(found)
    own: set[Atom] = set()
    own_atoms(query, own)
    domain = [a for a in space if a not in own]
    results = []
    for values in product(domain, repeat=len(variables)):
        assignment = dict(zip(variables, values))
        for positive, absent in alternatives:
            used: set[Atom] = set()
            ok = True
            for clause in positive:
                if not clause_vars(clause):
                    continue  # a constant clause holds: it is in the store, as part of the query
                grounded = ground(space, clause, assignment)
                if grounded is None or grounded in own:
                    ok = False
                    break
                used.add(grounded)
            if not ok:
                continue
            for clause in absent:
                if not clause_vars(clause):
                    ok = False  # a constant term is present: the Absent fails
                    break
                grounded = ground(space, clause, assignment)
                if grounded is not None and grounded not in own:
                    ok = False
                    break
            if ok:
                results.append((assignment, used))
    return variables, results


def key(grounding: dict[Atom, Any], variables: list[Atom]) -> tuple[Any, ...]:
    return tuple(grounding[v] for v in variables)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    store=st.lists(data_link, min_size=1, max_size=10),
    clauses=st.lists(pattern_clause, min_size=1, max_size=3),
    absent=st.lists(pattern_clause, max_size=1),
    use_or=st.booleans(),
    fix=st.integers(min_value=0, max_value=10_000),
)
def test_matcher_agrees_with_brute_force(
    store: list[Any], clauses: list[Any], absent: list[Any], use_or: bool, fix: int
) -> None:
    space = AtomSpace()
    for desc in store:
        build(space, desc)
    positive = [build(space, c) for c in clauses]
    # Every variable of an Absent clause must also be grounded by the positive clauses.
    positive_vars: dict[Atom, None] = {}
    for clause in positive:
        variables_in_order(clause, positive_vars)
    negative = []
    for desc in absent:
        atom = build(space, desc)
        inner: dict[Atom, None] = {}
        variables_in_order(atom, inner)
        if set(inner) <= set(positive_vars):
            negative.append(atom)
    if use_or and len(positive) >= 2:
        # (Or first (And rest...)): both alternatives must mention the same variables.
        rest_vars: dict[Atom, None] = {}
        for clause in positive[1:]:
            variables_in_order(clause, rest_vars)
        first_vars: dict[Atom, None] = {}
        variables_in_order(positive[0], first_vars)
        if set(first_vars) != set(rest_vars):
            return
        body = space.add_link("Or", [positive[0], space.add_link("And", positive[1:])])
        alternatives = [([positive[0]], []), (positive[1:], [])]
    else:
        parts = positive + [space.add_link("Absent", [n]) for n in negative]
        body = space.add_link("And", parts) if len(parts) > 1 else parts[0]
        alternatives = [(positive, negative)]
    query = space.add_link("Get", [body])
    variables, expected = reference(space, query, alternatives)
    got = match(space, query)
    assert all(list(g) == variables for g in got)
    got_keys = [key(g, variables) for g in got]
    assert len(got_keys) == len(set(got_keys)), "duplicate groundings"
    assert set(got_keys) == {key(g, variables) for g, _ in expected}

    # Pre-bound: exactly the groundings with that value.
    if variables:
        own: set[Atom] = set()
        own_atoms(query, own)
        domain = [a for a in space if a not in own]
        variable = variables[fix % len(variables)]
        value = domain[fix % len(domain)]
        fixed = {key(g, variables) for g in match(space, query, fixed={variable: value})}
        assert fixed == {key(g, variables) for g, _ in expected if g[variable] is value}

    # Anchored: exactly the groundings in which some positive clause is grounded by the link.
    for link in [a for a in space if a.is_link()][:12]:
        anchored = {key(g, variables) for g in match(space, query, anchor=link)}
        assert anchored == {key(g, variables) for g, used in expected if link in used}


def split_runs(n: int, items: list[Any]) -> list[list[int]]:
    """Every way to cut ``n`` atoms into consecutive runs, one per item: 1 for a plain item,
    1 to n for a glob."""
    if not items:
        return [[]] if n == 0 else []
    first, rest = items[0], items[1:]
    lengths = range(1, n + 1) if first[0] == "glob" else [1]
    result = []
    for length in lengths:
        if length <= n:
            for tail in split_runs(n - length, rest):
                result.append([length] + tail)
    return result


glob_item = st.one_of(
    node_desc,
    st.sampled_from(["$x", "$y"]).map(lambda v: ("var", v)),
    st.sampled_from(["$g", "$h"]).map(lambda v: ("glob", v)),
)


@settings(max_examples=80, deadline=None)
@given(
    lists=st.lists(st.lists(st.sampled_from(NODE_NAMES), min_size=1, max_size=5), min_size=1, max_size=6),
    items=st.lists(glob_item, min_size=1, max_size=4),
)
def test_globs_agree_with_every_split(lists: list[list[str]], items: list[Any]) -> None:
    space = AtomSpace()
    for names in lists:
        space.add_link("List", [space.add_node("Concept", n) for n in names])

    def item_atom(item: Any) -> Atom:
        if item[0] == "glob":
            return space.add_node("Glob", item[1])
        return build(space, item)

    pattern = space.add_link("List", [item_atom(i) for i in items])
    query = space.add_link("Get", [pattern])
    found: dict[Atom, None] = {}
    variables_in_order(pattern, found)
    variables = list(found)
    own: set[Atom] = set()
    own_atoms(query, own)
    expected = set()
    for link in space.get_atoms_by_type("List", subtypes=False):
        if link in own:
            continue
        for runs in split_runs(len(link.out), items):
            assignment: dict[Atom, Any] = {}
            position, ok = 0, True
            for item, length in zip(items, runs):
                piece = link.out[position : position + length]
                position += length
                if item[0] == "node":
                    ok = piece[0] is build(space, item)
                else:
                    var = item_atom(item)
                    value = piece if item[0] == "glob" else piece[0]
                    ok = assignment.setdefault(var, value) == value and not (
                        item[0] == "var" and value in own
                    )
                if not ok:
                    break
            if ok:
                expected.add(tuple(assignment[v] for v in variables))
    if not variables:
        expected = {()}  # a constant clause holds: it is in the store, as part of the query
    got = [tuple(g[v] for v in variables) for g in match(space, query)]
    assert len(got) == len(set(got))
    assert set(got) == expected


def ground_all(space: AtomSpace, atom: Atom, assignment: dict[Atom, Atom]) -> list[Atom]:
    """Every atom ``atom`` can become under ``assignment`` (a ChoiceLink: any of its members)
    that is in the store."""
    if atom.is_node():
        return [assignment.get(atom, atom)]
    if atom.type.name == "ChoiceLink":
        found: dict[Atom, None] = {}
        for member in atom.out:
            found.update(dict.fromkeys(ground_all(space, member, assignment)))
        return list(found)
    options = [ground_all(space, child, assignment) for child in atom.out]
    result: dict[Atom, None] = {}
    for out in product(*options):
        link = space.get_link(atom.type, list(out))
        if link is not None:
            result[link] = None
    return list(result)


def has_choice(atom: Atom) -> bool:
    return atom.type.name == "ChoiceLink" or any(has_choice(c) for c in atom.out)


choice_leaf = st.one_of(
    pattern_leaf,
    st.lists(node_desc, min_size=1, max_size=2).map(lambda out: ("ChoiceLink", out)),
)
choice_clause = link_desc(st.one_of(choice_leaf, choice_leaf, link_desc(pattern_leaf)))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    store=st.lists(data_link, min_size=1, max_size=10),
    clauses=st.lists(choice_clause, min_size=1, max_size=2),
    typed=st.lists(st.sampled_from(["ConceptNode", "ListLink", "SetLink"]), min_size=3, max_size=3),
    declare=st.booleans(),
)
def test_typed_variables_and_choices_agree_with_brute_force(
    store: list[Any], clauses: list[Any], typed: list[str], declare: bool
) -> None:
    space = AtomSpace()
    for desc in store:
        build(space, desc)
    positive = [build(space, c) for c in clauses]
    body = space.add_link("And", positive) if len(positive) > 1 else positive[0]
    found: dict[Atom, None] = {}
    variables_in_order(body, found)
    variables = list(found)
    types_of = {v: typed[i] for i, v in enumerate(variables)}
    if declare and variables:
        decl = space.add_link("VariableList", [
            space.add_link("TypedVariable", [v, space.add_node("Type", types_of[v])])
            for v in variables
        ])
        query = space.add_link("Get", [decl, body])
    else:
        query = space.add_link("Get", [body])
    own: set[Atom] = set()
    own_atoms(query, own)
    domain = [a for a in space if a not in own]
    expected = set()
    for values in product(domain, repeat=len(variables)):
        assignment = dict(zip(variables, values))
        if declare and any(v.type.name != types_of[k] for k, v in assignment.items()):
            continue
        if all(
            (not clause_vars(clause) and not has_choice(clause))
            or any(g not in own for g in ground_all(space, clause, assignment))
            for clause in positive
        ):
            expected.add(tuple(values))
    got = [key(g, variables) for g in match(space, query)]
    assert len(got) == len(set(got))
    assert set(got) == expected
