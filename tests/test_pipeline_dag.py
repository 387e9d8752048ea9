"""Stage graphs: every validation message, linear and DAG forms, and properties of random graphs."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atomtrig.pipeline import DagError, Pipeline, build_dag, run_pipeline


async def f(context: dict[str, Any]) -> int:
    return 1


def node(name: str, *inputs: str) -> dict[str, Any]:
    return {"name": name, "function": f, "inputs": list(inputs)}


SEED_DAG = [node("A"), node("B", "A"), node("C", "A"), node("D", "B", "C"), node("E"), node("F", "D", "E")]


def test_seed_dag_is_accepted() -> None:
    dag = build_dag(SEED_DAG)
    assert [s.name for s in dag.stages] == ["A", "B", "C", "D", "E", "F"]
    assert dag.roots == ("A", "E")
    assert not dag.is_linear
    assert dict(dag.dependents) == {"A": ("B", "C"), "B": ("D",), "C": ("D",), "D": ("F",), "E": ("F",), "F": ()}
    order = [s.name for s in dag.order]
    assert order.index("D") > order.index("B") and order.index("D") > order.index("C")
    assert order.index("F") > order.index("E")
    assert dag.describe()[3] == {"name": "D", "inputs": ["B", "C"]}


def test_a_dict_is_a_linear_pipeline_in_its_order() -> None:
    dag = build_dag({"prepare": f, "infer": f, "extract": f, "assess": f})
    assert dag.is_linear
    assert [(s.name, s.inputs) for s in dag.stages] == [
        ("prepare", ()), ("infer", ("prepare",)), ("extract", ("infer",)), ("assess", ("extract",))
    ]


def test_a_list_shaped_like_a_chain_is_linear() -> None:
    assert build_dag([node("a"), node("b", "a")]).is_linear
    assert not build_dag([node("a"), node("b")]).is_linear


def message(stages: object) -> str:
    with pytest.raises(DagError) as info:
        build_dag(stages)
    return str(info.value)


def test_empty() -> None:
    assert message([]) == "the pipeline has no stages"
    assert message({}) == "the pipeline has no stages"


def test_duplicate_name() -> None:
    assert message([node("A"), node("B", "A"), node("A")]) == "duplicate stage name 'A' (stages #1 and #3)"


def test_duplicate_input() -> None:
    assert message([node("A"), node("B", "A", "A")]) == "stage 'B' lists input 'A' twice"


def test_input_that_does_not_exist() -> None:
    assert message([node("A"), node("B", "X")]) == "stage 'B' has input 'X', which is not a stage"
    assert message([node("prepare"), node("infer", "prepar")]) == (
        "stage 'infer' has input 'prepar', which is not a stage; did you mean 'prepare'?"
    )


def test_no_node_without_inputs() -> None:
    assert message([node("A", "B"), node("B", "A")]) == (
        "no stage is without inputs, so none can start: every stage waits for another"
    )


def test_cycle_shows_its_path_from_a_root() -> None:
    # The seed's DAG with D feeding back into B.
    stages = [node("A"), node("B", "A", "D"), node("C", "A"), node("D", "B", "C"), node("E"), node("F", "D", "E")]
    assert message(stages) == "the stages form a cycle: A -> B -> D -> B"
    assert message([node("A"), node("B", "A", "D"), node("D", "B")]) == "the stages form a cycle: A -> B -> D -> B"
    assert message([node("A"), node("B", "A", "B")]) == "the stages form a cycle: A -> B -> B"
    assert message([node("R"), node("A", "R", "C"), node("B", "A"), node("C", "B")]) == (
        "the stages form a cycle: R -> A -> B -> C -> A"
    )


def test_nodes_unreachable_from_a_root() -> None:
    assert message([node("A"), node("B", "A"), node("C", "D"), node("D", "C")]) == (
        "stages unreachable from a root (a stage without inputs): C, D (they wait on each other: C -> D -> C)"
    )


@pytest.mark.parametrize(
    ("stages", "expected"),
    [
        ("abc", "stages() must return a dict of stage functions (a linear pipeline) or a list of "
                '{"name", "function", "inputs"} nodes (a DAG), not str'),
        (None, "stages() must return a dict of stage functions"),
        ([1], 'stage #1 must be a dict with keys "name", "function" and "inputs", not int'),
        ([{"name": "A", "function": f}], "stage #1 has missing 'inputs' (a node has keys name, function, inputs)"),
        ([{"name": "A", "function": f, "inputs": [], "input": []}],
         "stage #1 has unknown 'input' (a node has keys name, function, inputs)"),
        ([{"name": "", "function": f, "inputs": []}], "stage #1: name must be a non-empty string, not ''"),
        ([{"name": "A", "function": 3, "inputs": []}], "stage 'A': function must be an async function, not int"),
        ([{"name": "A", "function": f, "inputs": "B"}], "stage 'A': inputs must be a list of stage names, not 'B'"),
        ({"a": None}, "stage 'a': function must be an async function, not NoneType"),
        ({3: f}, "stage names must be non-empty strings, not 3"),
    ],
)
def test_malformed_stages(stages: object, expected: str) -> None:
    assert message(stages).startswith(expected)


def test_graph_errors_surface_before_any_case_runs() -> None:
    ran: list[str] = []

    class Broken(Pipeline):
        def stages(self) -> list[dict[str, Any]]:
            async def a(context: dict[str, Any]) -> None:
                ran.append("a")

            return [{"name": "A", "function": a, "inputs": []}, {"name": "B", "function": a, "inputs": ["Z"]}]

    with pytest.raises(DagError, match="stage 'B' has input 'Z'"):
        run_pipeline(Broken, [{"id": 1}, {"id": 2}])
    assert ran == []


@st.composite
def acyclic(draw: Any) -> list[dict[str, Any]]:
    n = draw(st.integers(min_value=1, max_value=12))
    names = [f"s{i}" for i in range(n)]
    stages = []
    for i, name in enumerate(names):
        inputs = draw(st.lists(st.sampled_from(names[:i]), unique=True, max_size=3)) if i else []
        stages.append(node(name, *inputs))
    return draw(st.permutations(stages))


@settings(max_examples=60, deadline=None)
@given(acyclic())
def test_every_acyclic_graph_is_accepted_in_topological_order(stages: list[dict[str, Any]]) -> None:
    dag = build_dag(stages)
    seen: set[str] = set()
    for stage in dag.order:
        assert set(stage.inputs) <= seen
        seen.add(stage.name)
    assert seen == {s["name"] for s in stages}


@settings(max_examples=80, deadline=None)
@given(acyclic(), st.data())
def test_an_added_edge_is_reported_as_a_cycle_exactly_when_it_closes_one(
    stages: list[dict[str, Any]], data: Any
) -> None:
    by_name = {s["name"]: s for s in stages}
    names = sorted(by_name)
    source = data.draw(st.sampled_from(names))
    target = by_name[data.draw(st.sampled_from([n for n in names if by_name[n]["inputs"]] or names))]
    if not target["inputs"] or source in target["inputs"]:
        return
    # A new input `source` of `target` closes a cycle iff `target` already reaches `source`.
    reach, todo = set(), [target["name"]]
    while todo:
        current = todo.pop()
        if current in reach:
            continue
        reach.add(current)
        todo.extend(s["name"] for s in stages if current in s["inputs"])
    target["inputs"] = [*target["inputs"], source]
    if source not in reach:
        build_dag(stages)
        return
    text = message(stages)
    assert text.startswith("the stages form a cycle: ")
    path = text.removeprefix("the stages form a cycle: ").split(" -> ")
    assert not by_name[path[0]]["inputs"]  # starts at a root
    assert path[-1] in path[:-1]  # closes on itself
    for a, b in zip(path, path[1:]):
        assert a in by_name[b]["inputs"]  # every step is an edge
