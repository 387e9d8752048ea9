"""The PostgreSQL backend: one database shared by any number of processes on any number of
machines.

``AtomSpace.open("postgresql://user@host:5432/database")`` opens it (``postgres://`` works too;
the database must exist: atomtrig never creates databases, only its tables in one).

Guarantees:

- ``transactional``: each batch is one PostgreSQL transaction (all of it or none of it).
- ``durable``: a committed batch survives what the server's settings say it survives (with the
  default ``synchronous_commit = on``, a crash of the server or its machine).
- ``durable_triggers``: trigger firings, schedules and statistics are rows of the same
  database, written in the same transaction as the change that caused them.
- ``multi_process``: writers run side by side (row locks, not a store lock). Atom ids come from
  the ``atom_ids`` sequence, in blocks. The same atom added by two processes at once is one row
  (a unique index on its content hash); the second learns the first one's id.
- The change feed is read in commit order, each committed row exactly once (see
  :meth:`PostgresBackend.changes_since`): polling ``seq > cursor`` would skip rows, because a
  sequence value is taken when a row is written, not when its transaction commits.
- Workers claim firings with ``FOR UPDATE SKIP LOCKED``: they do not wait on one another.
- ``readonly=True`` opens with ``default_transaction_read_only`` on every connection and
  refuses every write before sending it.
- A server restart does not break the backend: the first statement on a dead pooled connection
  is retried once on a fresh one; a transaction cut off in the middle raises
  :class:`~atomtrig.storage.errors.StorageError` and changed nothing.

It does NOT create databases, migrate older formats (there are none for PostgreSQL), or keep
firings of one trigger in order when they were enqueued by two transactions committing at the
same time (their ids and commit order may disagree).

Opening checks before it writes anything: a database that does not exist, or holds no store
(and ``create`` is False) is :class:`~atomtrig.storage.errors.NoSuchStoreError`; one whose
``atomtrig_meta`` says it is something else, or that holds tables of the same names but no
store, is :class:`~atomtrig.storage.errors.NotAStoreError`; a newer format is
:class:`~atomtrig.storage.errors.StoreVersionError`. Two processes creating the same store at
once take turns (an advisory lock). Messages name the host and database, never the password.

Needs ``psycopg`` 3.2+ and ``psycopg_pool`` (``pip install "psycopg[binary]" psycopg_pool``).

>>> backend = PostgresBackend("postgresql://me@db.example:5432/kb", create=True)  # doctest: +SKIP
>>> backend.describe()["location"]  # doctest: +SKIP
'postgresql://me@db.example:5432/kb'
>>> backend.close()  # doctest: +SKIP
>>> PostgresBackend.SETTINGS
('pool_size', 'connect_timeout')
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
import random
import re
import threading
import time
import uuid
from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

from atomtrig.storage.base import (
    Applied,
    AtomRow,
    Batch,
    Change,
    FiringRow,
    Loaded,
    ScheduleClaim,
    content_hash,
)
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
from atomtrig.storage.sql import (
    FEED_RETENTION,
    FORMAT_NAME,
    FORMAT_VERSION,
    POSTGRES,
    SQLStore,
    schema_statements,
)

try:
    import psycopg
    from psycopg import errors as pg_errors
    from psycopg.conninfo import conninfo_to_dict
    from psycopg_pool import ConnectionPool
except ImportError:  # pragma: no cover - PostgreSQL support is optional
    psycopg = None  # type: ignore[assignment]

__all__ = ["FeedCursor", "PostgresBackend"]

CHANNEL = "atomtrig_changes"
"""The LISTEN/NOTIFY channel a commit that changed atoms or the queue signals."""
ID_BLOCK = 1024
"""The ``atom_ids`` sequence's increment: each ``nextval`` is a block of this many ids."""
BULK_ROWS = 2000
"""A batch inserting at least this many atoms goes through ``COPY`` and a temporary table."""
COPY_ROWS = 1000
"""A plain multi-row ``INSERT`` of at least this many rows (the change feed of a big batch)
is sent as ``COPY``."""
FEED_PAGE = 20000
"""Most feed rows one :meth:`PostgresBackend.changes_since` returns."""
RETRIES = 5
"""Attempts of a batch or a claim that met a deadlock or serialization failure."""
_CREATE_LOCK = 0x41544D54_00000001  # pg_advisory_xact_lock key: creating or completing a store
_TABLES = tuple(
    m.group(1) for s in schema_statements(POSTGRES) if (m := re.match(r"CREATE TABLE (\w+)", s))
)
_PLAIN_INSERT = re.compile(r"INSERT INTO (\w+) \(([\w, ]+)\) VALUES \(\?(?:, \?)*\)")


class FeedCursor(NamedTuple):
    """A position in the change feed (see :meth:`PostgresBackend.changes_since`).

    ``base`` is a ``pg_snapshot`` (text): every feed row of a transaction it sees was
    delivered. While a long read is paged, ``upto`` is the later snapshot being delivered and
    ``after`` the last ``seq`` delivered of the rows ``upto`` sees and ``base`` does not."""

    base: str
    upto: str | None = None
    after: int = 0


def _require_driver() -> None:
    if psycopg is None:
        raise StorageError(
            "PostgreSQL stores need psycopg 3 and psycopg_pool: "
            'pip install "psycopg[binary]" psycopg_pool')


