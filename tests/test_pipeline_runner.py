"""Running pipelines: context, overlap of independent stages, failure semantics, concurrency, the
run-log shape, case suites, and the seed's examples."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from atomtrig.pipeline import (
    CaseError,
    Pipeline,
    PipelineError,
    arun_pipeline,
    check_cases,
    fill_ids,
    load_cases,
    run_pipeline,
)

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from examples.pipelines.arithmetic import ArithmeticPipeline  # noqa: E402
from examples.pipelines.dag import DiamondPipeline  # noqa: E402

EXAMPLES = ROOT / "examples" / "pipelines"
ARITHMETIC = [f"prepare.template={EXAMPLES / 'arithmetic_template.txt'}"]


def make(stages: Any, **attrs: Any) -> type[Pipeline]:
    return type("P", (Pipeline,), {"name": "p", "stages": lambda self: stages() if callable(stages) else stages, **attrs})


def test_each_stage_sees_the_context_and_its_inputs_results() -> None:
    seen: list[tuple[str, set[str], list[str]]] = []

    def stages() -> dict[str, Any]:
        async def first(context: dict[str, Any]) -> int:
            seen.append(("first", set(context), sorted(context["stages"])))
            return context["case"]["x"] + 1

        async def second(context: dict[str, Any]) -> int:
            seen.append(("second", set(context), sorted(context["stages"])))
            assert context["case"]["id"] == "c1"
            return context["stages"]["first"] * 10

        return {"first": first, "second": second}

    log = run_pipeline(make(stages), [{"id": "c1", "x": 4}])
    assert seen == [("first", {"case", "stages", "metadata"}, []),
                    ("second", {"case", "stages", "metadata"}, ["first"])]
    result = log["results"][0]
    assert result["succeeded"] is True
    assert result["case"] == {"id": "c1", "x": 4}
    assert result["stages"] == {"first": 5, "second": 50}


def test_stage_timings_are_recorded() -> None:
    def stages() -> dict[str, Any]:
        async def wait(context: dict[str, Any]) -> None:
            await asyncio.sleep(0.01)

        return {"a": wait, "b": wait}

    meta = run_pipeline(make(stages), [{"id": 1}])["results"][0]["metadata"]
    a, b = meta["stages"]["a"], meta["stages"]["b"]
    for t in (a, b):
        assert t["elapsed"] == pytest.approx(t["end"] - t["start"])
        assert t["elapsed"] >= 0.009
    assert a["end"] <= b["start"]
    assert meta["start"] <= a["start"] and b["end"] <= meta["end"]
    assert meta["elapsed"] == pytest.approx(meta["end"] - meta["start"])


def test_independent_stages_overlap() -> None:
    # B and C each wait for the other to have started: this only finishes if they run together.
    def stages() -> list[dict[str, Any]]:
        b_started, c_started = asyncio.Event(), asyncio.Event()

        async def a(context: dict[str, Any]) -> str:
            return "a"

        async def b(context: dict[str, Any]) -> str:
            b_started.set()
            await asyncio.wait_for(c_started.wait(), 2)
            return "b"

        async def c(context: dict[str, Any]) -> str:
            c_started.set()
            await asyncio.wait_for(b_started.wait(), 2)
            return "c"

        async def d(context: dict[str, Any]) -> str:
            return context["stages"]["B"] + context["stages"]["C"]

        return [{"name": "A", "function": a, "inputs": []}, {"name": "B", "function": b, "inputs": ["A"]},
                {"name": "C", "function": c, "inputs": ["A"]}, {"name": "D", "function": d, "inputs": ["B", "C"]}]

    result = run_pipeline(make(stages), [{"id": 1}])["results"][0]
    assert result["succeeded"], result["metadata"]["exception"]
    assert result["stages"]["D"] == "bc"
    t = result["metadata"]["stages"]
    assert t["B"]["start"] < t["C"]["end"] and t["C"]["start"] < t["B"]["end"]
    assert t["D"]["start"] >= max(t["B"]["end"], t["C"]["end"])


def test_seed_dag_runs_roots_together_and_computes_in_order() -> None:
    log = run_pipeline(DiamondPipeline, load_cases(EXAMPLES / "dag_cases.yaml"),
                       {"delays.A": 0.02, "delays.E": 0.02, "delays.B": 0.02, "delays.C": 0.02})
    small, large = log["results"]
    assert small["stages"] == {"A": 2, "B": 3, "C": 4, "D": 12, "E": 5, "F": 17}
    assert large["stages"]["F"] == 219
    t = small["metadata"]["stages"]
    assert t["A"]["start"] < t["E"]["end"] and t["E"]["start"] < t["A"]["end"]
    assert t["B"]["start"] < t["C"]["end"] and t["C"]["start"] < t["B"]["end"]
    assert t["F"]["start"] >= max(t["D"]["end"], t["E"]["end"])


def test_a_raising_stage_stops_its_case_and_keeps_finished_results() -> None:
    later: list[str] = []

    def stages() -> dict[str, Any]:
        async def one(context: dict[str, Any]) -> int:
            return 1

        async def two(context: dict[str, Any]) -> int:
            raise ZeroDivisionError("no dividing today")

        async def three(context: dict[str, Any]) -> int:
            later.append("three")
            return 3

        return {"one": one, "two": two, "three": three}

    log = run_pipeline(make(stages), [{"id": "x"}, {"id": "y"}])
    for result in log["results"]:
        assert result["succeeded"] is False
        assert result["stages"] == {"one": 1}
        exc = result["metadata"]["exception"]
        assert exc["stage"] == "two"
        assert exc["type"] == "ZeroDivisionError"
        assert exc["message"] == "no dividing today"
        assert "ZeroDivisionError: no dividing today" in exc["traceback"]
        assert set(result["metadata"]["stages"]) == {"one", "two"}
    assert later == []
    assert log["summary"] == {"cases": 2, "succeeded": 0, "failed": 2, "passed": 0}


def test_a_failing_dag_stage_cancels_running_siblings_and_starts_nothing_new() -> None:
    events: list[str] = []

    def stages() -> list[dict[str, Any]]:
        async def a(context: dict[str, Any]) -> str:
            return "a"

        async def slow(context: dict[str, Any]) -> str:
            try:
                await asyncio.sleep(5)
            except asyncio.CancelledError:
                events.append("B cancelled")
                raise
            return "b"

        async def fail(context: dict[str, Any]) -> str:
            await asyncio.sleep(0)
            raise KeyError("missing")

        async def d(context: dict[str, Any]) -> str:
            events.append("D ran")
            return "d"

        return [{"name": "A", "function": a, "inputs": []}, {"name": "B", "function": slow, "inputs": ["A"]},
                {"name": "C", "function": fail, "inputs": ["A"]}, {"name": "D", "function": d, "inputs": ["B", "C"]}]

    result = run_pipeline(make(stages), [{"id": 1}])["results"][0]
    assert result["succeeded"] is False
    assert result["stages"] == {"A": "a"}
    assert result["metadata"]["exception"]["stage"] == "C"
    assert result["metadata"]["exception"]["type"] == "KeyError"
    assert result["metadata"]["cancelled"] == ["B"]
    assert events == ["B cancelled"]


def test_a_non_json_result_fails_the_stage_with_a_clear_message() -> None:
    def stages() -> dict[str, Any]:
        async def bad(context: dict[str, Any]) -> object:
            return {"when": object()}

        return {"ok": lambda context: "fine", "bad": bad}

    result = run_pipeline(make(stages), [{"id": 1}])["results"][0]
    assert result["stages"] == {"ok": "fine"}  # a plain function works as a stage too
    exc = result["metadata"]["exception"]
    assert exc["stage"] == "bad" and exc["type"] == "StageResultError"
    assert exc["message"].startswith("stage 'bad' returned dict {'when': <object object")
    assert "which is not JSON-serialisable" in exc["message"]


def test_cases_run_concurrently_up_to_the_limit() -> None:
    state = {"now": 0, "max": 0}

    def stages() -> dict[str, Any]:
        async def work(context: dict[str, Any]) -> int:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
            for _ in range(3):
                await asyncio.sleep(0)
            state["now"] -= 1
            return context["case"]["id"]

        return {"work": work}

    log = run_pipeline(make(stages), [{"id": i} for i in range(10)], concurrency=3)
    assert state["max"] == 3
    assert [r["stages"]["work"] for r in log["results"]] == list(range(10))  # the cases' order
    assert log["concurrency"] == 3
    state["max"] = 0
    run_pipeline(make(stages), [{"id": i} for i in range(10)], concurrency=1)
    assert state["max"] == 1


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_concurrency_must_be_a_positive_int(bad: object) -> None:
    with pytest.raises(PipelineError, match=r"concurrency must be a positive int"):
        run_pipeline(make({"a": lambda c: 1}), [{"id": 1}], concurrency=bad)  # type: ignore[arg-type]


def test_run_log_shape_and_json_round_trip() -> None:
    log = run_pipeline(ArithmeticPipeline, load_cases(EXAMPLES / "arithmetic_cases.json"),
                       [*ARITHMETIC, "infer.model.name=perfect"], concurrency=2, command="test run")
    assert set(log) == {"run_id", "command", "start", "end", "elapsed", "concurrency", "pipeline", "summary", "results"}
    assert log["command"] == "test run"
    assert log["start"] <= log["end"] and log["start"].endswith("+00:00")
    assert log["pipeline"]["name"] == "arithmetic"
    assert log["pipeline"]["reference"] == "examples.pipelines.arithmetic:ArithmeticPipeline"
    assert log["pipeline"]["config"]["infer"]["model"]["name"] == "perfect"
    assert "Reply with the number only" in log["pipeline"]["config"]["prepare"]["template_text"]
    assert [s["name"] for s in log["pipeline"]["stages"]] == ["prepare", "infer", "extract", "assess"]
    assert log["summary"] == {"cases": 6, "succeeded": 6, "failed": 0, "passed": 6}
    for result in log["results"]:
        assert set(result) == {"succeeded", "case", "stages", "metadata"}
        assert set(result["metadata"]) == {"start", "end", "elapsed", "stages", "exception"}
        assert result["metadata"]["exception"] is None
    assert json.loads(json.dumps(log)) == log


def test_the_seed_models_behave_as_documented() -> None:
    cases = load_cases(EXAMPLES / "arithmetic_cases.json")
    flaky = run_pipeline(ArithmeticPipeline, cases, [*ARITHMETIC, "infer.model.name=flaky"], concurrency=1)
    outcome = [("pass" if ArithmeticPipeline.passed(None, r) else  # type: ignore[arg-type]
                (r["metadata"]["exception"] or {}).get("stage", "fail")) for r in flaky["results"]]
    assert outcome == ["pass", "fail", "infer", "pass", "fail", "infer"]
    assert flaky["results"][1]["stages"]["assess"] == {"error": 1.0, "correct": False}
    assert flaky["summary"]["passed"] == 2
    echo = run_pipeline(ArithmeticPipeline, cases, [*ARITHMETIC, "infer.model.name=echo"])
    assert {(r["metadata"]["exception"]["stage"], r["metadata"]["exception"]["type"]) for r in echo["results"]} == {
        ("extract", "ValueError")}
    assert all(set(r["stages"]) == {"prepare", "infer"} for r in echo["results"])
    exc = echo["results"][0]["metadata"]["exception"]
    assert exc["notes"] == ["Extracting numerical answer from LLM response."]
    assert "Extracting numerical answer from LLM response." in exc["traceback"]


def test_set_up_errors_in_stages_surface_before_any_case() -> None:
    from atomtrig.pipeline import ConfigError

    with pytest.raises(ConfigError, match="unknown model 'gpt5'"):
        run_pipeline(ArithmeticPipeline, [{"id": 1}], [*ARITHMETIC, "infer.model.name=gpt5"])


def test_run_pipeline_inside_an_event_loop_points_to_arun_pipeline() -> None:
    pipeline = make({"a": lambda c: 1})

    async def main() -> dict[str, Any]:
        with pytest.raises(PipelineError, match=r"await atomtrig\.pipeline\.arun_pipeline"):
            run_pipeline(pipeline, [{"id": 1}])
        return await arun_pipeline(pipeline, [{"id": 1}])

    assert asyncio.run(main())["results"][0]["stages"] == {"a": 1}


def test_run_pipeline_accepts_an_instance_and_writes_the_log_when_asked(tmp_path: Path) -> None:
    from atomtrig.pipeline import find_log

    pipeline = make({"a": lambda c: 1})()
    log = run_pipeline(pipeline, [{"id": 1}], log_dir=str(tmp_path))
    assert find_log("latest", tmp_path) == log
    with pytest.raises(PipelineError, match="apply to a pipeline class"):
        run_pipeline(pipeline, [{"id": 1}], ["a.b=1"])
    with pytest.raises(PipelineError, match="expected a Pipeline subclass or instance"):
        run_pipeline(dict, [{"id": 1}])  # type: ignore[arg-type]


def test_a_pipeline_without_stages_says_so() -> None:
    with pytest.raises(PipelineError, match="must implement stages"):
        run_pipeline(Pipeline, [{"id": 1}])


# -- case suites -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("cases", "message"),
    [
        ("abc", "cases must be a list of dicts, not str"),
        ({"id": 1}, "cases must be a list of dicts, not dict"),
        ([{"id": 1}, 5], "case #2 is int, not a dict"),
        ([{"x": 1}], "case #1 has no 'id' (fill missing ids with `atomtrig pipeline add-ids FILE` or "
                     "atomtrig.pipeline.fill_ids(cases))"),
        ([{"x": 1}, {"y": 2}], "cases #1, #2 have no 'id'"),
        ([{"id": "a"}, {"id": "a"}], "duplicate id 'a' (cases #1 and #2)"),
        ([{"id": None}], "case #1 has id None; an id is a non-empty string or an int"),
        ([{"id": True}], "case #1 has id True"),
    ],
)
def test_case_suite_errors(cases: object, message: str) -> None:
    with pytest.raises(CaseError) as info:
        check_cases(cases)
    assert message in str(info.value)
    with pytest.raises(CaseError):
        run_pipeline(make({"a": lambda c: 1}), cases)  # type: ignore[arg-type]


def test_fill_ids_gives_unique_ids_only_where_missing() -> None:
    cases = fill_ids([{"id": "keep"}, {"x": 1}, {"x": 2}])
    check_cases(cases)
    assert cases[0] == {"id": "keep"}
    assert list(cases[1]) == ["id", "x"] and cases[1]["id"] != cases[2]["id"]


def test_load_cases_reads_json_and_yaml(tmp_path: Path) -> None:
    assert load_cases(EXAMPLES / "dag_cases.yaml") == [{"id": "small", "x": 2, "y": 5}, {"id": "large", "x": 10, "y": -1}]
    (tmp_path / "c.yml").write_text("- {id: 1, q: hi}\n")
    assert load_cases(tmp_path / "c.yml") == [{"id": 1, "q": "hi"}]


def test_load_cases_errors(tmp_path: Path) -> None:
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("[{")
    with pytest.raises(CaseError, match=r"bad\.json: not valid JSON"):
        load_cases(bad_json)
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("- [unclosed\n")
    with pytest.raises(CaseError, match=r"bad\.yaml: not valid YAML"):
        load_cases(bad_yaml)
    with pytest.raises(CaseError, match=r"must end in \.json, \.yaml or \.yml"):
        load_cases(tmp_path / "cases.txt")
    with pytest.raises(CaseError, match=r"cannot read cases from .*missing\.json"):
        load_cases(tmp_path / "missing.json")
    dup = tmp_path / "dup.json"
    dup.write_text('[{"id": 1}, {"id": 1}]')
    with pytest.raises(CaseError, match=r"dup\.json: duplicate id 1"):
        load_cases(dup)


def test_a_dag_stage_cancelled_from_inside_counts_as_its_failure() -> None:
    def stages() -> list[dict[str, Any]]:
        async def a(context: dict[str, Any]) -> str:
            return "a"

        async def b(context: dict[str, Any]) -> str:
            raise asyncio.CancelledError()

        return [{"name": "A", "function": a, "inputs": []}, {"name": "B", "function": b, "inputs": ["A"]},
                {"name": "C", "function": a, "inputs": ["A"]}, {"name": "D", "function": a, "inputs": ["B", "C"]}]

    result = run_pipeline(make(stages), [{"id": 1}])["results"][0]
    assert result["succeeded"] is False
    assert result["metadata"]["exception"]["stage"] == "B"
    assert result["metadata"]["exception"]["type"] == "CancelledError"
    assert "D" not in result["stages"]


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@st.composite
def dags_with_a_failure(draw: Any) -> tuple[list[tuple[str, list[str]]], str | None, dict[str, int]]:
    n = draw(st.integers(min_value=1, max_value=9))
    names = [f"s{i}" for i in range(n)]
    shape = [(name, draw(st.lists(st.sampled_from(names[:i]), unique=True, max_size=3)) if i else [])
             for i, name in enumerate(names)]
    failing = draw(st.none() | st.sampled_from(names))
    yields = {name: draw(st.integers(min_value=0, max_value=3)) for name in names}
    return shape, failing, yields


@settings(max_examples=40, deadline=None)
@given(dags_with_a_failure())
def test_random_dags_respect_inputs_and_stop_at_a_failure(
    spec: tuple[list[tuple[str, list[str]]], str | None, dict[str, int]]
) -> None:
    shape, failing, yields = spec

    def stages() -> list[dict[str, Any]]:
        def stage(name: str, inputs: list[str]) -> Any:
            async def run(context: dict[str, Any]) -> str:
                assert all(i in context["stages"] for i in inputs)  # inputs are done first
                for _ in range(yields[name]):
                    await asyncio.sleep(0)
                if name == failing:
                    raise RuntimeError(name)
                return name

            return run

        return [{"name": n, "function": stage(n, i), "inputs": i} for n, i in shape]

    result = run_pipeline(make(stages), [{"id": 1}])["results"][0]
    inputs = dict(shape)
    done = set(result["stages"])
    timings = result["metadata"]["stages"]
    for name in done:
        assert set(inputs[name]) <= done
        for i in inputs[name]:
            assert timings[name]["start"] >= timings[i]["end"]
    if failing is None:
        assert result["succeeded"] and done == set(inputs)
    else:
        assert not result["succeeded"]
        assert result["metadata"]["exception"]["stage"] == failing
        assert failing not in done

        def depends_on_failing(name: str) -> bool:
            return name == failing or any(depends_on_failing(i) for i in inputs[name])

        assert not any(depends_on_failing(name) for name in done)
