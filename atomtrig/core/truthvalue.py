"""Truth values: SimpleTruthValue ``(stv strength confidence)`` and CountTruthValue
``(ctv strength confidence count)``, immutable, with the classic AtomSpace defaults.

>>> from atomtrig.core.truthvalue import stv, ctv, DEFAULT_TV
>>> stv(0.8, 0.9).strength
0.8
>>> DEFAULT_TV
(stv 1 0)
>>> ctv(0.5, 0.2, 10).count
10.0
"""

from __future__ import annotations

import math

from atomtrig.core.errors import TruthValueError

# Confidence <-> count conversion constant of the classic AtomSpace ("K" in PLN).
DEFAULT_K = 800.0


def _check_unit(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TruthValueError(f"{name} must be a number in [0, 1], not {value!r}")
    number = float(value)
    if not 0.0 <= number <= 1.0:  # also refuses NaN
        raise TruthValueError(f"{name} must be in [0, 1], got {value!r}")
    return number


def format_number(x: float) -> str:
    """Shortest text that reads back as ``x``: ``1`` for 1.0, ``0.8`` for 0.8."""
    if math.isfinite(x) and x == int(x) and abs(x) < 1e16:
        return str(int(x))
    return repr(x)  # also "inf", "-inf" and "nan", which int() would refuse


class TruthValue:
    """Base class of truth values. ``strength`` (also ``mean``), ``confidence`` and ``count``."""

    __slots__ = ("strength", "confidence")
    strength: float
    confidence: float

    @property
    def mean(self) -> float:
        return self.strength

    @property
    def count(self) -> float:
        raise NotImplementedError

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("truth values are immutable; make a new one with stv() or ctv()")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TruthValue) or type(other) is not type(self):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> tuple[object, ...]:
        raise NotImplementedError


class SimpleTruthValue(TruthValue):
    """``(stv strength confidence)``; the count is derived from the confidence."""

    __slots__ = ()

    def __init__(self, strength: float, confidence: float) -> None:
        object.__setattr__(self, "strength", _check_unit("strength", strength))
        object.__setattr__(self, "confidence", _check_unit("confidence", confidence))

    @property
    def count(self) -> float:
        c = self.confidence
        return math.inf if c >= 1.0 else DEFAULT_K * c / (1.0 - c)

    def _key(self) -> tuple[object, ...]:
        return (self.strength, self.confidence)

    def __repr__(self) -> str:
        return f"(stv {format_number(self.strength)} {format_number(self.confidence)})"

    def __reduce__(self) -> tuple[object, tuple[float, float]]:
        return (SimpleTruthValue, (self.strength, self.confidence))


class CountTruthValue(TruthValue):
    """``(ctv strength confidence count)``: evidence counted explicitly."""

    __slots__ = ("_count",)
    _count: float

    def __init__(self, strength: float, confidence: float, count: float) -> None:
        object.__setattr__(self, "strength", _check_unit("strength", strength))
        object.__setattr__(self, "confidence", _check_unit("confidence", confidence))
        if isinstance(count, bool) or not isinstance(count, (int, float)) or not count >= 0:
            raise TruthValueError(f"count must be a number >= 0, not {count!r}")
        object.__setattr__(self, "_count", float(count))

    @property
    def count(self) -> float:
        return self._count

    def _key(self) -> tuple[object, ...]:
        return (self.strength, self.confidence, self._count)

    def __repr__(self) -> str:
        return (
            f"(ctv {format_number(self.strength)} {format_number(self.confidence)} "
            f"{format_number(self._count)})"
        )

    def __reduce__(self) -> tuple[object, tuple[float, float, float]]:
        return (CountTruthValue, (self.strength, self.confidence, self._count))


def stv(strength: float, confidence: float) -> SimpleTruthValue:
    """A SimpleTruthValue, as ``(stv s c)`` in Atomese."""
    return SimpleTruthValue(strength, confidence)


def ctv(strength: float, confidence: float, count: float) -> CountTruthValue:
    """A CountTruthValue, as ``(ctv s c n)`` in Atomese."""
    return CountTruthValue(strength, confidence, count)


DEFAULT_TV = SimpleTruthValue(1.0, 0.0)
"""The truth value of an atom that was never given one (the classic default)."""

TRUE_TV = SimpleTruthValue(1.0, 1.0)
FALSE_TV = SimpleTruthValue(0.0, 1.0)
