"""Parsing the printed form of a :class:`~atomtrig.feedback.lens.Lens` back into steps.

The text is parsed with a Lark grammar, never evaluated. The syntax is what ``str(lens)``
prints: an optional ``Lens()`` prefix, then steps — ``name`` or ``.name``, ``.collect()``,
``[2]``, ``[-1]``, ``[1:3]``, ``[::2]``, ``[0,2]``, ``["key"]`` (or ``['key']``), ``["a","b"]``.
A one-element ``[0,]`` or ``["a",]`` is a several-indices (several-keys) step of one.

>>> from atomtrig.feedback.lens_syntax import parse_lens
>>> [str(s) for s in parse_lens('a.b[2]["c d"][1:]')]
['.a', '.b', '[2]', '["c d"]', '[1:]']
"""

from __future__ import annotations

import functools

import lark

from atomtrig.feedback.errors import LensSyntaxError
from atomtrig.feedback.lens import (
    Collect,
    GetIndex,
    GetIndices,
    GetItem,
    GetItemOrAttribute,
    GetItems,
    GetSlice,
    Step,
)

__all__ = ["parse_lens"]

GRAMMAR = r"""
start: prefix? head? step*

prefix: PREFIX

?head: NAME                                   -> attribute
     | COLLECT                                -> collect

?step: "." NAME                               -> attribute
     | "." COLLECT                            -> collect
     | "[" SIGNED_INT "]"                     -> index
     | "[" bound ":" bound (":" bound)? "]"   -> slice
     | "[" SIGNED_INT "," int_tail? "]"       -> indices
     | "[" STRING "]"                         -> key
     | "[" STRING "," str_tail? "]"           -> keys

int_tail: SIGNED_INT ("," SIGNED_INT)* ","?
str_tail: STRING ("," STRING)* ","?
bound: SIGNED_INT?

PREFIX.2: "Lens()"
COLLECT.2: "collect()"
NAME: /[A-Za-z_][A-Za-z0-9_]*/
SIGNED_INT: /[+-]?[0-9]+/
STRING: /"(?:[^"\\]|\\.)*"/ | /'(?:[^'\\]|\\.)*'/

%ignore /[ \t]+/
"""

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "\\": "\\", "'": "'", '"': '"', "/": "/"}


def _unquote(token: str) -> str:
    body = token[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        code = body[i + 1]
        if code in _ESCAPES:
            out.append(_ESCAPES[code])
            i += 2
        elif code == "u" and len(body) >= i + 6:
            try:
                out.append(chr(int(body[i + 2 : i + 6], 16)))
            except ValueError:
                raise LensSyntaxError(f"bad \\u escape in {token}") from None
            i += 6
        else:
            raise LensSyntaxError(f"unknown escape \\{code} in {token}")
    text = "".join(out)
    # json.dumps writes astral characters as surrogate pairs; join them back.
    return text.encode("utf-16", "surrogatepass").decode("utf-16")


class _ToSteps(lark.Transformer[lark.Token, list[Step]]):
    def start(self, items: list[object]) -> list[Step]:
        return [s for s in items if isinstance(s, Step)]

    def prefix(self, _items: list[object]) -> None:
        return None

    def attribute(self, items: list[lark.Token]) -> Step:
        return GetItemOrAttribute(str(items[0]))

    def collect(self, _items: list[object]) -> Step:
        return Collect()

    def index(self, items: list[lark.Token]) -> Step:
        return GetIndex(int(items[0]))

    def bound(self, items: list[lark.Token]) -> int | None:
        return int(items[0]) if items else None

    def slice(self, items: list[int | None]) -> Step:
        start, stop, *rest = items
        return GetSlice(start, stop, rest[0] if rest else None)

    def int_tail(self, items: list[lark.Token]) -> list[int]:
        return [int(t) for t in items]

    def str_tail(self, items: list[lark.Token]) -> list[str]:
        return [_unquote(str(t)) for t in items]

    def indices(self, items: list[object]) -> Step:
        first, *tail = items
        return GetIndices((int(first),) + tuple(tail[0] if tail else ()))  # type: ignore[call-overload, arg-type]

    def key(self, items: list[lark.Token]) -> Step:
        return GetItem(_unquote(str(items[0])))

    def keys(self, items: list[object]) -> Step:
        first, *tail = items
        return GetItems((_unquote(str(first)),) + tuple(tail[0] if tail else ()))  # type: ignore[arg-type]


@functools.cache
def _parser() -> lark.Lark:
    return lark.Lark(GRAMMAR, parser="lalr", maybe_placeholders=False)


def parse_lens(text: str) -> list[Step]:
    """The steps of the lens printed as ``text``; :class:`LensSyntaxError` if it is not one."""
    if not isinstance(text, str):
        raise LensSyntaxError(f"Lens.of_string needs a string, not {type(text).__name__} {text!r}")
    try:
        tree = _parser().parse(text)
    except lark.exceptions.UnexpectedInput as error:
        column = getattr(error, "column", "?")
        raise LensSyntaxError(
            f"not a selector path at column {column} of {text!r}: expected steps such as "
            f'name, .name, [2], [1:3], [0,2], ["key"] or .collect()'
        ) from None
    try:
        return _ToSteps().transform(tree)
    except lark.exceptions.VisitError as error:
        raise LensSyntaxError(f"bad step in {text!r}: {error.orig_exc}") from None