@functools.lru_cache(maxsize=4096)
def _translate(sql: str) -> tuple[str, bool]:
    """``sql`` with psycopg's ``%s`` for each ``?`` (and ``%`` escaped), and whether it has
    parameters at all (a statement without any is sent as it is)."""
    if "?" not in sql:
        return sql, False
    return sql.replace("%", "%%").replace("?", "%s"), True


def _snapshot_parts(text: str) -> tuple[int, int, list[int]]:
    """``(xmin, xmax, in-progress xids)`` of a ``pg_snapshot``'s text form.

    >>> _snapshot_parts("100:105:101,103")
    (100, 105, [101, 103])
    >>> _snapshot_parts("7:7:")
    (7, 7, [])
    """
    xmin, xmax, xip = text.split(":")
    return int(xmin), int(xmax), [int(x) for x in xip.split(",") if x]


def _sees_all_up_to(snapshot: str, xid: int) -> bool:
    """Whether every transaction with an id <= ``xid`` is visible in (finished before)
    ``snapshot``.

    >>> _sees_all_up_to("100:105:101,103", 99), _sees_all_up_to("100:105:101,103", 101)
    (True, False)
    >>> _sees_all_up_to("100:105:", 104), _sees_all_up_to("100:105:", 105)
    (True, False)
    """
    _, xmax, xip = _snapshot_parts(snapshot)
    return xid < xmax and not any(x <= xid for x in xip)


def _location(params: dict[str, Any]) -> str:
    """A URL naming the server and database, without the password.

    >>> _location({"user": "me", "host": "db", "port": "5433", "dbname": "kb", "password": "x"})
    'postgresql://me@db:5433/kb'
    >>> _location({"dbname": "kb"})
    'postgresql://localhost:5432/kb'
    """
    user = params.get("user")
    host = params.get("host") or params.get("hostaddr") or "localhost"
    port = params.get("port") or "5432"
    return f"postgresql://{user + '@' if user else ''}{host}:{port}/{params.get('dbname') or user or ''}"


