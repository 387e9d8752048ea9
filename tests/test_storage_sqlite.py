"""The SQLite file itself: format version and migrations, files that are not stores, damaged
files, a second process, durability settings."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import atomtrig
from atomtrig.storage import (
    NotAStoreError,
    SQLiteBackend,
    StorageError,
    StoreCorruptError,
    StoreVersionError,
)
from atomtrig.storage import sqlite as sqlite_module


def _make_store(path: Path, n: int = 50) -> None:
    space = atomtrig.AtomSpace.open(path)
    with space.transaction():
        for i in range(n):
            space.add_link("List", [space.add_node("Concept", f"n{i}")])
    space.close()


def _meta(path: Path) -> dict[str, str]:
    conn = sqlite3.connect(path)
    try:
        return dict(conn.execute("SELECT key, value FROM atomtrig_meta").fetchall())
    finally:
        conn.close()



def _execute_sql(path: Path, statement: str) -> None:
    """Change the file behind atomtrig's back, as another program (or damage) would."""
    conn = sqlite3.connect(path)
    conn.execute(statement)
    conn.commit()
    conn.close()


def _assert_refused_unchanged(path: Path, error: type[Exception], match: str) -> None:
    """Opening ``path`` raises ``error`` (matching ``match``) and leaves its bytes as they were."""
    before = path.read_bytes()
    with pytest.raises(error, match=match):
        atomtrig.AtomSpace.open(path)
    assert path.read_bytes() == before

def test_a_new_store_records_its_format_and_version(tmp_path: Path) -> None:
    path = tmp_path / "kb.db"
    _make_store(path, 1)
    assert _meta(path)["format"] == "atomtrig-store"
    assert _meta(path)["version"] == str(sqlite_module.FORMAT_VERSION)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == sqlite_module.APPLICATION_ID
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_a_file_that_is_not_a_database_is_refused_and_left_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"(ConceptNode \"not a database\")\n" * 10)
    _assert_refused_unchanged(path, NotAStoreError, "not an atomtrig store")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.db"]


def test_another_programs_database_is_refused_and_left_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.execute("INSERT INTO invoices (total) VALUES (9.5)")
    conn.commit()
    conn.close()
    _assert_refused_unchanged(path, NotAStoreError, "not an atomtrig store")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]


def test_a_newer_format_version_is_refused_and_left_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "kb.db"
    _make_store(path)
    _execute_sql(path, "UPDATE atomtrig_meta SET value = '99' WHERE key = 'version'")
    _assert_refused_unchanged(path, StoreVersionError, "version 99, newer")


def test_a_damaged_file_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "kb.db"
    _make_store(path, 3000)
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(2 * page, len(data), page):  # garble every page after the schema's
        data[offset : offset + 200] = bytes(range(200))
    path.write_bytes(bytes(data))
    before = path.read_bytes()
    with pytest.raises(StorageError) as info:
        atomtrig.AtomSpace.open(path)
    assert isinstance(info.value, (StoreCorruptError, NotAStoreError))
    assert "damaged" in str(info.value) or "not an atomtrig store" in str(info.value)
    assert path.read_bytes() == before


_SCHEMA_V1 = """
CREATE TABLE atomtrig_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE atom_types (tid INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, parents TEXT);
CREATE TABLE atoms (id INTEGER PRIMARY KEY, tid INTEGER NOT NULL, name TEXT, outgoing TEXT, tv TEXT);
CREATE TABLE atom_values (atom INTEGER NOT NULL, key INTEGER NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (atom, key));
CREATE INDEX atom_values_by_key ON atom_values (key);
CREATE TABLE store_state (namespace TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (namespace, key));
"""


def _make_v1_store(path: Path) -> None:
    """A store as atomtrig's format 1 wrote it, holding one atom twice (a format-1 race)."""
    conn = sqlite3.connect(path)
    conn.executescript(_SCHEMA_V1)
    conn.executemany("INSERT INTO atomtrig_meta VALUES (?, ?)",
                     [("format", "atomtrig-store"), ("version", "1"), ("next_id", "6")])
    conn.executemany("INSERT INTO atom_types VALUES (?, ?, NULL)",
                     [(1, "ConceptNode"), (2, "ListLink"), (3, "PredicateNode")])
    conn.executemany("INSERT INTO atoms VALUES (?, ?, ?, ?, ?)", [
        (1, 1, "a", None, None), (2, 1, "b", None, "0.5 0.5"), (3, 1, "a", None, None),
        (4, 2, None, "3 2", None), (5, 3, "w", None, None)])
    conn.execute("INSERT INTO atom_values VALUES (3, 5, ?)", ('{"f":[1.0]}',))
    conn.execute(f"PRAGMA application_id={sqlite_module.APPLICATION_ID}")
    conn.execute("PRAGMA user_version=1")
    conn.commit()
    conn.close()


