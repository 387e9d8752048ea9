"""The ``atomtrig pipeline`` command: run, rerun, summarize, format, compare, history, list,
add-ids, import.

``python -m atomtrig.pipeline ...`` runs the same command. Pipelines are found by an importable
module path (the current directory is importable, as with ``python -m``) or by
a name in the ``atomtrig.pipelines`` entry-point registry.

>>> from atomtrig.cli import build_parser
>>> args = build_parser().parse_args(
...     ["pipeline", "run", "pkg.mod:P", "cases.json", "infer.model.name=x", "-c", "4"])
>>> args.pipeline, args.overrides, args.concurrency
('pkg.mod:P', ['infer.model.name=x'], 4)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from atomtrig.core.errors import AtomtrigError
from atomtrig.pipeline.cases import check_cases, fill_ids, load_cases, save_cases
from atomtrig.pipeline.pipeline import Pipeline
from atomtrig.pipeline.registry import load_pipeline, load_stored_pipeline, registered_pipelines
from atomtrig.query.errors import ProcedureNotAllowedError
from atomtrig.pipeline.report import (
    case_text,
    compare_runs,
    compare_table,
    find_case,
    history_table,
    summary_table,
)
from atomtrig.pipeline.runlog import default_log_dir, find_log, list_logs, write_log
from atomtrig.pipeline.runner import arun_pipeline, command_line

__all__ = ["NAME", "HELP", "configure", "run"]

NAME = "pipeline"
HELP = "run pipelines over case suites; rerun, summarize, format and compare their runs"


def _console() -> Console:
    return Console(width=None if sys.stdout.isatty() else 200, highlight=False)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--logs", metavar="DIR", default=None,
                        help="run log folder (default: $ATOMTRIG_PIPELINE_LOGS or ./logs)")
    sub = parser.add_subparsers(dest="pipeline_command", metavar="COMMAND", required=True)

    run = sub.add_parser("run", help="run a pipeline over a case suite")
    run.add_argument("pipeline", help="module.path:ClassName, a module path, or a registered name")
    run.add_argument("cases", help="a .json, .yaml or .yml list of cases with unique ids")
    run.add_argument("overrides", nargs="*", metavar="key=value", help="configuration overrides")
    run.add_argument("-c", "--concurrency", type=int, default=2, help="cases in flight at once (2)")
    run.add_argument("--allow-new-keys", action="store_true",
                     help="accept override keys that are not in the default configuration")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")

    rerun = sub.add_parser("rerun", help="run a logged run's cases again with its configuration")
    rerun.add_argument("run_id", metavar="ID", help="a unique prefix of a run id, or latest")
    rerun.add_argument("overrides", nargs="*", metavar="key=value", help="configuration overrides")
    rerun.add_argument("-c", "--concurrency", type=int, default=None,
                       help="cases in flight at once (default: the logged run's)")
    rerun.add_argument("--allow-new-keys", action="store_true")
    rerun.add_argument("--no-progress", action="store_true")

    summarize = sub.add_parser("summarize", help="a table of a run's cases")
    summarize.add_argument("run_id", metavar="ID")

    fmt = sub.add_parser("format", help="a run's cases in full (stage results, exceptions)")
    fmt.add_argument("run_id", metavar="ID")
    fmt.add_argument("case", nargs="?", metavar="CASE", help="only this case (a unique id prefix)")

    compare = sub.add_parser("compare", help="two runs side by side")
    compare.add_argument("run_a", metavar="ID_A")
    compare.add_argument("run_b", metavar="ID_B")

    sub.add_parser("history", help="the runs in the log folder")
    sub.add_parser("list", help="the pipelines installed packages register")

    imp = sub.add_parser("import", help="import a run log into a store as atoms, for querying")
    imp.add_argument("run_id", metavar="ID")
    imp.add_argument("--into", metavar="LOCATION", required=True,
                     help="the store: a file path (SQLite, created if needed) or postgresql://...")

    add_ids = sub.add_parser("add-ids", help="give every case without an id a new one (rewrites the file)")
    add_ids.add_argument("cases", metavar="CASES")






def run(args: argparse.Namespace) -> int:
    """Carry out parsed ``pipeline`` arguments."""
    console = _console()
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    handlers = {
        "run": _run, "rerun": _rerun, "summarize": _summarize, "format": _format,
        "compare": _compare, "history": _history, "list": _list, "add-ids": _add_ids,
        "import": _import,
    }
    try:
        handlers[args.pipeline_command](args, console)
    except AtomtrigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def _execute(
    console: Console,
    pipeline: type[Pipeline],
    cases: list[dict[str, Any]],
    overrides: list[str],
    concurrency: int,
    args: argparse.Namespace,
    replacement: Mapping[str, Any] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> None:
    command = "atomtrig " + command_line(getattr(args, "command_line", None) or sys.argv[1:])
    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, transient=True, disable=args.no_progress or not console.is_terminal,
    )
    with progress:
        task = progress.add_task(pipeline.pipeline_name(), total=len(cases))
        log = asyncio.run(
            arun_pipeline(
                pipeline, cases, overrides, concurrency,
                replacement_config=replacement,
                allow_new_keys=True if args.allow_new_keys else None,
                command=command,
                on_result=lambda _: progress.advance(task),
            )
        )
    if extra:
        log.update(extra)
    path = write_log(log, args.logs)
    console.print(summary_table(log, _passed(_instance_for(log, pipeline))))
    console.print(f"run {log['run_id']}  log: {path}")


def _run(args: argparse.Namespace, console: Console) -> None:
    pipeline = load_pipeline(args.pipeline)
    cases = load_cases(args.cases)
    _execute(console, pipeline, cases, args.overrides, args.concurrency, args)


def _pipeline_class(log: Mapping[str, Any]) -> type[Pipeline]:
    """The logged run's pipeline class: a log names code, so its module must be allowed."""
    info = log.get("pipeline") or {}
    reference = info.get("reference") or info.get("name")
    return load_stored_pipeline(str(reference), what=f"run {log.get('run_id')}'s pipeline {reference}")


