"""Text forms of truth values and values, shared by every backend.

A truth value is ``"s c"`` (SimpleTruthValue) or ``"s c n"`` (CountTruthValue), numbers in
``repr`` form so they read back bit for bit. A value is JSON: ``{"f": [...]}`` for a
FloatValue, ``{"s": [...]}`` for a StringValue, ``{"l": [...]}`` for a LinkValue, ``{"t": [...]}``
for a truth value and ``{"a": ref}`` for an atom. An atom inside a value is written by content
(``[type, name]`` or ``[type, [refs...]]``), so a value still reads back when the atom it names
was removed (it then reads back as a removed atom, as it was in memory, but with the default
truth value: a removed atom's truth value is not kept).

>>> from atomtrig.core.truthvalue import stv
>>> encode_tv(stv(0.25, 0.5)), decode_tv("0.25 0.5") == stv(0.25, 0.5)
('0.25 0.5', True)
>>> from atomtrig.core.values import FloatValue
>>> encode_value(FloatValue(1, 2.5))
'{"f":[1.0,2.5]}'
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from atomtrig.core.atom import Atom, Link, Node
from atomtrig.core.truthvalue import (
    DEFAULT_TV,
    CountTruthValue,
    SimpleTruthValue,
    TruthValue,
)
from atomtrig.core.types import types
from atomtrig.core.values import FloatValue, LinkValue, StringValue, Value
from atomtrig.storage.errors import StoreCorruptError

if TYPE_CHECKING:
    from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace


def encode_tv(tv: TruthValue) -> str | None:
    """The text of ``tv``; None for the default truth value (stored as NULL)."""
    if tv is DEFAULT_TV or tv == DEFAULT_TV:
        return None
    if tv.__class__ is CountTruthValue:
        return f"{tv.strength!r} {tv.confidence!r} {tv.count!r}"
    return f"{tv.strength!r} {tv.confidence!r}"


def decode_tv(text: str | None) -> TruthValue:
    if text is None:
        return DEFAULT_TV
    try:
        parts = [float(x) for x in text.split()]
        if len(parts) == 2:
            return SimpleTruthValue(parts[0], parts[1])
        if len(parts) == 3:
            return CountTruthValue(parts[0], parts[1], parts[2])
    except (ValueError, ArithmeticError, Exception) as error:  # TruthValueError too
        raise StoreCorruptError(f"a stored truth value is damaged: {text!r} ({error})") from None
    raise StoreCorruptError(f"a stored truth value is damaged: {text!r}")


def _atom_ref(atom: Atom) -> list[Any]:
    if atom.is_node():
        return [atom.type.name, atom.name]
    return [atom.type.name, [_atom_ref(child) for child in atom.out]]


def _to_json(value: object) -> Any:
    if isinstance(value, Atom):
        return {"a": _atom_ref(value)}
    if isinstance(value, TruthValue):
        if value.__class__ is CountTruthValue:
            return {"t": [value.strength, value.confidence, value.count]}
        return {"t": [value.strength, value.confidence]}
    if isinstance(value, FloatValue):
        return {"f": list(value.items)}
    if isinstance(value, StringValue):
        return {"s": list(value.items)}
    if isinstance(value, LinkValue):
        return {"l": [_to_json(item) for item in value.items]}
    raise TypeError(f"cannot store a value of type {type(value).__name__}: {value!r}")


def encode_value(value: object) -> str:
    """The JSON text of a value (a Value, an atom or a truth value)."""
    return json.dumps(_to_json(value), separators=(",", ":"))


def to_json(value: object) -> Any:
    """The JSON-ready form of a value, atom or truth value (see the module docstring)."""
    return _to_json(value)


def from_json(data: Any, space: AtomSpace) -> object:
    """Read back :func:`to_json`'s form; atoms are looked up in ``space``."""
    return _from_json(data, space)


def _resolve(ref: Any, space: AtomSpace) -> Atom:
    type_name, body = ref
    t = types[type_name]
    if isinstance(body, str):
        found: Atom | None = space.get_node(t, body)
        return found if found is not None else Node(t, body, None)  # type: ignore[arg-type]
    out = tuple(_resolve(child, space) for child in body)
    found = space.get_link(t, out)
    return found if found is not None else Link(t, out, None)  # type: ignore[arg-type]


def _from_json(data: Any, space: AtomSpace) -> object:
    (tag, body), = data.items()
    if tag == "f":
        return FloatValue(body)
    if tag == "s":
        return StringValue(body)
    if tag == "l":
        return LinkValue([_from_json(item, space) for item in body])
    if tag == "t":
        return SimpleTruthValue(*body) if len(body) == 2 else CountTruthValue(*body)
    if tag == "a":
        return _resolve(body, space)
    raise ValueError(f"unknown value tag {tag!r}")


def decode_value(text: str, space: AtomSpace) -> object:
    """Read back a value written by :func:`encode_value`; atoms are looked up in ``space``."""
    try:
        return _from_json(json.loads(text), space)
    except Exception as error:
        raise StoreCorruptError(f"a stored value is damaged: {text[:80]!r} ({error})") from None


__all__ = ["Value", "decode_tv", "decode_value", "encode_tv", "encode_value", "from_json", "to_json"]
