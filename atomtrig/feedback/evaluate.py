"""Running a feedback: selecting its arguments, combining them into calls, calling the
implementation, and aggregating the scores into one :class:`FeedbackResult`.

Selectors read one document: ``source_data`` with the record under ``__record__`` and the app
under ``__app__``. Each bound parameter's selector gives a list of values (a keyword given to
``run`` gives exactly one); the lists are combined by cartesian product or zip, in signature
order; the implementation is called once per combination, in order.

>>> from atomtrig.feedback.feedback import Feedback
>>> from atomtrig.feedback.select import Select
>>> def f(a: float, b: float) -> float:
...     return 10 * a + b
>>> fb = Feedback(f).on(a=Select.Record.a[:], b=Select.Record.b[:])
>>> result = fb.run(record={"a": [1, 2, 3], "b": [0.1, 0.2]})
>>> [tuple(c.args.values()) for c in result.calls][:3], round(result.result, 6)
([(1, 0.1), (1, 0.2), (2, 0.1)], 20.15)
"""

from __future__ import annotations

import itertools
import math
import numbers
import statistics
import time
import traceback
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from atomtrig.feedback.errors import FeedbackError, LensError, SkipEval
from atomtrig.feedback.feedback import FeedbackCombinations
from atomtrig.feedback.feedback import FeedbackOnMissingParameters as Missing
from atomtrig.feedback.result import FeedbackCall, FeedbackResult, FeedbackResultStatus

if TYPE_CHECKING:
    from atomtrig.feedback.feedback import Feedback

__all__ = ["FeedbackWarning", "default_aggregate", "evaluate", "source_document"]


class FeedbackWarning(UserWarning):
    """Issued when a feedback with ``if_missing=WARN`` skips a record."""


def default_aggregate(scores: list[float]) -> float:
    """The mean of the scores (NaN for none)."""
    return statistics.fmean(scores) if scores else math.nan


def _as_document(obj: Any) -> Any:
    to_json = getattr(obj, "to_json_dict", None)
    return to_json() if callable(to_json) else obj


