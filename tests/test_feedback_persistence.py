"""Records, feedback definitions, queued evaluations and results survive a restart of the
store (``AtomSpace.open`` / ``close``)."""

from __future__ import annotations

from pathlib import Path

import atomtrig
from atomtrig.feedback import (
    DeferredEvaluator,
    Feedback,
    FeedbackResultStatus,
    Recorder,
    leaderboard,
    read_result,
    records,
    register,
    results,
)
from atomtrig.feedback.store import definitions, queued


def word_count(text: str) -> float:
    return float(len(text.split()))


def has_question(text: str) -> float:
    return float("?" in text)


def answer(question: str) -> str:
    return f"you asked: {question}"


def test_results_and_queue_survive_a_restart(tmp_path: Path, monkeypatch) -> None:
    from atomtrig.query import allowlist

    # The restarted server runs the stored deferred feedback: its module is allowed, as with
    # `atomtrig feedback serve --allow-module`.
    monkeypatch.setattr(allowlist, "_modules", {__name__})
    path = tmp_path / "feedback.db"
    space = atomtrig.AtomSpace.open(path)
    recorder = Recorder(answer, app_id="qa", space=space)
    register(space, "qa", [Feedback(word_count).on_output()], mode="with_app")
    register(space, "qa", [Feedback(has_question).on_input()], mode="deferred")
    made = [recorder.with_record(q)[1] for q in ("why?", "how are you?", "hello")]
    assert all(read_result(space, r, "word_count").status is FeedbackResultStatus.DONE for r in made)  # type: ignore[union-attr]
    assert len(list(queued(space))) == 3
    space.close()

    # Restart: everything is back, and the deferred server picks up the queue.
    again = atomtrig.AtomSpace.open(path)
    assert [r.main_input for r in records(again, "qa")] == ["why?", "how are you?", "hello"]
    assert [results(again, r.record_id)["word_count"].result for r in made] == [3.0, 5.0, 3.0]
    assert read_result(again, made[0].record_id, "has_question").status is FeedbackResultStatus.NONE  # type: ignore[union-attr]
    assert set(definitions(again, "qa")) == {"word_count", "has_question"}
    assert DeferredEvaluator(again).run_once() == 3
    again.close()

    third = atomtrig.AtomSpace.open(path)
    assert [read_result(third, r.record_id, "has_question").result for r in made] == [1.0, 1.0, 0.0]  # type: ignore[union-attr]
    assert list(queued(third)) == []
    rows = {row.feedback: row for row in leaderboard(third)}
    assert rows["word_count"].mean == 11 / 3 and rows["has_question"].mean == 2 / 3
    # The stored trigger still fires for new records after the restart: the deferred one
    # queues, and the with-app one runs from its stored (importable) definition.
    new = Recorder(answer, app_id="qa", space=third).with_record("again?")[1]
    assert read_result(third, new, "word_count").result == 3.0  # type: ignore[union-attr]
    assert read_result(third, new, "has_question").status is FeedbackResultStatus.NONE  # type: ignore[union-attr]
    third.close()
