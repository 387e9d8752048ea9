"""Running cases through a pipeline with asyncio.

Each case runs with a context ``{"case", "stages", "metadata"}``. A stage starts as soon as all its
inputs are done, so independent stages overlap. A stage that raises (or returns something that is
not JSON-serialisable) stops its case: stages still running are cancelled, the results of the
stages that finished are kept, and the exception is recorded with the stage's name. Cases run
concurrently up to a limit. Per-stage start, end (seconds since the epoch) and elapsed time go into
the metadata.

>>> from atomtrig.pipeline import Pipeline, run_pipeline
>>> class Add(Pipeline):
...     name = "add"
...     def stages(self):
...         async def total(context):
...             return context["case"]["a"] + context["case"]["b"]
...         async def check(context):
...             return context["stages"]["total"] == context["case"]["expected"]
...         return {"total": total, "check": check}
>>> log = run_pipeline(Add, [{"id": "1", "a": 1, "b": 2, "expected": 3}])
>>> result = log["results"][0]
>>> result["succeeded"], result["stages"], sorted(result["metadata"]["stages"])
(True, {'total': 3, 'check': True}, ['check', 'total'])
"""

from __future__ import annotations

import asyncio
import inspect
import shlex
import sys
import time
import traceback
import types
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from atomtrig.pipeline.cases import check_cases
from atomtrig.pipeline.config import _is_json
from atomtrig.pipeline.dag import Dag, Stage, build_dag
from atomtrig.pipeline.errors import PipelineError, StageResultError
from atomtrig.pipeline.pipeline import Pipeline

__all__ = [
    "arun_pipeline",
    "iso_time",
    "prepare",
    "run_case",
    "run_cases",
    "run_pipeline",
]

_SCALARS = (str, int, float, bool, type(None))
_COROUTINE = types.CoroutineType
ResultCallback = Callable[[dict[str, Any]], None]


def iso_time(seconds: float) -> str:
    """Seconds since the epoch as ISO 8601 UTC text.

    >>> iso_time(0)
    '1970-01-01T00:00:00+00:00'
    """
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat()


def _exception_record(stage: str, error: BaseException) -> dict[str, Any]:
    return {
        "stage": stage,
        "type": type(error).__qualname__,
        "message": str(error),
        "notes": list(getattr(error, "__notes__", ())),
        "traceback": "".join(traceback.format_exception(error)),
    }


def _check_result(stage: str, value: Any) -> None:
    if type(value) in _SCALARS or _is_json(value):
        return
    raise StageResultError(
        f"stage {stage!r} returned {type(value).__name__} {value!r:.80}, which is not "
        "JSON-serialisable; stage results go into the run log, so return JSON values "
        "(dicts with string keys, lists, strings, numbers, booleans, None)"
    )


async def _call(stage: Stage, context: dict[str, Any]) -> Any:
    # A DAG stage as a task: it times itself, so the times are when it really ran.
    start = time.time()
    try:
        value = stage.function(context)
        if inspect.isawaitable(value):
            value = await value
        _check_result(stage.name, value)
        return value
    finally:
        end = time.time()
        context["metadata"]["stages"][stage.name] = {"start": start, "end": end, "elapsed": end - start}


async def _run_graph(dag: Dag, context: dict[str, Any]) -> None:
    results = context["stages"]
    metadata = context["metadata"]
    waiting = {s.name: len(s.inputs) for s in dag.stages}
    by_name = {s.name: s for s in dag.stages}
    running: dict[asyncio.Task[Any], Stage] = {}

    def start(stage: Stage) -> None:
        running[asyncio.ensure_future(_call(stage, context))] = stage

    for name in dag.roots:
        start(by_name[name])
    while running:
        done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
        failed: list[tuple[Stage, BaseException]] = []
        ready: list[Stage] = []
        for task in done:
            stage = running.pop(task)
            error = (
                asyncio.CancelledError(f"stage {stage.name!r} was cancelled")
                if task.cancelled()
                else task.exception()
            )
            if error is not None:
                failed.append((stage, error))
                continue
            results[stage.name] = task.result()
            for follower in dag.dependents[stage.name]:
                waiting[follower] -= 1
                if waiting[follower] == 0:
                    ready.append(by_name[follower])
        if failed:
            position = dag.rank
            failed.sort(key=lambda item: position[item[0].name])
            stage, error = failed[0]
            metadata["exception"] = _exception_record(stage.name, error)
            if len(failed) > 1:
                metadata["other_exceptions"] = [_exception_record(s.name, e) for s, e in failed[1:]]
            if running:
                for task in running:
                    task.cancel()
                await asyncio.gather(*running, return_exceptions=True)
                metadata["cancelled"] = sorted((s.name for s in running.values()), key=lambda n: position[n])
            return
        for stage in sorted(ready, key=lambda s: dag.rank[s.name]):
            start(stage)


