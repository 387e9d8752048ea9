"""The errors of the storage layer; all subclass :class:`atomtrig.core.errors.AtomtrigError`.

>>> from atomtrig.storage.errors import StoreInUseError, StorageError
>>> issubclass(StoreInUseError, StorageError)
True
"""

from __future__ import annotations

from atomtrig.core.errors import AtomtrigError


class StorageError(AtomtrigError):
    """Something went wrong reading or writing a store."""


class NotAStoreError(StorageError):
    """The file exists but is not an atomtrig store (another program's file or database)."""


class StoreCorruptError(StorageError):
    """The file is an atomtrig store but its content is damaged."""


class StoreVersionError(StorageError):
    """The store was written by a newer atomtrig (a format version this one does not know)."""


class StoreInUseError(StorageError):
    """The store is busy (another process held it longer than the store's busy timeout)."""


class StoreReadOnlyError(StorageError):
    """A change to an AtomSpace opened read-only, or a store file the user may not write."""


class NoSuchStoreError(StorageError):
    """No store at that location (and the command only reads, so none was created)."""


class LeaseLostError(StorageError):
    """A worker's claim on a firing or schedule expired and another one took it over: the work
    it did was not committed."""


class TruthValueConflictError(StorageError):
    """A truth value revised from the value this process had (``AtomSpace.revise_tv``) was
    changed by another process first: nothing of the transaction was committed. Sync and
    revise again (trigger workers do this by themselves)."""


class StoreClosedError(StorageError):
    """The AtomSpace's store was closed; reopen it with ``AtomSpace.open``."""


class TransactionError(StorageError):
    """A transaction was misused (e.g. committed from another thread)."""
