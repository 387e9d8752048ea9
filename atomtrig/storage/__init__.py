"""Persistence: the AtomSpace kept in a store, written through on every change, shared by any
number of processes.

One interface (:class:`~atomtrig.storage.base.StorageBackend`), one module per backend
(:mod:`~atomtrig.storage.memory`, :mod:`~atomtrig.storage.sqlite`,
:mod:`~atomtrig.storage.postgres`; the SQL they share in :mod:`~atomtrig.storage.sql`), the
write-through binding (:mod:`~atomtrig.storage.binding`), transactions
(:mod:`~atomtrig.storage.transaction`), the change-feed follower
(:mod:`~atomtrig.storage.follower`), durable trigger delivery (:mod:`~atomtrig.storage.firings`)
and its workers (:mod:`~atomtrig.storage.workers`). Users call ``atomtrig.AtomSpace.open(location)``,
``space.transaction()``, ``space.sync()`` and ``space.close()``.
"""

from atomtrig.storage.base import Batch, Loaded, StorageBackend
from atomtrig.storage.binding import StoreBinding
from atomtrig.storage.errors import (
    LeaseLostError,
    TruthValueConflictError,
    NoSuchStoreError,
    NotAStoreError,
    StorageError,
    StoreClosedError,
    StoreCorruptError,
    StoreInUseError,
    StoreReadOnlyError,
    StoreVersionError,
    TransactionError,
)
from atomtrig.storage.memory import MemoryBackend
from atomtrig.storage.sqlite import SQLiteBackend

__all__ = [
    "Batch",
    "LeaseLostError",
    "TruthValueConflictError",
    "NoSuchStoreError",
    "StoreReadOnlyError",
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
