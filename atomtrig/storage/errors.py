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
    """Another process (or another open AtomSpace) has the store open."""


class StoreClosedError(StorageError):
    """The AtomSpace's store was closed; reopen it with ``AtomSpace.open``."""


class TransactionError(StorageError):
    """A transaction was misused (e.g. committed from another thread)."""
