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
OPTION_KEYS = (MODE_KEY, EVERY_KEY, FULL_QUERY_KEY, MAX_DEPTH_KEY)


@dataclass(frozen=True, slots=True)
class TriggerOptions:
    """The options of one trigger, as read from its link's values."""

    mode: str = "sync"
    every_update: bool = False
    full_query: bool = False
    max_depth: int | None = None

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


def _depth(value: Any) -> int:
    number = value[0] if isinstance(value, FloatValue) and len(value) == 1 else value
    if isinstance(number, bool) or not isinstance(number, (int, float)) or number < 1 or number != int(number):
        raise TriggerOptionError(f"option {MAX_DEPTH_KEY!r} must be a whole number >= 1, not {value!r}")
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
        max_depth=_depth(found[MAX_DEPTH_KEY]) if MAX_DEPTH_KEY in found else None,
    )


def option_values(
    mode: str | None = None,
    every_update: bool | None = None,
    full_query: bool | None = None,
    max_depth: int | None = None,
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
        result[MAX_DEPTH_KEY] = FloatValue(float(_depth(max_depth)))
    return result


def set_trigger_options(link: Atom, **options: Any) -> None:
    """Store options on a trigger link: ``mode="async"``, ``every_update=True``,
    ``full_query=True``, ``max_depth=4``. Unknown names and bad values raise
    :class:`TriggerOptionError` before anything is stored.
    """
    unknown = set(options) - {"mode", "every_update", "full_query", "max_depth"}
    if unknown:
        raise TriggerOptionError(
            f"unknown trigger option(s) {', '.join(sorted(unknown))}; "
            "known: mode, every_update, full_query, max_depth"
        )
    for key, value in option_values(**options).items():
        link.set_value(key, value)
