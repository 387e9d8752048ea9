"""Scheme data as the reader produces and the evaluator uses them, and how they print.

Strings are Python ``str``, numbers ``int``/``float``/``Fraction``, booleans ``bool``, lists
:class:`SList` (a ``list`` that remembers where it was read), symbols :class:`Symbol`
(interned: compare with ``is``), characters :class:`Char`. Atoms, truth values and values are
the core's objects.

>>> sym("define") is sym("define")
True
>>> to_display([sym("a"), "b", 1, 2.5, Fraction(1, 2), True])
'(a b 1 2.5 1/2 #t)'
>>> to_write("a \\"q\\"")
'"a \\\\"q\\\\""'
"""

from __future__ import annotations

import bisect
import math
import re
from fractions import Fraction
from typing import Any

from atomtrig.atomese.errors import Location
from atomtrig.core.atom import Atom
from atomtrig.core.printer import to_sexpr

__all__ = [
    "Char",
    "Fraction",
    "Pair",
    "make_pair",
    "SList",
    "Source",
    "Symbol",
    "UNSPECIFIED",
    "decode_string",
    "parse_bare",
    "sym",
    "to_display",
    "to_write",
]


class Symbol:
    """A Scheme symbol. Made only by :func:`sym`, so equal symbols are the same object."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


_SYMBOLS: dict[str, Symbol] = {}


def sym(name: str) -> Symbol:
    """The symbol named ``name``."""
    found = _SYMBOLS.get(name)
    if found is None:
        name = str.__str__(name)  # a plain str, not the reader's token
        found = _SYMBOLS.setdefault(name, Symbol(name))
    return found


class Char(str):
    """A Scheme character ``#\\a``."""

    __slots__ = ()


class Pair:
    """A Scheme pair whose cdr is not a list, such as ``(mean . 0.8)`` (proper lists are
    Python lists)."""

    __slots__ = ("car", "cdr")

    def __init__(self, car: Any, cdr: Any) -> None:
        self.car = car
        self.cdr = cdr

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pair) and self.car == other.car and self.cdr == other.cdr

    def __hash__(self) -> int:
        return hash((Pair, id(self)))

    def __repr__(self) -> str:
        return to_write(self)


def make_pair(car: Any, cdr: Any) -> Any:
    """``cons``: a list when ``cdr`` is a list, else a :class:`Pair`."""
    if isinstance(cdr, list):
        return [car] + cdr
    return Pair(car, cdr)


class _Unspecified:
    __slots__ = ()

    def __repr__(self) -> str:
        return "#<unspecified>"


UNSPECIFIED = _Unspecified()
"""What ``display``, ``set!`` and friends return; the REPL prints nothing for it."""


class Source:
    """A source text and its name, turning character offsets into lines and columns."""

    __slots__ = ("name", "text", "_newlines")

    def __init__(self, text: str, name: str = "<string>") -> None:
        self.name = name
        self.text = text
        self._newlines: list[int] | None = None

    def location(self, pos: int) -> Location:
        if self._newlines is None:
            self._newlines = [m.start() for m in re.finditer("\n", self.text)]
        line = bisect.bisect_left(self._newlines, pos)
        start = self._newlines[line - 1] + 1 if line else 0
        return Location(self.name, line + 1, pos - start + 1)

    def line_text(self, line: int) -> str:
        lines = self.text.split("\n")
        return lines[line - 1].rstrip("\r") if 0 < line <= len(lines) else ""


class SList(list):  # type: ignore[type-arg]
    """A list read from source; ``pos``/``source`` say where (for error messages)."""

    __slots__ = ("pos", "source")

    def __init__(self, items: Any = (), pos: int = -1, source: Source | None = None) -> None:
        super().__init__(items)
        self.pos = pos
        self.source = source

    @property
    def location(self) -> Location | None:
        if self.source is None or self.pos < 0:
            return None
        return self.source.location(self.pos)

    def __repr__(self) -> str:
        return to_write(self)


# -- tokens ------------------------------------------------------------------------------------
_INT = re.compile(r"[+-]?\d+\Z")
_FLOAT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\Z")
_RATIO = re.compile(r"([+-]?\d+)/(\d+)\Z")
_BOOLEANS = {"#t": True, "#true": True, "#f": False, "#false": False}
_SPECIAL_FLOATS = {"+inf.0": math.inf, "-inf.0": -math.inf, "+nan.0": math.nan, "-nan.0": math.nan}


def parse_bare(text: str) -> Any:
    """A bare token as a number, boolean or symbol.

    >>> parse_bare("42"), parse_bare("-1.5e3"), parse_bare("3/6"), parse_bare("#f"), parse_bare("x")
    (42, -1500.0, Fraction(1, 2), False, x)
    """
    first = text[0]
    if first.isdigit() or (first in "+-." and len(text) > 1):
        if _INT.match(text):
            return int(text)
        if _FLOAT.match(text):
            return float(text)
        ratio = _RATIO.match(text)
        if ratio:
            value = Fraction(int(ratio[1]), int(ratio[2]))
            return int(value) if value.denominator == 1 else value
        if text in _SPECIAL_FLOATS:
            return _SPECIAL_FLOATS[text]
    elif first == "#":
        if text in _BOOLEANS:
            return _BOOLEANS[text]
    return sym(text)


_CHAR_NAMES = {"space": " ", "newline": "\n", "tab": "\t", "nul": "\0", "null": "\0",
               "return": "\r", "linefeed": "\n", "alarm": "\a", "backspace": "\b",
               "delete": "\x7f", "escape": "\x1b"}


