"""The seed's four trigger examples run as Atomese scripts (s-expression form, and verbatim in the
seed's indented notation), with their expected output; and the indented notation reader."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import atomtrig
from atomtrig.atomese.errors import AtomeseSyntaxError
from atomtrig.atomese.indented import read_indented

EXAMPLES = Path(__file__).resolve().parents[1] / "scheme_examples"
SCRIPTS = sorted(EXAMPLES.glob("seed_*.scm"))


@pytest.fixture(autouse=True)
def schemas_allowed():
    """The seed's examples call .py schema files beside them: allowed, as `--allow-schemas`."""
    atomtrig.allow_schemas(EXAMPLES)  # the suite's conftest restores the allow-list


def run_script(path: Path) -> str:
    space = atomtrig.AtomSpace()
    buffer = io.StringIO()
    try:
        with contextlib.redirect_stdout(buffer):
            space.load_atomese(path)
            space.wait_for_triggers(30)
    finally:
        space.triggers.close()
    return buffer.getvalue()


def test_there_are_eight_seed_scripts():
    assert len(SCRIPTS) == 8


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_seed_example_output(script):
    expected = script.with_suffix(".expected").read_text(encoding="utf-8")
    assert run_script(script) == expected


def test_verbatim_seed_text_reads_as_intended():
    space = atomtrig.AtomSpace()
    result = read_indented(space, (EXAMPLES / "seed_strength.atomese").read_text(encoding="utf-8"))
    bind = result["123"]
    assert bind.type.name == "BindLink"
    decl, body, rewrite = bind.out
    assert decl.short() == '(TypedVariableLink (VariableNode "$X") (TypeNode "ConceptNode"))'
    assert len(body.out) == 3 and body.type.name == "AndLink"
    assert rewrite.short() == '(ExecutionOutputLink (PredicateNode "eat") (VariableNode "$X"))'
    trigger = result.atoms[-1]
    assert trigger.type.name == "StrengthTriggerLink"
    assert trigger.out[0] is result["456"] and trigger.out[1] is bind
    assert trigger.out[2].name == "0.8"
    space.triggers.close()


def test_verbatim_forall_rule():
    space = atomtrig.AtomSpace()
    result = read_indented(space, (EXAMPLES / "seed_relationship.atomese").read_text(encoding="utf-8"))
    rule = result["777"]
    assert rule.out[0].short() == ('(VariableList (TypedVariableLink (VariableNode "$W") (TypeNode "PredicateNode")) '
                                   '(TypedVariableLink (VariableNode "$X") (TypeNode "PredicateNode")))')
    assert result["888"].short() == '(VariableNode "$W")'
    sat = rule.out[1].out[1]
    assert sat.out[0].short() == '(TypedVariableLink (VariableNode "$Z") (TypeNode "ConceptNode"))'
    assert result["666"].out[0].short() == '(VariableNode "$X")'  # "VariableNode $X": no restriction
    assert space.triggers.triggers()[0].variable is result["888"]
    space.triggers.close()


def test_indented_errors_are_clear():
    space = atomtrig.core.CoreAtomSpace()
    with pytest.raises(AtomeseSyntaxError, match="does not label"):
        read_indented(space, "ListLink\n    [9]\n")
    with pytest.raises(AtomeseSyntaxError, match="unknown atom type"):
        read_indented(space, "ConceptNod \"x\"\n")
    with pytest.raises(AtomeseSyntaxError, match="indented notation"):
        read_indented(space, "ListLink\n    ConceptNode \"a\" ))\n")
    with pytest.raises(AtomeseSyntaxError, match="node type"):
        read_indented(space, "ConceptNode \"a\"\n    ConceptNode \"b\"\n")
    assert len(space) == 0


names = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters='"”“\\'), max_size=8)


@st.composite
def trees(draw, depth=0):
    if depth >= 3 or draw(st.booleans()):
        return ("ConceptNode", draw(names))
    return ("ListLink", draw(st.lists(trees(depth=depth + 1), min_size=1, max_size=3)))


def render(tree, indent, width, quotes):
    pad = " " * (indent * width)
    if tree[0] == "ConceptNode":
        left, right = quotes
        return [f"{pad}ConceptNode {left}{tree[1]}{right}"]
    lines = [f"{pad}ListLink"]
    for child in tree[1]:
        lines += render(child, indent + 1, width, quotes)
    return lines


def build(space, tree):
    if tree[0] == "ConceptNode":
        return space.add_node("Concept", tree[1])
    return space.add_link("List", [build(space, c) for c in tree[1]])


@settings(max_examples=60, deadline=None)
@given(st.lists(trees(), min_size=1, max_size=3), st.sampled_from([2, 3, 4, 8]),
       st.sampled_from([('"', '"'), ("“", "”")]))
def test_indented_reads_what_it_renders(forest, width, quotes):
    text = "\n".join(line for tree in forest for line in render(tree, 0, width, quotes)) + "\n"
    space = atomtrig.core.CoreAtomSpace()
    result = read_indented(space, text)
    expected = [build(space, t) for t in forest]
    assert result.atoms == expected
