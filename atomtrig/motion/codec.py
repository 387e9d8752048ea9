"""Field types and how field values are held as atom values.

Each field of a schema gets a :class:`FieldType` from its annotation; it checks a value
(:meth:`FieldType.check`, errors name the field) and encodes it as a Value that round-trips
exactly:

- ``str`` -> ``(StringValue "text")`` and ``float`` -> ``(FloatValue x)``, as Atomese users
  expect;
- everything else is a tagged ``StringValue`` whose first item starts with ``motion:``:
  ``int`` (exact, any size), ``bool``, an ``Enum`` member, ``datetime``/``date`` (ISO 8601),
  lists and dicts (JSON; nested ints, floats, strings, bools, None, Enums, datetimes and numpy
  arrays are kept) and numpy arrays (dtype, shape and the raw bytes in base64; object arrays
  are refused).

Nothing is ever evaluated when decoding: JSON, ``int()``, ``datetime.fromisoformat`` and
``numpy.frombuffer`` only.

>>> from enum import Enum
>>> class Colour(Enum):
...     RED = 1
>>> ft = field_type(Colour, "shirt.colour")
>>> v = ft.encode(ft.check(Colour.RED))
>>> v
(StringValue "motion:enum" "Colour" "RED")
>>> ft.decode(v) is Colour.RED
True
>>> lst = field_type(list, "q.tags")
>>> lst.decode(lst.encode(lst.check([1, 2.5, "x", {"k": True}])))
[1, 2.5, 'x', {'k': True}]
"""

from __future__ import annotations

import base64
import datetime as _dt
import enum
import json
import types as _pytypes
import typing
from typing import Any

from atomtrig.core.values import FloatValue, StringValue, Value
from atomtrig.motion.errors import MotionSchemaError, MotionTypeError

try:  # numpy is optional: arrays need it, nothing else does
    import numpy as _np
except ImportError:  # pragma: no cover - numpy is installed with the test extra
    _np = None  # type: ignore[assignment]

TAG = "motion:"
_NESTED = "$motion"
_SIMPLE = {int: "int", float: "float", str: "str", bool: "bool",
           _dt.datetime: "datetime", _dt.date: "date", list: "list", dict: "dict",
           tuple: "list"}


class FieldType:
    """How one field's values are checked, encoded and decoded.

    ``kind`` is one of int, float, str, bool, enum, datetime, date, list, dict, ndarray, any;
    ``optional`` says whether None is accepted (``X | None``: the key is unset)."""

    __slots__ = ("kind", "where", "enum_cls", "item", "optional", "enums", "sql_type")

    def __init__(self, kind: str, where: str, *, enum_cls: type[enum.Enum] | None = None,
                 item: FieldType | None = None, optional: bool = False) -> None:
        self.kind = kind
        self.where = where
        self.enum_cls = enum_cls
        self.item = item
        self.optional = optional
        self.enums: dict[str, type[enum.Enum]] = {}
        # An int column has no declared type: SQLite would turn the text of an int beyond 64
        # bits into a REAL in an INTEGER column; with none, each cell keeps its own type.
        self.sql_type = {"int": "", "bool": "INTEGER", "float": "REAL"}.get(kind, "TEXT")

    def describe(self) -> str:
        name = self.enum_cls.__name__ if self.enum_cls else (
            "numpy.ndarray" if self.kind == "ndarray" else self.kind)
        if self.item is not None:
            name = f"{name}[{self.item.describe()}]"
        return name + (" or None" if self.optional else "")

    def _wrong(self, value: Any) -> MotionTypeError:
        shown = repr(value)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        return MotionTypeError(f"{self.where}: expected {self.describe()}, got "
                               f"{type(value).__name__} {shown}")

    # -- checking ---------------------------------------------------------------------------
    def check(self, value: Any) -> Any:
        """``value`` normalised for this field (numpy scalars become Python numbers), or
        :class:`MotionTypeError` naming the field."""
        if value is None:
            if self.optional or self.kind == "any":
                return None
            raise self._wrong(value)
        kind = self.kind
        if kind == "str":
            if isinstance(value, str):
                return value
        elif kind == "float":
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return float(value)
            if _np is not None and isinstance(value, (_np.floating, _np.integer)):
                return float(value)
        elif kind == "int":
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            if _np is not None and isinstance(value, _np.integer):
                return int(value)
        elif kind == "bool":
            if isinstance(value, bool):
                return value
            if _np is not None and isinstance(value, _np.bool_):
                return bool(value)
        elif kind == "enum":
            if isinstance(value, self.enum_cls):  # type: ignore[arg-type]
                return value
        elif kind == "datetime":
            if isinstance(value, _dt.datetime):
                return value
        elif kind == "date":
            if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
                return value
        elif kind == "ndarray":
            if _np is not None and isinstance(value, _np.ndarray):
                if value.dtype.hasobject:
                    raise MotionTypeError(f"{self.where}: numpy arrays of Python objects cannot "
                                          "be stored (use a numeric or string dtype)")
                return value
        elif kind == "list":
            if isinstance(value, (list, tuple)):
                item = self.item
                out = [item.check(x) if item is not None else x for x in value]
                _json_check(out, self.where)
                return out
        elif kind == "dict":
            if isinstance(value, dict):
                item = self.item
                mapping: dict[str, Any] = {}
                for k, x in value.items():
                    if not isinstance(k, str):
                        raise MotionTypeError(f"{self.where}: dict keys must be strings, got {k!r}")
                    mapping[k] = item.check(x) if item is not None else x
                _json_check(mapping, self.where)
                return mapping
        elif kind == "any":
            _json_check(value, self.where)
            return value
        raise self._wrong(value)

    # -- encoding ---------------------------------------------------------------------------
    def encode(self, value: Any) -> Value | None:
        """The Value holding an already checked ``value`` (None: no value)."""
        return encode_value(value)

    def decode(self, value: Any) -> Any:
        """The Python value held by ``value`` (None for no value)."""
        return decode_value(value, self.enums)


