"""Write-through: ties an AtomSpace to a :class:`~atomtrig.storage.base.StorageBackend`.

:class:`StoreBinding` is the core's store hook (:mod:`atomtrig.core.store_hook`). Every change
is noted, as it is applied, in a list owned by the thread that made it; when the API call is
over (``call_done``) the list is turned into one :class:`~atomtrig.storage.base.Batch` and
committed. Inside :meth:`StoreBinding.transaction` the lists of every call made in the
transaction become one batch, committed at the end, and an undo log of the in-memory changes is
kept so a rollback can restore the AtomSpace too.

Why changes are resolved when the batch is built, not when they happen: the core hands events
out after its lock is released, so two threads' changes may reach the store in another order
than they were applied. The batch therefore records *which* atoms changed and reads their
*current* state (alive or removed, truth value, values) under the store's write lock and the
space's lock. Atom ids are never reused, so whatever order two batches come in, the store ends
up matching memory.

Atom ids come from the store in blocks (:meth:`StorageBackend.reserve_ids`). When another process
stored the same atom first, the store says so (:attr:`Applied.remap`) and the atom takes that
row's id. Changes other processes committed arrive through :meth:`StoreBinding.apply_remote` (the
change feed follower calls it): they are applied to memory without change events and without
being written back.

>>> from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
>>> from atomtrig.storage.memory import MemoryBackend
>>> space, backend = AtomSpace(), MemoryBackend()
>>> binding = StoreBinding.attach(space, backend)
>>> _ = space.add_node("Concept", "cat")
>>> backend.atom_count()
1
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from atomtrig.core.atom import Atom, Node
from atomtrig.core.errors import AtomNotInSpaceError
from atomtrig.core.truthvalue import DEFAULT_TV, TruthValue
from atomtrig.core.types import AtomType, types
from atomtrig.storage.base import Applied, Batch, Change, FiringRow, StorageBackend
from atomtrig.storage.codec import decode_tv, decode_value, encode_tv, encode_value
from atomtrig.storage.errors import (
    StorageError,
    StoreClosedError,
    StoreCorruptError,
    StoreReadOnlyError,
    TransactionError,
)

if TYPE_CHECKING:
    from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace

log = logging.getLogger("atomtrig.storage")

# Operation tags in a thread's pending list.
_ADD, _TV, _VALUE, _REMOVE, _CLEAR, _STATE, _AFTER = range(7)
_COUNT, _FIRE, _FINISH, _SCHEDULE, _SCHEDULE_DONE, _TV_BACK = range(7, 13)
_ATOM_OPS = (_ADD, _TV, _VALUE, _REMOVE)


def _touched(entries: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The atom changes of a rolled-back log, as entries that make the next commit write what
    memory now holds for each atom they touched (a rolled-back removal's old row goes, the
    atom brought back in its place gets a row of its own). Truth values are not among them:
    the undo notes each one it restores, to be written back only where the store holds the
    value it replaced (never over another process's). A clear becomes the removals of the atoms
    it cleared; state, journal and after-commit entries are dropped with the log."""
    kept: list[tuple[Any, ...]] = []
    for op in entries:
        tag = op[0]
        if tag in _ATOM_OPS and tag != _TV:  # undone truth values were noted by the undo
            kept.append(op)
        elif tag == _CLEAR and op[1] is not None:
            kept.extend((_REMOVE, atom, None, None) for atom, _, _ in op[1])
    return kept


def _content(atom: Atom) -> tuple[AtomType, Any]:
    """What makes ``atom`` the atom it is (and its store row's content hash): its type and
    name, or its type and outgoing atoms."""
    return (atom.type, atom.name if atom.__class__ is Node else atom.out)


def _drop_removed(batch: Batch) -> None:
    """Make a batch say each atom's last word once: an atom added and removed in it is never
    written, and nothing is written for a removed atom (backends apply removals first, so an
    atom brought back by a rollback gets a row of its own)."""
    gone = set(batch.removals)
    inserted = {row[0] for row in batch.inserts}
    batch.inserts = [row for row in batch.inserts if row[0] not in gone]
    batch.removals = [i for i in batch.removals if i not in inserted]
    batch.tvs = {i: tv for i, tv in batch.tvs.items() if i not in gone}
    batch.tv_guards = {i: tv for i, tv in batch.tv_guards.items() if i not in gone}
    batch.tv_restores = {i: tv for i, tv in batch.tv_restores.items() if i not in gone}
    batch.values = {(a, k): v for (a, k), v in batch.values.items() if a not in gone and k not in gone}
    batch.firings = [f for f in batch.firings if f.trigger not in gone]
    batch.schedules = {t: due for t, due in batch.schedules.items() if t not in gone}


@dataclass
class _Transaction:
    revived: dict[Atom, Atom] = field(default_factory=dict)
    """Removed atom -> the atom a rollback brought back in its place."""
    replays: list[tuple[int, int]] = field(default_factory=list)
    """Ranges of the log written by savepoint rollbacks (restorations, never undone)."""


