"""Pipelines in the store: the graph as atoms, run logs imported, and a trigger-fired pipeline
writing results back onto case atoms."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import pytest

import atomtrig
from atomtrig.pipeline import Pipeline, PipelineError, run_pipeline
from atomtrig.pipeline.runner import prepare
from atomtrig.pipeline.store import (
    add_case,
    case_atom,
    case_data,
    import_run_log,
    json_value,
    load_dag,
    results_of,
    store_pipeline,
    stored_pipelines,
)
from atomtrig.pipeline.trigger import prepared_pipeline, run_on_new_cases

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from examples.pipelines.arithmetic import ArithmeticPipeline  # noqa: E402
from examples.pipelines.dag import DiamondPipeline  # noqa: E402

EXAMPLES = ROOT / "examples" / "pipelines"
ARITHMETIC = [f"prepare.template={EXAMPLES / 'arithmetic_template.txt'}"]
CASES = json.loads((EXAMPLES / "arithmetic_cases.json").read_text())


def test_the_graph_is_stored_as_atoms_and_read_back() -> None:
    space = atomtrig.AtomSpace()
    instance, dag = prepare(DiamondPipeline)
    node = store_pipeline(space, instance, dag)
    assert node.type.name == "PipelineNode" and node.name == "diamond"
    assert stored_pipelines(space) == ["diamond"]
    assert load_dag(space, "diamond") == dag.describe()
    stages = {m.out[0].name for m in node.incoming_by_type("MemberLink")}
    assert stages == {f"diamond/{s}" for s in "ABCDEF"}
    d = space.get_node("StageNode", "diamond/D")
    pairs = [p for p in d.incoming_by_type("ListLink") if p.out[0] is d]
    assert sorted(p.out[1].name for p in pairs) == ["diamond/B", "diamond/C"]
    assert json.loads(node.get_value("config")[0]) == {"delays": {s: 0.0 for s in "ABCDEF"}}
    assert node.get_value("reference")[0] == "examples.pipelines.dag:DiamondPipeline"
    # it can be drawn like anything else
    graph = space.to_networkx()
    assert node in graph
    # and queried with the pattern matcher: the inputs of D
    x = space.add_node("VariableNode", "$X")
    inputs_of_d = space.add_link("GetLink", [space.add_link("EvaluationLink", [
        space.get_node("PredicateNode", "stage-input"), space.add_link("ListLink", [d, x])])])
    found = space.execute(inputs_of_d)
    assert sorted(a.name for a in found.out) == ["diamond/B", "diamond/C"]


def test_storing_a_changed_graph_removes_what_is_gone() -> None:
    space = atomtrig.AtomSpace()

    async def f(context: dict[str, Any]) -> int:
        return 1

    class Shape(Pipeline):
        name = "shape"
        nodes: list[dict[str, Any]] = []

        def stages(self) -> list[dict[str, Any]]:
            return self.nodes

    Shape.nodes = [{"name": "A", "function": f, "inputs": []}, {"name": "B", "function": f, "inputs": ["A"]},
                   {"name": "C", "function": f, "inputs": ["A", "B"]}]
    store_pipeline(space, *prepare(Shape))
    Shape.nodes = [{"name": "A", "function": f, "inputs": []}, {"name": "C", "function": f, "inputs": ["A"]}]
    store_pipeline(space, *prepare(Shape))
    assert load_dag(space, "shape") == [{"name": "A", "inputs": []}, {"name": "C", "inputs": ["A"]}]
    assert space.get_node("StageNode", "shape/B") is None


def test_load_dag_of_an_unknown_pipeline() -> None:
    with pytest.raises(PipelineError, match=r"no pipeline 'nope' is stored in this AtomSpace \(stored: none\)"):
        load_dag(atomtrig.AtomSpace(), "nope")


def test_a_run_log_is_imported_for_querying() -> None:
    log = run_pipeline(ArithmeticPipeline, CASES, [*ARITHMETIC, "infer.model.name=flaky"], concurrency=1)
    space = atomtrig.AtomSpace()
    run = import_run_log(space, log, passed=lambda r: ArithmeticPipeline.passed(None, r))  # type: ignore[arg-type]
    assert run.type.name == "RunNode" and run.name == log["run_id"]
    assert run.get_value("command")[0] == log["command"]
    pairs = dict((case.name, link) for case, link in results_of(space, log["run_id"]))
    assert sorted(pairs) == sorted(c["id"] for c in CASES)
    mul = pairs["mul-1"]
    assert mul.tv.strength == 0.0 and mul.tv.confidence == 1.0
    assert mul.get_value("status")[0] == "failed"
    assert list(mul.get_value("exception")) == ["infer", "RuntimeError", "the flaky model is overloaded"]
    sub = pairs["sub-1"]
    assert sub.tv.strength == 1.0 and sub.get_value("passed")[0] == 0.0
    assert json_value(sub, "stage/assess") == {"error": 1.0, "correct": False}
    assert json_value(sub, "result")["case"]["user"] == "What is 10 - 12?"
    assert case_data(space.get_node("CaseNode", "sub-1")) == CASES[1]
    size = len(space)
    import_run_log(space, log)
    assert len(space) == size  # importing again adds nothing
    with pytest.raises(PipelineError, match="needs a run log"):
        import_run_log(space, {"results": []})


def test_case_atoms() -> None:
    space = atomtrig.AtomSpace()
    node = case_atom(space, {"id": 7, "q": [1, 2]})
    assert node.name == "7" and case_data(node) == {"id": 7, "q": [1, 2]}
    assert case_data(space.add_node("ConceptNode", "bare")) == {"id": "bare"}
    with pytest.raises(PipelineError, match="needs an 'id'"):
        case_atom(space, {"q": 1})
    with pytest.raises(PipelineError, match="not JSON-serialisable"):
        case_atom(space, {"id": 1, "q": object()})


def test_a_trigger_runs_the_pipeline_for_each_new_case_and_writes_results_back() -> None:
    space = atomtrig.AtomSpace()
    anchor = space.add_node("AnchorNode", "arithmetic cases")
    trigger = run_on_new_cases(space, ArithmeticPipeline, anchor, [*ARITHMETIC, "infer.model.name=flaky"], mode="sync")
    assert trigger.type.name == "RelationshipTriggerLink"
    assert load_dag(space, "arithmetic")[1] == {"name": "infer", "inputs": ["prepare"]}
    statuses = []
    for case in CASES[:3]:
        node = add_case(space, anchor, case)
        statuses.append((node.get_value("arithmetic/status")[0], node.get_value("arithmetic/passed")[0]))
    assert statuses == [("succeeded", 1.0), ("succeeded", 0.0), ("failed", 0.0)]
    mul = space.get_node("CaseNode", "mul-1")
    assert list(mul.get_value("arithmetic/exception")) == ["infer", "RuntimeError", "the flaky model is overloaded"]
    assert json_value(mul, "arithmetic/stage/prepare")[1] == {"role": "user", "content": "What is 6 * 7?"}
    assert mul.get_value("arithmetic/stage/infer") is None
    add = space.get_node("CaseNode", "add-1")
    assert json_value(add, "arithmetic/stage/assess") == {"error": 0.0, "correct": True}
    assert json_value(add, "arithmetic/result")["succeeded"] is True
    # the status is also a StateLink other triggers and queries can see
    key = space.get_link("ListLink", [space.get_node("PipelineNode", "arithmetic"), mul])
    states = [s.out[1].name for s in key.incoming_by_type("StateLink")]
    assert states == ["failed"]
    stats = space.trigger_stats(trigger)[0]
    assert stats.fired == 3 and stats.failed == 0


def test_other_links_on_the_anchor_are_ignored() -> None:
    space = atomtrig.AtomSpace()
    anchor = space.add_node("AnchorNode", "cases")
    run_on_new_cases(space, DiamondPipeline, anchor, mode="sync")
    other = space.add_node("ConceptNode", "not a case")
    space.add_link("InheritanceLink", [other, anchor])
    space.add_link("MemberLink", [anchor, other])  # the anchor first: not a case under it
    assert other.get_value("diamond/status") is None


def test_async_trigger_runs_on_workers_and_other_triggers_react_to_failures() -> None:
    space = atomtrig.AtomSpace()
    anchor = space.add_node("AnchorNode", "echo cases")
    failed_cases: list[str] = []

    @atomtrig.grounded("pipeline_test_on_failed")
    def on_failed(failed: Any, state: Any) -> None:
        failed_cases.append(state.out[0].out[1].name)

    try:
        space.add_trigger("RelationshipTriggerLink", [
            space.add_node("ConceptNode", "failed"),
            space.add_link("ExecutionOutputLink", [space.add_node("GroundedSchemaNode", "py:pipeline_test_on_failed")]),
        ])
        run_on_new_cases(space, ArithmeticPipeline, anchor, [*ARITHMETIC, "infer.model.name=echo"], mode="async")
        for case in CASES:
            add_case(space, anchor, case)
        assert space.wait_for_triggers(10)
    finally:
        from atomtrig.query.grounded import unregister

        unregister("pipeline_test_on_failed")
    assert sorted(failed_cases) == sorted(c["id"] for c in CASES)
    for case in CASES:
        node = space.get_node("CaseNode", case["id"])
        assert node.get_value("arithmetic/exception")[0] == "extract"


def test_a_sync_trigger_inside_a_running_event_loop_still_runs_the_case() -> None:
    space = atomtrig.AtomSpace()
    anchor = space.add_node("AnchorNode", "cases")
    run_on_new_cases(space, DiamondPipeline, anchor, mode="sync")

    async def main() -> Any:
        return add_case(space, anchor, {"id": "in-loop", "x": 2, "y": 5})

    node = asyncio.run(main())
    assert json_value(node, "diamond/stage/F") == 17


def test_set_up_errors_raise_when_the_trigger_is_added() -> None:
    from atomtrig.pipeline import ConfigError

    space = atomtrig.AtomSpace()
    anchor = space.add_node("AnchorNode", "cases")
    with pytest.raises(ConfigError, match="2 required settings are not set"):
        run_on_new_cases(space, ArithmeticPipeline, anchor)
    assert space.get_atoms_by_type("RelationshipTriggerLink") == []
    with pytest.raises(PipelineError, match="not in this AtomSpace"):
        run_on_new_cases(space, DiamondPipeline, atomtrig.AtomSpace().add_node("AnchorNode", "x"))
    with pytest.raises(PipelineError, match="needs an atomtrig.AtomSpace"):
        core = atomtrig.core.CoreAtomSpace()
        run_on_new_cases(core, DiamondPipeline, core.add_node("AnchorNode", "x"))  # type: ignore[arg-type]
    with pytest.raises(PipelineError, match="no pipeline 'ghost' is prepared for this AtomSpace"):
        prepared_pipeline(space, "ghost")