def _rerun(args: argparse.Namespace, console: Console) -> None:
    old = find_log(args.run_id, args.logs)
    pipeline = _pipeline_class(old)
    cases = [r["case"] for r in old.get("results", [])]
    concurrency = args.concurrency or int(old.get("concurrency") or 2)
    _execute(console, pipeline, cases, args.overrides, concurrency, args,
             replacement=(old.get("pipeline") or {}).get("config") or {},
             extra={"rerun_of": old["run_id"]})


def _instance_for(log: Mapping[str, Any], cls: type[Pipeline] | None = None) -> Pipeline | None:
    """The logged pipeline (``cls``, else the class the log names, if its module is allowed),
    configured as it ran, for its reporting hooks; None when it cannot be had (reports then use
    the defaults, and say why when the allow-list is the reason)."""
    try:
        cls = cls or _pipeline_class(log)
        return cls(replacement_config=(log.get("pipeline") or {}).get("config") or {}, allow_new_keys=True)
    except ProcedureNotAllowedError as error:
        print(f"note: using the default report; {error}", file=sys.stderr)
    except (AtomtrigError, ImportError, TypeError):
        pass
    return None


def _passed(instance: Pipeline | None) -> Any:
    if instance is None:
        return lambda result: bool(result.get("succeeded"))
    return instance.passed


def _summarize(args: argparse.Namespace, console: Console) -> None:
    log = find_log(args.run_id, args.logs)
    instance = _instance_for(log)
    custom = instance.summarize(log) if instance is not None else None
    console.print(custom if custom is not None else summary_table(log, _passed(instance)))


def _format(args: argparse.Namespace, console: Console) -> None:
    log = find_log(args.run_id, args.logs)
    instance = _instance_for(log)
    passed = _passed(instance)
    results = [find_case(log, args.case)] if args.case else log.get("results", [])
    for result in results:
        text = instance.format_case(result) if instance is not None else None
        console.print(text if text is not None else case_text(result, passed), markup=False)
        console.print()


def _compare(args: argparse.Namespace, console: Console) -> None:
    log_a, log_b = find_log(args.run_a, args.logs), find_log(args.run_b, args.logs)
    passed_a, passed_b = _passed(_instance_for(log_a)), _passed(_instance_for(log_b))
    console.print(compare_table(log_a, log_b, compare_runs(log_a, log_b, passed_a, passed_b)))


def _history(args: argparse.Namespace, console: Console) -> None:
    logs = list_logs(args.logs)
    if not logs:
        console.print(f"no run logs in {args.logs or default_log_dir()}")
        return
    console.print(history_table(logs))


def _list(args: argparse.Namespace, console: Console) -> None:
    registry = registered_pipelines()
    if not registry:
        console.print("no registered pipelines (a package declares them under the "
                      "\"atomtrig.pipelines\" entry-point group); run one by module.path:ClassName")
        return
    table = Table(title="registered pipelines")
    for column in ("name", "class", "description"):
        table.add_column(column)
    for name, entry in sorted(registry.items()):
        try:  # a description is read by importing the pipeline's module: only if allowed
            description = load_stored_pipeline(name, what=f"registered pipeline {name!r}").description
        except ProcedureNotAllowedError:
            description = f"(--allow-module {entry.module} to read its description)"
        except (AtomtrigError, ImportError) as error:
            description = f"(cannot load: {error})"
        table.add_row(name, entry.value, description)
    console.print(table)


def _import(args: argparse.Namespace, console: Console) -> None:
    from atomtrig.pipeline.store import import_run_log
    from atomtrig.space import AtomSpace

    log = find_log(args.run_id, args.logs)
    space = AtomSpace.open(args.into)
    try:
        before = len(space)
        import_run_log(space, log, _passed(_instance_for(log)))
        added = len(space) - before
    finally:
        space.close()
    console.print(f"run {log['run_id']}: {len(log.get('results', []))} case results imported into "
                  f"{args.into} ({added} atoms added)")


def _add_ids(args: argparse.Namespace, console: Console) -> None:
    cases = load_cases(args.cases, require_ids=False)
    before = sum(1 for c in cases if isinstance(c, dict) and "id" in c)
    fill_ids(cases)
    check_cases(cases)
    save_cases(args.cases, cases)
    console.print(f"{len(cases) - before} ids added to {args.cases} ({len(cases)} cases)")

