"""The one interface every storage backend implements, and the batch of changes it applies.

A backend knows nothing about atoms as Python objects: it stores rows. The write-through layer
(:mod:`atomtrig.storage.binding`) turns the AtomSpace's changes into a :class:`Batch` of rows
keyed by integer atom ids and hands it to :meth:`StorageBackend.apply`, which must apply it all
or nothing. Reopening reads the rows back with :meth:`StorageBackend.load`.

Each backend states what it guarantees with honest capability flags (as RDFLib's stores do), so
code and tests can ask instead of assuming:

- ``transactional``: :meth:`apply` is atomic (all of a batch or none of it, even on a crash).
- ``durable``: what was applied survives the process (it is on disk).
- ``durable_triggers``: trigger firings recorded in a batch survive with it (the firing journal
  is kept in the same store, committed in the same transaction as the change).
- ``multi_process``: several processes may have the store open at once and see one another's
  changes. When False, a second opener gets :class:`~atomtrig.storage.errors.StoreInUseError`.

>>> from atomtrig.storage.memory import MemoryBackend
>>> backend = MemoryBackend()
>>> backend.transactional, backend.durable, backend.multi_process
(True, False, False)
"""

from __future__ import annotations

import abc
from collections.abc import Iterator
from dataclasses import dataclass, field

AtomRow = tuple[int, int, str | None, str | None, str | None]
"""``(id, type id, name, outgoing, tv)``: a node has a name and no outgoing; a link has the
outgoing atom ids as text (``"3 7"``) and no name; ``tv`` is None for the default truth value
or its text form (see :mod:`atomtrig.storage.codec`)."""

TypeRow = tuple[int, str, str | None]
"""``(type id, type name, parents)``: ``parents`` (comma-separated names) is set for a type
declared at run time, None for a built-in one."""


@dataclass
class Batch:
    """The rows one commit writes. Ids are never reused, so applying the parts in this order
    (types, inserts, truth values, values, removals, state) gives the final state whatever order
    the changes happened in."""

    types: list[TypeRow] = field(default_factory=list)
    inserts: list[AtomRow] = field(default_factory=list)
    tvs: dict[int, str | None] = field(default_factory=dict)
    """atom id -> new truth value text (None: the default)."""
    values: dict[tuple[int, int], str | None] = field(default_factory=dict)
    """(atom id, key atom id) -> encoded value, or None to remove it."""
    removals: list[int] = field(default_factory=list)
    """Atom ids to delete, with every value they hold or key."""
    state: dict[tuple[str, str], str | None] = field(default_factory=dict)
    """(namespace, key) -> text, or None to delete: trigger statistics, schedule state, the
    firing journal and other layers' durable bookkeeping."""
    clear: bool = False
    """Delete every atom and value before the rest (``AtomSpace.clear``)."""
    next_id: int = 0
    """The first atom id not used yet, saved so ids are never reused after a reopen."""

    def __bool__(self) -> bool:
        return bool(
            self.types or self.inserts or self.tvs or self.values or self.removals
            or self.state or self.clear
        )


@dataclass
class Loaded:
    """What :meth:`StorageBackend.load` returns. ``atoms`` yields rows in id order, so every
    link comes after the atoms it contains."""

    types: list[TypeRow]
    atoms: Iterator[AtomRow]
    values: Iterator[tuple[int, int, str]]
    next_id: int


class StorageBackend(abc.ABC):
    """A place to keep an AtomSpace's rows. See the module docstring for the flags."""

    name: str = "abstract"
    transactional: bool = False
    durable: bool = False
    durable_triggers: bool = False
    multi_process: bool = False

    @abc.abstractmethod
    def load(self) -> Loaded:
        """Everything stored, for rebuilding the AtomSpace."""

    @abc.abstractmethod
    def apply(self, batch: Batch) -> None:
        """Apply ``batch`` (atomically when ``transactional``)."""

    @abc.abstractmethod
    def read_state(self, namespace: str) -> dict[str, str]:
        """The committed ``state`` entries of one namespace."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the store (files, locks). Further calls raise ``StoreClosedError``."""

    def describe(self) -> dict[str, object]:
        """What a user may want to know about the store (path, format version, settings)."""
        return {"backend": self.name}
