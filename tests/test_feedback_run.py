"""The feedback programming model: builders, argument binding, combinations, aggregation,
skipping, missing selections and failures — as TruLens defines them."""

from __future__ import annotations

import math
import warnings

import numpy
import pytest

from atomtrig.feedback import (
    Feedback,
    FeedbackCombinations,
    FeedbackError,
    FeedbackOnMissingParameters,
    FeedbackResultStatus,
    FeedbackWarning,
    Lens,
    Select,
    SkipEval,
)

SOURCE = {"a": [1, 2, 3], "b": [0.1, 0.2]}


def ten_a_plus_b(a: float, b: float) -> float:
    return 10 * a + b


def sliced() -> Feedback:
    return Feedback(ten_a_plus_b).on(a=Lens().a[:], b=Lens().b[:])


# -- the figures of issue 10 ---------------------------------------------------------------------
def test_product_calls_in_order_and_mean() -> None:
    result = sliced().run(source_data=SOURCE)
    assert result.status is FeedbackResultStatus.DONE
    assert [(c.args["a"], c.args["b"]) for c in result.calls] == [
        (1, 0.1), (1, 0.2), (2, 0.1), (2, 0.2), (3, 0.1), (3, 0.2),
    ]
    assert [c.ret for c in result.calls] == pytest.approx([10.1, 10.2, 20.1, 20.2, 30.1, 30.2])
    assert result.result == pytest.approx(20.15)


def test_numpy_min_aggregate() -> None:
    assert sliced().aggregate(numpy.min).run(source_data=SOURCE).result == pytest.approx(10.1)


def test_zip_combinations() -> None:
    result = sliced().aggregate(combinations=FeedbackCombinations.ZIP).run(source_data=SOURCE)
    assert [(c.args["a"], c.args["b"]) for c in result.calls] == [(1, 0.1), (2, 0.2)]
    assert result.result == pytest.approx(15.15)
    assert Feedback(ten_a_plus_b, combinations="zip").on(a=Lens().a[:], b=Lens().b[:]).run(
        source_data=SOURCE
    ).result == pytest.approx(15.15)


def test_run_keyword_replaces_a_selection() -> None:
    result = sliced().run(source_data=SOURCE, b=5.0)
    assert [c.args["b"] for c in result.calls] == [5.0, 5.0, 5.0]
    assert result.result == pytest.approx(25.0)


def only_even(n: int) -> float:
    if n % 2:
        raise SkipEval(f"{n} is odd")
    return float(n)


def test_skip_eval_leaves_calls_out_of_the_aggregate() -> None:
    feedback = Feedback(only_even).on(Lens().xs[:])
    result = feedback.run(source_data={"xs": [1, 2, 3, 4, 5, 6]})
    assert result.result == pytest.approx((2 + 4 + 6) / 3)
    assert [c.args["n"] for c in result.calls] == [2, 4, 6]
    odd = feedback.run(source_data={"xs": [1, 3, 5]})
    assert math.isnan(odd.result)
    assert odd.status is FeedbackResultStatus.DONE
    assert odd.error is None


def test_no_values_at_all_gives_nan_done() -> None:
    result = Feedback(only_even).on(Lens().xs[:]).run(source_data={"xs": []})
    assert math.isnan(result.result) and result.status is FeedbackResultStatus.DONE


# -- builders and binding ------------------------------------------------------------------------
def question_answer(question: str, answer: str) -> float:
    return float(question in answer)


def output_only(text: str) -> float:
    return float(len(text))


RECORD = {"main_input": "cat", "main_output": "the cat sat", "calls": [{"args": {"x": 1}, "rets": 2}]}


def test_builders_return_new_feedbacks() -> None:
    base = Feedback(question_answer)
    bound = base.on_input()
    assert base.selectors == {}
    assert bound.selectors == {"question": Select.RecordInput}
    assert bound is not base


def test_on_input_output_and_aliases() -> None:
    for feedback in (
        Feedback(question_answer).on_input_output(),
        Feedback(question_answer).on_input().on_output(),
        Feedback(question_answer).on_prompt().on_response(),
        Feedback(question_answer).on_default(),
    ):
        assert feedback.selectors == {"question": Select.RecordInput, "answer": Select.RecordOutput}
        assert feedback.run(record=RECORD).result == 1.0


def test_on_default_with_one_parameter_is_the_output() -> None:
    feedback = Feedback(output_only).on_default()
    assert feedback.selectors == {"text": Select.RecordOutput}
    assert feedback.run(record=RECORD).result == 11.0
    with pytest.raises(FeedbackError, match="one or two"):
        Feedback(lambda a, b, c: 0.0).on_default()


