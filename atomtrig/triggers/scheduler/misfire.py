"""What a runner does with the runs it finds overdue (after downtime, or a busy runner).

A run is *on time* if it starts at most ``grace`` seconds after its due time; later, it is
*missed*. The policy says what happens to a schedule's missed runs, all of which are recorded
(outcome ``missed``, with how many), never dropped silently:

``"coalesce"`` (the default)
    one run now stands for all of them (APScheduler's ``coalesce``); it is recorded with
    ``catchup`` = how many due times it covers; the others are recorded missed.
``"all"``
    each missed run is run, oldest first, but at most ``max_catchup`` of them (the most recent;
    an on-time run is not counted;
    Celery beat's bounded catch-up); older ones are recorded missed.
``"skip"``
    none is run; all are recorded missed, and the schedule goes on from its next due time.

Defaults: ``grace`` 1 second, ``"coalesce"``, ``max_catchup`` 10. Per schedule, as values on the
link: ``schedule:misfire`` (StringValue), ``schedule:grace`` (FloatValue, seconds),
``schedule:max-catchup`` (FloatValue).

>>> policy = MisfirePolicy(grace=1.0, mode="all", max_catchup=2)
>>> policy.plan([10.0, 20.0, 30.0, 40.0], now=40.5)
Plan(run=[(20.0, 1), (30.0, 1), (40.0, 1)], missed=[10.0])
>>> MisfirePolicy().plan([10.0, 20.0, 30.0], now=35.0)
Plan(run=[(30.0, 3)], missed=[10.0, 20.0])
"""

from __future__ import annotations

from dataclasses import dataclass, field

from atomtrig.triggers.errors import TriggerDefinitionError

MODES = ("coalesce", "all", "skip")
DEFAULT_GRACE = 1.0
DEFAULT_MAX_CATCHUP = 10


@dataclass
class Plan:
    """``run``: (due time, how many due times the run covers); ``missed``: due times not run."""

    run: list[tuple[float, int]] = field(default_factory=list)
    missed: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class MisfirePolicy:
    """A schedule's misfire policy; see the module docstring."""

    grace: float = DEFAULT_GRACE
    mode: str = "coalesce"
    max_catchup: int = DEFAULT_MAX_CATCHUP

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise TriggerDefinitionError(
                f"schedule:misfire must be one of {', '.join(MODES)}, not {self.mode!r}")
        if not self.grace >= 0:
            raise TriggerDefinitionError(f"schedule:grace must be >= 0 seconds, not {self.grace!r}")
        if self.max_catchup < 1:
            raise TriggerDefinitionError(
                f"schedule:max-catchup must be >= 1, not {self.max_catchup!r}")

    def plan(self, dues: list[float], now: float) -> Plan:
        """Split ``dues`` (overdue due times, oldest first, all <= now) into runs and misses."""
        late = [d for d in dues if now - d > self.grace]
        on_time = [d for d in dues if now - d <= self.grace]
        plan = Plan()
        if not late:
            plan.run = [(d, 1) for d in on_time]
            return plan
        if self.mode == "skip":
            plan.missed = late
            plan.run = [(d, 1) for d in on_time]
        elif self.mode == "all":
            kept = late[-self.max_catchup:]
            plan.missed = late[: len(late) - len(kept)]
            plan.run = [(d, 1) for d in kept] + [(d, 1) for d in on_time]
        else:  # coalesce: the most recent due time stands for all
            plan.missed = dues[:-1]
            plan.run = [(dues[-1], len(dues))]
        return plan
