"""Bulk loading of plain atom dumps, truth values among arguments, and dump round trips."""

from __future__ import annotations

import pytest

import atomtrig
from atomtrig.atomese import AtomeseLoadError, AtomeseSyntaxError, load_atoms
from atomtrig.atomese.dump import dump_atomese
from atomtrig.core.truthvalue import CountTruthValue, ctv, stv
from atomtrig.core.types import types
from atomtrig.core.values import FloatValue, LinkValue, StringValue


@pytest.fixture
def space() -> atomtrig.AtomSpace:
    return atomtrig.AtomSpace()


def test_every_concrete_type_loads_under_its_full_and_short_name(space: atomtrig.AtomSpace) -> None:
    for t in types:
        if t.abstract or t.name in ("DeleteLink", "DefineLink", "StateLink", "NumberNode", "TypeNode"):
            continue
        if t.is_a("TriggerLink"):  # these check their arguments; see the trigger tests
            continue
        for name in {t.name, t.short_name}:
            text = f'({name} "x")' if t.is_node else f'({name} (Concept "a") (Concept "b"))'
            atom = space.get_node("Concept", "a")
            load_atoms(space, text)
            found = (
                space.get_node(t, "x") if t.is_node
                else space.get_link(t, [space.get_node("Concept", "a"), space.get_node("Concept", "b")])
            )
            assert found is not None, name
    assert atom is not None


@pytest.mark.parametrize(
    "tv_text, tv",
    [("(stv 0.5 0.25)", stv(0.5, 0.25)), ("(ctv 0.5 0.25 7)", ctv(0.5, 0.25, 7)),
     ("(SimpleTruthValue 1 0.5)", stv(1, 0.5)), ("(CountTruthValue 0 1 3.5)", ctv(0, 1, 3.5)),
     ("(stv 1 1)", stv(1, 1))],
)
@pytest.mark.parametrize("position", [0, 1, 2])
def test_truth_values_anywhere_among_the_arguments_are_attached(
    space: atomtrig.AtomSpace, tv_text: str, tv: object, position: int
) -> None:
    args = ['(Concept "a")', '(Concept "b")']
    args.insert(position, tv_text)
    load_atoms(space, f"(Inheritance {' '.join(args)})")
    link = space.get_link("Inheritance", [space.get_node("Concept", "a"), space.get_node("Concept", "b")])
    assert link is not None and link.tv == tv and link.arity == 2
    load_atoms(space, f'(Concept "n" {tv_text})')
    assert space.get_node("Concept", "n").tv == tv


def test_truth_values_with_computed_looking_arguments_still_load(space: atomtrig.AtomSpace) -> None:
    load_atoms(space, '(Concept "a" (stv 1e-1 .5))')
    assert space.get_node("Concept", "a").tv == stv(0.1, 0.5)


def test_type_nodes_accept_quoted_symbols_and_check_the_name(space: atomtrig.AtomSpace) -> None:
    load_atoms(space, "(Type 'ConceptNode) (TypeNode \"Concept\") (TypedVariable (Variable \"$x\") (Type 'Predicate))")
    assert {a.name for a in space.get_atoms_by_type("TypeNode")} == {"ConceptNode", "PredicateNode"}
    with pytest.raises(AtomeseLoadError, match="did you mean"):
        load_atoms(space, '(TypeNode "ConcepNode")')


def test_unknown_types_suggest_the_closest_names(space: atomtrig.AtomSpace) -> None:
    with pytest.raises(AtomeseLoadError) as info:
        load_atoms(space, '\n  (Inheritance (Concpt "a") (Concept "b"))', "dump.scm")
    text = str(info.value)
    assert text.startswith("dump.scm:2:16: error: unknown atom type 'Concpt'")
    assert "Concept" in text.split("did you mean")[1]


