"""Records of app calls: what a :class:`~atomtrig.feedback.recorder.Recorder` produces and
feedback selectors read.

A record holds the app's main input (its first argument), main output or main error, every
recorded call (component path, arguments, return value, error, timing), cost and timing
totals, a timestamp and tags. As selectors see it (``to_json_dict``), the calls are also laid
out by component path under ``app``: the calls of ``retriever.retrieve`` are at
``__record__.app.retriever.retrieve`` — a list, which a following ``.name`` step descends into
when it holds one call.

>>> record = Record(app_id="qa", main_input="hi", main_output="hello",
...                 calls=[RecordAppCall("retriever.retrieve", {"q": "hi"}, ["doc"])])
>>> record.to_json_dict()["app"]["retriever"]["retrieve"][0]["rets"]
['doc']
>>> Record.from_json(record.to_json()) == record
True
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from atomtrig.feedback.result import _json_default, new_id

__all__ = ["Record", "RecordAppCall", "layout_calls", "to_json_data"]


def to_json_data(obj: Any) -> Any:
    """``obj`` as plain JSON data (numpy scalars, tuples, objects converted)."""
    return json.loads(json.dumps(obj, default=_json_default))


@dataclass
class RecordAppCall:
    """One recorded call of an app component's method. ``path`` is the dotted component path
    and method name relative to the app (``"retriever.retrieve"``); ``stack`` the paths of the
    recorded calls it was made from, outermost (the app's own call) first."""

    path: str
    args: dict[str, Any]
    rets: Any = None
    error: str | None = None
    start_time: float = 0.0
    end_time: float = 0.0
    stack: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "args": self.args,
            "rets": self.rets,
            "error": self.error,
            "perf": {"start_time": self.start_time, "end_time": self.end_time},
            "stack": self.stack,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RecordAppCall:
        perf = data.get("perf") or {}
        return cls(
            path=data["path"],
            args=dict(data.get("args") or {}),
            rets=data.get("rets"),
            error=data.get("error"),
            start_time=perf.get("start_time", 0.0),
            end_time=perf.get("end_time", 0.0),
            stack=list(data.get("stack") or ()),
        )


def layout_calls(calls: list[dict[str, Any]]) -> dict[str, Any]:
    """Recorded calls (as dicts) arranged by component path; each method holds the list of its
    calls. A name that is both a method and a component keeps the method's calls under
    ``__calls__``."""
    layout: dict[str, Any] = {}
    for call in calls:
        *components, method = call["path"].split(".")
        node = layout
        for part in components:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                child = node[part] = {"__calls__": child}
            node = child
        existing = node.get(method)
        if isinstance(existing, dict):
            existing.setdefault("__calls__", []).append(call)
        else:
            node.setdefault(method, []).append(call)
    return layout


def _new_cost() -> dict[str, Any]:
    return {"n_requests": 0, "n_tokens": 0, "cost": 0.0}


@dataclass
class Record:
    """One call of an app. Field names follow TruLens records."""

    app_id: str
    main_input: Any = None
    main_output: Any = None
    main_error: str | None = None
    calls: list[RecordAppCall] = field(default_factory=list)
    cost: dict[str, Any] = field(default_factory=_new_cost)
    start_time: float = 0.0
    end_time: float = 0.0
    ts: float = field(default_factory=time.time)
    tags: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    record_id: str = field(default_factory=lambda: new_id("record"))

    def layout_calls_as_app(self) -> dict[str, Any]:
        """The calls arranged by component path: ``{"retriever": {"retrieve": [call, ...]}}``."""
        return layout_calls([c.to_dict() for c in self.calls])

    def _fields(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id,
            "app_id": self.app_id,
            "main_input": self.main_input,
            "main_output": self.main_output,
            "main_error": self.main_error,
            "calls": [c.to_dict() for c in self.calls],
            "cost": dict(self.cost),
            "perf": {
                "start_time": self.start_time,
                "end_time": self.end_time,
                "latency": max(0.0, self.end_time - self.start_time),
            },
            "ts": self.ts,
            "tags": self.tags,
            "meta": self.meta,
        }

    def to_json_dict(self) -> dict[str, Any]:
        """The record as selectors read it (plain JSON data, with the calls laid out by
        component path under ``app``)."""
        data: dict[str, Any] = json.loads(self.to_json())
        data["app"] = layout_calls(data["calls"])
        return data

    def to_json(self) -> str:
        """The record as stored (without the ``app`` layout, which is derived from the calls)."""
        return json.dumps(self._fields(), default=_json_default)

    @classmethod
    def from_json_dict(cls, data: dict[str, Any]) -> Record:
        perf = data.get("perf") or {}
        return cls(
            record_id=data["record_id"],
            app_id=data["app_id"],
            main_input=data.get("main_input"),
            main_output=data.get("main_output"),
            main_error=data.get("main_error"),
            calls=[RecordAppCall.from_dict(c) for c in data.get("calls") or ()],
            cost=dict(data.get("cost") or _new_cost()),
            start_time=perf.get("start_time", 0.0),
            end_time=perf.get("end_time", 0.0),
            ts=data.get("ts", 0.0),
            tags=data.get("tags", ""),
            meta=dict(data.get("meta") or {}),
        )

    @classmethod
    def from_json(cls, text: str) -> Record:
        return cls.from_json_dict(json.loads(text))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Record):
            return NotImplemented
        return self.to_json() == other.to_json()
