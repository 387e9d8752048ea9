"""Atomese: reading, running and printing the Scheme dialect of the OpenCog AtomSpace.

- :func:`read` turns text into Scheme data; :func:`load_atoms` bulk-loads a plain atom dump
  straight into a space (no evaluation);
- :class:`Interpreter` runs scripts (``define``, ``let``, ``cog-execute!``...);
  :func:`interpreter_for` gives a space's own interpreter, whose definitions persist between
  calls of ``space.eval_atomese``;
- :func:`build_form` makes an atom, truth value or value from a head name and arguments (for
  other readers of Atomese-like notations);
- the grammar is ``grammar/atomese.lark`` (:func:`grammar_path`).

>>> import atomtrig
>>> space = atomtrig.AtomSpace()
>>> eval_atomese(space, '(define cat (Concept "cat")) (cog-name cat)')
'cat'
>>> eval_atomese(space, 'cat')
(ConceptNode "cat")
"""

from __future__ import annotations

import os

from pathlib import Path
from typing import Any

from atomtrig.atomese.builder import AtomFormError, build_atom, build_form, make_truth_value
from atomtrig.atomese.data import UNSPECIFIED, Symbol, sym, to_display, to_write
from atomtrig.atomese.errors import (
    AtomeseError,
    AtomeseLoadError,
    AtomeseRuntimeError,
    AtomeseSyntaxError,
    Location,
    SchemeError,
)
from atomtrig.atomese.evaluator import Interpreter
from atomtrig.atomese.grammar import grammar_path
from atomtrig.atomese.limits import EvaluationLimitError, Limits
from atomtrig.atomese.loader import load_atoms
from atomtrig.atomese.reader import read
from atomtrig.atomese.scheme_schemas import install as _install_scheme_schemas

_install_scheme_schemas()

__all__ = [
    "AtomFormError",
    "AtomeseError",
    "AtomeseLoadError",
    "AtomeseRuntimeError",
    "AtomeseSyntaxError",
    "EvaluationLimitError",
    "Interpreter",
    "Limits",
    "Location",
    "SchemeError",
    "Symbol",
    "UNSPECIFIED",
    "build_atom",
    "build_form",
    "eval_atomese",
    "grammar_path",
    "interpreter_for",
    "load_atomese",
    "load_atoms",
    "make_truth_value",
    "read",
    "sym",
    "to_display",
    "to_write",
]


def interpreter_for(space: Any) -> Interpreter:
    """The interpreter that belongs to ``space`` (made on first use)."""
    interp: Interpreter = space.extension("atomtrig.atomese", lambda: Interpreter(space))
    return interp


def eval_atomese(
    space: Any, text: str, filename: str = "<string>", *, limits: Limits | None = None
) -> Any:
    """Run ``text`` on ``space``; the value of its last expression. ``limits`` bound this run
    (default: the interpreter's, see :mod:`atomtrig.atomese.limits`)."""
    interp = interpreter_for(space)
    if limits is None:
        return interp.eval_text(text, filename)
    saved, interp.limits = interp.limits, limits
    try:
        return interp.eval_text(text, filename)
    finally:
        interp.limits = saved


def load_atomese(
    space: Any, path: str | os.PathLike[str], *, limits: Limits | None = None
) -> Any:
    """Run the script at ``path`` on ``space``; the value of its last expression. ``limits`` as
    for :func:`eval_atomese`."""
    interp = interpreter_for(space)
    if limits is None:
        return interp.run_file(path)
    saved, interp.limits = interp.limits, limits
    try:
        return interp.run_file(path)
    finally:
        interp.limits = saved
