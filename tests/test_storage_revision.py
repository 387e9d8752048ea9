"""Revisions across processes: ``AtomSpace.revise_tv`` (and so trigger rewrites that revise a
link's evidence) commits only over the truth value it was computed from, so no process's
observation is lost to another's overwrite."""

from __future__ import annotations

import pytest
from storage_support import Store
from test_storage_processes import env, procs, script, wait_drained, worker  # noqa: F401 (fixtures)

import atomtrig
from atomtrig import ctv
from atomtrig.storage import TruthValueConflictError


def _plus_one(tv: atomtrig.TruthValue) -> atomtrig.TruthValue:
    return ctv(1.0, 0.5, getattr(tv, "count", 0.0) + 1)


def test_a_revision_over_a_stale_value_is_refused_and_can_be_redone(store: Store) -> None:
    if store.kind == "memory":
        pytest.skip("one opener at a time holds a memory store: no stale second process")
    first, second = store.open(workers=0), store.open(workers=0)
    tally = first.add_node("Concept", "tally", tv=ctv(1, 0.5, 1))
    second.sync()
    stale = second.get_node("Concept", "tally")
    first.revise_tv(tally, _plus_one)  # committed: count 2
    with pytest.raises(TruthValueConflictError, match="changed by another process"):
        with second.transaction():
            second.revise_tv(stale, _plus_one)  # computed from count 1
    assert stale.tv.count == 1  # rolled back in memory too
    second.sync()
    second.revise_tv(stale, _plus_one)
    assert stale.tv.count == 3
    first.sync()
    assert tally.tv.count == 3
    plain = first.add_node("Concept", "plain", tv=ctv(1, 0.5, 1))
    second.sync()
    second.set_tv(second.get_node("Concept", "plain"), ctv(1, 0.5, 7))  # set_tv: last word
    first.set_tv(plain, ctv(1, 0.5, 9))
    second.close()
    first.close()


_REVISER = """
import sys, atomtrig
from atomtrig import ctv
from atomtrig.storage import TruthValueConflictError
space = atomtrig.AtomSpace.open(sys.argv[1], workers=0)
node = space.add_node("Concept", "tally")
print("ready", flush=True)
sys.stdin.readline()
conflicts = 0
for _ in range(int(sys.argv[2])):
    while True:
        try:
            with space.transaction():
                space.revise_tv(node, lambda tv: ctv(1.0, 0.5, getattr(tv, "count", 0.0) + 1))
            break
        except TruthValueConflictError:
            conflicts += 1
            space.sync()
print(f"conflicts {conflicts}", flush=True)
space.close()
"""


@pytest.mark.slow
@pytest.mark.parametrize("store_location", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
                         indirect=True)
def test_processes_revising_one_atom_at_once_lose_no_observation(store_location, procs, env) -> None:
    atomtrig.AtomSpace.open(store_location).close()
    children = [script(procs, env, _REVISER, store_location, "150") for _ in range(3)]
    for child in children:
        child.wait_line(lambda line: line == "ready")
    for child in children:
        child.send("go")
    for child in children:
        assert child.finish(60) == 0, child.report()
    space = atomtrig.AtomSpace.open(store_location, readonly=True)
    try:
        assert space.get_node("Concept", "tally").tv.count == 450
    finally:
        space.close()


@pytest.mark.slow
@pytest.mark.parametrize("store_location", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
                         indirect=True)
def test_targets_revising_one_atom_in_two_worker_processes_count_every_firing(
    store_location, procs, env
) -> None:
    space = atomtrig.AtomSpace.open(store_location, workers=0)
    hub = space.add_node("Concept", "hub")
    body = space.add_link("ExecutionOutput", [
        space.add_node("GroundedSchema", "py:worker_targets.tally")])
    space.add_trigger("RelationshipTrigger", [hub, body], mode="async")
    space.add_trigger("RelationshipTrigger", [space.add_node("Concept", "hub2"), body], mode="async")
    for i in range(60):  # two triggers: two workers run them at once
        space.add_link("Member", [space.add_node("Concept", f"a{i}"), hub])
        space.add_link("Member", [space.add_node("Concept", f"b{i}"), space.get_node("Concept", "hub2")])
    space.close()
    workers = [worker(procs, env, store_location, "--concurrency", "2") for _ in range(2)]
    for w in workers:
        w.wait_line(lambda line: "running" in line)
    wait_drained(store_location, timeout=60)
    check = atomtrig.AtomSpace.open(store_location, readonly=True)
    try:
        assert check.get_node("Concept", "tally").tv.count == 120
    finally:
        check.close()
