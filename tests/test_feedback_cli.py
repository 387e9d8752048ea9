"""``atomtrig feedback serve / leaderboard / records`` — in this process and as a separate
server process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import atomtrig
from atomtrig.feedback import Feedback, FeedbackResultStatus, Recorder, read_result, records, register
from atomtrig.cli import main as atomtrig_main


def main(argv: list[str]) -> int:
    """``atomtrig feedback ...`` in this process."""
    return atomtrig_main(["feedback", *argv])
from atomtrig.storage.errors import StoreInUseError

METRICS = '''
def length(text):
    return float(len(text))
'''


def words(text: str) -> float:
    return float(len(text.split()))


def _make_store(path: Path, feedback: Feedback, outputs: list[str]) -> None:
    space = atomtrig.AtomSpace.open(path)
    register(space, "app", [feedback], mode="deferred")
    recorder = Recorder(lambda text: text, app_id="app", space=space)
    for text in outputs:
        recorder(text)
    space.close()


def _open_when_free(path: Path, timeout: float = 30.0) -> atomtrig.AtomSpace:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return atomtrig.AtomSpace.open(path)
        except StoreInUseError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def test_serve_once_leaderboard_and_records_in_process(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "kb.db"
    _make_store(path, Feedback(words).on_output(), ["one two", "one two three four"])
    assert main(["serve", "--allow-module", __name__, "--store", str(path), "--once"]) == 0
    assert "evaluated 2: 2 done" in capsys.readouterr().out
    space = atomtrig.AtomSpace.open(path)
    assert [read_result(space, r.record_id, "words").result for r in records(space, "app")] == [2.0, 4.0]  # type: ignore[union-attr]
    space.close()
    assert main(["leaderboard", "--store", str(path)]) == 0
    board = capsys.readouterr().out
    assert "words" in board and "3" in board and "higher" in board
    assert main(["records", "--store", str(path), "--app", "app"]) == 0
    listing = capsys.readouterr().out
    assert "one two three four" in listing and "words" in listing


def test_missing_store_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["leaderboard", "--store", str(tmp_path / "nope.db")]) == 2
    assert "no such store" in capsys.readouterr().err
    assert not (tmp_path / "nope.db").exists()


def _server_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(atomtrig.__file__).parents[1]), env.get("PYTHONPATH")]))
    return env


def test_a_separate_server_process_imports_the_implementation_by_name(tmp_path: Path) -> None:
    (tmp_path / "mymetrics.py").write_text(METRICS)
    sys.path.insert(0, str(tmp_path))
    try:
        import mymetrics  # type: ignore[import-not-found]

        path = tmp_path / "kb.db"
        _make_store(path, Feedback(mymetrics.length).on_output(), ["abc", "abcdef"])
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("mymetrics", None)
    done = subprocess.run(
        [sys.executable, "-m", "atomtrig.feedback", "serve", "--allow-module", "mymetrics",
         "--store", str(path), "--once"],
        cwd=tmp_path, env=_server_env(), capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    space = atomtrig.AtomSpace.open(path)
    assert [read_result(space, r.record_id, "length").result for r in records(space, "app")] == [3.0, 6.0]  # type: ignore[union-attr]
    space.close()


def test_long_running_server_picks_up_records_added_later(tmp_path: Path) -> None:
    (tmp_path / "mymetrics2.py").write_text(METRICS)
    sys.path.insert(0, str(tmp_path))
    try:
        import mymetrics2  # type: ignore[import-not-found]

        path = tmp_path / "kb.db"
        _make_store(path, Feedback(mymetrics2.length).on_output(), ["a"])
        server = subprocess.Popen(
            [sys.executable, "-m", "atomtrig.feedback", "serve", "--allow-module", "mymetrics2",
             "--store", str(path), "--poll", "0.05"],
            cwd=tmp_path, env=_server_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        try:
            space = _open_when_free(path)
            Recorder(lambda text: text, app_id="app", space=space)("abcd")
            space.close()
            deadline = time.monotonic() + 60
            while True:
                space = _open_when_free(path)
                found = [read_result(space, r.record_id, "length") for r in records(space, "app")]
                space.close()
                if all(r is not None and r.status is FeedbackResultStatus.DONE for r in found):
                    break
                assert time.monotonic() < deadline, "the server did not evaluate the new record"
                time.sleep(0.05)
            assert [r.result for r in found] == [1.0, 4.0]  # type: ignore[union-attr]
        finally:
            server.terminate()
            out, err = server.communicate(timeout=60)
        assert server.returncode == 0, err
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("mymetrics2", None)


def test_the_atomtrig_command_has_the_feedback_subcommand(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from atomtrig.cli import main as atomtrig_main

    path = tmp_path / "kb.db"
    _make_store(path, Feedback(words).on_output(), ["a b c"])
    assert atomtrig_main(["feedback", "--allow-module", __name__, "serve", "--store", str(path), "--once"]) == 0
    assert atomtrig_main(["feedback", "--store", str(path), "leaderboard"]) == 0
    out = capsys.readouterr().out
    assert "evaluated 1: 1 done" in out and "words" in out
    assert atomtrig_main(["feedback", "records"]) == 2
    assert "needs --store" in capsys.readouterr().err


MARKER_METRICS = """
import os
def length(text):
    open(os.environ["ATOMTRIG_TEST_MARKER"], "a").write("ran\\n")
    return float(len(text))
"""


def test_a_stored_feedback_runs_only_if_its_module_is_allowed(tmp_path: Path) -> None:
    """A store names code (a feedback implementation); another process serving it must refuse
    to import that module unless the user allowed it, and say how to allow it."""
    (tmp_path / "markmetrics.py").write_text(MARKER_METRICS)
    marker = tmp_path / "marker.txt"
    sys.path.insert(0, str(tmp_path))
    try:
        import markmetrics  # type: ignore[import-not-found]

        path = tmp_path / "kb.db"
        _make_store(path, Feedback(markmetrics.length).on_output(), ["abc"])
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("markmetrics", None)
    env = {**_server_env(), "ATOMTRIG_TEST_MARKER": str(marker)}
    refused = subprocess.run(
        [sys.executable, "-m", "atomtrig", "feedback", "serve", "--store", str(path), "--once"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert not marker.exists(), "the stored feedback's module was imported without being allowed"
    assert "module 'markmetrics' is not allowed" in refused.stdout
    assert "--allow-module markmetrics" in refused.stdout
    allowed = subprocess.run(
        [sys.executable, "-m", "atomtrig", "feedback", "serve", "--allow-module", "markmetrics",
         "--failed-retry", "0", "--store", str(path), "--once"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert allowed.returncode == 0, allowed.stderr
    assert marker.read_text() == "ran\n"