async def run_case(dag: Dag, case: Mapping[str, Any]) -> dict[str, Any]:
    """Run one case through a checked :class:`Dag`; return its context ``{"case", "stages",
    "metadata"}`` with ``"succeeded"`` added. Never raises for a stage's failure: that is
    recorded in the metadata. The case dict is used as given (not copied)."""
    timings: dict[str, Any] = {}
    results: dict[str, Any] = {}
    metadata: dict[str, Any] = {
        "start": None,
        "end": None,
        "elapsed": None,
        "stages": timings,
        "exception": None,
    }
    context: dict[str, Any] = {"case": case, "stages": results, "metadata": metadata}
    now = time.time
    start = first = metadata["start"] = now()
    if dag.is_linear:
        # The hot path: one clock reading per stage boundary (a stage starts when the one
        # before it ends), no tasks.
        for name, function in dag.calls:
            try:
                value = function(context)
                if type(value) is _COROUTINE or inspect.isawaitable(value):
                    value = await value
                if type(value) not in _SCALARS:
                    _check_result(name, value)
            except Exception as error:  # a stage's failure is data: recorded, the case stops
                end = now()
                timings[name] = {"start": start, "end": end, "elapsed": end - start}
                metadata["exception"] = _exception_record(name, error)
                start = end
                break
            end = now()
            timings[name] = {"start": start, "end": end, "elapsed": end - start}
            results[name] = value
            start = end
        end = start
    else:
        await _run_graph(dag, context)
        end = now()
    metadata["end"] = end
    metadata["elapsed"] = end - first
    context["succeeded"] = metadata["exception"] is None
    return context


async def run_cases(
    dag: Dag,
    cases: Sequence[Mapping[str, Any]],
    concurrency: int = 2,
    *,
    on_result: ResultCallback | None = None,
) -> list[dict[str, Any]]:
    """Run ``cases`` through ``dag`` with at most ``concurrency`` cases in flight; results come
    back in the cases' order. ``on_result`` is called as each case finishes (progress bars)."""
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise PipelineError(f"concurrency must be a positive int, not {concurrency!r}")
    results: list[dict[str, Any]] = [{} for _ in cases]
    queue = iter(enumerate(cases))

    async def worker() -> None:
        for i, case in queue:  # one shared iterator: each case is taken by exactly one worker
            result = await run_case(dag, case)
            results[i] = result
            if on_result is not None:
                on_result(result)

    await asyncio.gather(*(worker() for _ in range(min(concurrency, len(cases)) or 1)))
    return results


def prepare(
    pipeline: type[Pipeline] | Pipeline,
    patches: Iterable[str] | Mapping[str, Any] | None = None,
    *,
    replacement_config: Mapping[str, Any] | None = None,
    allow_new_keys: bool | None = None,
) -> tuple[Pipeline, Dag]:
    """Build the pipeline, check its configuration, call ``stages()`` and check the graph: every
    error that does not depend on a case surfaces here, before any case runs."""
    if isinstance(pipeline, Pipeline):
        if patches or replacement_config is not None:
            raise PipelineError("patches and replacement_config apply to a pipeline class, not an instance")
        instance = pipeline
    elif isinstance(pipeline, type) and issubclass(pipeline, Pipeline):
        kwargs: dict[str, Any] = {"replacement_config": replacement_config, "flat_config_patch": patches}
        if allow_new_keys is not None:
            kwargs["allow_new_keys"] = allow_new_keys
        instance = pipeline(**kwargs)
    else:
        raise PipelineError(f"expected a Pipeline subclass or instance, not {pipeline!r}")
    instance.check_config()
    dag = build_dag(instance.stages())
    return instance, dag