def test_named_arguments_to_on_input_and_on_output() -> None:
    feedback = Feedback(question_answer).on_output("answer").on_input("question")
    assert feedback.selectors == {"answer": Select.RecordOutput, "question": Select.RecordInput}


def test_positional_selectors_bind_next_unbound_parameter_in_signature_order() -> None:
    feedback = Feedback(ten_a_plus_b).on(b=Lens().b[0]).on(Lens().a[1])
    assert feedback.selectors == {"b": Lens().b[0], "a": Lens().a[1]}
    assert feedback.run(source_data=SOURCE).result == pytest.approx(20.1)


def test_selectors_may_be_given_as_text() -> None:
    feedback = Feedback(ten_a_plus_b).on("a[0]", b="b[1]")
    assert feedback.selectors == {"a": Lens().a[0], "b": Lens().b[1]}
    assert feedback.run(source_data=SOURCE).result == pytest.approx(10.2)


def test_binding_errors() -> None:
    with pytest.raises(FeedbackError, match="no parameter 'c'"):
        Feedback(ten_a_plus_b).on(c=Lens().x)
    with pytest.raises(FeedbackError, match="every parameter"):
        Feedback(ten_a_plus_b).on(Lens().a, Lens().b, Lens().c)
    with pytest.raises(FeedbackError, match="every parameter"):
        Feedback(output_only).on_input_output()
    with pytest.raises(FeedbackError, match="no parameter 'zz'"):
        sliced().run(source_data=SOURCE, zz=1)
    with pytest.raises(FeedbackError):
        Feedback("not callable")  # type: ignore[arg-type]
    with pytest.raises(FeedbackError):
        Feedback(ten_a_plus_b, if_missing="sometimes")


def test_name_defaults_to_the_implementation_name() -> None:
    assert Feedback(ten_a_plus_b).name == "ten_a_plus_b"
    assert Feedback(ten_a_plus_b, name="score").name == "score"
    assert Feedback(ten_a_plus_b).run(source_data=SOURCE, a=1, b=2).name == "ten_a_plus_b"


def test_selectors_read_record_app_and_source_data() -> None:
    def three(x: int, y: str, z: int) -> float:
        return float(x + len(y) + z)

    feedback = Feedback(three).on(Select.RecordArgs.x, Select.App.name, Lens().extra)
    result = feedback.run(app={"name": "four"}, record=RECORD, source_data={"extra": 100})
    assert result.result == 105.0
    last_call = {"calls": [{"rets": "no"}, {"rets": "abc"}]}
    assert Feedback(output_only).on(Select.RecordRets).run(record=last_call).result == 3.0


def test_a_parameter_with_a_default_may_stay_unbound() -> None:
    def scaled(x: float, factor: float = 2.0) -> float:
        return x * factor

    assert Feedback(scaled).on(Lens().x).run(source_data={"x": 3}).result == 6.0
    unbound = Feedback(ten_a_plus_b).on(Lens().a[0]).run(source_data=SOURCE)
    assert unbound.status is FeedbackResultStatus.FAILED and "'b'" in (unbound.error or "")


# -- return values ---------------------------------------------------------------------------
def test_score_with_metadata_keeps_the_metadata() -> None:
    def with_reason(text: str) -> tuple[float, dict[str, str]]:
        return 0.5, {"reason": f"{text} is fine"}

    result = Feedback(with_reason).on_output().run(record=RECORD)
    assert result.result == 0.5
    assert result.calls[0].meta == {"reason": "the cat sat is fine"}


def test_dict_return_is_a_multi_result() -> None:
    def several(n: int) -> dict[str, float]:
        return {"double": 2.0 * n, "square": float(n * n)}

    result = Feedback(several).on(Lens().xs[:]).run(source_data={"xs": [1, 2, 3]})
    assert result.status is FeedbackResultStatus.DONE
    assert math.isnan(result.result)
    assert result.multi_result == {"double": pytest.approx(4.0), "square": pytest.approx(14 / 3)}
    assert [c.ret for c in result.calls][0] == {"double": 2.0, "square": 1.0}


def test_numpy_scores_are_accepted() -> None:
    result = Feedback(numpy.mean).on(Lens().xs).run(source_data={"xs": [1, 2]})
    assert result.result == 1.5 and isinstance(result.result, float)


@pytest.mark.parametrize("bad", ["high", None, [1.0], {"k": "v"}])
def test_a_non_numeric_return_fails(bad: object) -> None:
    result = Feedback(lambda text: bad).on_output().run(record=RECORD)
    assert result.status is FeedbackResultStatus.FAILED
    assert "number" in (result.error or "")


