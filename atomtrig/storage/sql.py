"""What the SQLite and PostgreSQL backends share: the schema, and every statement that reads or
writes atoms, the change feed, the firing queue and the schedules.

The statements are written once, with ``?`` placeholders and the column types of a
:class:`Dialect`; a backend module supplies connections (:meth:`SQLStore._write`,
:meth:`SQLStore._read`) and its dialect. Transactions are short: one per batch, one per claim.

Atom identity. A row's ``hash`` (:func:`~atomtrig.storage.base.content_hash`) is unique. A batch
inserts its new atoms with ``INSERT ... ON CONFLICT (hash) DO NOTHING RETURNING``; a row that
met an existing one (another process stored that atom first) is looked up by hash, and the rows
after it in the batch that contain it are rewritten to the stored id. (A link all of whose atoms
were inserted by this very batch cannot be stored already, so it needs no look-up.)

Commit order. Each change-feed row is written after the data row it describes, in the same
transaction: two transactions that change the same row are serialised by that row's lock, so the
later one's feed rows come after the earlier one's. A follower applies feed rows in sequence
order; see the backends for how each reads only committed rows.

>>> ddl = schema_statements(SQLITE)
>>> any("CREATE TABLE atoms" in s for s in ddl), any("CREATE TABLE firings" in s for s in ddl)
(True, True)
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from atomtrig.storage.base import (
    Applied,
    AtomRow,
    Batch,
    Change,
    FiringRow,
    ScheduleClaim,
    StorageBackend,
    TypeRow,
    content_hash,
)
from atomtrig.storage.errors import (
    LeaseLostError,
    StorageError,
    StoreReadOnlyError,
    TruthValueConflictError,
)

DEFAULT_TV_TEXT = ""
"""A revision's expected truth value when it is the default (stored as NULL)."""
FORMAT_NAME = "atomtrig-store"
FORMAT_VERSION = 2
_CHUNK = 500  # rows per multi-row statement (well under both databases' parameter limits)


@dataclass(frozen=True)
class Dialect:
    """How one database spells what the schema needs."""

    name: str
    big_int: str
    blob: str
    real: str
    serial_key: str
    feed_extra: str = ""
    """Extra columns of the change feed (PostgreSQL: the writing transaction's id)."""


SQLITE = Dialect("sqlite", "INTEGER", "BLOB", "REAL", "INTEGER PRIMARY KEY AUTOINCREMENT")
POSTGRES = Dialect(
    "postgresql", "BIGINT", "BYTEA", "DOUBLE PRECISION", "BIGSERIAL PRIMARY KEY",
    feed_extra=", txid xid8 NOT NULL DEFAULT pg_current_xact_id()",
)


