"""Opening and closing a persistent AtomSpace (``AtomSpace.open``, ``space.close()``).

``AtomSpace.open(location)`` takes a path (the embedded SQLite store), ``sqlite:///path``,
``postgresql://user@host:port/db`` (:mod:`atomtrig.storage.location`) or a
:class:`~atomtrig.storage.base.StorageBackend`. It loads every atom, declared type, truth value
and value without firing anything and attaches write-through; on a shared store it starts the
change-feed follower; and when the space has a trigger engine it makes trigger delivery durable
(:mod:`atomtrig.storage.firings`) and starts the worker threads that run queued firings
(:mod:`atomtrig.storage.workers`).

Options: ``readonly=True`` (look only: nothing is written, delivered, scheduled or imported, and
no store is created), ``create=False`` (refuse a location with no store instead of making one),
``workers=N`` worker threads (0 leaves this process's queued firings to other processes),
``schedules=True`` (run the store's ScheduledExecutionLinks in this process instead of leaving
them to ``atomtrig schedule`` runners), ``lease`` (seconds a worker's claim on queued firings
lasts before another process may take them over; renewed while they run).

>>> import os, tempfile, atomtrig
>>> path = os.path.join(tempfile.mkdtemp(), "kb.db")
>>> space = atomtrig.AtomSpace.open(path)
>>> _ = space.add_node("Concept", "cat", tv=atomtrig.stv(0.9, 0.8))
>>> space.close()
>>> again = atomtrig.AtomSpace.open(path, readonly=True)
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
from atomtrig.storage.location import backend_for

if TYPE_CHECKING:
    from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace

S = TypeVar("S", bound="AtomSpace")

Location = str | os.PathLike[str] | StorageBackend


def open_space(
    cls: type[S], location: Location, *, readonly: bool = False, create: bool = True,
    workers: int = 2, schedules: bool = False, follow: bool = True, lease: float = 30.0,
    **settings: Any,
) -> S:
    """Make a ``cls`` AtomSpace holding what ``location`` stores; see the module docstring."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 0:
        raise StorageError(f"workers must be a whole number >= 0, not {workers!r}")
    backend = backend_for(location, readonly=readonly, create=create, **settings)
    try:
        space = cls()
        binding = StoreBinding.attach(space, backend, readonly=readonly)
        engine = space.find_extension("atomtrig.triggers")
        if backend.multi_process and follow and not readonly:
            from atomtrig.storage.follower import Follower

            follower = Follower(binding)
            follower.start()
            binding.services.append(follower)
        if engine is not None:
            from atomtrig.storage.firings import attach_triggers

            attach_triggers(binding, engine, workers=0 if readonly else workers,
                            schedules=schedules, lease=lease)
    except BaseException:
        backend.close()
        raise
    return space


def close_space(space: AtomSpace) -> None:
    """Finish this process's trigger work, stop its threads, commit and release the store."""
    binding = space._store
    if not isinstance(binding, StoreBinding) or binding.backend is None:
        raise StorageError("close() is for an AtomSpace opened with AtomSpace.open")
    if binding.closed:
        return
    for service in reversed(binding.services):  # workers, then the follower
        service.stop()
    binding.services.clear()
    engine = space.find_extension("atomtrig.triggers")
    if engine is not None:
        engine.close()
    binding.close()
