"""Cron expressions for schedules, behind a small adapter over ``croniter``.

A ScheduledExecutionLink runs on a cron expression when it holds the value
``(Predicate "schedule:cron")`` = ``(StringValue "*/5 * * * *")``: the five classic fields
(minute hour day-of-month month day-of-week, with ``*``, ``,``, ``-``, ``/`` and names such as
``mon``), or six with seconds last (``croniter``'s extension). The expression is read in the
time zone of ``(Predicate "schedule:tz")`` = ``(StringValue "Europe/Paris")`` (an IANA name),
UTC when absent; daylight-saving jumps follow ``croniter``: a local time the spring jump skips
runs at the first local time after the gap (02:30 on the day Paris jumps from 02:00 to 03:00
runs at 03:00); a local time the autumn jump repeats runs once (the adapter passes over the
second one croniter gives).

>>> cron = CronSchedule("*/5 * * * *")
>>> cron.next_after(0.0)       # 1970-01-01 00:05:00 UTC
300.0
>>> CronSchedule("0 9 * * *", "Europe/Paris").next_after(0.0)  # 09:00 Paris = 08:00 UTC
28800.0
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from atomtrig.triggers.errors import TriggerDefinitionError


class CronSchedule:
    """One cron expression in one time zone; :meth:`next_after` gives the next fire time."""

    def __init__(self, expression: str, tz: str = "UTC") -> None:
        if not isinstance(expression, str) or not croniter.is_valid(expression):
            raise TriggerDefinitionError(
                f"schedule:cron must be a cron expression such as \"*/5 * * * *\", "
                f"not {expression!r}"
            )
        try:
            self.zone = timezone.utc if tz == "UTC" else ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise TriggerDefinitionError(
                f"schedule:tz must be an IANA time zone name such as \"Europe/Paris\", not {tz!r}"
            ) from None
        self.expression = expression
        self.tz = tz

    def next_after(self, when: float) -> float:
        """The first fire time strictly after ``when`` (epoch seconds)."""
        start = datetime.fromtimestamp(when, self.zone)
        it = croniter(self.expression, start)
        following = it.get_next(datetime)
        # croniter yields a local time the autumn jump repeats twice (once per UTC offset);
        # cron runs it once, so the second one is passed over.
        while following.replace(tzinfo=None) == start.replace(tzinfo=None):
            following = it.get_next(datetime)
        return float(following.timestamp())

    def __repr__(self) -> str:
        return f"CronSchedule({self.expression!r}, {self.tz!r})"
