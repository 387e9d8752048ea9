"""Printing atoms as Atomese s-expressions (the canonical, indented form).

A node prints on one line; a link prints its type, its truth value when not the default, then
one outgoing atom per line, indented by two spaces.

>>> from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
>>> space = AtomSpace()
>>> a, b = space.add_node("Concept", "a"), space.add_node("Concept", "b")
>>> print(to_sexpr(space.add_link("Inheritance", [a, b])))
(InheritanceLink
  (ConceptNode "a")
  (ConceptNode "b"))
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from atomtrig.core.truthvalue import DEFAULT_TV

if TYPE_CHECKING:
    from atomtrig.core.atom import Atom

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def quote_string(text: str) -> str:
    """A Scheme string literal for ``text``."""
    return '"' + "".join(_ESCAPES.get(ch, ch) for ch in text) + '"'


def to_sexpr(atom: Atom, indent: int = 0, show_tv: bool = True) -> str:
    """The canonical indented s-expression of ``atom`` (no trailing newline)."""
    parts: list[str] = []
    _write(atom, indent, show_tv, parts)
    return "".join(parts)


def _write(atom: Atom, indent: int, show_tv: bool, parts: list[str]) -> None:
    pad = " " * indent
    tv = atom._tv
    tv_text = f" {tv!r}" if show_tv and tv is not DEFAULT_TV and tv != DEFAULT_TV else ""
    if atom.is_node():
        parts.append(f"{pad}({atom.type.name} {quote_string(atom.name)}{tv_text})")
        return
    parts.append(f"{pad}({atom.type.name}{tv_text}")
    for child in atom.out:
        parts.append("\n")
        _write(child, indent + 2, show_tv, parts)
    parts.append(")")


def to_oneline(atom: Atom) -> str:
    """The s-expression on one line, for log messages and error texts."""
    if atom.is_node():
        return f"({atom.type.name} {quote_string(atom.name)})"
    return f"({atom.type.name} " + " ".join(to_oneline(c) for c in atom.out) + ")"