def encode_value(value: Any) -> Value | None:
    """The Value holding ``value`` (a checked field value); see the module docstring."""
    if value is None:
        return None
    t = type(value)
    if t is str:
        return StringValue(value)
    if t is float:
        return FloatValue(value)
    if t is bool:
        return StringValue(TAG + "bool", "true" if value else "false")
    if t is int:
        return StringValue(TAG + "int", str(value))
    if isinstance(value, enum.Enum):
        return StringValue(TAG + "enum", type(value).__qualname__, value.name)
    if isinstance(value, _dt.datetime):
        return StringValue(TAG + "datetime", value.isoformat())
    if isinstance(value, _dt.date):
        return StringValue(TAG + "date", value.isoformat())
    if _np is not None and isinstance(value, _np.ndarray):
        return StringValue(TAG + "ndarray", *_array_items(value))
    return StringValue(TAG + "json", json.dumps(_to_json(value), separators=(",", ":")))


def decode_value(value: Any, enums: dict[str, type[enum.Enum]] | None = None) -> Any:
    """The Python value a Value made by :func:`encode_value` holds."""
    if value is None:
        return None
    if isinstance(value, FloatValue):
        items = value.items
        return items[0] if len(items) == 1 else list(items)
    if isinstance(value, StringValue):
        items = value.items
        if len(items) == 1:
            return items[0]
        tag = items[0]
        if tag.startswith(TAG):
            return _decode_tagged(tag[len(TAG):], items[1:], enums or {})
        return list(items)
    return value  # a value some other code put there: handed back as it is


def _decode_tagged(tag: str, rest: tuple[str, ...], enums: dict[str, type[enum.Enum]]) -> Any:
    try:
        if tag == "int":
            return int(rest[0])
        if tag == "bool":
            return rest[0] == "true"
        if tag == "enum":
            return _enum(enums, rest[0], rest[1])
        if tag == "datetime":
            return _dt.datetime.fromisoformat(rest[0])
        if tag == "date":
            return _dt.date.fromisoformat(rest[0])
        if tag == "ndarray":
            return _array(rest[0], rest[1], rest[2])
        if tag == "json":
            return _from_json(json.loads(rest[0]), enums)
    except (IndexError, ValueError, KeyError) as exc:
        raise MotionTypeError(f"a stored motion:{tag} value is damaged: {exc}") from None
    raise MotionTypeError(f"unknown stored value tag motion:{tag}")


def _enum(enums: dict[str, type[enum.Enum]], qualname: str, member: str) -> enum.Enum:
    cls = enums.get(qualname)
    if cls is None:
        raise MotionTypeError(f"the stored Enum {qualname}.{member} is not a type any field of "
                              "this relation names")
    return cls[member]


def _array_items(arr: Any) -> tuple[str, str, str]:
    if arr.dtype.hasobject:
        raise MotionTypeError("numpy arrays of Python objects cannot be stored")
    data = _np.ascontiguousarray(arr)
    return (data.dtype.str, json.dumps(list(arr.shape)),
            base64.b64encode(data.tobytes()).decode("ascii"))


def _array(dtype: str, shape: str, data: str) -> Any:
    if _np is None:  # pragma: no cover
        raise MotionTypeError("decoding a numpy array needs numpy")
    dt = _np.dtype(dtype)
    if dt.hasobject:
        raise MotionTypeError("refusing a stored numpy array of Python objects")
    dims = json.loads(shape)
    if not isinstance(dims, list) or not all(isinstance(d, int) and d >= 0 for d in dims):
        raise ValueError(f"bad array shape {shape!r}")
    return _np.frombuffer(base64.b64decode(data), dtype=dt).reshape(dims).copy()


