"""Opening and closing a persistent AtomSpace (``AtomSpace.open``, ``space.close()``).

``AtomSpace.open(target)`` takes a file path (an SQLite store, created if missing) or a
:class:`~atomtrig.storage.base.StorageBackend`. It loads every atom, declared type, truth value
and value without firing anything, attaches write-through, and, when the space has a trigger
engine, makes trigger delivery durable (:mod:`atomtrig.storage.journal`): the loaded trigger
links are registered, their statistics restored, and firings pending when the store was last
used are delivered again.

>>> import os, tempfile, atomtrig
>>> path = os.path.join(tempfile.mkdtemp(), "kb.db")
>>> space = atomtrig.AtomSpace.open(path)
>>> _ = space.add_node("Concept", "cat", tv=atomtrig.stv(0.9, 0.8))
>>> space.close()
>>> again = atomtrig.AtomSpace.open(path)
>>> again.get_node("Concept", "cat").tv
(stv 0.9 0.8)
>>> again.close()
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, TypeVar

from atomtrig.storage.base import StorageBackend
from atomtrig.storage.binding import StoreBinding
from atomtrig.storage.errors import StorageError

if TYPE_CHECKING:
    from atomtrig.core.atomspace import AtomSpace

S = TypeVar("S", bound="AtomSpace")


def backend_for(
    target: str | os.PathLike[str] | StorageBackend, synchronous: str = "NORMAL",
    journal_mode: str = "WAL", wait: float = 0.0,
) -> StorageBackend:
    """The backend ``AtomSpace.open`` uses for ``target``."""
    if isinstance(target, StorageBackend):
        acquire = getattr(target, "acquire", None)
        if acquire is not None:
            acquire()
        return target
    if isinstance(target, (str, os.PathLike)):
        from atomtrig.storage.sqlite import SQLiteBackend

        return SQLiteBackend(
            target, synchronous=synchronous, journal_mode=journal_mode, wait=wait
        )
    raise StorageError(
        f"a store must be a file path or a StorageBackend, not {type(target).__name__} {target!r}"
    )


def open_space(
    cls: type[S], target: str | os.PathLike[str] | StorageBackend, **settings: Any
) -> S:
    """Make a ``cls`` AtomSpace holding what ``target`` stores, with changes written through."""
    backend = backend_for(target, **settings)
    try:
        space = cls()
        binding = StoreBinding.attach(space, backend)
        engine = getattr(space, "_triggers", None)
        if engine is not None:
            from atomtrig.storage.journal import make_triggers_durable

            make_triggers_durable(binding, engine)
    except BaseException:
        backend.close()
        raise
    return space


def close_space(space: AtomSpace) -> None:
    """Finish queued trigger work, save trigger statistics, commit and release the store."""
    binding = space._store
    if not isinstance(binding, StoreBinding) or binding.backend is None:
        raise StorageError("close() is for an AtomSpace opened with AtomSpace.open")
    if binding.closed:
        return
    engine = getattr(space, "_triggers", None)
    if engine is not None:
        engine.close()
        durable = getattr(engine, "_durable", None)
        if durable is not None:
            durable.save_all_stats()
    binding.close()
