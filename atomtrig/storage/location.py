"""Store locations: what ``AtomSpace.open(location)`` and ``--store LOCATION`` accept.

- a file path (``kb.db``, ``data/kb.db``): the embedded SQLite store, the default;
- ``sqlite:///relative/path.db`` or ``sqlite:////absolute/path.db``: the same, as a URL;
- ``postgresql://user@host:port/database`` (``postgres://`` too): a PostgreSQL database.

>>> kind_of("kb.db"), kind_of("sqlite:////tmp/kb.db"), kind_of("postgresql://u@h/db")
('sqlite', 'sqlite', 'postgresql')
>>> sqlite_path("sqlite:////tmp/kb.db"), sqlite_path("sqlite:///kb.db"), sqlite_path("kb.db")
('/tmp/kb.db', 'kb.db', 'kb.db')
"""

from __future__ import annotations

import os
from typing import Any

from atomtrig.storage.base import StorageBackend
from atomtrig.storage.errors import StorageError

__all__ = ["backend_for", "kind_of", "sqlite_path"]


def kind_of(location: str | os.PathLike[str]) -> str:
    """``"sqlite"`` or ``"postgresql"``: which backend a location names."""
    text = os.fspath(location)
    if text.startswith(("postgresql://", "postgres://")):
        return "postgresql"
    if "://" in text and not text.startswith("sqlite://"):
        scheme = text.split("://", 1)[0]
        raise StorageError(
            f"unknown store location scheme {scheme!r} in {text!r}; use a file path, "
            "sqlite:///path or postgresql://user@host:port/database"
        )
    return "sqlite"


def sqlite_path(location: str | os.PathLike[str]) -> str:
    """The file path of an SQLite location."""
    text = os.fspath(location)
    if text.startswith("sqlite://"):
        rest = text[len("sqlite://"):]
        if not rest.startswith("/"):
            raise StorageError(f"an SQLite URL is sqlite:///path (three slashes), not {text!r}")
        return rest[1:]
    return text


def backend_for(
    location: str | os.PathLike[str] | StorageBackend, *, readonly: bool = False,
    create: bool = True, **settings: Any,
) -> StorageBackend:
    """The backend ``AtomSpace.open`` uses for ``location``. ``create``: make a new store when
    there is none (never with ``readonly``); ``settings`` go to the backend (``synchronous``,
    ``busy_timeout`` for SQLite)."""
    if isinstance(location, StorageBackend):
        acquire = getattr(location, "acquire", None)
        if acquire is not None:
            acquire()
        location.readonly = readonly
        return location
    if not isinstance(location, (str, os.PathLike)):
        raise StorageError(
            "a store location must be a path, sqlite:///path, postgresql://... or a "
            f"StorageBackend, not {type(location).__name__} {location!r}"
        )
    if kind_of(location) == "postgresql":
        from atomtrig.storage.postgres import PostgresBackend

        return PostgresBackend(os.fspath(location), readonly=readonly, create=create and not readonly,
                               **{k: v for k, v in settings.items() if k in PostgresBackend.SETTINGS})
    from atomtrig.storage.sqlite import SQLiteBackend

    return SQLiteBackend(sqlite_path(location), readonly=readonly, create=create and not readonly,
                         **{k: v for k, v in settings.items() if k in ("synchronous", "busy_timeout")})
