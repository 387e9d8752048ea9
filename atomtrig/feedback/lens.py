"""Selectors: a :class:`Lens` is a path of steps into JSON-like data (dicts, lists, objects).

Each step picks zero, one or several values out of each value the path has reached so far:

============================  ==============  ==================================================
step                          printed as      selects
============================  ==============  ==================================================
:class:`GetItemOrAttribute`   ``.name``       a dict's key or an object's attribute; a
                                              one-element list is descended into first
:class:`GetItem`              ``["key"]``     a dict's key (any text, not only identifiers)
:class:`GetIndex`             ``[2]``         one element of a list (negative counts from the end)
:class:`GetSlice`             ``[1:3]``       each element of a slice, as separate values
:class:`GetIndices`           ``[0,2]``       several elements, as separate values
:class:`GetItems`             ``["a","b"]``   several keys, as separate values
:class:`Collect`              ``.collect()``  everything selected so far, as one list
============================  ==============  ==================================================

Build lenses with attribute and item syntax, or parse their printed form (no ``eval``):

>>> lens = Lens().docs[:].text
>>> str(lens)
'docs[:].text'
>>> lens.get({"docs": [{"text": "a"}, {"text": "b"}]})
['a', 'b']
>>> Lens.of_string("docs[:].text") == lens
True
>>> Lens().docs[:].text.collect().get({"docs": [{"text": "a"}, {"text": "b"}]})
[['a', 'b']]
>>> Lens().a[1].set({"a": [1, 2]}, 9)
{'a': [1, 9]}
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from atomtrig.feedback.errors import LensError

__all__ = [
    "Collect",
    "GetIndex",
    "GetIndices",
    "GetItem",
    "GetItemOrAttribute",
    "GetItems",
    "GetSlice",
    "Lens",
    "Step",
]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

Updater = Callable[[Any], Any]
"""Called with a selected value's current content; returns what to put there."""


def _is_sequence(obj: Any) -> bool:
    cls = obj.__class__
    if cls is list or cls is tuple:
        return True
    if cls is dict or cls is str:
        return False
    return isinstance(obj, Sequence) and not isinstance(obj, (str, bytes, bytearray))


def _kind(obj: Any) -> str:
    return type(obj).__name__


def _copy_sequence_with(obj: Sequence[Any], updates: dict[int, Any]) -> Any:
    items = list(obj)
    for i, v in updates.items():
        items[i] = v
    if isinstance(obj, list):
        return items
    if isinstance(obj, tuple) and not hasattr(obj, "_fields"):
        return tuple(items)
    if isinstance(obj, tuple):  # a namedtuple
        return type(obj)(*items)
    return items


def _copy_mapping_with(obj: Mapping[Any, Any], updates: dict[Any, Any]) -> Any:
    new = dict(obj) if type(obj) is dict else copy.copy(obj)
    for k, v in updates.items():
        new[k] = v  # type: ignore[index]
    return new


def _copy_object_with(obj: Any, updates: dict[str, Any]) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.replace(obj, **updates)
    new = copy.copy(obj)
    for k, v in updates.items():
        setattr(new, k, v)
    return new


def _sequence_index(obj: Any, index: int, step: Step) -> int:
    if not _is_sequence(obj):
        raise LensError(f"step {step} needs a list, but the value there is {_kind(obj)} {_short(obj)}")
    n = len(obj)
    if not -n <= index < n:
        raise LensError(f"step {step}: index {index} is out of range for a list of {n} element(s)")
    return index % n


def _short(obj: Any) -> str:
    text = repr(obj)
    return text if len(text) <= 60 else text[:57] + "..."


class Step:
    """One step of a :class:`Lens`."""

    def get(self, obj: Any) -> Iterator[Any]:
        """The values this step selects in ``obj``; raises :class:`LensError` if there are
        none to select."""
        raise NotImplementedError

    def set(self, obj: Any, update: Updater) -> Any:
        """A copy of ``obj`` in which each value this step selects is replaced by
        ``update(value)``. ``obj`` itself is not changed."""
        raise NotImplementedError


