"""Crash tests: a child process writing in a loop is killed with SIGKILL at random moments; after
reopening, every committed change is there, no uncommitted one is, the file passes
``PRAGMA integrity_check``, and trigger firings left queued or claimed are run (their effects
committed once)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from storage_support import snapshot  # noqa: F401  (also registers the grounded target)

import atomtrig
from atomtrig import FloatValue
from atomtrig.storage import SQLiteBackend

pytestmark = pytest.mark.slow
TESTS = str(Path(__file__).parent)

_WRITER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[3])
    import storage_support, atomtrig
    space = atomtrig.AtomSpace.open(sys.argv[1], lease=1.0)
    mode = sys.argv[2]
    hub = space.add_node("Concept", "hub")
    if mode == "triggers" and not hub.incoming_by_type("RelationshipTriggerLink"):
        target = space.add_link(
            "ExecutionOutput", [space.add_node("GroundedSchema", "py:storage-test-count")])
        space.add_trigger("RelationshipTrigger", [hub, target], mode="async")
    if mode == "effects" and not hub.incoming_by_type("RelationshipTriggerLink"):
        inside = space.add_link(
            "ExecutionOutput", [space.add_node("GroundedSchema", "py:storage-test-count")])
        outside = space.add_link(
            "ExecutionOutput", [space.add_node("GroundedSchema", "py:storage-test-outside")])
        space.add_trigger("RelationshipTrigger", [hub, inside])  # sync: commits with the change
        space.add_trigger("RelationshipTrigger", [hub, outside], after_commit=True)
    i = len(space.get_atoms_by_type("InheritanceLink"))
    while True:
        if mode == "autocommit":
            n = space.add_node("Concept", f"n{i}")
            print(f"node {i}", flush=True)
            space.add_link("Inheritance", [n, hub])
            print(f"link {i}", flush=True)
        elif mode == "effects":
            with space.transaction():
                space.add_link("Inheritance", [space.add_node("Concept", f"n{i}"), hub])
            print(f"tx {i}", flush=True)
        else:
            with space.transaction():
                n = space.add_node("Concept", f"n{i}")
                space.add_link("Inheritance", [n, hub])
                n.set_value("i", [i])
                hub.tv = atomtrig.stv((i % 100) / 100, 0.5)
            print(f"tx {i}", flush=True)
        i += 1
    """
)


def _run_and_kill(path: Path, mode: str, seconds: float, env: dict[str, str] | None = None) -> list[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path), mode, TESTS],
        stdout=subprocess.PIPE, text=True, env={**os.environ, **(env or {})},
    )
    assert child.stdout is not None
    first = child.stdout.readline()  # wait until it writes
    assert first, "the writer died before writing"
    time.sleep(seconds)
    child.send_signal(signal.SIGKILL)
    rest = child.stdout.read()
    child.wait()
    return [first.strip()] + [line.strip() for line in rest.splitlines() if line.strip()]


def _link_numbers(space: atomtrig.AtomSpace) -> set[int]:
    hub = space.get_node("Concept", "hub")
    return {int(link.out[0].name[1:]) for link in hub.incoming_by_type("InheritanceLink")}


def test_transactions_survive_sigkill_whole_or_not_at_all(tmp_path: Path) -> None:
    path = tmp_path / "kb.db"
    rng = random.Random(6)
    committed: set[int] = set()
    for _ in range(3):
        lines = _run_and_kill(path, "tx", rng.uniform(0.05, 0.4))
        committed |= {int(line.split()[1]) for line in lines}
        assert _integrity(path) == "ok"
        space = atomtrig.AtomSpace.open(path)
        present = _link_numbers(space)
        assert committed <= present  # every committed transaction is there
        assert present <= committed | {max(committed) + 1}  # at most the one being printed
        for i in present:  # and each one is whole
            node = space.get_node("Concept", f"n{i}")
            assert node.get_value("i") == FloatValue(i)
        nodes = {a.name for a in space.get_atoms_by_type("ConceptNode")} - {"hub"}
        assert nodes == {f"n{i}" for i in present}  # no half transaction: no node without link
        committed = present
        space.close()


def test_single_calls_survive_sigkill(tmp_path: Path) -> None:
    path = tmp_path / "kb.db"
    lines = _run_and_kill(path, "autocommit", 0.3)
    assert _integrity(path) == "ok"
    space = atomtrig.AtomSpace.open(path)
    for line in lines:
        kind, i = line.split()
        assert space.get_node("Concept", f"n{i}") is not None
        if kind == "link":
            assert int(i) in _link_numbers(space)
    space.close()


def test_pending_firings_are_delivered_after_a_crash_and_none_runs_twice(tmp_path: Path) -> None:
    path = tmp_path / "kb.db"
    # A slow async target, so firings are still queued when the writer is killed.
    lines = _run_and_kill(path, "triggers", 0.4, env={"ATOMTRIG_TEST_TARGET_DELAY": "0.02"})
    assert len(lines) > 3
    assert _integrity(path) == "ok"
    conn_pending = _pending_count(path)
    assert conn_pending > 0, "the test needs firings left pending by the crash"
    space = atomtrig.AtomSpace.open(path)  # its workers run them (the dead one's claims expire)
    deadline = time.monotonic() + 60
    while _pending_count(path) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _pending_count(path) == 0
    space.sync()
    links = _link_numbers(space)
    for i in links:
        counter = space.get_node("Concept", f"ran:n{i}")
        assert counter is not None, f"the firing for n{i} was lost"
        assert counter.get_value("runs") == FloatValue(1), f"the firing for n{i} ran twice"
    space.close()
    assert _pending_count(path) == 0


def test_effects_inside_and_outside_the_store_of_sync_targets_survive_sigkill(
    tmp_path: Path,
) -> None:
    """A sync target inside a transaction commits its store effects with it; an after_commit
    target's outside effect happens only for a committed transaction, never twice, and one
    the kill cut off is still queued (a worker runs it once its lease expires)."""
    path, outside = tmp_path / "kb.db", tmp_path / "outside.txt"
    outside.touch()
    lines = _run_and_kill(path, "effects", 0.5, env={"ATOMTRIG_TEST_OUTSIDE": str(outside)})
    assert len(lines) > 3
    assert _integrity(path) == "ok"
    space = atomtrig.AtomSpace.open(path, readonly=True)
    committed = _link_numbers(space)
    assert {int(line.split()[1]) for line in lines} <= committed
    for i in committed:  # store effects: exactly once per committed transaction
        assert _runs(space, f"n{i}") == 1, f"the store effect of n{i} is missing or doubled"
    assert space.get_atoms_by_type("ConceptNode") and all(
        not a.name.startswith("ran:") or int(a.name[5:]) in committed
        for a in space.get_atoms_by_type("ConceptNode"))  # none for an uncommitted one
    space.close()
    noted = outside.read_text().split()
    assert len(noted) == len(set(noted)), "an outside effect happened twice"
    assert {int(n[1:]) for n in noted} <= committed, "an outside effect of an uncommitted change"
    assert len(committed) - len(noted) <= _pending_count(path) + 1


def _runs(space: atomtrig.AtomSpace, name: str) -> float | None:
    counter = space.get_node("Concept", f"ran:{name}")
    value = None if counter is None else counter.get_value("runs")
    return None if value is None else value[0]


def _pending_count(path: Path) -> int:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT COUNT(*) FROM firings WHERE state IN ('queued', 'running')").fetchone()[0]
    finally:
        conn.close()


def _integrity(path: Path) -> str:
    backend = SQLiteBackend(path, readonly=True)
    try:
        return backend.check()
    finally:
        backend.close()
