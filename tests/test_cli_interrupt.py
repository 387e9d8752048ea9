"""Ctrl-C (SIGINT) ends a command writing to a store with exit status 130, one line on stderr and
no traceback, and leaves a store that opens and passes its integrity check."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import atomtrig
from atomtrig.storage import SQLiteBackend

pytestmark = pytest.mark.slow

LONG_SCRIPT = """
(define (loop n)
  (if (> n 0)
      (begin (Inheritance (Concept (string-append "n" (number->string n))) (Concept "hub"))
             (loop (- n 1)))
      n))
(loop 200000)
"""


def _interrupt(args: list[str], after: float) -> subprocess.CompletedProcess[str]:
    child = subprocess.Popen([sys.executable, "-m", "atomtrig.cli", *args],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(after)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    return subprocess.CompletedProcess(child.args, child.returncode, out, err)


def _check(path: Path) -> int:
    """The store opens, passes its integrity check, and holds whole links: how many atoms."""
    backend = SQLiteBackend(path, readonly=True)
    try:
        assert backend.check() == "ok"
    finally:
        backend.close()
    space = atomtrig.AtomSpace.open(path, readonly=True)
    try:
        hub = space.get_node("Concept", "hub")
        for link in space.get_atoms_by_type("InheritanceLink"):
            assert link.out[1] is hub
        return len(space)
    finally:
        space.close()


@pytest.mark.parametrize("after", [0.7, 1.3, 2.1])
def test_ctrl_c_during_a_long_run_on_a_store(tmp_path: Path, after: float) -> None:
    script = tmp_path / "long.scm"
    script.write_text(LONG_SCRIPT)
    store = tmp_path / "kb.db"
    result = _interrupt(["run", str(script), "--store", str(store)], after)
    assert result.returncode == 130, result.stderr
    assert result.stderr == "interrupted\n"
    assert _check(store) < 400_001  # it was stopped, and what it committed is readable


def test_ctrl_c_during_a_load(tmp_path: Path) -> None:
    dump = tmp_path / "atoms.scm"
    dump.write_text("".join(f'(InheritanceLink (ConceptNode "n{i}") (ConceptNode "hub"))\n'
                            for i in range(150_000)))
    store = tmp_path / "kb.db"
    result = _interrupt(["load", str(dump), "--store", str(store)], 1.5)
    assert result.returncode == 130, result.stderr
    assert result.stderr == "interrupted\n"
    _check(store)
