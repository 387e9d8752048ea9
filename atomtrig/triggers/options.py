"""Trigger options: values stored on the trigger link itself, so Atomese, Python and the store
all see them.

=====================  =========================  ===========================================
key (PredicateNode)    value                      meaning
=====================  =========================  ===========================================
``trigger:mode``       ``(StringValue "async")``  ``"sync"`` (default): run before the call
                                                  that caused it returns; ``"async"``: queue
                                                  on the trigger's FIFO, run by the pool.
``trigger:every``      ``(FloatValue 1)``         StrengthTriggerLink: fire on every update
                                                  that leaves the strength above the
                                                  threshold, not only on the rising edge.
``trigger:full-query`` ``(FloatValue 1)``         RelationshipTriggerLink: run the whole
                                                  query, not only groundings that use the new
                                                  link.
``trigger:max-depth``  ``(FloatValue n)``         Cascade depth limit for firings of this
                                                  trigger (default: the engine's, 16).
``trigger:after-commit`` ``(FloatValue 1)``       sync only: inside ``space.transaction()``,
                                                  run after the transaction commits (never if
                                                  it rolls back), not inside it.
``trigger:max-attempts`` ``(FloatValue n)``       async, in a store: tries of a firing whose
                                                  target raises before it is parked (3).
=====================  =========================  ===========================================

Set them with :func:`set_trigger_options` (checked) or with ``cog-set-value!`` in Atomese; they
are read again whenever one of these values changes.

>>> TriggerOptions().mode
'sync'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from atomtrig.core.values import FloatValue, StringValue
from atomtrig.triggers.errors import TriggerOptionError

if TYPE_CHECKING:
    from atomtrig.core.atom import Atom

MODE_KEY = "trigger:mode"
EVERY_KEY = "trigger:every"
FULL_QUERY_KEY = "trigger:full-query"
MAX_DEPTH_KEY = "trigger:max-depth"
AFTER_COMMIT_KEY = "trigger:after-commit"
MAX_ATTEMPTS_KEY = "trigger:max-attempts"
OPTION_KEYS = (MODE_KEY, EVERY_KEY, FULL_QUERY_KEY, MAX_DEPTH_KEY, AFTER_COMMIT_KEY, MAX_ATTEMPTS_KEY)
OPTION_NAMES = ("mode", "every_update", "full_query", "max_depth", "after_commit", "max_attempts")
DEFAULT_MAX_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class TriggerOptions:
    """The options of one trigger, as read from its link's values."""

    mode: str = "sync"
    every_update: bool = False
    full_query: bool = False
    max_depth: int | None = None
    after_commit: bool = False
    max_attempts: int = DEFAULT_MAX_ATTEMPTS

    @property
    def is_async(self) -> bool:
        return self.mode == "async"


def _flag(value: Any, key: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, FloatValue) and len(value) == 1:
        return bool(value[0])
    if isinstance(value, (int, float)):
        return bool(value)
    raise TriggerOptionError(f"option {key!r} must be (FloatValue 0) or (FloatValue 1), not {value!r}")


def _mode(value: Any) -> str:
    text = value[0] if isinstance(value, StringValue) and len(value) == 1 else value
    if text not in ("sync", "async"):
        raise TriggerOptionError(
            f"option {MODE_KEY!r} must be (StringValue \"sync\") or (StringValue \"async\"), "
            f"not {value!r}"
        )
    return str(text)


def _count(value: Any, key: str = MAX_DEPTH_KEY) -> int:
    number = value[0] if isinstance(value, FloatValue) and len(value) == 1 else value
    if isinstance(number, bool) or not isinstance(number, (int, float)) or number < 1 or number != int(number):
        raise TriggerOptionError(f"option {key!r} must be a whole number >= 1, not {value!r}")
    return int(number)


def read_options(link: Atom) -> TriggerOptions:
    """The options stored on ``link`` (defaults for the ones not set)."""
    values = link._values
    if not values:
        return TriggerOptions()
    found: dict[str, Any] = {}
    for key, value in values.items():
        if key.is_node() and key.name in OPTION_KEYS:
            found[key.name] = value
    if not found:
        return TriggerOptions()
    return TriggerOptions(
        mode=_mode(found[MODE_KEY]) if MODE_KEY in found else "sync",
        every_update=_flag(found[EVERY_KEY], EVERY_KEY) if EVERY_KEY in found else False,
        full_query=_flag(found[FULL_QUERY_KEY], FULL_QUERY_KEY) if FULL_QUERY_KEY in found else False,
        max_depth=_count(found[MAX_DEPTH_KEY]) if MAX_DEPTH_KEY in found else None,
        after_commit=_flag(found[AFTER_COMMIT_KEY], AFTER_COMMIT_KEY) if AFTER_COMMIT_KEY in found else False,
        max_attempts=(_count(found[MAX_ATTEMPTS_KEY], MAX_ATTEMPTS_KEY) if MAX_ATTEMPTS_KEY in found
                      else DEFAULT_MAX_ATTEMPTS),
    )


def check_option_names(options: dict[str, Any]) -> None:
    """Refuse option names that are not trigger options."""
    unknown = set(options) - set(OPTION_NAMES)
    if unknown:
        raise TriggerOptionError(
            f"unknown trigger option(s) {', '.join(sorted(unknown))}; known: {', '.join(OPTION_NAMES)}"
        )


def option_values(
    mode: str | None = None,
    every_update: bool | None = None,
    full_query: bool | None = None,
    max_depth: int | None = None,
    after_commit: bool | None = None,
    max_attempts: int | None = None,
) -> dict[str, Any]:
    """The values :func:`set_trigger_options` stores, checked; keys of options left at None are
    not included."""
    result: dict[str, Any] = {}
    if mode is not None:
        result[MODE_KEY] = StringValue(_mode(mode))
    if every_update is not None:
        result[EVERY_KEY] = FloatValue(1.0 if _flag(every_update, EVERY_KEY) else 0.0)
    if full_query is not None:
        result[FULL_QUERY_KEY] = FloatValue(1.0 if _flag(full_query, FULL_QUERY_KEY) else 0.0)
    if max_depth is not None:
        result[MAX_DEPTH_KEY] = FloatValue(float(_count(max_depth)))
    if after_commit is not None:
        result[AFTER_COMMIT_KEY] = FloatValue(1.0 if _flag(after_commit, AFTER_COMMIT_KEY) else 0.0)
    if max_attempts is not None:
        result[MAX_ATTEMPTS_KEY] = FloatValue(float(_count(max_attempts, MAX_ATTEMPTS_KEY)))
    return result


def set_trigger_options(link: Atom, **options: Any) -> None:
    """Store options on a trigger link: ``mode="async"``, ``every_update=True``,
    ``full_query=True``, ``max_depth=4``, ``after_commit=True``, ``max_attempts=5``. Unknown
    names and bad values raise :class:`TriggerOptionError` before anything is stored.
    """
    check_option_names(options)
    for key, value in option_values(**options).items():
        link.set_value(key, value)
