"""Making atoms, truth values and values from the arguments of an Atomese form.

Shared by the bulk loader (:mod:`atomtrig.atomese.loader`), the evaluator and any other reader
of Atomese-like notations: give :func:`build_form` the head name and the already-built
arguments, and it returns the atom (or truth value, or value).

Truth values among a constructor's arguments are attached to the atom, wherever they are; they
are not part of its outgoing set. Lists among a link's arguments are spliced in (as Guile does).

>>> from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
>>> from atomtrig.core.truthvalue import stv
>>> from atomtrig.atomese.data import sym
>>> space = AtomSpace()
>>> a = build_form(space, "Concept", ["a", stv(0.5, 0.5)])
>>> link = build_form(space, "InheritanceLink", [a, stv(0.9, 0.8), build_form(space, "Concept", ["b"])])
>>> link.short(), link.tv
('(InheritanceLink (ConceptNode "a") (ConceptNode "b"))', (stv 0.9 0.8))
>>> build_form(space, "TypeNode", [sym("ConceptNode")]).name
'ConceptNode'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from atomtrig.atomese.data import Fraction, Symbol, abbreviate, to_write
from atomtrig.atomese.errors import AtomeseError
from atomtrig.core.atom import Atom
from atomtrig.core.errors import UnknownTypeError
from atomtrig.core.truthvalue import CountTruthValue, SimpleTruthValue, TruthValue
from atomtrig.core.types import AtomType, types
from atomtrig.core.values import FloatValue, LinkValue, StringValue, Value

__all__ = [
    "AtomFormError",
    "TRUTH_VALUE_NAMES",
    "VALUE_NAMES",
    "build_atom",
    "build_form",
    "make_truth_value",
    "make_value",
    "type_of",
]

_NUMBER_NODE = types["NumberNode"]
_TYPE_NODE_NAMES = frozenset(
    t for t in (types.get("TypeNode"), types.get("TypeInhNode"), types.get("TypeCoInhNode")) if t
)

TRUTH_VALUE_NAMES = {
    "stv": "stv", "SimpleTruthValue": "stv", "cog-new-stv": "stv",
    "ctv": "ctv", "CountTruthValue": "ctv", "cog-new-ctv": "ctv",
}
VALUE_NAMES = {"FloatValue": FloatValue, "StringValue": StringValue, "LinkValue": LinkValue}


class AtomFormError(AtomeseError, TypeError):
    """Arguments that cannot make the atom, truth value or value asked for."""


def type_of(name: str | Symbol | AtomType) -> AtomType:
    """The atom type named ``name`` (a string or a quoted symbol); unknown names raise
    :class:`~atomtrig.core.errors.UnknownTypeError` with the closest names."""
    if isinstance(name, AtomType):
        return name
    if isinstance(name, Symbol):
        name = name.name
    if not isinstance(name, str):
        raise AtomFormError(f"an atom type must be a type name or symbol, not {to_write(name)}")
    return types[name]


def _number(value: Any, what: str, form: str) -> float:
    if isinstance(value, (int, float, Fraction)) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:
            raise AtomFormError(
                f"{form}: {what} {abbreviate(value, 40)} is too large for a floating-point number"
            ) from None
    raise AtomFormError(f"{form}: {what} must be a number, not {abbreviate(value, 80)}")


def make_truth_value(kind: str, args: Sequence[Any]) -> TruthValue:
    """``make_truth_value("stv", [0.9, 0.8])``; ``kind`` is a name of :data:`TRUTH_VALUE_NAMES`."""
    short = TRUTH_VALUE_NAMES.get(kind, kind)
    if short == "stv":
        if len(args) != 2:
            raise AtomFormError(f"({kind} strength confidence) takes 2 numbers, got {len(args)}")
        return SimpleTruthValue(
            _number(args[0], "strength", kind), _number(args[1], "confidence", kind)
        )
    if short == "ctv":
        if len(args) != 3:
            raise AtomFormError(f"({kind} strength confidence count) takes 3 numbers, got {len(args)}")
        return CountTruthValue(
            _number(args[0], "strength", kind),
            _number(args[1], "confidence", kind),
            _number(args[2], "count", kind),
        )
    raise AtomFormError(f"unknown truth value kind {kind!r}")


def make_value(kind: str, args: Sequence[Any]) -> Value:
    """``make_value("FloatValue", [1, 2])``; lists among the arguments are spliced in."""
    items: list[Any] = []
    for a in args:
        if isinstance(a, list):
            items.extend(a)
        else:
            items.append(a)
    cls = VALUE_NAMES[kind]
    if cls is FloatValue:
        items = [_number(x, "each item", kind) for x in items]
    return cls(items)


def build_atom(space: Any, atom_type: AtomType, args: Sequence[Any]) -> Atom | None:
    """Add the atom of ``atom_type`` made from ``args`` (name or outgoing atoms, and truth
    values anywhere) to ``space``. None only for a closed DeleteLink, which removes atoms."""
    tv: TruthValue | None = None
    if atom_type.is_node:
        name: Any = None
        for a in args:
            if isinstance(a, TruthValue):
                tv = a
            elif name is None:
                name = a
            else:
                raise AtomFormError(
                    f"{atom_type.name} takes one name (and optionally a truth value), "
                    f"got another argument {to_write(a)}"
                )
        if name is None:
            raise AtomFormError(f"{atom_type.name} needs a name")
        if atom_type in _TYPE_NODE_NAMES:
            # (Type 'ConceptNode) and (TypeNode "Concept") name a known type.
            name = type_of(name).name
        elif isinstance(name, Symbol):
            raise AtomFormError(
                f"the name of a {atom_type.name} must be a string, not the symbol {name.name}"
            )
        elif atom_type is not _NUMBER_NODE and not isinstance(name, str):
            raise AtomFormError(
                f"the name of a {atom_type.name} must be a string, not {to_write(name)}"
            )
        elif isinstance(name, Fraction):
            name = float(name)
        return space.add_node(atom_type, name, tv)  # type: ignore[no-any-return]
    out: list[Atom] = []
    for position, a in enumerate(args):
        if isinstance(a, Atom):
            out.append(a)
        elif isinstance(a, TruthValue):
            tv = a
        elif isinstance(a, list):
            for item in a:
                if not isinstance(item, Atom):
                    raise AtomFormError(
                        f"a list given to {atom_type.name} must hold atoms, not {to_write(item)}"
                    )
                out.append(item)
        else:
            raise AtomFormError(
                f"argument {position + 1} of {atom_type.name} must be an atom or a truth value, "
                f"not {to_write(a)}"
            )
    return space.add_link(atom_type, out, tv)  # type: ignore[no-any-return]


def build_form(space: Any, head: str, args: Sequence[Any]) -> Any:
    """The atom, truth value or value the form ``(head args...)`` stands for.

    Raises :class:`~atomtrig.core.errors.UnknownTypeError` (with the closest names) when
    ``head`` is none of those.
    """
    if head in TRUTH_VALUE_NAMES:
        return make_truth_value(head, args)
    if head in VALUE_NAMES:
        return make_value(head, args)
    atom_type = types[head]
    if atom_type.abstract:
        raise AtomFormError(f"{atom_type.name} is an abstract type; atoms cannot have it")
    return build_atom(space, atom_type, args)


def is_constructor_name(head: str) -> bool:
    """True if ``(head ...)`` makes an atom, truth value or value."""
    if head in TRUTH_VALUE_NAMES or head in VALUE_NAMES:
        return True
    t = types.get(head)
    return t is not None and not t.abstract


def unknown_type_error(head: str) -> UnknownTypeError:
    try:
        types[head]
    except UnknownTypeError as err:
        return err
    return UnknownTypeError(f"{head!r} is not an atom type")