# -- nested values (inside lists and dicts) -------------------------------------------------
def _json_check(value: Any, where: str) -> None:
    try:
        _to_json(value)
    except MotionTypeError as exc:
        raise MotionTypeError(f"{where}: {exc}") from None


def _to_json(value: Any) -> Any:
    if value is None or type(value) in (str, bool, int):
        return value
    if type(value) is float:
        if value != value or value in (float("inf"), float("-inf")):
            return {_NESTED: ["float", repr(value)]}
        return value
    if isinstance(value, (list, tuple)):
        return [_to_json(x) for x in value]
    if isinstance(value, dict):
        if _NESTED in value:
            raise MotionTypeError(f"the dict key {_NESTED!r} is reserved")
        out = {}
        for k, x in value.items():
            if not isinstance(k, str):
                raise MotionTypeError(f"dict keys must be strings, got {k!r}")
            out[k] = _to_json(x)
        return out
    if isinstance(value, enum.Enum):
        return {_NESTED: ["enum", type(value).__qualname__, value.name]}
    if isinstance(value, _dt.datetime):
        return {_NESTED: ["datetime", value.isoformat()]}
    if isinstance(value, _dt.date):
        return {_NESTED: ["date", value.isoformat()]}
    if _np is not None and isinstance(value, _np.ndarray):
        return {_NESTED: ["ndarray", *_array_items(value)]}
    if _np is not None and isinstance(value, _np.generic):
        return _to_json(value.item())
    raise MotionTypeError(f"cannot store a {type(value).__name__} ({value!r:.40}) inside a list or dict")


def _from_json(value: Any, enums: dict[str, type[enum.Enum]]) -> Any:
    if isinstance(value, list):
        return [_from_json(x, enums) for x in value]
    if isinstance(value, dict):
        nested = value.get(_NESTED)
        if nested is not None and len(value) == 1:
            tag, *rest = nested
            if tag == "float":
                return float(rest[0])
            return _decode_tagged(tag, tuple(rest), enums)
        return {k: _from_json(x, enums) for k, x in value.items()}
    return value


# -- annotations -> field types ---------------------------------------------------------------
def field_type(annotation: Any, where: str) -> FieldType:
    """The :class:`FieldType` of an annotation (``where`` names the field in errors)."""
    ft = _field_type(annotation, where)
    _collect_enums(annotation, ft.enums)
    return ft


def _field_type(annotation: Any, where: str) -> FieldType:
    if annotation is Any or annotation is object:
        return FieldType("any", where)
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, _pytypes.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(annotation)) == 2:
            ft = _field_type(args[0], where)
            ft.optional = True
            return ft
        if set(args) == {int, float}:
            return FieldType("float", where)
        raise MotionSchemaError(f"{where}: a union of {annotation} is not supported (use one "
                                "type, X | None, or Any)")
    if origin in (list, tuple, dict):
        params: tuple[Any, ...] = typing.get_args(annotation)
        item = None
        if origin is dict and len(params) == 2:
            if params[0] is not str:
                raise MotionSchemaError(f"{where}: dict keys must be str, not {params[0]}")
            item = _field_type(params[1], where)
        elif origin is list and len(params) == 1:
            item = _field_type(params[0], where)
        elif origin is tuple and params:
            item = _field_type(params[0], where) if len(params) == 2 and params[1] is Ellipsis else None
        kind = "dict" if origin is dict else "list"
        return FieldType(kind, where, item=item)
    if isinstance(annotation, type):
        if issubclass(annotation, enum.Enum):
            return FieldType("enum", where, enum_cls=annotation)
        if _np is not None and issubclass(annotation, _np.ndarray):
            return FieldType("ndarray", where)
        for cls, kind in _SIMPLE.items():
            if annotation is cls:
                return FieldType(kind, where)
    raise MotionSchemaError(
        f"{where}: the type {annotation!r} is not supported; use int, float, str, bool, an Enum, "
        "datetime, date, list, dict, numpy.ndarray, Any, or X | None"
    )


def _collect_enums(annotation: Any, into: dict[str, type[enum.Enum]]) -> None:
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        into[annotation.__qualname__] = annotation
    for arg in typing.get_args(annotation):
        _collect_enums(arg, into)


def sql_cell(value: Any) -> Any:
    """A decoded field value as an SQLite cell: numbers and text as they are (an int beyond 64
    bits as its decimal text), bools as 0/1,
    Enum members by name, dates in ISO 8601, lists, dicts and arrays as JSON text."""
    if type(value) is int:
        return value if -(2**63) <= value < 2**63 else str(value)  # SQLite INTEGER is 64-bit
    if value is None or type(value) in (float, str):
        return value
    if type(value) is bool:
        return int(value)
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    if _np is not None and isinstance(value, _np.ndarray):
        return json.dumps(value.tolist())
    return json.dumps(_to_json(value), separators=(",", ":"))
