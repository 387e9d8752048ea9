"""The :class:`Recorder`: wraps a Python app and turns each of its calls into a
:class:`~atomtrig.feedback.record.Record`.

The app is a callable, or an object with a main method. The component methods the user names
(dotted paths from the app, ``"retriever.retrieve"``) are wrapped so that their calls made
while a recorded call runs are kept in its record, in the order they returned (so the app's
own call comes last, where ``Select.RecordCall`` looks). Inside a
recorded call, :func:`add_cost` adds tokens and money to its record.

With a store (``space=``) every record is added to it as atoms; feedbacks given to the
recorder are registered for the app there and run as triggers on its new records.

>>> class Retriever:
...     def retrieve(self, query: str) -> list[str]:
...         return [query + " doc"]
>>> class QA:
...     def __init__(self) -> None:
...         self.retriever = Retriever()
...     def __call__(self, question: str) -> str:
...         return " ".join(self.retriever.retrieve(question))
>>> recorder = Recorder(QA(), app_id="qa", instrument=["retriever.retrieve"])
>>> answer, record = recorder.with_record("cats")
>>> answer, record.main_input, record.calls[0].path, record.calls[0].rets
('cats doc', 'cats', 'retriever.retrieve', ['cats doc'])
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from atomtrig.feedback.errors import FeedbackError
from atomtrig.feedback.record import Record, RecordAppCall, to_json_data

if TYPE_CHECKING:
    from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
    from atomtrig.feedback.feedback import Feedback
    from atomtrig.feedback.modes import FeedbackMode

__all__ = ["Recorder", "add_cost"]

_current: contextvars.ContextVar[Record | None] = contextvars.ContextVar("atomtrig_feedback_record", default=None)
_stack: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar("atomtrig_feedback_stack", default=())


def add_cost(n_tokens: int = 0, cost: float = 0.0, n_requests: int = 1) -> None:
    """Add to the cost of the record being made in this context (nothing outside one)."""
    record = _current.get()
    if record is not None:
        record.cost["n_tokens"] += int(n_tokens)
        record.cost["cost"] += float(cost)
        record.cost["n_requests"] += int(n_requests)


def _bind_args(func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    try:
        bound = inspect.signature(func).bind(*args, **kwargs)
    except (TypeError, ValueError):
        data = {f"arg{i}": a for i, a in enumerate(args)}
        data.update(kwargs)
        return to_json_data(data)  # type: ignore[no-any-return]
    return to_json_data(dict(bound.arguments))  # type: ignore[no-any-return]


def _instrumented(path: str, method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        record = _current.get()
        if record is None:
            return method(*args, **kwargs)
        stack = _stack.get()
        call = RecordAppCall(path, _bind_args(method, args, kwargs), start_time=time.time(), stack=list(stack))
        token = _stack.set(stack + (path,))
        try:
            result = method(*args, **kwargs)
        except BaseException as error:
            call.error = f"{type(error).__name__}: {error}"
            call.end_time = time.time()
            record.calls.append(call)
            raise
        finally:
            _stack.reset(token)
        call.rets = to_json_data(result)
        call.end_time = time.time()
        record.calls.append(call)
        return result

    wrapper.__atomtrig_recorded__ = path  # type: ignore[attr-defined]
    return wrapper


class Recorder:
    """Records calls of ``app`` (see the module docstring).

    ``main`` names the app's method to call (default: the app itself, which must be
    callable). ``instrument`` lists the component methods to record. With ``space``, records
    are stored there, and ``feedbacks`` are registered for ``app_id`` in ``feedback_mode``.
    """

    def __init__(
        self,
        app: Any,
        app_id: str | None = None,
        *,
        main: str | None = None,
        instrument: Sequence[str] = (),
        space: AtomSpace | None = None,
        feedbacks: Sequence[Feedback] = (),
        feedback_mode: FeedbackMode | str | None = None,
        tags: str = "",
        keep: int = 1000,
    ) -> None:
        self.app = app
        self.app_id = app_id or getattr(app, "__name__", None) or type(app).__name__
        if main is None:
            if not callable(app):
                raise FeedbackError(f"the app {app!r} is not callable; name its main method with main=")
            self._main: Callable[..., Any] = app
            self.main_path = getattr(app, "__name__", "__call__") if inspect.isfunction(app) else "__call__"
        else:
            self._main = self._resolve(main)
            self.main_path = main
        self.space = space
        self.tags = tags
        self.records: list[Record] = []
        self._keep = keep
        self._lock = threading.Lock()
        self.instrumented: list[str] = []
        for path in instrument:
            self._instrument(path)
        if feedbacks and space is None:
            raise FeedbackError("feedbacks run on stored records: give the recorder a space= too")
        if space is not None and feedbacks:
            from atomtrig.feedback.runner import runner_for

            runner_for(space).register(self.app_id, feedbacks, mode=feedback_mode)

    def _resolve(self, path: str) -> Callable[..., Any]:
        target: Any = self.app
        for part in path.split("."):
            try:
                target = getattr(target, part)
            except AttributeError:
                raise FeedbackError(f"the app has no {path!r}: {type(target).__name__} has no attribute {part!r}") from None
        if not callable(target):
            raise FeedbackError(f"{path!r} of the app is {type(target).__name__}, not a method")
        return target  # type: ignore[no-any-return]

    def _instrument(self, path: str) -> None:
        if not isinstance(path, str) or not path:
            raise FeedbackError(f"instrument takes dotted method paths like 'retriever.retrieve', not {path!r}")
        *owner_path, name = path.split(".")
        owner: Any = self.app
        for part in owner_path:
            try:
                owner = getattr(owner, part)
            except AttributeError:
                raise FeedbackError(f"cannot instrument {path!r}: no component {part!r}") from None
        method = getattr(owner, name, None)
        if not callable(method):
            raise FeedbackError(f"cannot instrument {path!r}: {type(owner).__name__} has no method {name!r}")
        if getattr(method, "__atomtrig_recorded__", None) == path:
            self.instrumented.append(path)
            return
        try:
            setattr(owner, name, _instrumented(path, method))
        except (AttributeError, TypeError):
            raise FeedbackError(f"cannot instrument {path!r}: {type(owner).__name__} does not allow setting {name!r}") from None
        self.instrumented.append(path)
        if owner is self.app and path == self.main_path:
            self._main = getattr(owner, name)

    # -- recording ---------------------------------------------------------------------------
    def with_record(self, *args: Any, **kwargs: Any) -> tuple[Any, Record]:
        """Call the app and return ``(output, record)``. If the app raises, the record (with
        ``main_error``) is still kept and stored, and the exception propagates."""
        record = Record(app_id=self.app_id, tags=self.tags)
        bound = _bind_args(self._main, args, kwargs)
        record.main_input = next(iter(bound.values()), None)
        token = _current.set(record)
        stack_token = _stack.set((self.main_path,))
        record.start_time = time.time()
        root = RecordAppCall(self.main_path, bound, start_time=record.start_time)
        try:
            output = self._main(*args, **kwargs)
        except Exception as error:
            record.end_time = root.end_time = time.time()
            record.main_error = root.error = "".join(traceback.format_exception_only(type(error), error)).strip()
            _current.reset(token)
            _stack.reset(stack_token)
            record.calls.append(root)
            self._finish(record)
            raise
        record.end_time = root.end_time = time.time()
        _current.reset(token)
        _stack.reset(stack_token)
        record.main_output = root.rets = to_json_data(output)
        record.calls.append(root)
        self._finish(record)
        return output, record

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the app, recording the call; returns what the app returns."""
        return self.with_record(*args, **kwargs)[0]

    def _finish(self, record: Record) -> None:
        with self._lock:
            self.records.append(record)
            if len(self.records) > self._keep:
                del self.records[: len(self.records) - self._keep]
        if self.space is not None:
            from atomtrig.feedback.store import add_record

            add_record(self.space, record)
