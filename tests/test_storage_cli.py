"""``--store PATH`` on the atomtrig command: dump/load round trips through stores, the store
subcommand, clear errors for files that are not stores."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import atomtrig
from atomtrig import FloatValue, LinkValue, StringValue, ctv, stv
from atomtrig import cli


def atomtrig_cmd(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "atomtrig.cli", *args], capture_output=True,
                          text=True, timeout=120, cwd=cwd)


def test_every_command_takes_store() -> None:
    import argparse

    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert sub.choices
    for name, command in sub.choices.items():
        options = {o for action in command._actions for o in action.option_strings}
        assert "--store" in options and "--synchronous" in options, name


def _make_store(path: Path) -> dict:
    space = atomtrig.AtomSpace.open(path)
    cat = space.add_node("Concept", "cat", tv=stv(0.9, 0.8))
    animal = space.add_node("Concept", "animal")
    link = space.add_link("Inheritance", [cat, animal], tv=ctv(0.5, 0.25, 7))
    space.add_link("Set", [animal, cat])
    cat.set_value("weight", FloatValue(4.2, 0.1 + 0.2))
    cat.set_value("tags", StringValue("pet", 'quote " back\\slash'))
    link.set_value("evidence", LinkValue([cat, FloatValue(1)]))
    space.add_node("Concept", 'odd "name"\nwith newline')
    from storage_support import snapshot

    expected = snapshot(space)
    space.close()
    return expected


def test_dump_and_load_round_trip_a_store(tmp_path: Path) -> None:
    from storage_support import snapshot

    first, second = tmp_path / "kb.db", tmp_path / "kb2.db"
    expected = _make_store(first)
    dumped = atomtrig_cmd("dump", "--store", str(first))
    assert dumped.returncode == 0, dumped.stderr
    (tmp_path / "kb.scm").write_text(dumped.stdout, encoding="utf-8")
    loaded = atomtrig_cmd("load", "kb.scm", "--store", "kb2.db", "--no-progress", cwd=tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    space = atomtrig.AtomSpace.open(second)
    assert snapshot(space) == expected
    space.close()
    again = atomtrig_cmd("dump", "--store", str(second))
    assert again.stdout == dumped.stdout


def test_a_failed_load_leaves_the_store_unchanged(tmp_path: Path) -> None:
    (tmp_path / "bad.scm").write_text('(Concept "fine")\n(Inheritance (Concept "x")\n',
                                      encoding="utf-8")
    result = atomtrig_cmd("load", "bad.scm", "--store", "kb.db", "--no-progress", cwd=tmp_path)
    assert result.returncode != 0
    space = atomtrig.AtomSpace.open(tmp_path / "kb.db")
    assert len(space) == 0  # one transaction per file: nothing of the broken file
    space.close()


def test_run_writes_through_to_the_store(tmp_path: Path) -> None:
    (tmp_path / "s.scm").write_text('(Inheritance (stv 0.5 0.5) (Concept "a") (Concept "b"))\n',
                                    encoding="utf-8")
    result = atomtrig_cmd("run", "s.scm", "--store", "kb.db", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    space = atomtrig.AtomSpace.open(tmp_path / "kb.db")
    a, b = space.get_node("Concept", "a"), space.get_node("Concept", "b")
    assert space.get_link("Inheritance", [a, b]).tv == stv(0.5, 0.5)
    space.close()


def test_the_store_command_describes_and_checks_a_store(tmp_path: Path) -> None:
    _make_store(tmp_path / "kb.db")
    result = atomtrig_cmd("store", "--store", str(tmp_path / "kb.db"), "--check")
    assert result.returncode == 0, result.stderr
    assert "format version 2" in result.stdout and "integrity   ok" in result.stdout
    assert "multi_process=True" in result.stdout
    assert "InheritanceLink" in result.stdout


def test_a_file_that_is_not_a_store_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello\n", encoding="utf-8")
    result = atomtrig_cmd("dump", "--store", str(path))
    assert result.returncode == 2
    assert "not an atomtrig store" in result.stderr and "Traceback" not in result.stderr
    assert path.read_text(encoding="utf-8") == "hello\n"


def test_inspecting_a_store_that_does_not_exist_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "typo.db"
    for args in (["dump"], ["store"], ["triggers"], ["schedule", "--list"],
                 ["feedback", "leaderboard"]):
        result = atomtrig_cmd(*args, "--store", str(path))
        assert result.returncode == 2, (args, result.stderr)
        assert "no such store" in result.stderr and "Traceback" not in result.stderr
        assert not path.exists()


def test_inspecting_commands_deliver_nothing_and_change_nothing(tmp_path: Path) -> None:
    path = tmp_path / "kb.db"
    marker = tmp_path / "ran"
    space = atomtrig.AtomSpace.open(path, workers=0)
    hub = space.add_node("Concept", "hub")
    body = space.add_link("ExecutionOutput", [
        space.add_node("GroundedSchema", "py:pathlib.Path.touch"),
        space.add_link("List", [space.add_node("Concept", str(marker))])])
    space.add_trigger("RelationshipTrigger", [hub, body], mode="async")
    space.add_link("Inheritance", [space.add_node("Concept", "x"), hub])  # queued, never run
    space.close()
    before = path.read_bytes()
    for args in (["dump"], ["store"], ["triggers"], ["triggers", "--failed"],
                 ["schedule", "--list"]):
        result = atomtrig_cmd(*args, "--store", str(path), "--allow-module", "pathlib")
        assert result.returncode == 0, (args, result.stderr)
    assert not marker.exists()
    assert path.read_bytes() == before
    assert "1 queued" in atomtrig_cmd("store", "--store", str(path)).stdout
