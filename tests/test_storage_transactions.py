"""``space.transaction()``: all or nothing, in the store and in memory, on every backend and on a
plain in-memory space."""

from __future__ import annotations

import pytest
from storage_support import BACKENDS, Store, empty_postgres, snapshot

import atomtrig
from atomtrig import FloatValue, stv
from atomtrig.storage import StorageError


@pytest.fixture(params=BACKENDS + ["none"])
def store(request: pytest.FixtureRequest, tmp_path) -> Store | None:
    """Each backend's store (the shared fixture's), and "none": a plain in-memory space."""
    if request.param == "none":
        return None
    location = None
    if request.param == "postgresql":
        location = request.getfixturevalue("postgres_database")
        empty_postgres(location)
    return Store(request.param, tmp_path, location)


def _open(store: Store | None) -> atomtrig.AtomSpace:
    return atomtrig.AtomSpace() if store is None else store.open()


def _reopen(store: Store | None, space: atomtrig.AtomSpace) -> atomtrig.AtomSpace:
    return space if store is None else store.reopen(space)


def _populate(space: atomtrig.AtomSpace) -> None:
    a, b, c = (space.add_node("Concept", n) for n in "abc")
    ab = space.add_link("Inheritance", [a, b], tv=stv(0.5, 0.5))
    space.add_link("List", [ab, c])
    a.set_value("w", [1])
    space.add_link("State", [c, space.add_node("Concept", "on")])


def _mutate(space: atomtrig.AtomSpace) -> None:
    a, b, c = (space.get_node("Concept", n) for n in "abc")
    d = space.add_node("Concept", "d", tv=stv(0.1, 0.1))
    space.add_link("Inheritance", [d, a])
    a.tv = stv(0.9, 0.9)
    a.set_value("w", [2])
    a.set_value("new", [3])
    b.set_value("w", None)
    space.remove(b, recursive=True)  # takes (Inheritance a b) and (List (Inheritance a b) c)
    space.add_link("State", [c, space.add_node("Concept", "off")])  # replaces (State c on)
    space.add_link("Delete", [space.get_node("Concept", "on")])


def test_an_exception_rolls_back_memory_and_store(store: Store | None) -> None:
    space = _open(store)
    _populate(space)
    before = snapshot(space)
    with pytest.raises(RuntimeError, match="abort"):
        with space.transaction():
            _mutate(space)
            assert snapshot(space) != before
            raise RuntimeError("abort")
    assert snapshot(space) == before
    space = _reopen(store, space)
    assert snapshot(space) == before
    # The restored atoms are live and usable.
    b = space.get_node("Concept", "b")
    assert b.incoming_by_type("InheritanceLink")[0].tv == stv(0.5, 0.5)
    if store is not None:
        space.close()


def test_a_transaction_that_ends_normally_commits_everything(store: Store | None) -> None:
    space = _open(store)
    _populate(space)
    with space.transaction():
        _mutate(space)
    after = snapshot(space)
    space = _reopen(store, space)
    assert snapshot(space) == after
    if store is not None:
        space.close()


def test_an_inner_block_that_raises_undoes_only_itself(store: Store | None) -> None:
    space = _open(store)
    with space.transaction():
        keep = space.add_node("Concept", "keep")
        try:
            with space.transaction():
                space.add_node("Concept", "drop")
                keep.tv = stv(0.3, 0.3)
                space.remove(keep)
                raise KeyError("inner")
        except KeyError:
            pass
        revived = space.get_node("Concept", "keep")
        assert revived is not None and revived.tv == atomtrig.DEFAULT_TV
        revived.set_value("v", [1])
    space = _reopen(store, space)
    assert [a.short() for a in space if a.is_a("ConceptNode")] == ['(ConceptNode "keep")']
    assert space.get_node("Concept", "keep").get_value("v") == FloatValue(1)
    if store is not None:
        space.close()


def test_a_rolled_back_removal_brings_back_truth_values_and_values(store: Store | None) -> None:
    space = _open(store)
    a = space.add_node("Concept", "a", tv=stv(0.2, 0.4))
    key = space.add_node("Predicate", "key")
    a.set_value(key, [7])
    link = space.add_link("List", [a, key], tv=stv(0.6, 0.6))
    link.set_value("on-link", ["s"])
    with pytest.raises(ZeroDivisionError):
        with space.transaction():
            space.remove(key, recursive=True)
            space.remove(a, recursive=True)
            1 / 0
    a2 = space.get_node("Concept", "a")
    assert a2.tv == stv(0.2, 0.4) and a2.get_value("key") == FloatValue(7)
    link2 = space.get_link("List", [a2, space.get_node("Predicate", "key")])
    assert link2.tv == stv(0.6, 0.6) and link2.get_value("on-link") is not None
    space = _reopen(store, space)
    assert space.get_node("Concept", "a").get_value("key") == FloatValue(7)
    if store is not None:
        space.close()


def test_each_call_outside_a_transaction_commits_by_itself(tmp_path) -> None:
    store = Store("sqlite", tmp_path)
    space = store.open()
    space.add_node("Concept", "one")
    # Read the file from the side, through a second connection's view of what is committed:
    # the only way to see it while the store is held exclusively is to close it.
    space.close()
    import sqlite3

    rows = sqlite3.connect(store.path).execute("SELECT name FROM atoms").fetchall()
    assert rows == [("one",)]


