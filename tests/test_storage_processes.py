"""A store shared by real processes (loopback only), on SQLite and PostgreSQL: three writers adding
the same atoms at once leave each atom stored once; a commit reaches another process's open
space within a second without ``sync()``; ``atomtrig worker`` processes run every firing that
writer processes (``workers=0``) queue exactly once, and take over the firings of a worker
killed while it held them; ``atomtrig worker`` refuses a missing store and stops on a signal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import atomtrig
from atomtrig import FloatValue

pytestmark = pytest.mark.slow
TESTS = str(Path(__file__).parent)
BOTH = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
TARGET = '(ExecutionOutputLink (GroundedSchemaNode "py:worker_targets.count"))'


# -- processes --------------------------------------------------------------------------------------
class Proc:
    """A child process whose stdout and stderr lines are collected by threads."""

    def __init__(self, argv: list[str], env: dict[str, str], stdin: bool = False) -> None:
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        self.out: list[str] = []
        self.err: list[str] = []
        self._readers = [threading.Thread(target=self._read, args=(stream, lines), daemon=True)
                         for stream, lines in ((self.proc.stdout, self.out), (self.proc.stderr, self.err))]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream: Any, lines: list[str]) -> None:
        for line in stream:
            lines.append(line.rstrip("\n"))

    @property
    def pid(self) -> int:
        return self.proc.pid

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def wait_line(self, test: Callable[[str], bool], timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.out):
                if test(line):
                    return line
            if self.proc.poll() is not None:
                time.sleep(0.1)  # the readers catch up
                for line in list(self.out):
                    if test(line):
                        return line
                break
            time.sleep(0.01)
        raise AssertionError(f"no such line from {self.proc.args[:4]}; exit {self.proc.poll()}\n"
                             f"stdout: {self.out[-20:]}\nstderr:\n" + "\n".join(self.err[-40:]))

    def finish(self, timeout: float = 20.0) -> int:
        code = self.proc.wait(timeout)
        for reader in self._readers:
            reader.join(5)
        return code

    def report(self) -> str:
        return "\n".join(self.err[-40:])


@pytest.fixture
def procs() -> Iterator[list[Proc]]:
    """Children a test starts; any still running at its end are killed."""
    started: list[Proc] = []
    yield started
    for p in started:
        if p.proc.poll() is None:
            p.proc.kill()
            p.proc.wait(10)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    e = dict(os.environ)
    e["PYTHONPATH"] = TESTS + os.pathsep + e.get("PYTHONPATH", "")
    e["WORKER_TARGET_LOG"] = str(tmp_path / "runs.log")
    e.pop("WORKER_TARGET_DELAY", None)
    return e


def script(procs: list[Proc], env: dict[str, str], text: str, *args: str) -> Proc:
    p = Proc([sys.executable, "-c", textwrap.dedent(text), *args], env, stdin=True)
    procs.append(p)
    return p


def worker(procs: list[Proc], env: dict[str, str], location: str, *extra: str) -> Proc:
    p = Proc([sys.executable, "-m", "atomtrig.cli", "worker", "--store", location,
              "--allow-module", "worker_targets", *extra], env)
    procs.append(p)
    return p


def start_together(children: list[Proc]) -> None:
    """Wait until every child printed "ready" (its store is open), then let them all go."""
    for child in children:
        child.wait_line(lambda line: line == "ready")
    for child in children:
        child.send("go")


def all_exit_0(children: list[Proc], timeout: float = 30.0) -> None:
    for child in children:
        assert child.finish(timeout) == 0, child.report()


def stop_line(p: Proc) -> tuple[int, int]:
    """(ran, failed) from an ``atomtrig worker`` stop line."""
    line = p.wait_line(lambda s: "stopped" in s)
    words = line.replace(",", "").split()
    return int(words[words.index("ran") + 1]), int(words[words.index("failed") - 1])


# -- the database, read directly ------------------------------------------------------------------
def sql(location: str, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if location.startswith("postgresql"):
        import psycopg

        with psycopg.connect(location, autocommit=True) as conn:
            return [tuple(r) for r in conn.execute(query.replace("?", "%s"), params).fetchall()]
    import sqlite3

    conn = sqlite3.connect(location, timeout=10)
    try:
        return conn.execute(query, params).fetchall()
    finally:
        conn.close()


def depth(location: str) -> dict[str, int]:
    return dict(sql(location, "SELECT state, COUNT(*) FROM firings GROUP BY state"))


def fired(location: str) -> int:
    """Runs counted in the trigger statistics (committed with each run's effects)."""
    (total,), = sql(location, "SELECT COALESCE(SUM(value), 0) FROM counters WHERE field = 'fired'")
    return int(total)


def wait_drained(location: str, timeout: float = 25.0) -> None:
    deadline = time.monotonic() + timeout
    while depth(location) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert depth(location) == {}, f"firings left: {depth(location)}"


def make_triggers(location: str, hubs: list[str], links: int = 0) -> list[str]:
    """Each hub gets an async trigger running the counting target; ``links`` links are added to
    each hub (queued firings, left to workers); the names the target counts them by."""
    space = atomtrig.AtomSpace.open(location, workers=0)
    names = []
    try:
        target = space.eval_atomese(TARGET)
        for h in hubs:
            hub = space.add_node("Concept", h)
            space.add_trigger("RelationshipTrigger", [hub, target], mode="async")
        for i in range(links):
            for h in hubs:
                names.append(f"{h}-{i}")
                space.add_link("Inheritance", [space.add_node("Concept", names[-1]),
                                               space.get_node("Concept", h)])
    finally:
        space.close()
    return names


def runs_counted(location: str) -> dict[str, Any]:
    """Each ``ran:NAME`` counter of the store (reopened, read-only): NAME -> its runs value."""
    space = atomtrig.AtomSpace.open(location, readonly=True)
    try:
        assert space.store.backend.queue_depth() == {"queued": 0, "held": 0, "parked": 0}
        return {node.name[4:]: node.get_value("runs")
                for node in space.get_atoms_by_type("ConceptNode") if node.name.startswith("ran:")}
    finally:
        space.close()


# -- 1. writers adding the same atoms at once ----------------------------------------------------
_OVERLAP = """
    import random, sys, atomtrig
    location, me = sys.argv[1], int(sys.argv[2])
    space = atomtrig.AtomSpace.open(location, workers=0)
    print("ready", flush=True)
    sys.stdin.readline()
    names = [f"s{i}" for i in range(150)] + [f"p{me}_{i}" for i in range(150)]
    random.Random(me).shuffle(names)

    def write(chunk):
        hub = space.add_node("Concept", "hub")
        for name in chunk:
            node = space.add_node("Concept", name)
            group = space.add_node("Concept", f"group:{sum(map(ord, name)) % 7}")
            a = space.add_link("Inheritance", [node, hub])
            b = space.add_link("Member", [node, group])
            space.add_link("List", [a, b])

    for n, start in enumerate(range(0, len(names), 10)):
        chunk = names[start:start + 10]
        if n % 3 == 0:
            with space.transaction():
                write(chunk)
        else:
            write(chunk)
    space.close()
    print("done", flush=True)
"""


@pytest.mark.parametrize("store_location", BOTH, indirect=True)
def test_writers_adding_the_same_atoms_at_once_store_each_once(store_location, procs, env):
    atomtrig.AtomSpace.open(store_location, workers=0).close()  # the store, empty
    writers = [script(procs, env, _OVERLAP, store_location, str(me)) for me in range(3)]
    start_together(writers)
    all_exit_0(writers, timeout=60)

    names = {f"s{i}" for i in range(150)} | {f"p{me}_{i}" for me in range(3) for i in range(150)}
    groups = {f"group:{sum(map(ord, name)) % 7}" for name in names}
    expected = {"ConceptNode": 1 + len(names) + len(groups), "InheritanceLink": len(names),
                "MemberLink": len(names), "ListLink": len(names)}
    space = atomtrig.AtomSpace.open(store_location, readonly=True)
    try:
        kinds = Counter(atom.type.name for atom in space)
        assert kinds == expected
        concepts = {a.name for a in space.get_atoms_by_type("ConceptNode")}
        assert concepts == names | groups | {"hub"}
        hub = space.get_node("Concept", "hub")
        assert len(hub.incoming_by_type("InheritanceLink")) == len(names)
        for link in space.get_atoms_by_type("ListLink"):  # links of links: one child each
            inheritance, member = link.out
            assert inheritance.out[0] is member.out[0]
    finally:
        space.close()

    # The rows themselves: one per atom (type, name, outgoing), the links' children existing.
    dupes = sql(store_location, "SELECT tid, name, outgoing, COUNT(*) FROM atoms "
                "GROUP BY tid, name, outgoing HAVING COUNT(*) > 1")
    assert dupes == []
    by_type = dict(sql(store_location, "SELECT t.name, COUNT(*) FROM atoms a "
                       "JOIN atom_types t ON a.tid = t.tid GROUP BY t.name"))
    assert by_type == expected
    ids = {row[0] for row in sql(store_location, "SELECT id FROM atoms")}
    for (outgoing,) in sql(store_location, "SELECT outgoing FROM atoms WHERE outgoing IS NOT NULL"):
        assert {int(x) for x in outgoing.split()} <= ids


# -- 2. another process's commit, seen without sync() ---------------------------------------------
_COMMITTER = """
    import sys, atomtrig
    space = atomtrig.AtomSpace.open(sys.argv[1], workers=0)
    print("ready", flush=True)
    for line in sys.stdin:
        n = line.strip()
        if n == "stop":
            break
        with space.transaction():
            node = space.add_node("Concept", f"fresh{n}")
            space.add_link("Inheritance", [node, space.add_node("Concept", "seen")])
            node.tv = atomtrig.stv(0.25, 0.5)
        print(f"committed {n}", flush=True)
    space.close()
"""


@pytest.mark.parametrize("store_location", BOTH, indirect=True)
def test_a_commit_reaches_an_open_space_within_a_second_without_sync(store_location, procs, env):
    space = atomtrig.AtomSpace.open(store_location, workers=0)
    try:
        child = script(procs, env, _COMMITTER, store_location)
        child.wait_line(lambda line: line == "ready")
        delays = []
        for n in range(3):
            child.send(str(n))
            child.wait_line(lambda line, n=n: line == f"committed {n}")
            t0 = time.monotonic()
            node = None
            while time.monotonic() - t0 < 1.0:
                node = space.get_node("Concept", f"fresh{n}")
                if node is not None and node.incoming_by_type("InheritanceLink"):
                    break
                time.sleep(0.005)
            delays.append(time.monotonic() - t0)
            assert node is not None, f"commit {n} not seen after 1 s (without sync)"
            assert node.incoming_by_type("InheritanceLink"), "the link of the commit is missing"
            assert node.tv == atomtrig.stv(0.25, 0.5)
        child.send("stop")
        all_exit_0([child])
        assert max(delays) < 1.0, delays
    finally:
        space.close()


# -- 3. writers queue, `atomtrig worker` processes run ----------------------------------------------
_QUEUER = """
    import sys, atomtrig
    location, me, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    space = atomtrig.AtomSpace.open(location, workers=0)  # leave the firings to the workers
    hubs = [space.get_node("Concept", "hub0"), space.get_node("Concept", "hub1")]
    print("ready", flush=True)
    sys.stdin.readline()
    i = 0
    while i < count:
        if i % 5 == 0:  # two links in one transaction: both firings commit with it
            with space.transaction():
                for j in (i, i + 1):
                    space.add_link("Inheritance", [space.add_node("Concept", f"w{me}-{j}"), hubs[j % 2]])
            i += 2
        else:
            space.add_link("Inheritance", [space.add_node("Concept", f"w{me}-{i}"), hubs[i % 2]])
            i += 1
    space.close()
    print("done", flush=True)
"""


@pytest.mark.parametrize("store_location", BOTH, indirect=True)
def test_worker_processes_run_every_firing_of_writer_processes_once(store_location, procs, env):
    make_triggers(store_location, ["hub0", "hub1"])
    workers = [worker(procs, env, store_location) for _ in range(2)]
    for w in workers:
        w.wait_line(lambda line: line.startswith("atomtrig worker:"))
    per_writer = 50
    writers = [script(procs, env, _QUEUER, store_location, str(me), str(per_writer))
               for me in range(4)]
    start_together(writers)
    all_exit_0(writers, timeout=60)
    wait_drained(store_location)
    for w in workers:
        w.proc.send_signal(signal.SIGTERM)
    all_exit_0(workers)

    names = {f"w{me}-{i}" for me in range(4) for i in range(per_writer)}
    runs = runs_counted(store_location)
    assert set(runs) == names
    twice = {name: value for name, value in runs.items() if value != FloatValue(1)}
    assert not twice, f"ran more than once: {twice}"
    assert fired(store_location) == len(names)
    ran = [stop_line(w) for w in workers]
    assert sum(r for r, _ in ran) == len(names), ran
    assert all(failed == 0 for _, failed in ran)
    started = Counter(Path(env["WORKER_TARGET_LOG"]).read_text().split()[1::2])
    assert started == Counter(names)  # no firing was even started twice


# -- 4. a worker killed while it holds firings ------------------------------------------------------
@pytest.mark.parametrize("store_location", BOTH, indirect=True)
def test_firings_of_a_killed_worker_are_run_by_another_once(store_location, procs, env):
    names = make_triggers(store_location, ["a", "b", "c"], links=8)
    slow = {**env, "WORKER_TARGET_DELAY": "0.2"}
    log = Path(env["WORKER_TARGET_LOG"])
    doomed = worker(procs, slow, store_location, "--concurrency", "1", "--lease", "1.5")

    def started_by(pid: int) -> list[str]:
        lines = log.read_text().splitlines() if log.exists() else []
        return [name for p, name in (line.split() for line in lines) if int(p) == pid]

    deadline = time.monotonic() + 15
    while len(started_by(doomed.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert started_by(doomed.pid), "the first worker never started a firing:\n" + doomed.report()
    survivor = worker(procs, slow, store_location, "--lease", "1.5")
    survivor.wait_line(lambda line: line.startswith("atomtrig worker:"))
    held = sql(store_location, "SELECT COUNT(*) FROM firings WHERE state = 'running' AND owner LIKE ?",
               (f"%:{doomed.pid}:%",))[0][0]
    assert held > 0, "the worker to kill holds no firing"
    doomed.proc.send_signal(signal.SIGKILL)
    assert doomed.finish() == -signal.SIGKILL
    interrupted = started_by(doomed.pid)

    wait_drained(store_location)
    survivor.proc.send_signal(signal.SIGTERM)
    assert survivor.finish() == 0, survivor.report()
    runs = runs_counted(store_location)
    assert set(runs) == set(names)
    twice = {name: value for name, value in runs.items() if value != FloatValue(1)}
    assert not twice, f"effects committed more than once: {twice}"
    assert fired(store_location) == len(names)
    again = set(interrupted) & set(started_by(survivor.pid))
    assert again, "no firing the killed worker had started was run again by the other"
    ran, failed = stop_line(survivor)
    assert failed == 0 and ran >= len(again)


# -- a live worker keeps what it claimed ------------------------------------------------------------
@pytest.mark.parametrize("hubs", ["a", "ab"])
@pytest.mark.parametrize("store_location", BOTH, indirect=True)
def test_a_live_worker_keeps_its_claim_while_it_runs_longer_than_the_lease(
        store_location, procs, env, hubs):
    names = make_triggers(store_location, list(hubs), links=10)  # 2 s of runs per trigger
    slow = {**env, "WORKER_TARGET_DELAY": "0.2"}
    log = Path(env["WORKER_TARGET_LOG"])
    first = worker(procs, slow, store_location, "--concurrency", "1", "--lease", "1.5")
    deadline = time.monotonic() + 15
    while not (log.exists() and log.read_text()) and time.monotonic() < deadline:
        time.sleep(0.02)
    second = worker(procs, slow, store_location, "--concurrency", "1", "--lease", "1.5")
    second.wait_line(lambda line: line.startswith("atomtrig worker:"))
    wait_drained(store_location)
    for w in (first, second):
        w.proc.send_signal(signal.SIGTERM)
    all_exit_0([first, second])
    started = Counter(line.split()[1] for line in log.read_text().splitlines())
    assert started == Counter(names), "started twice (the claim was lost while its holder ran)"
    assert set(runs_counted(store_location).values()) == {FloatValue(1)}
    assert stop_line(first)[0] + stop_line(second)[0] == len(names)


# -- the command ------------------------------------------------------------------------------------
@pytest.mark.parametrize("store_location", BOTH, indirect=True)
def test_worker_refuses_a_missing_store(store_location, env):
    if store_location.startswith("postgresql"):
        missing = store_location.rsplit("/", 1)[0] + "/atomtrig_no_such_database"
    else:
        missing = store_location
    result = subprocess.run(
        [sys.executable, "-m", "atomtrig.cli", "worker", "--store", missing],
        capture_output=True, text=True, env=env, timeout=30)
    assert result.returncode == 2
    assert "no such store" in result.stderr
    if not store_location.startswith("postgresql"):
        assert not Path(missing).exists()
    # An empty PostgreSQL database is no store either (and is left empty).
    if store_location.startswith("postgresql"):
        result = subprocess.run(
            [sys.executable, "-m", "atomtrig.cli", "worker", "--store", store_location],
            capture_output=True, text=True, env=env, timeout=30)
        assert result.returncode == 2 and "no such store" in result.stderr
        assert sql(store_location, "SELECT COUNT(*) FROM information_schema.tables "
                   "WHERE table_schema = 'public'") == [(0,)]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_worker_stops_on_a_signal_with_status_0(tmp_path, procs, env, signum):
    location = str(tmp_path / "kb.db")
    names = make_triggers(location, ["hub"], links=3)
    w = worker(procs, env, location, "--concurrency", "3")
    start = w.wait_line(lambda line: line.startswith("atomtrig worker:"))
    assert "3 thread(s)" in start
    wait_drained(location)
    w.proc.send_signal(signum)
    assert w.finish(10) == 0, w.report()
    assert stop_line(w) == (len(names), 0)