class _ThreadState(threading.local):
    def __init__(self) -> None:
        self.ops: list[tuple[Any, ...]] = []
        self.tx: _Transaction | None = None
        self.replaying = False
        self.restoring_tv: bool | None = None
        """While a rollback undoes a truth value: whether that change was a revision."""


class StoreBinding:
    """The store hook of one AtomSpace. ``backend`` None keeps only transactions' undo logs (a
    plain in-memory space inside ``space.transaction()``)."""

    def __init__(
        self, space: AtomSpace, backend: StorageBackend | None, readonly: bool = False
    ) -> None:
        self.space = space
        self.backend = backend
        self.readonly = readonly
        self._ids: dict[Atom, int] = {}
        self._atoms: dict[int, Atom] = {}
        """Store id -> atom, for the changes other processes send by id."""
        self._type_ids: dict[AtomType, int] = {}
        self._types_by_id: dict[int, AtomType] = {}
        self._free: list[int] = []  # reserved ids not given out yet (taken from the end)
        self._write_lock = threading.RLock()
        self._local = _ThreadState()
        self._closed = False
        self._open_transactions = 0
        self._fresh: list[Atom] = []  # atoms given an id by the batch being built
        self._retired: list[tuple[Atom, int]] = []  # rows the batch being built removes early
        self._dying: dict[tuple[AtomType, Any], Atom] = {}
        """Removed atoms that still have a row (their removal is not built into a batch yet),
        by content: an atom added again meanwhile must not take such a row over
        (:meth:`_retire`)."""
        self.cursor: Any = None
        """Where in the change feed this space's memory is."""
        self._written_tv: dict[Atom, str] = {}
        """The truth value this process last wrote for each atom (:meth:`_note_written_tvs`)."""
        self._clobbered: set[tuple[int, int]] = set()
        """(atom id, key id or -1 for the truth value) that another process's change set in
        memory during the current catch-up with the feed (see :meth:`apply_remote`)."""
        self.users = 0
        """Transactions using this binding now (an undo-only binding is detached at 0)."""
        self._remote_listeners: list[Callable[[list[Atom], list[Atom]], None]] = []
        self.follower: Any = None
        """The change-feed follower of a shared store (:mod:`atomtrig.storage.follower`)."""
        self.services: list[Any] = []
        """Threads working for this space (worker pools...), stopped on close."""

    # -- attaching and loading ---------------------------------------------------------------
    @classmethod
    def attach(
        cls, space: AtomSpace, backend: StorageBackend | None, readonly: bool = False
    ) -> StoreBinding:
        """Load what ``backend`` holds into ``space`` (which should be empty), then write every
        later change of ``space`` through to it (``readonly``: refuse every change)."""
        binding = cls(space, backend, readonly)
        if backend is not None:
            binding._load()
        space.attach_store(binding)
        return binding

    def _declare(self, tid: int, name: str, parents: str | None) -> AtomType:
        try:
            t = types.declare(name, parents.split(",")) if parents else types[name]
        except Exception as error:
            raise StorageError(f"the store's type {name!r} cannot be restored: {error}") from None
        self._type_ids[t] = tid
        self._types_by_id[tid] = t
        return t

    def _load(self) -> None:
        assert self.backend is not None
        loaded = self.backend.load()
        try:
            by_tid: dict[int, AtomType] = {}
            for tid, name, parents in loaded.types:
                by_tid[tid] = self._declare(tid, name, parents)
            position: dict[int, int] = {}  # store id -> record number (insertion-ordered)

            def records() -> Iterator[tuple[AtomType, Any, TruthValue | None]]:
                # Rows come in id order. Ids are handed out in blocks per process, so a link may
                # hold an atom with a higher id (stored by another process): such links wait
                # until their atoms are in.
                pos = position
                at = pos.__getitem__
                waiting: list[tuple[int, int, list[int], str | None]] = []
                try:
                    for aid, tid, name, out, tv in loaded.atoms:
                        if out is None:
                            pos[aid] = len(pos)
                            yield by_tid[tid], name, None if tv is None else decode_tv(tv)
                            continue
                        children = [int(x) for x in out.split()]
                        if all(c in pos for c in children):
                            pos[aid] = len(pos)
                            yield (by_tid[tid], tuple(map(at, children)),
                                   None if tv is None else decode_tv(tv))
                        else:
                            waiting.append((aid, tid, children, tv))
                    while waiting:
                        ready = [w for w in waiting if all(c in pos for c in w[2])]
                        if not ready:
                            raise StoreCorruptError(
                                f"the store's atom table is damaged: {len(waiting)} link(s) hold "
                                f"atoms it does not have (e.g. link {waiting[0][0]})")
                        waiting = [w for w in waiting if w not in ready]
                        for aid, tid, children, tv in ready:
                            pos[aid] = len(pos)
                            yield (by_tid[tid], tuple(map(at, children)),
                                   None if tv is None else decode_tv(tv))
                except StorageError:
                    raise
                except Exception as error:  # a bad row, or the backend failing to read one
                    raise StoreCorruptError(f"the store's atom table is damaged ({error})") from None

            # Millions of new objects and no garbage: the cyclic collector would only walk the
            # growing heap again and again, so it is paused for the bulk load.
            collecting = gc.isenabled()
            gc.disable()
            try:
                atoms = self.space.load_atoms(records())
            finally:
                if collecting:
                    gc.enable()
            atom_ids = list(position)
            self._ids = dict(zip(atoms, atom_ids))
            self._atoms = dict(zip(atom_ids, atoms))
            try:
                value_rows = list(loaded.values)
            except StorageError:
                raise
            except Exception as error:
                raise StoreCorruptError(f"the store's value table is damaged ({error})") from None
            by_id = self._atoms
            for aid, kid, text in value_rows:
                try:
                    atom, key = by_id[aid], by_id[kid]
                except KeyError:
                    raise StoreCorruptError(
                        f"the store holds a value of a missing atom ({aid}, {kid})"
                    ) from None
                # Restoring, not changing: no trigger sees it.
                self.space.restore_value(atom, key, decode_value(text, self.space))
            self.cursor = loaded.cursor
        finally:
            loaded.done()

    # -- changes other processes made (the change feed) ---------------------------------------
    def sync(self) -> None:
        """Apply, now, what other processes committed (a shared store; otherwise nothing)."""
        if self.follower is not None:
            self.follower.sync()

    def on_remote(self, listener: Callable[[list[Atom], list[Atom]], None]) -> None:
        """Call ``listener(added, removed)`` after changes of other processes were applied (the
        trigger layer registers their trigger links with it)."""
        self._remote_listeners.append(listener)

    def apply_remote(self, changes: list[Change]) -> bool:
        """Apply other processes' committed changes to memory: no change events, nothing
        written back. False if the store asks for a reload instead (``reload`` change)."""
        added: list[Atom] = []
        removed: list[Atom] = []
        space = self.space
        clobbered = self._clobbered
        with self._write_lock:
            for change in changes:
                kind = change.kind
                if kind == "add":
                    atom = self._remote_atom(change.row)
                    if atom is not None:
                        added.append(atom)
                elif kind == "tv" or kind == "value":
                    # Another process's change is applied (and noted); one of this process's
                    # own only where such a change came in over it since: memory then follows
                    # the store's order of commits rather than the feed's arrival.
                    slot = (change.atom, change.key if kind == "value" else -1)
                    if not change.own:
                        clobbered.add(slot)
                    elif slot not in clobbered:
                        continue
                    atom = self._atoms.get(change.atom)
                    if atom is None:
                        continue
                    if kind == "tv":
                        space.restore_tv(atom, decode_tv(change.text))
                    else:
                        key = self._atoms.get(change.key)
                        if key is not None:
                            value = None if change.text is None else decode_value(change.text, space)
                            space.restore_value(atom, key, value)
                elif kind == "remove":
                    atom = self._atoms.pop(change.atom, None)
                    if atom is not None:
                        self._ids.pop(atom, None)
                        for gone in space.restore_removal(atom):
                            removed.append(gone)
                            gone_id = self._ids.pop(gone, None)
                            if gone_id is not None:
                                self._atoms.pop(gone_id, None)
                elif kind == "clear":
                    removed.extend(space.restore_clear())
                    self._ids.clear()
                    self._atoms.clear()
                elif kind == "reload":
                    return False
        if added or removed:
            for listener in list(self._remote_listeners):
                listener(added, removed)
        return True

    def caught_up(self) -> None:
        """The feed has been applied up to its end (the notes of :meth:`apply_remote` go)."""
        self._clobbered.clear()

    def _remote_atom(self, row: Any) -> Atom | None:
        """The atom of a row another process added: made (silently) if this process does not
        have it, else given the row's id."""
        aid, tid, name, out, tv = row
        existing = self._atoms.get(aid)
        if existing is not None:
            return None
        t = self._types_by_id.get(tid)
        if t is None:
            assert self.backend is not None
            for t_id, t_name, parents in self.backend.read_types():
                if t_id not in self._types_by_id:
                    self._declare(t_id, t_name, parents)
            t = self._types_by_id[tid]
        if out is None:
            key: Any = name
        else:
            children = []
            for child_id in map(int, out.split()):
                child = self._atoms.get(child_id) or self._fetch(child_id)
                if child is None:
                    return None  # removed meanwhile: the feed says so next
                children.append(child)
            key = tuple(children)
        atom = self.space.load_atoms([(t, key, None if tv is None else decode_tv(tv))])[0]
        self._ids[atom] = aid
        self._atoms[aid] = atom
        return atom

    def _fetch(self, atom_id: int) -> Atom | None:
        """An atom this process has never seen, read from the store (with its atoms)."""
        assert self.backend is not None
        rows = self.backend.fetch_atoms([atom_id])
        if not rows:
            return None
        self._remote_atom(rows[0])
        atom = self._atoms.get(atom_id)
        if atom is not None:
            for key_id, text in self.backend.fetch_values(atom_id):
                key = self._atoms.get(key_id) or self._fetch(key_id)
                if key is not None:
                    self.space.restore_value(atom, key, decode_value(text, self.space))
        return atom

    def reload(self) -> None:
        """Bring memory back in line with the store after falling behind the change feed:
        atoms the store no longer has go, the ones it has are added or updated (silently)."""
        assert self.backend is not None
        loaded = self.backend.load()
        try:
            seen: set[int] = set()
            rows = list(loaded.atoms)
            values = list(loaded.values)
        finally:
            loaded.done()
        with self._write_lock:
            for tid, name, parents in loaded.types:
                if tid not in self._types_by_id:
                    self._declare(tid, name, parents)
            changes = [Change("add", row[0], row=row) for row in rows]
            for row in rows:
                seen.add(row[0])
            stale = [aid for aid in self._atoms if aid not in seen]
            changes += [Change("remove", aid) for aid in stale]
            changes += [Change("tv", row[0], text=row[4]) for row in rows]
            changes += [Change("value", a, k, text=v) for a, k, v in values]
            self.cursor = loaded.cursor
        self.apply_remote(changes)

    # -- the store hook (called by the core) -------------------------------------------------
    # One list per thread is both the store's "what changed" and, inside a transaction, the
    # undo log (each entry carries what it replaced), so a change costs one append.
    def added(self, atom: Atom) -> None:
        self._local.ops.append((_ADD, atom))

    def tv_changed(self, atom: Atom, old: TruthValue) -> None:
        local = self._local
        revision = local.restoring_tv
        if revision is None:
            local.ops.append((_TV, atom, old, False))
        else:  # a rollback undoing a change: written back only where the store holds ``old``
            local.ops.append((_TV_BACK, atom, encode_tv(old) or "", revision))

    def tv_revised(self, atom: Atom, old: TruthValue) -> None:
        self._local.ops.append((_TV, atom, old, True))

    def value_changed(self, atom: Atom, key: Atom, old: object) -> None:
        self._local.ops.append((_VALUE, atom, key, old))

    def removing(self, atom: Atom) -> None:
        values = atom._values
        self._local.ops.append((_REMOVE, atom, atom._tv, dict(values) if values else None))
        if atom in self._ids and not self.readonly:  # a row its removal has to delete
            self._dying[_content(atom)] = atom

    def clearing(self) -> None:
        local = self._local
        snapshot = None
        if local.tx is not None:  # what a rollback must bring back, contents before containers
            snapshot = [(a, a._tv, dict(a._values) if a._values else None) for a in self.space]
        local.ops.append((_CLEAR, snapshot))

    def call_done(self) -> None:
        local = self._local
        if local.ops and not local.replaying:
            if self.readonly:
                self._refuse(local)
            elif local.tx is None:
                if self.backend is None:  # undo-only: nothing to keep outside a transaction
                    local.ops.clear()
                else:
                    self._flush(local)

    def _refuse(self, local: _ThreadState) -> None:
        """A change to a read-only space: undone at once (memory stays what the store holds)."""
        entries, local.ops = local.ops, []
        self._undo(local.tx or _Transaction(), entries, 0, local, [])
        local.ops.clear()
        raise StoreReadOnlyError(
            "this AtomSpace was opened read-only (AtomSpace.open(..., readonly=True), or an "
            "inspecting command): it cannot be changed; the change was undone")

    # -- state of the layers above (trigger statistics, schedules, the firing journal) ------
    def put_state(self, namespace: str, key: str, value: str | None, commit: bool = False) -> None:
        """Write ``value`` (None deletes) under ``(namespace, key)`` with the current thread's
        pending changes: in a transaction it commits with the transaction, otherwise with the
        current API call, or at once with ``commit=True``."""
        if self.backend is None:
            return
        local = self._local
        local.ops.append((_STATE, namespace, key, value))
        if commit and local.tx is None:
            self._flush(local)

    def after_commit(
        self, on_commit: Callable[[], None], on_discard: Callable[[], None] | None = None
    ) -> None:
        """Call ``on_commit()`` once the current thread's pending changes are committed, or
        ``on_discard()`` if they are rolled back instead. With no store, ``on_commit`` runs now."""
        if self.backend is None:
            on_commit()
            return
        self._local.ops.append((_AFTER, on_commit, on_discard))

    def add_counter(self, namespace: str, key: str, field: str, amount: float) -> None:
        """Add ``amount`` to a counter with the current thread's pending changes (an increment,
        so several processes' additions all count)."""
        if self.backend is not None:
            self._local.ops.append((_COUNT, namespace, key, field, amount))

    def enqueue(
        self, trigger: Atom, data: str, mode: str, token: int, on_id: Callable[[int], None] | None
    ) -> None:
        """Record a firing of the trigger link ``trigger`` with the current thread's pending
        changes (the change that caused it); ``on_id(firing id)`` once it is committed. A sync
        firing is written as held by this process under ``token``."""
        if self.backend is not None:
            self._local.ops.append((_FIRE, trigger, data, mode, token, on_id))

    def finish(self, firing_id: int, token: int) -> None:
        """Mark a firing done with the current thread's pending changes, fenced by ``token``:
        the commit is refused (:class:`LeaseLostError`) if the firing is no longer held so."""
        if self.backend is not None:
            self._local.ops.append((_FINISH, firing_id, token))

    def schedule(self, trigger: Atom, first_due: float | None) -> None:
        """Give the ScheduledExecutionLink ``trigger`` a schedule row (if it has none) with the
        current thread's pending changes."""
        if self.backend is not None:
            self._local.ops.append((_SCHEDULE, trigger, first_due))

    def schedule_done(
        self, trigger_id: int, owner: str, token: int, next_due: float | None, state: str
    ) -> None:
        """Complete a claimed scheduled run with the current thread's pending changes (fenced
        like :meth:`finish`)."""
        if self.backend is not None:
            self._local.ops.append((_SCHEDULE_DONE, trigger_id, owner, token, next_due, state))

    def defer(self, on_commit: Callable[[], None], on_discard: Callable[[], None] | None) -> bool:
        """See :meth:`AtomSpace.when_committed`."""
        local = self._local
        if local.tx is None:
            return False
        local.ops.append((_AFTER, on_commit, on_discard))
        return True

    def read_state(self, namespace: str) -> dict[str, str]:
        """The committed state of one namespace (empty for a space with no store)."""
        return {} if self.backend is None else self.backend.read_state(namespace)

    def read_counters(self, namespace: str) -> dict[str, dict[str, float]]:
        """The committed counters of one namespace (empty for a space with no store)."""
        return {} if self.backend is None else self.backend.read_counters(namespace)

    def commit_pending(self) -> None:
        """Commit the current thread's pending changes now (unless inside a transaction)."""
        local = self._local
        if local.tx is None and local.ops:
            self._flush(local)

    # -- building and writing a batch --------------------------------------------------------
    def _flush(self, local: _ThreadState) -> None:
        ops, local.ops = local.ops, []
        if self._closed:
            raise StoreClosedError(
                "this AtomSpace's store was closed; the change was made in memory only"
            )
        if self.readonly:
            raise StoreReadOnlyError("this AtomSpace was opened read-only")
        backend = self.backend
        assert backend is not None
        fired: list[Callable[[int], None] | None] = []
        with self._write_lock:
            removed_ids: list[tuple[Atom, int]] = []
            self._fresh = []
            self._retired = []
            try:
                # Built under the space's lock: what the batch says of each atom (alive, its
                # atoms' ids, its truth value and values) is one consistent moment of memory,
                # not a mix of before and after another thread's removal.
                self._prepare(ops)
                with self.space._lock:
                    batch = self._build(ops, removed_ids, fired)
                applied = backend.apply(batch) if batch else Applied()
            except BaseException:
                # Nothing was written: forget the ids handed out, keep the changes pending so
                # the next commit retries them, and report.
                for atom in self._fresh:
                    atom_id = self._ids.pop(atom, None)
                    if atom_id is not None:
                        self._atoms.pop(atom_id, None)
                        self._free.append(atom_id)
                for atom, atom_id in removed_ids + self._retired:
                    self._ids[atom] = atom_id
                    self._atoms[atom_id] = atom
                    if atom._space is not self.space:  # its removal is pending again
                        self._dying.setdefault(_content(atom), atom)
                local.ops[:0] = ops
                raise
            finally:
                self._fresh = []
                self._retired = []
            if applied.remap:
                self._take_stored(applied)
            self._note_written_tvs(batch)
        for on_id, firing_id in zip(fired, applied.firing_ids):
            if on_id is not None:
                on_id(firing_id)
        for op in ops:
            if op[0] == _AFTER:
                op[1]()

    def _take_stored(self, applied: Applied) -> None:
        """Atoms another process had stored first: they take that row's id (and its truth
        value, where this process had not set one)."""
        atoms, ids, space = self._atoms, self._ids, self.space
        for reserved, stored in applied.remap.items():
            atom = atoms.pop(reserved, None)
            if atom is None:
                continue
            ids[atom] = stored
            atoms[stored] = atom
            text = applied.stored_tvs.get(stored)
            if text is not None:
                space.restore_tv(atom, decode_tv(text))

    def _prepare(self, ops: list[tuple[Any, ...]]) -> None:
        """Before the batch is built under the locks: the type ids and enough fresh atom ids
        (asking the store may take a transaction of its own)."""
        backend = self.backend
        assert backend is not None
        for t in types.declared():
            if t not in self._type_ids:
                self._register_type(t)
        if len(self._free) < 64 or len(self._free) < len(ops) * 4:
            fresh = backend.reserve_ids(max(len(ops) * 4, 64))
            self._free[:0] = reversed(list(fresh))
        for op in ops:
            tag = op[0]
            if tag in (_ADD, _TV, _VALUE):
                for atom in (op[1], op[2]) if tag == _VALUE else (op[1],):
                    t = atom.type
                    if t not in self._type_ids:
                        self._register_type(t)

    def _register_type(self, t: AtomType) -> int:
        tid = self._type_ids.get(t)
        if tid is None:
            assert self.backend is not None
            if not t.builtin:
                for parent in t.parents:
                    self._register_type(parent)
            parents = None if t.builtin else ",".join(p.name for p in t.parents)
            tid = self.backend.type_id(t.name, parents)
            self._type_ids[t] = tid
            self._types_by_id[tid] = t
        return tid

    @staticmethod
    def _discarded(ops: list[tuple[Any, ...]]) -> None:
        """Tell the ``after_commit`` callers among ``ops`` that their changes were rolled back."""
        for op in ops:
            if op[0] == _AFTER and op[2] is not None:
                op[2]()

    def _build(
        self, ops: list[tuple[Any, ...]], removed_ids: list[tuple[Atom, int]],
        fired: list[Callable[[int], None] | None],
    ) -> Batch:
        batch = Batch()
        space = self.space
        ids = self._ids
        ensure = self._ensure
        for op in ops:
            tag = op[0]
            if tag == _ADD:
                atom = op[1]
                if atom._space is space and atom not in ids:
                    ensure(atom, batch)
            elif tag == _TV:
                atom = op[1]
                if atom._space is space:
                    atom_id = ids.get(atom)
                    if atom_id is None:
                        ensure(atom, batch)
                    else:
                        batch.tvs[atom_id] = encode_tv(atom._tv)
                        if op[3]:  # a revision: only over the value it was computed from
                            batch.tv_guards.setdefault(atom_id, encode_tv(op[2]) or "")
            elif tag == _TV_BACK:
                atom = op[1]
                atom_id = ids.get(atom) if atom._space is space else None
                # Written back only where the store still holds the value the rolled-back
                # change left in memory; for a revision, only if this process wrote that value
                # (decided here, under the write lock, after any commit that let it in): an
                # equal value another process committed is not a leak of this one's.
                if atom_id is not None and (not op[3] or self._written_tv.get(atom) == op[2]):
                    # The first such entry holds the value from before the rollback.
                    batch.tv_restores.setdefault(atom_id, (encode_tv(atom._tv), op[2]))
            elif tag == _VALUE:
                atom, key = op[1], op[2]
                if atom._space is space and key._space is space:
                    atom_id = ensure(atom, batch)
                    key_id = ensure(key, batch)
                    values = atom._values
                    value = values.get(key) if values else None
                    batch.values[(atom_id, key_id)] = None if value is None else encode_value(value)
            elif tag == _REMOVE:
                atom = op[1]
                content = _content(atom)
                if self._dying.get(content) is atom:
                    del self._dying[content]
                atom_id = ids.pop(atom, None)
                # The row may be gone already (removed early by _retire: the atom was added
                # again meanwhile), or belong to a newer atom object with the same content (one
                # that met it as another process's row): then the row stays, for it.
                if atom_id is not None and self._atoms.get(atom_id) is atom:
                    del self._atoms[atom_id]
                    removed_ids.append((op[1], atom_id))
                    batch.removals.append(atom_id)
            elif tag == _CLEAR:
                batch = Batch(clear=True)
                self._dying.clear()  # every removed atom's row goes with this batch
                for gone in [a for a in ids if a._space is not space]:
                    gone_id = ids.pop(gone)
                    self._atoms.pop(gone_id, None)
                    removed_ids.append((gone, gone_id))
                fired.clear()
                # atoms added after the clear (in this batch) are picked up again below
            elif tag == _STATE:
                batch.state[(op[1], op[2])] = op[3]
            elif tag == _COUNT:
                key3 = (op[1], op[2], op[3])
                batch.counters[key3] = batch.counters.get(key3, 0.0) + op[4]
            elif tag == _FIRE:
                trigger = op[1]
                if trigger._space is space:  # a trigger removed meanwhile fires no more
                    batch.firings.append(FiringRow(ensure(trigger, batch), op[2], op[3], token=op[4]))
                    fired.append(op[5])
            elif tag == _FINISH:
                batch.finish.append((op[1], op[2]))
            elif tag == _SCHEDULE:
                trigger = op[1]
                if trigger._space is space:
                    batch.schedules[ensure(trigger, batch)] = op[2]
            elif tag == _SCHEDULE_DONE:
                batch.schedule_done.append(op[1:])
        if batch.removals:
            _drop_removed(batch)
        return batch

    def _ensure(self, atom: Atom, batch: Batch) -> int:
        """The id of ``atom`` in the store, inserting it (and its outgoing atoms) if needed."""
        ids = self._ids
        atom_id = ids.get(atom)
        if atom_id is not None:
            return atom_id
        if atom.__class__ is Node:
            name: str | None = atom.name
            out: str | None = None
        else:
            name = None
            parts = []
            for child in atom.out:
                child_id = ids.get(child)
                parts.append(str(child_id if child_id is not None else self._ensure(child, batch)))
            out = " ".join(parts)
        if self._dying:
            twin = self._dying.get(_content(atom))
            if twin is not None and twin is not atom:
                self._retire(twin, batch)
        tid = self._type_ids.get(atom.type)
        if tid is None:  # declared while the batch was being built (another thread)
            tid = self._register_type(atom.type)
        free = self._free
        atom_id = free.pop() if free else self._reserve_more()
        ids[atom] = atom_id
        self._atoms[atom_id] = atom
        self._fresh.append(atom)
        tv = atom._tv
        batch.inserts.append((atom_id, tid, name, out, None if tv is DEFAULT_TV else encode_tv(tv)))
        values = atom._values
        if values:
            space = self.space
            for key, value in list(values.items()):
                if key._space is space:
                    batch.values[(atom_id, self._ensure(key, batch))] = encode_value(value)
        return atom_id

    def _retire(self, twin: Atom, batch: Batch) -> None:
        """``twin`` was removed, but its removal is not committed yet (another thread's open
        transaction holds it), and an atom of the same content is being inserted: the new atom
        is a new atom, so the removal of ``twin``'s row (and of the rows of removed links that
        contain it) is written with this batch, ahead of the insert. Otherwise the insert would
        meet ``twin``'s row and the new atom would take it over with everything it still holds:
        ``twin``'s values and the values keyed by it. (The removal's own entry then finds no row;
        a rollback of it brings the atom's truth value and values back through the new atom.)"""
        doomed = {twin}
        dying = [a for a in self._dying.values() if a.__class__ is not Node]
        grew = True
        while grew:
            grew = False
            for dead in dying:
                if dead not in doomed and any(child in doomed for child in dead.out):
                    doomed.add(dead)
                    grew = True
        ids, atoms = self._ids, self._atoms
        for dead in doomed:
            atom_id = ids.get(dead)
            if atom_id is not None and atoms.get(atom_id) is dead:
                del ids[dead]
                del atoms[atom_id]
                self._retired.append((dead, atom_id))
                batch.removals.append(atom_id)

    def _reserve_more(self) -> int:
        assert self.backend is not None
        fresh = list(self.backend.reserve_ids(1024))
        self._free[:0] = reversed(fresh[1:])
        return fresh[0]

    def atom_of(self, atom_id: int) -> Atom | None:
        """The atom with store id ``atom_id`` in this space, if any."""
        return self._atoms.get(atom_id)

    # -- transactions ------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group the current thread's changes: they commit together when the block ends, or,
        if it raises, are undone in memory and never reach the store. Nested blocks are
        savepoints: an exception that leaves an inner block undoes only that block."""
        local = self._local
        if self._closed:
            raise StoreClosedError("this AtomSpace's store was closed")
        outermost = local.tx is None
        if outermost:
            if local.ops:
                if self.backend is not None:
                    self._flush(local)  # earlier auto-committed work stays out of this one
                else:
                    local.ops.clear()
            local.tx = _Transaction()
            with self._write_lock:
                self._open_transactions += 1
        tx = local.tx
        assert tx is not None
        mark = len(local.ops)
        try:
            yield
        except BaseException:
            self._discarded(local.ops[mark:])
            if outermost:
                self._end_transaction(local)
                entries, local.ops = local.ops, []
                self._undo(tx, entries, 0, local)
                local.ops.extend(_touched(entries))
                if self.backend is not None:
                    self._flush(local)
                else:
                    local.ops.clear()
            else:
                entries = local.ops[mark:]
                del local.ops[mark:]
                # Restorations made inside this block by inner rollbacks are not undone again
                # (their net effect is nil); they are among the atoms touched, kept below.
                inner = [r for r in tx.replays if r[0] >= mark]
                tx.replays = [r for r in tx.replays if r[0] < mark]
                self._undo(tx, entries, mark, local, inner)
                start = len(local.ops)
                local.ops.extend(_touched(entries))
                tx.replays.append((start, len(local.ops)))
            raise
        if outermost:
            self._end_transaction(local)
            if self.backend is None:
                after = [op[1] for op in local.ops if op[0] == _AFTER]
                local.ops.clear()
                for on_commit in after:
                    on_commit()
            elif local.ops:
                try:
                    self._flush(local)
                except BaseException:
                    entries, local.ops = local.ops, []
                    self._discarded(entries)
                    self._undo(tx, entries, 0, local)
                    local.ops.extend(_touched(entries))  # resolved by the next commit
                    raise

    def _note_written_tvs(self, batch: Batch) -> None:
        """Remember the truth values this process's commits wrote, per atom: a rolled-back
        transaction writes a value back only over one this process wrote (another thread's
        commit can let an uncommitted value into the store, as memory holds it), never over a
        value only another process wrote, even an equal one (two processes revising an atom
        from the same value compute the same text)."""
        written = self._written_tv
        if len(written) > 200_000:  # old notes: a rollback long after them is rare
            written.clear()
        atoms = self._atoms
        for atom_id, text in batch.tvs.items():
            atom = atoms.get(atom_id)
            if atom is not None:
                written[atom] = text or ""
        for row in batch.inserts:
            atom = atoms.get(row[0])
            if atom is not None:
                written[atom] = row[4] or ""

    def _end_transaction(self, local: _ThreadState) -> None:
        local.tx = None
        with self._write_lock:
            self._open_transactions -= 1

    def in_transaction(self) -> bool:
        """True inside ``transaction()`` on this thread."""
        return self._local.tx is not None

    def _undo(
        self, tx: _Transaction, entries: list[tuple[Any, ...]], base: int, local: _ThreadState,
        replays: list[tuple[int, int]] | None = None,
    ) -> None:
        """Undo ``entries`` (the log from position ``base`` on) in reverse, skipping the entries
        that earlier savepoint rollbacks made (``replays``, default the transaction's: they
        restored, and are not to be undone)."""
        space = self.space
        revived = tx.revived
        skip = [(a - base, b - base) for a, b in (tx.replays if replays is None else replays) if b > base]

        def live(atom: Atom) -> Atom:
            while atom in revived:
                atom = revived[atom]
            return atom

        # Values whose key atom is itself revived later in this undo: filed under the dead key
        # and set the moment that key comes back, which is their place in the reversed timeline.
        deferred: dict[Atom, list[tuple[Atom, object]]] = {}
        holders = self._key_holders(entries)
        replay_start = len(local.ops)
        local.replaying = True
        try:
            for index in range(len(entries) - 1, -1, -1):
                if skip and any(a <= index < b for a, b in skip):
                    continue
                entry = entries[index]
                tag = entry[0]
                try:
                    if tag == _ADD:
                        atom = live(entry[1])
                        if atom._space is space:
                            space.remove(atom, recursive=True)
                    elif tag == _TV:
                        atom = live(entry[1])
                        if atom._space is space:
                            local.restoring_tv = entry[3]
                            try:
                                space.set_tv(atom, entry[2])
                            finally:
                                local.restoring_tv = None
                    elif tag == _VALUE:
                        atom, key = live(entry[1]), live(entry[2])
                        if atom._space is space and key._space is space:
                            space.set_value(atom, key, entry[3])
                    elif tag == _REMOVE:
                        self._revive(entry, live, revived, deferred, holders)
                    elif tag == _CLEAR:
                        for atom, tv, values in entry[1] or ():
                            self._revive((_REMOVE, atom, tv, values), live, revived, deferred,
                                         holders)
                except AtomNotInSpaceError as error:  # another thread removed it meanwhile
                    log.debug("a rollback skipped a change of a removed atom: %s", error)
                except Exception:  # keep undoing the rest; report the first cause upstream
                    log.exception("undoing a change during a rollback failed")
        finally:
            local.replaying = False
            if local.tx is not None:  # a savepoint: what the rollback did stays in the log
                tx.replays.append((replay_start, len(local.ops)))

    def _key_holders(self, entries: list[tuple[Any, ...]]) -> dict[Atom, list[Atom]]:
        """For each atom the rollback will bring back: the live atoms holding values under it as
        a key. Those values stay filed under the removed key object until its revival re-files
        them. (One pass over the space, only when the rollback undoes a removal.)"""
        doomed = {entry[1] for entry in entries if entry[0] == _REMOVE}
        found: dict[Atom, list[Atom]] = {}
        if not doomed:
            return found
        space = self.space
        with space._lock:
            for atom in space:
                values = atom._values
                if values:
                    for key in values:
                        if key in doomed:
                            found.setdefault(key, []).append(atom)
        return found

    def _revive(
        self, entry: tuple[Any, ...], live: Callable[[Atom], Atom], revived: dict[Atom, Atom],
        deferred: dict[Atom, list[tuple[Atom, object]]], holders: dict[Atom, list[Atom]],
    ) -> None:
        """Bring back an atom whose removal is being rolled back: a new atom object, with the
        removed one's truth value and values. (Its store row is the removed atom's business:
        resolved, like every atom the transaction touched, when the log is committed.) A link
        one of whose atoms another thread removed meanwhile stays removed."""
        _, dead, tv, values = entry
        space = self.space
        tv_arg = None if tv is DEFAULT_TV else tv
        try:
            if dead.is_node():
                again: Atom | None = space.add_node(dead.type, dead.name, tv_arg)
            else:
                out = [live(c) for c in dead.out]
                again = None
                if all(c._space is space for c in out):
                    again = space.add_link(dead.type, out, tv_arg)
        except AtomNotInSpaceError:  # another thread removed one of the link's atoms meanwhile
            again = None
        if again is None:
            return
        revived[dead] = again
        local_ops = self._local.ops
        with space._lock:
            for holder in holders.pop(dead, ()):
                held = holder._values
                if held and dead in held:
                    held.setdefault(again, held.pop(dead))
                    local_ops.append((_VALUE, holder, again, None))  # now under the new key
        for key, value in (values or {}).items():
            key = live(key)
            if key._space is space:
                space.set_value(again, key, value)
            else:
                deferred.setdefault(key, []).append((again, value))
        for holder, value in deferred.pop(dead, ()):
            holder = live(holder)
            if holder._space is space:
                space.set_value(holder, again, value)

    # -- closing -----------------------------------------------------------------------------
    def close(self) -> None:
        """Commit this thread's pending changes and release the backend."""
        if self._closed:
            return
        local = self._local
        if local.tx is not None:
            raise TransactionError("close() inside a transaction; end the transaction first")
        if local.ops and self.backend is not None:
            self._flush(local)
        with self._write_lock:
            self._closed = True
            if self.backend is not None:
                self.backend.close()

    @property
    def closed(self) -> bool:
        return self._closed

    def atom_id(self, atom: Atom) -> int | None:
        """The store's id of ``atom`` (None if it was not committed yet)."""
        return self._ids.get(atom)