def test_a_version_1_store_is_migrated_on_open(tmp_path: Path) -> None:
    path = tmp_path / "kb.db"
    _make_v1_store(path)
    with pytest.raises(StoreVersionError, match="open it once for writing"):
        atomtrig.AtomSpace.open(path, readonly=True)  # looking never migrates
    assert _meta(path)["version"] == "1"
    space = atomtrig.AtomSpace.open(path)
    assert space.store.backend.migrated_from == 1
    a = space.get_node("Concept", "a")
    (link,) = a.incoming
    assert [x.name for x in link.out] == ["a", "b"] and link.out[1].tv == atomtrig.stv(0.5, 0.5)
    assert len(space) == 4  # the second row of "a" merged into the first
    assert a.get_value("w") is not None
    space.close()
    assert _meta(path)["version"] == "2"
    again = atomtrig.AtomSpace.open(path, readonly=True)
    assert len(again) == 4
    again.close()


def test_a_failing_migration_leaves_the_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "kb.db"
    _make_v1_store(path)

    def broken(c, version, store) -> None:  # type: ignore[no-untyped-def]
        c.execute("DELETE FROM atoms")
        raise RuntimeError("migration bug")

    monkeypatch.setattr(sqlite_module, "migrate_sqlite", broken)
    before = path.read_bytes()
    with pytest.raises(RuntimeError, match="migration bug"):
        atomtrig.AtomSpace.open(path)
    assert path.read_bytes() == before
    monkeypatch.undo()
    space = atomtrig.AtomSpace.open(path)
    assert len(space) == 4
    space.close()


_CHILD = textwrap.dedent(
    """
    import sys, time, atomtrig
    space = atomtrig.AtomSpace.open(sys.argv[1])
    space.add_node("Concept", "from the child")
    print("open", flush=True)
    sys.stdin.readline()
    space.sync()
    print("sees parent" if space.get_node("Concept", "from the parent") else "blind", flush=True)
    space.close()
    """
)


def test_a_second_process_opens_the_store_at_the_same_time(tmp_path: Path) -> None:
    path = tmp_path / "kb.db"
    _make_store(path, 1)
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(path)], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert child.stdout.readline().strip() == "open"
        space = atomtrig.AtomSpace.open(path)  # no "in use": both have it open
        assert space.get_node("Concept", "from the child") is not None
        space.add_node("Concept", "from the parent")
        child.stdin.write("\n")
        child.stdin.flush()
        assert child.stdout.readline().strip() == "sees parent"
        space.close()
    finally:
        child.wait(timeout=30)
    assert _integrity(path) == "ok"


@pytest.mark.parametrize("level", ["OFF", "NORMAL", "FULL"])
def test_the_synchronous_level_is_selectable(tmp_path: Path, level: str) -> None:
    space = atomtrig.AtomSpace.open(tmp_path / "kb.db", synchronous=level.lower())
    backend = space.store.backend
    assert backend.describe()["synchronous"] == level
    codes = {"OFF": 0, "NORMAL": 1, "FULL": 2}
    assert backend._conn().execute("PRAGMA synchronous").fetchone()[0] == codes[level]
    space.close()


def test_bad_settings_are_refused(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="synchronous must be one of"):
        atomtrig.AtomSpace.open(tmp_path / "kb.db", synchronous="sometimes")
    with pytest.raises(StorageError, match="busy_timeout must be"):
        atomtrig.AtomSpace.open(tmp_path / "kb.db", busy_timeout=-1)
    with pytest.raises(StorageError, match="a store location must be a path"):
        atomtrig.AtomSpace.open(42)  # type: ignore[arg-type]
    with pytest.raises(StorageError, match="unknown store location scheme 'mysql'"):
        atomtrig.AtomSpace.open("mysql://x/y")
    assert not (tmp_path / "kb.db").exists()


