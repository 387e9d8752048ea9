"""Records, feedback definitions and feedback results as atoms.

========================================================  =========================================
atoms                                                     what they hold
========================================================  =========================================
``(AppRecordNode "<record id>")``                         the record, as JSON, under
                                                          ``(PredicateNode "atomtrig:record")``
``(MemberLink (AppRecordNode id) (AppNode "<app id>"))``  which app made the record (added last:
                                                          feedback triggers fire on it)
value ``(PredicateNode "atomtrig:feedback:<name>")``      a feedback's result on that record
on the record atom                                        (JSON of a :class:`FeedbackResult`)
``(MemberLink (FeedbackNode name) (AppNode app))``        a feedback registered for the app; its
                                                          definition under
                                                          ``"atomtrig:feedback-definition"``
``(MemberLink (ListLink record (FeedbackNode name))``     a deferred evaluation waiting for
``  (AnchorNode "atomtrig:feedback-queue"))``             ``atomtrig feedback serve``
========================================================  =========================================

Everything is plain atoms and values, so it persists with the store.

>>> from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
>>> from atomtrig.feedback.record import Record
>>> space = AtomSpace()
>>> atom = add_record(space, Record(app_id="qa", main_input="hi", main_output="hello"))
>>> [r.main_output for r in records(space, "qa")]
['hello']
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from atomtrig.core.atom import Atom
from atomtrig.core.types import declare_type
from atomtrig.core.values import StringValue
from atomtrig.feedback.errors import FeedbackError
from atomtrig.feedback.record import Record
from atomtrig.feedback.result import FeedbackResult, FeedbackResultStatus

if TYPE_CHECKING:
    from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
    from atomtrig.feedback.feedback import Feedback
    from atomtrig.feedback.modes import FeedbackMode

__all__ = [
    "LeaderboardRow",
    "add_record",
    "app_node",
    "definitions",
    "get_record",
    "leaderboard",
    "read_result",
    "record_app_id",
    "record_atom",
    "record_atoms",
    "record_document",
    "records",
    "results",
    "write_result",
]

APP_NODE = declare_type("AppNode", ["Node"])
"""An app that records are made by; named by its app id."""
APP_RECORD_NODE = declare_type("AppRecordNode", ["Node"])
"""One record of an app call; named by its record id."""
FEEDBACK_NODE = declare_type("FeedbackNode", ["Node"])
"""A feedback function; named by the feedback's name."""

RECORD_KEY = "atomtrig:record"
RESULT_KEY_PREFIX = "atomtrig:feedback:"
DEFINITION_KEY = "atomtrig:feedback-definition"
QUEUE_ANCHOR = "atomtrig:feedback-queue"


def app_node(space: AtomSpace, app_id: str) -> Atom:
    if not isinstance(app_id, str) or not app_id:
        raise FeedbackError(f"an app id must be a non-empty string, not {app_id!r}")
    return space.add_node(APP_NODE, app_id)


def add_record(space: AtomSpace, record: Record) -> Atom:
    """Store ``record``; returns its atom. The record's link to its app is added last, so a
    trigger on it sees the whole record."""
    if not isinstance(record, Record):
        raise FeedbackError(f"add_record needs a Record, not {type(record).__name__}")
    app = app_node(space, record.app_id)
    atom = space.add_node(APP_RECORD_NODE, record.record_id)
    space.set_value(atom, RECORD_KEY, StringValue(record.to_json()))
    space.add_link("MemberLink", (atom, app))
    return atom


def record_atom(space: AtomSpace, record: Record | str | Atom) -> Atom:
    """The atom of a record (given as a Record, its id or its atom)."""
    if isinstance(record, Atom):
        if record.type is not APP_RECORD_NODE:
            raise FeedbackError(f"{record.short()} is not an AppRecordNode")
        return record
    record_id = record.record_id if isinstance(record, Record) else record
    atom = space.get_node(APP_RECORD_NODE, record_id)
    if atom is None or atom.get_value(RECORD_KEY) is None:
        raise FeedbackError(f"no record {record_id!r} in the store")
    return atom


def get_record(space: AtomSpace, record: str | Atom) -> Record:
    """The stored record (by id or atom)."""
    atom = record_atom(space, record)
    value = atom.get_value(RECORD_KEY)
    if value is None:
        raise FeedbackError(f"{atom.short()} holds no record")
    return Record.from_json(value.items[0])


