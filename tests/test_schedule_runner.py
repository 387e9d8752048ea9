"""The durable schedule runner with a controllable clock: periods, RunOnce, conditions, cron,
failures, misfire policies after downtime, pick-up of other processes' changes, removal, leases."""

from __future__ import annotations

import pytest
import schedule_procs

import atomtrig
from atomtrig.commands.schedule import list_rows
from atomtrig.triggers.scheduler import ManualWallClock, ScheduleRunner
from atomtrig.triggers.scheduler import records
from atomtrig.core.printer import to_oneline
from atomtrig.triggers.scheduler.spec import schedule_id

atomtrig.allow_module("schedule_procs")
NOTE = '(ExecutionOutputLink (GroundedSchemaNode "py:schedule_procs.note_due"))'
T0 = 1_700_000_000.0


@pytest.fixture(autouse=True)
def _calls():
    schedule_procs.CALLS.clear()
    yield
    schedule_procs.CALLS.clear()


@pytest.fixture
def store(tmp_path):
    return str(tmp_path / "kb.db")


def edit(path, text=None, fn=None):
    """What another process does: open the store, change it, close it."""
    space = atomtrig.AtomSpace.open(path)
    try:
        if text:
            space.eval_atomese(text)
        if fn:
            fn(space)
    finally:
        space.close()


def read(path):
    """Each schedule's saved state (by schedule id) and its recorded runs."""
    space = atomtrig.AtomSpace.open(path, readonly=True)
    try:
        return records.states(space.store), records.history(space.store)
    finally:
        space.close()


def make(path, clock, runner_id="A", **kw):
    return ScheduleRunner.open(path, clock=clock, runner_id=runner_id, **kw)


def every(ms, body=NOTE, extra=""):
    return f'(ScheduledExecutionLink (NumberNode {ms}) (ConceptNode "Repeating") {body} {extra})'


def test_every_period_runs_each_due_time_once(store):
    edit(store, every(1000))
    clock = ManualWallClock(T0)
    runner = make(store, clock)
    assert runner.step() == T0 + 1  # first due one period after the runner first sees it
    assert schedule_procs.CALLS == []
    for _ in range(3):
        clock.advance(1.0)
        runner.step()
        runner.step()  # the same time again runs nothing twice
    assert schedule_procs.CALLS == [T0 + 1, T0 + 2, T0 + 3]
    assert list(runner.lateness) == [0.0, 0.0, 0.0]
    runner.close()
    state, runs = read(store)
    (st,) = state.values()
    assert st["next"] == T0 + 4 and st["totals"]["done"] == 3
    assert [r["due"] for r in next(iter(runs.values()))] == [T0 + 1, T0 + 2, T0 + 3]
    assert all(r["outcome"] == "done" and r["runner"] == "A" for r in next(iter(runs.values())))


def test_restart_continues_from_the_stored_due_time(store):
    edit(store, every(1000))
    clock = ManualWallClock(T0)
    first = make(store, clock)
    first.step()
    clock.advance(1.0)
    first.step()
    first.close()
    clock.advance(0.5)
    second = make(store, clock, runner_id="B")
    assert second.step() == T0 + 2  # not "one period after it was seen again"
    clock.advance(0.5)
    second.step()
    second.close()
    assert schedule_procs.CALLS == [T0 + 1, T0 + 2]


def test_run_once_runs_once_and_is_finished(store):
    edit(store, f'(ScheduledExecutionLink (NumberNode 500) (ConceptNode "RunOnce") {NOTE})')
    clock = ManualWallClock(T0)
    runner = make(store, clock)
    runner.step()
    clock.advance(5)
    assert runner.step() is None
    clock.advance(5)
    runner.step()
    runner.close()
    assert schedule_procs.CALLS == [T0 + 0.5]
    state, _ = read(store)
    (st,) = state.values()
    assert st["finished"] and st["next"] is None and st["totals"]["done"] == 1


def test_condition_is_checked_first_and_a_false_one_is_recorded_skipped(store):
    edit(store, every(1000, extra='(ConceptNode "go")'))
    edit(store, fn=lambda s: s.set_tv(s.get_node("Concept", "go"), atomtrig.stv(0.1, 0.9)))
    clock = ManualWallClock(T0)
    runner = make(store, clock)
    runner.step()
    clock.advance(1)
    runner.step()
    assert schedule_procs.CALLS == []
    edit(store, fn=lambda s: s.set_tv(s.get_node("Concept", "go"), atomtrig.stv(0.9, 0.9)))
    clock.advance(1)
    runner.step()
    runner.close()
    assert schedule_procs.CALLS == [T0 + 2]
    _, runs = read(store)
    assert [r["outcome"] for r in next(iter(runs.values()))] == ["skipped", "done"]


