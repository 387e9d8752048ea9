"""The one interface every storage backend implements: rows in, rows out, a change feed, a
durable queue of trigger firings, and schedule claims.

A backend knows nothing about atoms as Python objects: it stores rows. The write-through layer
(:mod:`atomtrig.storage.binding`) turns an AtomSpace's changes into a :class:`Batch` of rows
keyed by integer atom ids and hands it to :meth:`StorageBackend.apply`, which applies it all or
nothing and returns what the database decided (:class:`Applied`). Reopening reads the rows back
with :meth:`StorageBackend.load`.

The database is the source of truth; each process's AtomSpace is a cache of it:

- **Atom ids come from the database.** A process takes blocks of fresh ids
  (:meth:`StorageBackend.reserve_ids`) and gives them to the atoms it adds. Each atom row carries
  a content hash (type and name, or type and outgoing ids) under a unique index, so the same atom
  added by two processes at once is one row: the insert that comes second meets the first one's
  row, and :attr:`Applied.remap` tells the process which id its atom really has.
- **The change feed.** Every batch writes, in the same transaction, one :class:`Change` per row
  it changed. Each process follows the feed (:meth:`StorageBackend.changes_since`) and applies
  the other processes' committed changes to its own atoms.
- **Trigger firings** are rows too (:class:`FiringRow`): written in the same transaction as the
  change that caused them, claimed by workers under a lease with a fencing token, and marked done
  in the same transaction as the target's effects (:attr:`Batch.finish`).
- **Schedules** are claimed by runners by compare-and-set (:meth:`StorageBackend.claim_schedules`).

Each backend states what it guarantees with honest capability flags (as RDFLib's stores do):

- ``transactional``: :meth:`apply` is atomic (all of a batch or none of it, even on a crash).
- ``durable``: what was applied survives the process (it is on disk).
- ``durable_triggers``: trigger firings recorded in a batch survive with it.
- ``multi_process``: several processes may have the store open at once and see one another's
  changes through the feed.
- ``readonly``: opened for looking only; :meth:`apply` and every claim raise.

>>> from atomtrig.storage.memory import MemoryBackend
>>> backend = MemoryBackend()
>>> backend.transactional, backend.durable, backend.multi_process, backend.readonly
(True, False, False, False)
"""

from __future__ import annotations

import abc
import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

AtomRow = tuple[int, int, str | None, str | None, str | None]
"""``(id, type id, name, outgoing, tv)``: a node has a name and no outgoing; a link has the
outgoing atom ids as text (``"3 7"``) and no name; ``tv`` is None for the default truth value
or its text form (see :mod:`atomtrig.storage.codec`)."""

TypeRow = tuple[int, str, str | None]
"""``(type id, type name, parents)``: ``parents`` (comma-separated names) is set for a type
declared at run time, None for a built-in one."""


def content_hash(type_name: str, name: str | None, outgoing: str | None) -> bytes:
    """The 16-byte hash under which an atom row is unique: of the type name and the node's name,
    or of the type name and the link's outgoing ids (ids are unique, so equal links have equal
    outgoing ids). Not of the raw columns: long names and big links would pass the B-tree row
    size limits of database indexes.

    >>> content_hash("ConceptNode", "cat", None) == content_hash("ConceptNode", "cat", None)
    True
    >>> content_hash("ConceptNode", "cat", None) == content_hash("PredicateNode", "cat", None)
    False
    """
    text = f"{type_name}\0N{name}" if outgoing is None else f"{type_name}\0L{outgoing}"
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


@dataclass
class FiringRow:
    """A trigger firing, as the queue keeps it.

    ``trigger`` is the store id of the trigger link; ``data`` the firing's event and bookkeeping
    (JSON text the trigger layer writes and reads); ``mode`` ``"sync"`` (run by the process that
    made the change, right after its commit) or ``"async"`` (claimed by workers). ``id`` is set
    by the database when the row is written; ``token`` is the fencing token of the claim under
    which a worker holds it.
    """

    trigger: int
    data: str
    mode: str = "async"
    id: int = 0
    attempts: int = 0
    token: int = 0
    error: str | None = None


