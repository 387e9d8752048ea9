"""Round trips: every behaviour written once and run against every backend (in-memory and
SQLite; PostgreSQL will join the list)."""

from __future__ import annotations

import threading

import pytest
from storage_support import Store, snapshot

import atomtrig
from atomtrig import FloatValue, LinkValue, StringValue, ctv, stv
from atomtrig.storage import StoreClosedError, StoreInUseError


def test_a_new_store_opens_empty_and_reports_its_guarantees(store: Store) -> None:
    space = store.open()
    assert len(space) == 0
    backend = space.store.backend
    assert backend.transactional
    assert backend.durable == (store.kind != "memory")
    assert backend.durable_triggers == (store.kind != "memory")
    assert backend.multi_process == (store.kind != "memory")
    space.close()


def test_atoms_truth_values_and_values_survive_a_reopen(store: Store) -> None:
    atomtrig.declare_type("StorageRecordNode", ["Node"])
    atomtrig.declare_type("StorageRecordLink", ["OrderedLink"])
    space = store.open()
    cat = space.add_node("Concept", "cat", tv=stv(0.9, 0.8))
    animal = space.add_node("Concept", "animal")
    rec = space.add_node("StorageRecord", "r1", tv=ctv(0.5, 0.25, 12))
    inh = space.add_link("Inheritance", [cat, animal], tv=stv(0.25, 0.5))
    space.add_link("StorageRecordLink", [rec, inh])
    space.add_link("Set", [animal, cat])  # unordered: canonical order must come back the same
    space.add_node("Number", 3.5)
    space.add_node("Concept", 'quote " back\\slash\nnewline ünïcode')
    cat.set_value("weight", [4.2, 0.1 + 0.2])
    cat.set_value("tags", StringValue("pet", "small"))
    inh.set_value("evidence", LinkValue([cat, FloatValue(1, 2), stv(0.5, 0.5), StringValue("x")]))
    animal.set_value(space.add_node("Predicate", "best"), cat)  # an atom as a value
    animal.set_value("tv-as-value", ctv(0.1, 0.2, 3))
    before = snapshot(space)
    again = store.reopen(space)
    assert snapshot(again) == before
    cat2 = again.get_node("Concept", "cat")
    assert cat2.get_value("weight") == FloatValue(4.2, 0.1 + 0.2)  # bit for bit
    assert cat2.get_value("weight")[1] == 0.1 + 0.2
    evidence = again.get_link("Inheritance", [cat2, again.get_node("Concept", "animal")])
    assert evidence.get_value("evidence")[0] is cat2
    assert again.get_node("Concept", "animal").get_value("best") is cat2
    assert again.get_node("StorageRecord", "r1").tv == ctv(0.5, 0.25, 12)
    again.close()


def test_updates_and_removals_are_written_through(store: Store) -> None:
    space = store.open()
    a, b, c = (space.add_node("Concept", n) for n in "abc")
    ab = space.add_link("List", [a, b])
    space.add_link("List", [ab, c])
    a.tv = stv(0.1, 0.9)
    a.tv = stv(0.2, 0.9)
    a.set_value("k", [1])
    a.set_value("k", [2])
    b.set_value("gone", [3])
    b.set_value("gone", None)
    assert space.remove(b, recursive=True) == 3  # b, (List a b), (List (List a b) c)
    before = snapshot(space)
    again = store.reopen(space)
    assert snapshot(again) == before
    assert again.get_node("Concept", "b") is None
    assert again.get_node("Concept", "a").tv == stv(0.2, 0.9)
    again.close()


def test_state_links_and_delete_links_are_written_through(store: Store) -> None:
    space = store.open()
    lamp, on, off = (space.add_node("Concept", n) for n in ("lamp", "on", "off"))
    space.add_link("State", [lamp, on])
    space.add_link("State", [lamp, off])
    doomed = space.add_node("Concept", "doomed")
    space.add_link("Delete", [doomed])
    before = snapshot(space)
    again = store.reopen(space)
    assert snapshot(again) == before
    lamp2 = again.get_node("Concept", "lamp")
    assert [s.out[1].name for s in lamp2.incoming_by_type("StateLink")] == ["off"]
    assert again.get_node("Concept", "doomed") is None
    again.close()


def test_a_removed_atom_added_again_gets_a_fresh_row(store: Store) -> None:
    space = store.open()
    a = space.add_node("Concept", "a", tv=stv(0.5, 0.5))
    a.set_value("k", [1])
    space.remove(a)
    a2 = space.add_node("Concept", "a")
    space = store.reopen(space)
    again = space.get_node("Concept", "a")
    assert again is not None and again.tv == atomtrig.DEFAULT_TV and again.get_value("k") is None
    assert a2 is not again
    space.remove(again)
    space = store.reopen(space)
    assert [a.short() for a in space] == ['(PredicateNode "k")']
    space.close()


def test_a_value_holding_a_removed_atom_reads_back_as_a_removed_atom(store: Store) -> None:
    space = store.open()
    holder, gone = space.add_node("Concept", "holder"), space.add_node("Concept", "gone")
    holder.set_value("ref", LinkValue([gone]))
    space.remove(gone)
    assert holder.get_value("ref")[0]._space is None
    again = store.reopen(space)
    ref = again.get_node("Concept", "holder").get_value("ref")[0]
    assert ref.name == "gone" and ref._space is None and again.get_node("Concept", "gone") is None
    again.close()


