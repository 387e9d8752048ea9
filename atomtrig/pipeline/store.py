"""Pipelines, cases, runs and results as atoms.

A pipeline's graph is stored as atoms, so it can be listed, drawn (``space.to_networkx()``) and
queried like anything else::

    (PipelineNode "diamond")                                 values: description, reference, config
    (MemberLink (StageNode "diamond/B") (PipelineNode "diamond"))     one per stage
    (EvaluationLink (PredicateNode "stage-input")                     one per input:
        (ListLink (StageNode "diamond/B") (StageNode "diamond/A")))   B takes A

A case is a ``(CaseNode "<id>")`` whose value ``case`` holds the case as JSON text. A run imported
from its log is a ``(RunNode "<run id>")`` tied to its pipeline by
``(EvaluationLink (PredicateNode "run-of") (ListLink run pipeline))``, and each case's result is
``(EvaluationLink (PredicateNode "case-result") (ListLink run case))`` with truth value
``(stv 1 1)`` if the case succeeded and ``(stv 0 1)`` if it raised, holding values ``status``,
``passed``, ``elapsed``, ``result`` (the case's whole result as JSON text) and ``stage/<name>``
(each stage's result as JSON text). Values only hold numbers, strings and atoms, so JSON text is
how structured results travel; :func:`json_value` reads one back.

>>> import atomtrig
>>> from atomtrig.pipeline.store import add_case, case_data
>>> space = atomtrig.AtomSpace()
>>> anchor = space.add_node("AnchorNode", "cases")
>>> case = add_case(space, anchor, {"id": "c1", "question": "2+2"})
>>> case, case_data(case)
((CaseNode "c1"), {'id': 'c1', 'question': '2+2'})
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from atomtrig.core.types import declare_type
from atomtrig.core.values import FloatValue, StringValue
from atomtrig.pipeline.errors import PipelineError

if TYPE_CHECKING:
    from atomtrig.core.atom import Atom, Link, Node
    from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
    from atomtrig.pipeline.dag import Dag
    from atomtrig.pipeline.pipeline import Pipeline

__all__ = [
    "CASE_KEY",
    "add_case",
    "case_atom",
    "case_data",
    "import_run_log",
    "json_value",
    "load_dag",
    "store_pipeline",
    "stored_pipelines",
]

PIPELINE_NODE = declare_type("PipelineNode", ["Node"])
STAGE_NODE = declare_type("StageNode", ["Node"])
RUN_NODE = declare_type("RunNode", ["Node"])
CASE_NODE = declare_type("CaseNode", ["Node"])

CASE_KEY = "case"
"""The value key under which a case atom holds its case as JSON text."""
STAGE_INPUT = "stage-input"
RUN_OF = "run-of"
CASE_RESULT = "case-result"


def json_value(atom: Atom, key: str) -> Any:
    """The JSON text stored under ``key`` on ``atom``, parsed; None when there is none."""
    value = atom.get_value(key)
    if value is None:
        return None
    if not isinstance(value, StringValue) or len(value) != 1:
        raise PipelineError(f"{atom.short()} holds {value!r} under {key!r}, not one JSON string")
    return json.loads(value[0])


def _json(value: Any) -> StringValue:
    return StringValue(json.dumps(value, ensure_ascii=False, sort_keys=False))


# -- pipelines -------------------------------------------------------------------------------------
def _stage_node(space: AtomSpace, pipeline: str, stage: str) -> Node:
    return space.add_node(STAGE_NODE, f"{pipeline}/{stage}")


def store_pipeline(space: AtomSpace, pipeline: Pipeline, dag: Dag) -> Node:
    """Store (or update) a prepared pipeline's graph; return its PipelineNode.

    Storing again after the graph changed removes the stages and inputs that are gone.
    """
    name = pipeline.pipeline_name()
    node = space.add_node(PIPELINE_NODE, name)
    node.set_value("description", StringValue(type(pipeline).description or ""))
    node.set_value("reference", StringValue(type(pipeline).reference()))
    node.set_value("config", _json(pipeline.final_config()))
    predicate = space.add_node("PredicateNode", STAGE_INPUT)
    wanted_members: set[Link] = set()
    wanted_inputs: set[Link] = set()
    for position, stage in enumerate(dag.stages):
        stage_node = _stage_node(space, name, stage.name)
        stage_node.set_value("position", FloatValue(position))
        stage_node.set_value("stage", StringValue(stage.name))
        wanted_members.add(space.add_link("MemberLink", [stage_node, node]))
        for input_name in stage.inputs:
            pair = space.add_link("ListLink", [stage_node, _stage_node(space, name, input_name)])
            wanted_inputs.add(space.add_link("EvaluationLink", [predicate, pair]))
    for member in node.incoming_by_type("MemberLink"):
        old_stage = member.out[0]
        if member in wanted_members or old_stage.type is not STAGE_NODE:
            continue
        space.remove(old_stage, recursive=True)
    for member in wanted_members:
        kept = member.out[0]
        for pair in kept.incoming_by_type("ListLink"):
            if pair.out[0] is not kept:
                continue
            for link in pair.incoming_by_type("EvaluationLink"):
                if link.out[0] is predicate and link not in wanted_inputs:
                    space.remove(link)
    return node


def stored_pipelines(space: AtomSpace) -> list[str]:
    """The names of the pipelines stored in ``space``."""
    return sorted(atom.name for atom in space.get_atoms_by_type(PIPELINE_NODE))  # type: ignore[attr-defined]


def load_dag(space: AtomSpace, name: str) -> list[dict[str, Any]]:
    """A stored pipeline's graph read back from its atoms: ``[{"name", "inputs"}]`` in the
    pipeline's stage order."""
    node = space.get_node(PIPELINE_NODE, name)
    if node is None:
        known = ", ".join(stored_pipelines(space)) or "none"
        raise PipelineError(f"no pipeline {name!r} is stored in this AtomSpace (stored: {known})")
    predicate = space.get_node("PredicateNode", STAGE_INPUT)
    stages = []
    for member in node.incoming_by_type("MemberLink"):
        stage_node = member.out[0]
        if stage_node.type is not STAGE_NODE:
            continue
        inputs = []
        for pair in stage_node.incoming_by_type("ListLink"):
            if pair.out[0] is stage_node and predicate is not None:
                if any(link.out[0] is predicate for link in pair.incoming_by_type("EvaluationLink")):
                    inputs.append(pair.out[1].get_value("stage")[0])
        position = stage_node.get_value("position")
        stages.append((position[0] if position else 0.0, stage_node.get_value("stage")[0], inputs))
    stages.sort(key=lambda item: item[0])
    order = {stage: i for i, (_, stage, _) in enumerate(stages)}
    return [{"name": stage, "inputs": sorted(inputs, key=lambda n: order.get(n, 0))} for _, stage, inputs in stages]


