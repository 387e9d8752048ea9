"""Feedbacks as triggers on an app's new records: with the app, in the background pool, and
deferred to a server that retries stuck and failed results (driven by a hand-moved clock)."""

from __future__ import annotations

import math
import statistics
import threading

import pytest

import atomtrig
from atomtrig.feedback import (
    DeferredEvaluator,
    Feedback,
    FeedbackMode,
    FeedbackResult,
    FeedbackResultStatus,
    NotImportableError,
    Record,
    Recorder,
    add_record,
    read_result,
    register,
    results,
    wait,
)
from atomtrig.feedback.runner import runner_for
from atomtrig.feedback.store import definitions, queued, write_result

@pytest.fixture(autouse=True)
def this_module_allowed():
    """Stored (deferred) feedbacks name their code; the user allows this module to run, as
    `--allow-module` does for a server (the suite's conftest restores the allow-list)."""
    atomtrig.allow_module(__name__)


# Module-level, so that deferred mode can import them by name.
THREADS: list[int] = []
FLAKY_FAILURES = {"left": 0}


def length(text: str) -> float:
    THREADS.append(threading.get_ident())
    return float(len(text))


def flaky(text: str) -> float:
    if FLAKY_FAILURES["left"] > 0:
        FLAKY_FAILURES["left"] -= 1
        raise ConnectionError("provider unavailable")
    return float(len(text))


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def echo(text: str) -> str:
    return text + "!"


@pytest.fixture(autouse=True)
def _reset() -> None:
    THREADS.clear()
    FLAKY_FAILURES["left"] = 0


# -- with the app ------------------------------------------------------------------------------
def test_with_app_evaluates_before_the_recorded_call_returns() -> None:
    space = atomtrig.AtomSpace()
    recorder = Recorder(echo, app_id="echo", space=space, feedbacks=[Feedback(length).on_output()], feedback_mode="with_app")
    out, record = recorder.with_record("abc")
    result = read_result(space, record, "length")  # no waiting
    assert result is not None and result.status is FeedbackResultStatus.DONE
    assert result.result == 4.0 and result.record_id == record.record_id and result.app_id == "echo"
    assert THREADS == [threading.get_ident()]


def test_feedbacks_only_fire_for_their_own_app() -> None:
    space = atomtrig.AtomSpace()
    register(space, "one", [Feedback(length).on_output()], mode="with_app")
    other = add_record(space, Record(app_id="two", main_output="xyz"))
    mine = add_record(space, Record(app_id="one", main_output="xy"))
    assert results(space, other) == {}
    assert results(space, mine)["length"].result == 2.0


# -- in the background pool (the default) ------------------------------------------------------
def test_background_mode_is_the_default_and_runs_in_other_threads() -> None:
    space = atomtrig.AtomSpace()
    recorder = Recorder(echo, app_id="echo", space=space, feedbacks=[Feedback(length).on_output()])
    assert runner_for(space).registered("echo") == {"length": FeedbackMode.WITH_APP_THREAD}
    made = [recorder.with_record("x" * n)[1] for n in range(20)]
    assert wait(space, timeout=30)
    for n, record in enumerate(made):
        result = read_result(space, record, "length")
        assert result is not None and result.status is FeedbackResultStatus.DONE
        assert result.result == n + 1
    assert threading.get_ident() not in THREADS and len(THREADS) == 20


def test_background_failures_are_stored_as_failed_results() -> None:
    space = atomtrig.AtomSpace()
    FLAKY_FAILURES["left"] = 1
    register(space, "app", [Feedback(flaky).on_output()])
    atom = add_record(space, Record(app_id="app", main_output="abc"))
    assert wait(space, timeout=30)
    result = read_result(space, atom, "flaky")
    assert result is not None and result.status is FeedbackResultStatus.FAILED
    assert "ConnectionError: provider unavailable" in (result.error or "")


def test_mode_none_stores_records_only() -> None:
    space = atomtrig.AtomSpace()
    register(space, "app", [Feedback(length).on_output()], mode=FeedbackMode.NONE)
    atom = add_record(space, Record(app_id="app", main_output="abc"))
    assert wait(space, timeout=5)
    assert results(space, atom) == {}


def test_bad_registrations() -> None:
    space = atomtrig.AtomSpace()
    with pytest.raises(atomtrig.feedback.FeedbackError, match="unknown feedback mode"):
        register(space, "app", [Feedback(length).on_output()], mode="eventually")
    with pytest.raises(atomtrig.feedback.FeedbackError, match="unique"):
        register(space, "app", [Feedback(length).on_output(), Feedback(length).on_input()])


