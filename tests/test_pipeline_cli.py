"""The ``atomtrig pipeline`` command: run, rerun, summarize, format, compare, history, list and
add-ids, and finding pipelines by module path or registry."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from atomtrig.pipeline import PipelineNotFoundError, RunLogError, find_log, list_logs, load_pipeline, write_log
from atomtrig.cli import main as atomtrig_main


def main(argv: list[str]) -> int:
    """``atomtrig pipeline ...`` in this process."""
    return atomtrig_main(["pipeline", *argv])
from atomtrig.pipeline.runlog import LOG_DIR_ENV, default_log_dir, log_path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

EXAMPLES = ROOT / "examples" / "pipelines"
ARITH = "examples.pipelines.arithmetic:ArithmeticPipeline"
TEMPLATE = f"prepare.template={EXAMPLES / 'arithmetic_template.txt'}"
CASES = str(EXAMPLES / "arithmetic_cases.json")


def cli(capsys: Any, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_run_writes_a_log_and_prints_a_summary(tmp_path: Path, capsys: Any) -> None:
    status, out, err = cli(capsys, "--logs", str(tmp_path), "run", ARITH, CASES, TEMPLATE,
                           "infer.model.name=flaky", "-c", "1", "--no-progress")
    assert (status, err) == (0, "")
    log = find_log("latest", tmp_path)
    assert log["concurrency"] == 1
    assert log["command"].startswith("atomtrig pipeline --logs")
    assert "infer.model.name=flaky" in log["command"]
    assert f"run {log['run_id']}" in out
    assert "6 cases: 2 passed, 4 did not; 2 raised" in out
    assert "RuntimeError: the flaky model is overloaded" in out


def test_rerun_reuses_cases_and_configuration_with_new_overrides(tmp_path: Path, capsys: Any) -> None:
    cli(capsys, "--logs", str(tmp_path), "run", ARITH, CASES, TEMPLATE, "infer.model.name=flaky", "-c", "1")
    first = find_log("latest", tmp_path)
    status, out, err = cli(capsys, "--logs", str(tmp_path), "--allow-module", "examples", "rerun",
                           first["run_id"][:8], "infer.model.name=perfect")
    assert (status, err) == (0, "")
    logs = list_logs(tmp_path)
    assert len(logs) == 2
    second = next(log for log in logs if log["run_id"] != first["run_id"])
    assert second["rerun_of"] == first["run_id"]
    assert second["concurrency"] == 1  # the logged run's, unless -c says otherwise
    assert second["pipeline"]["config"]["prepare"]["template"] == first["pipeline"]["config"]["prepare"]["template"]
    assert second["pipeline"]["config"]["infer"]["model"]["name"] == "perfect"
    assert [r["case"] for r in second["results"]] == [r["case"] for r in first["results"]]
    assert second["summary"]["passed"] == 6

    status, out, _ = cli(capsys, "--logs", str(tmp_path), "compare", first["run_id"][:8], second["run_id"][:8])
    assert status == 0
    rows = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:5]]
            for line in out.splitlines() if line.startswith("│")}
    assert rows["add-1"] == ["pass", "pass", ""]
    assert rows["sub-1"] == ["fail", "pass", "fixed"]
    assert rows["mul-1"] == ["fail", "pass", "fixed"]
    assert "6 cases in both, 4 changed; 0 only in A, 0 only in B" in " ".join(out.split())

    status, out, _ = cli(capsys, "--logs", str(tmp_path), "history")
    assert status == 0 and first["run_id"] in out and second["run_id"] in out

    status, out, _ = cli(capsys, "--logs", str(tmp_path), "summarize", "latest")
    assert status == 0 and "6 cases: 6 passed, 0 did not; 0 raised" in out

    status, out, _ = cli(capsys, "--logs", str(tmp_path), "format", first["run_id"][:8], "mul-1")
    assert status == 0
    assert out.startswith("case mul-1: error")
    assert "exception in stage infer: RuntimeError: the flaky model is overloaded" in out
    assert "Traceback (most recent call last)" in out


def test_format_without_a_case_shows_every_case(tmp_path: Path, capsys: Any) -> None:
    cli(capsys, "--logs", str(tmp_path), "run", ARITH, CASES, TEMPLATE, "infer.model.name=perfect")
    status, out, _ = cli(capsys, "--logs", str(tmp_path), "format", "latest")
    assert status == 0
    assert [line.split(":")[0] for line in out.splitlines() if line.startswith("case ")] == [
        "case add-1", "case sub-1", "case mul-1", "case div-1", "case add-2", "case mul-2"]
    status, _, err = cli(capsys, "--logs", str(tmp_path), "format", "latest", "zzz")
    assert status == 2 and "has no case whose id starts with 'zzz'" in err
    status, _, err = cli(capsys, "--logs", str(tmp_path), "format", "latest", "add")
    assert status == 2 and "'add' matches 2 cases (add-1, add-2); give more of the id" in err


def test_compare_lists_cases_only_in_one_run(tmp_path: Path, capsys: Any) -> None:
    few = tmp_path / "few.json"
    cases = json.loads(Path(CASES).read_text())
    few.write_text(json.dumps(cases[:2] + [{"id": "extra", "user": "What is 1 + 1?", "answer": 2}]))
    cli(capsys, "--logs", str(tmp_path / "logs"), "run", ARITH, CASES, TEMPLATE, "infer.model.name=perfect")
    a = find_log("latest", tmp_path / "logs")["run_id"]
    cli(capsys, "--logs", str(tmp_path / "logs"), "run", ARITH, str(few), TEMPLATE, "infer.model.name=perfect")
    b = next(log["run_id"] for log in list_logs(tmp_path / "logs") if log["run_id"] != a)
    status, out, _ = cli(capsys, "--logs", str(tmp_path / "logs"), "compare", a, b)
    assert status == 0
    assert "only in A" in out and "only in B" in out
    assert "2 cases in both, 0 changed; 4 only in A, 1 only in B" in " ".join(out.split())


def test_errors_exit_2_with_a_message(tmp_path: Path, capsys: Any) -> None:
    status, _, err = cli(capsys, "--logs", str(tmp_path), "run", ARITH, CASES)
    assert status == 2 and err.startswith("error: 2 required settings are not set:")
    status, _, err = cli(capsys, "--logs", str(tmp_path), "run", ARITH, CASES, TEMPLATE, "infer.model.nam=x")
    assert status == 2 and "did you mean infer.model.name?" in err
    status, _, err = cli(capsys, "--logs", str(tmp_path), "run", "no.such.module:P", CASES)
    assert status == 2 and "no module named 'no'" in err
    status, _, err = cli(capsys, "--logs", str(tmp_path), "summarize", "latest")
    assert status == 2 and err == f"error: no run logs in {tmp_path}\n"
    assert list(tmp_path.iterdir()) == []


def test_run_log_lookup_by_prefix(tmp_path: Path) -> None:
    for run_id, start in (("ab12", "2026-01-01"), ("ab34", "2026-01-02"), ("cd56", "2026-01-03")):
        write_log({"run_id": run_id, "start": start, "results": []}, tmp_path)
    assert find_log("c", tmp_path)["run_id"] == "cd56"
    assert find_log("ab3", tmp_path)["run_id"] == "ab34"
    assert find_log("latest", tmp_path)["run_id"] == "cd56"
    with pytest.raises(RunLogError, match=r"'ab' matches 2 run logs \(ab12, ab34\); give more of the id"):
        find_log("ab", tmp_path)
    with pytest.raises(RunLogError, match=r"no run log whose id starts with 'zz' .* \(3 logs there"):
        find_log("zz", tmp_path)
    with pytest.raises(RunLogError, match="must not be empty"):
        find_log("", tmp_path)
    (tmp_path / "junk.json").write_text("[1]")
    assert [log["run_id"] for log in list_logs(tmp_path)] == ["ab12", "ab34", "cd56"]
    with pytest.raises(RunLogError, match="is not a run log"):
        find_log("junk", tmp_path)
    with pytest.raises(RunLogError, match="usable as a file name"):
        write_log({"run_id": "../escape"}, tmp_path)
    assert log_path("cd", tmp_path).name == "cd56.json"


def test_log_folder_defaults(monkeypatch: Any, tmp_path: Path) -> None:
    monkeypatch.delenv(LOG_DIR_ENV, raising=False)
    assert default_log_dir() == Path("logs")
    monkeypatch.setenv(LOG_DIR_ENV, str(tmp_path))
    assert default_log_dir() == tmp_path


def test_add_ids_fills_missing_ids_in_place(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "cases.yaml"
    path.write_text("- {id: keep, q: 1}\n- {q: 2}\n- {q: 3}\n")
    status, out, _ = cli(capsys, "add-ids", str(path))
    assert status == 0 and "2 ids added" in out
    cases = yaml.safe_load(path.read_text())
    assert cases[0] == {"id": "keep", "q": 1}
    assert all("id" in c for c in cases) and len({c["id"] for c in cases}) == 3
    status, _, err = cli(capsys, "--logs", str(tmp_path), "run", ARITH, str(tmp_path / "none.yaml"))
    assert status == 2 and "cannot read cases" in err


def test_pipelines_are_found_by_module_path_and_registry(tmp_path: Path, monkeypatch: Any, capsys: Any) -> None:
    from examples.pipelines.dag import DiamondPipeline

    assert load_pipeline("examples.pipelines.dag:DiamondPipeline") is DiamondPipeline
    assert load_pipeline("examples.pipelines.dag") is DiamondPipeline  # the module's only pipeline
    with pytest.raises(PipelineNotFoundError, match="has no 'Nope'"):
        load_pipeline("examples.pipelines.dag:Nope")
    with pytest.raises(PipelineNotFoundError, match="is <function"):
        load_pipeline("json:dumps")
    with pytest.raises(PipelineNotFoundError, match=r"module 'json' defines 0 Pipeline subclasses \(none\)"):
        load_pipeline("json")
    with pytest.raises(PipelineNotFoundError, match="not a registered name and not an importable module"):
        load_pipeline("diamnd")

    status, out, _ = cli(capsys, "list")
    assert status == 0 and "no registered pipelines" in out
    dist = tmp_path / "demo_pipelines-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: demo-pipelines\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[atomtrig.pipelines]\ndiamond = examples.pipelines.dag:DiamondPipeline\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert load_pipeline("diamond") is DiamondPipeline
    with pytest.raises(PipelineNotFoundError, match=r"did you mean diamond\?.*Registered pipelines: diamond"):
        load_pipeline("diamnd")
    status, out, _ = cli(capsys, "list")
    assert status == 0 and "diamond" in out and "--allow-module examples.pipelines.dag" in out
    status, out, _ = cli(capsys, "--allow-module", "examples", "list")
    assert status == 0 and "diamond" in out and "The A-F DAG from the GoTaglio documentation" in out
    status, out, _ = cli(capsys, "--logs", str(tmp_path / "logs"), "run", "diamond", str(EXAMPLES / "dag_cases.yaml"))
    assert status == 0
    assert find_log("latest", tmp_path / "logs")["results"][0]["stages"]["F"] == 17


def test_the_atomtrig_command_has_the_pipeline_subcommand(tmp_path: Path, capsys: Any) -> None:
    from atomtrig.cli import main as atomtrig_main

    status = atomtrig_main(["pipeline", "--logs", str(tmp_path), "run", "examples.pipelines.dag:DiamondPipeline",
                            str(EXAMPLES / "dag_cases.yaml"), "delays.B=0.001"])
    out = capsys.readouterr().out
    assert status == 0 and "2 cases: 2 passed" in out
    log = find_log("latest", tmp_path)
    assert log["pipeline"]["config"]["delays"]["B"] == 0.001
    assert atomtrig_main(["pipeline", "--logs", str(tmp_path), "summarize", "nope"]) == 2
    assert "no run log whose id starts with 'nope'" in capsys.readouterr().err


def test_import_puts_a_run_into_a_store_file(tmp_path: Path, capsys: Any) -> None:
    import atomtrig
    from atomtrig.pipeline.store import json_value, results_of

    cli(capsys, "--logs", str(tmp_path), "run", ARITH, CASES, TEMPLATE, "infer.model.name=flaky", "-c", "1")
    run_id = find_log("latest", tmp_path)["run_id"]
    store = tmp_path / "runs.db"
    status, out, err = cli(capsys, "--logs", str(tmp_path), "--allow-module", "examples", "import",
                           run_id[:6], "--into", str(store))
    assert (status, err) == (0, "") and "6 case results imported" in out
    space = atomtrig.AtomSpace.open(store)
    try:
        pairs = {case.name: link for case, link in results_of(space, run_id)}
        assert sorted(pairs) == sorted(c["id"] for c in json.loads(Path(CASES).read_text()))
        assert pairs["sub-1"].get_value("passed")[0] == 0.0  # the pipeline's own passed()
        assert json_value(pairs["sub-1"], "stage/assess") == {"error": 1.0, "correct": False}
        assert pairs["mul-1"].tv.strength == 0.0
    finally:
        space.close()


def test_summary_counts_failures_and_stage_times() -> None:
    from atomtrig.pipeline import run_pipeline
    from atomtrig.pipeline.report import summary
    from examples.pipelines.arithmetic import ArithmeticPipeline

    log = run_pipeline(ArithmeticPipeline, json.loads(Path(CASES).read_text()), [TEMPLATE, "infer.model.name=flaky"],
                       concurrency=1)
    s = summary(log, lambda r: ArithmeticPipeline.passed(None, r))  # type: ignore[arg-type]
    assert (s["cases"], s["succeeded"], s["failed"], s["passed"]) == (6, 4, 2, 2)
    assert [(f["id"], f["stage"], f["type"]) for f in s["failures"]] == [
        ("mul-1", "infer", "RuntimeError"), ("mul-2", "infer", "RuntimeError")]
    assert set(s["stage_seconds"]) == {"prepare", "infer", "extract", "assess"}
    assert all(v >= 0 for v in s["stage_seconds"].values())


LOGGED_PIPELINE = """
import os
open(os.environ["ATOMTRIG_TEST_MARKER"], "a").write("imported\\n")
from atomtrig.pipeline import Pipeline