@dataclass
class Batch:
    """The rows one commit writes, applied in this order: inserts, truth values, values,
    removals, state, counters, schedules, firings, finishes. Ids are never reused, so whatever
    order two batches come in, the store ends up matching memory."""

    inserts: list[AtomRow] = field(default_factory=list)
    """New atoms, each after the atoms it contains, under ids from :meth:`reserve_ids`. The
    backend may find one already stored (another process added it): it then uses that row and
    reports the id in :attr:`Applied.remap`, rewriting the later rows that refer to it."""
    tvs: dict[int, str | None] = field(default_factory=dict)
    """atom id -> new truth value text (None: the default)."""
    tv_guards: dict[int, str] = field(default_factory=dict)
    """Atom id -> the truth value (text; "" for the default, stored as NULL) the store must
    still hold for that atom's new truth value in ``tvs`` to be written (a revision);
    otherwise the batch is refused with ``TruthValueConflictError``."""
    tv_restores: dict[int, tuple[str | None, str]] = field(default_factory=dict)
    """Atom id -> (truth value text, only if the store holds this text): a rolled-back
    transaction's truth values written back only where the store holds what it set ("" for
    the default); elsewhere nothing is written."""
    values: dict[tuple[int, int], str | None] = field(default_factory=dict)
    """(atom id, key atom id) -> encoded value, or None to remove it."""
    removals: list[int] = field(default_factory=list)
    """Atom ids to delete, with every value they hold or key."""
    state: dict[tuple[str, str], str | None] = field(default_factory=dict)
    """(namespace, key) -> text, or None to delete: other layers' durable bookkeeping."""
    counters: dict[tuple[str, str, str], float] = field(default_factory=dict)
    """(namespace, key, field) -> an amount to add (never a value to overwrite): statistics
    that several processes increment at once."""
    schedules: dict[int, float | None] = field(default_factory=dict)
    """Trigger link id -> first due time (wall clock) of a new schedule; an existing schedule
    row is left as it is."""
    firings: list[FiringRow] = field(default_factory=list)
    """Firings to enqueue with this change (sync ones are written as held by this process)."""
    finish: list[tuple[int, int]] = field(default_factory=list)
    """(firing id, token): firings done by this commit. Fenced: if any of them is no longer held
    under that token (its lease expired and another worker took it), the whole batch is refused
    with :class:`~atomtrig.storage.errors.LeaseLostError` and nothing is written."""
    schedule_done: list[tuple[int, str, int, float | None, str]] = field(default_factory=list)
    """(trigger link id, runner, token, next due, state): scheduled runs this commit completes,
    releasing each claim. Fenced like :attr:`finish`."""
    clear: bool = False
    """Delete every atom and value before the rest (``AtomSpace.clear``)."""

    def __bool__(self) -> bool:
        return bool(
            self.inserts or self.tvs or self.tv_restores or self.values or self.removals or self.state
            or self.counters or self.schedules or self.firings or self.finish
            or self.schedule_done or self.clear
        )


@dataclass
class Applied:
    """What :meth:`StorageBackend.apply` reports back."""

    remap: dict[int, int] = field(default_factory=dict)
    """Reserved id -> the id of the row another process had already stored for that atom."""
    stored_tvs: dict[int, str | None] = field(default_factory=dict)
    met_tvs: dict[int, str | None] = field(default_factory=dict)
    """Stored id -> the truth value its row held when an insert of this batch met it."""
    """For remapped atoms whose batch row had the default truth value: the stored row's truth
    value (the other process's), which the process should take."""
    firing_ids: list[int] = field(default_factory=list)
    """The ids given to :attr:`Batch.firings`, in order."""


@dataclass
class Loaded:
    """What :meth:`StorageBackend.load` returns: a consistent snapshot. ``atoms`` yields rows in
    id order, so every link comes after the atoms it contains; ``cursor`` is the change-feed
    position of the snapshot (pass it to :meth:`StorageBackend.changes_since`)."""

    types: list[TypeRow]
    atoms: Iterator[AtomRow]
    values: Iterator[tuple[int, int, str]]
    cursor: Any = None
    release: Any = None
    """Called once the rows were read (ends the read transaction the snapshot holds)."""

    def done(self) -> None:
        if self.release is not None:
            self.release()
            self.release = None


@dataclass
class Change:
    """One row of the change feed: ``kind`` is one of ``add``, ``tv``, ``value``, ``remove``,
    ``clear``, ``type``; ``row`` the full atom row for ``add`` (a :data:`TypeRow` for ``type``);
    ``atom``/``key``/``text`` the rest. ``reload`` says the process fell behind what the feed
    keeps and must load the store again."""

    kind: str
    atom: int = 0
    key: int = 0
    text: str | None = None
    row: Any = None
    own: bool = False
    """A truth value or value this very process committed (only those two kinds are fed back:
    after an older change of another process was applied, they put memory back in step)."""


@dataclass
class ScheduleClaim:
    """A schedule a runner holds: the trigger link's store id, the due time it claimed, the
    runner's fencing token and the schedule's saved state (JSON text the runner keeps)."""

    trigger: int
    due: float
    token: int
    state: str | None
    taken_from: str | None = None
    """The runner whose expired claim this one replaced (it stopped during a run), if any."""


