"""Arithmetic: PlusLink, MinusLink, TimesLink, DivideLink and GreaterThanLink over NumberNodes,
FloatValues and truth values.

Each operand is executed first, so operands may be nested arithmetic, ValueOfLinks,
ExecutionOutputLinks or variables of the environment. Vectors (a NumberNode named ``"1 2 3"``, a
FloatValue of several numbers) work element-wise; a one-element operand is broadcast. The result
is a NumberNode when every operand was a NumberNode, else a FloatValue. A truth value counts as
the vector ``(strength, confidence)``.

* ``(Plus a b ...)`` and ``(Times a b ...)`` take any number of operands (none: 0 and 1);
* ``(Minus a b)`` is ``a - b``, ``(Minus a)`` is ``-a``;
* ``(Divide a b)`` is ``a / b``; a zero divisor raises :class:`DivisionByZeroError`;
* ``(GreaterThan a b)`` evaluates to ``(stv 1 1)`` when ``a > b`` (every element), else
  ``(stv 0 1)``.

>>> from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
>>> import atomtrig.query
>>> space = AtomSpace()
>>> n = lambda v: space.add_node("Number", v)
>>> from atomtrig.query.engine import run
>>> run(space, space.add_link("Plus", [n(2), space.add_link("Times", [n(4), n(10)])]))
(NumberNode "42")
>>> from atomtrig.core.values import FloatValue
>>> a = space.add_node("Concept", "a"); a.set_value("w", FloatValue(1, 2))
>>> run(space, space.add_link("Times", [n(3), space.add_link("ValueOf", [a, space.add_node("Predicate", "w")])]))
(FloatValue 3 6)
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from atomtrig.core.atom import Atom
from atomtrig.core.truthvalue import FALSE_TV, TRUE_TV, TruthValue
from atomtrig.core.types import types
from atomtrig.core.values import FloatValue
from atomtrig.query.engine import (
    Env,
    Result,
    expand,
    register_evaluator,
    register_executor,
    run,
)
from atomtrig.query.errors import (
    DivisionByZeroError,
    ExecutionError,
    ExecutionTypeError,
)

if TYPE_CHECKING:
    from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace

_NUMBER = types["NumberNode"]
_VARIABLE = types["VariableNode"]
_GLOB = types["GlobNode"]

Vector = tuple[float, ...]


def numbers_of(link: Atom, operand: Atom, value: Result) -> tuple[Vector, bool]:
    """The numbers an executed operand stands for, and whether it was a NumberNode."""
    if isinstance(value, Atom):
        if value.type is _NUMBER:
            name = value.name
            if " " not in name:
                return (float(name),), True
            return tuple(float(p) for p in name.split()), True
        what = "a free variable" if _VARIABLE in value.type.ancestors else value.short()
        raise ExecutionTypeError(
            f"{link.short()}: the operand {operand.short()} is {what}, not a number "
            "(a NumberNode or a FloatValue)"
        )
    if isinstance(value, FloatValue):
        if not value.items:
            raise ExecutionTypeError(f"{link.short()}: the operand {operand.short()} is an empty FloatValue")
        return tuple(value.items), False
    if isinstance(value, TruthValue):
        return (value.strength, value.confidence), False
    raise ExecutionTypeError(
        f"{link.short()}: the operand {operand.short()} gave {value!r}, not a number "
        "(a NumberNode or a FloatValue)"
    )


def _operands(space: AtomSpace, link: Atom, env: Env) -> list[tuple[Vector, bool]]:
    operands = link.out
    if env:
        for op in operands:
            if op.type is _GLOB:
                operands = tuple(expand(space, link.out, env))
                break
    # A plain loop, not a comprehension: fewer Python frames per level of a recursive
    # definition (the recursion limit counts frames).
    result = []
    for op in operands:
        result.append(numbers_of(link, op, run(space, op, env)))
    return result


def _combine(link: Atom, a: Vector, b: Vector, op: Callable[[float, float], float]) -> Vector:
    if len(a) == len(b):
        return tuple(op(x, y) for x, y in zip(a, b))
    if len(a) == 1:
        return tuple(op(a[0], y) for y in b)
    if len(b) == 1:
        return tuple(op(x, b[0]) for x in a)
    raise ExecutionTypeError(
        f"{link.short()}: vectors of different lengths ({len(a)} and {len(b)}) cannot be combined"
    )


def _result(space: AtomSpace, link: Atom, vector: Vector, all_numbers: bool) -> Atom | FloatValue:
    if not all(math.isfinite(x) for x in vector):
        raise ExecutionError(f"{link.short()}: the result {vector!r} is not a finite number")
    if all_numbers:
        return space.add_node(_NUMBER, " ".join(repr(x) for x in vector))
    return FloatValue(vector)


def _fold(
    space: AtomSpace, link: Atom, env: Env, *, op: Callable[[float, float], float], identity: float
) -> Atom | FloatValue:
    operands = link.out
    if env:
        for term in operands:
            if term.type is _GLOB:
                operands = tuple(expand(space, link.out, env))
                break
    if not operands:
        return _result(space, link, (identity,), True)
    # The operands are run here rather than through _operands(): one Python frame less per
    # level of a recursive definition such as the classic factorial.
    acc, all_numbers = numbers_of(link, operands[0], run(space, operands[0], env))
    for term in operands[1:]:
        vector, is_number = numbers_of(link, term, run(space, term, env))
        acc = _combine(link, acc, vector, op)
        all_numbers = all_numbers and is_number
    return _result(space, link, acc, all_numbers)








def _minus(space: AtomSpace, link: Atom, env: Env) -> Result:
    operands = _operands(space, link, env)
    if len(operands) == 1:
        vector, is_number = operands[0]
        return _result(space, link, tuple(-x for x in vector), is_number)
    _want(link, operands, "two operands (a b: a - b) or one (a: -a)")
    (a, a_num), (b, b_num) = operands
    return _result(space, link, _combine(link, a, b, operator.sub), a_num and b_num)


def _want(link: Atom, operands: list[tuple[Vector, bool]], shape: str) -> None:
    if len(operands) != 2:
        raise ExecutionError(f"{link.short()}: a {link.type.name} takes {shape}, got {len(operands)}")


def _divide_one(link: Atom) -> Callable[[float, float], float]:
    def divide(x: float, y: float) -> float:
        if y == 0:
            raise DivisionByZeroError(f"{link.short()}: division by zero")
        return x / y

    return divide


def _divide(space: AtomSpace, link: Atom, env: Env) -> Result:
    operands = _operands(space, link, env)
    _want(link, operands, "two operands (numerator denominator)")
    (a, a_num), (b, b_num) = operands
    return _result(space, link, _combine(link, a, b, _divide_one(link)), a_num and b_num)


def _greater_than(space: AtomSpace, link: Atom, env: Env) -> TruthValue:
    operands = _operands(space, link, env)
    _want(link, operands, "two operands (a b: a > b)")
    (a, _), (b, _) = operands
    if len(a) == 1 and len(b) == 1:
        return TRUE_TV if a[0] > b[0] else FALSE_TV
    return TRUE_TV if all(_combine(link, a, b, lambda x, y: float(x > y))) else FALSE_TV


# partial() objects add no Python frame between run() and _fold().
register_executor("PlusLink", partial(_fold, op=operator.add, identity=0.0), in_data=True)
register_executor("MinusLink", _minus, in_data=True)
register_executor("TimesLink", partial(_fold, op=operator.mul, identity=1.0), in_data=True)
register_executor("DivideLink", _divide, in_data=True)
register_evaluator("GreaterThanLink", _greater_than)
