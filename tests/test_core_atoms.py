"""Atoms, uniqueness, unordered links, types, truth values and values."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import atomtrig
from atomtrig import (
    AtomSpace,
    ConceptNode,
    CountTruthValue,
    FloatValue,
    Inheritance,
    LinkValue,
    SimpleTruthValue,
    StringValue,
    ctv,
    stv,
    types,
)
from atomtrig.core.errors import (
    AtomNotInSpaceError,
    AtomtrigError,
    DefinitionError,
    IncomingSetError,
    InvalidAtomError,
    NoCurrentAtomSpaceError,
    TruthValueError,
    TypeDeclarationError,
    UnknownTypeError,
    ValueTypeError,
)


@pytest.fixture
def space() -> AtomSpace:
    return AtomSpace()


def test_nodes_are_hash_consed(space):
    a = space.add_node("ConceptNode", "a")
    assert space.add_node("Concept", "a") is a
    assert space.add_node(types["ConceptNode"], "a") is a
    assert space.add_node("Predicate", "a") is not a
    assert len(space) == 2


def test_links_are_hash_consed_and_ordered(space):
    a, b = space.add_node("Concept", "a"), space.add_node("Concept", "b")
    ab = space.add_link("Inheritance", [a, b])
    assert space.add_link("InheritanceLink", (a, b)) is ab
    assert space.add_link("Inheritance", [b, a]) is not ab
    assert ab.out == (a, b)
    assert ab.arity == 2


@pytest.mark.parametrize("link_type", ["SetLink", "AndLink", "OrLink", "SimilarityLink"])
def test_unordered_links_are_one_atom_in_any_order(space, link_type):
    a, b, c = (space.add_node("Concept", n) for n in "abc")
    first = space.add_link(link_type, [c, a, b])
    assert space.add_link(link_type, [b, c, a]) is first
    assert [x.name for x in first.out] == ["a", "b", "c"]


def test_unordered_links_are_multisets(space):
    a, b = space.add_node("Concept", "a"), space.add_node("Concept", "b")
    aab = space.add_link("Set", [a, b, a])
    assert space.add_link("Set", [a, a, b]) is aab
    assert space.add_link("Set", [a, b]) is not aab
    assert aab.arity == 3
    # a appears twice but the link is once in its incoming set
    assert a.incoming_by_type("SetLink").count(aab) == 1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from("abcde"), min_size=0, max_size=6), st.randoms())
def test_unordered_canonical_order_is_permutation_invariant(names, rnd):
    space = AtomSpace()
    atoms = [space.add_node("Concept", n) for n in names]
    inner = space.add_link("List", atoms)
    shuffled = atoms[:]
    rnd.shuffle(shuffled)
    one = space.add_link("Set", atoms + [inner])
    two = space.add_link("Set", shuffled + [inner])
    assert one is two
    assert sorted(a.name for a in one.out if a.is_node()) == sorted(names)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["Concept", "Predicate"]), st.text(max_size=3)), max_size=20))
def test_uniqueness_matches_a_set_of_keys(pairs):
    space = AtomSpace()
    made = [space.add_node(t, n) for t, n in pairs]
    assert len(space) == len({(types[t].name, n) for t, n in pairs})
    for (t, n), atom in zip(pairs, made):
        assert space.get_node(t, n) is atom


def test_number_nodes_compare_by_value(space):
    three = space.add_node("NumberNode", "3")
    assert space.add_node("Number", "3.0") is three
    assert space.add_node("Number", 3) is three
    assert space.add_node("Number", "3.5").name == "3.5"
    with pytest.raises(InvalidAtomError, match="NumberNode"):
        space.add_node("Number", "three")


def test_type_hierarchy_multiple_inheritance():
    equal = types["EqualLink"]
    assert equal.is_a("UnorderedLink") and equal.is_a("EvaluatableLink")
    assert types["GroundedPredicateNode"].is_a("PredicateNode")
    assert types["Evaluation"] is types["EvaluationLink"]
    assert types["Concept"].short_name == "Concept"
    assert types["BindLink"].is_a("PatternLink")


def test_every_named_core_type_exists():
    names = """Node Link ConceptNode PredicateNode SchemaNode GroundedSchemaNode GroundedPredicateNode
    DefinedSchemaNode DefinedPredicateNode NumberNode VariableNode GlobNode TypeNode AnchorNode ListLink
    SetLink MemberLink InheritanceLink SimilarityLink EvaluationLink ExecutionLink ExecutionOutputLink
    ImplicationLink EquivalenceLink AndLink OrLink NotLink SequentialAndLink SequentialOrLink BindLink
    QueryLink GetLink MeetLink PutLink SatisfactionLink SatisfyingSetLink ForAllLink VariableList
    TypedVariableLink TypeChoice SignatureLink IntervalLink PresentLink AbsentLink AlwaysLink
    ChoiceLink QuoteLink UnquoteLink EqualLink IdenticalLink GreaterThanLink PlusLink MinusLink
    TimesLink DivideLink StateLink DefineLink LambdaLink DeleteLink ValueOfLink SetValueLink CondLink
    StrengthTriggerLink RelationshipTriggerLink PingTriggerLink ScheduledExecutionLink IfElseLink"""
    for name in names.split():
        assert types[name].name == name


def test_unknown_type_suggests_close_names(space):
    with pytest.raises(UnknownTypeError, match="ConceptNode") as info:
        space.add_node("ConceptNod", "x")
    assert isinstance(info.value, AtomtrigError)
    with pytest.raises(UnknownTypeError, match="Inheritance"):
        space.add_link("Inheritence", [])


def test_runtime_type_declaration(space):
    t = atomtrig.declare_type("CoreTestRecordNode", ["Node"])
    assert atomtrig.declare_type("CoreTestRecordNode", ["Node"]) is t
    record = space.add_node("CoreTestRecord", "r1")
    assert record.type is t
    assert space.get_atoms_by_type("Node") and record in space.get_atoms_by_type("Node")
    with AtomSpace() as other:
        assert atomtrig.CoreTestRecordNode("r2").type is t
        assert len(other) == 1
    with pytest.raises(TypeDeclarationError):
        atomtrig.declare_type("CoreTestRecordNode", ["Link"])
    with pytest.raises(TypeDeclarationError):
        atomtrig.declare_type("not a name", ["Node"])


def test_bad_input_is_refused_and_changes_nothing(space):
    a = space.add_node("Concept", "a")
    before = len(space)
    with pytest.raises(InvalidAtomError, match="position 1"):
        space.add_link("List", [a, "b"])
    with pytest.raises(InvalidAtomError, match="string"):
        space.add_node("Concept", 42)
    with pytest.raises(InvalidAtomError, match="link type"):
        space.add_node("ListLink", "x")
    with pytest.raises(InvalidAtomError, match="node type"):
        space.add_link("ConceptNode", [a])
    with pytest.raises(InvalidAtomError, match="abstract"):
        space.add_node("Node", "x")
    with pytest.raises(TruthValueError, match="strength"):
        space.add_node("Concept", "b", tv=stv(1.5, 0.5))
    assert len(space) == before
    other = AtomSpace()
    with pytest.raises(AtomNotInSpaceError):
        other.remove(a)


def test_truth_values():
    assert stv(0.5, 0.25) == SimpleTruthValue(0.5, 0.25)
    assert repr(stv(0.5, 0.25)) == "(stv 0.5 0.25)"
    assert repr(ctv(0.5, 0.25, 3)) == "(ctv 0.5 0.25 3)"
    assert ctv(1, 0, 7).count == 7.0
    assert isinstance(ctv(1, 0, 7), CountTruthValue)
    assert stv(1, 0) != ctv(1, 0, 0)
    assert stv(0.5, 0.5).count == pytest.approx(800.0)
    for bad in [(-0.1, 0.5), (0.5, 1.1), (float("nan"), 0.5), ("1", 0.5)]:
        with pytest.raises(TruthValueError):
            stv(*bad)
    with pytest.raises(TruthValueError, match="count"):
        ctv(0.5, 0.5, -1)
    with pytest.raises(AttributeError):
        stv(0.5, 0.5).strength = 1  # type: ignore[misc]


def test_tv_set_through_the_space(space):
    a = space.add_node("Concept", "a")
    assert a.tv == stv(1, 0)
    a.tv = stv(0.2, 0.3)
    assert a.tv == stv(0.2, 0.3)
    space.set_tv(a, ctv(0.1, 0.2, 5))
    assert a.tv.count == 5
    # re-adding with a tv sets it; without leaves it
    assert space.add_node("Concept", "a").tv.count == 5
    assert space.add_node("Concept", "a", tv=stv(0.9, 0.9)).tv == stv(0.9, 0.9)
    with pytest.raises(InvalidAtomError, match="stv"):
        space.set_tv(a, (0.5, 0.5))  # type: ignore[arg-type]


def test_values_under_keys(space):
    a = space.add_node("Concept", "a")
    key = space.add_node("Predicate", "weight")
    a.set_value(key, FloatValue(1, 2.5))
    assert a.get_value(key) == FloatValue([1.0, 2.5])
    assert a.get_value("weight") is a.get_value(key)
    a.set_value("names", ["x", "y"])
    assert a.get_value("names") == StringValue("x", "y")
    a.set_value("link", LinkValue(a, FloatValue(1)))
    assert a.get_value("link")[0] is a
    assert {k.name for k in a.keys()} == {"weight", "names", "link"}
    a.set_value("names", None)
    assert a.get_value("names") is None
    assert a.get_value("never-set") is None
    with pytest.raises(ValueTypeError):
        a.set_value("bad", object())
    with pytest.raises(ValueTypeError):
        FloatValue("x")


def test_incoming_sets_bucketed_by_type(space):
    a, b, c = (space.add_node("Concept", n) for n in "abc")
    i1 = space.add_link("Inheritance", [a, b])
    i2 = space.add_link("Inheritance", [c, a])
    m = space.add_link("Member", [a, c])
    assert set(a.incoming) == {i1, i2, m}
    assert set(a.incoming_by_type("InheritanceLink")) == {i1, i2}
    assert a.incoming_by_type("Member") == (m,)
    assert a.incoming_by_type("OrderedLink") == ()
    assert set(a.incoming_by_type("OrderedLink", subtypes=True)) == {i1, i2, m}
    assert b.incoming == (i1,)
    assert i1.incoming == ()


def test_type_index_with_and_without_subtypes(space):
    space.add_node("GroundedSchemaNode", "py:f")
    space.add_node("SchemaNode", "s")
    space.add_node("Concept", "c")
    assert len(space.get_atoms_by_type("SchemaNode")) == 2
    assert len(space.get_atoms_by_type("SchemaNode", subtypes=False)) == 1
    assert len(space.get_atoms_by_type("Node")) == 3
    assert space.count_by_type("Node") == 3


def test_removal(space):
    a, b = space.add_node("Concept", "a"), space.add_node("Concept", "b")
    ab = space.add_link("List", [a, b])
    outer = space.add_link("List", [ab, a])
    with pytest.raises(IncomingSetError, match="recursive=True"):
        space.remove(a)
    assert a in space and len(space) == 4
    assert space.remove(a, recursive=True) == 3
    assert a not in space and ab not in space and outer not in space
    assert b in space and b.incoming == ()
    with pytest.raises(AtomNotInSpaceError):
        space.remove(a)
    with pytest.raises(AtomNotInSpaceError):
        a.tv = stv(0.5, 0.5)
    # re-adding makes a fresh atom
    assert space.add_node("Concept", "a") is not a


def test_state_link_keeps_one_closed_state_per_key(space):
    key = space.add_node("Anchor", "colour")
    red, blue = space.add_node("Concept", "red"), space.add_node("Concept", "blue")
    first = space.add_link("State", [key, red])
    second = space.add_link("State", [key, blue])
    assert first not in space and second in space
    assert key.incoming_by_type("StateLink") == (second,)
    # an open StateLink (a pattern) does not replace the state
    var = space.add_node("Variable", "$x")
    pattern = space.add_link("State", [key, var])
    assert second in space and pattern in space


def test_define_link_refuses_a_second_definition(space):
    name = space.add_node("DefinedSchema", "f")
    body1 = space.add_node("Concept", "one")
    body2 = space.add_node("Concept", "two")
    d = space.add_link("Define", [name, body1])
    assert space.add_link("Define", [name, body1]) is d
    with pytest.raises(DefinitionError, match="already defined"):
        space.add_link("Define", [name, body2])
    assert name.incoming_by_type("DefineLink") == (d,)


def test_closed_delete_link_removes_its_contents(space):
    a, b = space.add_node("Concept", "a"), space.add_node("Concept", "b")
    ab = space.add_link("Inheritance", [a, b])
    assert space.add_link("Delete", [ab]) is None
    assert ab not in space and a in space
    assert space.get_atoms_by_type("DeleteLink") == []
    var = space.add_node("Variable", "$x")
    open_delete = space.add_link("Delete", [space.add_link("Inheritance", [var, b])])
    assert open_delete in space


def test_constructors_use_the_current_space():
    with pytest.raises(NoCurrentAtomSpaceError):
        ConceptNode("x")
    outer, inner = AtomSpace(), AtomSpace()
    with outer:
        x = ConceptNode("x")
        with inner:
            y = ConceptNode("y")
        z = Inheritance(x, ConceptNode("z"), tv=stv(0.5, 0.5))
    assert x in outer and y in inner and y not in outer
    assert z.tv == stv(0.5, 0.5)
    with outer:
        assert atomtrig.ListLink([x, x]).arity == 2


def test_atoms_from_another_space_are_copied_in(space):
    other = AtomSpace()
    a = other.add_node("Concept", "a", tv=stv(0.5, 0.5))
    link = space.add_link("List", [a])
    copied = link.out[0]
    assert copied is not a and copied in space and copied.tv == stv(0.5, 0.5)


def test_repr_is_atomese(space):
    a = space.add_node("Concept", 'say "hi"\n', tv=stv(0.5, 1))
    link = space.add_link("Evaluation", [space.add_node("Predicate", "p"), space.add_link("List", [a])])
    assert repr(a) == '(ConceptNode "say \\"hi\\"\\n" (stv 0.5 1))'
    assert repr(link) == (
        "(EvaluationLink\n"
        '  (PredicateNode "p")\n'
        "  (ListLink\n"
        '    (ConceptNode "say \\"hi\\"\\n" (stv 0.5 1))))'
    )


def test_iteration_puts_contents_before_containers(space):
    a = space.add_node("Concept", "a")
    inner = space.add_link("List", [a])
    outer = space.add_link("Set", [inner])
    seen: set[int] = set()
    for atom in space:
        assert all(id(c) in seen for c in atom.out)
        seen.add(id(atom))
    assert len(seen) == 3 and outer in list(space)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.booleans(),
            st.sampled_from(["List", "Inheritance", "Member", "Set"]),
            st.lists(st.integers(0, 3), min_size=1, max_size=3),
        ),
        max_size=40,
    )
)
def test_incoming_sets_agree_with_a_scan_through_adds_and_removes(operations):
    """Whatever form an incoming set is kept in (one link, a short list, type buckets), it
    answers what a scan of every link would."""
    space = AtomSpace()
    nodes = [space.add_node("Concept", str(i)) for i in range(4)]
    for add, link_type, members in operations:
        link = space.add_link(link_type, [nodes[i] for i in members])
        if not add:
            space.remove(link, recursive=True)
    links = space.get_atoms_by_type("Link")
    for node in nodes:
        expected = {link for link in links if node in link.out}
        assert set(node.incoming) == expected
        assert len(node.incoming) == len(expected) == node.incoming_size
        for t in ["ListLink", "InheritanceLink", "MemberLink", "SetLink"]:
            assert set(node.incoming_by_type(t)) == {x for x in expected if x.type.name == t}
        assert set(node.incoming_by_type("OrderedLink", subtypes=True)) == {
            x for x in expected if not x.type.unordered
        }
        assert (node._incoming is None) == (not expected)
