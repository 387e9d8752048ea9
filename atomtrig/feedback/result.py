"""The outcome of running one feedback on one record: :class:`FeedbackResult`.

A result keeps its status, every call made to the implementation (arguments, return value,
metadata), the aggregate score and, if it failed, the error with its traceback. Results turn
into JSON and back, which is how they are stored on record atoms.

>>> result = FeedbackResult(name="relevance", status=FeedbackResultStatus.DONE, result=0.5)
>>> FeedbackResult.from_json(result.to_json()) == result
True
"""

from __future__ import annotations

import enum
import itertools
import json
import math
import os
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FeedbackCall", "FeedbackResult", "FeedbackResultStatus", "new_id"]

_PROCESS_ID = uuid.uuid4().hex[:16]
_counter = itertools.count(1)


def _after_fork() -> None:
    global _PROCESS_ID, _counter
    _PROCESS_ID = uuid.uuid4().hex[:16]
    _counter = itertools.count(1)


os.register_at_fork(after_in_child=_after_fork)


def new_id(kind: str) -> str:
    """A new id, unique across processes: a random part per process and a counter.

    >>> new_id("record").startswith("record-")
    True
    """
    return f"{kind}-{_PROCESS_ID}-{next(_counter)}"


class FeedbackResultStatus(str, enum.Enum):
    """Where a feedback's evaluation on a record stands."""

    NONE = "none"
    """Queued, not started (deferred mode)."""
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"
    """Not evaluated: ``if_exists`` found nothing, or a selection was missing and ``if_missing``
    said to skip."""


@dataclass
class FeedbackCall:
    """One call of the implementation: its arguments, what it returned (a float, or a dict of
    floats for a multi-result) and the metadata it returned alongside."""

    args: dict[str, Any]
    ret: Any
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"args": self.args, "ret": _nan_safe(self.ret), "meta": self.meta}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeedbackCall:
        return cls(args=dict(data["args"]), ret=_nan_back(data["ret"]), meta=dict(data.get("meta") or {}))


@dataclass
class FeedbackResult:
    """The result of one feedback on one record.

    ``result`` is the aggregate score (NaN when there was nothing to score, for a multi-result,
    and until the feedback is done); ``multi_result`` holds the per-key aggregates when the
    implementation returned dicts.
    """

    name: str
    status: FeedbackResultStatus = FeedbackResultStatus.NONE
    result: float = math.nan
    calls: list[FeedbackCall] = field(default_factory=list)
    multi_result: dict[str, float] | None = None
    error: str | None = None
    record_id: str | None = None
    app_id: str | None = None
    higher_is_better: bool = True
    feedback_result_id: str = field(default_factory=lambda: new_id("fr"))
    last_ts: float = field(default_factory=time.time)
    attempts: int = 0

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FeedbackResult):
            return NotImplemented
        return self.to_json() == other.to_json()

    def to_dict(self) -> dict[str, Any]:
        return {
            "feedback_result_id": self.feedback_result_id,
            "name": self.name,
            "status": self.status.value,
            "result": _nan_safe(self.result),
            "multi_result": None
            if self.multi_result is None
            else {k: _nan_safe(v) for k, v in self.multi_result.items()},
            "calls": [c.to_dict() for c in self.calls],
            "error": self.error,
            "record_id": self.record_id,
            "app_id": self.app_id,
            "higher_is_better": self.higher_is_better,
            "last_ts": self.last_ts,
            "attempts": self.attempts,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), default=_json_default)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeedbackResult:
        multi = data.get("multi_result")
        return cls(
            name=data["name"],
            status=FeedbackResultStatus(data["status"]),
            result=_nan_back(data["result"]),
            calls=[FeedbackCall.from_dict(c) for c in data.get("calls", ())],
            multi_result=None if multi is None else {k: _nan_back(v) for k, v in multi.items()},
            error=data.get("error"),
            record_id=data.get("record_id"),
            app_id=data.get("app_id"),
            higher_is_better=data.get("higher_is_better", True),
            feedback_result_id=data["feedback_result_id"],
            last_ts=data.get("last_ts", 0.0),
            attempts=data.get("attempts", 0),
        )

    @classmethod
    def from_json(cls, text: str) -> FeedbackResult:
        return cls.from_dict(json.loads(text))


def _nan_safe(x: Any) -> Any:
    # JSON has no NaN; store it as null.
    if isinstance(x, float) and math.isnan(x):
        return None
    if isinstance(x, dict):
        return {k: _nan_safe(v) for k, v in x.items()}
    return x


def _nan_back(x: Any) -> Any:
    if x is None:
        return math.nan
    if isinstance(x, dict):
        return {k: _nan_back(v) for k, v in x.items()}
    return x


def _json_default(obj: Any) -> Any:
    """Values JSON cannot hold directly (numpy scalars, sets, objects) in a readable form."""
    for attr in ("item", "tolist"):  # numpy scalars and arrays
        method = getattr(obj, attr, None)
        if callable(method):
            try:
                return method()
            except (TypeError, ValueError):
                pass
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    if hasattr(obj, "__dict__"):
        return {k: v for k, v in vars(obj).items() if not k.startswith("_")}
    return repr(obj)
