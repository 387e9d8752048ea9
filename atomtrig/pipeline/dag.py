"""The stage graph: what ``Pipeline.stages()`` returns, checked before any case runs.

``stages()`` returns either a dict of stage functions (a linear pipeline, run in the dict's order)
or a list of ``{"name", "function", "inputs"}`` nodes (a DAG). :func:`build_dag` turns either into
a :class:`Dag` or raises a :class:`DagError` naming the fault. The graph work is done with
rustworkx, picked by measuring it against networkx for this job (``bench/bench_pipeline.py``:
the whole check about 4x faster on the six-stage example and on a 200-stage chain, the graph
operations alone about 30x).

>>> async def f(context): return 1
>>> dag = build_dag([
...     {"name": "A", "function": f, "inputs": []},
...     {"name": "B", "function": f, "inputs": ["A"]},
...     {"name": "C", "function": f, "inputs": ["A"]},
...     {"name": "D", "function": f, "inputs": ["B", "C"]},
...     {"name": "E", "function": f, "inputs": []},
...     {"name": "F", "function": f, "inputs": ["D", "E"]},
... ])
>>> dag.roots, dag.is_linear
(('A', 'E'), False)
>>> build_dag([{"name": "A", "function": f, "inputs": []},
...            {"name": "B", "function": f, "inputs": ["A", "D"]},
...            {"name": "D", "function": f, "inputs": ["B"]}])
Traceback (most recent call last):
...
atomtrig.pipeline.errors.DagError: the stages form a cycle: A -> B -> D -> B
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import rustworkx as rx

from atomtrig.pipeline.errors import DagError

__all__ = ["Dag", "Stage", "StageFunction", "build_dag"]

StageFunction = Callable[[dict[str, Any]], Any]


@dataclass(frozen=True, slots=True)
class Stage:
    """One node of the stage graph."""

    name: str
    function: StageFunction
    inputs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Dag:
    """A checked stage graph.

    ``stages`` keeps the order the pipeline gave; ``order`` is a topological order (equal to
    ``stages`` for a linear pipeline); ``dependents`` maps a stage name to the stages that take it
    as an input.
    """

    stages: tuple[Stage, ...]
    order: tuple[Stage, ...]
    roots: tuple[str, ...]
    dependents: Mapping[str, tuple[str, ...]]
    is_linear: bool
    rank: Mapping[str, int]
    """A stage's position in ``order``."""
    calls: tuple[tuple[str, StageFunction], ...] = ()
    """``(name, function)`` in ``order`` (what the runner's loop reads)."""

    def describe(self) -> list[dict[str, Any]]:
        """The graph as JSON: ``[{"name", "inputs"}]`` in the pipeline's order."""
        return [{"name": s.name, "inputs": list(s.inputs)} for s in self.stages]


