"""Reading Atomese text into Scheme data for the evaluator.

Lists become :class:`~atomtrig.atomese.data.SList` (remembering where they start), bare tokens
numbers, booleans or symbols, strings ``str``; ``'x`` reads as ``(quote x)``. The data are made
in the LALR parser's callbacks. Node and truth-value literals (the grammar's NODE and TV
terminals) read as the lists they are, so a script that redefines ``stv`` still sees its own.

>>> forms = read('(define x 42) ; a comment\\n(Concept "cat" (stv 0.9 0.8))')
>>> forms
[(define x 42), (Concept "cat" (stv 0.9 0.8))]
>>> forms[1].location
Location(filename='<string>', line=2, column=1)
>>> read("'(1 2)")[0]
(quote (1 2))
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from lark import Transformer

from atomtrig.atomese.data import SList, Source, decode_string, parse_bare, parse_char, sym
from atomtrig.atomese.errors import AtomeseSyntaxError, Location
from atomtrig.atomese.grammar import FastToken, parse_with
from atomtrig.atomese.loader import FLAT_ARG, FLAT_HEAD, NODE_PARTS, TV_PARTS

__all__ = ["DatumReader", "read"]

_QUOTES = {
    "QUOTE": sym("quote"),
    "QUASIQUOTE": sym("quasiquote"),
    "UNQUOTE": sym("unquote"),
    "UNQUOTE_SPLICING": sym("unquote-splicing"),
}


Items = list[Any]  # (the transformers have a method named list)


class DatumReader(Transformer):  # type: ignore[type-arg]
    """The parser callbacks of :func:`read`."""

    source: Source

    def setup(self, source: Source) -> None:
        self.source = source

    def _datum(self, token: Any) -> Any:
        if token.__class__ is not FastToken:
            return token
        kind = token.type
        pos = token.start_pos
        try:
            if kind == "ATOM":
                return parse_bare(token)
            if kind == "STRING":
                return decode_string(token)
            if kind == "NODE":
                type_name, literal = NODE_PARTS.match(token).groups()  # type: ignore[union-attr]
                return SList([sym(type_name), decode_string(literal)], pos, self.source)
            if kind == "FLAT":
                head = FLAT_HEAD.match(token)
                assert head is not None
                items: Items = [sym(head[1])]
                for m in FLAT_ARG.finditer(token, head.end()):
                    type_name, body = m.groups()
                    if body[0] == '"':
                        rest: Items = [decode_string(body)]
                    else:
                        rest = [parse_bare(x) for x in body.split()]
                    items.append(SList([sym(type_name), *rest], pos + m.start(), self.source))
                return SList(items, pos, self.source)
            if kind == "TV":
                tv = TV_PARTS.match(token)
                assert tv is not None
                return SList(
                    [sym(tv[1])] + [parse_bare(x) for x in tv[2].split()], pos, self.source
                )
            if kind == "CHAR":
                return parse_char(token)
        except ValueError as err:
            loc = self.source.location(pos)
            raise AtomeseSyntaxError(str(err), loc, self.source.line_text(loc.line)) from None
        raise AssertionError(f"unexpected token {kind}")  # pragma: no cover

    def list(self, children: Items) -> SList:
        head = children[0]
        items = [self._datum(c) for c in children[1]] if len(children) == 3 else []
        if head.type == "HEAD":
            items.insert(0, parse_bare(head.value[1:].lstrip()))
        return SList(items, head.start_pos, self.source)

    def items(self, children: Items) -> Items:
        if len(children) == 1:
            return children
        children[0].append(children[1])
        return children[0]  # type: ignore[no-any-return]

    def quoted(self, children: Items) -> SList:
        mark, item = children
        return SList([_QUOTES[mark.type], self._datum(item)], mark.start_pos, self.source)

    def start(self, children: Items) -> Items:
        return [self._datum(c) for c in children[0]] if children else []


def read_source(path: str | os.PathLike[str]) -> str:
    """The text of an Atomese file; see :func:`decode_source`.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "latin1.scm")
    >>> _ = open(path, "wb").write(b'(Concept "caf\\xe9")')
    >>> read_source(path)
    Traceback (most recent call last):
    ...
    atomtrig.atomese.errors.AtomeseSyntaxError: ...latin1.scm:1:14: syntax error: the file is not UTF-8 text: byte 0xe9 at offset 13 cannot be decoded
      (Concept "caf
                   ^
    """
    return decode_source(Path(path).read_bytes(), str(path))


def decode_source(data: bytes, filename: str = "<bytes>") -> str:
    """``data`` decoded as UTF-8. Bytes that are not UTF-8 raise
    :class:`~atomtrig.atomese.errors.AtomeseSyntaxError` at the first bad byte (line, column and
    byte offset), never a ``UnicodeDecodeError``."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        before = data[: error.start].decode("utf-8", errors="replace")
        line = before.count("\n") + 1
        line_start = before.rfind("\n") + 1
        location = Location(filename, line, len(before) - line_start + 1)
        bad = data[error.start : error.start + 1].hex()
        raise AtomeseSyntaxError(
            f"the file is not UTF-8 text: byte 0x{bad} at offset {error.start} cannot be decoded",
            location, before[line_start:],
        ) from None


def read(text: str, filename: str = "<string>") -> Items:
    """Every top-level datum of ``text``. Raises
    :class:`~atomtrig.atomese.errors.AtomeseSyntaxError` with the place of the first error."""

    def setup(transformer: DatumReader, source: Source) -> None:
        transformer.setup(source)

    return parse_with(DatumReader, text, filename, setup)  # type: ignore[no-any-return]
