"""Case suites: a JSON or YAML list of dicts, each with a unique ``id``.

>>> check_cases([{"id": "a", "x": 1}, {"id": "b", "x": 2}])
>>> check_cases([{"id": "a"}, {"x": 2}, {"id": "a"}])
Traceback (most recent call last):
...
atomtrig.pipeline.errors.CaseError: case #2 has no 'id' (fill missing ids with `atomtrig pipeline add-ids FILE` or atomtrig.pipeline.fill_ids(cases)); duplicate id 'a' (cases #1 and #3)
>>> cases = fill_ids([{"id": "a"}, {"x": 2}])
>>> cases[0], sorted(cases[1])
({'id': 'a'}, ['id', 'x'])
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from atomtrig.pipeline.errors import CaseError

__all__ = ["ID_KEY", "check_cases", "fill_ids", "load_cases", "save_cases"]

ID_KEY = "id"
"""The key of a case's id."""


def check_cases(cases: object) -> None:
    """Raise a :class:`CaseError` unless ``cases`` is a list of dicts with unique string or
    integer ids. Every fault found is listed, not only the first."""
    if not isinstance(cases, Sequence) or isinstance(cases, (str, bytes)):
        raise CaseError(f"cases must be a list of dicts, not {type(cases).__name__}")
    # The common case, quickly: dicts with unique non-empty str or int ids.
    ids = [case.get(ID_KEY) for case in cases if type(case) is dict]
    if len(ids) == len(cases) and all(type(i) is str or type(i) is int for i in ids):
        if "" not in ids and len(set(ids)) == len(ids):
            return
    problems: list[str] = []
    missing: list[int] = []
    seen: dict[Any, int] = {}
    for i, case in enumerate(cases, 1):
        if not isinstance(case, dict):
            problems.append(f"case #{i} is {type(case).__name__}, not a dict")
            continue
        if ID_KEY not in case:
            missing.append(i)
            continue
        case_id = case[ID_KEY]
        if isinstance(case_id, bool) or not isinstance(case_id, (str, int)) or case_id == "":
            problems.append(f"case #{i} has id {case_id!r}; an id is a non-empty string or an int")
            continue
        if case_id in seen:
            problems.append(f"duplicate id {case_id!r} (cases #{seen[case_id]} and #{i})")
        else:
            seen[case_id] = i
    if missing:
        which = ", ".join(f"#{i}" for i in missing[:10]) + (", ..." if len(missing) > 10 else "")
        noun = "case" if len(missing) == 1 else "cases"
        verb = "has" if len(missing) == 1 else "have"
        problems.insert(
            0,
            f"{noun} {which} {verb} no {ID_KEY!r} (fill missing ids with `atomtrig pipeline "
            "add-ids FILE` or atomtrig.pipeline.fill_ids(cases))",
        )
    if problems:
        raise CaseError("; ".join(problems))


def fill_ids(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Give every case without an ``id`` a new UUID (in place; returns ``cases``). The id goes
    first in the dict so it reads first in the file."""
    for i, case in enumerate(cases):
        if isinstance(case, dict) and ID_KEY not in case:
            cases[i] = {ID_KEY: str(uuid.uuid4()), **case}
    return cases


def _parse(path: Path, text: str) -> Any:
    suffix = path.suffix.lower()
    if suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise CaseError(f"{path}: not valid JSON: {error}") from None
    if suffix in (".yaml", ".yml"):
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise CaseError(f"{path}: not valid YAML: {error}") from None
    raise CaseError(f"{path}: a case file must end in .json, .yaml or .yml")


def load_cases(path: str | os.PathLike[str], *, require_ids: bool = True) -> list[dict[str, Any]]:
    """Read a case suite from a ``.json``, ``.yaml`` or ``.yml`` file and check it."""
    p = Path(path)
    if p.suffix.lower() not in (".json", ".yaml", ".yml"):
        raise CaseError(f"{p}: a case file must end in .json, .yaml or .yml")
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as error:
        raise CaseError(f"cannot read cases from {p}: {error.strerror or error}") from None
    cases = _parse(p, text)
    if require_ids:
        try:
            check_cases(cases)
        except CaseError as error:
            raise CaseError(f"{p}: {error}") from None
    elif not isinstance(cases, list):
        raise CaseError(f"{p}: cases must be a list of dicts, not {type(cases).__name__}")
    return cases  # type: ignore[no-any-return]


def save_cases(path: str | os.PathLike[str], cases: list[dict[str, Any]]) -> None:
    """Write a case suite back in the format its suffix names (atomically: a crash leaves the
    old file)."""
    p = Path(path)
    if p.suffix.lower() == ".json":
        text = json.dumps(cases, indent=2, ensure_ascii=False) + "\n"
    else:
        text = yaml.safe_dump(cases, sort_keys=False, allow_unicode=True)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, p)
