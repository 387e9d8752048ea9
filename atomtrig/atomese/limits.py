"""Bounds on what reading and evaluating Atomese may cost: nesting depth, evaluation steps, time,
and the size of the lists, strings and numbers a script builds.

A script from elsewhere must not be able to hang or exhaust the process that runs it. Every
:class:`~atomtrig.atomese.evaluator.Interpreter` has a :class:`Limits`; going past one raises
:class:`EvaluationLimitError` (an :class:`~atomtrig.atomese.errors.AtomeseRuntimeError`, located
at the expression that went past it), or, for nesting, an
:class:`~atomtrig.atomese.errors.AtomeseSyntaxError` at the place in the text.

=================  ===========  ==============================================================
limit              default      what it bounds
=================  ===========  ==============================================================
``max_nesting``    1000         nested parentheses and quotes in the text read
``max_steps``      None         evaluation steps (each compound expression evaluated is one)
``timeout``        None         seconds one ``eval_text`` / script may run
``max_length``     10,000,000   items in a list or characters in a string a procedure builds
``max_int_bits``   4,000,000    bits in an exact integer a procedure computes (~1.2M digits)
=================  ===========  ==============================================================

``atomtrig run``, ``atomtrig repl`` and ``atomtrig load`` take ``--max-steps``, ``--timeout`` and
``--max-nesting``; in Python, pass ``limits=`` to ``eval_atomese``/``load_atomese`` or set
``interpreter.limits``.

>>> from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
>>> from atomtrig.atomese.evaluator import Interpreter
>>> interp = Interpreter(AtomSpace(), limits=Limits(max_steps=1000))
>>> interp.eval_text("(let loop ((i 0)) (loop (+ i 1)))")
Traceback (most recent call last):
...
atomtrig.atomese.limits.EvaluationLimitError: <string>:1:19: error: evaluation stopped after 1,000 steps (the step limit; raise it with --max-steps or Limits(max_steps=...))
  in (loop (+ i 1))
"""

from __future__ import annotations

import contextvars
import math
import time
from dataclasses import dataclass, replace
from typing import Any

from atomtrig.atomese.errors import AtomeseRuntimeError

__all__ = ["EvaluationLimitError", "Limits", "check_int_bits", "check_length", "current"]


class EvaluationLimitError(AtomeseRuntimeError):
    """Evaluation went past one of the interpreter's :class:`Limits`."""


@dataclass(frozen=True)
class Limits:
    """The bounds of one interpreter; see the module docstring. ``None`` means unbounded."""

    max_nesting: int = 1000
    max_steps: int | None = None
    timeout: float | None = None
    max_length: int = 10_000_000
    max_int_bits: int = 4_000_000

    def __post_init__(self) -> None:
        for name in ("max_nesting", "max_steps", "max_length", "max_int_bits"):
            value = getattr(self, name)
            if value is None and name in ("max_steps",):
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"Limits({name}=...) must be a whole number >= 1, not {value!r}")
        if self.timeout is not None and (
            isinstance(self.timeout, bool) or not isinstance(self.timeout, (int, float))
            or not self.timeout > 0
        ):
            raise ValueError(f"Limits(timeout=...) must be a number of seconds > 0, not {self.timeout!r}")

    def but(self, **changes: Any) -> Limits:
        """A copy with some limits changed (``None`` values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


DEFAULT = Limits()
_current: contextvars.ContextVar[Limits] = contextvars.ContextVar("atomtrig_atomese_limits", default=DEFAULT)


def current() -> Limits:
    """The limits of the interpreter running in this context (the defaults outside one)."""
    return _current.get()


def activate(limits: Limits) -> contextvars.Token[Limits]:
    """Make ``limits`` current (the interpreter does this around each evaluation)."""
    return _current.set(limits)


def deactivate(token: contextvars.Token[Limits]) -> None:
    _current.reset(token)


def check_length(n: int, what: str) -> None:
    """Refuse to build a list or string of ``n`` items past ``max_length``."""
    limit = _current.get().max_length
    if n > limit:
        raise EvaluationLimitError(
            f"{what} would make {n:,} items, more than the limit of {limit:,} "
            "(raise it with Limits(max_length=...))"
        )


def check_int_bits(bits: float, what: str) -> None:
    """Refuse to compute an integer of about ``bits`` bits past ``max_int_bits``."""
    limit = _current.get().max_int_bits
    if bits > limit:
        digits = int(bits * math.log10(2)) + 1 if math.isfinite(bits) else bits
        raise EvaluationLimitError(
            f"{what} would make an integer of about {digits:,} digits, more than the limit of "
            f"{int(limit * math.log10(2)):,} digits (raise it with Limits(max_int_bits=...))"
        )


class StepMeter:
    """Counts evaluation steps in chunks: the evaluator's hot loop pays one decrement and one
    test per step (on a counter it owns), and calls :meth:`next_chunk` when a chunk is used up;
    the step limit and the clock are looked at only then.

    >>> meter = StepMeter(Limits(max_steps=25_000))
    >>> meter.first_chunk(), meter.next_chunk(), meter.next_chunk()
    (10000, 10000, 5000)
    >>> meter.next_chunk()
    Traceback (most recent call last):
    ...
    atomtrig.atomese.limits.EvaluationLimitError: error: evaluation stopped after 25,000 steps (the step limit; raise it with --max-steps or Limits(max_steps=...))
    """

    CHUNK = 10_000

    __slots__ = ("limits", "steps", "deadline", "chunk")

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.steps = 0
        self.chunk = 0
        self.deadline = None if limits.timeout is None else time.monotonic() + limits.timeout

    def first_chunk(self) -> int:
        self.chunk = self._size()
        return self.chunk

    def _size(self) -> int:
        max_steps = self.limits.max_steps
        if max_steps is None:
            return self.CHUNK
        return min(self.CHUNK, max_steps - self.steps)

    def next_chunk(self) -> int:
        """Account for the chunk used up, check the limits, and size the next one."""
        self.steps += self.chunk
        max_steps = self.limits.max_steps
        if max_steps is not None and self.steps >= max_steps:
            raise EvaluationLimitError(
                f"evaluation stopped after {max_steps:,} steps (the step limit; raise it with "
                "--max-steps or Limits(max_steps=...))"
            )
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise EvaluationLimitError(
                f"evaluation stopped after {self.limits.timeout:g} s (the time limit; raise it "
                "with --timeout or Limits(timeout=...))"
            )
        self.chunk = self._size()
        return self.chunk
