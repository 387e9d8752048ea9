"""Format migrations: an older store is brought to the current format when it is first opened
for writing, in one transaction (a failure leaves it as it was).

Version 1 (single-process SQLite stores) to version 2 (shared stores):

- every atom row gets its content hash, under a unique index (rows of one atom stored twice —
  which a version-1 store could hold after a race between threads — are merged into the first,
  and the links and values that named the others are pointed at it);
- the change feed, counters, firing queue and schedule tables are added;
- pending trigger firings move from ``store_state`` into the queue (as asynchronous firings, so a
  worker runs them), and trigger statistics into counters.

Schedule runners adopt their version-1 ``schedule-state`` rows themselves (they are keyed by the
schedule link's text, which only the trigger layer reads).
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from atomtrig.storage.base import content_hash
from atomtrig.storage.errors import StoreCorruptError, StoreVersionError

if TYPE_CHECKING:
    from atomtrig.storage.sql import SQLStore

_V1_FIRINGS = "trigger-firings"
_V1_STATS = "trigger-stats"
STATS = "trigger-stats"
LAST = "trigger-last"


def migrate_sqlite(c: Any, version: int, store: SQLStore) -> None:
    """Upgrade the SQLite store under cursor ``c`` (in an exclusive transaction) from
    ``version`` to the current format."""
    from atomtrig.storage.sql import FORMAT_VERSION, schema_statements

    if version != 1:
        raise StoreVersionError(f"format version {version} cannot be migrated; the file was left unchanged")
    names = dict(c.execute("SELECT tid, name FROM atom_types").fetchall())
    wanted = [s for s in schema_statements(store.dialect)
              if s.startswith(("CREATE TABLE changes", "CREATE TABLE counters", "CREATE TABLE firings",
                               "CREATE TABLE schedules", "CREATE INDEX firings", "CREATE INDEX schedules"))]
    atoms_ddl = next(s for s in schema_statements(store.dialect) if s.startswith("CREATE TABLE atoms "))
    c.execute(atoms_ddl.replace("CREATE TABLE atoms ", "CREATE TABLE atoms_v2 "))
    same: dict[int, int] = {}  # id of a duplicate row -> id of the row kept
    by_content: dict[tuple[Any, ...], int] = {}
    rows = c.execute("SELECT id, tid, name, outgoing, tv FROM atoms ORDER BY id").fetchall()
    kept = []
    for aid, tid, name, out, tv in rows:
        if tid not in names:
            raise StoreCorruptError(f"atom {aid} has an unknown type id {tid}; the file was left unchanged")
        if out is not None:
            out = " ".join(str(same.get(int(x), int(x))) for x in out.split())
        key = (tid, name, out)
        first = by_content.get(key)
        if first is not None:
            same[aid] = first
            continue
        by_content[key] = aid
        kept.append((aid, tid, name, out, tv, content_hash(names[tid], name, out)))
    c.executemany("INSERT INTO atoms_v2 (id, tid, name, outgoing, tv, hash) VALUES (?, ?, ?, ?, ?, ?)", kept)
    c.execute("DROP TABLE atoms")
    c.execute("ALTER TABLE atoms_v2 RENAME TO atoms")
    if same:
        values = c.execute("SELECT atom, key, value FROM atom_values").fetchall()
        c.execute("DELETE FROM atom_values")
        merged: dict[tuple[int, int], str] = {}
        for atom, key, value in values:
            merged.setdefault((same.get(atom, atom), same.get(key, key)), value)
        c.executemany("INSERT INTO atom_values (atom, key, value) VALUES (?, ?, ?)",
                      [(a, k, v) for (a, k), v in merged.items()])
    for statement in wanted:
        c.execute(statement)
    ids = _content_ids(names, kept)
    now = time.time()
    for key, text in c.execute("SELECT key, value FROM store_state WHERE namespace = ?",
                               (_V1_FIRINGS,)).fetchall():
        try:
            data = json.loads(text)
            trigger = _resolve(data["t"], ids)
        except (ValueError, KeyError, TypeError):
            continue  # a firing whose trigger link is gone: nothing to run
        if trigger is not None:
            c.execute("INSERT INTO firings (trigger, mode, data, state, created) VALUES (?, 'async', ?, 'queued', ?)",
                      (trigger, text, now))
    for key, text in c.execute("SELECT key, value FROM store_state WHERE namespace = ?",
                               (_V1_STATS,)).fetchall():
        try:
            data = json.loads(text)
        except ValueError:
            continue
        fired = float(data.get("fired") or 0)
        counts = {"fired": fired, "failed": float(data.get("failed") or 0),
                  "skipped": float(data.get("skipped") or 0), "dropped": float(data.get("dropped") or 0),
                  "duration": float(data.get("mean_duration") or 0) * fired}
        c.executemany("INSERT INTO counters (namespace, key, field, value) VALUES (?, ?, ?, ?)",
                      [(STATS, key, f, v) for f, v in counts.items()])
        c.execute("INSERT INTO store_state (namespace, key, value) VALUES (?, ?, ?)",
                  (LAST, key, json.dumps({"last_error": data.get("last_error"),
                                          "last_fired": data.get("last_fired")})))
    c.execute("DELETE FROM store_state WHERE namespace IN (?, ?)", (_V1_FIRINGS, _V1_STATS))
    c.execute("UPDATE atomtrig_meta SET value = ? WHERE key = 'version'", (str(FORMAT_VERSION),))
    c.execute("DELETE FROM atomtrig_meta WHERE key = 'commits'")
    c.execute(f"PRAGMA user_version={FORMAT_VERSION}")


def _content_ids(names: dict[int, str], rows: list[Any]) -> dict[tuple[Any, ...], int]:
    """(type name, name) / (type name, (child ids...)) -> atom id."""
    found: dict[tuple[Any, ...], int] = {}
    for aid, tid, name, out, _, _ in rows:
        if out is None:
            found[(names[tid], name)] = aid
        else:
            found[(names[tid], tuple(int(x) for x in out.split()))] = aid
    return found


def _resolve(ref: Any, ids: dict[tuple[Any, ...], int]) -> int | None:
    """The id of the atom a stored reference (``[type, name]`` or ``[type, [refs...]]``,
    :mod:`atomtrig.storage.codec`) names, or None."""
    type_name, body = ref
    if isinstance(body, list):
        children = [_resolve(r, ids) for r in body]
        if any(child is None for child in children):
            return None
        return ids.get((type_name, tuple(children)))
    return ids.get((type_name, body))
