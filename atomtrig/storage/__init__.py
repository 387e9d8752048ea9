"""Persistence: the AtomSpace kept in a store, written through on every change.

One interface (:class:`~atomtrig.storage.base.StorageBackend`), one module per backend
(:mod:`~atomtrig.storage.memory`, :mod:`~atomtrig.storage.sqlite`), the write-through binding
(:mod:`~atomtrig.storage.binding`), transactions (:mod:`~atomtrig.storage.transaction`) and
durable trigger delivery (:mod:`~atomtrig.storage.journal`). Users call
``atomtrig.AtomSpace.open(path)``, ``space.transaction()`` and ``space.close()``.
"""

from atomtrig.storage.base import Batch, Loaded, StorageBackend
from atomtrig.storage.binding import StoreBinding
from atomtrig.storage.errors import (
    NotAStoreError,
    StorageError,
    StoreClosedError,
    StoreCorruptError,
    StoreInUseError,
    StoreVersionError,
    TransactionError,
)
from atomtrig.storage.memory import MemoryBackend
from atomtrig.storage.sqlite import SQLiteBackend

__all__ = [
    "Batch",
    "Loaded",
    "MemoryBackend",
    "NotAStoreError",
    "SQLiteBackend",
    "StorageBackend",
    "StorageError",
    "StoreBinding",
    "StoreClosedError",
    "StoreCorruptError",
    "StoreInUseError",
    "StoreVersionError",
    "TransactionError",
]