# -- cases -----------------------------------------------------------------------------------------
def case_atom(space: AtomSpace, case: Mapping[str, Any]) -> Node:
    """The ``(CaseNode "<id>")`` of a case, holding the case as JSON under ``case``."""
    if not isinstance(case, Mapping) or "id" not in case:
        raise PipelineError(f"a case stored as an atom needs an 'id', not {case!r:.80}")
    from atomtrig.pipeline.config import _is_json

    if not _is_json(dict(case)):
        raise PipelineError(f"case {case['id']!r} is not JSON-serialisable")
    node = space.add_node(CASE_NODE, str(case["id"]))
    node.set_value(CASE_KEY, _json(dict(case)))
    return node


def add_case(space: AtomSpace, anchor: Atom, case: Mapping[str, Any]) -> Node:
    """Store a case and add ``(MemberLink case anchor)``: the data is on the atom before the
    link joins the anchor, so a trigger on the anchor sees the whole case."""
    node = case_atom(space, case)
    space.add_link("MemberLink", [node, anchor])
    return node


def case_data(atom: Atom) -> dict[str, Any]:
    """The case an atom stands for: its ``case`` value (JSON text) if it has one, else
    ``{"id": <its name>}``; the id is always set."""
    data = json_value(atom, CASE_KEY)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PipelineError(f"{atom.short()}: the value under {CASE_KEY!r} must be a JSON object")
    if "id" not in data:
        data = {"id": atom.name if atom.is_node() else atom.short(), **data}  # type: ignore[attr-defined]
    return data


