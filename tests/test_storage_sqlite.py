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
    StoreInUseError,
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


def test_an_older_version_is_migrated_by_the_migration_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Fake a version-0 store: version 1 minus the store_state table, which the step adds.
    path = tmp_path / "kb.db"
    _make_store(path, 5)
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE store_state")
    conn.execute("UPDATE atomtrig_meta SET value = '0' WHERE key = 'version'")
    conn.commit()
    conn.close()
    calls = []

    def v0_to_v1(conn: sqlite3.Connection) -> None:
        calls.append(0)
        conn.execute(
            "CREATE TABLE store_state (namespace TEXT NOT NULL, key TEXT NOT NULL, "
            "value TEXT NOT NULL, PRIMARY KEY (namespace, key))"
        )

    monkeypatch.setitem(sqlite_module.MIGRATIONS, 0, v0_to_v1)
    space = atomtrig.AtomSpace.open(path)
    assert calls == [0]
    assert space._store.backend.migrated_from == 0
    assert len(space) == 10
    space.close()
    assert _meta(path)["version"] == "1"
    space = atomtrig.AtomSpace.open(path)  # migrated once only
    assert calls == [0]
    space.close()


def test_a_failing_migration_leaves_the_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "kb.db"
    _make_store(path, 5)
    _execute_sql(path, "UPDATE atomtrig_meta SET value = '0' WHERE key = 'version'")

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("DELETE FROM atoms")
        raise RuntimeError("migration bug")

    monkeypatch.setitem(sqlite_module.MIGRATIONS, 0, broken)
    with pytest.raises(RuntimeError, match="migration bug"):
        atomtrig.AtomSpace.open(path)
    monkeypatch.delitem(sqlite_module.MIGRATIONS, 0)
    assert _meta(path)["version"] == "0"
    conn = sqlite3.connect(path)
    count = conn.execute("SELECT COUNT(*) FROM atoms").fetchone()[0]
    conn.close()
    assert count == 10
    with pytest.raises(StoreVersionError, match="cannot migrate"):
        atomtrig.AtomSpace.open(path)


_CHILD = textwrap.dedent(
    """
    import sys, time, atomtrig
    space = atomtrig.AtomSpace.open(sys.argv[1])
    space.add_node("Concept", "from the child")
    print("open", flush=True)
    sys.stdin.readline()
    space.close()
    print("closed", flush=True)
    """
)


def test_a_second_process_gets_a_clear_store_in_use_error(tmp_path: Path) -> None:
    path = tmp_path / "kb.db"
    _make_store(path, 1)
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(path)], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert child.stdout.readline().strip() == "open"
        with pytest.raises(StoreInUseError, match="in use by another process"):
            atomtrig.AtomSpace.open(path)
        child.stdin.write("\n")
        child.stdin.flush()
        assert child.stdout.readline().strip() == "closed"
    finally:
        child.wait(timeout=30)
    space = atomtrig.AtomSpace.open(path)  # released: ours now, with the child's change
    assert space.get_node("Concept", "from the child") is not None
    space.close()
    assert _integrity(path) == "ok"


def test_an_opener_with_wait_gets_the_store_once_the_other_process_closes_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "kb.db"
    _make_store(path, 1)
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(path)], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert child.stdout.readline().strip() == "open"
        with pytest.raises(StoreInUseError):
            atomtrig.AtomSpace.open(path, wait=0.2)  # still held: waits, then gives up
        child.stdin.write("\n")  # the child closes the store now...
        child.stdin.flush()
        space = atomtrig.AtomSpace.open(path, wait=20)  # ...and this opener takes it over
        assert space.get_node("Concept", "from the child") is not None
        space.close()
    finally:
        child.wait(timeout=30)
    with pytest.raises(StorageError, match="wait must be"):
        atomtrig.AtomSpace.open(path, wait=-1)


@pytest.mark.parametrize("level", ["OFF", "NORMAL", "FULL"])
def test_the_synchronous_level_is_selectable(tmp_path: Path, level: str) -> None:
    space = atomtrig.AtomSpace.open(tmp_path / "kb.db", synchronous=level.lower())
    backend = space._store.backend
    assert backend.describe()["synchronous"] == level
    codes = {"OFF": 0, "NORMAL": 1, "FULL": 2}
    assert backend._conn.execute("PRAGMA synchronous").fetchone()[0] == codes[level]
    space.close()


def test_bad_settings_are_refused(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="synchronous must be one of"):
        atomtrig.AtomSpace.open(tmp_path / "kb.db", synchronous="sometimes")
    with pytest.raises(StorageError, match="journal_mode must be one of"):
        atomtrig.AtomSpace.open(tmp_path / "kb.db", journal_mode="MEMORY")
    with pytest.raises(StorageError, match="file path or a StorageBackend"):
        atomtrig.AtomSpace.open(42)  # type: ignore[arg-type]
    assert not (tmp_path / "kb.db").exists()


def test_rollback_journal_mode_works_too(tmp_path: Path) -> None:
    path = tmp_path / "kb.db"
    space = atomtrig.AtomSpace.open(path, journal_mode="DELETE", synchronous="FULL")
    space.add_node("Concept", "x")
    space.close()
    again = atomtrig.AtomSpace.open(path, journal_mode="DELETE")
    assert again.get_node("Concept", "x") is not None
    again.close()


def _integrity(path: Path) -> str:
    backend = SQLiteBackend(path)
    try:
        return backend.integrity_check()
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
