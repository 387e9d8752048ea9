"""Records and feedback results as atoms; reading them back; evaluating stored records;
the leaderboard."""

from __future__ import annotations

import math

import pytest

import atomtrig
from atomtrig.feedback import (
    Feedback,
    FeedbackError,
    FeedbackResultStatus,
    Lens,
    Record,
    RecordAppCall,
    Recorder,
    add_record,
    evaluate_records,
    get_record,
    leaderboard,
    read_result,
    records,
    results,
)
from atomtrig.feedback.store import RECORD_KEY, record_app_id, record_atom


def length(text: str) -> float:
    return float(len(text))


def shouted(text: str) -> float:
    return float(text.isupper())


def test_a_record_is_an_atom_linked_to_its_app() -> None:
    space = atomtrig.AtomSpace()
    record = Record(app_id="qa", main_input="q", main_output="a", calls=[RecordAppCall("r.get", {"k": 1}, [1, 2])])
    atom = add_record(space, record)
    assert atom.type.name == "AppRecordNode" and atom.name == record.record_id
    app = space.get_node("AppNode", "qa")
    assert app is not None
    assert space.get_link("MemberLink", (atom, app)) is not None
    assert record_app_id(atom) == "qa"
    assert isinstance(atom.get_value(RECORD_KEY), atomtrig.StringValue)
    assert get_record(space, record.record_id) == record
    assert get_record(space, atom) == record
    assert records(space, "qa") == [record] and records(space) == [record] and records(space, "other") == []


def test_records_are_listed_oldest_first() -> None:
    space = atomtrig.AtomSpace()
    made = [Record(app_id="a", main_output=str(i), ts=100.0 - i) for i in range(5)]
    for record in made:
        add_record(space, record)
    assert [r.main_output for r in records(space, "a")] == ["4", "3", "2", "1", "0"]


def test_unknown_records_and_bad_input() -> None:
    space = atomtrig.AtomSpace()
    with pytest.raises(FeedbackError, match="no record 'nope'"):
        get_record(space, "nope")
    with pytest.raises(FeedbackError):
        add_record(space, {"app_id": "x"})  # type: ignore[arg-type]
    with pytest.raises(FeedbackError):
        record_atom(space, space.add_node("Concept", "x"))
    with pytest.raises(FeedbackError):
        add_record(space, Record(app_id=""))


def test_evaluate_stored_records_and_read_results_back() -> None:
    space = atomtrig.AtomSpace()
    recorder = Recorder(str.upper, app_id="up", space=space)
    for word in ("a", "bb", "ccc"):
        recorder(word)
    done = evaluate_records(space, [Feedback(length).on_output(), Feedback(shouted).on_output()], app_id="up")
    assert len(done) == 6 and all(r.status is FeedbackResultStatus.DONE for r in done)
    stored = [results(space, r) for r in records(space, "up")]
    assert [s["length"].result for s in stored] == [1.0, 2.0, 3.0]
    assert all(s["shouted"].result == 1.0 for s in stored)
    assert stored[0]["length"].calls[0].args == {"text": "A"}


def test_evaluate_records_can_keep_done_results() -> None:
    space = atomtrig.AtomSpace()
    atom = add_record(space, Record(app_id="a", main_output="xyz"))
    evaluate_records(space, [Feedback(length).on_output()], records=[atom])
    first = read_result(space, atom, "length")
    assert evaluate_records(space, [Feedback(length).on_output()], app_id="a", overwrite=False) == []
    assert read_result(space, atom, "length") == first
    again = evaluate_records(space, [Feedback(length).on_output()], app_id="a")
    assert len(again) == 1 and again[0].feedback_result_id != first.feedback_result_id  # type: ignore[union-attr]


def test_a_result_replaces_the_previous_one_of_the_same_feedback() -> None:
    space = atomtrig.AtomSpace()
    atom = add_record(space, Record(app_id="a", main_output="xyz"))
    evaluate_records(space, [Feedback(length).on_output()], app_id="a")
    evaluate_records(space, [Feedback(lambda text: 0.5, name="length").on_output()], app_id="a")
    assert list(results(space, atom)) == ["length"]
    assert results(space, atom)["length"].result == 0.5


def test_leaderboard_means_per_app_and_feedback() -> None:
    space = atomtrig.AtomSpace()
    for app, outputs in (("short", ["a", "bb"]), ("long", ["aaaa", "bbbbbb", "C"])):
        for text in outputs:
            add_record(space, Record(app_id=app, main_output=text))
    evaluate_records(space, [Feedback(length).on_output(), Feedback(shouted, higher_is_better=False).on_output()])

    def multi(text: str) -> dict[str, float]:
        return {"chars": float(len(text)), "vowels": float(sum(c in "aeiou" for c in text))}

    evaluate_records(space, [Feedback(multi).on_output()], app_id="short")
    rows = {(r.app_id, r.feedback): r for r in leaderboard(space)}
    assert rows[("long", "length")].mean == pytest.approx(11 / 3) and rows[("long", "length")].count == 3
    assert rows[("short", "length")].mean == pytest.approx(1.5)
    assert rows[("long", "shouted")].mean == pytest.approx(1 / 3)
    assert rows[("long", "shouted")].higher_is_better is False
    assert rows[("short", "multi/vowels")].mean == pytest.approx(0.5)
    assert ("long", "multi/chars") not in rows
    assert [r.app_id for r in leaderboard(space, "short")] == ["short"] * 4


def test_leaderboard_ignores_failed_results_and_nan_scores() -> None:
    space = atomtrig.AtomSpace()
    add_record(space, Record(app_id="a", main_output="ab"))
    add_record(space, Record(app_id="a", main_output=None))

    def maybe(text: str | None) -> float:
        if text is None:
            raise ValueError("no text")
        return 1.0

    evaluate_records(space, [Feedback(maybe).on_output()])
    (row,) = leaderboard(space)
    assert row.mean == 1.0 and row.count == 1
    evaluate_records(space, [Feedback(lambda text: math.nan, name="maybe").on_output()])
    (row,) = leaderboard(space)
    assert math.isnan(row.mean) and row.count == 0


def test_selectors_on_stored_records_see_the_call_layout() -> None:
    space = atomtrig.AtomSpace()
    add_record(space, Record(app_id="a", calls=[RecordAppCall("retriever.retrieve", {"q": "x"}, ["d1", "d2"])]))

    def doc_len(doc: str) -> float:
        return float(len(doc))

    (result,) = evaluate_records(space, [Feedback(doc_len).on(Lens().__record__.app.retriever.retrieve.rets[:])])
    assert [c.args["doc"] for c in result.calls] == ["d1", "d2"] and result.result == 2.0