def test_mixing_numbers_and_dicts_fails() -> None:
    result = Feedback(lambda n: {"k": 1.0} if n else 1.0).on(Lens().xs[:]).run(source_data={"xs": [0, 1]})
    assert result.status is FeedbackResultStatus.FAILED


# -- failures, missing selections, if_exists -----------------------------------------------------
def boom(text: str) -> float:
    raise ValueError(f"cannot score {text!r}")


def test_an_exception_gives_a_failed_result_with_the_traceback() -> None:
    result = Feedback(boom).on_output().run(record=RECORD)
    assert result.status is FeedbackResultStatus.FAILED
    assert math.isnan(result.result)
    assert "Traceback" in (result.error or "")
    assert "ValueError: cannot score 'the cat sat'" in (result.error or "")
    assert "in boom" in (result.error or "")


def test_a_failing_aggregator_fails_the_result() -> None:
    result = sliced().aggregate(lambda scores: 1 / 0).run(source_data=SOURCE)
    assert result.status is FeedbackResultStatus.FAILED and "ZeroDivisionError" in (result.error or "")


def test_missing_selection_error_warn_ignore() -> None:
    record = {"main_input": "cat"}  # no main_output
    failed = Feedback(output_only).on_output().run(record=record)
    assert failed.status is FeedbackResultStatus.FAILED
    assert "__record__.main_output" in (failed.error or "")

    warn = Feedback(output_only, if_missing=FeedbackOnMissingParameters.WARN).on_output()
    with pytest.warns(FeedbackWarning, match="main_output"):
        warned = warn.run(record=record)
    assert warned.status is FeedbackResultStatus.SKIPPED and not warned.calls

    ignore = Feedback(output_only, if_missing="ignore").on_output()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ignored = ignore.run(record=record)
    assert ignored.status is FeedbackResultStatus.SKIPPED


def test_if_exists_skips_when_its_selector_finds_nothing() -> None:
    feedback = Feedback(output_only, if_exists=Select.RecordCalls.retriever).on_output()
    skipped = feedback.run(record=RECORD)
    assert skipped.status is FeedbackResultStatus.SKIPPED and not skipped.calls
    ran = feedback.run(record={**RECORD, "app": {"retriever": {"retrieve": []}}})
    assert ran.status is FeedbackResultStatus.DONE and ran.result == 11.0
    empty = Feedback(output_only, if_exists="xs[:]").on_output().run(record=RECORD, source_data={"xs": []})
    assert empty.status is FeedbackResultStatus.SKIPPED


def test_results_round_trip_through_json() -> None:
    from atomtrig.feedback import FeedbackResult

    for result in (
        sliced().run(source_data=SOURCE),
        Feedback(boom).on_output().run(record=RECORD),
        Feedback(only_even).on(Lens().xs[:]).run(source_data={"xs": [1]}),
    ):
        again = FeedbackResult.from_json(result.to_json())
        assert again == result
        assert again.status is result.status
        assert (math.isnan(again.result) and math.isnan(result.result)) or again.result == result.result


# -- properties of combination and aggregation ---------------------------------------------------
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_small = st.lists(st.integers(-100, 100), max_size=5)


@settings(max_examples=60, deadline=None)
@given(_small, _small)
def test_calls_follow_product_or_zip_order_and_aggregate_to_the_mean(xs: list[int], ys: list[int]) -> None:
    import itertools
    import statistics

    data = {"a": xs, "b": ys}
    for combinations, expected in (("product", list(itertools.product(xs, ys))), ("zip", list(zip(xs, ys)))):
        result = Feedback(ten_a_plus_b, combinations=combinations).on(a=Lens().a[:], b=Lens().b[:]).run(source_data=data)
        assert result.status is FeedbackResultStatus.DONE
        assert [(c.args["a"], c.args["b"]) for c in result.calls] == expected
        if expected:
            assert result.result == pytest.approx(statistics.fmean(10 * a + b for a, b in expected))
        else:
            assert math.isnan(result.result)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 50), max_size=8))
def test_skipped_calls_never_reach_the_aggregate(ns: list[int]) -> None:
    result = Feedback(only_even).on(Lens().xs[:]).run(source_data={"xs": ns})
    evens = [n for n in ns if n % 2 == 0]
    assert [c.args["n"] for c in result.calls] == evens
    assert result.status is FeedbackResultStatus.DONE
    if evens:
        assert result.result == pytest.approx(sum(evens) / len(evens))
    else:
        assert math.isnan(result.result)
