"""The durable schedule runner behind ``atomtrig schedule``.

It runs the ScheduledExecutionLinks of a store (:mod:`.spec`) and records every run
(:mod:`.records`). Any number of runners, on any machines, may run one store's schedules at
once; only runners do (a process that merely opens the store leaves its schedules to them).

Each schedule is one row of the store's schedule table: its next due time, the runner holding
it, a fencing token and its saved state. A runner **claims** due schedules by compare-and-set
(:meth:`~atomtrig.storage.base.StorageBackend.claim_schedules`: a conditional UPDATE of the rows
that are due and not held by a live runner, as APScheduler 4's data stores do), runs them, and
completes each claim in the same transaction as the run's effects, its record and the next due
time (:meth:`~atomtrig.storage.binding.StoreBinding.schedule_done`, fenced by the token). So no
due time runs twice, and a runner killed mid-run commits nothing: once its lease expires another
runner claims the schedule, records the lost run as ``interrupted`` and runs it again.

A schedule row is written when its link is added (by whichever process adds it) with due time 0
and no state: the first runner that claims it makes it *seen* and sets its first due time one
period (or the next cron time) after that. Schedules added or removed by other processes reach the
runner through the store's change feed; nothing is reloaded.

Stopping (:meth:`ScheduleRunner.stop`, SIGINT/SIGTERM in the command): no new run starts; the
running one finishes. An interrupt raised inside a run (a second signal) records it as
``interrupted``.

>>> from atomtrig.triggers.scheduler.clock import ManualWallClock
>>> ScheduleRunner.__name__
'ScheduleRunner'
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

from atomtrig.storage.errors import LeaseLostError
from atomtrig.triggers import runner as trigger_runner
from atomtrig.triggers.errors import TriggerDefinitionError
from atomtrig.triggers.firing import Firing
from atomtrig.triggers.scheduler import records
from atomtrig.triggers.scheduler.clock import SystemClock, WallClock
from atomtrig.triggers.scheduler.misfire import Plan
from atomtrig.triggers.scheduler.records import RUNS, STATE
from atomtrig.triggers.scheduler.spec import ScheduleSpec, schedule_id, spec_for

log = logging.getLogger("atomtrig.schedule")

Reporter = Callable[[dict[str, Any]], None]

UNSEEN = 0.0
"""The due time a new schedule row is written with: claimable at once, by any runner."""


def _targets() -> Any:
    from atomtrig.triggers import targets

    return targets


class ScheduleRunner:
    """Runs the schedules of the store ``space`` was opened on (with its in-process scheduler
    off: ``AtomSpace.open(location)`` leaves it off); see the module docstring.

    ``lease``: seconds a claim lasts; ``keep_runs``: runs kept per schedule; ``poll``: the
    longest sleep (how soon schedules added elsewhere are seen when nothing is due); ``batch``:
    schedules claimed (and committed) at once. ``reporter`` gets one dict per recorded run.
    """

    def __init__(
        self,
        space: Any,
        *,
        clock: WallClock | None = None,
        runner_id: str | None = None,
        lease: float = 30.0,
        keep_runs: int = 20,
        poll: float = 1.0,
        batch: int = 500,
        reporter: Reporter | None = None,
    ) -> None:
        store = space.store
        if store is None or getattr(store, "backend", None) is None:
            raise TypeError("a ScheduleRunner runs the schedules of an AtomSpace opened on a store "
                            "(AtomSpace.open(location)), not of an in-memory one")
        self.space = space
        self.store = store
        self.backend: Any = store.backend
        self.clock: WallClock = clock or SystemClock()
        self.id = runner_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.lease = float(lease)
        self.keep = max(1, int(keep_runs))
        self.poll, self.batch = poll, max(1, int(batch))
        self.reporter = reporter
        self.stop_event = threading.Event()
        self.in_run = False
        self.outcomes: Counter[str] = Counter()
        self.lateness: deque[float] = deque(maxlen=1_000_000)
        self._legacy: dict[str, dict[str, Any]] | None = None
        self._owns_space = False

    @classmethod
    def open(cls, location: str, *, settings: dict[str, Any] | None = None,
             **options: Any) -> ScheduleRunner:
        """A runner for the store at ``location`` (which must exist), on a space of its own
        that :meth:`close` closes; ``settings`` go to ``AtomSpace.open``.

        >>> import os, tempfile, atomtrig
        >>> path = os.path.join(tempfile.mkdtemp(), "kb.db")
        >>> atomtrig.AtomSpace.open(path).close()
        >>> runner = ScheduleRunner.open(path)
        >>> runner.step() is None  # nothing scheduled
        True
        >>> runner.close()
        """
        from atomtrig.space import AtomSpace

        space = AtomSpace.open(location, create=False, **(settings or {}))
        try:
            runner = cls(space, **options)
        except BaseException:
            space.close()
            raise
        runner._owns_space = True
        return runner

    # -- one step ----------------------------------------------------------------------------------
    def step(self) -> float | None:
        """Claim and run everything due at the clock's time; the next due time of any schedule
        (None: nothing scheduled)."""
        while not self.stop_event.is_set():
            now = self.clock.time()
            claims = self.backend.claim_schedules(self.id, now, self.batch, self.lease)
            if not claims:
                break
            self.store.sync()  # bodies and conditions see what other processes committed
            self._run_claims(claims, now)  # (its runs may have added schedules due now)
        return self.backend.next_schedule_due()

    def _run_claims(self, claims: list[Any], now: float) -> None:
        store = self.store
        try:
            with store.transaction():
                for claim in claims:
                    self._run_claim(claim, now)
        except LeaseLostError as error:  # a removal or a faster runner: nothing was committed
            self._report({"event": "lost", "error": str(error)})
            for claim in claims:
                self._report({"event": "run", "link": None, "due": claim.due,
                              "outcome": "cancelled", "error": str(error)})

    def _trigger(self, trigger_id: int) -> Any:
        link = self.store.atom_of(trigger_id)
        if link is None:
            self.store.sync()
            link = self.store.atom_of(trigger_id)
        if link is None:
            return None
        try:
            return self.space.triggers.trigger(link)
        except Exception:  # noqa: BLE001 - not (or no longer) a registered trigger
            return None

    def _run_claim(self, claim: Any, now: float) -> None:
        store = self.store
        trigger = self._trigger(claim.trigger)
        if trigger is None:  # gone, or not readable here: the claim lapses after its lease
            return
        from atomtrig.core.printer import to_oneline

        try:
            spec = spec_for(trigger)
        except TriggerDefinitionError as error:
            text = to_oneline(trigger.link)
            st = self._state(claim, text, now)
            st["invalid"] = str(error)
            self._report({"event": "invalid", "link": text, "error": str(error)})
            store.schedule_done(claim.trigger, self.id, claim.token, None,
                                records.encode_state(st, json.dumps(text)))
            return
        st = self._state(claim, spec.text, now)
        st["invalid"] = None
        due = claim.due
        if claim.state is None and due == UNSEEN:  # first seen now: no run yet
            if st.get("next") is None or st.get("finished"):
                st["next"] = None if st.get("finished") else spec.first_due(now)
            store.schedule_done(claim.trigger, self.id, claim.token, st["next"],
                                records.encode_state(st, spec.text_json))
            return
        if claim.taken_from and claim.taken_from != self.id:
            self._record(spec, st, {
                "due": due, "start": None, "end": None, "outcome": "interrupted",
                "runner": claim.taken_from,
                "error": f"the runner stopped during the run; its lease expired and {self.id} "
                         "took the run over"})
        dues, unlisted, following = spec.overdue(due, now)
        plan = spec.policy.plan(dues, now)
        self._run_plan(spec, st, plan, unlisted, following)
        store.schedule_done(claim.trigger, self.id, claim.token, st["next"],
                            records.encode_state(st, spec.text_json))

    def _state(self, claim: Any, text: str, now: float) -> dict[str, Any]:
        if claim.state:
            try:
                found = json.loads(claim.state)
                if isinstance(found, dict) and "totals" in found:
                    return found
            except ValueError:
                pass
        legacy = self._adopt(text)
        if legacy is not None:
            return legacy
        return records.new_state(text, now, None)

    def _adopt(self, text: str) -> dict[str, Any] | None:
        """A schedule's state as a runner of format 1 kept it (in the store's state rows)."""
        if self._legacy is None:
            self._legacy = records.load(self.store, STATE)
        if not self._legacy:
            return None
        sid = schedule_id(text)
        found = self._legacy.pop(sid, None)
        if found is not None:
            self.store.put_state(STATE, sid, None)
        return found

    def _run_plan(self, spec: ScheduleSpec, st: dict[str, Any], plan: Plan, unlisted: int,
                  following: float | None) -> None:
        if plan.missed or unlisted:
            first = plan.missed[0] if plan.missed else None
            self._record(spec, st, {
                "due": first, "last_due": plan.missed[-1] if plan.missed else None,
                "count": len(plan.missed) + unlisted, "outcome": "missed",
                "start": None, "end": None, "runner": self.id,
                "error": f"{len(plan.missed) + unlisted} run(s) more than "
                         f"{spec.policy.grace:g}s late (misfire policy {spec.policy.mode})"})
        for due, covers in plan.run:
            if self.stop_event.is_set():
                st["next"] = due
                return
            self._record(spec, st, self._run_one(spec, due, covers))
        st["next"] = following
        if following is None:
            st["finished"] = True

    def _record(self, spec: ScheduleSpec, st: dict[str, Any], row: dict[str, Any]) -> None:
        row["sid"] = spec.sid
        number = row["number"] = st["n"]
        st["n"] = number + 1
        outcome = row["outcome"]
        count = row.get("count", 1)
        totals = st["totals"]
        totals[outcome] = totals.get(outcome, 0) + count
        st["last"] = row
        self.store.put_state(RUNS, f"{spec.sid}:{number % self.keep}", records._dumps(row))
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
            with self.store.transaction():  # a failing body's effects are undone
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

    # -- running until stopped -----------------------------------------------------------------------
    def stop(self) -> None:
        """Ask the runner to stop: no new run starts; the running one finishes."""
        self.stop_event.set()

    def run_forever(self) -> None:
        """Claim and run due schedules until :meth:`stop`."""
        while not self.stop_event.is_set():
            following = self.step()
            if self.stop_event.is_set():
                break
            now = self.clock.time()
            wait = self.poll if following is None else min(self.poll, following - now)
            if wait > 0:
                self.clock.sleep(wait, self.stop_event)

    def close(self) -> None:
        """Stop; close the space if :meth:`open` opened it."""
        self.stop_event.set()
        if self._owns_space:
            self._owns_space = False
            self.space.close()

    def _report(self, event: dict[str, Any]) -> None:
        if self.reporter is not None:
            self.reporter(event)
