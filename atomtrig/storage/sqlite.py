"""The embedded SQLite backend, the default store: one file, no server, any number of processes.

Guarantees:

- ``transactional``: each batch is one SQLite transaction; after a crash (even SIGKILL or a power
  cut, see below) a batch is there entirely or not at all.
- ``durable``: with ``synchronous="FULL"`` a committed batch survives a power cut; with the
  default ``synchronous="NORMAL"`` (WAL mode) it survives a crash of the process, but the last
  commits before a power cut or OS crash may be lost (never half of one).
- ``durable_triggers``: trigger firings, schedules and statistics are rows of the same file,
  written in the same transaction as the change that caused them.
- ``multi_process``: several processes (on one machine: SQLite needs a local file system) may
  have the file open at once. Writers take turns (``BEGIN IMMEDIATE``; a writer waits up to
  ``busy_timeout`` seconds for another's transaction), readers never wait; each process follows
  the change feed, whose order is commit order because writers are serialised.

It does NOT spread over machines (use PostgreSQL), and a write waits while another process's
write transaction is open.

Opening checks before it writes anything: a file that is not SQLite, an SQLite database that is
not an atomtrig store, an empty file, a store that fails ``PRAGMA quick_check`` or whose format is
newer than this atomtrig are refused, and the file is left byte for byte as it was. A store of an
older format is migrated (in one transaction). ``readonly=True`` opens it for looking only, which
also works on a file the user may not write.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "kb.db")
>>> backend = SQLiteBackend(path, create=True)
>>> backend.describe()["format_version"], backend.durable, backend.multi_process
(2, True, True)
>>> backend.close()
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from atomtrig.storage.base import Change, Loaded
from atomtrig.storage.errors import (
    NoSuchStoreError,
    NotAStoreError,
    StorageError,
    StoreClosedError,
    StoreCorruptError,
    StoreInUseError,
    StoreReadOnlyError,
    StoreVersionError,
)
from atomtrig.storage.migrations import migrate_sqlite
from atomtrig.storage.sql import FEED_RETENTION, FORMAT_NAME, FORMAT_VERSION, SQLITE, SQLStore

APPLICATION_ID = 0x41544D54  # "ATMT": marks the file as an atomtrig store for `file(1)` too
SYNCHRONOUS_LEVELS = ("OFF", "NORMAL", "FULL", "EXTRA")
_SQLITE_HEADER = b"SQLite format 3\x00"


class SQLiteBackend(SQLStore):
    """An atomtrig store in one SQLite file; see the module docstring.

    ``create`` makes a new store when ``path`` does not exist (otherwise that is
    :class:`NoSuchStoreError`); ``readonly`` opens for looking only; ``synchronous`` is SQLite's
    durability level; ``busy_timeout`` how many seconds a write waits for another process's.
    """

    name = "sqlite"
    dialect = SQLITE

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        create: bool = False,
        readonly: bool = False,
        synchronous: str = "NORMAL",
        busy_timeout: float = 30.0,
        origin: str | None = None,
    ) -> None:
        super().__init__(origin or uuid.uuid4().hex)
        self.path = Path(path)
        self.readonly = readonly
        if not isinstance(synchronous, str) or synchronous.upper() not in SYNCHRONOUS_LEVELS:
            raise StorageError(
                f"synchronous must be one of {', '.join(SYNCHRONOUS_LEVELS)}, not {synchronous!r}")
        self.synchronous = synchronous.upper()
        if isinstance(busy_timeout, bool) or not isinstance(busy_timeout, (int, float)) or busy_timeout < 0:
            raise StorageError(f"busy_timeout must be a number of seconds >= 0, not {busy_timeout!r}")
        self.busy_timeout = float(busy_timeout)
        self.migrated_from: int | None = None
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False
        self._uri = ""
        self._open(create)

    # -- opening ---------------------------------------------------------------------------------
    def _open(self, create: bool) -> None:
        path = self.path
        if path.is_dir():
            raise NotAStoreError(f"{path} is a directory, not an atomtrig store file")
        if not path.exists():
            if not create or self.readonly:
                raise NoSuchStoreError(f"no such store: {path} (nothing was created)")
            self._create_file()
            return
        if path.stat().st_size == 0:
            raise StoreCorruptError(
                f"{path} is an empty file, not an atomtrig store; it was left unchanged "
                "(delete it to start a new store there)")
        with open(path, "rb") as handle:
            if handle.read(16) != _SQLITE_HEADER:
                raise NotAStoreError(f"{path} is not an atomtrig store (not an SQLite database); "
                                     "it was left unchanged")
        writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
        if not self.readonly and not os.access(path, os.W_OK):
            raise StoreReadOnlyError(
                f"the store file {path} is read-only (no write permission); open it with "
                "readonly=True to look at it (inspecting commands do), or make it writable")
        # Look before writing anything: a read-only connection cannot change the file.
        immutable = "&immutable=1" if self.readonly and not writable else ""
        probe = self._connect(f"file:{_quote(path)}?mode=ro{immutable}")
        try:
            version = self._check(probe)
        finally:
            probe.close()
        if self.readonly:
            self._uri = f"file:{_quote(path)}?mode=ro{immutable}"
            if version < FORMAT_VERSION:
                raise StoreVersionError(
                    f"{path} has format version {version}; open it once for writing to migrate it "
                    f"to version {FORMAT_VERSION} (a read-only open does not change the file)")
            return
        self._uri = f"file:{_quote(path)}?mode=rw"
        if version < FORMAT_VERSION:
            with self._write(immediate=False, exclusive=True) as c:
                migrate_sqlite(c, version, self)
            self.migrated_from = version
        with self._write() as c:
            mode = c.execute("PRAGMA journal_mode").fetchone()[0]
        if str(mode).lower() != "wal":
            conn = self._conn()
            conn.execute("PRAGMA journal_mode=WAL")

    def _create_file(self) -> None:
        try:
            conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
        except sqlite3.Error as error:
            raise StorageError(f"cannot create {self.path}: {error}") from None
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("BEGIN IMMEDIATE")
            self._create(conn)
            conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version={FORMAT_VERSION}")
            conn.execute("COMMIT")
        except sqlite3.Error as error:
            conn.close()
            raise StorageError(f"cannot create {self.path}: {error}") from None
        conn.close()
        self._uri = f"file:{_quote(self.path)}?mode=rw"

    def _check(self, conn: sqlite3.Connection) -> int:
        """The store's format version, after refusing what is not a sound atomtrig store."""
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            if app_id != APPLICATION_ID:
                raise NotAStoreError(f"{self.path} is an SQLite database but not an atomtrig store; "
                                     "it was left unchanged")
            verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
            if verdict != "ok":
                raise StoreCorruptError(
                    f"{self.path} is damaged (SQLite's quick_check: {verdict}); it was left unchanged")
            meta = dict(conn.execute("SELECT key, value FROM atomtrig_meta").fetchall())
        except sqlite3.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                raise StoreInUseError(f"{self.path} is busy: {error}") from None
            raise StoreCorruptError(f"{self.path}: the store's tables are damaged ({error}); "
                                    "it was left unchanged") from None
        except sqlite3.DatabaseError as error:
            raise _classify(error, self.path) from None
        if meta.get("format") != FORMAT_NAME:
            raise NotAStoreError(f"{self.path} is not an atomtrig store; it was left unchanged")
        try:
            version = int(meta["version"])
        except (KeyError, ValueError):
            raise StoreCorruptError(f"{self.path}: the store's format version is damaged; "
                                    "it was left unchanged") from None
        if version > FORMAT_VERSION:
            raise StoreVersionError(
                f"{self.path} has format version {version}, newer than this atomtrig reads "
                f"({FORMAT_VERSION}); upgrade atomtrig. The file was left unchanged")
        return version

    # -- connections ---------------------------------------------------------------------------------
    def _connect(self, uri: str) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False,
                                   timeout=self.busy_timeout)
        except sqlite3.Error as error:
            raise _classify(error, self.path) from None
        conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout * 1000)}")
        if not self.readonly:
            conn.execute(f"PRAGMA synchronous={self.synchronous}")
        return conn

    def _conn(self) -> sqlite3.Connection:
        """This thread's connection (SQLite connections are cheap, and one per thread lets
        readers run beside the writer)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise StoreClosedError(f"the store {self.path} is closed")
            conn = self._connect(self._uri)
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    @contextmanager
    def _write(self, immediate: bool = True, exclusive: bool = False) -> Iterator[Any]:
        if self._closed:
            raise StoreClosedError(f"the store {self.path} is closed")
        conn = self._conn()
        if conn.in_transaction:  # a write an interrupt (Ctrl-C) cut short: it never committed
            conn.execute("ROLLBACK")
        try:
            conn.execute("BEGIN EXCLUSIVE" if exclusive else "BEGIN IMMEDIATE" if immediate else "BEGIN")
        except sqlite3.OperationalError as error:
            raise _classify(error, self.path) from None
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException as error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(error, sqlite3.Error):
                raise _classify(error, self.path) from None
            raise

    @contextmanager
    def _read(self) -> Iterator[Any]:
        if self._closed:
            raise StoreClosedError(f"the store {self.path} is closed")
        conn = self._conn()
        try:
            yield conn
        except sqlite3.Error as error:
            raise _classify(error, self.path) from None

    # -- loading -----------------------------------------------------------------------------------
    def load(self) -> Loaded:
        conn = self._conn()
        conn.execute("BEGIN")  # one read snapshot for the cursor and every row
        try:
            types = [tuple(r) for r in conn.execute("SELECT tid, name, parents FROM atom_types ORDER BY tid")]
            for tid, name, _ in types:
                self._type_names[tid] = name
                self._type_ids[name] = tid
            cursor = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM changes").fetchone()[0]
        except sqlite3.Error as error:
            conn.execute("ROLLBACK")
            raise _classify(error, self.path) from None

        def release() -> None:
            if conn.in_transaction:
                conn.execute("COMMIT")

        return Loaded(
            types=types,  # type: ignore[arg-type]
            atoms=self._stream(conn, "SELECT id, tid, name, outgoing, tv FROM atoms ORDER BY id"),
            values=self._stream(conn, "SELECT atom, key, value FROM atom_values"),  # type: ignore[arg-type]
            cursor=cursor,
            release=release,
        )

    def _stream(self, conn: sqlite3.Connection, sql: str) -> Iterator[Any]:
        try:
            cursor = conn.execute(sql)
            while True:
                chunk = cursor.fetchmany(65536)
                if not chunk:
                    return
                yield from chunk
        except sqlite3.Error as error:
            raise _classify(error, self.path) from None

    # -- the change feed ------------------------------------------------------------------------------
    def changes_since(self, cursor: Any) -> tuple[list[Change], Any]:
        conn = self._conn()
        with self._read():
            conn.execute("BEGIN")
            try:
                pruned = conn.execute(
                    "SELECT value FROM atomtrig_meta WHERE key = 'feed_pruned'").fetchone()
                if pruned is not None and int(cursor) < int(pruned[0]):
                    top = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM changes").fetchone()[0]
                    return [Change("reload")], top
                rows = conn.execute(
                    "SELECT seq, origin, kind, atom, key, data FROM changes WHERE seq > ? "
                    "ORDER BY seq LIMIT 20000", (int(cursor),)).fetchall()
            finally:
                conn.execute("COMMIT")
        if not rows:
            return [], cursor
        return self._changes(rows), rows[-1][0]

    def prune_feed(self, now: float | None = None) -> int:
        """Delete feed rows older than the retention time; how many went."""
        if self.readonly:
            return 0
        horizon = (time.time() if now is None else now) - FEED_RETENTION
        with self._write() as c:
            top = c.execute("SELECT MAX(seq) FROM changes WHERE created < ?", (horizon,)).fetchone()[0]
            if top is None:
                return 0
            gone = c.execute("DELETE FROM changes WHERE seq <= ?", (top,)).rowcount
            c.execute("INSERT INTO atomtrig_meta (key, value) VALUES ('feed_pruned', ?) "
                      "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (str(top),))
        return int(gone)

    # -- the rest ------------------------------------------------------------------------------------------
    def check(self) -> str:
        """SQLite's ``PRAGMA integrity_check`` verdict (``"ok"`` when the file is sound)."""
        with self._read() as c:
            return str(c.execute("PRAGMA integrity_check").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            connections, self._connections = self._connections, []
        for conn in connections:
            try:
                conn.close()
            except sqlite3.Error:  # pragma: no cover - closing what is already broken
                pass

    def describe(self) -> dict[str, object]:
        with self._read() as c:
            journal = c.execute("PRAGMA journal_mode").fetchone()[0]
        return {
            "backend": self.name,
            "location": str(self.path),
            "path": str(self.path),
            "format_version": FORMAT_VERSION,
            "synchronous": self.synchronous,
            "journal_mode": str(journal).upper(),
            "readonly": self.readonly,
        }


def _quote(path: Path) -> str:
    from urllib.parse import quote

    return quote(str(path.resolve()))


def _classify(error: sqlite3.Error, path: Path) -> StorageError:
    text = str(error)
    if "not a database" in text:
        return NotAStoreError(f"{path} is not an atomtrig store ({text}); it was left unchanged")
    if "malformed" in text or "corrupt" in text or "decode" in text:
        return StoreCorruptError(f"{path} is damaged: {text}")
    if "readonly" in text or "read-only" in text:
        return StoreReadOnlyError(f"{path} cannot be written ({text}): is the file or its folder "
                                  "read-only? Open it with readonly=True to look at it")
    if "locked" in text or "busy" in text:
        return StoreInUseError(f"{path} stayed busy (another process held a write transaction "
                               f"past the busy timeout): {text}")
    return StorageError(f"{path}: {text}")
