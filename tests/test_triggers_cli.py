"""`atomtrig triggers`: the per-trigger statistics table, and its --json form."""

from __future__ import annotations

import json
from pathlib import Path

from atomtrig.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "scheme_examples"


def test_triggers_json_lists_each_trigger_with_its_stats(capsys):
    status = main(["triggers", "--json", "--allow-schemas", str(EXAMPLES),
                   str(EXAMPLES / "seed_verbatim_strength.scm"),
                   str(EXAMPLES / "seed_ping_trigger.scm")])
    assert status == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    by_kind = {row["kind"]: row for row in lines}
    assert by_kind["strength"]["fired"] == 1 and by_kind["strength"]["failed"] == 1
    assert "PredicateNode" in by_kind["strength"]["last_error"]
    assert by_kind["ping"]["fired"] == 2 and by_kind["ping"]["failed"] == 0
    assert by_kind["ping"]["mode"] == "sync" and by_kind["ping"]["mean_duration"] > 0


def test_triggers_table(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    script = tmp_path / "t.scm"
    script.write_text('(define b (Concept "b"))\n'
                      '(PingTriggerLink b (ExecutionOutputLink (GroundedSchemaNode "nothere.py")))\n'
                      '(cog-ping! b)\n')
    assert main(["triggers", "--width", "200", str(script)]) == 0
    out = capsys.readouterr().out
    assert "1 trigger(s)" in out and "PingTriggerLink" in out and "ping" in out
    assert "not found" in out  # the last error: the file schema is missing
