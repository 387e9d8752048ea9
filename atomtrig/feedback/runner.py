"""Feedbacks as triggers on an app's new records, and evaluation over stored records.

``register(space, app_id, feedbacks, mode)`` stores each feedback's definition in the store and
adds, per feedback, the trigger link

    (RelationshipTriggerLink (AppNode "<app id>")
      (ExecutionOutputLink (GroundedSchemaNode "py:atomtrig-feedback:<feedback name>")))

which fires when a record of that app is added (its MemberLink to the AppNode joins the app's
incoming set). The grounded schema, resolved by this module, evaluates the feedback on the new
record and writes the result onto the record atom. The mode is the trigger's mode:

- ``WITH_APP``: a sync trigger — the feedback runs in the thread that added the record, so
  with a :class:`~atomtrig.feedback.recorder.Recorder`, before the recorded call returns;
- ``WITH_APP_THREAD`` (default): an async trigger, run by the trigger layer's worker pool;
  ``space.wait_for_triggers()`` (or :func:`wait`) waits for it;
- ``DEFERRED``: a sync trigger that only writes a result of status ``none`` and queues the
  evaluation in the store for ``atomtrig feedback serve`` (:mod:`atomtrig.feedback.deferred`);
- ``NONE``: no trigger; ``evaluate_records`` evaluates on demand.

Trigger links and definitions are atoms, so they persist with an opened store. A process that
reopens the store fires the stored triggers too; a feedback registered in another process runs
from its stored definition when its implementation is importable.

>>> import atomtrig
>>> from atomtrig.feedback import Feedback
>>> from atomtrig.feedback.record import Record
>>> from atomtrig.feedback.store import add_record, read_result
>>> def shout(text: str) -> float:
...     return float(text.isupper())
>>> space = atomtrig.AtomSpace()
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
from typing import TYPE_CHECKING, Any

from atomtrig.core.atom import Atom
from atomtrig.query.grounded import add_resolver
from atomtrig.feedback.errors import FeedbackError
from atomtrig.feedback.evaluate import evaluate
from atomtrig.feedback.feedback import Feedback
from atomtrig.feedback.modes import FeedbackMode
from atomtrig.feedback.result import FeedbackResult, FeedbackResultStatus
from atomtrig.feedback.store import (
    APP_RECORD_NODE,
    app_node,
    definitions,
    describe_for_store,
    feedback_from_definition,
    enqueue,
    read_result,
    record_atoms,
    record_document,
    store_definition,
    write_result,
)

if TYPE_CHECKING:
    from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace

__all__ = ["FeedbackRunner", "evaluate_records", "register", "runner_for", "wait"]

log = logging.getLogger(__name__)

_MEMBER = "MemberLink"


def runner_for(space: AtomSpace) -> FeedbackRunner:
    """The space's feedback runner (made on first use)."""
    runner: FeedbackRunner = space.extension("atomtrig.feedback", lambda: FeedbackRunner(space))
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
    """Wait for the space's background feedback evaluations (its asynchronous triggers);
    False on timeout."""
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


SCHEMA_PREFIX = "py:atomtrig-feedback:"
"""GroundedSchemaNodes named with this prefix and a feedback's name run that feedback."""


def _trigger_mode(mode: FeedbackMode) -> str:
    return "async" if mode is FeedbackMode.WITH_APP_THREAD else "sync"