@dataclass(frozen=True)
class GetItemOrAttribute(Step):
    """``.name``: a mapping's key or an object's attribute."""

    name: str

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _IDENTIFIER.match(self.name):
            raise LensError(
                f"an attribute step needs an identifier, not {self.name!r}; use "
                f"GetItem (lens[{json.dumps(self.name)}]) for other keys"
            )

    def __str__(self) -> str:
        return "." + self.name

    def _descend(self, obj: Any) -> tuple[Any, bool]:
        # A one-element list stands for its element.
        if _is_sequence(obj):
            if len(obj) == 1:
                return obj[0], True
            raise LensError(
                f"step {self} needs a mapping or an object, but the value there is a list of "
                f"{len(obj)} elements (select them with [:] or one with [i])"
            )
        return obj, False

    def get(self, obj: Any) -> Iterator[Any]:
        if obj.__class__ is dict:  # the common case, first
            if self.name in obj:
                yield obj[self.name]
                return
            raise LensError(f"step {self}: no key {self.name!r} (keys: {_keys(obj)})")
        target, _ = self._descend(obj)
        if isinstance(target, Mapping):
            if self.name in target:
                yield target[self.name]
                return
            raise LensError(f"step {self}: no key {self.name!r} (keys: {_keys(target)})")
        try:
            value = getattr(target, self.name)
        except AttributeError:
            raise LensError(f"step {self}: {_kind(target)} has no attribute {self.name!r}") from None
        yield value

    def set(self, obj: Any, update: Updater) -> Any:
        target, descended = self._descend(obj)
        if isinstance(target, Mapping):
            new = _copy_mapping_with(target, {self.name: update(target.get(self.name, {}))})
        elif target is None or isinstance(target, (str, int, float, bool, bytes)):
            raise LensError(f"step {self} cannot set an attribute on {_kind(target)} {_short(target)}")
        else:
            new = _copy_object_with(target, {self.name: update(getattr(target, self.name, None))})
        return _copy_sequence_with(obj, {0: new}) if descended else new


def _keys(mapping: Mapping[Any, Any]) -> str:
    keys = [repr(k) for k in list(mapping)[:8]]
    return ", ".join(keys) + (", ..." if len(mapping) > 8 else "") if keys else "none"


@dataclass(frozen=True)
class GetItem(Step):
    """``["key"]``: a mapping's key, which may be any text."""

    key: str

    def __post_init__(self) -> None:
        if not isinstance(self.key, str):
            raise LensError(f"a key step needs a string key, not {_kind(self.key)} {self.key!r}")

    def __str__(self) -> str:
        return f"[{_quote(self.key)}]"

    def get(self, obj: Any) -> Iterator[Any]:
        if not isinstance(obj, Mapping):
            raise LensError(f"step {self} needs a mapping, but the value there is {_kind(obj)} {_short(obj)}")
        if self.key not in obj:
            raise LensError(f"step {self}: no key {self.key!r} (keys: {_keys(obj)})")
        yield obj[self.key]

    def set(self, obj: Any, update: Updater) -> Any:
        if not isinstance(obj, Mapping):
            raise LensError(f"step {self} needs a mapping, but the value there is {_kind(obj)} {_short(obj)}")
        return _copy_mapping_with(obj, {self.key: update(obj.get(self.key, {}))})


@dataclass(frozen=True)
class GetIndex(Step):
    """``[i]``: one element of a list; negative indices count from the end."""

    index: int

    def __post_init__(self) -> None:
        if isinstance(self.index, bool) or not isinstance(self.index, int):
            raise LensError(f"an index step needs an int, not {self.index!r}")

    def __str__(self) -> str:
        return f"[{self.index}]"

    def get(self, obj: Any) -> Iterator[Any]:
        yield obj[_sequence_index(obj, self.index, self)]

    def set(self, obj: Any, update: Updater) -> Any:
        i = _sequence_index(obj, self.index, self)
        return _copy_sequence_with(obj, {i: update(obj[i])})


@dataclass(frozen=True)
class GetSlice(Step):
    """``[start:stop:step]``: each element of a slice, as a separate value."""

    start: int | None = None
    stop: int | None = None
    step: int | None = None

    def __post_init__(self) -> None:
        if self.step == 0:
            raise LensError("a slice step cannot be 0")

    def __str__(self) -> str:
        def part(x: int | None) -> str:
            return "" if x is None else str(x)

        text = f"{part(self.start)}:{part(self.stop)}"
        if self.step is not None:
            text += f":{self.step}"
        return f"[{text}]"

    def _range(self, obj: Any) -> range:
        if not _is_sequence(obj):
            raise LensError(f"step {self} needs a list, but the value there is {_kind(obj)} {_short(obj)}")
        return range(*slice(self.start, self.stop, self.step).indices(len(obj)))

    def get(self, obj: Any) -> Iterator[Any]:
        for i in self._range(obj):
            yield obj[i]

    def set(self, obj: Any, update: Updater) -> Any:
        return _copy_sequence_with(obj, {i: update(obj[i]) for i in self._range(obj)})