# -- deferred ------------------------------------------------------------------------------------
def test_deferred_implementations_must_be_importable() -> None:
    space = atomtrig.AtomSpace()

    def local(text: str) -> float:
        return 0.0

    for imp in (local, lambda text: 0.0):
        with pytest.raises(NotImportableError):
            register(space, "app", [Feedback(imp).on_output()], mode="deferred")
    with pytest.raises(NotImportableError, match="aggregator"):
        register(space, "app", [Feedback(length, agg=lambda xs: 0.0).on_output()], mode="deferred")
    assert definitions(space, "app") == {}
    # Importable ones, including numpy and statistics functions, are accepted.
    import numpy

    register(space, "app", [Feedback(length, agg=numpy.min).on_output(), Feedback(statistics.fmean, name="m").on_output()], mode="deferred")
    assert set(definitions(space, "app")) == {"length", "m"}
    assert definitions(space, "app")["length"]["agg"] == "numpy:min"


def test_deferred_queues_in_the_store_and_the_server_evaluates() -> None:
    space = atomtrig.AtomSpace()
    clock = Clock()
    register(space, "app", [Feedback(length).on_output()], mode="deferred")
    atom = add_record(space, Record(app_id="app", main_output="abcd"))
    pending = read_result(space, atom, "length")
    assert pending is not None and pending.status is FeedbackResultStatus.NONE and math.isnan(pending.result)
    assert list(queued(space)) == [(atom, "length")]
    assert THREADS == []  # nothing ran in the app's process

    server = DeferredEvaluator(space, clock=clock)
    assert server.run_once() == 1
    done = read_result(space, atom, "length")
    assert done is not None and done.status is FeedbackResultStatus.DONE and done.result == 4.0
    assert done.attempts == 1 and done.feedback_result_id == pending.feedback_result_id
    assert list(queued(space)) == []
    assert server.run_once() == 0


def test_deferred_failed_results_are_retried_after_300_seconds() -> None:
    space = atomtrig.AtomSpace()
    clock = Clock()
    FLAKY_FAILURES["left"] = 2
    register(space, "app", [Feedback(flaky).on_output()], mode="deferred")
    atom = add_record(space, Record(app_id="app", main_output="abc"))
    server = DeferredEvaluator(space, clock=clock)

    assert server.run_once() == 1
    first = read_result(space, atom, "flaky")
    assert first is not None and first.status is FeedbackResultStatus.FAILED and first.attempts == 1
    clock.advance(299.0)
    assert server.run_once() == 0 and server.last_stats.waiting == 1
    clock.advance(1.0)
    assert server.run_once() == 1
    second = read_result(space, atom, "flaky")
    assert second is not None and second.status is FeedbackResultStatus.FAILED and second.attempts == 2
    clock.advance(300.0)
    assert server.run_once() == 1
    third = read_result(space, atom, "flaky")
    assert third is not None and third.status is FeedbackResultStatus.DONE and third.result == 3.0
    assert third.attempts == 3 and list(queued(space)) == []


def test_deferred_results_stuck_running_are_retried_after_60_seconds() -> None:
    space = atomtrig.AtomSpace()
    clock = Clock()
    register(space, "app", [Feedback(length).on_output()], mode="deferred")
    atom = add_record(space, Record(app_id="app", main_output="ab"))
    # A worker marked the result running, then died.
    write_result(
        space,
        atom,
        FeedbackResult(name="length", status=FeedbackResultStatus.RUNNING, record_id=atom.name, app_id="app", last_ts=clock(), attempts=1),
    )
    server = DeferredEvaluator(space, clock=clock)
    clock.advance(59.0)
    assert server.run_once() == 0
    assert read_result(space, atom, "length").status is FeedbackResultStatus.RUNNING  # type: ignore[union-attr]
    clock.advance(1.0)
    assert server.run_once() == 1
    result = read_result(space, atom, "length")
    assert result is not None and result.status is FeedbackResultStatus.DONE and result.attempts == 2


def test_deferred_server_loop_in_a_thread() -> None:
    space = atomtrig.AtomSpace()
    register(space, "app", [Feedback(length).on_output()], mode="deferred")
    stop = threading.Event()
    server = DeferredEvaluator(space)
    worker = threading.Thread(target=server.serve, args=(stop, 0.01))
    worker.start()
    try:
        atoms = [add_record(space, Record(app_id="app", main_output="x" * n)) for n in range(1, 6)]
        pause = threading.Event()
        for _ in range(1000):
            if all((r := read_result(space, a, "length")) is not None and r.status is FeedbackResultStatus.DONE for a in atoms):
                break
            pause.wait(0.01)
    finally:
        stop.set()
        worker.join(10)
    assert [read_result(space, a, "length").result for a in atoms] == [1.0, 2.0, 3.0, 4.0, 5.0]  # type: ignore[union-attr]
    assert not worker.is_alive()
    assert set(THREADS) == {worker.ident}