class Echo(Pipeline):
    def stages(self):
        async def echo(context):
            return context["case"]["text"]
        return {"echo": echo}
"""


def test_a_run_log_names_code_that_runs_only_if_allowed(tmp_path: Path) -> None:
    """summarize/rerun read the pipeline class a log names: its module is imported only when
    allowed; rerun refuses with the flag to use, summarize falls back to the default report."""
    (tmp_path / "loggedpipe.py").write_text(LOGGED_PIPELINE)
    (tmp_path / "cases.json").write_text(json.dumps([{"id": "a", "text": "hi"}]))
    marker = tmp_path / "marker.txt"
    env = {**os.environ, "ATOMTRIG_TEST_MARKER": str(marker),
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[1]), str(tmp_path)])}

    def atomtrig_cmd(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "atomtrig", "pipeline", "--logs", str(tmp_path / "logs"), *argv],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)

    made = atomtrig_cmd("run", "loggedpipe:Echo", "cases.json", "--no-progress")
    assert made.returncode == 0, made.stderr
    marker.unlink()
    summary = atomtrig_cmd("summarize", "latest")
    assert summary.returncode == 0 and "a" in summary.stdout
    assert "--allow-module loggedpipe" in summary.stderr
    rerun = atomtrig_cmd("rerun", "latest")
    assert rerun.returncode == 2
    assert "module 'loggedpipe' is not allowed" in rerun.stderr and "--allow-module loggedpipe" in rerun.stderr
    assert not marker.exists(), "a module named by a run log was imported without being allowed"
    allowed = atomtrig_cmd("--allow-module", "loggedpipe", "rerun", "latest", "--no-progress")
    assert allowed.returncode == 0, allowed.stderr
    assert marker.exists()
