"""A schedule as the durable runner sees it: a registered ScheduledExecutionLink (parsed by the
trigger layer, :mod:`atomtrig.triggers.definitions`) plus the runner's own values on the link.

=========================  ==============================  ==========================================
key (PredicateNode)        value                           meaning
=========================  ==============================  ==========================================
``schedule:cron``          ``(StringValue "0 * * * *")``   run on this cron expression instead of
                                                           every ``ms`` (:mod:`.cron`)
``schedule:tz``            ``(StringValue "Europe/Oslo")`` the cron expression's time zone (UTC)
``schedule:misfire``       ``(StringValue "all")``         ``coalesce`` / ``all`` / ``skip``
``schedule:grace``         ``(FloatValue 5)``              seconds a run may start late (1)
``schedule:max-catchup``   ``(FloatValue 3)``              bound for ``all`` (10)
=========================  ==============================  ==========================================

A schedule is identified in the store by its link's one-line text (``sid`` is a short hash of
it), so removing a link and adding it again is the same schedule.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any

from atomtrig.core.printer import to_oneline
from atomtrig.core.values import FloatValue, StringValue
from atomtrig.triggers.errors import TriggerDefinitionError
from atomtrig.triggers.scheduler.cron import CronSchedule
from atomtrig.triggers.scheduler.misfire import DEFAULT_GRACE, DEFAULT_MAX_CATCHUP, MisfirePolicy

CRON_KEY = "schedule:cron"
TZ_KEY = "schedule:tz"
MISFIRE_KEY = "schedule:misfire"
GRACE_KEY = "schedule:grace"
CATCHUP_KEY = "schedule:max-catchup"
KEYS = (CRON_KEY, TZ_KEY, MISFIRE_KEY, GRACE_KEY, CATCHUP_KEY)
ENUMERATION_CAP = 100_000
"""At most this many overdue due times are listed one by one (a longer gap is recorded as one
missed entry with its count)."""


def schedule_id(text: str) -> str:
    """The short id of the schedule whose link reads ``text``."""
    return hashlib.sha1(text.encode()).hexdigest()[:16]


@dataclass
class ScheduleSpec:
    """When one schedule runs and what it does on a misfire."""

    trigger: Any
    text: str
    sid: str
    period: float
    repeating: bool
    cron: CronSchedule | None
    policy: MisfirePolicy

    @property
    def text_json(self) -> str:
        """The link text as a JSON string (encoded once)."""
        cached = self.__dict__.get("_text_json")
        if cached is None:
            cached = self.__dict__["_text_json"] = json.dumps(self.text)
        return cached

    def first_due(self, seen: float) -> float:
        """The first due time of a schedule first seen at ``seen``."""
        return self.cron.next_after(seen) if self.cron else _us(seen + self.period)

    def following(self, due: float) -> float | None:
        """The due time after ``due`` (None for RunOnce)."""
        if not self.repeating:
            return None
        return self.cron.next_after(due) if self.cron else _us(due + self.period)

    def overdue(self, first: float, now: float) -> tuple[list[float], int, float | None]:
        """Due times from ``first`` up to ``now``: (the listed ones, how many were not listed
        because of :data:`ENUMERATION_CAP` -- the oldest --, the next due time after now)."""
        if first > now:
            return [], 0, first
        if not self.repeating:
            return [first], 0, None
        if self.cron is None:
            count = int(math.floor((now - first) / self.period)) + 1
            skipped = max(0, count - ENUMERATION_CAP)
            listed = [_us(first + i * self.period) for i in range(skipped, count)]
            return listed, skipped, _us(first + count * self.period)
        dues: list[float] = []
        skipped = 0
        due: float = first
        while due <= now:
            dues.append(due)
            if len(dues) > ENUMERATION_CAP:
                dues.pop(0)
                skipped += 1
            due = self.cron.next_after(due)
        return dues, skipped, due


def _us(t: float) -> float:
    """Due times are kept to the microsecond, so adding periods does not drift."""
    return round(t, 6)


def _value(link: Any, key: str) -> Any:
    values = link._values
    if not values:
        return None
    for k, v in values.items():
        if k.is_node() and k.name == key:
            return v
    return None


def _string(link: Any, key: str) -> str | None:
    v = _value(link, key)
    if v is None:
        return None
    if isinstance(v, StringValue) and len(v.value) == 1:
        return str(v.value[0])
    raise TriggerDefinitionError(f"{key} must be one StringValue, not {v!r}")


def _float(link: Any, key: str) -> float | None:
    v = _value(link, key)
    if v is None:
        return None
    if isinstance(v, FloatValue) and len(v.value) == 1:
        return float(v.value[0])
    raise TriggerDefinitionError(f"{key} must be one FloatValue, not {v!r}")


def spec_for(trigger: Any) -> ScheduleSpec:
    """The spec of a registered scheduled trigger; a bad ``schedule:`` value raises
    :class:`~atomtrig.triggers.errors.TriggerDefinitionError` naming it."""
    link = trigger.link
    text = to_oneline(link)
    cron_text = _string(link, CRON_KEY)
    tz = _string(link, TZ_KEY) or "UTC"
    if cron_text is None and _value(link, TZ_KEY) is not None:
        raise TriggerDefinitionError(f"{TZ_KEY} is set but {CRON_KEY} is not")
    cron = CronSchedule(cron_text, tz) if cron_text is not None else None
    grace = _float(link, GRACE_KEY)
    catchup = _float(link, CATCHUP_KEY)
    if catchup is not None and catchup != int(catchup):
        raise TriggerDefinitionError(f"{CATCHUP_KEY} must be a whole number, not {catchup}")
    policy = MisfirePolicy(
        grace=DEFAULT_GRACE if grace is None else grace,
        mode=_string(link, MISFIRE_KEY) or "coalesce",
        max_catchup=DEFAULT_MAX_CATCHUP if catchup is None else int(catchup),
    )
    return ScheduleSpec(trigger, text, schedule_id(text), float(trigger.period),
                        bool(trigger.repeating), cron, policy)