def record_document(atom: Atom) -> dict[str, Any]:
    """The stored record as selectors read it (what ``Record.to_json_dict()`` gives), without
    building a :class:`Record`."""
    from atomtrig.feedback.record import layout_calls

    value = atom.get_value(RECORD_KEY)
    if value is None:
        raise FeedbackError(f"{atom.short()} holds no record")
    data: dict[str, Any] = json.loads(value.items[0])
    data["app"] = layout_calls(data.get("calls") or [])
    return data


def record_app_id(atom: Atom) -> str | None:
    """The app id a record atom belongs to (None until its MemberLink is added)."""
    for link in atom.incoming_by_type("MemberLink"):
        if link.out[0] is atom and link.out[1].type is APP_NODE:
            return link.out[1].name
    return None


def record_atoms(space: AtomSpace, app_id: str | None = None) -> list[Atom]:
    """The atoms of the stored records (of one app, or all), oldest first."""
    if app_id is None:
        atoms = [
            a for a in space.get_atoms_by_type(APP_RECORD_NODE, subtypes=False) if a.get_value(RECORD_KEY) is not None
        ]
    else:
        app = space.get_node(APP_NODE, app_id)
        if app is None:
            return []
        atoms = [link.out[0] for link in app.incoming_by_type("MemberLink") if link.out[0].type is APP_RECORD_NODE]
    return sorted(atoms, key=lambda a: (get_record_ts(a), a.name))


def get_record_ts(atom: Atom) -> float:
    value = atom.get_value(RECORD_KEY)
    return json.loads(value.items[0]).get("ts", 0.0) if value is not None else 0.0


def records(space: AtomSpace, app_id: str | None = None) -> list[Record]:
    """The stored records (of one app, or all), oldest first."""
    return [get_record(space, atom) for atom in record_atoms(space, app_id)]


# -- results ---------------------------------------------------------------------------------
def write_result(space: AtomSpace, record: Record | str | Atom, result: FeedbackResult) -> None:
    """Store ``result`` on the record's atom, replacing that feedback's previous result."""
    atom = record_atom(space, record)
    space.set_value(atom, RESULT_KEY_PREFIX + result.name, StringValue(result.to_json()))


def read_result(space: AtomSpace, record: Record | str | Atom, name: str) -> FeedbackResult | None:
    """The stored result of feedback ``name`` on a record, or None."""
    atom = record_atom(space, record)
    value = atom.get_value(RESULT_KEY_PREFIX + name)
    return None if value is None else FeedbackResult.from_json(value.items[0])


def results(space: AtomSpace, record: Record | str | Atom) -> dict[str, FeedbackResult]:
    """Every stored feedback result on a record, by feedback name."""
    atom = record_atom(space, record)
    found: dict[str, FeedbackResult] = {}
    for key in atom.keys():
        if key.name.startswith(RESULT_KEY_PREFIX):
            value = atom.get_value(key)
            if value is not None:
                found[key.name[len(RESULT_KEY_PREFIX) :]] = FeedbackResult.from_json(value.items[0])
    return dict(sorted(found.items()))


# -- definitions -----------------------------------------------------------------------------
def describe_for_store(feedback: Feedback, mode: FeedbackMode, need_importable: bool) -> dict[str, Any]:
    """A feedback's definition as stored; implementation and aggregator by import path (which
    deferred mode requires)."""
    from atomtrig.feedback.errors import NotImportableError
    from atomtrig.feedback.importable import callable_path

    data = feedback.describe()
    data["mode"] = mode.value
    for field_name, func in (("imp", feedback.imp), ("agg", feedback.agg)):
        if func is None:
            data[field_name] = None
            continue
        try:
            data[field_name] = callable_path(func, "implementation" if field_name == "imp" else "aggregator")
        except NotImportableError:
            if need_importable:
                raise
            data[field_name] = None
    return data


def store_definition(space: AtomSpace, app_id: str, data: dict[str, Any]) -> Atom:
    """Record that feedback ``data["name"]`` is registered for ``app_id``."""
    link = space.add_link("MemberLink", (space.add_node(FEEDBACK_NODE, data["name"]), app_node(space, app_id)))
    space.set_value(link, DEFINITION_KEY, StringValue(json.dumps(data, sort_keys=True)))
    return link