@dataclass(frozen=True)
class GetIndices(Step):
    """``[i,j,...]``: several elements of a list, as separate values, in the order given."""

    indices: tuple[int, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "indices", tuple(self.indices))
        if not self.indices or any(isinstance(i, bool) or not isinstance(i, int) for i in self.indices):
            raise LensError(f"an indices step needs one or more ints, not {self.indices!r}")

    def __str__(self) -> str:
        inner = ",".join(str(i) for i in self.indices)
        return f"[{inner},]" if len(self.indices) == 1 else f"[{inner}]"

    def get(self, obj: Any) -> Iterator[Any]:
        positions = [_sequence_index(obj, i, self) for i in self.indices]
        for i in positions:
            yield obj[i]

    def set(self, obj: Any, update: Updater) -> Any:
        updates: dict[int, Any] = {}
        for i in (_sequence_index(obj, i, self) for i in self.indices):
            updates[i] = update(updates.get(i, obj[i]))
        return _copy_sequence_with(obj, updates)


@dataclass(frozen=True)
class GetItems(Step):
    """``["a","b",...]``: several keys of a mapping, as separate values, in the order given."""

    keys: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", tuple(self.keys))
        if not self.keys or any(not isinstance(k, str) for k in self.keys):
            raise LensError(f"a keys step needs one or more strings, not {self.keys!r}")

    def __str__(self) -> str:
        inner = ",".join(_quote(k) for k in self.keys)
        return f"[{inner},]" if len(self.keys) == 1 else f"[{inner}]"

    def _check(self, obj: Any) -> None:
        if not isinstance(obj, Mapping):
            raise LensError(f"step {self} needs a mapping, but the value there is {_kind(obj)} {_short(obj)}")
        missing = [k for k in self.keys if k not in obj]
        if missing:
            raise LensError(f"step {self}: no key(s) {', '.join(map(repr, missing))} (keys: {_keys(obj)})")

    def get(self, obj: Any) -> Iterator[Any]:
        self._check(obj)
        for k in self.keys:
            yield obj[k]

    def set(self, obj: Any, update: Updater) -> Any:
        if not isinstance(obj, Mapping):
            raise LensError(f"step {self} needs a mapping, but the value there is {_kind(obj)} {_short(obj)}")
        updates: dict[str, Any] = {}
        for k in self.keys:
            updates[k] = update(updates.get(k, obj.get(k, {})))
        return _copy_mapping_with(obj, updates)


@dataclass(frozen=True)
class Collect(Step):
    """``.collect()``: everything the path selected so far, as one list.

    Setting through a collect takes, for each collected position, the matching element of the
    list the rest of the path produces."""

    def __str__(self) -> str:
        return ".collect()"

    def get(self, obj: Any) -> Iterator[Any]:  # handled by Lens, which sees all values
        raise NotImplementedError

    def set(self, obj: Any, update: Updater) -> Any:
        raise NotImplementedError


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


