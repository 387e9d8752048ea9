"""Threads cannot corrupt a store: after any mix of threads, transactions (nested ones too),
rollbacks, recursive removals, truth values and values, what a reopen shows equals what memory
showed at close."""

from __future__ import annotations

import random
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import atomtrig
from storage_support import BACKENDS, Store, snapshot

NAMES = [f"n{i}" for i in range(12)]


class Rollback(Exception):
    pass


def _step(space: atomtrig.AtomSpace, rnd: random.Random, depth: int = 0) -> None:
    """One random operation; inside a transaction sometimes a nested one, sometimes a raise."""
    roll = rnd.random()
    a = space.add_node("Concept", rnd.choice(NAMES))
    b = space.add_node("Concept", rnd.choice(NAMES))
    if roll < 0.3:
        space.add_link(rnd.choice(["List", "Inheritance", "Set"]), [a, b])
    elif roll < 0.45:
        space.remove(b, recursive=True)
    elif roll < 0.6:
        space.set_tv(a, atomtrig.stv(rnd.random(), rnd.random()))
    elif roll < 0.75:
        key = space.add_node("Predicate", rnd.choice(["w", "h"]))
        space.set_value(a, key, atomtrig.FloatValue([rnd.random()]))
    elif roll < 0.85 and depth < 2:
        try:
            with space.transaction():
                for _ in range(rnd.randint(1, 3)):
                    _step(space, rnd, depth + 1)
                if rnd.random() < 0.4:
                    raise Rollback
        except Rollback:
            pass
    else:
        link = space.get_link("List", [a, b])
        if link is not None:
            space.remove(link)


def _worker(space: atomtrig.AtomSpace, seed: int, rounds: int, failures: list[BaseException]) -> None:
    rnd = random.Random(seed)
    for _ in range(rounds):
        try:
            with space.transaction():
                for _ in range(rnd.randint(1, 4)):
                    _step(space, rnd)
                if rnd.random() < 0.5:
                    raise Rollback
        except Rollback:
            pass
        except atomtrig.AtomNotInSpaceError:
            pass  # another thread removed an atom this one was using: a normal race
        except BaseException as error:  # noqa: BLE001 - reported by the test
            failures.append(error)


def _run_threads(space: atomtrig.AtomSpace, seed: int, threads: int, rounds: int) -> None:
    failures: list[BaseException] = []
    workers = [threading.Thread(target=_worker, args=(space, seed * 100 + i, rounds, failures))
               for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []


@pytest.mark.parametrize("kind", BACKENDS)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), threads=st.integers(2, 4))
def test_threads_rollbacks_and_removals_then_reopen_equals_memory(
    kind: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest,
    seed: int, threads: int,
) -> None:
    store = Store.fresh(kind, tmp_path_factory.mktemp("threads"), request)
    space = store.open()
    _run_threads(space, seed, threads, rounds=60)
    in_memory = snapshot(space)
    again = store.reopen(space)
    try:
        assert snapshot(again) == in_memory
    finally:
        again.close()


def test_transactions_on_a_plain_space_from_several_threads() -> None:
    """A space with no store gets an undo log per transaction; several threads may hold one at
    once (they are per thread)."""
    space = atomtrig.AtomSpace()
    _run_threads(space, seed=7, threads=4, rounds=150)
    assert space.store is None  # nothing stays attached once every transaction is over
    with space.transaction():
        space.add_node("Concept", "after")
    assert space.get_node("Concept", "after") is not None


def test_a_rolled_back_removal_raced_by_another_thread_leaves_a_consistent_store(tmp_path: Path) -> None:
    """The case that once corrupted stores: one thread removes an atom inside a transaction and
    rolls back, while another re-adds the same atom and links it."""
    store = Store("sqlite", tmp_path)
    space = store.open()
    a, b = space.add_node("Concept", "a"), space.add_node("Concept", "b")
    space.add_link("List", [a, b])
    removed = threading.Event()
    readded = threading.Event()

    def remover() -> None:
        try:
            with space.transaction():
                space.remove(b, recursive=True)
                removed.set()
                readded.wait(10)
                raise Rollback
        except Rollback:
            pass

    thread = threading.Thread(target=remover)
    thread.start()
    removed.wait(10)
    b2 = space.add_node("Concept", "b")  # a new atom: the old one is removed (uncommitted)
    space.add_link("Inheritance", [a, b2])
    readded.set()
    thread.join()
    in_memory = snapshot(space)
    assert '(ListLink (ConceptNode "a") (ConceptNode "b"))' in in_memory
    again = store.reopen(space)
    try:
        assert snapshot(again) == in_memory
    finally:
        again.close()


@pytest.mark.parametrize("kind", BACKENDS)
@pytest.mark.parametrize("outcome", ["commit", "rollback"])
def test_an_atom_added_again_while_its_removal_is_uncommitted_is_a_new_atom(
    kind: str, outcome: str, tmp_path: Path, request: pytest.FixtureRequest,
) -> None:
    """One thread removes an atom (with a value, a value keyed by it and links holding it)
    inside a transaction; before that commits or rolls back, another thread adds the same atom
    again. The new atom must not take over the removed one's row, with the values it still
    holds there (the store once came back with values memory did not have)."""
    store = Store.fresh(kind, tmp_path, request)
    space = store.open()
    a, b = space.add_node("Concept", "a"), space.add_node("Concept", "b")
    w = space.add_node("Predicate", "w")
    space.set_tv(a, atomtrig.stv(0.3, 0.4))
    space.set_value(a, w, atomtrig.FloatValue([1.0]))
    space.set_value(b, a, atomtrig.FloatValue([2.0]))
    held = space.add_link("List", [a, b])
    space.set_value(held, w, atomtrig.FloatValue([3.0]))
    space.add_link("Inheritance", [held, b])
    removed, readded = threading.Event(), threading.Event()

    def remover() -> None:
        try:
            with space.transaction():
                space.remove(a, recursive=True)
                removed.set()
                readded.wait(10)
                if outcome == "rollback":
                    raise Rollback
        except Rollback:
            pass

    thread = threading.Thread(target=remover)
    thread.start()
    assert removed.wait(10)
    again_a = space.add_node("Concept", "a")  # a new atom: the old one's removal is uncommitted
    space.add_link("Set", [again_a, b])
    assert space.store.backend.check() == "ok"  # no stored link holds a removed atom
    readded.set()
    thread.join()
    in_memory = snapshot(space)
    if outcome == "commit":
        assert in_memory['(ConceptNode "a")'] == ("(stv 1 0)", ())
        assert in_memory['(ConceptNode "b")'] == ("(stv 1 0)", ())
        assert '(ListLink (ConceptNode "a") (ConceptNode "b"))' not in in_memory
    else:
        assert in_memory['(ConceptNode "a")'][1] == (('(PredicateNode "w")', "(FloatValue 1)"),)
        assert '(ListLink (ConceptNode "a") (ConceptNode "b"))' in in_memory
    reopened = store.reopen(space)
    try:
        assert snapshot(reopened) == in_memory
    finally:
        reopened.close()
