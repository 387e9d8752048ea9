"""Feedbacks as triggers on an app's new records, and evaluation over stored records.

``register(space, app_id, feedbacks, mode)`` stores each feedback's definition in the store and
makes it fire whenever a record of that app is added (the record's MemberLink to its AppNode
joins the app's incoming set). The mode says where it runs:

- ``WITH_APP``: right away, in the thread that added the record — with a
  :class:`~atomtrig.feedback.recorder.Recorder`, before the recorded call returns;
- ``WITH_APP_THREAD`` (default): in this space's background thread pool; ``wait(space)``
  waits for them;
- ``DEFERRED``: a result with status ``none`` is written and the evaluation queued in the store
  for ``atomtrig feedback serve`` (:mod:`atomtrig.feedback.deferred`);
- ``NONE``: nothing runs; ``evaluate_records`` evaluates on demand.

Results are written onto the record atom (:mod:`atomtrig.feedback.store`).

>>> from atomtrig.core.atomspace import AtomSpace
>>> from atomtrig.feedback import Feedback
>>> from atomtrig.feedback.record import Record
>>> from atomtrig.feedback.store import add_record, read_result
>>> def shout(text: str) -> float:
...     return float(text.isupper())
>>> space = AtomSpace()
>>> register(space, "echo", [Feedback(shout).on_output()], mode="with_app")
>>> atom = add_record(space, Record(app_id="echo", main_output="HEY"))
>>> read_result(space, atom, "shout").result
1.0
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

from atomtrig.core.atom import Atom
from atomtrig.core.events import ChangeEvent, ChangeKind
from atomtrig.feedback.errors import FeedbackError
from atomtrig.feedback.evaluate import evaluate
from atomtrig.feedback.feedback import Feedback
from atomtrig.feedback.modes import FeedbackMode
from atomtrig.feedback.result import FeedbackResult, FeedbackResultStatus
from atomtrig.feedback.store import (
    APP_RECORD_NODE,
    app_node,
    describe_for_store,
    enqueue,
    read_result,
    record_atoms,
    record_document,
    store_definition,
    write_result,
)

if TYPE_CHECKING:
    from atomtrig.core.atomspace import AtomSpace

__all__ = ["FeedbackRunner", "evaluate_records", "register", "runner_for", "wait"]

log = logging.getLogger(__name__)

_MEMBER = "MemberLink"
_runners: weakref.WeakKeyDictionary[AtomSpace, FeedbackRunner] = weakref.WeakKeyDictionary()
_runners_lock = threading.Lock()


def runner_for(space: AtomSpace) -> FeedbackRunner:
    """The space's feedback runner (made on first use)."""
    with _runners_lock:
        runner = _runners.get(space)
        if runner is None:
            runner = _runners[space] = FeedbackRunner(space)
        return runner


def register(
    space: AtomSpace,
    app_id: str,
    feedbacks: Sequence[Feedback],
    mode: FeedbackMode | str | None = None,
) -> None:
    """Make ``feedbacks`` run on every new record of ``app_id``; see the module docstring."""
    runner_for(space).register(app_id, feedbacks, mode)


def wait(space: AtomSpace, timeout: float | None = None) -> bool:
    """Wait for the space's background feedback evaluations; False on timeout."""
    return runner_for(space).wait(timeout)


def evaluate_records(
    space: AtomSpace,
    feedbacks: Sequence[Feedback],
    app_id: str | None = None,
    records: Iterable[Atom | str] | None = None,
    overwrite: bool = True,
) -> list[FeedbackResult]:
    """Evaluate ``feedbacks`` now over records already in the store (one app's, the given
    ones, or all) and write the results on them. With ``overwrite=False`` a feedback that
    already has a done result on a record is left alone."""
    return runner_for(space).evaluate_records(feedbacks, app_id, records, overwrite)