def test_clear_is_written_through(store: Store) -> None:
    space = store.open()
    space.add_link("List", [space.add_node("Concept", "x")])
    space.clear()
    space.add_node("Concept", "after")
    again = store.reopen(space)
    assert [a.name for a in again] == ["after"]
    again.close()


def test_declared_types_come_back_before_their_atoms(store: Store) -> None:
    atomtrig.declare_type("StorageParentNode", ["Concept"])
    atomtrig.declare_type("StorageChildNode", ["StorageParentNode"])
    space = store.open()
    space.add_node("StorageChild", "kid")
    again = store.reopen(space)
    kid = again.get_node("StorageChildNode", "kid")
    assert kid.is_a("StorageParentNode") and kid.is_a("ConceptNode")
    assert "StorageChildNode" in {t.name for t in atomtrig.types.declared()}
    again.close()


def test_concurrent_writers_leave_the_store_matching_memory(store: Store) -> None:
    space = store.open()
    shared = space.add_node("Concept", "shared")

    def work(n: int) -> None:
        for i in range(150):
            node = space.add_node("Concept", f"t{n}-{i}")
            link = space.add_link("Inheritance", [node, shared])
            shared.tv = stv((i % 10) / 10, 0.5)
            link.set_value("n", [i])
            if i % 3 == 0:
                space.remove(link)
            if i % 7 == 0:
                space.remove(node, recursive=True)
                space.add_node("Concept", f"t{n}-{i}")  # the same atom, added again

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    before = snapshot(space)
    again = store.reopen(space)
    assert snapshot(again) == before
    again.close()


def test_a_second_open_while_the_first_is_open_shares_the_store(store: Store) -> None:
    space = store.open()
    if store.kind == "memory":  # one process's dict: one opener at a time
        with pytest.raises(StoreInUseError, match="in use"):
            store.open()
        space.close()
        return
    other = store.open()
    space.add_node("Concept", "one")
    other.sync()
    assert other.get_node("Concept", "one") is not None
    other.add_node("Concept", "two")
    space.sync()
    assert space.get_node("Concept", "two") is not None
    other.close()
    space.close()


def test_changes_after_close_raise_and_are_not_saved(store: Store) -> None:
    space = store.open()
    space.add_node("Concept", "kept")
    space.close()
    with pytest.raises(StoreClosedError):
        space.add_node("Concept", "lost")
    again = store.open()
    assert [a.name for a in again] == ["kept"]
    again.close()


def test_trigger_links_are_registered_again_and_keep_their_statistics(store: Store) -> None:
    space = store.open()
    button = space.add_node("Concept", "button")
    target = space.add_link(
        "ExecutionOutput", [space.add_node("GroundedSchema", "py:storage-test-count")]
    )
    space.add_link("PingTrigger", [button, target])
    space.ping(button)
    space.ping(button)
    assert space.trigger_stats()[0].fired == 2
    again = store.reopen(space)
    assert again.trigger_stats()[0].fired == 2  # statistics as they were
    again.ping(again.get_node("Concept", "button"))  # registered again: it fires
    assert again.trigger_stats()[0].fired == 3
    runs = again.get_node("Concept", "ran:button").get_value("runs")
    assert runs == FloatValue(3)
    again.close()
    final = store.open()
    assert final.trigger_stats()[0].fired == 3
    final.close()


def test_non_finite_floats_print_and_round_trip(store: Store) -> None:
    # FloatValue(inf) used to crash its own repr (format_number called int(inf)).
    space = store.open()
    space.add_node("Concept", "x").set_value("v", [float("inf"), float("-inf"), 1.0])
    assert repr(space.get_node("Concept", "x").get_value("v")) == "(FloatValue inf -inf 1)"
    again = store.reopen(space)
    assert again.get_node("Concept", "x").get_value("v") == FloatValue(float("inf"), float("-inf"), 1)
    again.close()


def test_loading_fires_nothing_and_writes_nothing(store: Store) -> None:
    from atomtrig.core.events import ChangeKind

    space = store.open()
    hub = space.add_node("Concept", "hub")
    space.add_link("Inheritance", [space.add_node("Concept", "x"), hub], tv=stv(0.5, 0.5))
    space.close()
    seen: list = []

    class Spy:
        def changes_applied(self, sp, events):
            seen.extend(events)

    # A bare core space with a listener watching everything, loaded through the binding.
    from atomtrig.core.atomspace import CoreAtomSpace as Core
    from atomtrig.storage.binding import StoreBinding
    from atomtrig.storage.open import backend_for

    core = Core()
    core.add_listener(Spy())
    core.set_type_watch("Atom", ChangeKind.ANY)
    backend = store.backend if store.backend is not None else backend_for(store.location)
    if store.backend is not None:
        backend.acquire()
    binding = StoreBinding.attach(core, backend)
    assert len(core) == 3 and seen == []
    assert core.get_node("Concept", "x").incoming[0].tv == stv(0.5, 0.5)
    binding.close()