def parse_char(text: str) -> Char:
    """``#\\a`` -> ``Char('a')``; ``#\\space`` -> ``Char(' ')``."""
    body = text[2:]
    if len(body) == 1:
        return Char(body)
    if body.lower() in _CHAR_NAMES:
        return Char(_CHAR_NAMES[body.lower()])
    if body[0] in "xX" and all(c in "0123456789abcdefABCDEF" for c in body[1:]):
        return Char(chr(int(body[1:], 16)))
    raise ValueError(f"unknown character name #\\{body}")


_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "0": "\0", "b": "\b",
                   "f": "\f", "v": "\v", "\\": "\\", '"': '"', "'": "'"}
_ESCAPE = re.compile(r"\\(x[0-9A-Fa-f]+;?|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{6}|\n[ \t]*|.)", re.S)


def decode_string(literal: str) -> str:
    """The text of a string literal (with its quotes). Raises ValueError on an unknown escape.

    >>> decode_string('"a\\\\tb\\\\x41;\\\\u00e9"')
    'a\\tbAé'
    """
    body = literal[1:-1]
    if "\\" not in body:
        return body

    def replace(m: re.Match[str]) -> str:
        code = m[1]
        head = code[0]
        if head == "x" and len(code) > 1:
            return chr(int(code[1:].rstrip(";"), 16))
        if head in "uU" and len(code) > 1:
            return chr(int(code[1:], 16))
        if head == "\n":
            return ""
        if code in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[code]
        raise ValueError(f"unknown escape \\{code} in a string")

    return _ESCAPE.sub(replace, body)


# -- printing ----------------------------------------------------------------------------------
def format_number(x: Any) -> str:
    """Numbers as Guile prints them: ``3``, ``0.5``, ``3.0``, ``1/2``, ``+inf.0``."""
    if isinstance(x, bool):
        return "#t" if x else "#f"
    if isinstance(x, int):
        return str(x)
    if isinstance(x, Fraction):
        return f"{x.numerator}/{x.denominator}"
    if math.isnan(x):
        return "+nan.0"
    if math.isinf(x):
        return "+inf.0" if x > 0 else "-inf.0"
    text = repr(x)
    if "e" in text:
        mantissa, exponent = text.split("e")
        if "." not in mantissa:
            mantissa += ".0"
        return f"{mantissa}e{int(exponent)}"
    return text


_WRITE_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}
_CHAR_WRITE = {" ": "space", "\n": "newline", "\t": "tab", "\0": "nul", "\r": "return"}


def to_display(value: Any) -> str:
    """``value`` as ``display`` prints it (strings without quotes)."""
    return _format(value, False)


def to_write(value: Any) -> str:
    """``value`` as ``write`` and the REPL print it (strings quoted)."""
    return _format(value, True)


def abbreviate(value: Any, limit: int = 120, depth: int = 32) -> str:
    """``value`` as ``write`` prints it, cut short for messages: about ``limit`` characters at
    most, lists nested deeper than ``depth`` shown as ``(...)``. Unlike :func:`to_write` it never
    walks more of a huge or deeply nested value than it shows.

    >>> abbreviate([[[[1]]]], depth=2)
    '((...))'
    >>> len(abbreviate(list(range(10**6)), limit=20)) < 30
    True
    """
    parts: list[str] = []
    left = limit

    def emit(item: Any, level: int) -> None:
        nonlocal left
        if left <= 0:
            return
        if isinstance(item, (list, Pair)) and not (isinstance(item, list) and not item):
            if level >= depth:
                parts.append("(...)")
                left -= 5
                return
            parts.append("(")
            left -= 1
            first = True
            tail: Any = None
            items: Any = item
            if isinstance(item, Pair):
                items = []
                while isinstance(item, Pair) and len(items) < limit:
                    items.append(item.car)
                    item = item.cdr
                tail = None if isinstance(item, list) and not item else item
            for element in items:
                if left <= 0:
                    break
                if not first:
                    parts.append(" ")
                    left -= 1
                first = False
                emit(element, level + 1)
            if tail is not None and left > 0:
                parts.append(" . ")
                emit(tail, level + 1)
            parts.append(")")
            return
        text = _format(item, True)
        parts.append(text[: max(left, 0) + 1])
        left -= len(text)

    emit(value, 0)
    return "".join(parts)


def _format(value: Any, write: bool) -> str:
    if isinstance(value, Atom):
        # Guile prints an atom followed by a newline.
        return to_sexpr(value) + "\n"
    if isinstance(value, Char):
        if write:
            return "#\\" + _CHAR_WRITE.get(value, value)
        return str(value)
    if isinstance(value, str):
        if write:
            return '"' + "".join(_WRITE_ESCAPES.get(c, c) for c in value) + '"'
        return value
    if value is True:
        return "#t"
    if value is False:
        return "#f"
    if isinstance(value, (int, float, Fraction)):
        return format_number(value)
    if isinstance(value, list):
        return "(" + " ".join(_format(v, write) for v in value) + ")"
    if isinstance(value, Pair):
        items = []
        while isinstance(value, Pair):
            items.append(_format(value.car, write))
            value = value.cdr
        if isinstance(value, list):
            items.extend(_format(v, write) for v in value)
            return "(" + " ".join(items) + ")"
        return "(" + " ".join(items) + " . " + _format(value, write) + ")"
    if value is None:
        return "()"
    return repr(value)