def test_deferred_with_a_definition_that_no_longer_imports_fails_and_stays_queued() -> None:
    space = atomtrig.AtomSpace()
    clock = Clock()
    register(space, "app", [Feedback(length).on_output()], mode="deferred")
    from atomtrig.feedback.store import DEFINITION_KEY, FEEDBACK_NODE, app_node

    link = space.get_link("MemberLink", (space.get_node(FEEDBACK_NODE, "length"), app_node(space, "app")))
    assert link is not None
    text = link.get_value(DEFINITION_KEY).items[0].replace("test_feedback_modes:length", "no_such_module_xyz:length")
    link.set_value(DEFINITION_KEY, atomtrig.StringValue(text))
    atom = add_record(space, Record(app_id="app", main_output="ab"))
    server = DeferredEvaluator(space, clock=clock)
    assert server.run_once() == 1
    result = read_result(space, atom, "length")
    assert result is not None and result.status is FeedbackResultStatus.FAILED
    assert "no_such_module_xyz" in (result.error or "")
    assert list(queued(space)) == [(atom, "length")]


# -- the trigger links -----------------------------------------------------------------------------
def test_registering_adds_one_trigger_link_per_feedback_with_the_mode_as_trigger_mode() -> None:
    space = atomtrig.AtomSpace()
    register(space, "app", [Feedback(length).on_output()], mode="with_app")
    register(space, "app", [Feedback(flaky).on_output()])
    app = space.get_node("AppNode", "app")
    triggers = {
        link.out[1].out[0].name: link for link in app.incoming_by_type("RelationshipTriggerLink")  # type: ignore[union-attr]
    }
    assert set(triggers) == {"py:atomtrig-feedback:length", "py:atomtrig-feedback:flaky"}
    assert triggers["py:atomtrig-feedback:length"].get_value("trigger:mode").items[0] == "sync"
    assert triggers["py:atomtrig-feedback:flaky"].get_value("trigger:mode").items[0] == "async"
    atom = add_record(space, Record(app_id="app", main_output="abc"))
    assert space.wait_for_triggers(30)
    assert {n: r.result for n, r in results(space, atom).items()} == {"flaky": 3.0, "length": 3.0}

    # Registering again changes the mode; NONE removes the trigger.
    register(space, "app", [Feedback(length).on_output()], mode="none")
    assert len(app.incoming_by_type("RelationshipTriggerLink")) == 1  # type: ignore[union-attr]
    later = add_record(space, Record(app_id="app", main_output="abcd"))
    assert space.wait_for_triggers(30)
    assert list(results(space, later)) == ["flaky"]


def test_feedback_registered_by_another_process_runs_from_its_stored_definition() -> None:
    space = atomtrig.AtomSpace()
    register(space, "app", [Feedback(length).on_output()], mode="with_app")
    runner_for(space)._registrations.clear()  # what a fresh process that reopened the store has
    atom = add_record(space, Record(app_id="app", main_output="abcde"))
    assert read_result(space, atom, "length").result == 5.0  # type: ignore[union-attr]


def test_unimportable_feedback_of_another_process_gives_a_failed_result() -> None:
    space = atomtrig.AtomSpace()
    register(space, "app", [Feedback(lambda text: 1.0, name="anon").on_output()], mode="with_app")
    runner_for(space)._registrations.clear()
    atom = add_record(space, Record(app_id="app", main_output="x"))
    result = read_result(space, atom, "anon")
    assert result is not None and result.status is FeedbackResultStatus.FAILED
    assert "register it again" in (result.error or "")


def test_a_deferred_server_refuses_stored_code_of_a_module_not_allowed() -> None:
    from atomtrig.query.allowlist import disallow_module

    space = atomtrig.AtomSpace()
    register(space, "app", [Feedback(length).on_output()], mode="deferred")
    runner_for(space)._registrations.clear()  # as in another process: only the store's definition
    atom = add_record(space, Record(app_id="app", main_output="abc"))
    disallow_module(__name__)
    calls = len(THREADS)
    server = DeferredEvaluator(space)
    server.run_once()
    result = read_result(space, atom, "length")
    assert result is not None and result.status is FeedbackResultStatus.FAILED
    assert f"--allow-module {__name__}" in (result.error or "")
    assert len(THREADS) == calls  # the implementation never ran
