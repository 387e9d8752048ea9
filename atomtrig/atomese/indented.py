"""The indented Atomese notation (``grammar/atomese_indented.lark``): the seed's own way of
writing atoms, read into an AtomSpace.

Each top-level block is one atom, added to the space in file order (so a trigger link is
registered when its block is reached and later blocks can fire it). Within a block:

- ``TypeName "name"`` (typographic “…” or straight quotes) is a node; ``NumberNode .8`` a number;
  a node type alone (``AnyNode``) a node with the empty name.
- ``TypeName`` followed by indented lines is a link of those atoms.
- ``$X`` is a variable and ``$W,$X`` a VariableList. ``TypeName $X`` is the variable ``$X``
  restricted to that type (``VariableNode $X`` is just the variable): the restriction is added to the declaration of the scope link that
  declares ``$X`` in the same block (``$X`` becomes ``(TypedVariable $X (Type "TypeName"))``).
- ``[123]`` after an atom labels it; ``[123]`` alone on a line is the atom labelled so before.
  ``<1>`` / ``<0.8, 0.9>`` after an atom is its truth value (``<s>`` means ``(stv s 1)``).
- ``;`` and ``<-----`` start comments; a trailing ``,`` is ignored.

Each paragraph (text between blank lines) is first shifted left by its common indentation, so a
block quoted at any indentation is a top-level atom; a blank line ends every open block.
Indentation uses Lark's :class:`~lark.indenter.Indenter` (tabs expand to 8-column stops), made
tolerant of hand-aligned text: a line indented less than the previous one belongs to the open
level whose column is nearest to its own (ties go to the outer level), so the seed's text, with
its mixed tabs and off-by-one columns, reads as its author meant.

>>> from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
>>> space = AtomSpace()
>>> result = read_indented(space, '''
... InheritanceLink [1]
...     ConceptNode “cat”
...     ConceptNode "animal"
... ''')
>>> result.labels["1"].short()
'(InheritanceLink (ConceptNode "cat") (ConceptNode "animal"))'
"""

from __future__ import annotations

import os
import textwrap
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from lark import Lark, Token, Tree
from lark.exceptions import LarkError, UnexpectedInput
from lark.indenter import Indenter

from atomtrig.atomese.errors import AtomeseSyntaxError, Location
from atomtrig.core.errors import AtomtrigError, UnknownTypeError
from atomtrig.core.truthvalue import stv
from atomtrig.core.types import types
from atomtrig.core.variables import is_declaration

if TYPE_CHECKING:
    from atomtrig.core.atom import Atom
    from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace

__all__ = ["IndentedResult", "grammar_path", "load_indented", "read_indented"]

_SCOPE = types["ScopeLink"]
_VARIABLE = types["VariableNode"]


def grammar_path() -> Path:
    packaged = resources.files("atomtrig") / "grammar" / "atomese_indented.lark"
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "grammar" / "atomese_indented.lark"


class TolerantIndenter(Indenter):
    """Lark's Indenter, with dedents snapped to the nearest open level (see the module doc)."""

    NL_type = "_NL"
    OPEN_PAREN_types: ClassVar[list[str]] = []
    CLOSE_PAREN_types: ClassVar[list[str]] = []
    INDENT_type = "_INDENT"
    DEDENT_type = "_DEDENT"
    tab_len = 8

    def handle_NL(self, token: Token) -> Iterator[Token]:
        yield token
        indent_str = token.rsplit("\n", 1)[1]
        indent = indent_str.count(" ") + indent_str.count("\t") * self.tab_len
        levels = self.indent_level
        if indent > levels[-1]:
            levels.append(indent)
            yield Token.new_borrow_pos(self.INDENT_type, indent_str, token)
            return
        # Dedent (or same level): go to the open level nearest to this column.
        target = min(range(len(levels)), key=lambda i: (abs(levels[i] - indent), i))
        while len(levels) - 1 > target:
            levels.pop()
            yield Token.new_borrow_pos(self.DEDENT_type, indent_str, token)


_parsers = threading.local()