class FeedbackRunner:
    """Fires the feedbacks registered for apps when their records are added. One per space
    (:func:`runner_for`)."""

    def __init__(self, space: AtomSpace, max_workers: int | None = None, clock: Callable[[], float] = time.time) -> None:
        # Weak, so that the registry of runners does not keep spaces alive.
        self._space = weakref.ref(space)
        self.clock = clock
        self._max_workers = max_workers
        self._registrations: dict[str, dict[str, tuple[Feedback, FeedbackMode]]] = {}
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._pending: set[Future[None]] = set()
        self._idle = threading.Condition(self._lock)
        self.errors: list[str] = []
        """Problems met while writing results in the background (e.g. a record removed meanwhile)."""
        space.add_listener(self)

    @property
    def space(self) -> AtomSpace:
        space = self._space()
        if space is None:
            raise FeedbackError("the AtomSpace of this feedback runner is gone")
        return space

    # -- registration ------------------------------------------------------------------------
    def register(self, app_id: str, feedbacks: Sequence[Feedback], mode: FeedbackMode | str | None = None) -> None:
        try:
            mode = FeedbackMode(mode or FeedbackMode.WITH_APP_THREAD)
        except ValueError:
            raise FeedbackError(f"unknown feedback mode {mode!r}; use one of {[m.value for m in FeedbackMode]}") from None
        feedbacks = list(feedbacks)
        for feedback in feedbacks:
            if not isinstance(feedback, Feedback):
                raise FeedbackError(f"register takes Feedback objects, not {feedback!r}")
        names = [f.name for f in feedbacks]
        if len(set(names)) != len(names):
            raise FeedbackError(f"feedback names must be unique per app; got {names}")
        # Check everything (importability for deferred) before storing anything.
        described = [describe_for_store(f, mode, need_importable=mode is FeedbackMode.DEFERRED) for f in feedbacks]
        app = app_node(self.space, app_id)
        for data in described:
            store_definition(self.space, app_id, data)
        with self._lock:
            table = self._registrations.setdefault(app_id, {})
            for feedback in feedbacks:
                table[feedback.name] = (feedback, mode)
        self.space.set_watch(app, app._watch | ChangeKind.INCOMING_ADDED)

    def registered(self, app_id: str) -> dict[str, FeedbackMode]:
        """The feedbacks registered for ``app_id`` in this process, with their modes."""
        with self._lock:
            return {name: mode for name, (_f, mode) in self._registrations.get(app_id, {}).items()}

    # -- the trigger -------------------------------------------------------------------------
    def changes_applied(self, space: AtomSpace, events: list[ChangeEvent]) -> None:
        for event in events:
            link = event.link
            if (
                event.kind is ChangeKind.INCOMING_ADDED
                and link is not None
                and link.type.name == _MEMBER
                and link.out[1] is event.atom
                and link.out[0].type is APP_RECORD_NODE
            ):
                self._on_record(event.atom.name, link.out[0])

    def _on_record(self, app_id: str, record: Atom) -> None:
        with self._lock:
            table = list(self._registrations.get(app_id, {}).values())
        for feedback, mode in table:
            if mode is FeedbackMode.WITH_APP:
                self._evaluate_and_write(feedback, record)
            elif mode is FeedbackMode.WITH_APP_THREAD:
                self._submit(feedback, record)
            elif mode is FeedbackMode.DEFERRED:
                pending = FeedbackResult(
                    name=feedback.name,
                    status=FeedbackResultStatus.NONE,
                    record_id=record.name,
                    app_id=app_id,
                    higher_is_better=feedback.higher_is_better,
                    last_ts=self.clock(),
                )
                write_result(self.space, record, pending)
                enqueue(self.space, record, feedback.name)

    def _submit(self, feedback: Feedback, record: Atom) -> None:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._max_workers, thread_name_prefix="atomtrig-feedback")
            future = self._pool.submit(self._evaluate_and_write, feedback, record)
            self._pending.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)
            if not self._pending:
                self._idle.notify_all()

    def _evaluate_and_write(self, feedback: Feedback, record: Atom) -> FeedbackResult | None:
        try:
            document = record_document(record)
            result = evaluate(feedback, record=document, clock=self.clock)
            write_result(self.space, record, result)
            return result
        except Exception as error:  # the record was removed meanwhile, or similar
            message = f"feedback {feedback.name} on {record.short()}: {type(error).__name__}: {error}"
            log.warning(message)
            with self._lock:
                self.errors.append(message)
            return None

    # -- on demand -------------------------------------------------------------------------
    def evaluate_records(
        self,
        feedbacks: Sequence[Feedback],
        app_id: str | None = None,
        records: Iterable[Atom | str] | None = None,
        overwrite: bool = True,
    ) -> list[FeedbackResult]:
        from atomtrig.feedback.store import record_atom

        atoms = record_atoms(self.space, app_id) if records is None else [record_atom(self.space, r) for r in records]
        done: list[FeedbackResult] = []
        for atom in atoms:
            for feedback in feedbacks:
                if not overwrite:
                    previous = read_result(self.space, atom, feedback.name)
                    if previous is not None and previous.status is FeedbackResultStatus.DONE:
                        continue
                result = evaluate(feedback, record=record_document(atom), clock=self.clock)
                write_result(self.space, atom, result)
                done.append(result)
        return done

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until no background evaluation is pending; False if ``timeout`` passed first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            while self._pending:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._idle.wait(remaining)
        return True

    def close(self) -> None:
        """Stop firing, finish what is pending and release the pool."""
        self.space.remove_listener(self)
        self.wait()
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
