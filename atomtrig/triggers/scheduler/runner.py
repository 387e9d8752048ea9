"""The durable schedule runner behind ``atomtrig schedule``.

It runs every ScheduledExecutionLink of a store (:mod:`.spec`) and records every run
(:mod:`.records`). The store is single-process (SQLite with an exclusive lock), so the runner
works in **windows**: it takes the file, does what is due, and lets the file go when it is idle
(the next due time is more than ``idle_release`` away) and at least every ``hold`` seconds (for
``gap`` seconds), so ``atomtrig run --store`` scripts and other runners get their turn. On
taking the file back it reads the store's commit counter: if anyone else committed in between,
it reloads the AtomSpace and its tables (new links start running, removed ones stop and their
claimed runs are cancelled).

No (schedule, due time) runs twice: before running, a runner claims it with a lease row
(``schedule-leases``, one row per (schedule, due), expiring after ``lease`` seconds) and commits
the claim; the run's effects, its record, the next due time and the lease's deletion then commit
together. A runner killed mid-run leaves its lease and none of the run's effects; once the lease
has expired another runner (or the same one restarted) records that attempt as ``interrupted``
and runs it again. (While a runner holds the file nobody else can look, so a lease seen by
another runner always belongs to one that stopped; the expiry keeps the rule safe for a
multi-process backend.)

Stopping (:meth:`ScheduleRunner.stop`, SIGINT/SIGTERM in the command): no new run starts; the
running one finishes. An interrupt raised inside a run (a second signal) records it as
``interrupted``.

>>> from atomtrig.triggers.scheduler.clock import ManualWallClock
>>> ScheduleRunner(lambda: None, clock=ManualWallClock(5.0)).clock.time()
5.0
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import socket
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

from atomtrig.storage.errors import StoreInUseError
from atomtrig.triggers.errors import TriggerDefinitionError
from atomtrig.triggers import runner as trigger_runner
from atomtrig.triggers.firing import Firing
from atomtrig.triggers.scheduler import records
from atomtrig.triggers.scheduler.clock import SystemClock, WallClock
from atomtrig.triggers.scheduler.misfire import Plan
from atomtrig.triggers.scheduler.records import LEASES, RUNS, STATE, lease_key, run_key
from atomtrig.triggers.scheduler.spec import ScheduleSpec, spec_for

log = logging.getLogger("atomtrig.schedule")

Reporter = Callable[[dict[str, Any]], None]


def _targets() -> Any:
    from atomtrig.triggers import targets

    return targets


class ScheduleRunner:
    """Runs the schedules of the store that ``open_space()`` opens (an AtomSpace whose trigger
    engine's in-process scheduler is disabled; see ``atomtrig.commands.schedule``).

    ``lease``: seconds a claim lasts; ``keep_runs``: runs kept per schedule; ``hold``/``gap``/
    ``idle_release``: the file-sharing windows (see the module docstring); ``wait``: how long
    to wait for the file before giving up a window; ``poll``: the longest sleep (how soon
    changes by other processes are seen when nothing is due); ``batch``: runs per commit.
    ``reporter`` gets one dict per recorded run and per reload.
    """

    def __init__(
        self,
        open_space: Callable[[], Any],
        *,
        clock: WallClock | None = None,
        runner_id: str | None = None,
        lease: float = 30.0,
        keep_runs: int = 20,
        hold: float = 1.0,
        gap: float = 0.02,
        idle_release: float = 0.05,
        wait: float = 30.0,
        poll: float = 1.0,
        batch: int = 2000,
        reporter: Reporter | None = None,
    ) -> None:
        self.open_space = open_space
        self.clock: WallClock = clock or SystemClock()
        self.id = runner_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.lease = float(lease)
        self.keep = max(1, int(keep_runs))
        self.hold, self.gap, self.idle_release = hold, gap, idle_release
        self.wait, self.poll, self.batch = wait, poll, max(1, int(batch))
        self.reporter = reporter
        self.space: Any = None
        self.backend: Any = None
        self.held = False
        self._held_since = 0.0
        self._commits = -1
        self._size = -1
        self._links: set[Any] = set()
        self._lead = 0.005
        self.specs: dict[str, ScheduleSpec] = {}
        self.state: dict[str, dict[str, Any]] = {}
        self.leases: dict[str, dict[str, Any]] = {}
        self._heap: list[tuple[float, int, str]] = []
        self._tie = itertools.count()
        self._retry: dict[str, float] = {}
        """Schedules waiting for another runner's lease to expire -> when it does."""
        self.stop_event = threading.Event()
        self.in_run = False
        self.outcomes: Counter[str] = Counter()
        self.lateness: deque[float] = deque(maxlen=1_000_000)
        self.reloads = 0

    # -- the file: taking it, letting it go, reloading -----------------------------------------
    def _binding(self) -> Any:
        return self.space._store

    def acquire(self) -> None:
        """Hold the store (open it, or take it back); reload if another process wrote to it."""
        if self.held:
            return
        if self.space is not None:
            t0 = time.perf_counter()
            self.backend.reacquire(self.wait)
            took = time.perf_counter() - t0
            self._lead = min(0.05, 0.8 * self._lead + 0.2 * (2 * took + 0.002))
            if self.backend.commit_count() != self._commits:
                self._drop_space()
        if self.space is None:
            self._load()
        self.held = True
        self._held_since = time.monotonic()

    def release(self) -> None:
        """Let the store go (keeping the AtomSpace in memory for the next window)."""
        if self.held and self.backend is not None:
            self._commits = self.backend.commit_count()
            self.backend.release()
        self.held = False

    def _drop_space(self) -> None:
        space, self.space = self.space, None
        if space is not None:
            space.triggers.close()
        if self.backend is not None:
            self.backend.release()
        self.backend = None

    def _load(self) -> None:
        deadline = time.monotonic() + self.wait
        while True:
            try:
                space = self.open_space()
                break
            except StoreInUseError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.005)
        self.space = space
        self.backend = space._store.backend
        self.reloads += 1
        binding = self._binding()
        self.state = records.load(binding, STATE)
        self.leases = records.load(binding, LEASES)
        self._sync(self.clock.time())
        self._report({"event": "loaded", "schedules": len(self.specs), "reloads": self.reloads})

    def _sync(self, now: float) -> None:
        """Match the tables to the registered ScheduledExecutionLinks: new ones get a state row,
        removed ones lose theirs (their claimed runs are cancelled)."""
        binding = self._binding()
        live: dict[str, ScheduleSpec] = {}
        invalid: dict[str, tuple[str, str]] = {}
        invalid_links: set[Any] = set()
        for trigger in self.space.triggers.triggers():
            if trigger.kind != "scheduled":
                continue
            try:
                spec = spec_for(trigger)
            except TriggerDefinitionError as error:
                from atomtrig.core.printer import to_oneline
                from atomtrig.triggers.scheduler.spec import schedule_id

                text = to_oneline(trigger.link)
                invalid[schedule_id(text)] = (text, str(error))
                invalid_links.add(trigger.link)
                continue
            live[spec.sid] = spec
        for sid, (text, problem) in invalid.items():
            bad = self.state.get(sid) or records.new_state(text, now, None)
            if bad.get("invalid") != problem:
                bad["invalid"] = problem
                self.state[sid] = bad
                records.put(binding, STATE, sid, bad)
        for sid, spec in live.items():
            found = self.state.get(sid)
            if found is None:
                st = records.new_state(spec.text, now, spec.first_due(now))
                self.state[sid] = st
                records.put(binding, STATE, sid, st)
            elif found.get("invalid"):
                found["invalid"] = None
                if found.get("next") is None and not found.get("finished"):
                    found["next"] = spec.first_due(now)
                records.put(binding, STATE, sid, found)
        for sid in [s for s in self.state if s not in live and s not in invalid]:
            self._forget(sid, now)
        self.specs = live
        self._links = {spec.trigger.link for spec in live.values()} | invalid_links
        self._heap = [(row["next"], next(self._tie), sid) for sid, row in self.state.items()
                      if sid in live and row.get("next") is not None]
        heapq.heapify(self._heap)
        self._size = len(self.space)
        binding.commit_pending()

    def _forget(self, sid: str, now: float) -> None:
        """A removed schedule: its claimed runs are cancelled, its rows deleted."""
        binding = self._binding()
        st = self.state.pop(sid, None)
        for key in [k for k in self.leases if k.startswith(sid + "@")]:
            lease = self.leases.pop(key)
            records.put(binding, LEASES, key, None)
            self._report({"event": "run", "sid": sid, "link": (st or {}).get("link"),
                          "due": lease.get("due"), "outcome": "cancelled",
                          "error": "the schedule was removed"})
        records.put(binding, STATE, sid, None)
        for slot in range(self.keep):
            records.put(binding, RUNS, f"{sid}:{slot}", None)
        self.specs.pop(sid, None)
        self._report({"event": "removed", "sid": sid, "link": (st or {}).get("link")})

    # -- one window ----------------------------------------------------------------------------
    def next_due(self) -> float | None:
        heap = self._heap
        while heap:
            due, _, sid = heap[0]
            st = self.state.get(sid)
            if st is not None and sid in self.specs and (
                    st.get("next") == due or self._retry.get(sid) == due):
                return due
            heapq.heappop(heap)
        return None

    def step(self) -> float | None:
        """Hold the store and run everything due at the clock's time; returns the next due time
        (None: nothing scheduled)."""
        self.acquire()
        now = self.clock.time()
        self._own_changes(now)
        work: list[tuple[ScheduleSpec, Plan, int, float | None, list[dict[str, Any]]]] = []
        postponed: list[tuple[float, str]] = []
        heap = self._heap
        while heap and heap[0][0] <= now and not self.stop_event.is_set():
            due, _, sid = heapq.heappop(heap)
            spec, st = self.specs.get(sid), self.state.get(sid)
            if spec is None or st is None:
                continue
            if st.get("next") != due:
                if self._retry.get(sid) != due or st.get("next") is None:
                    continue
                due = st["next"]  # a postponed schedule whose blocking lease has expired
            self._retry.pop(sid, None)
            if spec.trigger.link._space is not self.space:
                self._forget(sid, now)
                continue
            dues, unlisted, following = spec.overdue(due, now)
            takeovers, blocked_until = self._check_leases(sid, dues, now)
            if blocked_until is not None:  # another runner's unexpired claim
                postponed.append((blocked_until, sid))
                continue
            work.append((spec, spec.policy.plan(dues, now), unlisted, following, takeovers))
        for when, sid in postponed:
            heapq.heappush(heap, (when, next(self._tie), sid))
            self._retry[sid] = when
        if work:
            self._claim(work, now)
            self._run(work)
            self._own_changes(self.clock.time())
        return self.next_due()

    def _own_changes(self, now: float) -> None:
        """Schedules added or removed by this runner's own runs (cheap unless atoms changed)."""
        if len(self.space) != self._size:
            self._size = len(self.space)
            if set(self.space.get_atoms_by_type("ScheduledExecutionLink")) != self._links:
                self._sync(now)

    def _check_leases(self, sid: str, dues: list[float], now: float
                      ) -> tuple[list[dict[str, Any]], float | None]:
        takeovers = []
        for due in dues:
            lease = self.leases.get(lease_key(sid, due))
            if lease is None or lease.get("runner") == self.id:
                continue
            if lease["expires"] > now:
                return [], lease["expires"]
            takeovers.append(lease)
        return takeovers, None

    def _claim(self, work: list[Any], now: float) -> None:
        binding = self._binding()
        expires = now + self.lease
        head = f'{{"runner":{records._dumps(self.id)},"claimed":{now!r},"expires":{expires!r}'
        leases = self.leases
        with binding.transaction():
            for spec, plan, _, _, _ in work:
                for due, _ in plan.run:
                    key = lease_key(spec.sid, due)
                    leases[key] = {"runner": self.id, "claimed": now, "expires": expires,
                                   "due": due, "sid": spec.sid}
                    binding.put_state(LEASES, key,
                                      f'{head},"due":{due!r},"sid":"{spec.sid}"}}')

    def _run(self, work: list[Any]) -> None:
        binding = self._binding()
        index = 0
        while index < len(work):
            chunk = work[index:index + self.batch]
            index += len(chunk)
            with binding.transaction():
                for spec, plan, unlisted, following, takeovers in chunk:
                    self._run_schedule(spec, plan, unlisted, following, takeovers)

    def _run_schedule(self, spec: ScheduleSpec, plan: Plan, unlisted: int,
                      following: float | None, takeovers: list[dict[str, Any]]) -> None:
        binding = self._binding()
        sid, st = spec.sid, self.state[spec.sid]
        for lease in takeovers:
            self._record(spec, st, {
                "due": lease["due"], "start": lease.get("claimed"), "end": None,
                "outcome": "interrupted", "runner": lease.get("runner"),
                "error": "the runner stopped during the run; its lease expired and "
                         f"{self.id} took the run over"})
        if plan.missed or unlisted:
            first = plan.missed[0] if plan.missed else None
            self._record(spec, st, {
                "due": first, "last_due": plan.missed[-1] if plan.missed else None,
                "count": len(plan.missed) + unlisted, "outcome": "missed",
                "start": None, "end": None, "runner": self.id,
                "error": f"{len(plan.missed) + unlisted} run(s) more than "
                         f"{spec.policy.grace:g}s late (misfire policy {spec.policy.mode})"})
        for position, (due, covers) in enumerate(plan.run):
            if self.stop_event.is_set():
                for later, _ in plan.run[position:]:
                    self.leases.pop(lease_key(sid, later), None)
                    records.put(binding, LEASES, lease_key(sid, later), None)
                st["next"] = due
                records.put(binding, STATE, sid, st)
                return
            row = self._run_one(spec, due, covers)
            self._record(spec, st, row)
            key = lease_key(sid, due)
            self.leases.pop(key, None)
            binding.put_state(LEASES, key, None)
        st["next"] = following
        if following is None:
            st["finished"] = True
        else:
            heapq.heappush(self._heap, (following, next(self._tie), sid))
        binding.put_state(STATE, sid, records.encode_state(st, spec.text_json))

    def _record(self, spec: ScheduleSpec, st: dict[str, Any], row: dict[str, Any]) -> None:
        row["sid"] = spec.sid
        number = row["number"] = st["n"]
        st["n"] = number + 1
        outcome = row["outcome"]
        count = row.get("count", 1)
        totals = st["totals"]
        totals[outcome] = totals.get(outcome, 0) + count
        st["last"] = row
        self._binding().put_state(RUNS, f"{spec.sid}:{number % self.keep}", records._dumps(row))
        self.outcomes[outcome] += count
        if self.reporter is not None:
            self.reporter({"event": "run", "link": spec.text, **row})

    def _run_one(self, spec: ScheduleSpec, due: float, covers: int) -> dict[str, Any]:
        trigger = spec.trigger
        engine = self.space.triggers
        start = self.clock.time()
        self.lateness.append(start - due)
        outcome, error = "done", None
        local = trigger_runner._local
        firing = Firing(trigger, None, next(engine._seq), engine.epoch, (), due=due)
        saved = (local.chain, local.firing, local.nesting)
        local.chain, local.firing, local.nesting = (firing,), firing, saved[2] + 1
        t0 = time.perf_counter()
        self.in_run = True
        try:
            if trigger.condition is not None and not _targets().condition_holds(engine, trigger):
                outcome = "skipped"
            else:
                _targets().run_target(engine, trigger, firing)
        except KeyboardInterrupt:
            outcome, error = "interrupted", "stopped by a signal during the run"
            self.stop_event.set()
        except Exception as exc:  # noqa: BLE001 - a user's body failing is recorded
            outcome, error = "failed", f"{type(exc).__name__}: {exc}"
        finally:
            self.in_run = False
            local.chain, local.firing, local.nesting = saved
        duration = time.perf_counter() - t0
        if outcome == "skipped":
            trigger.stats.skip()
        elif outcome != "interrupted":
            trigger.stats.ran(duration, error, start)
        if local.nesting == 0 and local.deferred:
            engine.runner._run_deferred()
        row: dict[str, Any] = {"due": due, "start": start, "end": start + duration,
                               "outcome": outcome, "error": error, "runner": self.id}
        if covers > 1:
            row["covers"] = covers
        return row

    # -- running until stopped -------------------------------------------------------------------
    def stop(self) -> None:
        """Ask the runner to stop: no new run starts; the running one finishes."""
        self.stop_event.set()

    def run_forever(self) -> None:
        """Run windows until :meth:`stop`; the store is let go on the way out."""
        try:
            while not self.stop_event.is_set():
                try:
                    following = self.step()
                except StoreInUseError as error:
                    self._report({"event": "busy", "error": str(error)})
                    self.clock.sleep(self.gap, self.stop_event)
                    continue
                if self.stop_event.is_set():
                    break
                now = self.clock.time()
                wait = self.poll if following is None else min(self.poll, following - now)
                held_for = time.monotonic() - self._held_since
                if wait > self.idle_release or held_for > self.hold:
                    self.release()
                    # Wake early enough to have the file back by the due time.
                    self.clock.sleep(max(wait - self._lead, self.gap), self.stop_event)
                elif wait > 0:
                    self.clock.sleep(wait, self.stop_event)
        finally:
            self.close()

    def close(self) -> None:
        """Let the store go and stop the AtomSpace's trigger machinery."""
        if self.space is not None:
            if self.held:
                self._binding().commit_pending()
            self.release()
            self.space.triggers.close()

    def _report(self, event: dict[str, Any]) -> None:
        if self.reporter is not None:
            self.reporter(event)