def source_document(app: Any = None, record: Any = None, source_data: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What selectors read: ``source_data`` plus ``__record__`` and ``__app__``."""
    if source_data is not None and not isinstance(source_data, Mapping):
        raise FeedbackError(f"source_data must be a mapping, not {type(source_data).__name__}")
    document = dict(source_data or {})
    if record is not None:
        document["__record__"] = _as_document(record)
    if app is not None:
        document["__app__"] = _as_document(app)
    return document


def _field(obj: Any, name: str) -> Any:
    if obj.__class__ is dict or isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


class _Stop(Exception):
    """Ends an evaluation early with a final status."""

    def __init__(self, status: FeedbackResultStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _score(ret: Any, feedback_name: str) -> tuple[Any, dict[str, Any]]:
    """A return value as (float or dict of floats, metadata)."""
    if ret.__class__ is float:
        return ret, {}
    meta: dict[str, Any] = {}
    if isinstance(ret, tuple) and len(ret) == 2 and isinstance(ret[1], Mapping):
        ret, meta = ret[0], dict(ret[1])
    if isinstance(ret, Mapping):
        scores = {}
        for key, value in ret.items():
            if not isinstance(value, numbers.Real):
                raise _Stop(
                    FeedbackResultStatus.FAILED,
                    f"{feedback_name} returned a dict whose {key!r} is {value!r}; a multi-result "
                    "must map names to numbers",
                )
            scores[str(key)] = float(value)
        return scores, meta
    if isinstance(ret, numbers.Real):
        return float(ret), meta
    raise _Stop(
        FeedbackResultStatus.FAILED,
        f"{feedback_name} returned {type(ret).__name__} {ret!r}; a feedback implementation must "
        "return a number, a (number, metadata dict) pair or a dict of numbers",
    )


def _select(feedback: Feedback, document: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, list[Any]]:
    selected: dict[str, list[Any]] = {}
    for param in feedback.parameters:
        if param in overrides:
            selected[param] = [overrides[param]]
            continue
        lens = feedback.selectors.get(param)
        if lens is None:
            if param in feedback.has_default:
                continue
            raise _Stop(
                FeedbackResultStatus.FAILED,
                f"parameter {param!r} of {feedback.name} has no selector and no default; bind it "
                "with on(...) or pass it to run()",
            )
        try:
            selected[param] = lens.get(document)
        except LensError as error:
            message = f"selector {lens} for parameter {param!r} of {feedback.name} found nothing: {error}"
            _missing(feedback, message)
    return selected


def _missing(feedback: Feedback, message: str) -> None:
    if feedback.if_missing is Missing.ERROR:
        raise _Stop(FeedbackResultStatus.FAILED, message)
    if feedback.if_missing is Missing.WARN:
        warnings.warn(message, FeedbackWarning, stacklevel=4)
    raise _Stop(FeedbackResultStatus.SKIPPED, message)


def _combinations(feedback: Feedback, selected: dict[str, list[Any]]) -> Iterable[dict[str, Any]]:
    names = list(selected)
    lists = [selected[n] for n in names]
    if all(len(values) == 1 for values in lists):  # the common case: one call
        return [{n: values[0] for n, values in zip(names, lists)}] if lists else [{}]
    combine = zip if feedback.combinations is FeedbackCombinations.ZIP else itertools.product
    return [dict(zip(names, combo)) for combo in combine(*lists)]


def evaluate(
    feedback: Feedback,
    app: Any = None,
    record: Any = None,
    source_data: Mapping[str, Any] | None = None,
    overrides: Mapping[str, Any] | None = None,
    clock: Callable[[], float] = time.time,
) -> FeedbackResult:
    """Run ``feedback`` once; see the module docstring. Never raises for a problem with the
    record or the implementation — those end up in the result's status and error; a keyword
    naming no parameter of the implementation raises :class:`FeedbackError`."""
    overrides = dict(overrides or {})
    for param in overrides:
        feedback._check_parameter(param)
    result = FeedbackResult(
        name=feedback.name,
        status=FeedbackResultStatus.RUNNING,
        record_id=_field(record, "record_id"),
        app_id=_field(record, "app_id"),
        higher_is_better=feedback.higher_is_better,
        last_ts=clock(),
    )
    document = source_document(app, record, source_data)
    try:
        if feedback.if_exists is not None and not feedback.if_exists.exists(document):
            raise _Stop(FeedbackResultStatus.SKIPPED, f"if_exists selector {feedback.if_exists} found nothing")
        selected = _select(feedback, document, overrides)
        by_position = feedback.positional_only
        for args in _combinations(feedback, selected):
            try:
                if by_position:
                    positional = [args[p] for p in by_position if p in args]
                    keywords = {k: v for k, v in args.items() if k not in by_position}
                    ret = feedback.imp(*positional, **keywords)
                else:
                    ret = feedback.imp(**args)
            except SkipEval:
                continue
            except Exception:
                raise _Stop(
                    FeedbackResultStatus.FAILED,
                    f"{feedback.name} raised on arguments {args!r}:\n{traceback.format_exc()}",
                ) from None
            score, meta = _score(ret, feedback.name)
            result.calls.append(FeedbackCall(args=args, ret=score, meta=meta))
        _aggregate(feedback, result)
        result.status = FeedbackResultStatus.DONE
    except _Stop as stop:
        result.status = stop.status
        result.error = stop.message
        result.result = math.nan
    result.last_ts = clock()
    return result


def _aggregate(feedback: Feedback, result: FeedbackResult) -> None:
    agg = feedback.agg or default_aggregate
    rets = [call.ret for call in result.calls]
    multi = [r for r in rets if isinstance(r, dict)]
    if multi and len(multi) != len(rets):
        raise _Stop(
            FeedbackResultStatus.FAILED,
            f"{feedback.name} returned dicts for some calls and numbers for others",
        )
    try:
        if multi:
            keys = list(dict.fromkeys(k for r in multi for k in r))
            result.multi_result = {
                key: _aggregate_one(agg, [r[key] for r in multi if key in r]) for key in keys
            }
            result.result = math.nan
        else:
            result.result = _aggregate_one(agg, rets)
    except _Stop:
        raise
    except Exception:
        raise _Stop(
            FeedbackResultStatus.FAILED,
            f"the aggregator of {feedback.name} raised:\n{traceback.format_exc()}",
        ) from None


def _aggregate_one(agg: Callable[[list[float]], float], scores: list[float]) -> float:
    if not scores:
        return math.nan
    value = agg(scores)
    if not isinstance(value, numbers.Real):
        raise _Stop(
            FeedbackResultStatus.FAILED,
            f"the aggregator returned {type(value).__name__} {value!r}, not a number",
        )
    return float(value)
