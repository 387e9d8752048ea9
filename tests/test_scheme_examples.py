"""Every script in scheme_examples/ runs with `atomtrig run` and prints exactly its expected
output (``NAME.expected`` beside ``NAME.scm``; extra command-line arguments, such as
``--allow-module``, in ``NAME.args``)."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "scheme_examples"
SCRIPTS = sorted(EXAMPLES.glob("*.scm"))


def run_example(script: Path) -> subprocess.CompletedProcess[str]:
    args_file = script.with_suffix(".args")
    extra = shlex.split(args_file.read_text()) if args_file.exists() else []
    return subprocess.run(
        [sys.executable, "-m", "atomtrig.cli", "run", *extra, str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=EXAMPLES.parent,
    )


def test_there_are_examples() -> None:
    names = {s.stem for s in SCRIPTS}
    for required in ("basics", "bind_rewrite", "get_put", "state", "grounded_python",
                     "arithmetic", "absent", "glob", "classic"):
        assert required in names


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_example_prints_its_expected_output(script: Path) -> None:
    expected_file = script.with_suffix(".expected")
    assert expected_file.exists(), f"{script.name} has no {expected_file.name} beside it"
    result = run_example(script)
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected_file.read_text()


def test_grounded_example_is_refused_without_the_allow_list() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "atomtrig.cli", "run", str(EXAMPLES / "grounded_python.scm")],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1
    assert "not allowed" in result.stderr
    assert "grounded_python.scm:" in result.stderr


def test_schema_file_example_is_refused_without_allow_schemas() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "atomtrig.cli", "run", str(EXAMPLES / "seed_schema_trigger.scm")],
        capture_output=True, text=True, timeout=120,
    )
    # The script's own atoms load; the trigger's target is refused, and the log says how to allow it.
    assert "newCheeseProcessor.py" in result.stderr and "--allow-schemas" in result.stderr
    assert "newCheeseProcessor.py: new cheese link" not in result.stdout
