"""``motion.Trigger``, ``motion.Route`` and ``TriggeredBy``: what a user subclasses and returns.

A trigger's ``setUp(cursor)`` returns its initial state (a dict); ``routes()`` returns the
:class:`Route` objects that say which ``infer``/``fit`` method runs when a key of a relation is
set. ``self.state`` is a read-only view; only the dicts that ``fit`` methods return change it
(merged in, one version per merge).

>>> class Counter(Trigger):
...     def setUp(self, cursor):
...         return {"n": 0}
...     def routes(self):
...         return [Route(relation="query", key="prompt", infer=None, fit=self.count)]
...     def count(self, cursor, triggered_by):
...         return {"n": self.state["n"] + 1}
>>> t = Counter()
>>> t.name, t.version
('Counter', 0)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from atomtrig.motion.errors import FitError, MotionTriggerError

if TYPE_CHECKING:
    from atomtrig.motion.cursor import Cursor

Method = Callable[["Cursor", "TriggeredBy"], Any]


class TriggeredBy(NamedTuple):
    """What fired a route: the relation, the record's identifier, the key and its new value."""

    relation: str
    identifier: Any
    key: str
    value: Any


@dataclass(frozen=True)
class Route:
    """Run ``infer`` (synchronously, inside the ``set``) and then queue ``fit`` (in the
    background, first come first served per trigger) when ``key`` of ``relation`` is set.
    Either may be None, not both."""

    relation: str
    key: str
    infer: Method | None = None
    fit: Method | None = None


class Trigger:
    """Subclass this: implement ``setUp(self, cursor) -> dict`` and ``routes(self) ->
    list[Route]``. The store calls ``setUp`` when the trigger is added (on every start of the
    application) and then ``routes``."""

    def __init__(self, name: str | None = None) -> None:
        self.name = name or type(self).__name__
        self._state: dict[str, Any] = {}
        self._view: Mapping[str, Any] = MappingProxyType(self._state)
        self.version = 0
        """How many ``fit`` results have been merged into the state."""
        self._state_lock = threading.Lock()

    # -- to implement -------------------------------------------------------------------------
    def setUp(self, cursor: Cursor) -> dict[str, Any]:  # noqa: N802 - Motion's name
        """The initial state; read existing records through ``cursor`` if needed."""
        return {}

    def routes(self) -> list[Route]:
        """The routes of this trigger."""
        raise MotionTriggerError(f"trigger {self.name} must define routes() returning a list "
                                 "of motion.Route")

    # -- state ---------------------------------------------------------------------------------
    @property
    def state(self) -> Mapping[str, Any]:
        """The current state, read-only (``fit`` returns updates instead of writing it)."""
        return self._view

    @state.setter
    def state(self, value: object) -> None:
        raise MotionTriggerError(f"the state of trigger {self.name} is read-only; return the "
                                 "updates from a fit method")

    def _reset(self, state: object) -> None:
        if not isinstance(state, dict):
            raise MotionTriggerError(f"{self.name}.setUp must return a dict (the initial state), "
                                     f"not {type(state).__name__} {state!r:.60}")
        with self._state_lock:
            self._state = dict(state)
            self._view = MappingProxyType(self._state)
            self.version = 0

    def _merge(self, updates: object, method: str) -> None:
        if not isinstance(updates, dict):
            raise FitError(f"{self.name}.{method} must return a dict of state updates ({{}} for "
                           f"none), not {type(updates).__name__} {updates!r:.60}")
        with self._state_lock:
            state = {**self._state, **updates}  # copy on write: an infer sees one whole state
            self._state = state
            self._view = MappingProxyType(state)
            self.version += 1
