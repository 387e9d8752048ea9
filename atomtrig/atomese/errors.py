"""Errors of the Atomese reader and evaluator, with the place in the source they come from.

>>> err = AtomeseSyntaxError("expected ')'", Location("demo.scm", 2, 5), "(Concept \\"a\\"", ["RPAR"])
>>> print(err)
demo.scm:2:5: syntax error: expected ')'
  (Concept "a"
      ^
expected ')'
"""

from __future__ import annotations

from dataclasses import dataclass

from atomtrig.core.errors import AtomtrigError


@dataclass(frozen=True)
class Location:
    """A place in a source text: file name, line and column (both counted from 1)."""

    filename: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.filename}:{self.line}:{self.column}"


# How the grammar's terminals read in "expected ..." messages.
TERMINAL_WORDS = {
    "RPAR": "')'",
    "LPAR": "'('",
    "HEAD": "'(' and a name",
    "NODE": "a node such as (Concept \"x\")",
    "TV": "a truth value such as (stv 1 1)",
    "STRING": "a string",
    "ATOM": "a number or symbol",
    "CHAR": "a character",
    "QUOTE": "'",
    "QUASIQUOTE": "`",
    "UNQUOTE": ",",
    "UNQUOTE_SPLICING": ",@",
    "$END": "the end of the text",
}


DATUM_TERMINALS = frozenset(
    {"NODE", "TV", "STRING", "ATOM", "CHAR", "QUOTE", "QUASIQUOTE", "UNQUOTE", "UNQUOTE_SPLICING",
     "HEAD", "LPAR"}
)


class AtomeseError(AtomtrigError):
    """Base class of the errors of Atomese scripts."""


class AtomeseSyntaxError(AtomeseError):
    """Text that is not Atomese. Its message gives ``file:line:column``, the offending line
    with a caret under the column, and what was expected there."""

    def __init__(
        self,
        message: str,
        location: Location,
        line_text: str = "",
        expected: list[str] | tuple[str, ...] = (),
    ) -> None:
        self.message = message
        self.location = location
        self.line_text = line_text
        self.expected = tuple(expected)
        Exception.__init__(self, str(self))

    kind = "syntax error"

    def __str__(self) -> str:
        text = f"{self.location}: {self.kind}: {self.message}"
        if self.line_text:
            shown, caret = _window(self.line_text, self.location.column - 1)
            text += f"\n  {shown}\n  {' ' * caret}^"
        if self.expected:
            expected = set(self.expected)
            words = []
            if DATUM_TERMINALS <= expected:
                expected -= DATUM_TERMINALS
                words.append("a datum (a list, string, number or symbol)")
            words = sorted({TERMINAL_WORDS.get(e, e) for e in expected}) + words
            text += "\nexpected " + ("one of: " if len(words) > 1 else "") + ", ".join(words)
        return text


def _window(line: str, column: int, width: int = 100) -> tuple[str, int]:
    """The part of a long line around ``column`` (0-based) that an error shows, and the
    caret's column in it."""
    if len(line) <= width:
        return line, column
    start = max(0, min(column - width // 2, len(line) - width))
    shown = line[start : start + width]
    prefix = "..." if start else ""
    suffix = "..." if start + width < len(line) else ""
    return prefix + shown + suffix, column - start + len(prefix)


class AtomeseRuntimeError(AtomeseError):
    """An error while evaluating a script: names the innermost expression that failed and where
    it is. ``cause`` is the original exception (also chained as ``__cause__``)."""

    def __init__(
        self, message: str, expression: str = "", location: Location | None = None,
        cause: BaseException | None = None,
    ) -> None:
        self.message = message
        self.expression = expression
        self.location = location
        self.cause = cause
        Exception.__init__(self, str(self))

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        text = f"{where}error: {self.message}"
        if self.expression:
            text += f"\n  in {self.expression}"
        return text


class AtomeseLoadError(AtomeseSyntaxError):
    """A form that ``load_atoms`` (a plain atom dump, no evaluation) cannot read, such as Scheme
    code (``define`` needs the evaluator: ``atomtrig run``) or an atom that cannot be made (an
    unknown type, a bad name); located like a syntax error."""

    kind = "error"


class SchemeError(AtomeseError):
    """Raised by a script itself with ``(error "message" ...)`` or ``(throw 'key ...)``."""
