"""Misfire policies and cron adapter: properties every plan keeps, and cron in time zones."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atomtrig.triggers.errors import TriggerDefinitionError
from atomtrig.triggers.scheduler import CronSchedule, MisfirePolicy


@settings(max_examples=200, deadline=None)
@given(
    count=st.integers(1, 60),
    period=st.floats(0.01, 100),
    lag=st.floats(0, 500),
    grace=st.floats(0, 50),
    mode=st.sampled_from(["coalesce", "all", "skip"]),
    bound=st.integers(1, 20),
)
def test_every_overdue_due_time_is_run_or_recorded_missed(count, period, lag, grace, mode, bound):
    dues = [i * period for i in range(count)]
    now = dues[-1] + lag
    plan = MisfirePolicy(grace=grace, mode=mode, max_catchup=bound).plan(dues, now)
    ran = [d for d, _ in plan.run]
    assert sorted(ran + plan.missed) == dues or (
        mode == "coalesce" and plan.missed == dues[:-1] and ran == [dues[-1]])
    assert ran == sorted(ran) and len(set(ran)) == len(ran)
    late = [d for d in dues if now - d > grace]
    on_time = [d for d in dues if now - d <= grace]
    if not late:
        assert ran == on_time and plan.missed == []
    elif mode == "skip":
        assert plan.missed == late and ran == on_time
    elif mode == "all":
        assert len([d for d in ran if d in late]) == min(bound, len(late))
        assert plan.missed == late[: len(late) - min(bound, len(late))]
    else:
        assert plan.run == [(dues[-1], count)]


def test_bad_policies_are_refused_with_the_key_named():
    with pytest.raises(TriggerDefinitionError, match="schedule:misfire"):
        MisfirePolicy(mode="later")
    with pytest.raises(TriggerDefinitionError, match="schedule:grace"):
        MisfirePolicy(grace=-1)
    with pytest.raises(TriggerDefinitionError, match="schedule:max-catchup"):
        MisfirePolicy(max_catchup=0)


def test_cron_follows_the_time_zone_across_daylight_saving():
    cron = CronSchedule("30 2 * * *", "Europe/Paris")
    # 2026-03-29: Paris skips 02:00-03:00; that day's 02:30 does not exist.
    before = 1_774_659_600.0  # 2026-03-28 01:00 UTC
    first = cron.next_after(before)
    assert first == 1_774_661_400.0  # 2026-03-28 02:30 Paris = 01:30 UTC
    second = cron.next_after(first)
    assert second == 1_774_746_000.0  # 2026-03-29 03:00 Paris (CEST): the first time after the gap
    assert cron.next_after(second) == 1_774_830_600.0  # 2026-03-30 02:30 CEST = 00:30 UTC
    # 2026-10-25: Paris repeats 02:00-03:00; that day's 02:30 runs once, not once per offset.
    autumn = cron.next_after(1_792_800_000.0)  # 2026-10-24 02:30 CEST
    again = cron.next_after(cron.next_after(autumn))
    assert cron.next_after(autumn) == 1_792_888_200.0  # 2026-10-25 02:30 CEST = 00:30 UTC
    assert again == 1_792_978_200.0  # 2026-10-26 02:30 CET = 01:30 UTC
    utc = CronSchedule("*/15 * * * *")
    assert utc.next_after(0.0) == 900.0 and utc.next_after(900.0) == 1800.0


def test_bad_cron_and_zone_are_refused():
    with pytest.raises(TriggerDefinitionError, match="schedule:cron"):
        CronSchedule("61 * * * *")
    with pytest.raises(TriggerDefinitionError, match="schedule:tz"):
        CronSchedule("* * * * *", "Mars/Olympus")
