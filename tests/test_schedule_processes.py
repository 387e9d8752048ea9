"""``atomtrig schedule`` as processes: two runners on one store never run a (schedule, due time)
twice; a runner killed mid-run loses its lease to another after expiry; SIGINT/SIGTERM stop it
with status 0 (a second signal interrupts the running body, recorded); ``--list``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import atomtrig
from atomtrig.triggers.scheduler import records

TESTS = str(Path(__file__).parent)
NOTE = '(ExecutionOutputLink (GroundedSchemaNode "py:schedule_procs.note_due"))'
SLOW = '(ExecutionOutputLink (GroundedSchemaNode "py:schedule_procs.slow_first"))'


class Runner:
    """One ``atomtrig schedule`` process, its log lines collected by a thread."""

    def __init__(self, store: str, env: dict[str, str], *extra: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "atomtrig.cli", "schedule", "--store", store,
             "--allow-module", "schedule_procs", *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        self.lines: list[dict] = []
        self.raw: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.raw.append(line)
            try:
                self.lines.append(json.loads(line))
            except ValueError:
                pass

    def wait_for(self, test, timeout: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if test(line):
                    return line
            if self.proc.poll() is not None:
                time.sleep(0.1)
                break
            time.sleep(0.02)
        raise AssertionError(f"no such line; stderr so far:\n{''.join(self.raw)[-3000:]}")

    def signal(self, signum: int) -> None:
        self.proc.send_signal(signum)

    def finish(self, timeout: float = 20.0) -> int:
        code = self.proc.wait(timeout)
        self._reader.join(5)
        return code


@pytest.fixture
def env(tmp_path):
    e = dict(os.environ)
    e["PYTHONPATH"] = TESTS + os.pathsep + e.get("PYTHONPATH", "")
    e["SCHEDULE_LOG"] = str(tmp_path / "runs.log")
    e["SCHEDULE_MARKER"] = str(tmp_path / "marker")
    return e


def make_store(path: str, text: str, grace: float | None = None) -> None:
    space = atomtrig.AtomSpace.open(path)
    try:
        link = space.eval_atomese(text)
        if grace is not None:
            link.set_value(space.add_node("Predicate", "schedule:grace"), atomtrig.FloatValue(grace))
    finally:
        space.close()


def store_rows(path: str) -> tuple[dict, dict]:
    """Each schedule's saved state (by schedule id) and its recorded runs."""
    space = atomtrig.AtomSpace.open(path, readonly=True)
    try:
        return records.states(space.store), records.history(space.store)
    finally:
        space.close()


def logged(env) -> list[tuple[int, float]]:
    log = Path(env["SCHEDULE_LOG"])
    if not log.exists():
        return []
    return [(int(p), float(d)) for p, d in (line.split() for line in log.read_text().splitlines())]


def test_two_runners_on_one_store_never_run_a_due_time_twice(tmp_path, env):
    store = str(tmp_path / "kb.db")
    make_store(store, f'(ScheduledExecutionLink (NumberNode 100) (ConceptNode "Repeating") {NOTE})')
    a = Runner(store, env, "--keep-runs", "200")
    b = Runner(store, env, "--keep-runs", "200")
    for r in (a, b):
        r.wait_for(lambda line: line.get("event") == "start")
    time.sleep(2.5)
    for r in (a, b):
        r.signal(signal.SIGTERM)
    assert a.finish() == 0 and b.finish() == 0
    runs = logged(env)
    dues = [d for _, d in runs]
    assert len(dues) >= 10
    assert len(dues) == len(set(dues)), "a due time ran twice"
    state, history = store_rows(store)
    (st,) = state.values()
    assert st["totals"]["done"] == len(dues)  # every run recorded, once
    recorded = [r["due"] for rows in history.values() for r in rows if r["outcome"] == "done"]
    assert sorted(recorded) == sorted(dues)


def test_a_killed_runners_lease_expires_and_another_runner_takes_the_run_over(tmp_path, env):
    store = str(tmp_path / "kb.db")
    make_store(store, f'(ScheduledExecutionLink (NumberNode 300) (ConceptNode "Repeating") {SLOW})',
               grace=30)
    a = Runner(store, env, "--lease", "1.5")
    deadline = time.monotonic() + 30
    while not Path(env["SCHEDULE_MARKER"]).exists():  # a is inside its first run
        assert time.monotonic() < deadline and a.proc.poll() is None, "".join(a.raw)
        time.sleep(0.02)
    b = Runner(store, env, "--lease", "1.5")  # a holds the schedule: b waits for its lease
    a.proc.kill()
    a.finish()
    b.wait_for(lambda line: line.get("outcome") == "interrupted")
    done = b.wait_for(lambda line: line.get("outcome") == "done")
    b.signal(signal.SIGINT)
    assert b.finish() == 0
    state, history = store_rows(store)
    rows = next(iter(history.values()))
    interrupted = [r for r in rows if r["outcome"] == "interrupted"]
    assert len(interrupted) == 1 and str(a.proc.pid) in interrupted[0]["runner"]
    taken = interrupted[0]["due"]
    assert done["due"] == taken  # the same (schedule, due) run again, by b
    dues = [d for _, d in logged(env)]
    assert dues.count(taken) == 1 and len(dues) == len(set(dues))
    assert {p for p, _ in logged(env)} == {b.proc.pid}  # a's run left no effect


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_the_runner_with_status_zero(tmp_path, env, signum):
    store = str(tmp_path / "kb.db")
    make_store(store, f'(ScheduledExecutionLink (NumberNode 100) (ConceptNode "Repeating") {NOTE})')
    r = Runner(store, env)
    r.wait_for(lambda line: line.get("outcome") == "done")
    r.signal(signum)
    assert r.finish() == 0
    stop = r.wait_for(lambda line: line.get("event") == "stop")
    assert stop["outcomes"]["done"] >= 1
    atomtrig.AtomSpace.open(store).close()