class StorageBackend(abc.ABC):
    """Where an AtomSpace's rows live; see the module docstring."""

    name = "abstract"
    transactional = False
    durable = False
    durable_triggers = False
    multi_process = False
    readonly = False

    # -- reading and writing atoms ---------------------------------------------------------------
    @abc.abstractmethod
    def load(self) -> Loaded:
        """Everything the store holds, as one consistent snapshot."""

    @abc.abstractmethod
    def reserve_ids(self, count: int) -> Sequence[int]:
        """``count`` or more fresh atom ids that no other process will use."""

    @abc.abstractmethod
    def type_id(self, name: str, parents: str | None) -> int:
        """The id of atom type ``name`` in this store, recording it if new."""

    @abc.abstractmethod
    def read_types(self) -> list[TypeRow]:
        """Every atom type the store knows (a change may name one declared since the load)."""

    @abc.abstractmethod
    def apply(self, batch: Batch) -> Applied:
        """Write ``batch`` in one transaction (all or nothing); see :class:`Batch`."""

    @abc.abstractmethod
    def fetch_atoms(self, ids: Sequence[int]) -> list[AtomRow]:
        """The rows of these atom ids (those that exist), for a change that names atoms this
        process has not seen."""

    @abc.abstractmethod
    def fetch_values(self, atom_id: int) -> list[tuple[int, str]]:
        """``(key id, value text)`` of every value one atom holds."""

    # -- the change feed ---------------------------------------------------------------------------
    @abc.abstractmethod
    def changes_since(self, cursor: Any) -> tuple[list[Change], Any]:
        """Other processes' committed changes after ``cursor``, in commit order, and the new
        cursor. Returns ``([Change("reload")], cursor)`` when ``cursor`` is older than what the
        feed still holds (the process must reload)."""

    def wait_for_changes(self, timeout: float, stop: Any = None) -> None:
        """Block until the feed may have something new, ``timeout`` seconds pass, or the
        ``threading.Event`` ``stop`` is set (a hint: callers check :meth:`changes_since` either
        way)."""
        if stop is not None:
            stop.wait(timeout)
        else:
            import time

            time.sleep(timeout)

    # -- durable state of the layers above ------------------------------------------------------------
    @abc.abstractmethod
    def read_state(self, namespace: str) -> dict[str, str]:
        """The committed ``(key, text)`` rows of one namespace."""

    @abc.abstractmethod
    def read_counters(self, namespace: str) -> dict[str, dict[str, float]]:
        """key -> field -> total, of one namespace of counters."""

    # -- the firing queue ---------------------------------------------------------------------------
    @abc.abstractmethod
    def claim_firings(
        self, owner: str, limit: int, lease: float, now: float, can_run: Any = None
    ) -> list[FiringRow]:
        """Claim up to ``limit`` runnable firings for ``owner`` for ``lease`` seconds: whole
        runs of each trigger's queue (its oldest first; a trigger another worker holds is
        skipped), only of triggers ``can_run(trigger id)`` accepts. Each row carries its claim's
        fencing token for :attr:`Batch.finish`."""

    @abc.abstractmethod
    def release_firings(
        self, owner: str, rows: Sequence[FiringRow], now: float, retry_after: float | None,
        error: str | None, max_attempts: int,
    ) -> None:
        """Give back claimed firings that were not finished: ``error`` set means the first of
        them failed — it is retried after ``retry_after`` seconds, or parked once it has failed
        ``max_attempts`` times; the others go back to the queue as they were."""

    @abc.abstractmethod
    def extend_lease(self, owner: str, rows: Sequence[FiringRow], lease: float, now: float) -> bool:
        """Keep holding claimed firings for ``lease`` more seconds; False if the claim is lost."""

    @abc.abstractmethod
    def unfinished(self, ids: Sequence[int]) -> set[int]:
        """Which of these firings are still queued or held (not done, not parked)."""

    @abc.abstractmethod
    def failed_firings(self) -> list[FiringRow]:
        """The parked firings (failed too often), oldest first."""

    @abc.abstractmethod
    def retry_firings(self, ids: Sequence[int] | None) -> int:
        """Put parked firings (these, or all of them with None) back in the queue."""

    @abc.abstractmethod
    def queue_depth(self) -> dict[str, int]:
        """How many firings are queued, held and parked."""

    # -- schedules ------------------------------------------------------------------------------------
    @abc.abstractmethod
    def ensure_schedules(self, schedules: dict[int, float | None]) -> None:
        """Give each of these trigger link ids that has none a schedule row (first due at the
        given time). Rows go when their link's atom row is removed."""

    @abc.abstractmethod
    def claim_schedules(self, owner: str, now: float, limit: int, lease: float) -> list[ScheduleClaim]:
        """Claim up to ``limit`` schedules due at ``now`` that no live runner holds, by
        compare-and-set, for ``lease`` seconds."""

    @abc.abstractmethod
    def next_schedule_due(self) -> float | None:
        """The earliest due time of any schedule, or None."""

    @abc.abstractmethod
    def schedule_rows(self) -> list[tuple[int, float | None, str | None, float | None, str | None]]:
        """``(trigger id, next due, owner, lease until, state)`` of every schedule."""

    # -- lifecycle --------------------------------------------------------------------------------------
    @abc.abstractmethod
    def close(self) -> None:
        """Release the store (after this, every call raises ``StoreClosedError``)."""

    def check(self) -> str:
        """An integrity verdict: ``"ok"`` when the store is sound."""
        return "ok"

    def describe(self) -> dict[str, object]:
        """What this backend is and how it is set up, for ``atomtrig store``."""
        return {"backend": self.name}