def test_a_failed_commit_rolls_back_memory(tmp_path, monkeypatch) -> None:
    store = Store("sqlite", tmp_path)
    space = store.open()
    space.add_node("Concept", "before")
    backend = space.store.backend

    def broken(batch):
        raise StorageError("disk full (simulated)")

    monkeypatch.setattr(backend, "apply", broken)
    with pytest.raises(StorageError, match="disk full"):
        with space.transaction():
            space.add_node("Concept", "during")
    assert space.get_node("Concept", "during") is None
    monkeypatch.undo()
    space = store.reopen(space)
    assert [a.name for a in space] == ["before"]
    space.close()


def test_a_plain_space_has_no_store_after_a_transaction() -> None:
    space = atomtrig.AtomSpace()
    with space.transaction():
        space.add_node("Concept", "x")
    assert space.store is None and space.get_node("Concept", "x") is not None


def test_transactions_in_several_threads_commit_and_roll_back_independently(
    store: Store | None,
) -> None:
    import threading

    space = _open(store)
    hub = space.add_node("Concept", "hub")
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(40):
                try:
                    with space.transaction():
                        node = space.add_node("Concept", f"t{n}-{i}")
                        space.add_link("Inheritance", [node, hub])
                        node.set_value("i", [i])
                        if i % 3 == 0:
                            raise KeyError("abort")
                except KeyError:
                    pass
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    names = {a.name for a in space.get_atoms_by_type("ConceptNode")} - {"hub"}
    assert names == {f"t{n}-{i}" for n in range(3) for i in range(40) if i % 3}
    before = snapshot(space)
    space = _reopen(store, space)
    assert snapshot(space) == before
    if store is not None:
        space.close()


def test_each_api_call_is_one_commit_and_a_state_swap_is_one(monkeypatch) -> None:
    from atomtrig.storage import MemoryBackend

    backend = MemoryBackend()
    space = atomtrig.AtomSpace.open(backend)
    batches = []
    real_apply = backend.apply

    def counting(batch):
        batches.append(batch)
        return real_apply(batch)

    monkeypatch.setattr(backend, "apply", counting)
    lamp = space.add_node("Concept", "lamp")
    on, off = space.add_node("Concept", "on"), space.add_node("Concept", "off")
    assert len(batches) == 3
    space.add_link("State", [lamp, on])
    assert len(batches) == 4
    space.add_link("State", [lamp, off])  # inserts the new state and removes the old: one commit
    assert len(batches) == 5
    swap = batches[-1]
    assert len(swap.inserts) == 1 and len(swap.removals) == 1
    lamp.tv = stv(0.5, 0.5)
    assert len(batches) == 6
    weight = space.add_node("Predicate", "w")
    lamp.set_value(weight, [1])
    assert len(batches) == 8
    lamp.set_value("w", [2])  # a key given by name that exists: one commit
    assert len(batches) == 9
    with space.transaction():
        for i in range(10):
            space.add_node("Concept", f"n{i}")
    assert len(batches) == 10 and len(batches[-1].inserts) == 10
    space.close()


def test_a_failed_auto_commit_is_retried_with_the_next_one(tmp_path, monkeypatch) -> None:
    store = Store("sqlite", tmp_path)
    space = store.open()
    backend = space.store.backend
    real_apply = backend.apply

    def broken(batch):
        raise StorageError("disk full (simulated)")

    monkeypatch.setattr(backend, "apply", broken)
    with pytest.raises(StorageError, match="disk full"):
        space.add_node("Concept", "first")
    assert space.get_node("Concept", "first") is not None  # made in memory
    monkeypatch.setattr(backend, "apply", real_apply)
    space.add_node("Concept", "second")
    space = store.reopen(space)
    assert {a.short() for a in space} == {'(ConceptNode "first")', '(ConceptNode "second")'}
    space.close()


def test_a_rolled_back_clear_brings_every_atom_back(store: Store | None) -> None:
    space = _open(store)
    _populate(space)
    space.get_node("Concept", "b").set_value(space.get_node("Concept", "c"), [5])  # atom key
    before = snapshot(space)
    with pytest.raises(RuntimeError):
        with space.transaction():
            space.clear()
            space.add_node("Concept", "after-clear")
            raise RuntimeError("roll back")
    assert snapshot(space) == before
    space = _reopen(store, space)
    assert snapshot(space) == before
    with space.transaction():
        space.clear()
    space = _reopen(store, space)
    assert len(space) == 0
    if store is not None:
        space.close()


def test_a_value_set_before_a_rolled_back_clear_comes_back_as_it_was(store: Store | None) -> None:
    """Undoing runs backwards in time: a value whose key atom the clear removed is restored
    when that key comes back, and a value set earlier in the block is then undone over it."""
    space = _open(store)
    a = space.add_node("Concept", "a")
    with space.transaction():
        b = space.add_node("Concept", "b")
        a.set_value("lv", atomtrig.LinkValue(b, stv(0.5, 0.5)))
    before = snapshot(space)
    with pytest.raises(RuntimeError):
        with space.transaction():
            a.set_value("lv", atomtrig.LinkValue(a, stv(0.5, 0.5)))
            space.clear()
            raise RuntimeError("roll back")
    assert snapshot(space) == before
    restored = space.get_node("Concept", "a").get_value("lv")
    assert restored[0].name == "b"
    space = _reopen(store, space)
    assert snapshot(space) == before
    if store is not None:
        space.close()
