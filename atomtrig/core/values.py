"""Values held on atoms under keys: FloatValue, StringValue and LinkValue.

Values are immutable sequences; an atom holds at most one value per key. Keys are atoms
(classic style, e.g. ``(PredicateNode "weight")``); the Python API also accepts a string and
turns it into a PredicateNode of that name.

>>> from atomtrig.core.values import FloatValue, StringValue
>>> FloatValue([1, 2.5])
(FloatValue 1 2.5)
>>> StringValue("a", "b").to_list()
['a', 'b']
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from atomtrig.core.errors import ValueTypeError
from atomtrig.core.truthvalue import TruthValue, format_number


class Value:
    """Base class of the values an atom can hold under a key."""

    __slots__ = ("items",)
    items: tuple[Any, ...]

    def __init__(self, *items: Any) -> None:
        # FloatValue([1, 2]) and FloatValue(1, 2) both work.
        if len(items) == 1 and isinstance(items[0], (list, tuple)):
            items = tuple(items[0])
        object.__setattr__(self, "items", tuple(self._check(x) for x in items))

    def _check(self, item: Any) -> Any:
        return item

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("values are immutable")

    def to_list(self) -> list[Any]:
        return list(self.items)

    @property
    def value(self) -> list[Any]:
        """The items as a list (the classic Python bindings' ``.value``)."""
        return list(self.items)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> Any:
        return self.items[index]

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.items == other.items  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.items))

    def __reduce__(self) -> tuple[object, tuple[Any, ...]]:
        return (type(self), self.items)


class FloatValue(Value):
    """A vector of floats."""

    __slots__ = ()

    def _check(self, item: Any) -> float:
        if isinstance(item, bool) or not isinstance(item, (int, float)):
            raise ValueTypeError(f"FloatValue holds numbers, not {item!r}")
        return float(item)

    def __repr__(self) -> str:
        return "(FloatValue " + " ".join(format_number(x) for x in self.items) + ")"


class StringValue(Value):
    """A vector of strings."""

    __slots__ = ()

    def _check(self, item: Any) -> str:
        if not isinstance(item, str):
            raise ValueTypeError(f"StringValue holds strings, not {item!r}")
        return item

    def __repr__(self) -> str:
        from atomtrig.core.printer import quote_string

        return "(StringValue " + " ".join(quote_string(x) for x in self.items) + ")"


class LinkValue(Value):
    """A vector of atoms and values."""

    __slots__ = ()

    def _check(self, item: Any) -> Any:
        from atomtrig.core.atom import Atom

        if not isinstance(item, (Atom, Value, TruthValue)):
            raise ValueTypeError(f"LinkValue holds atoms and values, not {item!r}")
        return item

    def __repr__(self) -> str:
        return "(LinkValue " + " ".join(repr(x) for x in self.items) + ")"


def as_value(value: object) -> object:
    """Check (and convert, for Python lists) something given as a value.

    Accepted: a :class:`Value`, an atom, a truth value, or a list/tuple of numbers (becomes a
    FloatValue) or of strings (a StringValue).
    """
    from atomtrig.core.atom import Atom

    if isinstance(value, (Value, Atom, TruthValue)):
        return value
    if isinstance(value, (list, tuple)) and value:
        if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in value):
            return FloatValue(value)
        if all(isinstance(x, str) for x in value):
            return StringValue(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return FloatValue(value)
    if isinstance(value, str):
        return StringValue(value)
    raise ValueTypeError(
        "a value must be a FloatValue, StringValue, LinkValue, atom, truth value, number, "
        f"string or a list of numbers or strings, not {type(value).__name__} {value!r}"
    )
