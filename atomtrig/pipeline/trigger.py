"""Pipelines fired by triggers: run a pipeline by itself for each new case atom under an anchor,
and write its results back onto the case atom.

:func:`run_on_new_cases` prepares the pipeline once (configuration checked, ``stages()`` called,
graph checked and stored as atoms), then adds::

    (RelationshipTriggerLink
        (AnchorNode "arithmetic-cases")
        (ExecutionOutputLink (GroundedSchemaNode "pipeline:arithmetic")))

Each new ``(MemberLink case anchor)`` fires it; the firing reads the case from the case atom
(:func:`atomtrig.pipeline.store.case_data`), runs it through the stages, and writes back onto the
case atom values ``<pipeline>/status`` (``running``, then ``succeeded`` or ``failed``),
``<pipeline>/passed``, ``<pipeline>/elapsed``, ``<pipeline>/result`` and
``<pipeline>/stage/<stage>`` (JSON text), then sets
``(StateLink (ListLink (PipelineNode name) case) (ConceptNode "succeeded"|"failed"))`` — so
other triggers can react to the values (a value trigger) or to the state link joining
``(ConceptNode "failed")`` (a RelationshipTriggerLink). Other links joining the anchor's incoming
set are ignored. Removing the trigger link stops it, as with every trigger.

``GroundedSchemaNode "pipeline:NAME"`` is resolved through a resolver this module adds to
:mod:`atomtrig.query.grounded`; it finds the pipeline prepared for the AtomSpace the firing is in,
never by importing anything the store names.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Callable

from atomtrig.pipeline.dag import Dag
from atomtrig.pipeline.errors import PipelineError
from atomtrig.pipeline.pipeline import Pipeline
from atomtrig.pipeline.runner import prepare, run_case
from atomtrig.pipeline.store import PIPELINE_NODE, case_data, store_pipeline, write_result

if TYPE_CHECKING:
    from atomtrig.core.atom import Atom, Link
    from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace

__all__ = ["SCHEMA_PREFIX", "prepared_pipeline", "run_on_new_cases"]

SCHEMA_PREFIX = "pipeline:"

_lock = threading.Lock()
_SLOT = "atomtrig.pipeline"
"""The space's extension slot: pipeline name -> (pipeline, graph, member link type)."""


def _prepared(space: AtomSpace) -> dict[str, tuple[Pipeline, Dag, str]]:
    table: dict[str, tuple[Pipeline, Dag, str]] = space.extension(_SLOT, dict)
    return table


def prepared_pipeline(space: AtomSpace, name: str) -> tuple[Pipeline, Dag, str]:
    """The (pipeline, graph, member link type) prepared for ``space`` under ``name``."""
    with _lock:
        found = _prepared(space).get(name)
    if found is None:
        raise PipelineError(
            f"no pipeline {name!r} is prepared for this AtomSpace; call "
            "atomtrig.pipeline.trigger.run_on_new_cases(space, PipelineClass, anchor) first"
        )
    return found


def run_on_new_cases(
    space: AtomSpace,
    pipeline: type[Pipeline] | Pipeline,
    anchor: Atom,
    patches: Iterable[str] | Mapping[str, Any] | None = None,
    *,
    mode: str = "async",
    link_type: str = "MemberLink",
    allow_new_keys: bool | None = None,
) -> Link:
    """Run ``pipeline`` for each new case atom added under ``anchor`` as
    ``(MemberLink case anchor)`` (or another ``link_type`` whose first atom is the case and
    whose last is the anchor); return the trigger link.

    Configuration, ``stages()`` set-up and graph errors raise here, before any case arrives.
    ``mode="async"`` (default) runs cases on the trigger layer's worker threads (wait with
    ``space.wait_for_triggers()``); ``mode="sync"`` runs each before the ``add_link`` that
    brought it returns.
    """
    if space.find_extension("atomtrig.triggers") is None:
        raise PipelineError("run_on_new_cases needs an atomtrig.AtomSpace (with the trigger layer)")
    if anchor not in space:
        raise PipelineError(f"the anchor {anchor!r} is not in this AtomSpace")
    instance, dag = prepare(pipeline, patches, allow_new_keys=allow_new_keys)
    name = instance.pipeline_name()
    if ":" in name or not name:
        raise PipelineError(f"a pipeline fired by triggers needs a name without ':', not {name!r}")
    with _lock:
        _prepared(space)[name] = (instance, dag, link_type)
    store_pipeline(space, instance, dag)
    schema = space.add_node("GroundedSchemaNode", SCHEMA_PREFIX + name)
    target = space.add_link("ExecutionOutputLink", [schema])
    return space.add_trigger("RelationshipTriggerLink", [anchor, target], mode=mode)  # type: ignore[attr-defined,no-any-return]


def _run_coroutine(coroutine: Any) -> Any:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    # A synchronous firing from inside a running event loop: run on a thread of its own.
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coroutine)
        except BaseException as error:  # handed back to the firing thread below
            box["error"] = error

    thread = threading.Thread(target=target, name="atomtrig-pipeline-case")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def _fire(name: str) -> Callable[..., None]:
    def fire(anchor: Atom, link: Atom | None = None, *rest: Atom) -> None:
        space = anchor.space
        instance, dag, link_type = prepared_pipeline(space, name)
        if link is None or not link.is_link() or not link.type.is_a(link_type):
            return
        out = link.out  # type: ignore[attr-defined]
        if len(out) < 2 or out[-1] is not anchor or out[0] is anchor:
            return
        case = out[0]
        data = case_data(case)
        pipeline_node = space.add_node(PIPELINE_NODE, name)
        key = space.add_link("ListLink", [pipeline_node, case])
        case.set_value(f"{name}/status", _string("running"))
        space.add_link("StateLink", [key, space.add_node("ConceptNode", "running")])
        result = _run_coroutine(run_case(dag, data))
        ok = instance.passed(result)
        write_result(case, result, bool(ok), prefix=f"{name}/")
        status = "succeeded" if result["succeeded"] else "failed"
        space.add_link("StateLink", [key, space.add_node("ConceptNode", status)])

    fire.__name__ = f"run_{name}"
    return fire


def _string(text: str) -> Any:
    from atomtrig.core.values import StringValue

    return StringValue(text)


def _resolve(name: str, node: Atom) -> Callable[..., Any] | None:
    if not name.startswith(SCHEMA_PREFIX):
        return None
    return _fire(name[len(SCHEMA_PREFIX):])


def install() -> None:
    """Teach grounded nodes the ``pipeline:NAME`` names (done once, on import)."""
    from atomtrig.query.grounded import add_resolver, remove_resolver

    remove_resolver(_resolve)
    add_resolver(_resolve)


install()
