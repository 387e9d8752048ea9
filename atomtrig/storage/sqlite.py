"""The embedded SQLite backend, the default store: one file, no server.

Guarantees:

- ``transactional``: each batch is one SQLite transaction; after a crash (even SIGKILL or a power
  cut, see below) a batch is there entirely or not at all, and ``PRAGMA integrity_check`` passes.
- ``durable``: with ``synchronous="FULL"`` a committed batch survives a power cut; with the
  default ``synchronous="NORMAL"`` (in WAL mode) it survives a crash of the process or of the
  program, but the last commits before a power cut or OS crash may be lost (never half of one).
  ``"OFF"`` trades even that for speed: a power cut may corrupt the file.
- ``durable_triggers``: trigger firings and trigger/schedule state are rows of the same file,
  written in the same transaction as the change that caused them.

It does NOT give ``multi_process``: the file is opened with SQLite's exclusive locking mode, so
while one AtomSpace has it open, another process (or another ``AtomSpace.open`` of the same file)
gets :class:`~atomtrig.storage.errors.StoreInUseError` at once instead of corrupting it or
seeing stale atoms. Close the space (or end the process) to release it.

The SQL is kept portable (no SQLite-only syntax in the data statements; ``ON CONFLICT ... DO
UPDATE`` is also PostgreSQL's) so a PostgreSQL backend can share it. The format carries a
version (``atomtrig_meta``, and ``PRAGMA user_version``); older versions are migrated by the
steps in :data:`MIGRATIONS`, in one transaction.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "kb.db")
>>> backend = SQLiteBackend(path)
>>> backend.describe()["format_version"], backend.durable, backend.multi_process
(1, True, False)
>>> backend.close()
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from atomtrig.storage.base import AtomRow, Batch, Loaded, StorageBackend, TypeRow
from atomtrig.storage.errors import (
    NotAStoreError,
    StorageError,
    StoreClosedError,
    StoreCorruptError,
    StoreInUseError,
    StoreVersionError,
)

FORMAT_NAME = "atomtrig-store"
FORMAT_VERSION = 1
APPLICATION_ID = 0x41544D54  # "ATMT": marks the file as an atomtrig store for `file(1)` too
SYNCHRONOUS_LEVELS = ("OFF", "NORMAL", "FULL", "EXTRA")
JOURNAL_MODES = ("WAL", "DELETE", "TRUNCATE", "PERSIST")

SCHEMA_V1 = """
CREATE TABLE atomtrig_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE atom_types (tid INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, parents TEXT);
CREATE TABLE atoms (
    id INTEGER PRIMARY KEY,
    tid INTEGER NOT NULL,
    name TEXT,
    outgoing TEXT,
    tv TEXT
);
CREATE TABLE atom_values (
    atom INTEGER NOT NULL,
    key INTEGER NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (atom, key)
);
CREATE INDEX atom_values_by_key ON atom_values (key);
CREATE TABLE store_state (
    namespace TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (namespace, key)
);
"""

Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: dict[int, Migration] = {}
"""``MIGRATIONS[v]`` upgrades a store of format version ``v`` to ``v + 1``. Version 1 is the
first, so the table is empty; a format change adds its step here (and bumps FORMAT_VERSION)."""

_SQLITE_HEADER = b"SQLite format 3\x00"


class SQLiteBackend(StorageBackend):
    """An atomtrig store in one SQLite file; see the module docstring for its guarantees.

    ``synchronous`` is SQLite's synchronous level (``"NORMAL"`` by default, ``"FULL"`` to
    survive power cuts); ``journal_mode`` is ``"WAL"`` by default.
    """

    name = "sqlite"
    transactional = True
    durable = True
    durable_triggers = True
    multi_process = False

    def __init__(
        self,
        path: str | os.PathLike[str],
        synchronous: str = "NORMAL",
        journal_mode: str = "WAL",
        wait: float = 0.0,
    ) -> None:
        self.path = Path(path)
        self.synchronous = _choice("synchronous", synchronous, SYNCHRONOUS_LEVELS)
        self.journal_mode = _choice("journal_mode", journal_mode, JOURNAL_MODES)
        if isinstance(wait, bool) or not isinstance(wait, (int, float)) or not wait >= 0:
            raise StorageError(f"wait must be a number of seconds >= 0, not {wait!r}")
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self.migrated_from: int | None = None
        # While another process holds the file, retry for up to ``wait`` seconds (0: fail at
        # once with StoreInUseError).
        self.reacquire(wait)

    # -- opening -----------------------------------------------------------------------------
    def _open(self) -> None:
        existed = self.path.exists() and self.path.stat().st_size > 0
        if existed:
            with open(self.path, "rb") as handle:
                if handle.read(16) != _SQLITE_HEADER:
                    raise NotAStoreError(
                        f"{self.path} is not an atomtrig store (not an SQLite database); "
                        "it was left unchanged"
                    )
        elif self.path.is_dir():
            raise NotAStoreError(f"{self.path} is a directory, not an atomtrig store file")
        try:
            conn = sqlite3.connect(
                str(self.path), isolation_level=None, check_same_thread=False, timeout=0
            )
        except sqlite3.Error as error:
            raise StorageError(f"cannot open {self.path}: {error}") from None
        try:
            # Exclusive locking mode first: it is what makes a second opener fail cleanly (and,
            # in WAL mode, keeps the WAL index in process memory instead of a -shm file).
            conn.execute("PRAGMA locking_mode=EXCLUSIVE")
            if existed:
                self._check_existing(conn)
            conn.execute(f"PRAGMA journal_mode={self.journal_mode}").fetchone()
            conn.execute(f"PRAGMA synchronous={self.synchronous}")
            if existed:
                conn.execute("BEGIN EXCLUSIVE")  # takes the lock now; it is kept until close
            else:
                conn.executescript("BEGIN EXCLUSIVE;" + SCHEMA_V1)
                conn.executemany(
                    "INSERT INTO atomtrig_meta (key, value) VALUES (?, ?)",
                    [("format", FORMAT_NAME), ("version", str(FORMAT_VERSION)), ("next_id", "1")],
                )
                conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version={FORMAT_VERSION}")
            conn.execute("COMMIT")
        except StorageError:
            conn.close()
            raise
        except sqlite3.OperationalError as error:
            conn.close()
            if "locked" in str(error) or "busy" in str(error):
                raise StoreInUseError(
                    f"{self.path} is in use by another process (or another open AtomSpace); "
                    "atomtrig stores are single-process: close the other one first"
                ) from None
            raise _classify(error, self.path) from None
        except sqlite3.DatabaseError as error:
            conn.close()
            raise _classify(error, self.path) from None
        except BaseException:
            conn.close()
            raise
        self._conn = conn

    def _check_existing(self, conn: sqlite3.Connection) -> None:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        if app_id != APPLICATION_ID:
            raise NotAStoreError(
                f"{self.path} is an SQLite database but not an atomtrig store; "
                "it was left unchanged"
            )
        try:
            rows = dict(conn.execute("SELECT key, value FROM atomtrig_meta").fetchall())
        except sqlite3.OperationalError as error:
            if "locked" in str(error):
                raise
            raise StoreCorruptError(f"{self.path}: the store's metadata is missing ({error})") from None
        if rows.get("format") != FORMAT_NAME:
            raise NotAStoreError(f"{self.path} is not an atomtrig store; it was left unchanged")
        try:
            version = int(rows["version"])
        except (KeyError, ValueError):
            raise StoreCorruptError(f"{self.path}: the store's format version is damaged") from None
        if version > FORMAT_VERSION:
            raise StoreVersionError(
                f"{self.path} has format version {version}, newer than this atomtrig reads "
                f"({FORMAT_VERSION}); upgrade atomtrig. The file was left unchanged"
            )
        if version < FORMAT_VERSION:
            self._migrate(conn, version)

    def _migrate(self, conn: sqlite3.Connection, version: int) -> None:
        start = version
        conn.execute("BEGIN EXCLUSIVE")
        try:
            while version < FORMAT_VERSION:
                step = MIGRATIONS.get(version)
                if step is None:
                    raise StoreVersionError(
                        f"{self.path} has format version {version}, which this atomtrig cannot "
                        "migrate; the file was left unchanged"
                    )
                step(conn)
                version += 1
            conn.execute("UPDATE atomtrig_meta SET value = ? WHERE key = 'version'", (str(version),))
            conn.execute(f"PRAGMA user_version={version}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        self.migrated_from = start

    # -- reading -----------------------------------------------------------------------------
    def _connection(self) -> sqlite3.Connection:
        conn = self._conn
        if conn is None:
            raise StoreClosedError(f"the store {self.path} is closed")
        return conn

    def load(self) -> Loaded:
        conn = self._connection()
        try:
            type_rows: list[TypeRow] = conn.execute(
                "SELECT tid, name, parents FROM atom_types ORDER BY tid"
            ).fetchall()
            meta = dict(conn.execute("SELECT key, value FROM atomtrig_meta").fetchall())
            next_id = int(meta.get("next_id", "1"))
            max_id = conn.execute("SELECT MAX(id) FROM atoms").fetchone()[0] or 0
        except sqlite3.DatabaseError as error:
            raise _classify(error, self.path) from None
        return Loaded(
            types=type_rows,
            # The cursor itself: iterating it runs in C (a read error surfaces in the loader,
            # which reports it as a damaged store).
            atoms=conn.execute("SELECT id, tid, name, outgoing, tv FROM atoms ORDER BY id"),
            values=self._rows("SELECT atom, key, value FROM atom_values"),  # type: ignore[arg-type]
            next_id=max(next_id, max_id + 1),
        )

    def _rows(self, sql: str) -> Iterator[AtomRow]:
        conn = self._connection()
        try:
            cursor = conn.execute(sql)
            while True:
                chunk = cursor.fetchmany(65536)
                if not chunk:
                    return
                yield from chunk
        except sqlite3.DatabaseError as error:
            raise _classify(error, self.path) from None

    def read_state(self, namespace: str) -> dict[str, str]:
        with self._lock:
            rows = self._connection().execute(
                "SELECT key, value FROM store_state WHERE namespace = ?", (namespace,)
            ).fetchall()
        return dict(rows)

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check`` verdict (``"ok"`` when the file is sound)."""
        with self._lock:
            return str(self._connection().execute("PRAGMA integrity_check").fetchone()[0])

    # -- writing -----------------------------------------------------------------------------
    def apply(self, batch: Batch) -> None:
        with self._lock:
            conn = self._connection()
            try:
                conn.execute("BEGIN")
                try:
                    self._write(conn, batch)
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as error:
                raise StorageError(f"writing to {self.path} failed: {error}") from None

    @staticmethod
    def _write(conn: sqlite3.Connection, batch: Batch) -> None:
        if batch.clear:
            conn.execute("DELETE FROM atom_values")
            conn.execute("DELETE FROM atoms")
        if batch.types:
            conn.executemany(
                "INSERT INTO atom_types (tid, name, parents) VALUES (?, ?, ?)", batch.types
            )
        if batch.inserts:
            conn.executemany(
                "INSERT INTO atoms (id, tid, name, outgoing, tv) VALUES (?, ?, ?, ?, ?)",
                batch.inserts,
            )
        if batch.tvs:
            conn.executemany(
                "UPDATE atoms SET tv = ? WHERE id = ?", [(t, i) for i, t in batch.tvs.items()]
            )
        if batch.values:
            puts = [(a, k, v) for (a, k), v in batch.values.items() if v is not None]
            dels = [(a, k) for (a, k), v in batch.values.items() if v is None]
            if puts:
                conn.executemany(
                    "INSERT INTO atom_values (atom, key, value) VALUES (?, ?, ?) "
                    "ON CONFLICT (atom, key) DO UPDATE SET value = excluded.value",
                    puts,
                )
            if dels:
                conn.executemany("DELETE FROM atom_values WHERE atom = ? AND key = ?", dels)
        if batch.removals:
            doomed = [(i,) for i in batch.removals]
            conn.executemany("DELETE FROM atom_values WHERE atom = ?", doomed)
            conn.executemany("DELETE FROM atom_values WHERE key = ?", doomed)
            conn.executemany("DELETE FROM atoms WHERE id = ?", doomed)
        if batch.state:
            state_puts = [(n, k, v) for (n, k), v in batch.state.items() if v is not None]
            state_dels = [(n, k) for (n, k), v in batch.state.items() if v is None]
            if state_puts:
                conn.executemany(
                    "INSERT INTO store_state (namespace, key, value) VALUES (?, ?, ?) "
                    "ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value",
                    state_puts,
                )
            if state_dels:
                conn.executemany(
                    "DELETE FROM store_state WHERE namespace = ? AND key = ?", state_dels
                )
        conn.execute(
            "UPDATE atomtrig_meta SET value = ? WHERE key = 'next_id'", (str(batch.next_id),)
        )
        # Every commit bumps a counter: a process that let the file go (the schedule runner)
        # sees on taking it back whether anyone else wrote in between.
        conn.execute(
            "INSERT INTO atomtrig_meta (key, value) VALUES ('commits', '1') ON CONFLICT (key) "
            "DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)"
        )

    def close(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            try:
                if self.journal_mode == "WAL":
                    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error:
                pass
            conn.close()

    # -- letting the file go and taking it back (the schedule runner's windows) -------------
    def commit_count(self) -> int:
        """How many batches were ever committed to this file (by any process)."""
        with self._lock:
            row = self._connection().execute(
                "SELECT value FROM atomtrig_meta WHERE key = 'commits'"
            ).fetchone()
        return int(row[0]) if row else 0

    def release(self) -> None:
        """Close the file (releasing the exclusive lock) but keep this backend usable:
        :meth:`reacquire` opens it again. Writes in between raise ``StoreClosedError``."""
        self.close()

    def reacquire(self, wait: float = 0.0, poll: float = 0.005) -> None:
        """Open the file again after :meth:`release`, retrying for up to ``wait`` seconds while
        another process holds it (then ``StoreInUseError``)."""
        import time

        deadline = time.monotonic() + wait
        while True:
            with self._lock:
                if self._conn is not None:
                    return
            try:
                self._open()
                return
            except StoreInUseError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(poll)

    def describe(self) -> dict[str, object]:
        return {
            "backend": self.name,
            "path": str(self.path),
            "format_version": FORMAT_VERSION,
            "synchronous": self.synchronous,
            "journal_mode": self.journal_mode,
        }


def _choice(argument: str, value: str, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value.upper() not in allowed:
        raise StorageError(f"{argument} must be one of {', '.join(allowed)}, not {value!r}")
    return value.upper()


def _classify(error: sqlite3.Error, path: Path) -> StorageError:
    text = str(error)
    if "not a database" in text:
        return NotAStoreError(f"{path} is not an atomtrig store ({text}); it was left unchanged")
    if "malformed" in text or "corrupt" in text:
        return StoreCorruptError(f"{path} is damaged: {text}")
    return StorageError(f"{path}: {text}")