def test_scheme_code_is_refused_with_its_place(space: atomtrig.AtomSpace) -> None:
    with pytest.raises(AtomeseLoadError, match=r"f:2:1: .*\(define \.\.\.\) is Scheme code"):
        load_atoms(space, '(Concept "a")\n(define x (Concept "b"))', "f")


def test_atoms_before_an_error_stay(space: atomtrig.AtomSpace) -> None:
    with pytest.raises(AtomeseSyntaxError):
        load_atoms(space, '(Concept "kept")\n(Concept "also kept")\n(List (Concept "x"')
    assert space.get_node("Concept", "kept") is not None
    assert space.get_node("Concept", "also kept") is not None
    with pytest.raises(AtomeseLoadError):
        load_atoms(space, '(Concept "k2") (Inheritance (Concept "y") "not an atom")')
    assert space.get_node("Concept", "k2") is not None


def test_bad_arguments_name_what_was_wrong(space: atomtrig.AtomSpace) -> None:
    with pytest.raises(AtomeseLoadError, match="argument 2 of InheritanceLink must be an atom"):
        load_atoms(space, '(Inheritance (Concept "a") 42)')
    with pytest.raises(AtomeseLoadError, match="strength must be in"):
        load_atoms(space, '(Concept "a" (stv 2 1))')
    with pytest.raises(AtomeseLoadError, match="takes 2 numbers"):
        load_atoms(space, '(Concept "a" (stv 0.5))')


def test_numbers_and_strings_with_escapes(space: atomtrig.AtomSpace) -> None:
    load_atoms(space, '(Number "3.0") (Number 4) (Concept "say \\"hi\\"\\n")')
    assert space.get_node("Number", "3") is not None
    assert space.get_node("Number", "4") is not None
    assert space.get_node("Concept", 'say "hi"\n') is not None


def test_values_round_trip_through_a_dump(space: atomtrig.AtomSpace) -> None:
    cat = space.add_node("Concept", "cat", ctv(0.5, 0.5, 3))
    link = space.add_link("List", [cat, space.add_node("Concept", "dog")], stv(0.2, 0.3))
    space.set_value(cat, "weights", FloatValue([1, 2.5]))
    space.set_value(link, "names", StringValue(["a", 'b"c']))
    space.set_value(cat, space.add_node("Concept", "key"), LinkValue([link, FloatValue([3])]))
    text = dump_atomese(space)
    copy = atomtrig.AtomSpace()
    load_atoms(copy, text)
    assert dump_atomese(copy) == text
    cat2 = copy.get_node("Concept", "cat")
    assert isinstance(cat2.tv, CountTruthValue) and cat2.tv.count == 3
    assert cat2.get_value("weights") == FloatValue([1, 2.5])
    link2 = copy.get_link("List", [cat2, copy.get_node("Concept", "dog")])
    assert link2.get_value("names") == StringValue(["a", 'b"c'])
    assert cat2.get_value(copy.get_node("Concept", "key"))[0] is link2


def test_progress_is_reported(space: atomtrig.AtomSpace) -> None:
    text = "".join(f'(List (Concept "a{i}") (Concept "b"))\n' for i in range(60000))
    seen: list[int] = []
    assert load_atoms(space, text, progress=seen.append) == 60000
    assert seen and seen == sorted(seen) and seen[-1] < len(text)
    assert len(space) == 60000 * 2 + 1


def test_flat_links_read_like_lists_and_locate_a_bad_member(space: atomtrig.AtomSpace) -> None:
    load_atoms(space, '(List (Concept "a")\n   (stv 0.5 0.5) (Number "2.0"))')
    link = space.get_link("List", [space.get_node("Concept", "a"), space.get_node("Number", "2")])
    assert link is not None and link.tv == stv(0.5, 0.5)
    with pytest.raises(AtomeseLoadError) as info:
        load_atoms(space, '(List (Concept "a") (Concpt "b"))', "f")
    assert str(info.value).startswith("f:1:21: error: unknown atom type 'Concpt'")
