"""The in-memory backend: every row in Python dictionaries, gone with the process.

It implements the whole :class:`~atomtrig.storage.base.StorageBackend` interface — atom rows with
content-hash identity, the change feed, the firing queue with leases, schedule claims — exactly
as the database backends do, which makes it the reference the storage suite checks them against,
and a fast store for tests. Reopening means passing the same object to ``AtomSpace.open`` again.

Guarantees: ``transactional`` (a batch is applied under one lock, all or nothing). Not
``durable`` (a crash loses everything), not ``multi_process``.

>>> backend = MemoryBackend()
>>> backend.transactional, backend.durable, backend.multi_process
(True, False, False)
"""

from __future__ import annotations

import random
import time
import threading
from collections.abc import Sequence
from typing import Any

from atomtrig.storage.base import (
    Applied,
    AtomRow,
    Batch,
    Change,
    FiringRow,
    Loaded,
    ScheduleClaim,
    StorageBackend,
    TypeRow,
    content_hash,
)
from atomtrig.storage.errors import (
    LeaseLostError,
    StoreClosedError,
    StoreInUseError,
    StoreReadOnlyError,
    TruthValueConflictError,
)
from atomtrig.storage.sql import DEFAULT_TV_TEXT, SYNC_LEASE


class MemoryBackend(StorageBackend):
    """Rows in dictionaries; see the module docstring."""

    name = "memory"
    transactional = True
    durable = False
    durable_triggers = False
    multi_process = False

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._types: dict[int, TypeRow] = {}
        self._atoms: dict[int, AtomRow] = {}
        self._hashes: dict[bytes, int] = {}
        self._values: dict[tuple[int, int], str] = {}
        self._state: dict[tuple[str, str], str] = {}
        self._counters: dict[tuple[str, str, str], float] = {}
        self._firings: dict[int, dict[str, Any]] = {}
        self._schedules: dict[int, dict[str, Any]] = {}
        self._next_id = 1
        self._next_firing = 1
        self._open = False
        self._closed = False
        self.origin = "memory"

    def acquire(self) -> None:
        """Mark the backend open by one AtomSpace (a second one gets ``StoreInUseError``)."""
        with self._lock:
            if self._open:
                raise StoreInUseError("this MemoryBackend is in use: another AtomSpace has it open")
            self._open = True
            self._closed = False

    def _live(self) -> None:
        if self._closed:
            raise StoreClosedError("this MemoryBackend is closed")
        if self.readonly:
            raise StoreReadOnlyError("this MemoryBackend was opened read-only")

    # -- atoms -----------------------------------------------------------------------------------
    def load(self) -> Loaded:
        with self._lock:
            atoms = [self._atoms[k] for k in sorted(self._atoms)]
            values = [(a, k, v) for (a, k), v in self._values.items()]
            return Loaded(sorted(self._types.values()), iter(atoms), iter(values), 0)

    def reserve_ids(self, count: int) -> Sequence[int]:
        with self._lock:
            start = self._next_id
            self._next_id += count
            return range(start, start + count)

    def type_id(self, name: str, parents: str | None) -> int:
        with self._lock:
            for tid, row in self._types.items():
                if row[1] == name:
                    return tid
            tid = len(self._types) + 1
            self._types[tid] = (tid, name, parents)
            return tid

    def read_types(self) -> list[TypeRow]:
        with self._lock:
            return sorted(self._types.values())

    def fetch_atoms(self, ids: Sequence[int]) -> list[AtomRow]:
        with self._lock:
            return sorted(self._atoms[i] for i in ids if i in self._atoms)

    def fetch_values(self, atom_id: int) -> list[tuple[int, str]]:
        with self._lock:
            return [(k, v) for (a, k), v in self._values.items() if a == atom_id]

    def apply(self, batch: Batch) -> Applied:
        self._live()
        with self._lock:
            # Check the fences first: a refused batch changes nothing.
            for fid, token in batch.finish:
                row = self._firings.get(fid)
                if row is None or row["token"] != token:
                    raise LeaseLostError(f"firing {fid} is no longer held under claim {token}")
            for trigger, owner, token, _, _ in batch.schedule_done:
                row = self._schedules.get(trigger)
                if row is None or row["owner"] != owner or row["token"] != token:
                    raise LeaseLostError("a schedule's claim was taken over by another runner")
            inserted = {row[0] for row in batch.inserts}
            for atom_id, expected in batch.tv_guards.items():
                if atom_id in inserted:  # one opener: what this batch inserts is new
                    continue
                stored = self._atoms.get(atom_id)
                if stored is None or (stored[4] or DEFAULT_TV_TEXT) != expected:
                    raise TruthValueConflictError(
                        f"the truth value of atom {atom_id} was changed since it was read")
            return self._apply(batch)

    def _apply(self, batch: Batch) -> Applied:
        applied = Applied()
        remap = applied.remap
        if batch.clear:
            self._atoms.clear()
            self._hashes.clear()
            self._values.clear()
            self._schedules.clear()
            for fid in [f for f, r in self._firings.items() if r["mode"] == "async"]:
                del self._firings[fid]
        names = {tid: row[1] for tid, row in self._types.items()}
        if batch.removals:
            doomed = set(batch.removals)
            for atom_id in doomed:
                row = self._atoms.pop(atom_id, None)
                if row is not None:
                    self._hashes.pop(content_hash(names[row[1]], row[2], row[3]), None)
                self._schedules.pop(atom_id, None)
            for key in [k for k in self._values if k[0] in doomed or k[1] in doomed]:
                del self._values[key]
            for fid in [f for f, r in self._firings.items()
                        if r["trigger"] in doomed and r["mode"] == "async"]:
                del self._firings[fid]
        for rid, tid, name, out, tv in batch.inserts:
            if out is not None:
                out = " ".join(str(remap.get(int(i), int(i))) for i in out.split())
            h = content_hash(names[tid], name, out)
            stored = self._hashes.get(h)
            if stored is not None:
                remap[rid] = stored
                if tv is None:
                    applied.stored_tvs[stored] = self._atoms[stored][4]
                else:
                    batch.tvs.setdefault(rid, tv)
                continue
            self._atoms[rid] = (rid, tid, name, out, tv)
            self._hashes[h] = rid
        fix = remap.get
        for atom_id, tv in batch.tvs.items():
            atom_id = fix(atom_id, atom_id)
            old = self._atoms.get(atom_id)
            if old is not None:
                self._atoms[atom_id] = (old[0], old[1], old[2], old[3], tv)
        for atom_id, (text, only_if) in batch.tv_restores.items():
            old = self._atoms.get(atom_id)
            if old is not None and (old[4] or DEFAULT_TV_TEXT) == only_if:
                self._atoms[atom_id] = (old[0], old[1], old[2], old[3], text)
        for (a, k), text in batch.values.items():
            a, k = fix(a, a), fix(k, k)
            if text is None:
                self._values.pop((a, k), None)
            else:
                self._values[(a, k)] = text
        for skey, stext in batch.state.items():
            if stext is None:
                self._state.pop(skey, None)
            else:
                self._state[skey] = stext
        for ckey, amount in batch.counters.items():
            self._counters[ckey] = self._counters.get(ckey, 0.0) + amount
        for trigger, due in batch.schedules.items():
            self._schedules.setdefault(fix(trigger, trigger), {
                "next_due": due, "owner": None, "token": 0, "lease_until": None, "state": None})
        for trigger, _, _, next_due, state in batch.schedule_done:
            schedule = self._schedules[trigger]
            schedule.update(next_due=next_due, state=state, owner=None, lease_until=None)
        for fid, _ in batch.finish:
            self._firings.pop(fid, None)
        now = time.time()
        for firing in batch.firings:
            firing.trigger = fix(firing.trigger, firing.trigger)
            firing.id = self._next_firing
            self._next_firing += 1
            held = firing.mode == "sync"
            self._firings[firing.id] = {
                "trigger": firing.trigger, "mode": firing.mode, "data": firing.data,
                "state": "running" if held else "queued", "attempts": 0, "run_after": 0.0,
                "owner": self.origin if held else None, "token": firing.token if held else 0,
                "lease_until": now + SYNC_LEASE if held else None, "error": None}
            applied.firing_ids.append(firing.id)
        return applied

    # -- the feed (one opener: nothing to follow) ----------------------------------------------------
    def changes_since(self, cursor: Any) -> tuple[list[Change], Any]:
        return [], cursor

    # -- state -------------------------------------------------------------------------------------------
    def read_state(self, namespace: str) -> dict[str, str]:
        with self._lock:
            return {k: v for (ns, k), v in self._state.items() if ns == namespace}

    def read_counters(self, namespace: str) -> dict[str, dict[str, float]]:
        found: dict[str, dict[str, float]] = {}
        with self._lock:
            for (ns, key, field), value in self._counters.items():
                if ns == namespace:
                    found.setdefault(key, {})[field] = value
        return found

    # -- the firing queue --------------------------------------------------------------------------------
    def claim_firings(
        self, owner: str, limit: int, lease: float, now: float, can_run: Any = None
    ) -> list[FiringRow]:
        self._live()
        claimed: list[FiringRow] = []
        with self._lock:
            heads: dict[int, int] = {}
            for fid in sorted(self._firings):
                row = self._firings[fid]
                if row["state"] in ("queued", "running"):
                    heads.setdefault(row["trigger"], fid)
            for trigger, head in sorted(heads.items(), key=lambda item: item[1]):
                if len(claimed) >= limit:
                    break
                row = self._firings[head]
                runnable = (row["state"] == "queued" and row["run_after"] <= now) or (
                    row["state"] == "running" and (row["lease_until"] or 0) < now)
                if not runnable or (can_run is not None and not can_run(trigger)):
                    continue
                token = random.getrandbits(62) + 1
                ids = [head] + [f for f in sorted(self._firings) if f > head
                                and self._firings[f]["trigger"] == trigger
                                and self._firings[f]["state"] == "queued"][: limit - len(claimed) - 1]
                for fid in ids:
                    r = self._firings[fid]
                    r.update(state="running", owner=owner, token=token, lease_until=now + lease)
                    claimed.append(FiringRow(trigger, r["data"], r["mode"], fid, r["attempts"], token))
        return claimed

    def release_firings(
        self, owner: str, rows: Sequence[FiringRow], now: float, retry_after: float | None,
        error: str | None, max_attempts: int,
    ) -> None:
        with self._lock:
            rest = list(rows)
            if error is not None and rest:
                first = rest.pop(0)
                row = self._firings.get(first.id)
                if row is not None and row["token"] == first.token:
                    row["attempts"] = first.attempts + 1
                    row["error"] = error
                    row["owner"] = row["lease_until"] = None
                    if row["attempts"] >= max_attempts:
                        row["state"] = "parked"
                    else:
                        row["state"] = "queued"
                        row["run_after"] = now + (retry_after or 0.0)
            for r in rest:
                row = self._firings.get(r.id)
                if row is not None and row["token"] == r.token:
                    row.update(state="queued", owner=None, lease_until=None)

    def extend_lease(self, owner: str, rows: Sequence[FiringRow], lease: float, now: float) -> bool:
        with self._lock:
            held = [self._firings.get(r.id) for r in rows]
            if any(row is None or row["token"] != r.token for row, r in zip(held, rows)):
                return False
            for row in held:
                row["lease_until"] = now + lease  # type: ignore[index]
            return True

    def unfinished(self, ids: Sequence[int]) -> set[int]:
        with self._lock:
            return {i for i in ids if i in self._firings and self._firings[i]["state"] != "parked"}

    def failed_firings(self) -> list[FiringRow]:
        with self._lock:
            return [FiringRow(r["trigger"], r["data"], r["mode"], fid, r["attempts"], 0, r["error"])
                    for fid, r in sorted(self._firings.items()) if r["state"] == "parked"]

    def retry_firings(self, ids: Sequence[int] | None) -> int:
        with self._lock:
            count = 0
            for fid, row in self._firings.items():
                if row["state"] == "parked" and (ids is None or fid in ids):
                    row.update(state="queued", attempts=0, run_after=0.0)
                    count += 1
            return count

    def queue_depth(self) -> dict[str, int]:
        with self._lock:
            states = [r["state"] for r in self._firings.values()]
        return {"queued": states.count("queued"), "held": states.count("running"),
                "parked": states.count("parked")}

    # -- schedules --------------------------------------------------------------------------------------------
    def ensure_schedules(self, schedules: dict[int, float | None]) -> None:
        with self._lock:
            for trigger, due in schedules.items():
                self._schedules.setdefault(trigger, {
                    "next_due": due, "owner": None, "token": 0, "lease_until": None, "state": None})

    def claim_schedules(self, owner: str, now: float, limit: int, lease: float) -> list[ScheduleClaim]:
        self._live()
        with self._lock:
            due = sorted((row["next_due"], trigger) for trigger, row in self._schedules.items()
                         if row["next_due"] is not None and row["next_due"] <= now
                         and (row["owner"] is None or (row["lease_until"] or 0) < now))[:limit]
            claims = []
            for when, trigger in due:
                row = self._schedules[trigger]
                previous = row["owner"]
                row.update(owner=owner, token=row["token"] + 1, lease_until=now + lease)
                claims.append(ScheduleClaim(trigger, when, row["token"], row["state"], previous))
            return claims

    def next_schedule_due(self) -> float | None:
        with self._lock:
            dues = [max(r["next_due"], r["lease_until"] or r["next_due"])
                    for r in self._schedules.values() if r["next_due"] is not None]
        return min(dues) if dues else None

    def schedule_rows(self) -> list[tuple[int, float | None, str | None, float | None, str | None]]:
        with self._lock:
            return [(t, r["next_due"], r["owner"], r["lease_until"], r["state"])
                    for t, r in sorted(self._schedules.items())]

    # -- lifecycle ------------------------------------------------------------------------------------------------
    def close(self) -> None:
        with self._lock:
            self._open = False
            self._closed = True

    def atom_count(self) -> int:
        return len(self._atoms)

    def rows(self) -> list[AtomRow]:
        return sorted(self._atoms.values())

    def describe(self) -> dict[str, object]:
        return {"backend": self.name, "location": "memory", "atoms": len(self._atoms)}

