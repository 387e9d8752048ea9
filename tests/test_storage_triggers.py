"""Durable trigger delivery on every backend: firings recorded with the change, delivered once,
statistics and schedules kept; rolled-back changes fire nothing lasting."""

from __future__ import annotations

import json

import pytest
from storage_support import BACKENDS, Store

import atomtrig
from atomtrig import FloatValue
from atomtrig.storage.journal import FIRINGS, SCHEDULES, StoreFiringJournal


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path) -> Store:
    return Store(request.param, tmp_path)


def _counting_trigger(space: atomtrig.AtomSpace, hub_name: str = "hub", **options) -> None:
    hub = space.add_node("Concept", hub_name)
    target = space.add_link(
        "ExecutionOutput", [space.add_node("GroundedSchema", "py:storage-test-count")]
    )
    space.add_trigger("RelationshipTrigger", [hub, target], **options)


def _runs(space: atomtrig.AtomSpace, name: str) -> float | None:
    counter = space.get_node("Concept", f"ran:{name}")
    value = None if counter is None else counter.get_value("runs")
    return None if value is None else value[0]


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_each_firing_runs_once_and_leaves_nothing_pending(store: Store, mode: str) -> None:
    space = store.open()
    assert isinstance(space.triggers.journal, StoreFiringJournal)
    _counting_trigger(space, mode=mode)
    hub = space.get_node("Concept", "hub")
    for i in range(20):
        space.add_link("Inheritance", [space.add_node("Concept", f"n{i}"), hub])
    assert space.wait_for_triggers(timeout=30)
    assert all(_runs(space, f"n{i}") == 1 for i in range(20))
    assert space.triggers.journal.pending() == []
    space = store.reopen(space)  # nothing to redeliver: nothing runs again
    assert space.wait_for_triggers(timeout=30)
    assert all(_runs(space, f"n{i}") == 1 for i in range(20))
    assert space.trigger_stats()[0].fired == 20
    space.close()


def test_a_firing_recorded_but_not_run_is_delivered_on_the_next_open(store: Store) -> None:
    space = store.open()
    _counting_trigger(space, mode="async")
    hub = space.get_node("Concept", "hub")
    # Keep the worker pool from running anything: the firing stays recorded, as if the
    # process had died before delivering it.
    space.triggers.runner._enqueue = lambda trigger, firing: None  # type: ignore[method-assign]
    space.add_link("Inheritance", [space.add_node("Concept", "late"), hub])
    assert len(space._store.read_state(FIRINGS)) == 1
    space._store.close()  # "crash": no orderly close of the engine
    space.triggers.scheduler.stop()
    if store.backend is not None:
        store.backend._open = False
    again = store.open()
    assert again.wait_for_triggers(timeout=30)
    assert _runs(again, "late") == 1
    assert again._store.read_state(FIRINGS) == {}
    again.close()


def test_a_rolled_back_change_leaves_no_firing_behind(store: Store) -> None:
    space = store.open()
    _counting_trigger(space)  # sync: runs inside the transaction, and is undone with it
    hub = space.get_node("Concept", "hub")
    with pytest.raises(RuntimeError):
        with space.transaction():
            space.add_link("Inheritance", [space.add_node("Concept", "undone"), hub])
            assert _runs(space, "undone") == 1
            raise RuntimeError("roll back")
    assert _runs(space, "undone") is None
    assert space._store.read_state(FIRINGS) == {}
    space = store.reopen(space)
    assert space.get_node("Concept", "undone") is None and _runs(space, "undone") is None
    space.close()


def test_an_async_firing_of_a_rolled_back_change_is_cancelled(store: Store) -> None:
    space = store.open()
    _counting_trigger(space, mode="async")
    hub = space.get_node("Concept", "hub")
    with pytest.raises(RuntimeError):
        with space.transaction():
            space.add_link("Inheritance", [space.add_node("Concept", "undone"), hub])
            raise RuntimeError("roll back")
    assert space.wait_for_triggers(timeout=30)
    assert _runs(space, "undone") is None
    assert space._store.read_state(FIRINGS) == {}
    space.close()


def test_a_sync_firing_inside_a_transaction_commits_with_it(store: Store) -> None:
    space = store.open()
    _counting_trigger(space)
    hub = space.get_node("Concept", "hub")
    with space.transaction():
        space.add_link("Inheritance", [space.add_node("Concept", "inside"), hub])
    assert _runs(space, "inside") == 1
    space = store.reopen(space)
    assert _runs(space, "inside") == 1 and space._store.read_state(FIRINGS) == {}
    space.close()


def test_schedule_state_survives_a_reopen(store: Store) -> None:
    from atomtrig.triggers.schedule import ManualClock

    space = store.open()
    clock = ManualClock()
    space.triggers.scheduler.use_clock(clock)
    body = space.add_link(
        "ExecutionOutput", [space.add_node("GroundedSchema", "py:storage-test-count"),
                            space.add_link("List", [space.add_node("Concept", "tick")])]
    )
    once = space.add_link("ScheduledExecution", [space.add_node("Number", 1000),
                                                 space.add_node("Concept", "RunOnce"), body])
    clock.advance(1.5)
    assert space.trigger_stats(once)[0].fired == 1
    space = store.reopen(space)
    saved = json.loads(space._store.read_state(SCHEDULES)[once.short()])
    assert saved == {"done": True}
    trigger = space.triggers.trigger(space.get_link(once.type, [space.add_atom(a) for a in once.out]))
    assert trigger not in space.triggers.scheduler.pending()  # a RunOnce that ran stays done
    assert space.trigger_stats()[0].fired == 1
    space.close()


def test_a_repeating_schedule_keeps_its_next_due_time(store: Store) -> None:
    from atomtrig.triggers.schedule import ManualClock

    space = store.open()
    clock = ManualClock()
    space.triggers.scheduler.use_clock(clock)
    body = space.add_link("ExecutionOutput", [
        space.add_node("GroundedSchema", "py:storage-test-count"),
        space.add_link("List", [space.add_node("Concept", "tick")])])
    link = space.add_link("ScheduledExecution", [space.add_node("Number", 60_000),
                                                 space.add_node("Concept", "Repeating"), body])
    clock.advance(90)  # ran once at 60 s; next due at 120 s, i.e. 30 s from now
    assert space.trigger_stats(link)[0].fired == 1
    again = store.reopen(space)
    scheduler = again.triggers.scheduler
    (trigger, due), = scheduler.pending().items()
    assert 25 < due - scheduler.clock.now() <= 30  # not a fresh 60 s period
    assert again.trigger_stats()[0].fired == 1
    again.close()