def schema_statements(d: Dialect) -> list[str]:
    """The statements that create an empty store of :data:`FORMAT_VERSION`."""
    return [
        "CREATE TABLE atomtrig_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        f"CREATE TABLE atom_types (tid {d.serial_key if d.name != 'sqlite' else 'INTEGER PRIMARY KEY'}, "
        "name TEXT NOT NULL UNIQUE, parents TEXT)",
        f"CREATE TABLE atoms (id {d.big_int} PRIMARY KEY, tid INTEGER NOT NULL, name TEXT, "
        f"outgoing TEXT, tv TEXT, hash {d.blob} NOT NULL UNIQUE)",
        f"CREATE TABLE atom_values (atom {d.big_int} NOT NULL, key {d.big_int} NOT NULL, "
        "value TEXT NOT NULL, PRIMARY KEY (atom, key))",
        "CREATE INDEX atom_values_by_key ON atom_values (key)",
        "CREATE TABLE store_state (namespace TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, "
        "PRIMARY KEY (namespace, key))",
        f"CREATE TABLE counters (namespace TEXT NOT NULL, key TEXT NOT NULL, field TEXT NOT NULL, "
        f"value {d.real} NOT NULL, PRIMARY KEY (namespace, key, field))",
        f"CREATE TABLE changes (seq {d.serial_key}, origin TEXT NOT NULL, kind TEXT NOT NULL, "
        f"atom {d.big_int}, key {d.big_int}, data TEXT, created {d.real} NOT NULL{d.feed_extra})",
        f"CREATE TABLE firings (id {d.serial_key}, trigger {d.big_int} NOT NULL, mode TEXT NOT NULL, "
        f"data TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, "
        f"run_after {d.real} NOT NULL DEFAULT 0, owner TEXT, token {d.big_int} NOT NULL DEFAULT 0, "
        f"lease_until {d.real}, error TEXT, created {d.real} NOT NULL)",
        "CREATE INDEX firings_by_trigger ON firings (trigger, id)",
        "CREATE INDEX firings_by_state ON firings (state, id)",
        f"CREATE TABLE schedules (trigger {d.big_int} PRIMARY KEY, next_due {d.real}, owner TEXT, "
        f"token {d.big_int} NOT NULL DEFAULT 0, lease_until {d.real}, state TEXT)",
        "CREATE INDEX schedules_due ON schedules (next_due)",
    ]


def _marks(n: int, width: int = 1) -> str:
    one = "(" + ", ".join("?" * width) + ")" if width > 1 else "?"
    return ", ".join([one] * n)


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class SQLStore(StorageBackend):
    """A store in an SQL database; subclasses give connections and a :class:`Dialect`."""

    dialect: Dialect = SQLITE
    transactional = True
    durable = True
    durable_triggers = True
    multi_process = True
    id_block = 1024
    """How many atom ids a process takes from the database at a time."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        """Who this process is, in the change feed (its own changes are not fed back to it)."""
        self._type_names: dict[int, str] = {}
        self._type_ids: dict[str, int] = {}
        self._ids: list[int] = []
        self.readonly = False

    # -- connections (the backend modules) -------------------------------------------------------
    def _write(self) -> AbstractContextManager[Any]:
        """A cursor in a write transaction, committed when the block ends (rolled back if it
        raises)."""
        raise NotImplementedError

    def _read(self) -> AbstractContextManager[Any]:
        """A cursor for reading committed rows."""
        raise NotImplementedError

    def _notify(self, cursor: Any) -> None:
        """Wake other processes up after a commit that changed something (PostgreSQL)."""

    def _check_writable(self) -> None:
        if self.readonly:
            raise StoreReadOnlyError(f"{self.describe().get('location')} was opened read-only")

    # -- creating and migrating -------------------------------------------------------------------
    def _create(self, cursor: Any) -> None:
        for statement in schema_statements(self.dialect):
            cursor.execute(statement)
        cursor.executemany(
            "INSERT INTO atomtrig_meta (key, value) VALUES (?, ?)",
            [("format", FORMAT_NAME), ("version", str(FORMAT_VERSION)), ("next_id", "1")],
        )

    # -- types -------------------------------------------------------------------------------------
    def read_types(self) -> list[TypeRow]:
        with self._read() as c:
            rows = [tuple(r) for r in c.execute("SELECT tid, name, parents FROM atom_types ORDER BY tid").fetchall()]
        for tid, name, _ in rows:
            self._type_names[tid] = name
            self._type_ids[name] = tid
        return rows  # type: ignore[return-value]

    def type_id(self, name: str, parents: str | None) -> int:
        tid = self._type_ids.get(name)
        if tid is not None:
            return tid
        self._check_writable()
        with self._write() as c:
            c.execute(
                "INSERT INTO atom_types (name, parents) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                (name, parents),
            )
            tid = c.execute("SELECT tid FROM atom_types WHERE name = ?", (name,)).fetchone()[0]
        self._type_ids[name] = tid
        self._type_names[tid] = name
        return tid

    def _type_name(self, tid: int) -> str:
        name = self._type_names.get(tid)
        if name is None:
            self.read_types()
            name = self._type_names[tid]
        return name

    # -- ids -----------------------------------------------------------------------------------------
    def reserve_ids(self, count: int) -> Sequence[int]:
        self._check_writable()
        size = max(count, self.id_block)
        start = self._take_ids(size)
        return range(start, start + size)

    def _take_ids(self, size: int) -> int:
        """The first of ``size`` fresh consecutive ids (SQLite: a counter row)."""
        with self._write() as c:
            row = c.execute("SELECT value FROM atomtrig_meta WHERE key = 'next_id'").fetchone()
            start = int(row[0])
            c.execute("UPDATE atomtrig_meta SET value = ? WHERE key = 'next_id'", (str(start + size),))
        return start

    # -- reading ---------------------------------------------------------------------------------------
    def fetch_atoms(self, ids: Sequence[int]) -> list[AtomRow]:
        rows: list[AtomRow] = []
        with self._read() as c:
            for chunk in _chunks(list(ids)):
                rows.extend(tuple(r) for r in c.execute(  # type: ignore[misc]
                    f"SELECT id, tid, name, outgoing, tv FROM atoms WHERE id IN ({_marks(len(chunk))})",
                    tuple(chunk)).fetchall())
        return sorted(rows)

    def fetch_values(self, atom_id: int) -> list[tuple[int, str]]:
        with self._read() as c:
            return [tuple(r) for r in c.execute(  # type: ignore[misc]
                "SELECT key, value FROM atom_values WHERE atom = ?", (atom_id,)).fetchall()]

    def read_state(self, namespace: str) -> dict[str, str]:
        with self._read() as c:
            return dict(c.execute("SELECT key, value FROM store_state WHERE namespace = ?",
                                  (namespace,)).fetchall())

    def read_counters(self, namespace: str) -> dict[str, dict[str, float]]:
        found: dict[str, dict[str, float]] = {}
        with self._read() as c:
            for key, field, value in c.execute(
                "SELECT key, field, value FROM counters WHERE namespace = ?", (namespace,)
            ).fetchall():
                found.setdefault(key, {})[field] = value
        return found

    def atom_count(self) -> int:
        with self._read() as c:
            return int(c.execute("SELECT COUNT(*) FROM atoms").fetchone()[0])

    # -- writing ---------------------------------------------------------------------------------------
    def apply(self, batch: Batch) -> Applied:
        self._check_writable()
        with self._write() as c:
            applied = self._apply(c, batch)
            if batch.inserts or batch.tvs or batch.values or batch.removals or batch.clear or batch.firings:
                self._notify(c)
        return applied

    def _apply(self, c: Any, batch: Batch) -> Applied:
        applied = Applied()
        feed: list[tuple[str, int | None, int | None, str | None]] = []
        if batch.clear:
            c.execute("DELETE FROM atom_values")
            c.execute("DELETE FROM atoms")
            c.execute("DELETE FROM schedules")
            c.execute("DELETE FROM firings WHERE mode = 'async'")
            feed.append(("clear", None, None, None))
        if batch.removals:
            doomed = sorted(set(batch.removals))
            for chunk in _chunks(doomed):
                marks, args = _marks(len(chunk)), tuple(chunk)
                c.execute(f"DELETE FROM atom_values WHERE atom IN ({marks})", args)
                c.execute(f"DELETE FROM atom_values WHERE key IN ({marks})", args)
                c.execute(f"DELETE FROM schedules WHERE trigger IN ({marks})", args)
                c.execute(f"DELETE FROM firings WHERE trigger IN ({marks}) AND mode = 'async'", args)
                c.execute(f"DELETE FROM atoms WHERE id IN ({marks})", args)
            feed.extend(("remove", i, None, None) for i in doomed)
        if batch.inserts:
            self._insert(c, batch.inserts, applied, feed)
        remap = applied.remap
        fix = remap.get
        if batch.tvs:
            guards = batch.tv_guards
            inserted = {row[0] for row in batch.inserts}
            for i, expected in guards.items():  # revisions: compare-and-set, row by row
                if i in inserted:  # new here, unless another process had stored it first
                    if i in remap and (applied.met_tvs.get(remap[i]) or "") != expected:
                        raise TruthValueConflictError(
                            f"atom {remap[i]}, revised here as a new atom, was stored with a "
                            "truth value by another process first; nothing was committed")
                    continue
                done = c.execute(
                    "UPDATE atoms SET tv = ? WHERE id = ? AND COALESCE(tv, ?) = ?",
                    (batch.tvs[i], i, DEFAULT_TV_TEXT, expected))
                if done.rowcount != 1:
                    raise TruthValueConflictError(
                        f"the truth value of atom {i} was changed by another process since this "
                        "one read it; the revision (and its transaction) was not committed")
            rows = [(tv, fix(i, i)) for i, tv in batch.tvs.items() if i not in guards]
            if rows:
                c.executemany("UPDATE atoms SET tv = ? WHERE id = ?", rows)
            feed.extend(("tv", fix(i, i), None, tv) for i, tv in batch.tvs.items())
        for i, (text, only_if) in batch.tv_restores.items():  # where the store holds `only_if`
            done = c.execute("UPDATE atoms SET tv = ? WHERE id = ? AND COALESCE(tv, '') = ?",
                             (text, i, only_if))
            if done.rowcount == 1:
                feed.append(("tv", i, None, text))
        if batch.values:
            puts: list[tuple[int, int, str | None]] = []
            dels: list[tuple[int, int, str | None]] = []
            for (a, k), text in batch.values.items():
                (puts if text is not None else dels).append((fix(a, a), fix(k, k), text))
            if puts:
                c.executemany(
                    "INSERT INTO atom_values (atom, key, value) VALUES (?, ?, ?) "
                    "ON CONFLICT (atom, key) DO UPDATE SET value = excluded.value", puts)
            if dels:
                c.executemany("DELETE FROM atom_values WHERE atom = ? AND key = ?",
                              [(a, k) for a, k, _ in dels])
            feed.extend(("value", a, k, t) for a, k, t in puts + dels)
        if batch.state:
            puts_s = [(n, k, v) for (n, k), v in batch.state.items() if v is not None]
            dels_s = [(n, k) for (n, k), v in batch.state.items() if v is None]
            if puts_s:
                c.executemany(
                    "INSERT INTO store_state (namespace, key, value) VALUES (?, ?, ?) "
                    "ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value", puts_s)
            if dels_s:
                c.executemany("DELETE FROM store_state WHERE namespace = ? AND key = ?", dels_s)
        if batch.counters:
            c.executemany(
                "INSERT INTO counters (namespace, key, field, value) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (namespace, key, field) DO UPDATE SET value = counters.value + excluded.value",
                [(n, k, f, amount) for (n, k, f), amount in batch.counters.items()])
        if batch.schedules:
            c.executemany(
                "INSERT INTO schedules (trigger, next_due) VALUES (?, ?) ON CONFLICT (trigger) DO NOTHING",
                [(fix(t, t), due) for t, due in batch.schedules.items()])
        if batch.finish:
            for fid, token in batch.finish:
                gone = c.execute("DELETE FROM firings WHERE id = ? AND token = ?", (fid, token))
                if gone.rowcount != 1:
                    raise LeaseLostError(
                        f"firing {fid} is no longer held under claim {token} (its lease expired "
                        "and another worker took it): this run's effects were not committed")
        for trigger, owner, token, next_due, state in batch.schedule_done:
            held = c.execute(
                "UPDATE schedules SET next_due = ?, state = ?, owner = NULL, lease_until = NULL "
                "WHERE trigger = ? AND owner = ? AND token = ?",
                (next_due, state, fix(trigger, trigger), owner, token))
            if held.rowcount != 1:
                raise LeaseLostError(
                    "a schedule's claim was taken over by another runner (its lease expired): "
                    "this run's effects were not committed")
        if batch.firings:
            now = time.time()
            for row in batch.firings:
                row.trigger = fix(row.trigger, row.trigger)
                held = row.mode == "sync"
                got = c.execute(
                    "INSERT INTO firings (trigger, mode, data, state, owner, token, lease_until, created) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    (row.trigger, row.mode, row.data, "running" if held else "queued",
                     self.origin if held else None, row.token if held else 0,
                     now + SYNC_LEASE if held else None, now)).fetchone()
                row.id = got[0]
                applied.firing_ids.append(row.id)
        if feed:
            origin, now = self.origin, time.time()
            if len(feed) > FEED_BATCH_LIMIT:  # followers reload instead of replaying each row
                feed = [("reload", None, None, None)]
            c.executemany(
                "INSERT INTO changes (origin, kind, atom, key, data, created) VALUES (?, ?, ?, ?, ?, ?)",
                [(origin, kind, a, k, t, now) for kind, a, k, t in feed])
        return applied

    def _insert(self, c: Any, rows: list[AtomRow], applied: Applied,
                feed: list[tuple[str, int | None, int | None, str | None]]) -> None:
        """Insert new atoms in groups whose members do not contain one another; see the module
        docstring for atoms another process stored first."""
        remap = applied.remap
        fresh: set[int] = set()  # ids this batch inserted as new rows
        group: list[tuple[int, int, str | None, str | None, str | None, bytes]] = []
        pending: set[int] = set()
        type_name = self._type_name

        def flush() -> None:
            if group:
                self._insert_group(c, group, fresh, applied, feed)
                group.clear()
                pending.clear()

        for rid, tid, name, out, tv in rows:
            if out is not None:
                children = [int(x) for x in out.split()]
                if pending.intersection(children):
                    flush()
                out = " ".join(str(remap.get(i, i)) for i in children)
            group.append((rid, tid, name, out, tv, content_hash(type_name(tid), name, out)))
            pending.add(rid)
            if len(group) >= _CHUNK:
                flush()
        flush()

    def _insert_group(self, c: Any, group: list[Any], fresh: set[int], applied: Applied,
                      feed: list[tuple[str, int | None, int | None, str | None]]) -> None:
        inserted = {
            row[0] for row in c.execute(
                "INSERT INTO atoms (id, tid, name, outgoing, tv, hash) VALUES "
                f"{_marks(len(group), 6)} ON CONFLICT (hash) DO NOTHING RETURNING id",
                tuple(v for row in group for v in row)).fetchall()
        }
        fresh.update(inserted)
        met = [row for row in group if row[0] not in inserted]
        if met:
            stored = {
                bytes(h): (i, tv) for h, i, tv in c.execute(
                    f"SELECT hash, id, tv FROM atoms WHERE hash IN ({_marks(len(met))})",
                    tuple(row[5] for row in met)).fetchall()
            }
            for rid, _, _, _, tv, h in met:
                found = stored.get(bytes(h))
                if found is None:  # pragma: no cover - the conflicting row went away meanwhile
                    raise StorageError("an atom row changed while it was being inserted; retry")
                applied.remap[rid] = found[0]
                applied.met_tvs[found[0]] = found[1]
                if tv is None:
                    applied.stored_tvs[found[0]] = found[1]
                else:  # this process set a truth value: it is the latest word
                    c.execute("UPDATE atoms SET tv = ? WHERE id = ?", (tv, found[0]))
                    feed.append(("tv", found[0], None, tv))
        for rid, tid, name, out, tv, _ in group:
            if rid in inserted:
                feed.append(("add", rid, tid, json.dumps([name, out, tv])))

    # -- the change feed -----------------------------------------------------------------------------
    @staticmethod
    def _change(kind: str, atom: int | None, key: int | None, data: str | None) -> Change:
        if kind == "add":
            name, out, tv = json.loads(data or "[null, null, null]")
            return Change("add", atom or 0, row=(atom, key, name, out, tv))
        if kind == "tv":
            return Change("tv", atom or 0, text=data)
        if kind == "value":
            return Change("value", atom or 0, key or 0, text=data)
        return Change(kind, atom or 0)

    def _changes(self, rows: Sequence[Any]) -> list[Change]:
        """Feed rows ``(seq, origin, kind, atom, key, data)`` as changes: other processes'
        rows, and this process's own truth values and values (marked ``own``)."""
        origin, change = self.origin, self._change
        found = []
        for _, o, kind, a, k, d in rows:
            if o != origin:
                found.append(change(kind, a, k, d))
            elif kind in ("tv", "value"):
                mine = change(kind, a, k, d)
                mine.own = True
                found.append(mine)
        return found

    # -- the firing queue -------------------------------------------------------------------------
    def claim_firings(
        self, owner: str, limit: int, lease: float, now: float, can_run: Any = None
    ) -> list[FiringRow]:
        self._check_writable()
        claimed: list[FiringRow] = []
        with self._write() as c:
            heads = c.execute(
                "SELECT f.trigger, f.id FROM firings f JOIN (SELECT trigger, MIN(id) AS head "
                "FROM firings WHERE state IN ('queued', 'running') GROUP BY trigger) h "
                "ON f.id = h.head WHERE (f.state = 'queued' AND f.run_after <= ?) "
                "OR (f.state = 'running' AND f.lease_until < ?) ORDER BY f.id LIMIT ?",
                (now, now, max(limit * 4, 16))).fetchall()
            for trigger, head in heads:
                if len(claimed) >= limit:
                    break
                if can_run is not None and not can_run(trigger):
                    continue
                token = random.getrandbits(62) + 1
                won = c.execute(
                    "UPDATE firings SET state = 'running', owner = ?, token = ?, lease_until = ? "
                    "WHERE id = ? AND ((state = 'queued' AND run_after <= ?) OR "
                    "(state = 'running' AND lease_until < ?)) RETURNING id",
                    (owner, token, now + lease, head, now, now)).fetchone()
                if won is None:
                    continue  # another worker took this trigger's head first
                ids = [head] + [r[0] for r in c.execute(
                    "SELECT id FROM firings WHERE trigger = ? AND id > ? AND state = 'queued' "
                    "ORDER BY id LIMIT ?", (trigger, head, limit - len(claimed) - 1)).fetchall()]
                if len(ids) > 1:
                    c.execute(
                        f"UPDATE firings SET state = 'running', owner = ?, token = ?, lease_until = ? "
                        f"WHERE id IN ({_marks(len(ids) - 1)})", (owner, token, now + lease, *ids[1:]))
                for fid, mode, data, attempts in c.execute(
                    f"SELECT id, mode, data, attempts FROM firings WHERE id IN ({_marks(len(ids))}) "
                    "ORDER BY id", tuple(ids)).fetchall():
                    claimed.append(FiringRow(trigger, data, mode, fid, attempts, token))
        return claimed

    def release_firings(
        self, owner: str, rows: Sequence[FiringRow], now: float, retry_after: float | None,
        error: str | None, max_attempts: int,
    ) -> None:
        if not rows:
            return
        self._check_writable()
        with self._write() as c:
            rest = list(rows)
            if error is not None:
                first = rest.pop(0)
                attempts = first.attempts + 1
                if attempts >= max_attempts:
                    c.execute(
                        "UPDATE firings SET state = 'parked', attempts = ?, error = ?, owner = NULL, "
                        "lease_until = NULL WHERE id = ? AND token = ?",
                        (attempts, error, first.id, first.token))
                else:
                    c.execute(
                        "UPDATE firings SET state = 'queued', attempts = ?, error = ?, owner = NULL, "
                        "lease_until = NULL, run_after = ? WHERE id = ? AND token = ?",
                        (attempts, error, now + (retry_after or 0.0), first.id, first.token))
            if rest:
                c.executemany(
                    "UPDATE firings SET state = 'queued', owner = NULL, lease_until = NULL "
                    "WHERE id = ? AND token = ?", [(r.id, r.token) for r in rest])
            self._notify(c)

    def extend_lease(self, owner: str, rows: Sequence[FiringRow], lease: float, now: float) -> bool:
        if not rows:
            return True
        with self._write() as c:
            held = c.execute(
                f"UPDATE firings SET lease_until = ? WHERE token = ? AND id IN ({_marks(len(rows))})",
                (now + lease, rows[0].token, *[r.id for r in rows]))
            return bool(held.rowcount == len(rows))

    def unfinished(self, ids: Sequence[int]) -> set[int]:
        found: set[int] = set()
        with self._read() as c:
            for chunk in _chunks(list(ids)):
                found.update(r[0] for r in c.execute(
                    f"SELECT id FROM firings WHERE state != 'parked' AND id IN ({_marks(len(chunk))})",
                    tuple(chunk)).fetchall())
        return found

    def failed_firings(self) -> list[FiringRow]:
        with self._read() as c:
            return [FiringRow(t, d, m, i, a, 0, e) for i, t, m, d, a, e in c.execute(
                "SELECT id, trigger, mode, data, attempts, error FROM firings WHERE state = 'parked' "
                "ORDER BY id").fetchall()]

    def retry_firings(self, ids: Sequence[int] | None) -> int:
        self._check_writable()
        with self._write() as c:
            if ids is None:
                done = c.execute(
                    "UPDATE firings SET state = 'queued', attempts = 0, run_after = 0 "
                    "WHERE state = 'parked'")
            else:
                done = c.execute(
                    f"UPDATE firings SET state = 'queued', attempts = 0, run_after = 0 "
                    f"WHERE state = 'parked' AND id IN ({_marks(len(ids))})", tuple(ids)) if ids else None
            self._notify(c)
            return 0 if done is None else int(done.rowcount)

    def queue_depth(self) -> dict[str, int]:
        with self._read() as c:
            found = dict(c.execute("SELECT state, COUNT(*) FROM firings GROUP BY state").fetchall())
        return {"queued": found.get("queued", 0), "held": found.get("running", 0),
                "parked": found.get("parked", 0)}

    # -- schedules -------------------------------------------------------------------------------------
    def ensure_schedules(self, schedules: dict[int, float | None]) -> None:
        if not schedules:
            return
        self._check_writable()
        with self._write() as c:
            c.executemany(
                "INSERT INTO schedules (trigger, next_due) VALUES (?, ?) ON CONFLICT (trigger) DO NOTHING",
                list(schedules.items()))

    def claim_schedules(self, owner: str, now: float, limit: int, lease: float) -> list[ScheduleClaim]:
        self._check_writable()
        with self._write() as c:
            due = {r[0]: r[1] for r in c.execute(
                "SELECT trigger, owner FROM schedules WHERE next_due <= ? "
                "AND (owner IS NULL OR lease_until < ?) ORDER BY next_due LIMIT ?",
                (now, now, limit)).fetchall()}
            if not due:
                return []
            # Compare-and-set: a row is taken only if it is still due and unheld now.
            rows = c.execute(
                f"UPDATE schedules SET owner = ?, token = token + 1, lease_until = ? "
                f"WHERE trigger IN ({_marks(len(due))}) AND next_due <= ? "
                f"AND (owner IS NULL OR lease_until < ?) RETURNING trigger, next_due, token, state",
                (owner, now + lease, *due, now, now)).fetchall()
        return sorted((ScheduleClaim(t, d, k, s, due.get(t)) for t, d, k, s in rows),
                      key=lambda x: x.due)

    def next_schedule_due(self) -> float | None:
        with self._read() as c:
            row = c.execute(  # a held schedule can be claimed again when its lease ends
                "SELECT MIN(CASE WHEN lease_until IS NOT NULL AND lease_until > next_due "
                "THEN lease_until ELSE next_due END) FROM schedules").fetchone()
        return None if row is None or row[0] is None else float(row[0])

    def schedule_rows(self) -> list[tuple[int, float | None, str | None, float | None, str | None]]:
        """``(trigger id, next due, owner, lease until, state)`` of every schedule."""
        with self._read() as c:
            return [tuple(r) for r in c.execute(  # type: ignore[misc]
                "SELECT trigger, next_due, owner, lease_until, state FROM schedules ORDER BY trigger").fetchall()]



FEED_BATCH_LIMIT = 50_000
"""A batch changing more rows than this writes one ``reload`` row to the feed instead of one
row per change (a bulk load): followers reload the store rather than replay it."""
FEED_RETENTION = 600.0
"""Seconds the change feed keeps a row. A process that stopped following for longer reloads."""
SYNC_LEASE = 300.0
"""Seconds a synchronous firing stays held by the process that made it before a worker may run
it in its place (that process died before finishing it)."""
