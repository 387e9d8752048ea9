"""Run logs on disk: one JSON file per run, named by its run id, found by a unique prefix of the
id or ``latest``.

The folder is ``logs`` under the current directory unless a command gets ``--logs DIR`` or the
environment sets ``ATOMTRIG_PIPELINE_LOGS``.

>>> import tempfile
>>> folder = tempfile.mkdtemp()
>>> path = write_log({"run_id": "3f2a-1", "start": "2026-01-01T00:00:00+00:00"}, folder)
>>> find_log("3f", folder)["run_id"], find_log("latest", folder)["run_id"]
('3f2a-1', '3f2a-1')
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from atomtrig.pipeline.errors import RunLogError

__all__ = ["default_log_dir", "find_log", "list_logs", "load_log", "log_path", "write_log"]

LOG_DIR_ENV = "ATOMTRIG_PIPELINE_LOGS"


def default_log_dir() -> Path:
    """``$ATOMTRIG_PIPELINE_LOGS``, or ``./logs``."""
    return Path(os.environ.get(LOG_DIR_ENV) or "logs")


def _folder(log_dir: str | os.PathLike[str] | None) -> Path:
    return default_log_dir() if log_dir is None else Path(log_dir)


def write_log(log: dict[str, Any], log_dir: str | os.PathLike[str] | None = None) -> Path:
    """Write ``log`` as ``<run_id>.json`` in ``log_dir`` (created if needed), atomically: a
    crash leaves either no file or the whole log."""
    folder = _folder(log_dir)
    folder.mkdir(parents=True, exist_ok=True)
    run_id = log.get("run_id")
    if not isinstance(run_id, str) or not run_id or "/" in run_id or run_id.startswith("."):
        raise RunLogError(f"a run log needs a run_id usable as a file name, not {run_id!r}")
    path = folder / f"{run_id}.json"
    tmp = folder / f".{run_id}.json.tmp"
    tmp.write_text(json.dumps(log, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def load_log(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read one run log file."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except OSError as error:
        raise RunLogError(f"cannot read run log {p}: {error.strerror or error}") from None
    except json.JSONDecodeError as error:
        raise RunLogError(f"run log {p} is not valid JSON: {error}") from None
    if not isinstance(data, dict) or "run_id" not in data:
        raise RunLogError(f"{p} is not a run log (no run_id)")
    return data


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return [p for p in folder.glob("*.json") if not p.name.startswith(".")]


def log_path(ref: str, log_dir: str | os.PathLike[str] | None = None) -> Path:
    """The file of the run whose id starts with ``ref`` (unique), or of the ``latest`` run (the
    most recently written file)."""
    folder = _folder(log_dir)
    files = _files(folder)
    if not files:
        raise RunLogError(f"no run logs in {folder}")
    if ref == "latest":
        return max(files, key=lambda p: (p.stat().st_mtime, p.name))
    if not ref:
        raise RunLogError("a run id prefix must not be empty")
    matches = sorted(p for p in files if p.stem.startswith(ref))
    if not matches:
        raise RunLogError(
            f"no run log whose id starts with {ref!r} in {folder} "
            f"({len(files)} logs there; `atomtrig pipeline history` lists them)"
        )
    if len(matches) > 1:
        shown = ", ".join(p.stem for p in matches[:5]) + (", ..." if len(matches) > 5 else "")
        raise RunLogError(f"{ref!r} matches {len(matches)} run logs ({shown}); give more of the id")
    return matches[0]


def find_log(ref: str, log_dir: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The run log named by a unique prefix of its id, or ``latest``."""
    return load_log(log_path(ref, log_dir))


def list_logs(log_dir: str | os.PathLike[str] | None = None) -> list[dict[str, Any]]:
    """Every readable run log in the folder, oldest first (by the run's start time). Files that
    are not run logs are skipped."""
    logs = []
    for path in _files(_folder(log_dir)):
        try:
            logs.append(load_log(path))
        except RunLogError:
            continue
    return sorted(logs, key=lambda log: (str(log.get("start", "")), log["run_id"]))