def _default_command(instance: Pipeline, patches: object) -> str:
    return "run_pipeline(" + instance.pipeline_name() + (f", {patches!r}" if patches else "") + ")"


async def arun_pipeline(
    pipeline: type[Pipeline] | Pipeline,
    cases: Sequence[Mapping[str, Any]],
    patches: Iterable[str] | Mapping[str, Any] | None = None,
    concurrency: int = 2,
    *,
    replacement_config: Mapping[str, Any] | None = None,
    allow_new_keys: bool | None = None,
    command: str | None = None,
    on_result: ResultCallback | None = None,
    log_dir: str | None = None,
) -> dict[str, Any]:
    """The coroutine behind :func:`run_pipeline`, for callers already inside an event loop."""
    check_cases(cases)
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise PipelineError(f"concurrency must be a positive int, not {concurrency!r}")
    if isinstance(patches, (list, tuple)):
        patches = list(patches)
    instance, dag = prepare(
        pipeline, patches, replacement_config=replacement_config, allow_new_keys=allow_new_keys
    )
    run_id = str(uuid.uuid4())
    start = time.time()
    results = await run_cases(dag, cases, concurrency, on_result=on_result)
    end = time.time()
    log = build_log(instance, dag, results, run_id=run_id, start=start, end=end,
                    concurrency=concurrency, command=command or _default_command(instance, patches))
    if log_dir is not None:
        from atomtrig.pipeline.runlog import write_log

        write_log(log, log_dir)
    return log


def build_log(
    instance: Pipeline,
    dag: Dag,
    results: list[dict[str, Any]],
    *,
    run_id: str,
    start: float,
    end: float,
    concurrency: int,
    command: str,
) -> dict[str, Any]:
    """The run log of a finished run (see the README for its shape)."""
    succeeded = sum(1 for r in results if r["succeeded"])
    if type(instance).passed is Pipeline.passed:
        passed = succeeded
    else:
        passed = sum(1 for r in results if instance.passed(r))
    return {
        "run_id": run_id,
        "command": command,
        "start": iso_time(start),
        "end": iso_time(end),
        "elapsed": end - start,
        "concurrency": concurrency,
        "pipeline": {
            "name": instance.pipeline_name(),
            "description": type(instance).description,
            "reference": type(instance).reference(),
            "config": instance.final_config(),
            "stages": dag.describe(),
        },
        "summary": {
            "cases": len(results),
            "succeeded": succeeded,
            "failed": len(results) - succeeded,
            "passed": passed,
        },
        "results": results,
    }


def run_pipeline(
    pipeline: type[Pipeline] | Pipeline,
    cases: Sequence[Mapping[str, Any]],
    patches: Iterable[str] | Mapping[str, Any] | None = None,
    concurrency: int = 2,
    **options: Any,
) -> dict[str, Any]:
    """Run a list of case dicts through a pipeline and return the run log as a dict (the same
    content ``atomtrig pipeline run`` writes to its file).

    ``patches`` are dotted overrides (``["infer.model.name=gpt4o"]`` or a dict). Keyword options:
    ``replacement_config``, ``allow_new_keys``, ``command`` (recorded in the log), ``on_result``
    (called per finished case) and ``log_dir`` (also write the log there). Configuration, case and
    graph errors raise before any case runs; a stage's exception is recorded in its case.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise PipelineError(
            "run_pipeline() was called inside a running event loop; use "
            "`await atomtrig.pipeline.arun_pipeline(...)` there"
        )
    return asyncio.run(arun_pipeline(pipeline, cases, patches, concurrency, **options))


def command_line(argv: Sequence[str] | None = None) -> str:
    """The command line as text, for the run log."""
    args = list(sys.argv if argv is None else argv)
    return " ".join(shlex.quote(a) for a in args)
