"""The fused LALR driver reads exactly what Lark's own LALR parser reads from the same table,
and fails at the same token with the same expected terminals."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from lark.exceptions import UnexpectedToken

import atomtrig
from atomtrig.atomese import load_atoms
from atomtrig.atomese.data import Source
from atomtrig.atomese.errors import AtomeseSyntaxError
from atomtrig.atomese.grammar import _parse_error, _parser
from atomtrig.atomese.reader import DatumReader

names = st.sampled_from(["Concept", "ConceptNode", "Predicate", "List", "Inheritance", "define", "x"])
strings = st.text(alphabet='ab "\\\n', max_size=4).map(
    lambda t: '"' + t.replace("\\", "\\\\").replace('"', '\\"') + '"'
)
leaves = st.one_of(
    st.builds(lambda n, s: f"({n} {s})", names, strings),
    st.sampled_from(["(stv 0.5 0.25)", "(ctv 1 0.5 3)", "42", "-1.5", "#t", "foo", "#\\a", "'x"]),
    strings,
)
data = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.builds(lambda n, xs: f"({n} " + " ".join(xs) + ")", names, st.lists(inner, max_size=4)),
        st.builds(lambda xs: "(" + " ".join(xs) + ")", st.lists(inner, max_size=3)),
        inner.map(lambda x: "'" + x),
    ),
    max_leaves=12,
)
noise = st.sampled_from(["", " ", "\n", ")", "(", "; c\n", "'", ",@"])


def _both(text: str) -> tuple[Any, Any]:
    driver, transformer = _parser(DatumReader)
    results = []
    for run in (lambda src: driver.parse(text, src), lambda src: driver.lark.parse(text)):
        src = Source(text, "t")
        transformer.setup(src)
        try:
            results.append(("ok", repr(run(src))))
        except UnexpectedToken as err:
            results.append(("error", str(_parse_error(src, err))))
        except AtomeseSyntaxError as err:
            results.append(("error", str(err)))
    return results[0], results[1]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(data, noise), max_size=6))
def test_driver_matches_larks_parser(parts: list[tuple[str, str]]) -> None:
    text = "".join(d + n for d, n in parts)
    ours, larks = _both(text)
    assert ours == larks


def test_self_loops_and_default_reductions_are_found() -> None:
    driver, _ = _parser(DatumReader)
    # Every list of data (the top level, inside HEAD... and inside LPAR...) loops on a literal.
    assert len(driver.loops) == 3
    assert all({"FLAT", "NODE", "TV", "STRING", "ATOM", "CHAR"} <= set(loop) for loop in driver.loops.values())
    assert driver.defaults


def test_a_node_removed_between_loads_is_added_again() -> None:
    space = atomtrig.AtomSpace()
    load_atoms(space, '(List (Concept "a") (Concept "b"))')
    a = space.get_node("Concept", "a")
    space.remove(a, recursive=True)
    load_atoms(space, '(Concept "z") (List (Concept "a") (Concept "b")) (List (Concept "a") (Concept "c"))')
    fresh = space.get_node("Concept", "a")
    assert fresh is not None and fresh is not a
    assert len(fresh.incoming) == 2
