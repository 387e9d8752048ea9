"""Keeps the benchmark code from rotting: runs the core benchmark's quick mode on a tiny store
and checks the structure of what it prints (never the timings)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import bench_core
from bench.harness import Failure, Job, Probe, Report, Target, run_job

MEASUREMENT_KEYS = {"type", "bench", "workload", "size", "contender", "metric", "unit", "better",
                    "value", "min", "max", "repeats", "samples", "ratios"}


def _lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_quick_core_run_prints_json_lines_table_and_targets(tmp_path: Path) -> None:
    out = io.StringIO()
    md = tmp_path / "core.md"
    bench_core.run(["--quick", "--sizes", "300", "--contenders", "floor,atomtrig",
                    "--lookups", "20", "--markdown", str(md)], stream=out)
    text = out.getvalue()
    lines = _lines(text)
    machine = lines[0]
    assert machine["type"] == "machine"
    assert {"cpu_model", "cores", "python", "commit", "utc"} <= machine.keys()

    measurements = [l for l in lines if l["type"] == "measurement"]
    assert measurements and all(MEASUREMENT_KEYS <= l.keys() for l in measurements)
    seen = {(l["workload"], l["contender"], l["metric"]) for l in measurements}
    for contender in ("floor", "atomtrig"):
        assert ("W1", contender, "insert") in seen
        assert ("W2", contender, "incoming lookup") in seen
        assert ("W1", contender, "insert (CPU time)") in seen
        assert ("W5", contender, "peak RSS/atom") in seen
    for l in measurements:
        assert l["size"] == 300 and l["value"] > 0
        assert set(l["ratios"]) == {"floor", "hyperon"}
        if l["contender"] == "floor":
            assert l["ratios"]["floor"] == pytest.approx(1.0)
        assert l["ratios"]["hyperon"] is None  # hyperon was not in this run

    targets = [l for l in lines if l["type"] == "target"]
    labels = {t["label"] for t in targets}
    assert any(label.startswith("W1 atomtrig N=300") for label in labels)
    assert any(label.startswith("W5 atomtrig N=300") for label in labels)
    assert all(t["met"] in (True, False) for t in targets)
    # The rich table and the Markdown rendering name every contender.
    assert "medians over interleaved repeats" in text and "x floor" in text
    assert "| W1 | 300 | atomtrig | insert |" in md.read_text()


def test_a_crashing_contender_becomes_a_failure_not_an_exception() -> None:
    result = run_job(Job("broken", "bench.no_such_module:target", {}, timeout=60))
    assert isinstance(result, Failure)
    assert result.returncode == 1 and "No module named" in result.reason


def test_report_ratios_and_targets() -> None:
    report = Report("t", baseline="base", references=("peer",), stream=io.StringIO(),
                    facts={"cpu_model": "x"})
    report.add("W", 10, "base", "rate", "ops/s", [10, 30, 20])
    report.add("W", 10, "peer", "rate", "ops/s", [5])
    ours = report.add("W", 10, "ours", "rate", "ops/s", [40, 40, 40])
    report.target(Target("ours >= 1.5x base", "W", "rate", "ours", 10, 1.5, vs="base",
                         stretch=3.0))
    report.target(Target("ours missing", "W", "rate", "ours", 99, 1.0, vs="base"))
    checked = report.finish()
    assert report.ratios(ours) == {"base": 2.0, "peer": 8.0}
    assert [(c["met"], c["stretch_met"]) for c in checked] == [(True, False), (None, None)]
    kinds = [l["type"] for l in report.json_lines()]
    assert kinds == ["machine", "measurement", "measurement", "measurement", "target", "target"]


def test_probe_in_time_mode_measures_nothing_and_rejects_unknown_modes() -> None:
    probe = Probe("time")
    probe.start()
    probe.stop(atoms=10)
    assert probe.results == {}
    with pytest.raises(ValueError):
        Probe("wall-clock")
