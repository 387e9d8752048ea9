"""Durable trigger delivery on every backend: firings recorded with the change and run once,
queued firings left to workers, failures retried then parked, effects outside the store after
the commit with ``after_commit``, statistics counted in the store, schedules left to runners."""

from __future__ import annotations

import time

import pytest
from storage_support import Store

import atomtrig
from atomtrig.query.grounded import grounded

EFFECTS: list[str] = []
"""What targets did outside the store (a file, a message, in real life)."""


@grounded("storage-test-effect")
def _outside_effect(*atoms):  # type: ignore[no-untyped-def]
    links = [a for a in atoms if a is not None and a.is_link()]
    EFFECTS.append(links[0].out[0].name if links else "?")


@grounded("storage-test-fail")
def _always_fails(*atoms):  # type: ignore[no-untyped-def]
    raise RuntimeError("the target broke")


@pytest.fixture(autouse=True)
def _effects():
    EFFECTS.clear()
    yield
    EFFECTS.clear()


def _trigger(space: atomtrig.AtomSpace, target: str = "storage-test-count", hub_name: str = "hub",
             **options) -> atomtrig.Link:
    hub = space.add_node("Concept", hub_name)
    body = space.add_link("ExecutionOutput", [space.add_node("GroundedSchema", f"py:{target}")])
    return space.add_trigger("RelationshipTrigger", [hub, body], **options)


def _runs(space: atomtrig.AtomSpace, name: str) -> float | None:
    counter = space.get_node("Concept", f"ran:{name}")
    value = None if counter is None else counter.get_value("runs")
    return None if value is None else value[0]


def _depth(space: atomtrig.AtomSpace) -> dict[str, int]:
    return space.store.backend.queue_depth()