def _parser() -> Lark:
    parser = getattr(_parsers, "parser", None)
    if parser is None:
        parser = Lark(
            grammar_path().read_text(encoding="utf-8"),
            parser="lalr",
            postlex=TolerantIndenter(),
            propagate_positions=True,
            maybe_placeholders=True,
        )
        _parsers.parser = parser
    return parser


@dataclass
class IndentedResult:
    """What reading a text gave: the top-level atoms in order and the labelled atoms."""

    atoms: list[Atom] = field(default_factory=list)
    labels: dict[str, Atom] = field(default_factory=dict)

    def __getitem__(self, label: str | int) -> Atom:
        key = str(label).strip("[]")
        try:
            return self.labels[key]
        except KeyError:
            raise KeyError(f"no atom is labelled [{key}]; labels: "
                           f"{', '.join(f'[{k}]' for k in self.labels) or 'none'}") from None


class _Builder:
    def __init__(self, space: AtomSpace, filename: str, result: IndentedResult) -> None:
        self.space = space
        self.filename = filename
        self.result = result
        self.restrictions: dict[str, str] = {}

    def error(self, node: Tree | Token, message: str) -> AtomeseSyntaxError:
        line = getattr(node, "line", None) or getattr(getattr(node, "meta", None), "line", 0)
        column = getattr(node, "column", None) or 1
        return AtomeseSyntaxError(message, Location(self.filename, int(line or 0), int(column)))

    # -- pass 1: variable type restrictions ------------------------------------------------------
    def collect(self, block: Tree) -> None:
        line: Any = block.children[0]
        if line.data == "typed":
            type_token, value = line.children[0], line.children[1]
            if (value is not None and value.children[0].type == "VAR"
                    and self._type(type_token) is not _VARIABLE):
                var = str(value.children[0])
                previous = self.restrictions.get(var)
                if previous is not None and previous != str(type_token):
                    raise self.error(type_token, f"variable {var} is given two types, "
                                     f"{previous} and {type_token}")
                self.restrictions[var] = self._type(type_token).name
        for child in block.children[1:]:
            if isinstance(child, Tree):
                self.collect(child)

    # -- pass 2: atoms ------------------------------------------------------------------------------
    def _type(self, token: Token) -> Any:
        try:
            return types[str(token)]
        except UnknownTypeError as exc:
            raise self.error(token, str(exc)) from None

    def _label(self, token: Token | None, atom: Atom) -> None:
        if token is not None:
            self.result.labels[str(token)[1:-1]] = atom

    def _declare(self, declaration: Atom) -> Atom:
        """Add the block's type restrictions to a bare declaration."""
        space = self.space

        def typed(v: Atom) -> Atom:
            restriction = self.restrictions.get(v.name) if v.type is _VARIABLE else None
            if restriction is None:
                return v
            return space.add_link("TypedVariable", [v, space.add_node("Type", restriction)])

        if declaration.type is _VARIABLE:
            return typed(declaration)
        if declaration.type is types["VariableList"] and all(c.type is _VARIABLE for c in declaration.out):
            return space.add_link("VariableList", [typed(c) for c in declaration.out])
        return declaration

    def build(self, block: Tree) -> Any:
        line: Any = block.children[0]
        children = [c for c in block.children[1:] if isinstance(c, Tree)]
        space = self.space
        if line.data == "reference":
            label = str(line.children[0])[1:-1]
            if children:
                raise self.error(line.children[0], f"[{label}] refers to an atom; it cannot have atoms under it")
            atom = self.result.labels.get(label)
            if atom is None:
                raise self.error(line.children[0], f"[{label}] does not label any atom above it")
            return atom
        if line.data == "variables":
            names = [str(t) for t in line.children if isinstance(t, Token) and t.type == "VAR"]
            var_label = next((t for t in line.children if isinstance(t, Token) and t.type == "LABEL"), None)
            if children:
                raise self.error(line.children[0], "a variable cannot have atoms under it")
            variables = [space.add_node("Variable", n) for n in names]
            atom = variables[0] if len(variables) == 1 else space.add_link("VariableList", variables)
            self._label(var_label, atom)
            return atom
        type_token, value, label, tv_token, _ = line.children
        t = self._type(type_token)
        tv = _truth_value(str(tv_token)) if tv_token is not None else None
        if t.is_node:
            if children:
                raise self.error(type_token, f"{t.name} is a node type; it cannot have atoms under it")
            if value is None:
                atom = space.add_node(t, "", tv)
            else:
                token = value.children[0]
                if token.type == "VAR":
                    atom = space.add_node("Variable", str(token))  # typed: see _declare
                elif token.type == "NUMBER":
                    atom = space.add_node(t, str(token), tv)
                else:
                    text = str(token)
                    name = text[1:-1]
                    if text.startswith('"'):
                        name = name.encode("latin-1", "backslashreplace").decode("unicode_escape") if "\\" in name else name
                    atom = space.add_node(t, name, tv)
            self._label(label, atom)
            return atom
        if value is not None:
            raise self.error(type_token, f"{t.name} is a link type; its atoms go on the indented lines below it, not after its name")
        out = [self.build(c) for c in children]
        if _SCOPE in t.ancestors and out and is_declaration(out[0]):
            out[0] = self._declare(out[0])
        try:
            atom = space.add_link(t, out, tv)
        except AtomtrigError as exc:
            raise type(exc)(f"{self.filename}:{type_token.line}: {exc}") from exc
        if atom is not None:
            self._label(label, atom)
        return atom


