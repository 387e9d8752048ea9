"""The Atomese reader and grammar: tokens, comments, strings, errors, and print -> read."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import atomtrig
from atomtrig.atomese import AtomeseSyntaxError, load_atoms, read, sym
from atomtrig.atomese.data import Char, SList, decode_string, to_write
from atomtrig.atomese.grammar import grammar_path, grammar_text
from atomtrig.core.printer import quote_string, to_sexpr
from atomtrig.core.truthvalue import ctv, stv

REPO = Path(__file__).resolve().parent.parent


def test_the_grammar_loaded_is_the_one_in_grammar_folder() -> None:
    assert grammar_path().resolve() == (REPO / "grammar" / "atomese.lark").resolve()
    assert grammar_text() == (REPO / "grammar" / "atomese.lark").read_text()


def test_bare_tokens() -> None:
    assert read("42 -7 2.5 -1e3 .5 1/2 4/2 #t #f #true #false x cog-execute! $X + -") == [
        42, -7, 2.5, -1000.0, 0.5, Fraction(1, 2), 2, True, False, True, False,
        sym("x"), sym("cog-execute!"), sym("$X"), sym("+"), sym("-"),
    ]


def test_comments_of_all_three_kinds_are_ignored() -> None:
    text = '#!/usr/bin/env guile\n!#\n; line\n(a #| block\n ( ) " |# b) ; end\n#| x |#'
    assert read(text) == [[sym("a"), sym("b")]]


def test_strings_with_escapes() -> None:
    forms = read(r'"a\"b" "tab\there" "nl\n" "back\\slash" "\x41;\u00e9" "line\
    continued"')
    assert forms == ['a"b', "tab\there", "nl\n", "back\\slash", "Aé", "linecontinued"]


def test_characters_and_quotes() -> None:
    forms = read("#\\a #\\space '(1 2) `(a ,b ,@c)")
    assert forms[0] == Char("a") and forms[1] == Char(" ")
    assert to_write(forms[2]) == "(quote (1 2))"
    assert to_write(forms[3]) == "(quasiquote (a (unquote b) (unquote-splicing c)))"


def test_node_and_truth_value_literals_read_as_the_lists_they_are() -> None:
    a, b = read('(ConceptNode "x" ) (stv 0.5 1)')
    assert isinstance(a, SList) and a == [sym("ConceptNode"), "x"]
    assert b == [sym("stv"), 0.5, 1]


def test_forms_remember_their_location() -> None:
    forms = read('\n\n   (define x\n  (Concept "a"))', "f.scm")
    assert str(forms[0].location) == "f.scm:3:4"
    assert str(forms[0][2].location) == "f.scm:4:3"


@pytest.mark.parametrize(
    "text, where, message",
    [
        ('(Concept "a"\n(List', "f.scm:2:6", "opened at line 2, column 1: a ')' is missing"),
        ('(a))', "f.scm:1:4", "unexpected ')'"),
        ('(display "abc)', "f.scm:1:10", "unterminated string"),
        ('(a #| never closed', "f.scm:1:4", "unterminated #| comment"),
        ('"\\q"', "f.scm:1:1", "unknown escape"),
    ],
)
def test_syntax_errors_are_located_with_a_caret(text: str, where: str, message: str) -> None:
    with pytest.raises(AtomeseSyntaxError) as info:
        read(text, "f.scm")
    shown = str(info.value)
    assert shown.startswith(where + ": syntax error")
    assert message in shown
    line, column = int(where.split(":")[1]), int(where.split(":")[2])
    lines = shown.split("\n")
    assert lines[1] == "  " + text.split("\n")[line - 1]
    assert lines[2] == "  " + " " * (column - 1) + "^"


def test_syntax_errors_say_what_was_expected() -> None:
    with pytest.raises(AtomeseSyntaxError) as info:
        read("(a (b c)")
    assert "')'" in str(info.value).split("expected one of:")[1]
    assert "RPAR" in info.value.expected


# -- printing then reading gives the same atoms ----------------------------------------------
names = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
unit = st.floats(min_value=0, max_value=1, allow_nan=False)
tvs = st.one_of(
    st.none(),
    st.builds(stv, unit, unit),
    st.builds(ctv, unit, unit, st.floats(min_value=0, max_value=1e6, allow_nan=False)),
)
NODE_TYPES = ["ConceptNode", "PredicateNode", "VariableNode", "AnchorNode", "SchemaNode"]
LINK_TYPES = ["ListLink", "InheritanceLink", "EvaluationLink", "SetLink", "AndLink", "MemberLink"]

node_specs = st.tuples(st.just("node"), st.sampled_from(NODE_TYPES), names, tvs) | st.tuples(
    st.just("number"), st.just("NumberNode"),
    st.floats(allow_nan=False, allow_infinity=False, width=32), tvs,
)
atom_specs = st.recursive(
    node_specs,
    lambda children: st.tuples(
        st.just("link"), st.sampled_from(LINK_TYPES), st.lists(children, max_size=4), tvs
    ),
    max_leaves=12,
)


def build(space: atomtrig.AtomSpace, spec: tuple) -> atomtrig.Atom:
    kind, t, body, tv = spec
    if kind == "link":
        return space.add_link(t, [build(space, c) for c in body], tv)
    return space.add_node(t, body, tv)


def atom_texts(space: atomtrig.AtomSpace) -> set[str]:
    return {to_sexpr(a) for a in space}


@settings(max_examples=60, deadline=None)
@given(st.lists(atom_specs, min_size=1, max_size=4))
def test_printing_then_loading_gives_the_same_atoms(specs: list[tuple]) -> None:
    original = atomtrig.AtomSpace()
    for spec in specs:
        build(original, spec)
    copy = atomtrig.AtomSpace()
    load_atoms(copy, original.to_atomese())
    assert atom_texts(copy) == atom_texts(original)
    assert len(copy) == len(original)


@settings(max_examples=40, deadline=None)
@given(atom_specs)
def test_printing_then_evaluating_gives_the_same_atom(spec: tuple) -> None:
    original = atomtrig.AtomSpace()
    atom = build(original, spec)
    copy = atomtrig.AtomSpace()
    again = copy.eval_atomese(to_sexpr(atom))
    assert to_sexpr(again) == to_sexpr(atom)
    assert again.tv == atom.tv


@settings(max_examples=100, deadline=None)
@given(names)
def test_string_literals_round_trip(text: str) -> None:
    assert decode_string(quote_string(text)) == text
    assert read(quote_string(text)) == [text]


def test_the_grammar_ships_inside_the_package() -> None:
    # atomtrig/grammar links to grammar/, and package data takes grammar/*.lark into the wheel
    # (checked by hand with `pip wheel . --no-deps`: atomtrig/grammar/atomese.lark is inside).
    assert (REPO / "atomtrig" / "grammar").resolve() == (REPO / "grammar").resolve()
    assert '"grammar/*.lark"' in (REPO / "pyproject.toml").read_text()
