"""Durable scheduled execution: ``atomtrig schedule`` runs the ScheduledExecutionLinks of a
store, records every run, handles misfires, and lets several runners share one store.

Modules: :mod:`.clock` (wall clocks, one for tests), :mod:`.cron` (cron expressions, over
``croniter``), :mod:`.misfire` (what happens to overdue runs), :mod:`.spec` (a link as a
schedule), :mod:`.records` (the runner's rows in the store), :mod:`.runner` (windows, leases,
runs). The in-process scheduler of a single AtomSpace is :mod:`atomtrig.triggers.schedule`.

>>> from atomtrig.triggers.scheduler import MisfirePolicy
>>> MisfirePolicy().mode
'coalesce'
"""

from atomtrig.triggers.scheduler.clock import ManualWallClock, SystemClock
from atomtrig.triggers.scheduler.cron import CronSchedule
from atomtrig.triggers.scheduler.misfire import MisfirePolicy
from atomtrig.triggers.scheduler.runner import ScheduleRunner
from atomtrig.triggers.scheduler.spec import ScheduleSpec, spec_for

__all__ = ["CronSchedule", "ManualWallClock", "MisfirePolicy", "ScheduleRunner", "ScheduleSpec",
           "SystemClock", "spec_for"]
