"""Deferred feedback evaluation: the worker behind ``atomtrig feedback serve``.

Feedbacks registered in ``DEFERRED`` mode queue each new record in the store (see
:mod:`atomtrig.feedback.store`) with a result of status ``none``. A :class:`DeferredEvaluator`
takes the queue from the store, imports each feedback's implementation by name from its stored
definition — only from modules allowed with :func:`atomtrig.allow_module` (``--allow-module``):
a store never decides on its own what code runs — marks the result ``running``, evaluates and writes the result. A result stuck
``running`` for ``running_timeout`` seconds (60; its worker died) is evaluated again, and so is
a ``failed`` one after ``failed_retry`` seconds (300). Done and skipped results leave the queue.
The clock is a parameter, so tests drive it by hand.

>>> import atomtrig
>>> from atomtrig.feedback import Feedback
>>> from atomtrig.feedback.record import Record
>>> from atomtrig.feedback.runner import register
>>> from atomtrig.feedback.store import add_record, read_result
>>> import statistics
>>> space = atomtrig.AtomSpace()
>>> register(space, "nums", [Feedback(statistics.fmean).on_output()], mode="deferred")
>>> atom = add_record(space, Record(app_id="nums", main_output=[1, 2]))
>>> read_result(space, atom, "fmean").status.value
'none'
>>> atomtrig.allow_module("statistics")  # the server may run the stored statistics.fmean
>>> DeferredEvaluator(space).run_once()
1
>>> read_result(space, atom, "fmean").result
1.5
>>> atomtrig.query.allowlist.disallow_module("statistics")
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from atomtrig.core.atom import Atom
from atomtrig.feedback.errors import FeedbackError
from atomtrig.feedback.evaluate import evaluate
from atomtrig.feedback.feedback import Feedback
from atomtrig.feedback.result import FeedbackResult, FeedbackResultStatus
from atomtrig.feedback.store import (
    definitions,
    dequeue,
    feedback_from_definition,
    queued,
    read_result,
    record_app_id,
    record_document,
    write_result,
)

if TYPE_CHECKING:
    from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace

__all__ = ["FAILED_RETRY", "RUNNING_TIMEOUT", "DeferredEvaluator", "DeferredStats"]

RUNNING_TIMEOUT = 60.0
"""Seconds after which a result still ``running`` is taken to be abandoned and run again."""
FAILED_RETRY = 300.0
"""Seconds after which a ``failed`` result is tried again."""


@dataclass
class DeferredStats:
    """What one pass over the queue did."""

    evaluated: int = 0
    done: int = 0
    failed: int = 0
    skipped: int = 0
    waiting: int = 0
    errors: list[str] = field(default_factory=list)


class DeferredEvaluator:
    """Evaluates the deferred feedback queue of ``space`` (see the module docstring)."""

    def __init__(
        self,
        space: AtomSpace,
        clock: Callable[[], float] = time.time,
        running_timeout: float = RUNNING_TIMEOUT,
        failed_retry: float = FAILED_RETRY,
    ) -> None:
        self.space = space
        self.clock = clock
        self.running_timeout = running_timeout
        self.failed_retry = failed_retry
        self._feedbacks: dict[tuple[str, str], Feedback] = {}
        self.last_stats = DeferredStats()

    def _feedback(self, app_id: str, name: str) -> Feedback:
        key = (app_id, name)
        feedback = self._feedbacks.get(key)
        if feedback is None:
            data = definitions(self.space, app_id).get(name)
            if data is None:
                raise FeedbackError(f"no feedback {name!r} is registered for app {app_id!r} in the store")
            feedback = self._feedbacks[key] = feedback_from_definition(data)
        return feedback

    def _due(self, result: FeedbackResult | None, now: float) -> bool:
        if result is None or result.status is FeedbackResultStatus.NONE:
            return True
        if result.status is FeedbackResultStatus.RUNNING:
            return now - result.last_ts >= self.running_timeout
        if result.status is FeedbackResultStatus.FAILED:
            return now - result.last_ts >= self.failed_retry
        return False

    def run_once(self) -> int:
        """One pass over the queue; returns how many evaluations ran. Details in
        ``last_stats``."""
        stats = DeferredStats()
        for record, name in list(queued(self.space)):
            if record._space is not self.space:
                continue
            previous = read_result(self.space, record, name)
            if previous is not None and previous.status in (FeedbackResultStatus.DONE, FeedbackResultStatus.SKIPPED):
                dequeue(self.space, record, name)
                continue
            if not self._due(previous, self.clock()):
                stats.waiting += 1
                continue
            self._run(record, name, previous, stats)
        self.last_stats = stats
        return stats.evaluated

    def _run(self, record: Atom, name: str, previous: FeedbackResult | None, stats: DeferredStats) -> None:
        app_id = record_app_id(record) or ""
        attempts = (previous.attempts if previous is not None else 0) + 1
        marker = FeedbackResult(
            name=name,
            status=FeedbackResultStatus.RUNNING,
            record_id=record.name,
            app_id=app_id,
            last_ts=self.clock(),
            attempts=attempts,
        )
        if previous is not None:
            marker.feedback_result_id = previous.feedback_result_id
            marker.higher_is_better = previous.higher_is_better
        write_result(self.space, record, marker)
        try:
            feedback = self._feedback(app_id, name)
            result = evaluate(feedback, record=record_document(record), clock=self.clock)
        except Exception as error:  # the definition cannot be loaded: fail, retry later
            result = FeedbackResult(
                name=name,
                status=FeedbackResultStatus.FAILED,
                error=f"{type(error).__name__}: {error}",
                record_id=record.name,
                app_id=app_id,
                last_ts=self.clock(),
            )
            stats.errors.append(result.error or "")
        result.feedback_result_id = marker.feedback_result_id
        result.attempts = attempts
        write_result(self.space, record, result)
        stats.evaluated += 1
        if result.status is FeedbackResultStatus.FAILED:
            stats.failed += 1
        else:
            if result.status is FeedbackResultStatus.SKIPPED:
                stats.skipped += 1
            else:
                stats.done += 1
            dequeue(self.space, record, name)

    def serve(self, stop: threading.Event, poll_interval: float = 1.0, after_pass: Callable[[], None] | None = None) -> None:
        """Run passes until ``stop`` is set, sleeping ``poll_interval`` between them when there
        was nothing to do. ``after_pass`` runs after each pass (e.g. to flush the store)."""
        while not stop.is_set():
            evaluated = self.run_once()
            if after_pass is not None:
                after_pass()
            if not evaluated:
                stop.wait(poll_interval)
