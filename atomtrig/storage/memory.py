"""The in-memory backend: rows in Python dictionaries, kept as long as the backend object lives.

Guarantees: ``transactional`` (a batch is applied all or nothing: it is checked, then applied
under a lock, and a process crash loses the whole store anyway). It does NOT give
``durable`` (nothing survives the process), ``durable_triggers`` (firings recorded here die with
the process) or ``multi_process`` (one process only; a second AtomSpace opened on the same
backend object while the first is open gets ``StoreInUseError``).

Use it to test code written against the storage interface and to reopen a space within one
process:

>>> from atomtrig import AtomSpace
>>> from atomtrig.storage.memory import MemoryBackend
>>> backend = MemoryBackend()
>>> space = AtomSpace.open(backend)
>>> _ = space.add_node("Concept", "cat")
>>> space.close()
>>> again = AtomSpace.open(backend)
>>> again.get_node("Concept", "cat") is not None
True
>>> again.close()
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

from atomtrig.storage.base import AtomRow, Batch, Loaded, StorageBackend, TypeRow
from atomtrig.storage.errors import StoreClosedError, StoreInUseError


class MemoryBackend(StorageBackend):
    """Rows in dictionaries; see the module docstring for what it guarantees."""

    name = "memory"
    transactional = True
    durable = False
    durable_triggers = False
    multi_process = False

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._types: dict[int, TypeRow] = {}
        self._atoms: dict[int, AtomRow] = {}
        self._values: dict[tuple[int, int], str] = {}  # (atom id, key id) -> value text
        self._state: dict[tuple[str, str], str] = {}
        self._next_id = 1
        self._open = False
        self._closed = False

    def acquire(self) -> None:
        """Mark the backend open by one AtomSpace (a second one gets ``StoreInUseError``)."""
        with self._lock:
            if self._open:
                raise StoreInUseError("this MemoryBackend is in use: another AtomSpace has it open")
            self._open = True
            self._closed = False

    def load(self) -> Loaded:
        with self._lock:
            atoms = [self._atoms[k] for k in sorted(self._atoms)]
            values = [(a, k, v) for (a, k), v in self._values.items()]
            return Loaded(sorted(self._types.values()), iter(atoms), iter(values), self._next_id)

    def apply(self, batch: Batch) -> None:
        if self._closed:
            raise StoreClosedError("this MemoryBackend is closed")
        with self._lock:
            if batch.clear:
                self._atoms.clear()
                self._values.clear()
            for row in batch.types:
                self._types[row[0]] = row
            for atom_row in batch.inserts:
                self._atoms[atom_row[0]] = atom_row
            for atom_id, tv in batch.tvs.items():
                old = self._atoms.get(atom_id)
                if old is not None:
                    self._atoms[atom_id] = (old[0], old[1], old[2], old[3], tv)
            for key, text in batch.values.items():
                if text is None:
                    self._values.pop(key, None)
                else:
                    self._values[key] = text
            if batch.removals:
                doomed = set(batch.removals)
                for atom_id in doomed:
                    self._atoms.pop(atom_id, None)
                for key in [k for k in self._values if k[0] in doomed or k[1] in doomed]:
                    del self._values[key]
            for skey, stext in batch.state.items():
                if stext is None:
                    self._state.pop(skey, None)
                else:
                    self._state[skey] = stext
            self._next_id = max(self._next_id, batch.next_id)

    def read_state(self, namespace: str) -> dict[str, str]:
        with self._lock:
            return {k: v for (ns, k), v in self._state.items() if ns == namespace}

    def close(self) -> None:
        with self._lock:
            self._open = False
            self._closed = True

    def atom_count(self) -> int:
        return len(self._atoms)

    def rows(self) -> Iterator[AtomRow]:
        return iter(sorted(self._atoms.values()))