class FeedbackRunner:
    """The feedbacks registered for apps in one space, in this process (:func:`runner_for`)."""

    def __init__(self, space: AtomSpace, clock: Callable[[], float] = time.time) -> None:
        if space.find_extension("atomtrig.triggers") is None:
            raise FeedbackError(
                "feedback triggers need an AtomSpace with the trigger layer: use atomtrig.AtomSpace"
            )
        # Weak: the runner lives in the space's extension slot, and must not keep it alive.
        self._space = weakref.ref(space)
        self.clock = clock
        self._registrations: dict[str, dict[str, tuple[Feedback, FeedbackMode]]] = {}
        self._stored: dict[tuple[str, str], Feedback] = {}
        self._lock = threading.Lock()
        self.errors: list[str] = []
        """Problems met while writing results from a trigger (e.g. a record removed meanwhile)."""

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
        space = self.space
        app = app_node(space, app_id)
        with self._lock:
            table = self._registrations.setdefault(app_id, {})
            for feedback in feedbacks:
                table[feedback.name] = (feedback, mode)
                self._stored.pop((app_id, feedback.name), None)
        for feedback, data in zip(feedbacks, described):
            store_definition(space, app_id, data)
            target = space.add_link(
                "ExecutionOutputLink", (space.add_node("GroundedSchemaNode", SCHEMA_PREFIX + feedback.name),)
            )
            if mode is FeedbackMode.NONE:
                link = space.get_link("RelationshipTriggerLink", (app, target))
                if link is not None:
                    space.remove(link, recursive=True)
            else:
                engine: Any = space
                engine.add_trigger("RelationshipTriggerLink", [app, target], mode=_trigger_mode(mode))

    def registered(self, app_id: str) -> dict[str, FeedbackMode]:
        """The feedbacks registered for ``app_id`` in this process, with their modes."""
        with self._lock:
            return {name: mode for name, (_f, mode) in self._registrations.get(app_id, {}).items()}

    # -- the trigger's target ------------------------------------------------------------------
    def fire(self, name: str, app: Atom, link: Atom) -> None:
        """Run feedback ``name`` for the link that joined ``app``'s incoming set, if that link
        makes a new record of the app."""
        if link.type.name != _MEMBER or link.out[1] is not app or link.out[0].type is not APP_RECORD_NODE:
            return
        record = link.out[0]
        app_id = app.name
        with self._lock:
            registration = self._registrations.get(app_id, {}).get(name)
        feedback: Feedback | None
        if registration is not None:
            feedback, mode = registration
        else:
            feedback, mode, problem = self._from_store(app_id, name)
            if feedback is None and mode is not FeedbackMode.DEFERRED:
                self._write_failure(record, name, app_id, (
                    f"feedback {name!r} of app {app_id!r} was registered in another process and "
                    f"cannot run in this one: {problem}"
                ))
                return
        if mode is FeedbackMode.DEFERRED:
            pending = FeedbackResult(
                name=name,
                status=FeedbackResultStatus.NONE,
                record_id=record.name,
                app_id=app_id,
                higher_is_better=feedback.higher_is_better if feedback is not None else True,
                last_ts=self.clock(),
            )
            write_result(self.space, record, pending)
            enqueue(self.space, record, name)
        elif mode is not FeedbackMode.NONE and feedback is not None:
            self._evaluate_and_write(feedback, record)

    def _from_store(self, app_id: str, name: str) -> tuple[Feedback | None, FeedbackMode, str]:
        """The stored definition of feedback ``name``, rebuilt (None with the reason when its
        code cannot be imported or is not allowed: asked again next time, as the allow-list may
        change), and its mode."""
        data = definitions(self.space, app_id).get(name)
        if data is None:
            return None, FeedbackMode.NONE, "it is not registered"
        mode = FeedbackMode(data.get("mode", FeedbackMode.WITH_APP_THREAD))
        key = (app_id, name)
        with self._lock:
            cached = self._stored.get(key)
        if cached is not None:
            return cached, mode, ""
        try:
            feedback = feedback_from_definition(data)
        except Exception as error:
            return None, mode, str(error)
        with self._lock:
            self._stored[key] = feedback
        return feedback, mode, ""

    def _write_failure(self, record: Atom, name: str, app_id: str, message: str) -> None:
        result = FeedbackResult(
            name=name, status=FeedbackResultStatus.FAILED, error=message, record_id=record.name,
            app_id=app_id, last_ts=self.clock(),
        )
        try:
            write_result(self.space, record, result)
        except Exception as error:
            self._note(f"feedback {name} on {record.short()}: {error}")

    def _note(self, message: str) -> None:
        log.warning(message)
        with self._lock:
            self.errors.append(message)

    def _evaluate_and_write(self, feedback: Feedback, record: Atom) -> FeedbackResult | None:
        try:
            document = record_document(record)
            result = evaluate(feedback, record=document, clock=self.clock)
            write_result(self.space, record, result)
            return result
        except Exception as error:  # the record was removed meanwhile, or similar
            self._note(f"feedback {feedback.name} on {record.short()}: {type(error).__name__}: {error}")
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
        """Wait until the space's asynchronous triggers (background feedbacks among them) have
        run; False if ``timeout`` passed first."""
        return bool(self.space.wait_for_triggers(timeout))  # type: ignore[attr-defined]


def _resolve(name: str, node: Atom) -> Callable[..., Any] | None:
    if not name.startswith(SCHEMA_PREFIX):
        return None
    feedback_name = name[len(SCHEMA_PREFIX) :]

    def fire(app: Atom, link: Atom) -> None:
        runner_for(app.space).fire(feedback_name, app, link)

    return fire


add_resolver(_resolve)
