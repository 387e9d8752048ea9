"""Feedback functions in the style of TruLens, evaluated by the store on app records.

A :class:`Feedback` scores values picked out of a record by :class:`Lens` selectors
(``Select.RecordInput``, ``Select.RecordCalls.retriever.retrieve.rets[:]`` ...), combines
several selected values into several calls, and aggregates the scores. A :class:`Recorder`
turns each call of a Python app into a :class:`Record`; records are stored as atoms, and
feedbacks registered for an app run as triggers on its new records, with the app, in a
background pool, or deferred to ``atomtrig feedback serve``.

>>> from atomtrig.feedback import Feedback, Select
>>> def length(text: str) -> float:
...     return float(len(text))
>>> Feedback(length).on_output().run(record={"main_output": "four"}).result
4.0
"""

from atomtrig.feedback.errors import (
    FeedbackError,
    LensError,
    LensSyntaxError,
    NotImportableError,
    SkipEval,
)
from atomtrig.feedback.evaluate import FeedbackWarning, default_aggregate
from atomtrig.feedback.feedback import (
    Feedback,
    FeedbackCombinations,
    FeedbackOnMissingParameters,
)
from atomtrig.feedback.lens import (
    Collect,
    GetIndex,
    GetIndices,
    GetItem,
    GetItemOrAttribute,
    GetItems,
    GetSlice,
    Lens,
)
from atomtrig.feedback.deferred import DeferredEvaluator
from atomtrig.feedback.modes import FeedbackMode
from atomtrig.feedback.record import Record, RecordAppCall
from atomtrig.feedback.recorder import Recorder, add_cost
from atomtrig.feedback.result import FeedbackCall, FeedbackResult, FeedbackResultStatus
from atomtrig.feedback.runner import FeedbackRunner, evaluate_records, register, runner_for, wait
from atomtrig.feedback.select import Select
from atomtrig.feedback.store import (
    LeaderboardRow,
    add_record,
    get_record,
    leaderboard,
    read_result,
    records,
    results,
)

__all__ = [
    "Collect",
    "DeferredEvaluator",
    "FeedbackMode",
    "FeedbackRunner",
    "LeaderboardRow",
    "Record",
    "RecordAppCall",
    "Recorder",
    "add_cost",
    "add_record",
    "evaluate_records",
    "get_record",
    "leaderboard",
    "read_result",
    "records",
    "register",
    "results",
    "runner_for",
    "wait",
    "Feedback",
    "FeedbackCall",
    "FeedbackCombinations",
    "FeedbackError",
    "FeedbackOnMissingParameters",
    "FeedbackResult",
    "FeedbackResultStatus",
    "FeedbackWarning",
    "GetIndex",
    "GetIndices",
    "GetItem",
    "GetItemOrAttribute",
    "GetItems",
    "GetSlice",
    "Lens",
    "LensError",
    "LensSyntaxError",
    "NotImportableError",
    "Select",
    "SkipEval",
    "default_aggregate",
]