def test_a_second_signal_interrupts_the_running_body_and_records_it(tmp_path, env):
    store = str(tmp_path / "kb.db")
    make_store(store, f'(ScheduledExecutionLink (NumberNode 100) (ConceptNode "Repeating") {SLOW})')
    r = Runner(store, env)
    deadline = time.monotonic() + 30
    while not Path(env["SCHEDULE_MARKER"]).exists():
        assert time.monotonic() < deadline, "".join(r.raw)
        time.sleep(0.02)
    r.signal(signal.SIGTERM)  # asks to stop: the run would finish...
    time.sleep(0.3)
    assert r.proc.poll() is None
    r.signal(signal.SIGTERM)  # ... a second signal interrupts it
    assert r.finish() == 0
    _, history = store_rows(store)
    rows = next(iter(history.values()))
    assert [x["outcome"] for x in rows] == ["interrupted"]
    assert "signal" in rows[0]["error"]


def test_list_shows_each_schedule_with_next_due_and_last_outcome(tmp_path, env):
    store = str(tmp_path / "kb.db")
    make_store(store, f'(ScheduledExecutionLink (NumberNode 100) (ConceptNode "Repeating") {NOTE})')
    r = Runner(store, env)
    r.wait_for(lambda line: line.get("outcome") == "done")
    r.signal(signal.SIGTERM)
    assert r.finish() == 0
    cmd = [sys.executable, "-m", "atomtrig.cli", "schedule", "--list", "--store", store]
    out = subprocess.run(cmd + ["--json"], capture_output=True, text=True, env=env, check=True)
    (row,) = [json.loads(line) for line in out.stdout.splitlines()]
    assert row["when"] == "every 100 ms" and row["last_outcome"] == "done"
    assert row["next"] > row["last_due"] and row["totals"]["done"] >= 1
    env = dict(env, COLUMNS="200")
    table = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
    assert "1 schedule(s)" in table and "every 100 ms" in table and "done" in table
    assert "coalesce, grace 1s" in table


def test_schedule_needs_a_store(env):
    out = subprocess.run([sys.executable, "-m", "atomtrig.cli", "schedule"], capture_output=True,
                         text=True, env=env)
    assert out.returncode == 2 and "--store" in out.stderr


def _run_script(store: str, script: Path, env: dict[str, str]) -> float:
    """``atomtrig run script --store`` beside the runner: it returns at once; its seconds."""
    began = time.monotonic()
    out = subprocess.run([sys.executable, "-m", "atomtrig.cli", "run", str(script), "--store",
                          store, "--allow-module", "schedule_procs"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    return time.monotonic() - began


def test_links_added_and_removed_by_atomtrig_run_start_and_stop(tmp_path, env):
    store = str(tmp_path / "kb.db")
    make_store(store, '(Concept "nothing scheduled yet")')
    r = Runner(store, env, "--poll", "0.2")
    r.wait_for(lambda line: line.get("event") == "start")
    add = tmp_path / "add.scm"
    # The script stays a while: its process must not run the schedule it adds.
    add.write_text(f'(ScheduledExecutionLink (NumberNode 200) (ConceptNode "Repeating") {NOTE})\n'
                   '(define (spin n) (if (> n 0) (spin (- n 1)) n))\n(spin 100000)\n')
    assert _run_script(store, add, env) < 20
    r.wait_for(lambda line: line.get("outcome") == "done")
    remove = tmp_path / "remove.scm"
    remove.write_text(f'(cog-delete! (ScheduledExecutionLink (NumberNode 200) '
                      f'(ConceptNode "Repeating") {NOTE}))\n')
    _run_script(store, remove, env)
    time.sleep(0.6)  # the runner's next claim finds no row
    count = len(logged(env))
    time.sleep(0.8)
    assert len(logged(env)) == count  # no run after the removal
    assert {p for p, _ in logged(env)} == {r.proc.pid}  # every run was the runner's
    r.signal(signal.SIGTERM)
    assert r.finish() == 0
    state, _ = store_rows(store)
    assert state == {}