def definitions(space: AtomSpace, app_id: str) -> dict[str, dict[str, Any]]:
    """The stored definitions of the feedbacks registered for ``app_id``, by name."""
    app = space.get_node(APP_NODE, app_id)
    found: dict[str, dict[str, Any]] = {}
    if app is None:
        return found
    for link in app.incoming_by_type("MemberLink"):
        if link.out[0].type is FEEDBACK_NODE:
            value = link.get_value(DEFINITION_KEY)
            if value is not None:
                found[link.out[0].name] = json.loads(value.items[0])
    return found


def feedback_from_definition(data: dict[str, Any]) -> Feedback:
    """Rebuild a stored feedback. Its implementation and aggregator are imported by name, and
    only from modules allowed with :func:`atomtrig.allow_module` (``--allow-module``): a store
    never decides on its own what code runs (:class:`~atomtrig.query.errors.ProcedureNotAllowedError`
    otherwise)."""
    from atomtrig.feedback.feedback import Feedback
    from atomtrig.query.allowlist import import_allowed

    name = data.get("name")

    def load(key: str, role: str) -> Any:
        found = import_allowed(data[key], what=f"the stored feedback {name!r} ({role} {data[key]})")
        if not callable(found):
            raise FeedbackError(f"the stored feedback {name!r}: {data[key]} is not a callable")
        return found

    if not data.get("imp"):
        raise FeedbackError(
            f"feedback {data.get('name')!r} was registered with an implementation that cannot be "
            "imported, so it can only run in the process that registered it: register it again "
            "in this one"
        )
    return Feedback(
        load("imp", "implementation"),
        agg=load("agg", "aggregator") if data.get("agg") else None,
        name=data["name"],
        if_exists=data.get("if_exists"),
        if_missing=data.get("if_missing", "error"),
        higher_is_better=data.get("higher_is_better", True),
        combinations=data.get("combinations", "product"),
        selectors=data.get("selectors") or {},
    )


# -- the deferred queue ----------------------------------------------------------------------
def _queue_anchor(space: AtomSpace) -> Atom:
    return space.add_node("AnchorNode", QUEUE_ANCHOR)


def enqueue(space: AtomSpace, record: Atom, name: str) -> None:
    """Queue feedback ``name`` on ``record`` for the deferred server."""
    pair = space.add_link("ListLink", (record, space.add_node(FEEDBACK_NODE, name)))
    space.add_link("MemberLink", (pair, _queue_anchor(space)))


def dequeue(space: AtomSpace, record: Atom, name: str) -> None:
    feedback = space.get_node(FEEDBACK_NODE, name)
    pair = None if feedback is None else space.get_link("ListLink", (record, feedback))
    if pair is not None and pair in space:
        space.remove(pair, recursive=True)


def queued(space: AtomSpace) -> Iterator[tuple[Atom, str]]:
    """The (record atom, feedback name) pairs waiting in the deferred queue."""
    anchor = space.get_node("AnchorNode", QUEUE_ANCHOR)
    if anchor is None:
        return iter(())
    pairs = [link.out[0] for link in anchor.incoming_by_type("MemberLink") if link.out[1] is anchor]
    return iter([(pair.out[0], pair.out[1].name) for pair in pairs if pair.type.name == "ListLink"])


# -- reading results back --------------------------------------------------------------------
@dataclass(frozen=True)
class LeaderboardRow:
    """Mean score of one feedback over one app's records (done results with a score)."""

    app_id: str
    feedback: str
    mean: float
    count: int
    higher_is_better: bool


def leaderboard(space: AtomSpace, app_id: str | None = None) -> list[LeaderboardRow]:
    """Mean scores per app and feedback, sorted by app then feedback. Multi-results contribute
    one row per key, named ``feedback/key``."""
    scores: dict[tuple[str, str], list[float]] = {}
    better: dict[tuple[str, str], bool] = {}
    apps = [app_id] if app_id is not None else sorted(a.name for a in space.get_atoms_by_type(APP_NODE, subtypes=False))
    for app in apps:
        for atom in record_atoms(space, app):
            for name, result in results(space, atom).items():
                if result.status is not FeedbackResultStatus.DONE:
                    continue
                entries = (
                    {f"{name}/{k}": v for k, v in result.multi_result.items()}
                    if result.multi_result is not None
                    else {name: result.result}
                )
                for label, score in entries.items():
                    key = (app, label)
                    better[key] = result.higher_is_better
                    if not math.isnan(score):
                        scores.setdefault(key, []).append(score)
                    else:
                        scores.setdefault(key, [])
    return [
        LeaderboardRow(app, label, statistics.fmean(values) if values else math.nan, len(values), better[(app, label)])
        for (app, label), values in sorted(scores.items())
    ]
