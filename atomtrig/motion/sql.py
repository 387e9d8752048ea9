"""``cursor.sql``: standard SQL over the relations by name, answered as a pandas DataFrame.

The relations a query names are copied into an in-memory SQLite database (one table per
relation: ``id``, one column per key, and ``derived_id`` — the identifier of the record a
duplicate was made from, else NULL) and the query runs there with SQLite's SQL, read-only: one
``SELECT`` (or ``WITH ... SELECT``) statement that may read those tables and call functions, and
nothing else — no writes, ``ATTACH``, ``VACUUM INTO`` or ``PRAGMA`` (an SQLite authorizer and
``query_only`` enforce it). Anything else, and any SQL error, raises :class:`MotionQueryError`. Cells: ints
(beyond 64 bits: decimal text), floats and strings as they are, bools as 0/1, Enum members by name, dates in ISO 8601, lists,
dicts and numpy arrays as JSON text. pandas is an optional dependency
(``pip install 'atomtrig[motion]'``); without it ``sql`` raises a clear error.

>>> quote("Query")
'"Query"'
"""

from __future__ import annotations

import re
import sqlite3
from typing import TYPE_CHECKING, Any

from atomtrig.motion.codec import sql_cell
from atomtrig.motion.errors import MotionQueryError

if TYPE_CHECKING:
    from atomtrig.motion.schema import Relation
    from atomtrig.motion.store import Store


def quote(name: str) -> str:
    """An SQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:
        raise MotionQueryError(
            "cursor.sql returns a pandas DataFrame and pandas is not installed; install it "
            "with: pip install 'atomtrig[motion]'"
        ) from None
    return pandas


def run_sql(store: Store, query: str) -> Any:
    """Run ``query`` over the store's relations; a DataFrame."""
    if not isinstance(query, str) or not query.strip():
        raise MotionQueryError(f"cursor.sql needs an SQL query string, not {query!r}")
    pandas = _pandas()
    conn = sqlite3.connect(":memory:")
    try:
        for rel in store.relations.values():
            if re.search(r"(?<![\w$])" + re.escape(rel.name) + r"(?![\w$])", query, re.IGNORECASE):
                _materialise(conn, store, rel)
        _read_only(conn)
        try:
            frame = pandas.read_sql_query(query, conn)
        except (sqlite3.Error, pandas.errors.DatabaseError) as exc:
            raise MotionQueryError(f"cursor.sql: {_reason(exc)}") from None
        except (TypeError, ValueError) as exc:  # e.g. a statement that returns no rows at all
            raise MotionQueryError(f"cursor.sql: {query.strip()[:60]!r} is not a query ({exc})") from None
        return _exact_integers(frame, conn, query, pandas)
    finally:
        conn.close()


def _exact_integers(frame: Any, conn: sqlite3.Connection, query: str, pandas: Any) -> Any:
    """An integer column with NULLs comes out of pandas as float64, which cannot hold integers
    beyond 2**53 exactly: such a column is given back as Python ints and None (object dtype).
    Other columns keep pandas' types."""
    suspects = [name for name in frame.columns
                if frame[name].dtype.kind == "f" and frame[name].isna().any()
                and (frame[name].abs() >= 2.0**53).any()]
    if not suspects:
        return frame
    cursor = conn.execute(query)
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    for name in suspects:
        column = [row[names.index(name)] for row in rows]
        if all(v is None or isinstance(v, int) for v in column):
            frame[name] = pandas.Series(column, index=frame.index, dtype=object)
    return frame


# What a read-only query may do (sqlite3's authorizer action codes): read tables, select, call
# functions, and recurse in a WITH RECURSIVE. Everything else is denied.
_ALLOWED_ACTIONS = frozenset(
    code for code in (getattr(sqlite3, name, None) for name in (
        "SQLITE_SELECT", "SQLITE_READ", "SQLITE_FUNCTION", "SQLITE_RECURSIVE"))
    if code is not None
)


def _authorize(action: int, *_: object) -> int:
    return sqlite3.SQLITE_OK if action in _ALLOWED_ACTIONS else sqlite3.SQLITE_DENY


def _read_only(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA query_only = ON")
    conn.set_authorizer(_authorize)


def _reason(exc: Exception) -> str:
    text = str(exc)
    if "not authorized" in text:
        return ("only a read-only query (SELECT, or WITH ... SELECT) over the relations is "
                f"allowed ({text})")
    return text


def _materialise(conn: sqlite3.Connection, store: Store, rel: Relation) -> None:
    id_sql = "" if rel.id_kind == "int" else "TEXT"
    columns = [("id", id_sql)] + [(k, rel.fields[k].sql_type) for k in rel.keys]
    if "derived_id" not in rel.fields:
        columns.append(("derived_id", id_sql))
    conn.execute(f"CREATE TABLE {quote(rel.name)} ("
                 + ", ".join(f"{quote(c)} {t}".rstrip() for c, t in columns) + ")")
    rows = [[sql_cell(row[c]) for c, _ in columns] for row in store._rows(rel)]
    conn.executemany(f"INSERT INTO {quote(rel.name)} VALUES ("
                     + ", ".join("?" for _ in columns) + ")", rows)
