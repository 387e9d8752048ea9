"""Pipelines: GoTaglio-style DAGs of async stages, run over suites of cases, stored as atoms and
fired by triggers.

One module per job: ``config`` (Prompt/Internal markers, dotted overrides), ``pipeline`` (the
``Pipeline`` base class), ``dag`` (checking the stage graph), ``runner`` (running cases with
asyncio), ``cases`` (case suites), ``runlog`` (run logs on disk), ``report`` (summaries and
comparisons), ``registry`` (finding pipeline classes), ``store`` (pipelines, runs and results as
atoms), ``trigger`` (running a pipeline when a case atom arrives) and ``cli`` (the
``atomtrig pipeline`` command).

>>> from atomtrig.pipeline import Pipeline, run_pipeline
>>> class Double(Pipeline):
...     name = "double"
...     def stages(self):
...         async def double(context):
...             return 2 * context["case"]["x"]
...         return {"double": double}
>>> run_pipeline(Double, [{"id": "a", "x": 21}])["results"][0]["stages"]
{'double': 42}
"""

from atomtrig.pipeline.cases import check_cases, fill_ids, load_cases
from atomtrig.pipeline.config import Internal, Prompt, apply_overrides, check_prompts
from atomtrig.pipeline.dag import Dag, Stage, build_dag
from atomtrig.pipeline.errors import (
    CaseError,
    ConfigError,
    DagError,
    ExceptionContext,
    PipelineError,
    PipelineNotFoundError,
    RunLogError,
    StageResultError,
)
from atomtrig.pipeline.pipeline import Pipeline
from atomtrig.pipeline.registry import load_pipeline, registered_pipelines
from atomtrig.pipeline.runlog import find_log, list_logs, write_log
from atomtrig.pipeline.runner import arun_pipeline, prepare, run_pipeline
from atomtrig.pipeline.store import add_case, import_run_log, load_dag, store_pipeline
from atomtrig.pipeline.trigger import run_on_new_cases

__all__ = [
    "CaseError",
    "ConfigError",
    "Dag",
    "DagError",
    "ExceptionContext",
    "Internal",
    "Pipeline",
    "PipelineError",
    "PipelineNotFoundError",
    "Prompt",
    "RunLogError",
    "Stage",
    "add_case",
    "StageResultError",
    "apply_overrides",
    "arun_pipeline",
    "build_dag",
    "check_cases",
    "check_prompts",
    "fill_ids",
    "import_run_log",
    "load_dag",
    "find_log",
    "list_logs",
    "load_cases",
    "load_pipeline",
    "prepare",
    "registered_pipelines",
    "run_on_new_cases",
    "run_pipeline",
    "store_pipeline",
    "write_log",
]
