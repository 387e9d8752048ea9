"""PostgreSQL restarted (``pg_ctlcluster``) while a writer and two worker processes use the store:
they reconnect by themselves, nothing committed is lost and no firing is lost or run twice.

This restarts the machine's PostgreSQL server, so it runs only where ``pg_ctlcluster`` may do
that (the CI machine: root, the cluster of ``ATOMTRIG_TEST_POSTGRES``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
TESTS = str(Path(__file__).parent)

_WRITER = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, sys.argv[2])
    import storage_support, atomtrig
    from atomtrig.storage import StorageError
    space = atomtrig.AtomSpace.open(sys.argv[1], workers=0)
    hub = space.get_node("Concept", "hub")
    i = 0
    stop_at = time.monotonic() + float(sys.argv[3])
    while time.monotonic() < stop_at:
        try:
            with space.transaction():
                space.add_link("Inheritance", [space.add_node("Concept", f"n{i}"), hub])
        except StorageError as error:  # the server is down: nothing of it was committed
            print(f"retry {i} {type(error).__name__}", flush=True)
            time.sleep(0.2)
            continue
        print(f"tx {i}", flush=True)
        i += 1
        time.sleep(0.01)
    space.close()
    print("done", flush=True)
    """
)

_WORKER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[2])
    import storage_support, atomtrig
    space = atomtrig.AtomSpace.open(sys.argv[1], workers=2, lease=3.0)
    print("ready", flush=True)
    sys.stdin.readline()
    space.close()
    """
)


def _cluster(url: str) -> tuple[str, str]:
    """The (version, name) of the local cluster serving ``url``'s port."""
    port = url.rsplit(":", 1)[1].split("/", 1)[0] if url.count(":") >= 2 else "5432"
    listing = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True,
                             check=True).stdout
    for line in listing.splitlines():
        version, name, cluster_port = line.split()[:3]
        if cluster_port == port:
            return version, name
    raise AssertionError(f"no local cluster on port {port}: {listing}")


def _server_started(url: str) -> object:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SELECT pg_postmaster_start_time()").fetchone()[0]


def _wait_for_server(url: str, timeout: float = 60.0) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(url, connect_timeout=2) as conn:
                conn.execute("SELECT 1")
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.mark.skipif(shutil.which("pg_ctlcluster") is None or os.geteuid() != 0,
                    reason="needs pg_ctlcluster as root to restart the local server")
def test_a_restart_loses_nothing_committed_and_no_firing(postgres_database: str) -> None:
    import atomtrig
    from conftest import empty_postgres

    url = postgres_database
    empty_postgres(url)
    version, name = _cluster(url)
    setup = atomtrig.AtomSpace.open(url, workers=0)
    hub = setup.add_node("Concept", "hub")
    body = setup.add_link("ExecutionOutput", [setup.add_node("GroundedSchema", "py:storage-test-count")])
    setup.add_trigger("RelationshipTrigger", [hub, body], mode="async")
    setup.close()

    workers = [subprocess.Popen([sys.executable, "-c", _WORKER, url, TESTS], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True) for _ in range(2)]
    for worker in workers:
        assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, url, TESTS, "6"],
                              stdout=subprocess.PIPE, text=True)
    time.sleep(1.5)
    started = _server_started(url)
    subprocess.run(["pg_ctlcluster", version, name, "restart", "-m", "fast"], check=True,
                   timeout=120)
    _wait_for_server(url)
    assert _server_started(url) != started  # the server did restart under the writer
    out, _ = writer.communicate(timeout=120)
    assert writer.returncode == 0, out[-2000:]
    lines = out.splitlines()
    assert lines[-1] == "done"
    committed = {int(line.split()[1]) for line in lines if line.startswith("tx ")}
    assert max(committed) > 20

    check = atomtrig.AtomSpace.open(url, workers=0)
    try:
        deadline = time.monotonic() + 90
        while True:
            depth = check.store.backend.queue_depth()
            if depth["queued"] == 0 and depth["held"] == 0:
                break
            assert time.monotonic() < deadline, f"firings were not run: {depth}"
            time.sleep(0.2)
        check.sync()
        hub = check.get_node("Concept", "hub")
        present = {int(link.out[0].name[1:]) for link in hub.incoming_by_type("InheritanceLink")}
        assert present == committed  # nothing committed lost, nothing uncommitted there
        for i in committed:
            counter = check.get_node("Concept", f"ran:n{i}")
            assert counter is not None, f"the firing for n{i} was lost"
            assert counter.get_value("runs")[0] == 1, f"the firing for n{i} ran twice"
        assert depth["parked"] == 0
    finally:
        check.close()
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write("\n")
            worker.stdin.flush()
            worker.wait(60)