# -- runs ------------------------------------------------------------------------------------------
def import_run_log(space: AtomSpace, log: Mapping[str, Any], passed: Any = None) -> Node:
    """Import a run log: its run, pipeline, cases and per-case results become atoms (see the
    module docstring); returns the RunNode. Importing the same log twice changes nothing.
    ``passed(result)`` decides the ``passed`` value (default: the case succeeded)."""
    if not isinstance(log, Mapping) or "run_id" not in log or "results" not in log:
        raise PipelineError("import_run_log needs a run log (a dict with run_id and results)")
    passed = passed or (lambda result: bool(result.get("succeeded")))
    from atomtrig.core.truthvalue import stv

    info = log.get("pipeline") or {}
    run = space.add_node(RUN_NODE, str(log["run_id"]))
    for key in ("command", "start", "end"):
        if log.get(key) is not None:
            run.set_value(key, StringValue(str(log[key])))
    run.set_value("concurrency", FloatValue(float(log.get("concurrency") or 0)))
    run.set_value("config", _json(info.get("config") or {}))
    pipeline = space.add_node(PIPELINE_NODE, str(info.get("name") or "?"))
    run_of = space.add_node("PredicateNode", RUN_OF)
    space.add_link("EvaluationLink", [run_of, space.add_link("ListLink", [run, pipeline])])
    result_of = space.add_node("PredicateNode", CASE_RESULT)
    for result in log["results"]:
        case = case_atom(space, result["case"])
        link = space.add_link("EvaluationLink", [result_of, space.add_link("ListLink", [run, case])])
        space.set_tv(link, stv(1.0 if result.get("succeeded") else 0.0, 1.0))
        write_result(link, result, bool(passed(result)))
    return run


def write_result(atom: Atom, result: Mapping[str, Any], passed: bool, prefix: str = "") -> None:
    """Write one case's result onto ``atom`` as values under ``<prefix>status``, ``passed``,
    ``elapsed``, ``result`` and ``stage/<name>`` (structured data as JSON text); the status goes
    last, so whoever reacts to it finds the rest in place."""
    metadata = result.get("metadata") or {}
    for stage, value in (result.get("stages") or {}).items():
        atom.set_value(f"{prefix}stage/{stage}", _json(value))
    atom.set_value(f"{prefix}result", _json(dict(result)))
    atom.set_value(f"{prefix}elapsed", FloatValue(float(metadata.get("elapsed") or 0.0)))
    atom.set_value(f"{prefix}passed", FloatValue(1.0 if passed else 0.0))
    exc = metadata.get("exception")
    if exc:
        atom.set_value(f"{prefix}exception", StringValue(exc.get("stage", ""), exc.get("type", ""), exc.get("message", "")))
    atom.set_value(f"{prefix}status", StringValue("succeeded" if result.get("succeeded") else "failed"))


def results_of(space: AtomSpace, run_id: str) -> Iterable[tuple[Atom, Link]]:
    """The (case atom, result link) pairs of an imported run."""
    run = space.get_node(RUN_NODE, run_id)
    predicate = space.get_node("PredicateNode", CASE_RESULT)
    if run is None or predicate is None:
        return []
    pairs = []
    for pair in run.incoming_by_type("ListLink"):
        if pair.out[0] is run:
            for link in pair.incoming_by_type("EvaluationLink"):
                if link.out[0] is predicate:
                    pairs.append((pair.out[1], link))
    return pairs