def _integrity(path: Path) -> str:
    backend = SQLiteBackend(path, readonly=True)
    try:
        return backend.check()
    finally:
        backend.close()


def test_a_damaged_row_gives_a_clear_error_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "kb.db"
    _make_store(path, 5)
    _execute_sql(path, "UPDATE atoms SET outgoing = '999999' WHERE outgoing IS NOT NULL")
    _assert_refused_unchanged(path, StoreCorruptError, "damaged")


def test_a_stored_type_that_conflicts_with_this_process_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "kb.db"
    child = textwrap.dedent(
        """
        import sys, atomtrig
        atomtrig.declare_type("StorageConflictNode", ["ConceptNode"])
        space = atomtrig.AtomSpace.open(sys.argv[1])
        space.add_node("StorageConflict", "x")
        space.close()
        """
    )
    subprocess.run([sys.executable, "-c", child, str(path)], check=True, timeout=120)
    atomtrig.declare_type("StorageConflictNode", ["PredicateNode"])  # same name, other parent
    _assert_refused_unchanged(path, StorageError, "StorageConflictNode.*cannot be restored")


def test_an_empty_file_is_refused_and_left_empty(tmp_path: Path) -> None:
    path = tmp_path / "kb.db"
    path.write_bytes(b"")
    _assert_refused_unchanged(path, StoreCorruptError, "empty file")
    assert path.read_bytes() == b""


def test_a_store_whose_text_does_not_decode_is_refused_and_left_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "kb.db"
    _make_store(path, 5)
    # One flipped byte in a name: the row is no longer UTF-8.
    _execute_sql(path, "UPDATE atoms SET name = CAST(X'6EFF' AS TEXT) WHERE name = 'n3'")
    _assert_refused_unchanged(path, StoreCorruptError, "damaged")


def test_a_store_failing_quick_check_is_refused_and_left_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "kb.db"
    _make_store(path, 2000)
    conn = sqlite3.connect(path)
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'atoms_hash'"
                        " OR (tbl_name = 'atoms' AND type = 'index')").fetchone()[0]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(path.read_bytes())
    start = (root - 1) * page_size
    data[start + 8 : start + 40] = bytes(reversed(data[start + 8 : start + 40]))  # an index page
    path.write_bytes(bytes(data))
    before = path.read_bytes()
    with pytest.raises(StoreCorruptError, match="damaged"):
        atomtrig.AtomSpace.open(path)
    assert path.read_bytes() == before


def test_a_read_only_file_is_named_as_such_and_can_still_be_inspected(tmp_path: Path) -> None:
    import os
    import shutil

    path = tmp_path / "kb.db"
    _make_store(path, 3)
    path.chmod(0o444)
    # Root may write any file it can chmod; an immutable file (chattr +i) it may not.
    immutable = os.access(path, os.W_OK) and shutil.which("chattr") is not None and \
        subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0
    try:
        if os.access(path, os.W_OK):
            pytest.skip("this user may write the file despite its mode, and chattr +i failed")
        before = path.read_bytes()
        with pytest.raises(StorageError, match="read-only"):
            atomtrig.AtomSpace.open(path)
        space = atomtrig.AtomSpace.open(path, readonly=True)
        assert len(space) == 6
        space.close()
        assert path.read_bytes() == before
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        path.chmod(0o644)


def test_a_read_only_open_refuses_changes_and_runs_nothing(tmp_path: Path) -> None:
    from atomtrig.storage import StoreReadOnlyError

    path = tmp_path / "kb.db"
    writer = atomtrig.AtomSpace.open(path, workers=0)
    hub = writer.add_node("Concept", "hub")
    body = writer.add_link("ExecutionOutput", [writer.add_node("GroundedSchema", "py:os.system")])
    writer.add_trigger("RelationshipTrigger", [hub, body], mode="async")
    writer.add_link("Inheritance", [writer.add_node("Concept", "x"), hub])  # a queued firing
    writer.close()
    before = path.read_bytes()
    atomtrig.allow_module("os")  # even allowed, a read-only open delivers nothing
    space = atomtrig.AtomSpace.open(path, readonly=True)
    assert space.store.backend.queue_depth()["queued"] == 1
    with pytest.raises(StoreReadOnlyError, match="read-only"):
        space.add_node("Concept", "y")
    assert space.get_node("Concept", "y") is None  # undone in memory too
    space.close()
    assert path.read_bytes() == before