def test_a_failing_body_is_recorded_with_its_error_and_keeps_its_schedule(store):
    edit(store, every(1000, '(ExecutionOutputLink (GroundedSchemaNode "py:schedule_procs.fail"))'))
    clock = ManualWallClock(T0)
    runner = make(store, clock)
    runner.step()
    clock.advance(1)
    runner.step()
    clock.advance(1)
    runner.step()
    runner.close()
    state, runs = read(store)
    rows = next(iter(runs.values()))
    assert [r["outcome"] for r in rows] == ["failed", "failed"]
    assert "the body failed on purpose" in rows[0]["error"]
    (st,) = state.values()
    assert st["totals"]["failed"] == 2 and st["next"] == T0 + 3


def test_cron_expression_in_a_time_zone(store):
    def setup(space):
        link = space.eval_atomese(every(1000))
        link.set_value(space.add_node("Predicate", "schedule:cron"),
                       atomtrig.StringValue("0 9 * * *"))
        link.set_value(space.add_node("Predicate", "schedule:tz"),
                       atomtrig.StringValue("Europe/Paris"))

    edit(store, fn=setup)
    start = 1_767_225_600.0  # 2026-01-01 00:00 UTC (winter: Paris is UTC+1)
    clock = ManualWallClock(start)
    runner = make(store, clock)
    assert runner.step() == start + 8 * 3600  # 09:00 in Paris
    clock.advance(8 * 3600)
    assert runner.step() == start + 24 * 3600 + 8 * 3600
    runner.close()
    assert schedule_procs.CALLS == [start + 8 * 3600]


def test_a_bad_schedule_value_is_reported_and_never_run(store):
    def setup(space):
        link = space.eval_atomese(every(1000))
        link.set_value(space.add_node("Predicate", "schedule:cron"),
                       atomtrig.StringValue("every tuesday"))

    edit(store, fn=setup)
    clock = ManualWallClock(T0)
    runner = make(store, clock)
    assert runner.step() is None
    clock.advance(10)
    runner.step()
    runner.close()
    assert schedule_procs.CALLS == []
    space = atomtrig.AtomSpace.open(store, readonly=True)
    try:
        (row,) = list_rows(space)
    finally:
        space.close()
    assert "schedule:cron must be a cron expression" in row["last_error"]


def test_a_schedule_added_by_another_process_starts_running(store):
    edit(store, every(1000))
    clock = ManualWallClock(T0)
    runner = make(store, clock)
    runner.step()
    edit(store, every(500, extra='(ConceptNode "second")'))  # while the runner has it open
    runner.step()  # claims the new schedule: first due one period from now
    clock.advance(1.0)
    runner.step()
    runner.close()
    assert sorted(schedule_procs.CALLS) == [T0 + 0.5, T0 + 1.0, T0 + 1.0]


def _claim_and_die(path, clock, lease=10.0):
    """A runner that sees the schedule, claims its first due run and is killed before running
    it (its claim stays in the store); the schedule's id."""
    dead = make(path, clock, runner_id="dead", lease=lease)
    dead.step()  # seen: first due one period from now
    clock.advance(1)
    (claim,) = dead.backend.claim_schedules("dead", clock.time(), 10, lease)
    link = dead.store.atom_of(claim.trigger)
    sid = schedule_id(to_oneline(link))
    dead.stop()
    dead.space.close()
    return sid


def test_removal_stops_the_schedule(store):
    edit(store, every(1000))
    clock = ManualWallClock(T0)
    _claim_and_die(store, clock)
    edit(store, fn=lambda s: s.remove(s.get_atoms_by_type("ScheduledExecutionLink")[0]))
    runner = make(store, clock, runner_id="B")
    clock.advance(15)
    assert runner.step() is None
    assert runner.backend.schedule_rows() == []
    runner.close()
    assert schedule_procs.CALLS == []


def test_removal_by_a_run_of_the_runner_itself_stops_it(store):
    edit(store, every(1000))
    clock = ManualWallClock(T0)
    runner = make(store, clock)
    runner.step()
    clock.advance(1)
    runner.step()
    runner.space.remove(runner.space.get_atoms_by_type("ScheduledExecutionLink")[0])
    clock.advance(3)
    assert runner.step() is None
    runner.close()
    assert schedule_procs.CALLS == [T0 + 1]