def _until(condition, timeout: float = 30.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_each_firing_runs_once_and_leaves_nothing_queued(store: Store, mode: str) -> None:
    space = store.open()
    _trigger(space, mode=mode)
    hub = space.get_node("Concept", "hub")
    for i in range(20):
        space.add_link("Inheritance", [space.add_node("Concept", f"n{i}"), hub])
    assert space.wait_for_triggers(timeout=30)
    assert all(_runs(space, f"n{i}") == 1 for i in range(20))
    assert _depth(space) == {"queued": 0, "held": 0, "parked": 0}
    space = store.reopen(space)  # nothing left: nothing runs again
    time.sleep(0.3)
    assert all(_runs(space, f"n{i}") == 1 for i in range(20))
    assert space.trigger_stats()[0].fired == 20
    space.close()


def test_a_process_without_workers_leaves_its_async_firings_to_the_next_one(store: Store) -> None:
    space = store.open(workers=0)
    _trigger(space, mode="async")
    hub = space.get_node("Concept", "hub")
    space.add_link("Inheritance", [space.add_node("Concept", "late"), hub])
    assert _depth(space)["queued"] == 1
    assert not space.wait_for_triggers(timeout=0.3)  # nobody runs it here
    assert _runs(space, "late") is None
    space = store.reopen(space)  # workers=2, the default: its workers claim it
    assert _until(lambda: _depth(space)["queued"] == 0 and _depth(space)["held"] == 0)
    space.sync()
    assert _runs(space, "late") == 1
    space.close()


def test_a_rolled_back_change_leaves_no_firing_behind(store: Store) -> None:
    space = store.open()
    _trigger(space)  # sync: runs inside the transaction, and is undone with it
    _trigger(space, mode="async", hub_name="hub2")
    hub, hub2 = space.get_node("Concept", "hub"), space.get_node("Concept", "hub2")
    with pytest.raises(RuntimeError):
        with space.transaction():
            space.add_link("Inheritance", [space.add_node("Concept", "undone"), hub])
            space.add_link("Inheritance", [space.add_node("Concept", "undone2"), hub2])
            assert _runs(space, "undone") == 1
            raise RuntimeError("roll back")
    assert space.wait_for_triggers(timeout=30)
    assert _runs(space, "undone") is None and _runs(space, "undone2") is None
    assert _depth(space) == {"queued": 0, "held": 0, "parked": 0}
    space = store.reopen(space)
    assert space.get_node("Concept", "undone") is None and _runs(space, "undone") is None
    space.close()


def test_a_sync_firing_inside_a_transaction_commits_with_it(store: Store) -> None:
    space = store.open()
    _trigger(space)
    hub = space.get_node("Concept", "hub")
    with space.transaction():
        space.add_link("Inheritance", [space.add_node("Concept", "inside"), hub])
    assert _runs(space, "inside") == 1
    space = store.reopen(space)
    assert _runs(space, "inside") == 1 and _depth(space)["queued"] == 0
    space.close()


def test_after_commit_targets_run_only_once_the_transaction_committed(store: Store) -> None:
    space = store.open()
    _trigger(space, target="storage-test-effect", after_commit=True)
    hub = space.get_node("Concept", "hub")
    with space.transaction():
        space.add_link("Inheritance", [space.add_node("Concept", "kept"), hub])
        assert EFFECTS == []  # not while the transaction may still roll back
    assert EFFECTS == ["kept"]
    with pytest.raises(RuntimeError):
        with space.transaction():
            space.add_link("Inheritance", [space.add_node("Concept", "dropped"), hub])
            raise RuntimeError("roll back")
    assert EFFECTS == ["kept"]  # never for a rolled-back change
    space.add_link("Inheritance", [space.add_node("Concept", "alone"), hub])
    assert EFFECTS == ["kept", "alone"]  # outside a transaction: right after the change's commit
    assert _depth(space) == {"queued": 0, "held": 0, "parked": 0}
    space.close()


def test_a_failing_async_target_is_retried_then_parked_and_can_be_retried(store: Store) -> None:
    space = store.open()
    _trigger(space, target="storage-test-fail", mode="async", max_attempts=2)
    hub = space.get_node("Concept", "hub")
    space.add_link("Inheritance", [space.add_node("Concept", "x"), hub])
    backend = space.store.backend
    assert _until(lambda: _depth(space)["parked"] == 1, timeout=20)  # 2 attempts, 1 s backoff
    (row,) = backend.failed_firings()
    assert row.attempts == 2 and "RuntimeError: the target broke" in row.error
    stats = space.trigger_stats()[0]
    assert stats.failed == 2 and "the target broke" in (stats.last_error or "")
    assert backend.retry_firings(None) == 1
    assert _until(lambda: _depth(space)["parked"] == 1 and backend.failed_firings()[0].attempts == 2)
    space.close()


def test_statistics_are_counters_every_process_adds_to(store: Store) -> None:
    if store.kind == "memory":
        pytest.skip("one process at a time holds a memory store")  # not a backend gap: by design
    first = store.open()
    link = _trigger(first)
    hub = first.get_node("Concept", "hub")
    second = store.open()
    second.sync()
    hub2 = second.get_node("Concept", "hub")
    for i in range(5):
        first.add_link("Inheritance", [first.add_node("Concept", f"a{i}"), hub])
        second.add_link("Inheritance", [second.add_node("Concept", f"b{i}"), hub2])
    assert first.trigger_stats(link)[0].fired == 10
    second.close()
    first.close()


def test_an_opened_store_leaves_its_schedules_to_runners(store: Store) -> None:
    space = store.open()
    body = space.add_link("ExecutionOutput", [
        space.add_node("GroundedSchema", "py:storage-test-effect"),
        space.add_link("List", [space.add_node("Concept", "tick")])])
    space.add_link("ScheduledExecution", [space.add_node("Number", 10),
                                          space.add_node("Concept", "Repeating"), body])
    time.sleep(0.3)
    assert EFFECTS == []  # `atomtrig schedule` runs it, not every process that opens the store
    space.close()
    inproc = store.open(schedules=True)  # unless asked to
    assert _until(lambda: len(EFFECTS) >= 2, timeout=10)
    inproc.close()