def _describe(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _normalise(stages: object) -> list[Stage]:
    if isinstance(stages, Mapping):
        result: list[Stage] = []
        previous: tuple[str, ...] = ()
        for name, function in stages.items():
            if not isinstance(name, str) or not name:
                raise DagError(f"stage names must be non-empty strings, not {_describe(name)}")
            if not callable(function):
                raise DagError(
                    f"stage {name!r}: function must be an async function, not "
                    f"{type(function).__name__}"
                )
            result.append(Stage(name, function, previous))
            previous = (name,)
        return result
    if not isinstance(stages, Sequence) or isinstance(stages, (str, bytes)):
        raise DagError(
            "stages() must return a dict of stage functions (a linear pipeline) or a list of "
            f'{{"name", "function", "inputs"}} nodes (a DAG), not {type(stages).__name__}'
        )
    result = []
    for i, node in enumerate(stages, 1):
        if not isinstance(node, Mapping):
            raise DagError(
                f'stage #{i} must be a dict with keys "name", "function" and "inputs", not '
                f"{type(node).__name__}"
            )
        missing = [key for key in ("name", "function", "inputs") if key not in node]
        extra = sorted(set(node) - {"name", "function", "inputs"}, key=str)
        if missing or extra:
            problems = []
            if missing:
                problems.append("missing " + ", ".join(repr(k) for k in missing))
            if extra:
                problems.append("unknown " + ", ".join(repr(k) for k in extra))
            raise DagError(f"stage #{i} has {' and '.join(problems)} (a node has keys name, function, inputs)")
        name, function, inputs = node["name"], node["function"], node["inputs"]
        if not isinstance(name, str) or not name:
            raise DagError(f"stage #{i}: name must be a non-empty string, not {_describe(name)}")
        if not callable(function):
            raise DagError(
                f"stage {name!r}: function must be an async function, not {type(function).__name__}"
            )
        if not isinstance(inputs, (list, tuple)) or not all(isinstance(x, str) for x in inputs):
            raise DagError(f"stage {name!r}: inputs must be a list of stage names, not {_describe(inputs)}")
        result.append(Stage(name, function, tuple(inputs)))
    return result


def _check_names(stages: list[Stage]) -> None:
    seen: dict[str, int] = {}
    for i, stage in enumerate(stages, 1):
        if stage.name in seen:
            raise DagError(f"duplicate stage name {stage.name!r} (stages #{seen[stage.name]} and #{i})")
        seen[stage.name] = i
    for stage in stages:
        listed: set[str] = set()
        for name in stage.inputs:
            if name in listed:
                raise DagError(f"stage {stage.name!r} lists input {name!r} twice")
            listed.add(name)
    for stage in stages:
        for name in stage.inputs:
            if name not in seen:
                close = difflib.get_close_matches(name, list(seen), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise DagError(f"stage {stage.name!r} has input {name!r}, which is not a stage{hint}")


def _cycle_text(graph: rx.PyDiGraph, edges: Sequence[tuple[int, int]], prefix: list[int]) -> str:
    path = prefix[:-1] + [edges[0][0]] + [target for _, target in edges]
    return " -> ".join(graph[i] for i in path)


def _cycle_from_root(graph: rx.PyDiGraph, root: int, edges: list[tuple[int, int]]) -> str:
    """The cycle as a path from ``root``: the shortest way in, then once round the cycle from
    the node where the way in meets it (``A -> B -> D -> B``)."""
    paths = rx.digraph_dijkstra_shortest_paths(graph, root)  # type: ignore[call-arg]
    def way_in(node: int) -> list[int]:
        return [root] if node == root else list(paths[node]) if node in paths else [node]
    members = [source for source, _ in edges]
    entry = min(range(len(members)), key=lambda k: len(way_in(members[k])))
    rotated = edges[entry:] + edges[:entry]
    return _cycle_text(graph, rotated, way_in(members[entry]))


def build_dag(stages: object) -> Dag:
    """Check what ``stages()`` returned and build the :class:`Dag`.

    Faults, in the order they are checked: no stages; a malformed node; a duplicate stage name;
    an input listed twice; an input that is not a stage; no stage without inputs; a cycle (shown
    as a path from a root, ``A -> B -> D -> B``); stages unreachable from every root.
    """
    nodes = _normalise(stages)
    if not nodes:
        raise DagError("the pipeline has no stages")
    _check_names(nodes)
    roots = [s for s in nodes if not s.inputs]
    if not roots:
        raise DagError("no stage is without inputs, so none can start: every stage waits for another")

    graph = rx.PyDiGraph(check_cycle=False, multigraph=False)
    index = {s.name: graph.add_node(s.name) for s in nodes}
    graph.add_edges_from_no_data([(index[i], index[s.name]) for s in nodes for i in s.inputs])

    reached: set[int] = set()
    for root in roots:
        r = index[root.name]
        cycle = rx.digraph_find_cycle(graph, r)
        if cycle:
            raise DagError("the stages form a cycle: " + _cycle_from_root(graph, r, list(cycle)))
        reached.add(r)
        reached |= rx.descendants(graph, r)
    unreachable = [s.name for s in nodes if index[s.name] not in reached]
    if unreachable:
        # Only a cycle that no root leads into leaves stages unreachable; show it.
        sub = graph.subgraph([index[n] for n in unreachable])
        shown = ""
        for n in range(sub.num_nodes()):
            cycle = rx.digraph_find_cycle(sub, n)
            if cycle:
                shown = f" (they wait on each other: {_cycle_text(sub, list(cycle), [cycle[0][0]])})"
                break
        raise DagError(
            "stages unreachable from a root (a stage without inputs): " + ", ".join(unreachable) + shown
        )

    position = {s.name: i for i, s in enumerate(nodes)}
    order_idx = rx.lexicographical_topological_sort(graph, key=lambda name: f"{position[name]:08d}")
    by_name = {s.name: s for s in nodes}
    order = tuple(by_name[name] for name in order_idx)
    dependents: dict[str, list[str]] = {s.name: [] for s in nodes}
    for s in nodes:
        for i in s.inputs:
            dependents[i].append(s.name)
    linear = all(
        s.inputs == ((nodes[k - 1].name,) if k else ()) for k, s in enumerate(nodes)
    )
    return Dag(
        stages=tuple(nodes),
        order=order,
        roots=tuple(s.name for s in roots),
        dependents={k: tuple(v) for k, v in dependents.items()},
        is_linear=linear,
        rank={s.name: i for i, s in enumerate(order)},
        calls=tuple((s.name, s.function) for s in order),
    )