@pytest.mark.parametrize(
    ("policy", "ran", "missed"),
    [
        ("coalesce", [T0 + 11], 9),
        ("all", [T0 + 8, T0 + 9, T0 + 10, T0 + 11], 6),
        ("skip", [T0 + 11], 9),
    ],
)
def test_downtime_catch_up_follows_the_misfire_policy(store, policy, ran, missed):
    def setup(space):
        link = space.eval_atomese(every(1000))
        link.set_value(space.add_node("Predicate", "schedule:misfire"), atomtrig.StringValue(policy))
        link.set_value(space.add_node("Predicate", "schedule:max-catchup"), atomtrig.FloatValue(3))

    edit(store, fn=setup)
    clock = ManualWallClock(T0)
    before = make(store, clock)
    before.step()
    clock.advance(1)
    before.step()
    before.close()  # down from T0+1 ...
    clock.advance(10.5)  # ... to T0+11.5: due times T0+2 .. T0+11 passed, T0+11 within grace
    after = make(store, clock, runner_id="B")
    assert after.step() == T0 + 12
    after.close()
    assert schedule_procs.CALLS == [T0 + 1, *ran]
    state, runs = read(store)
    (st,) = state.values()
    rows = next(iter(runs.values()))
    (miss,) = [r for r in rows if r["outcome"] == "missed"]
    assert miss["count"] == missed and st["totals"]["missed"] == missed
    assert miss["due"] == T0 + 2  # the oldest missed due time, recorded
    done = [r for r in rows if r["outcome"] == "done" and r["runner"] == "B"]
    assert len(done) == len(ran)
    if policy == "coalesce":  # the one run stands for all ten due times
        assert done[0]["covers"] == 10
    else:  # each due time was either run or recorded missed
        assert len(done) + missed == 10


def test_lease_take_over(store):
    def setup(space):
        link = space.eval_atomese(every(1000))
        link.set_value(space.add_node("Predicate", "schedule:grace"), atomtrig.FloatValue(30))

    edit(store, fn=setup)
    clock = ManualWallClock(T0)
    sid = _claim_and_die(store, clock, lease=10)  # claimed at T0+1 until T0+11
    clock.advance(1)
    live = make(store, clock, runner_id="B", lease=10)
    assert live.step() == T0 + 11  # waits for the lease to expire
    assert schedule_procs.CALLS == []
    clock.advance(9.5)
    live.step()
    live.close()
    assert schedule_procs.CALLS[0] == T0 + 1  # run once, by B, after the take-over
    assert len(schedule_procs.CALLS) == len(set(schedule_procs.CALLS))
    _, runs = read(store)
    rows = runs[sid]
    assert rows[0]["outcome"] == "interrupted" and rows[0]["runner"] == "dead"
    assert rows[1]["due"] == T0 + 1 and rows[1]["runner"] == "B" and rows[1]["outcome"] == "done"


def test_two_runners_taking_turns_run_each_due_time_once(store):
    edit(store, every(250) + every(400, extra='(ConceptNode "c")'))
    clock = ManualWallClock(T0)
    a, b = make(store, clock, runner_id="A"), make(store, clock, runner_id="B")
    for i in range(40):
        runner = a if i % 3 else b
        runner.step()
        clock.advance(0.1)
    a.close()
    b.close()
    calls = schedule_procs.CALLS
    rounded = sorted(round(d - T0, 6) for d in calls)
    expected = sorted([round(0.25 * k, 6) for k in range(1, 16)] + [round(0.4 * k, 6) for k in range(1, 10)])
    assert rounded == expected  # every due time up to T0+3.9 ran, none twice


def test_stop_starts_no_new_run(store):
    edit(store, every(1000))
    clock = ManualWallClock(T0)
    runner = make(store, clock)
    runner.step()
    runner.stop()
    clock.advance(3)
    runner.run_forever()  # returns at once
    assert schedule_procs.CALLS == []
    runner.close()


def test_a_schedule_added_by_a_run_starts_without_a_reload(store):
    from atomtrig.query.grounded import grounded, unregister

    @grounded("schedule-test-add-one")
    def add_one(*atoms):
        from atomtrig.triggers import current_firing

        space = current_firing().trigger.link._space
        space.eval_atomese(every(500, extra='(ConceptNode "added by a run")'))

    try:
        edit(store, f'(ScheduledExecutionLink (NumberNode 1000) (ConceptNode "RunOnce") '
                    f'(ExecutionOutputLink (GroundedSchemaNode "py:schedule-test-add-one")))')
        clock = ManualWallClock(T0)
        runner = make(store, clock)
        runner.step()
        clock.advance(1)
        assert runner.step() == T0 + 1.5  # the new schedule, first due 500 ms after it was seen
        clock.advance(0.5)
        runner.step()
        runner.close()
        assert schedule_procs.CALLS == [T0 + 1.5]
    finally:
        unregister("schedule-test-add-one")
