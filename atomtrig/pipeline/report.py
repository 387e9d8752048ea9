"""Reading run logs back: summaries, one case in full, two runs compared, the run history.

The functions return plain data (for tests and scripts) or rich tables (for the command line).
``passed`` decides what a pass is; it is the pipeline's :meth:`Pipeline.passed` when the pipeline
can be loaded, else "every stage ran".

>>> a = {"run_id": "a", "results": [
...     {"succeeded": True, "case": {"id": 1}, "stages": {}, "metadata": {}},
...     {"succeeded": False, "case": {"id": 2}, "stages": {}, "metadata": {}}]}
>>> b = {"run_id": "b", "results": [
...     {"succeeded": True, "case": {"id": 2}, "stages": {}, "metadata": {}},
...     {"succeeded": True, "case": {"id": 3}, "stages": {}, "metadata": {}}]}
>>> compare_runs(a, b)
{'only_a': [1], 'only_b': [3], 'both': [{'id': 2, 'a': False, 'b': True}]}
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from rich.table import Table

from atomtrig.pipeline.errors import RunLogError

__all__ = [
    "case_text",
    "compare_runs",
    "compare_table",
    "find_case",
    "history_table",
    "summary",
    "summary_table",
]

Passed = Callable[[Mapping[str, Any]], bool]


def _succeeded(result: Mapping[str, Any]) -> bool:
    return bool(result.get("succeeded"))


def _case_id(result: Mapping[str, Any]) -> Any:
    return (result.get("case") or {}).get("id")


def summary(log: Mapping[str, Any], passed: Passed = _succeeded) -> dict[str, Any]:
    """Counts and the failing cases of a run.

    ``{"cases", "succeeded", "failed", "passed", "failures": [{"id", "stage", "type",
    "message"}], "stage_seconds": {stage: mean elapsed}}``
    """
    results = log.get("results", [])
    failures = []
    times: dict[str, list[float]] = {}
    for r in results:
        exc = (r.get("metadata") or {}).get("exception")
        if exc:
            failures.append({"id": _case_id(r), "stage": exc.get("stage"), "type": exc.get("type"),
                             "message": exc.get("message")})
        for stage, t in ((r.get("metadata") or {}).get("stages") or {}).items():
            times.setdefault(stage, []).append(float(t.get("elapsed") or 0.0))
    succeeded = sum(1 for r in results if r.get("succeeded"))
    return {
        "cases": len(results),
        "succeeded": succeeded,
        "failed": len(results) - succeeded,
        "passed": sum(1 for r in results if passed(r)),
        "failures": failures,
        "stage_seconds": {k: sum(v) / len(v) for k, v in times.items()},
    }


def summary_table(log: Mapping[str, Any], passed: Passed = _succeeded) -> Table:
    """A table with one row per case: id, pass/fail, time, and the failing stage."""
    s = summary(log, passed)
    pipeline = log.get("pipeline", {})
    table = Table(
        title=f"run {log.get('run_id', '?')} of {pipeline.get('name', '?')}",
        caption=(f"{s['cases']} cases: {s['passed']} passed, {s['cases'] - s['passed']} did not; "
                 f"{s['failed']} raised"
                 + ("\nmean seconds per stage: " + ", ".join(
                     f"{stage} {seconds:.3f}" for stage, seconds in s["stage_seconds"].items())
                    if s["stage_seconds"] else "")),
    )
    for column in ("id", "result", "seconds", "failed stage", "error"):
        table.add_column(column)
    for r in log.get("results", []):
        meta = r.get("metadata") or {}
        exc = meta.get("exception") or {}
        status = "pass" if passed(r) else ("error" if exc else "fail")
        elapsed = meta.get("elapsed")
        table.add_row(
            str(_case_id(r)),
            status,
            f"{elapsed:.3f}" if isinstance(elapsed, (int, float)) else "",
            str(exc.get("stage", "")),
            f"{exc.get('type', '')}: {exc.get('message', '')}" if exc else "",
        )
    return table


def find_case(log: Mapping[str, Any], ref: str) -> dict[str, Any]:
    """The result of the case whose id is ``ref`` or starts with it (unique)."""
    results = log.get("results", [])
    exact = [r for r in results if str(_case_id(r)) == ref]
    if exact:
        return exact[0]  # type: ignore[no-any-return]
    matches = [r for r in results if str(_case_id(r)).startswith(ref)]
    if len(matches) == 1:
        return matches[0]  # type: ignore[no-any-return]
    if not matches:
        raise RunLogError(f"run {log.get('run_id')} has no case whose id starts with {ref!r}")
    ids = ", ".join(str(_case_id(r)) for r in matches[:5])
    raise RunLogError(f"{ref!r} matches {len(matches)} cases ({ids}); give more of the id")


def case_text(result: Mapping[str, Any], passed: Passed = _succeeded) -> str:
    """One case in full: its id and status, the case, each stage's result and time, and the
    exception with its traceback."""
    meta = result.get("metadata") or {}
    exc = meta.get("exception")
    status = "pass" if passed(result) else ("error" if exc else "fail")
    lines = [f"case {_case_id(result)}: {status}", "case:", _indent(json.dumps(result.get("case"), indent=2))]
    timings = meta.get("stages") or {}
    for stage, value in (result.get("stages") or {}).items():
        t = timings.get(stage, {}).get("elapsed")
        took = f" ({t:.3f}s)" if isinstance(t, (int, float)) else ""
        lines.append(f"stage {stage}{took}:")
        lines.append(_indent(json.dumps(value, indent=2, ensure_ascii=False)))
    if exc:
        lines.append(f"exception in stage {exc.get('stage')}: {exc.get('type')}: {exc.get('message')}")
        if exc.get("traceback"):
            lines.append(_indent(str(exc["traceback"]).rstrip()))
    if meta.get("cancelled"):
        lines.append("cancelled: " + ", ".join(meta["cancelled"]))
    return "\n".join(lines)


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


def compare_runs(
    log_a: Mapping[str, Any],
    log_b: Mapping[str, Any],
    passed_a: Passed = _succeeded,
    passed_b: Passed | None = None,
) -> dict[str, Any]:
    """Cases only in A, only in B, and pass/fail side by side for the cases in both (in A's
    order)."""
    passed_b = passed_a if passed_b is None else passed_b
    a = {_case_id(r): r for r in log_a.get("results", [])}
    b = {_case_id(r): r for r in log_b.get("results", [])}
    return {
        "only_a": [k for k in a if k not in b],
        "only_b": [k for k in b if k not in a],
        "both": [{"id": k, "a": passed_a(a[k]), "b": passed_b(b[k])} for k in a if k in b],
    }


def compare_table(log_a: Mapping[str, Any], log_b: Mapping[str, Any], comparison: Mapping[str, Any]) -> Table:
    """The comparison as a table: one row per case, A's and B's result side by side."""
    name_a, name_b = str(log_a.get("run_id", "A"))[:8], str(log_b.get("run_id", "B"))[:8]
    both = comparison["both"]
    changed = sum(1 for row in both if row["a"] != row["b"])
    table = Table(
        title=f"{name_a} (A) vs {name_b} (B)",
        caption=(f"{len(both)} cases in both, {changed} changed; {len(comparison['only_a'])} only in A, "
                 f"{len(comparison['only_b'])} only in B"),
    )
    for column in ("id", "A", "B", ""):
        table.add_column(column)
    for row in both:
        mark = "" if row["a"] == row["b"] else ("fixed" if row["b"] else "broken")
        table.add_row(str(row["id"]), _pf(row["a"]), _pf(row["b"]), mark)
    for k in comparison["only_a"]:
        table.add_row(str(k), "", "-", "only in A")
    for k in comparison["only_b"]:
        table.add_row(str(k), "-", "", "only in B")
    return table


def _pf(value: bool) -> str:
    return "pass" if value else "fail"


def history_table(logs: Iterable[Mapping[str, Any]]) -> Table:
    """One row per run: id, start, pipeline, cases, succeeded, command."""
    table = Table(title="pipeline runs")
    for column in ("run id", "start", "pipeline", "cases", "succeeded", "command"):
        table.add_column(column)
    for log in logs:
        s = log.get("summary") or {}
        table.add_row(
            str(log.get("run_id")),
            str(log.get("start", "")),
            str((log.get("pipeline") or {}).get("name", "")),
            str(s.get("cases", len(log.get("results", [])))),
            str(s.get("succeeded", "")),
            str(log.get("command", "")),
        )
    return table