class Lens:
    """A selector: a path of :class:`Step` objects. Immutable; attribute and item access
    return a longer lens.

    ``lens.name`` adds :class:`GetItemOrAttribute`, ``lens["key"]`` :class:`GetItem`,
    ``lens[2]`` :class:`GetIndex`, ``lens[1:3]`` :class:`GetSlice`, ``lens[0, 2]``
    :class:`GetIndices`, ``lens["a", "b"]`` :class:`GetItems`, ``lens.collect()``
    :class:`Collect`. A field called ``collect`` is reached with ``lens["collect"]``.

    >>> str(Lens().__record__.main_output)
    '__record__.main_output'
    >>> Lens()[0, 2].get(["a", "b", "c"])
    ['a', 'c']
    """

    __slots__ = ("path",)
    path: tuple[Step, ...]

    def __init__(self, path: Sequence[Step] = ()) -> None:
        path = tuple(path)
        for step in path:
            if not isinstance(step, Step):
                raise LensError(f"a lens is made of steps, not {_kind(step)} {step!r}")
        object.__setattr__(self, "path", path)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("lenses are immutable; use lens.set(obj, value) to update data")

    # -- building --------------------------------------------------------------------------
    def __getattr__(self, name: str) -> Lens:
        # Python's own protocols (copy, pickle, numpy...) look up dunders; only the two
        # record/app roots are selector names of that shape.
        if name.startswith("__") and name.endswith("__") and name not in ("__record__", "__app__"):
            raise AttributeError(name)
        if name.startswith(("_repr_", "_ipython_")):  # notebook display hooks
            raise AttributeError(name)
        return Lens(self.path + (GetItemOrAttribute(name),))

    def __getitem__(self, key: Any) -> Lens:
        return Lens(self.path + (_step_for(key),))

    def collect(self) -> Lens:
        """Everything selected so far as one list value."""
        return Lens(self.path + (Collect(),))

    def __add__(self, other: Lens) -> Lens:
        if not isinstance(other, Lens):
            return NotImplemented
        return Lens(self.path + other.path)

    @classmethod
    def of_string(cls, text: str) -> Lens:
        """Parse a printed lens (``"a.b[2]"``, ``"docs[:].text"``, ``'x["a b"]'``) without
        evaluating it. A leading ``Lens()`` is accepted.

        >>> Lens.of_string("Lens().a[-1]").path
        (GetItemOrAttribute(name='a'), GetIndex(index=-1))
        """
        from atomtrig.feedback.lens_syntax import parse_lens

        return cls(parse_lens(text))

    # -- using -----------------------------------------------------------------------------
    def get(self, obj: Any) -> list[Any]:
        """Every value the path selects in ``obj``, in order; :class:`LensError` if a step
        finds nothing."""
        values = [obj]
        for step in self.path:
            if isinstance(step, Collect):
                values = [values]
            else:
                values = [v for o in values for v in step.get(o)]
        return values

    def get_sole_item(self, obj: Any) -> Any:
        """The one value the path selects; :class:`LensError` if it selects several."""
        values = self.get(obj)
        if len(values) != 1:
            raise LensError(f"{self} selects {len(values)} values where one was expected")
        return values[0]

    def exists(self, obj: Any) -> bool:
        """True if the path selects at least one value in ``obj``."""
        try:
            return bool(self.get(obj))
        except LensError:
            return False

    def set(self, obj: Any, value: Any) -> Any:
        """A copy of ``obj`` with every selected value replaced by ``value`` (``obj`` is not
        changed). Missing keys of mappings are created, with empty mappings on the way.

        >>> Lens().a[:].set({"a": [1, 2]}, 0)
        {'a': [0, 0]}
        """
        return self.update(obj, lambda _old: value)

    def update(self, obj: Any, func: Updater) -> Any:
        """A copy of ``obj`` with every selected value ``v`` replaced by ``func(v)``."""
        return _update(self.path, obj, func)

    # -- printing and comparing ------------------------------------------------------------
    def __str__(self) -> str:
        text = "".join(str(step) for step in self.path)
        return text[1:] if text.startswith(".") else text

    def __repr__(self) -> str:
        return "Lens()" + "".join(str(step) for step in self.path)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Lens) and self.path == other.path

    def __hash__(self) -> int:
        return hash(self.path)

    def __len__(self) -> int:
        return len(self.path)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return (Lens, (self.path,))


def _step_for(key: Any) -> Step:
    if isinstance(key, str):
        return GetItem(key)
    if isinstance(key, slice):
        return GetSlice(key.start, key.stop, key.step)
    if isinstance(key, int) and not isinstance(key, bool):
        return GetIndex(key)
    if isinstance(key, (tuple, list)) and key:
        if all(isinstance(k, str) for k in key):
            return GetItems(tuple(key))
        if all(isinstance(k, int) and not isinstance(k, bool) for k in key):
            return GetIndices(tuple(key))
    raise LensError(
        "a lens is indexed by a key, an int, a slice, or several keys or several ints; "
        f"not {_kind(key)} {key!r}"
    )


def _update(path: tuple[Step, ...], obj: Any, func: Updater) -> Any:
    for k, step in enumerate(path):
        if isinstance(step, Collect):
            prefix, rest = path[:k], path[k + 1 :]
            collected = Lens(prefix).get(obj)
            replaced = _update(rest, collected, func)
            if not _is_sequence(replaced) or len(replaced) != len(collected):
                raise LensError(
                    f"setting through .collect() needs a list of {len(collected)} value(s) for "
                    f"the {len(collected)} selected position(s), got {_short(replaced)}"
                )
            feed = iter(replaced)
            return _update(prefix, obj, lambda _old: next(feed))
    if not path:
        return func(obj)
    head, rest = path[0], path[1:]
    return head.set(obj, lambda child: _update(rest, child, func))