class _Cursor:
    """A connection speaking the dialect of :mod:`atomtrig.storage.sql`: ``?`` placeholders,
    ``execute`` returning a new psycopg cursor (as ``sqlite3.Connection.execute`` does, so a
    result outlives the next statement), big plain inserts sent as ``COPY``.

    With ``retry``, a first statement that finds its connection dead (the server restarted)
    is run again once on a fresh one: nothing ran on the dead one."""

    __slots__ = ("_backend", "conn", "_last", "_retry")

    def __init__(self, backend: PostgresBackend | None, conn: Any, retry: bool = False) -> None:
        self._backend = backend
        self.conn = conn
        self._last: Any = None
        self._retry = retry and backend is not None

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        query, has_params = _translate(sql)
        args = tuple(params) if has_params and params is not None else None
        cur = self.conn.cursor()
        try:
            cur.execute(query, args)
        except psycopg.OperationalError:
            if not (self._retry and _dead(self.conn)):
                raise
            assert self._backend is not None
            self._retry = False
            self.conn = self._backend._replace(self.conn)
            cur = self.conn.cursor()
            cur.execute(query, args)
        self._retry = False
        self._last = cur
        return cur

    def executemany(self, sql: str, rows: Any) -> _Cursor:
        rows = rows if isinstance(rows, list) else list(rows)
        if not rows:
            return self
        cur = self._last = self.conn.cursor()
        plain = _PLAIN_INSERT.fullmatch(sql) if len(rows) >= COPY_ROWS else None
        if plain is not None:
            with cur.copy(f"COPY {plain.group(1)} ({plain.group(2)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cur.executemany(_translate(sql)[0], rows)
        self._retry = False
        return self

    def copy(self, statement: str) -> Any:
        self._retry = False
        return self.conn.cursor().copy(statement)

    def fetchone(self) -> Any:
        return self._last.fetchone()

    def fetchall(self) -> list[Any]:
        return list(self._last.fetchall())

    @property
    def rowcount(self) -> int:
        return -1 if self._last is None else int(self._last.rowcount)


def _relations(c: _Cursor, names: Sequence[str]) -> set[str]:
    """Which of these tables, sequences or indexes the current schema has. Read from
    ``pg_class`` with the statement's snapshot, not the session's name cache (which may not
    know yet what another process created while this one waited for a lock)."""
    return {r[0] for r in c.execute(
        "SELECT r.relname FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace "
        "WHERE n.nspname = current_schema() AND r.relname = ANY(?::text[])", (list(names),)).fetchall()}


def _dead(conn: Any) -> bool:
    return bool(conn.closed or conn.broken)


def _lock_order(batch: Batch) -> Batch:
    """``batch`` with its truth values and values in id order (the order of the rows does not
    matter to the result; the same order in every process keeps row locks from deadlocking).

    >>> _lock_order(Batch(tvs={5: None, 2: "x"})).tvs
    {2: 'x', 5: None}
    """
    if len(batch.tvs) < 2 and len(batch.values) < 2:
        return batch
    return dataclasses.replace(batch, tvs=dict(sorted(batch.tvs.items())),
                               values=dict(sorted(batch.values.items())))


def _backoff(attempt: int) -> None:
    time.sleep(random.uniform(0.0, 0.01 * 2 ** attempt))


class _Transient(StoreInUseError):
    """A deadlock or serialization failure: the transaction was rolled back and may be retried."""


class PostgresBackend(SQLStore):
    """An atomtrig store in a PostgreSQL database; see the module docstring.

    ``url`` is a libpq URL or connection string; ``create`` makes the store's tables when the
    database holds none (otherwise that is :class:`NoSuchStoreError`); ``readonly`` opens for
    looking only; ``pool_size`` is the most connections this process keeps (at least 2: a batch
    may read the types while it writes); ``connect_timeout`` how many seconds a connection
    attempt may take.
    """

    name = "postgresql"
    dialect = POSTGRES
    SETTINGS = ("pool_size", "connect_timeout")
    """The ``AtomSpace.open`` settings this backend takes."""

    def __init__(
        self,
        url: str,
        *,
        create: bool = False,
        readonly: bool = False,
        origin: str | None = None,
        pool_size: int = 4,
        connect_timeout: float = 10,
    ) -> None:
        super().__init__(origin or uuid.uuid4().hex)
        _require_driver()
        if isinstance(pool_size, bool) or not isinstance(pool_size, int) or pool_size < 1:
            raise StorageError(f"pool_size must be a whole number >= 1, not {pool_size!r}")
        if (isinstance(connect_timeout, bool) or not isinstance(connect_timeout, (int, float))
                or connect_timeout <= 0):
            raise StorageError(f"connect_timeout must be a number of seconds > 0, not {connect_timeout!r}")
        try:
            params = conninfo_to_dict(url)
        except psycopg.Error as error:
            raise StorageError(f"not a PostgreSQL location: {error}") from None
        self._conninfo = url
        self._password = str(params.get("password") or "")
        self._app_name = "application_name" not in params
        self.location = _location(params)
        self.database = str(params.get("dbname") or params.get("user") or "")
        self.readonly = readonly
        self.pool_size = max(2, pool_size)
        self.connect_timeout = float(connect_timeout)
        self.server_version = ""
        self._increment = ID_BLOCK
        self._closed = False
        self._lock = threading.Lock()
        self._listen_lock = threading.Lock()
        self._listener: Any = None
        self._pool: Any = None
        self._open(create and not readonly)

    # -- opening -----------------------------------------------------------------------------------
    def _connect_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"autocommit": True,
                                  "connect_timeout": max(2, int(round(self.connect_timeout)))}
        if self._app_name:
            kwargs["application_name"] = "atomtrig"
        return kwargs

    def _connect(self) -> Any:
        """One connection outside the pool (opening checks, LISTEN)."""
        try:
            return psycopg.connect(self._conninfo, **self._connect_kwargs())
        except psycopg.Error as error:
            text = self._scrub(str(error))
            if "does not exist" in text and "database" in text:
                raise NoSuchStoreError(
                    f"no such store: {self.location} (the database {self.database!r} does not exist; "
                    "atomtrig does not create databases: make it with createdb first)") from None
            raise StorageError(f"cannot connect to the PostgreSQL store {self.location}: {text}") from None

    def _open(self, create: bool) -> None:
        probe = self._connect()
        try:
            self.server_version = str(probe.info.server_version)
            c = _Cursor(None, probe)
            version = self._inspect(c)
            if version is None:
                if not create:
                    raise NoSuchStoreError(f"no such store: {self.location} (the database holds no "
                                           "atomtrig store; nothing was created)")
                self._locked(probe, self._make)
                version = self._inspect(c)
                assert version is not None
            if version > FORMAT_VERSION:
                raise StoreVersionError(
                    f"{self.location} has format version {version}, newer than this atomtrig reads "
                    f"({FORMAT_VERSION}); upgrade atomtrig. The store was left unchanged")
            if version < FORMAT_VERSION:
                raise StoreVersionError(
                    f"{self.location} has format version {version}, which cannot be migrated on "
                    "PostgreSQL; the store was left unchanged")
            if not self.readonly and not self._complete(c):
                self._locked(probe, self._add_extras)
            row = c.execute(
                "SELECT s.seqincrement FROM pg_sequence s JOIN pg_class r ON r.oid = s.seqrelid "
                "JOIN pg_namespace n ON n.oid = r.relnamespace "
                "WHERE n.nspname = current_schema() AND r.relname = 'atom_ids'").fetchone()
            if row is not None:
                self._increment = int(row[0])
        except psycopg.Error as error:
            raise self._classify(error) from None
        finally:
            probe.close()
        self._pool = ConnectionPool(
            self._conninfo, min_size=1, max_size=self.pool_size, open=False,
            kwargs=self._connect_kwargs(), configure=self._configure,
            timeout=max(30.0, self.connect_timeout), name="atomtrig")
        try:
            self._pool.open(wait=True, timeout=self.connect_timeout)
        except psycopg.Error as error:
            pool, self._pool = self._pool, None
            pool.close()
            raise StorageError(
                f"cannot connect to the PostgreSQL store {self.location}: {self._scrub(str(error))}"
            ) from None

    def _inspect(self, c: _Cursor) -> int | None:
        """The store's format version; None when the database (its current schema) holds none.
        Refuses what is not an atomtrig store."""
        schema = c.execute("SELECT current_schema()").fetchone()[0]
        if schema is None:
            raise StorageError(f"{self.location}: the search_path names no schema that exists, so "
                               "there is nowhere to keep a store")
        found = _relations(c, _TABLES)
        if "atomtrig_meta" not in found:
            if found:
                raise NotAStoreError(
                    f"{self.location} holds tables named like an atomtrig store's "
                    f"({', '.join(sorted(found))}) but is not one; it was left unchanged")
            return None
        try:
            meta = dict(c.execute("SELECT key, value FROM atomtrig_meta").fetchall())
        except psycopg.Error:
            raise NotAStoreError(f"{self.location} is not an atomtrig store (its atomtrig_meta "
                                 "table is not one); it was left unchanged") from None
        if meta.get("format") != FORMAT_NAME:
            raise NotAStoreError(f"{self.location} is not an atomtrig store; it was left unchanged")
        try:
            return int(meta["version"])
        except (KeyError, ValueError):
            raise StoreCorruptError(f"{self.location}: the store's format version is damaged; "
                                    "it was left unchanged") from None

    def _locked(self, conn: Any, work: Any) -> None:
        """Run ``work(cursor)`` in one transaction holding the store-creation advisory lock (two
        processes creating one store take turns; the second finds it made)."""
        c = _Cursor(None, conn)
        c.execute("BEGIN")
        try:
            c.execute("SELECT pg_advisory_xact_lock(?)", (_CREATE_LOCK,))
            work(c)
            c.execute("COMMIT")
        except BaseException:
            if not _dead(conn):
                conn.execute("ROLLBACK")
            raise

    def _make(self, c: _Cursor) -> None:
        if self._inspect(c) is None:  # nobody made it while this process waited for the lock
            self._create(c)
        self._add_extras(c)

    def _complete(self, c: _Cursor) -> bool:
        """Whether the store has this backend's sequence and feed indexes."""
        return len(_relations(c, ("atom_ids", "changes_by_txid", "firings_live"))) == 3

    def _add_extras(self, c: _Cursor) -> None:
        """What a PostgreSQL store has beyond the shared schema: the id sequence (starting past
        every id in use) and the indexes the change feed is read and pruned by."""
        start = int(c.execute(
            "SELECT GREATEST(COALESCE(MAX(id), 0) + 1, COALESCE((SELECT value::bigint FROM "
            "atomtrig_meta WHERE key = 'next_id'), 1)) FROM atoms").fetchone()[0])
        c.execute(f"CREATE SEQUENCE IF NOT EXISTS atom_ids INCREMENT BY {ID_BLOCK} START WITH {start}")
        c.execute("CREATE INDEX IF NOT EXISTS changes_by_txid ON changes (txid)")
        c.execute("CREATE INDEX IF NOT EXISTS firings_live ON firings (trigger, id) "
                  "WHERE state IN ('queued', 'running')")
        c.execute("CREATE INDEX IF NOT EXISTS changes_by_created ON changes (created)")

    def _configure(self, conn: Any) -> None:
        if self.readonly:
            conn.execute("SET default_transaction_read_only = on")

    # -- connections -------------------------------------------------------------------------------
    def _live_pool(self) -> Any:
        pool = self._pool
        if self._closed or pool is None:
            raise StoreClosedError(f"the store {self.location} is closed")
        return pool

    def _getconn(self, pool: Any) -> Any:
        try:
            return pool.getconn()
        except psycopg.Error as error:
            if self._closed:
                raise StoreClosedError(f"the store {self.location} is closed") from None
            raise self._classify(error) from None

    def _replace(self, conn: Any) -> Any:
        """A working connection instead of the dead ``conn`` (after a server restart every
        pooled connection is dead: the pool tests them all)."""
        pool = self._live_pool()
        pool.putconn(conn)
        pool.check()
        return self._getconn(pool)

    @contextmanager
    def _session(self, begin: str | None) -> Iterator[_Cursor]:
        """A cursor on a pooled connection: in a transaction started with ``begin`` and
        committed when the block ends (rolled back if it raises), or, with None, in autocommit
        mode (each statement on its own)."""
        pool = self._live_pool()
        c = _Cursor(self, self._getconn(pool), retry=True)
        xid: str | None = None
        try:
            if begin is not None:
                c.execute(begin)
                if begin == "BEGIN":  # a write: its id tells whether a cut-off COMMIT took
                    xid = str(c.execute("SELECT pg_current_xact_id()").fetchone()[0])
            yield c
            if begin is not None:
                try:
                    c.conn.execute("COMMIT")
                except psycopg.OperationalError:
                    if xid is None or not self._committed(xid):
                        raise
        except BaseException as error:
            self._abort(c.conn)
            if isinstance(error, psycopg.Error):
                raise self._classify(error) from None
            raise
        finally:
            pool.putconn(c.conn)

    def _committed(self, xid: str, timeout: float = 60.0) -> bool:
        """Whether the transaction ``xid``, whose COMMIT lost its connection (a server restart,
        a network cut), did commit: asked on a new connection once the server answers. Without
        this a caller would retry a committed change, and its trigger firings would be
        recorded twice."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(self._conninfo, **self._connect_kwargs()) as conn:
                    row = conn.execute("SELECT pg_xact_status(%s::xid8)", (xid,)).fetchone()
                return row is not None and row[0] == "committed"
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    @staticmethod
    def _abort(conn: Any) -> None:
        if not _dead(conn) and conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            try:
                conn.execute("ROLLBACK")
            except psycopg.Error:  # pragma: no cover - the pool discards it
                pass

    def _write(self) -> Any:
        return self._session("BEGIN")

    def _read(self) -> Any:
        return self._session(None)

    def _snapshot(self) -> Any:
        """One consistent read-only snapshot for several statements."""
        return self._session("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")

    def _notify(self, cursor: Any) -> None:
        cursor.execute(f"NOTIFY {CHANNEL}")

    def _scrub(self, text: str) -> str:
        text = text.strip()
        return text.replace(self._password, "***") if self._password else text

    def _classify(self, error: Exception) -> StorageError:
        """The atomtrig error for a psycopg one."""
        where, text = self.location, self._scrub(str(error))
        if isinstance(error, (pg_errors.DeadlockDetected, pg_errors.SerializationFailure)):
            return _Transient(f"{where}: a concurrent transaction conflicted with this one, which "
                              f"was rolled back ({text})")
        if isinstance(error, pg_errors.ReadOnlySqlTransaction):
            return StoreReadOnlyError(f"{where} was opened read-only; nothing was written ({text})")
        if isinstance(error, (pg_errors.LockNotAvailable, pg_errors.QueryCanceled)):
            return StoreInUseError(f"{where} stayed busy: {text}")
        if isinstance(error, (pg_errors.DataCorrupted, pg_errors.IndexCorrupted)):
            return StoreCorruptError(f"{where} is damaged: {text}")
        if isinstance(error, pg_errors.UndefinedTable):
            return StoreCorruptError(f"{where}: a table of the store is missing ({text})")
        if isinstance(error, pg_errors.InsufficientPrivilege):
            return StoreReadOnlyError(f"{where}: the database user may not do this ({text}); open "
                                      "the store with readonly=True to look at it")
        state = getattr(error, "sqlstate", None)
        if isinstance(error, psycopg.OperationalError) and (state is None or state[:2] in ("08", "57")):
            return StorageError(f"lost or could not get a connection to the PostgreSQL store "
                                f"{where}: {text}")
        return StorageError(f"{where}: {text}")

    # -- ids ---------------------------------------------------------------------------------------
    def reserve_ids(self, count: int) -> Sequence[int]:
        """Whole blocks of the ``atom_ids`` sequence, ``count`` ids or more (several blocks need
        not be adjacent)."""
        self._check_writable()
        step = self._increment
        blocks = max(1, -(-count // step))
        with self._read() as c:
            starts = [int(r[0]) for r in c.execute(
                "SELECT nextval('atom_ids') FROM generate_series(1, ?)", (blocks,)).fetchall()]
        if len(starts) == 1:
            return range(starts[0], starts[0] + step)
        return list(itertools.chain.from_iterable(range(s, s + step) for s in starts))

    def _take_ids(self, size: int) -> int:
        if size > self._increment:
            raise StorageError(f"at most {self._increment} consecutive ids at a time; use reserve_ids")
        with self._read() as c:
            return int(c.execute("SELECT nextval('atom_ids')").fetchone()[0])

    # -- writing ---------------------------------------------------------------------------------
    def apply(self, batch: Batch) -> Applied:
        """Write ``batch`` in one transaction. Its truth values and values are written in id
        order (every process then locks rows in the same order, which keeps deadlocks rare); a
        batch that lost a deadlock anyway is retried from scratch."""
        self._check_writable()
        batch = _lock_order(batch)
        for attempt in range(RETRIES):
            try:
                with self._write() as c:
                    applied = self._apply(c, batch)
                    if (batch.inserts or batch.tvs or batch.values or batch.removals or batch.clear
                            or batch.firings):
                        self._notify(c)
                return applied
            except _Transient:
                if attempt == RETRIES - 1:
                    raise
                _backoff(attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _insert(self, c: Any, rows: list[AtomRow], applied: Applied,
                feed: list[tuple[str, int | None, int | None, str | None]]) -> None:
        if len(rows) < BULK_ROWS:
            super()._insert(c, rows, applied, feed)
            return
        self._bulk_insert(c, rows, applied, feed)

    def _bulk_insert(self, c: Any, rows: list[AtomRow], applied: Applied,
                     feed: list[tuple[str, int | None, int | None, str | None]]) -> None:
        """:meth:`SQLStore._insert` for big batches: the rows go by levels (nodes and links of
        stored atoms first, then links of those, ...), each through ``COPY`` into a temporary
        table and one ``INSERT ... SELECT ... ON CONFLICT (hash) DO NOTHING``; a row that met a
        stored one takes its id, and the later levels' outgoing ids are rewritten to it."""
        depth: dict[int, int] = {}
        levels: list[list[AtomRow]] = []
        for row in rows:
            out = row[3]
            level = 0 if out is None else 1 + max(
                (depth.get(int(x), -1) for x in out.split()), default=-1)
            depth[row[0]] = level
            while len(levels) <= level:
                levels.append([])
            levels[level].append(row)
        c.execute("CREATE TEMP TABLE atomtrig_bulk (ord INTEGER, id BIGINT, tid INTEGER, name TEXT, "
                  "outgoing TEXT, tv TEXT, hash BYTEA) ON COMMIT DROP")
        remap, type_name = applied.remap, self._type_name
        for number, level_rows in enumerate(levels):
            group = []
            for rid, tid, name, out, tv in level_rows:
                if out is not None:
                    out = " ".join(str(remap.get(int(i), int(i))) for i in out.split())
                group.append((rid, tid, name, out, tv, content_hash(type_name(tid), name, out)))
            if number:
                c.execute("TRUNCATE atomtrig_bulk")
            with c.copy("COPY atomtrig_bulk (ord, id, tid, name, outgoing, tv, hash) "
                        "FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(["int4", "int8", "int4", "text", "text", "text", "bytea"])
                for position, entry in enumerate(group):
                    copy.write_row((position, *entry))
            inserted = {r[0] for r in c.execute(
                "INSERT INTO atoms (id, tid, name, outgoing, tv, hash) SELECT id, tid, name, "
                "outgoing, tv, hash FROM atomtrig_bulk ORDER BY ord ON CONFLICT (hash) DO NOTHING "
                "RETURNING id").fetchall()}
            if len(inserted) < len(group):
                stored = {bid: (aid, atv) for bid, aid, atv in c.execute(
                    "SELECT b.id, a.id, a.tv FROM atomtrig_bulk b JOIN atoms a ON a.hash = b.hash "
                    "WHERE a.id <> b.id").fetchall()}
                updates = []
                for rid, _, _, _, tv, _ in group:
                    if rid in inserted:
                        continue
                    found = stored.get(rid)
                    if found is None:  # pragma: no cover - the conflicting row went away meanwhile
                        raise StorageError("an atom row changed while it was being inserted; retry")
                    remap[rid] = found[0]
                    applied.met_tvs[found[0]] = found[1]
                    if tv is None:
                        applied.stored_tvs[found[0]] = found[1]
                    else:  # this process set a truth value: it is the latest word
                        updates.append((tv, found[0]))
                        feed.append(("tv", found[0], None, tv))
                if updates:
                    c.executemany("UPDATE atoms SET tv = ? WHERE id = ?", updates)
            feed.extend(("add", rid, tid, json.dumps([name, out, tv]))
                        for rid, tid, name, out, tv, _ in group if rid in inserted)

    # -- loading -----------------------------------------------------------------------------------
    def load(self) -> Loaded:
        """Every row, read in one REPEATABLE READ snapshot whose ``pg_snapshot`` is the cursor:
        :meth:`changes_since` then returns exactly the feed rows that snapshot did not see."""
        pool = self._live_pool()
        c = _Cursor(self, self._getconn(pool), retry=True)
        streams: list[Generator[Any, None, None]] = []
        try:
            c.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            types = [tuple(r) for r in c.execute(
                "SELECT tid, name, parents FROM atom_types ORDER BY tid").fetchall()]
            for tid, name, _ in types:
                self._type_names[tid] = name
                self._type_ids[name] = tid
            cursor = FeedCursor(str(c.execute("SELECT pg_current_snapshot()::text").fetchone()[0]))
        except BaseException as error:
            self._abort(c.conn)
            pool.putconn(c.conn)
            if isinstance(error, psycopg.Error):
                raise self._classify(error) from None
            raise
        conn = c.conn
        released = False

        def release() -> None:
            nonlocal released
            if released:
                return
            released = True
            try:
                for stream in streams:
                    stream.close()
            finally:
                self._abort(conn)
                pool.putconn(conn)

        atoms = self._stream(conn, "atomtrig_atoms", "SELECT id, tid, name, outgoing, tv FROM atoms ORDER BY id")
        values = self._stream(conn, "atomtrig_values", "SELECT atom, key, value FROM atom_values")
        streams += [atoms, values]
        return Loaded(types=types, atoms=atoms, values=values, cursor=cursor, release=release)

    def _stream(self, conn: Any, name: str, sql: str) -> Generator[Any, None, None]:
        try:
            with conn.cursor(name=name) as cur:
                cur.itersize = 20000
                cur.execute(sql)
                yield from cur
        except psycopg.Error as error:
            raise self._classify(error) from None

    # -- the change feed ---------------------------------------------------------------------------
    def changes_since(self, cursor: Any) -> tuple[list[Change], Any]:
        """Other processes' feed rows committed since ``cursor`` (a :class:`FeedCursor`).

        Sequence order is not commit order: a transaction may take ``seq`` 10, then another
        take 11 and commit first. So the cursor is a ``pg_snapshot``, not a number: a call reads,
        in a new snapshot, the rows of every transaction that snapshot sees and the cursor's did
        not (``NOT pg_visible_in_snapshot(txid, base)``), and the new snapshot becomes the
        cursor. Each committed row comes exactly once; rows of transactions still running come
        in a later call, after they commit. They come ordered by ``seq``, and that is commit
        order wherever order matters: two transactions that change the same row take their feed
        rows after that row's lock (the later one waits for the earlier one to commit), and a
        transaction that saw another's atoms started its writes after that one committed. A
        call returns at most :data:`FEED_PAGE` rows; the cursor then remembers where in that
        snapshot's rows it stopped.

        A cursor older than what the feed still holds (rows it did not see were pruned) gets
        ``[Change("reload")]`` and the current position.
        """
        if not isinstance(cursor, tuple) or len(cursor) != 3 or not isinstance(cursor[0], str):
            return [Change("reload")], self._position()
        base, upto, after = FeedCursor(*cursor)
        with self._snapshot() as c:
            now, pruned = c.execute(
                "SELECT pg_current_snapshot()::text, (SELECT value FROM atomtrig_meta "
                "WHERE key = 'feed_pruned')").fetchone()
            if pruned is not None and not _sees_all_up_to(base, int(pruned)):
                return [Change("reload")], FeedCursor(str(now))
            target = upto or str(now)
            rows = c.execute(
                "SELECT seq, origin, kind, atom, key, data FROM changes "
                "WHERE txid >= pg_snapshot_xmin(?::pg_snapshot) "
                "AND NOT pg_visible_in_snapshot(txid, ?::pg_snapshot) "
                "AND pg_visible_in_snapshot(txid, ?::pg_snapshot) AND seq > ? ORDER BY seq LIMIT ?",
                (base, base, target, after, FEED_PAGE + 1)).fetchall()
        if len(rows) > FEED_PAGE:
            rows = rows[:FEED_PAGE]
            new = FeedCursor(base, target, int(rows[-1][0]))
        else:
            new = FeedCursor(target)
        return self._changes(rows), new

    def _position(self) -> FeedCursor:
        with self._read() as c:
            return FeedCursor(str(c.execute("SELECT pg_current_snapshot()::text").fetchone()[0]))

    def prune_feed(self, now: float | None = None) -> int:
        """Delete feed rows older than the retention time (of finished transactions); how many
        went. The newest transaction id among them is kept in ``atomtrig_meta``
        (``feed_pruned``): a cursor whose snapshot does not see it reloads."""
        if self.readonly:
            return 0
        horizon = (time.time() if now is None else now) - FEED_RETENTION
        with self._write() as c:
            gone, top = c.execute(
                "WITH gone AS (DELETE FROM changes WHERE created < ? AND "
                "txid < pg_snapshot_xmin(pg_current_snapshot()) RETURNING txid) "
                "SELECT COUNT(*), MAX(txid)::text FROM gone", (horizon,)).fetchone()
            if not gone:
                return 0
            c.execute(
                "INSERT INTO atomtrig_meta (key, value) VALUES ('feed_pruned', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = GREATEST(atomtrig_meta.value::xid8, "
                "excluded.value::xid8)::text", (top,))
        return int(gone)

    def wait_for_changes(self, timeout: float, stop: Any = None) -> None:
        """Wait for a ``NOTIFY`` of another process's commit (on one dedicated connection,
        reconnected when it broke), ``timeout`` seconds, or ``stop``."""
        if not self._listen_lock.acquire(blocking=False):  # another thread listens already
            super().wait_for_changes(timeout, stop)
            return
        try:
            deadline = time.monotonic() + timeout
            while not self._closed and not (stop is not None and stop.is_set()):
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                conn = self._listening()
                if conn is None:
                    super().wait_for_changes(min(left, 1.0), stop)
                    return
                try:
                    for _ in conn.notifies(timeout=min(left, 0.5), stop_after=1):
                        return
                except psycopg.Error:
                    self._drop_listener()
        finally:
            self._listen_lock.release()

    def _listening(self) -> Any:
        """The LISTEN connection (made when first needed); None if it cannot be had now."""
        if self._listener is None or _dead(self._listener):
            self._drop_listener()
            try:
                conn = self._connect()
                conn.execute(f"LISTEN {CHANNEL}")
            except (StorageError, psycopg.Error):
                return None
            self._listener = conn
        return self._listener

    def _drop_listener(self) -> None:
        conn, self._listener = self._listener, None
        if conn is not None:
            try:
                conn.close()
            except psycopg.Error:  # pragma: no cover
                pass

    # -- the firing queue ------------------------------------------------------------------------
    def claim_firings(
        self, owner: str, limit: int, lease: float, now: float, can_run: Any = None
    ) -> list[FiringRow]:
        """:meth:`SQLStore.claim_firings` without waiting on other workers: the heads of
        triggers' queues are locked ``FOR UPDATE SKIP LOCKED`` (another worker's are passed by),
        then each accepted head and the queued rows after it are taken in one ``UPDATE``."""
        self._check_writable()
        if limit <= 0:
            return []
        for attempt in range(RETRIES):
            try:
                return self._claim(owner, limit, lease, now, can_run)
            except _Transient:
                if attempt == RETRIES - 1:
                    raise
                _backoff(attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    # The head of each trigger's queue (its lowest live row), found by a loose index scan of
    # firings_live: one index probe per trigger, however long its queue (a plain search for
    # heads reads every queued row of a trigger whose head is already taken).
    _HEADS = (
        "WITH RECURSIVE heads AS ("
        "(SELECT trigger, id, state, run_after, lease_until FROM firings "
        "WHERE state IN ('queued', 'running') ORDER BY trigger, id LIMIT 1) "
        "UNION ALL SELECT n.* FROM heads h, LATERAL (SELECT trigger, id, state, run_after, "
        "lease_until FROM firings WHERE state IN ('queued', 'running') AND trigger > h.trigger "
        "ORDER BY trigger, id LIMIT 1) n) "
        "SELECT id, trigger FROM heads WHERE (state = 'queued' AND run_after <= ?) "
        "OR (state = 'running' AND lease_until < ?) ORDER BY id LIMIT ?")
    _LOCK_HEADS = (
        "SELECT f.id, f.trigger, ARRAY(SELECT g.id FROM firings g WHERE g.trigger = f.trigger "
        "AND g.id > f.id AND g.state = 'queued' ORDER BY g.id LIMIT ?) FROM firings f "
        "WHERE f.id = ANY(?::bigint[]) AND ((f.state = 'queued' AND f.run_after <= ?) OR "
        "(f.state = 'running' AND f.lease_until < ?)) ORDER BY f.id FOR UPDATE OF f SKIP LOCKED")
    _CLAIM_TAKE = (
        "UPDATE firings AS f SET state = 'running', owner = ?, token = u.token, lease_until = ? "
        "FROM unnest(?::bigint[], ?::bigint[], ?::boolean[]) AS u(id, token, head) "
        "WHERE f.id = u.id AND (u.head OR f.state = 'queued') "
        "RETURNING f.id, f.trigger, f.mode, f.data, f.attempts, f.token")

    def _claim(self, owner: str, limit: int, lease: float, now: float, can_run: Any) -> list[FiringRow]:
        ids: list[int] = []
        tokens: list[int] = []
        is_head: list[bool] = []
        # A lost claim is harmless (its firings stay queued, a finish under it is refused), and
        # the finish's synchronous commit flushes it anyway: no need to wait for the disk here.
        with self._session("BEGIN; SET LOCAL synchronous_commit TO off") as c:
            candidates = [r[0] for r in c.execute(
                self._HEADS, (now, now, max(limit * 4, 16))).fetchall()]
            heads = c.execute(self._LOCK_HEADS, (limit - 1, candidates, now, now)).fetchall() \
                if candidates else []
            for head, trigger, followers in heads:
                if len(ids) >= limit:
                    break
                if can_run is not None and not can_run(trigger):
                    continue
                run = [head, *followers[: limit - len(ids) - 1]]
                ids += run
                tokens += [random.getrandbits(62) + 1] * len(run)
                is_head += [True] + [False] * (len(run) - 1)
            if not ids:
                return []
            got = {r[0]: r for r in c.execute(
                self._CLAIM_TAKE, (owner, now + lease, ids, tokens, is_head)).fetchall()}
        return [FiringRow(t, d, m, i, a, k) for i, t, m, d, a, k in (got[i] for i in ids if i in got)]

    # -- schedules ---------------------------------------------------------------------------------
    def claim_schedules(self, owner: str, now: float, limit: int, lease: float) -> list[ScheduleClaim]:
        """Compare-and-set in one statement; rows another runner is claiming are passed by.
        ``taken_from`` is the runner whose expired claim a row was held under, if any."""
        self._check_writable()
        with self._write() as c:
            rows = c.execute(
                "UPDATE schedules s SET owner = ?, token = s.token + 1, lease_until = ? FROM "
                "(SELECT trigger, owner FROM schedules WHERE next_due <= ? AND (owner IS NULL OR "
                "lease_until < ?) ORDER BY next_due LIMIT ? FOR UPDATE SKIP LOCKED) d "
                "WHERE s.trigger = d.trigger RETURNING s.trigger, s.next_due, s.token, s.state, d.owner",
                (owner, now + lease, now, now, limit)).fetchall()
        return sorted((ScheduleClaim(t, d, k, s, was) for t, d, k, s, was in rows), key=lambda x: x.due)

    # -- the rest ----------------------------------------------------------------------------------
    def check(self) -> str:
        """``"ok"``, or what is wrong: the format row, atoms of unknown types, links naming
        missing atoms, values of missing atoms, ids in use ahead of the id sequence."""
        problems: list[str] = []
        with self._snapshot() as c:
            meta = dict(c.execute("SELECT key, value FROM atomtrig_meta").fetchall())
            if meta.get("format") != FORMAT_NAME or meta.get("version") != str(FORMAT_VERSION):
                problems.append(f"the format row says {meta.get('format')!r} version {meta.get('version')!r}")
            untyped = c.execute("SELECT COUNT(*) FROM atoms a WHERE NOT EXISTS "
                                "(SELECT 1 FROM atom_types t WHERE t.tid = a.tid)").fetchone()[0]
            if untyped:
                problems.append(f"{untyped} atoms have an unknown type")
            dangling = c.execute(
                "SELECT COUNT(DISTINCT a.id) FROM atoms a CROSS JOIN LATERAL "
                "unnest(string_to_array(a.outgoing, ' ')::bigint[]) AS o(id) "
                "WHERE a.outgoing IS NOT NULL AND a.outgoing <> '' AND NOT EXISTS "
                "(SELECT 1 FROM atoms b WHERE b.id = o.id)").fetchone()[0]
            if dangling:
                problems.append(f"{dangling} links contain atoms that are not stored")
            orphans = c.execute(
                "SELECT COUNT(*) FROM atom_values v WHERE NOT EXISTS (SELECT 1 FROM atoms a WHERE "
                "a.id = v.atom) OR NOT EXISTS (SELECT 1 FROM atoms a WHERE a.id = v.key)").fetchone()[0]
            if orphans:
                problems.append(f"{orphans} values belong to or are keyed by atoms that are not stored")
            if _relations(c, ("atom_ids",)):
                last, called, top = c.execute(
                    "SELECT last_value, is_called, (SELECT MAX(id) FROM atoms) FROM atom_ids").fetchone()
                handed = last + self._increment if called else last
                if top is not None and top >= handed:
                    problems.append(f"atom id {top} is in use but the id sequence would hand it out")
            elif not self.readonly:
                problems.append("the atom_ids sequence is missing")
        return "ok" if not problems else "; ".join(problems)

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close(timeout=5.0)
        with self._listen_lock:
            self._drop_listener()

    def describe(self) -> dict[str, object]:
        return {
            "backend": self.name,
            "location": self.location,
            "database": self.database,
            "format_version": FORMAT_VERSION,
            "server_version": self.server_version,
            "pool_size": self.pool_size,
            "readonly": self.readonly,
        }