def _truth_value(text: str) -> Any:
    parts = [float(p) for p in text.strip("<> \t").split(",")]
    return stv(parts[0], parts[1] if len(parts) > 1 else 1.0)


def _dedent_paragraphs(text: str) -> str:
    """Each paragraph (lines between blank lines) loses its common indentation, so a block
    quoted at any indentation starts a new top-level atom. Line numbers are kept."""
    lines = text.expandtabs(8).split("\n")
    out: list[str] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            out.extend(textwrap.dedent("\n".join(paragraph)).split("\n"))
            paragraph.clear()

    for line in lines:
        stripped = line.strip()
        if stripped.startswith((";", "<-")):
            # A comment-only line is dropped without ending the block it sits in.
            if paragraph:
                paragraph.append("")
            else:
                out.append("")
        elif stripped:
            paragraph.append(line)
        else:
            flush()
            out.append("")
    flush()
    result = "\n".join(out)
    return result if result.endswith("\n") else result + "\n"


def read_indented(space: AtomSpace, text: str, filename: str = "<indented>",
                  result: IndentedResult | None = None) -> IndentedResult:
    """Read the indented notation into ``space``; a syntax error anywhere stops before any atom
    is added. Returns the top-level atoms and the labels."""
    text = _dedent_paragraphs(text)
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        line_text = text.splitlines()[exc.line - 1] if 0 < exc.line <= len(text.splitlines()) else ""
        expected = sorted(getattr(exc, "expected", None) or getattr(exc, "allowed", None) or ())
        raise AtomeseSyntaxError("cannot read this line of the indented notation",
                                 Location(filename, exc.line, exc.column), line_text.expandtabs(),
                                 expected) from None
    except LarkError as exc:
        raise AtomeseSyntaxError(str(exc), Location(filename, 1, 1)) from None
    result = result if result is not None else IndentedResult()
    for block in tree.children:
        if not isinstance(block, Tree):
            continue
        builder = _Builder(space, filename, result)
        builder.collect(block)
        atom = builder.build(block)
        if atom is not None:
            result.atoms.append(atom)
    return result


def load_indented(space: AtomSpace, path: str | os.PathLike[str]) -> IndentedResult:
    """Read a ``.atomese`` file of the indented notation into ``space``. Grounded ``.py`` file
    schemas named in it resolve against the file's folder."""
    from atomtrig.atomese.reader import read_source
    from atomtrig.triggers.schema_files import using_folder

    path = Path(path)
    with using_folder(path.resolve().parent):
        return read_indented(space, read_source(path), str(path))
