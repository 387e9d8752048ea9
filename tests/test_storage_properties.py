"""Property tests: a random sequence of operations (adds, truth values, values, removals,
transactions that commit or roll back), then a reopen, gives back exactly the space in memory,
on every backend."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from storage_support import BACKENDS, Store, snapshot

import atomtrig
from atomtrig import LinkValue, StringValue, ctv, stv

NAMES = ["a", "b", "c", "d", "e"]
unit = st.floats(0, 1, allow_nan=False)
tvs = st.one_of(st.builds(stv, unit, unit), st.builds(ctv, unit, unit, st.floats(0, 1e6)))
values = st.one_of(
    st.lists(st.floats(allow_nan=False), min_size=1, max_size=3),
    st.builds(lambda xs: StringValue(xs), st.lists(st.text(max_size=5), min_size=1, max_size=3)),
    tvs,
)

op = st.one_of(
    st.tuples(st.just("node"), st.sampled_from(NAMES), st.none() | tvs),
    st.tuples(st.just("link"), st.sampled_from(["List", "Set", "Inheritance"]),
              st.lists(st.integers(0, 30), min_size=1, max_size=3), st.none() | tvs),
    st.tuples(st.just("tv"), st.integers(0, 30), tvs),
    st.tuples(st.just("value"), st.integers(0, 30), st.sampled_from(["k1", "k2"]),
              st.none() | values),
    st.tuples(st.just("linkvalue"), st.integers(0, 30), st.integers(0, 30)),
    st.tuples(st.just("remove"), st.integers(0, 30), st.booleans()),
    st.tuples(st.just("state"), st.sampled_from(NAMES), st.sampled_from(NAMES)),
    st.tuples(st.just("clear")),
)
program = st.lists(
    st.one_of(op.map(lambda o: [o]),
              st.tuples(st.lists(op, max_size=6), st.booleans()).map(lambda t: ("tx", *t))),
    max_size=25,
)


def _pick(space: atomtrig.AtomSpace, index: int) -> atomtrig.Atom | None:
    atoms = list(space)
    return atoms[index % len(atoms)] if atoms else None


def _apply(space: atomtrig.AtomSpace, o: tuple) -> None:
    kind = o[0]
    if kind == "node":
        space.add_node("Concept", o[1], o[2])
    elif kind == "link":
        out = [_pick(space, i) for i in o[2]]
        if None not in out:
            space.add_link(o[1], out, o[3])
    elif kind == "tv":
        atom = _pick(space, o[1])
        if atom is not None:
            space.set_tv(atom, o[2])
    elif kind == "value":
        atom = _pick(space, o[1])
        if atom is not None:
            space.set_value(atom, o[2], o[3])
    elif kind == "linkvalue":
        atom, other = _pick(space, o[1]), _pick(space, o[2])
        if atom is not None:
            space.set_value(atom, "lv", LinkValue([other, stv(0.5, 0.5)]))
    elif kind == "remove":
        atom = _pick(space, o[1])
        if atom is not None and (o[2] or not atom.incoming):
            space.remove(atom, recursive=o[2])
    elif kind == "clear":
        space.clear()
    elif kind == "state":
        space.add_link("State", [space.add_node("Concept", "key-" + o[1]),
                                 space.add_node("Concept", o[2])])


class Abort(Exception):
    pass


def _run(space: atomtrig.AtomSpace, steps: list) -> None:
    for step in steps:
        if step and step[0] == "tx":
            _, ops, commit = step
            try:
                with space.transaction():
                    for o in ops:
                        _apply(space, o)
                    if not commit:
                        raise Abort
            except Abort:
                pass
        else:
            for o in step:
                _apply(space, o)


@pytest.mark.parametrize("kind", BACKENDS)
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(steps=program, more=program)
def test_random_operations_reopen_to_the_same_space(
    kind: str, request: pytest.FixtureRequest, steps: list, more: list
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = Store.fresh(kind, Path(folder), request)
        space = store.open()
        _run(space, steps)
        expected = snapshot(space)
        space = store.reopen(space)
        assert snapshot(space) == expected
        _run(space, more)  # keep going on the reopened space: ids and rows stay consistent
        expected = snapshot(space)
        space = store.reopen(space)
        assert snapshot(space) == expected
        space.close()


@settings(max_examples=40, deadline=None)
@given(before=program, inside=st.lists(op, max_size=10))
def test_a_rolled_back_transaction_restores_a_plain_space(before: list, inside: list) -> None:
    space = atomtrig.AtomSpace()
    _run(space, before)
    expected = snapshot(space)
    try:
        with space.transaction():
            for o in inside:
                _apply(space, o)
            raise Abort
    except Abort:
        pass
    assert snapshot(space) == expected
