"""Bulk loading of plain atom dumps: tokens straight to atoms, no Scheme evaluation.

A dump holds atom forms (``(InheritanceLink (stv 0.9 0.8) (Concept "a") (Concept "b"))``),
truth values, values, ``(cog-set-value! atom key value)`` and ``use-modules`` lines, which is
what ``atomtrig dump`` writes. The atoms are added in the LALR parser's reduce callbacks, as
each closing parenthesis is read; nothing builds a parse tree first. Anything else (``define``,
``let``...) is refused with a located error: run such a file with ``atomtrig run``.

>>> from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
>>> space = AtomSpace()
>>> load_atoms(space, '(Inheritance (stv 0.9 0.8) (Concept "cat") (ConceptNode "animal"))')
1
>>> len(space), space.get_node("Concept", "cat").incoming[0].tv
(3, (stv 0.9 0.8))
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable
from typing import Any

from lark import Transformer

from atomtrig.atomese.builder import (
    AtomFormError,
    TRUTH_VALUE_NAMES,
    VALUE_NAMES,
    build_atom,
    build_form,
    make_truth_value,
)
from atomtrig.atomese.data import Source, Symbol, decode_string, parse_bare, to_write
from atomtrig.atomese.errors import AtomeseLoadError
from atomtrig.core.errors import AtomtrigError
from atomtrig.atomese.grammar import FastToken, parse_with
from atomtrig.core.atom import Atom, Link, Node
from atomtrig.core.types import types

__all__ = ["AtomLoader", "load_atoms"]

NODE_PARTS = re.compile(r'\(\s*([A-Za-z][A-Za-z0-9_]*)\s+("[^"\\]*(?:\\.[^"\\]*)*")\s*\)', re.S)
TV_PARTS = re.compile(r"\(\s*(\S+)\s+(.*?)\s*\)", re.S)
FLAT_HEAD = re.compile(r"\(\s*([A-Za-z][A-Za-z0-9_]*)")
# A flat link of two node literals with plain names, all its parts in one match.
FLAT_PAIR = re.compile(
    r'\(\s*([A-Za-z][A-Za-z0-9_]*)\s+\(\s*([A-Za-z][A-Za-z0-9_]*)\s+"([^"\\]*)"\s*\)'
    r'\s+\(\s*([A-Za-z][A-Za-z0-9_]*)\s+"([^"\\]*)"\s*\)\s*\)\Z'
)
FLAT_ARG = re.compile(r'\(\s*([A-Za-z][A-Za-z0-9_]*)\s+("[^"\\]*(?:\\.[^"\\]*)*"|[^()"]*?)\s*\)', re.S)
_SPECIAL_NODE_TYPES = frozenset(
    t for t in (types.get("TypeNode"), types.get("NumberNode")) if t is not None
)
_GC_PAUSE_MIN_CHARS = 1 << 20  # texts under a megabyte load too fast for it to matter
_IGNORED_FORMS = frozenset({"use-modules", "use-module"})

ProgressCallback = Callable[[int], None]


Items = list[Any]  # (the transformers have a method named list)


class _ArgumentError(Exception):
    """An argument of a flat link that failed, and where in the token it is."""

    def __init__(self, offset: int, error: Exception) -> None:
        self.offset = offset
        self.error = error


_TV_CACHE: dict[str, Any] = {}


def _decode_tv(text: str) -> Any:
    # Truth values are immutable: one object per distinct literal (dumps repeat a few).
    tv = _TV_CACHE.get(text)
    if tv is None:
        m = TV_PARTS.match(text)
        assert m is not None
        tv = make_truth_value(m[1], [float(x) for x in m[2].split()])
        if len(_TV_CACHE) < 4096:
            _TV_CACHE[str(text)] = tv
    return tv


class AtomLoader(Transformer):  # type: ignore[type-arg]
    """The parser callbacks of :func:`load_atoms` (one instance per thread; see
    :mod:`atomtrig.atomese.grammar`)."""

    space: Any
    source: Source
    progress: ProgressCallback | None
    forms: int

    def setup(self, space: Any, source: Source, progress: ProgressCallback | None) -> None:
        self.space = space
        self.source = source
        self.progress = progress
        self.forms = 0
        self._next_report = 50000
        self._last_list_pos = 0
        self._last_token_pos = 0
        add_node = space.add_node
        node_types = {}
        for t in types:
            if t.is_node and not t.abstract and t not in _SPECIAL_NODE_TYPES:
                node_types[t.name] = t
                node_types.setdefault(t.short_name, t)
        link_types = {}
        for t in types:
            if t.is_link and not t.abstract:
                link_types[t.name] = t
                link_types.setdefault(t.short_name, t)

        parts = NODE_PARTS.match
        # Interned nodes of this load, per type name: a repeated (Concept "x") costs two dict
        # lookups instead of an add_node call. A hit is used only while the node is still in the
        # space (a trigger may have removed it meanwhile).
        node_cache: dict[str, dict[str, Any]] = {}

        def new_cache(type_name: str) -> dict[str, Any] | None:
            if type_name in node_types:
                return node_cache.setdefault(type_name, {})
            return None

        def cached_node(type_name: str, name: str) -> Any:
            cache = node_cache.get(type_name)
            if cache is None:
                cache = new_cache(type_name)
                if cache is None:
                    return build_form(space, type_name, [name])
            atom = cache.get(name)
            if atom is None or atom._space is not space:
                atom = cache[name] = add_node(node_types[type_name], name)
            return atom

        def node(token: str, start: int) -> Any:
            type_name, literal = parts(token).groups()  # type: ignore[union-attr]
            try:
                if "\\" not in literal:
                    return cached_node(type_name, literal[1:-1])
                return cached_node(type_name, decode_string(literal))
            except (AtomtrigError, ValueError) as err:
                raise self._error(start, str(err)) from None

        flat_head = FLAT_HEAD.match
        flat_args = FLAT_ARG.findall
        flat_pair = FLAT_PAIR.match

        def flat_arg(type_name: str, body: str) -> Any:
            if body[0] == '"':
                literal = body[1:-1] if "\\" not in body else decode_string(body)
                return cached_node(type_name, literal)
            return make_truth_value(type_name, [float(x) for x in body.split()])

        def flat(token: str, start: int) -> Any:
            try:
                pair = flat_pair(token)
                if pair is not None:
                    # The commonest link of a dump, (Link (Node "a") (Node "b")), from one match.
                    name, type_a, a, type_b, b = pair.groups()
                    lt = link_types.get(name)
                    cache_a = node_cache.get(type_a)
                    if cache_a is None:
                        cache_a = new_cache(type_a)
                    cache_b = node_cache.get(type_b)
                    if cache_b is None:
                        cache_b = new_cache(type_b)
                    if lt is not None and cache_a is not None and cache_b is not None:
                        x = cache_a.get(a)
                        if x is None or x._space is not space:
                            x = cache_a[a] = add_node(node_types[type_a], a)
                        y = cache_b.get(b)
                        if y is None or y._space is not space:
                            y = cache_b[b] = add_node(node_types[type_b], b)
                        return add_link(lt, (x, y))
                head = flat_head(token)
                name = head[1]  # type: ignore[index]
                args: Items = []
                plain = True
                for i, (type_name, body) in enumerate(flat_args(token, head.end())):  # type: ignore[union-attr]
                    try:
                        value = flat_arg(type_name, body)
                    except (AtomtrigError, ValueError) as err:
                        offset = list(FLAT_ARG.finditer(token, head.end()))[i].start()  # type: ignore[union-attr]
                        raise _ArgumentError(offset, err) from None
                    if value.__class__ is not Node:
                        plain = False
                    args.append(value)
                lt = link_types.get(name)
                if lt is not None and plain:
                    return add_link(lt, args)
                return build_form(space, name, args)
            except _ArgumentError as err:
                raise self._error(start + err.offset, str(err.error)) from None
            except (AtomtrigError, ValueError) as err:
                raise self._error(start, str(err)) from None

        add_link = space.add_link
        self._link_types = link_types
        self._converters: dict[str, Callable[[str, int], Any]] = {"FLAT": flat, "NODE": node}
        # The parser's self loops hand these the text of the node and flat-link literals it
        # reads inside a list of data (all but the first of a file or list), no token made.
        self.token_values = self._converters
        if progress is not None:

            def tracked(convert: Callable[[str, int], Any]) -> Callable[[str, int], Any]:
                def value(text: str, start: int) -> Any:
                    self._last_token_pos = start
                    return convert(text, start)

                return value

            self.token_values = {k: tracked(f) for k, f in self._converters.items()}

    def release(self) -> None:
        """Drop this load's space, text and interned nodes (the parser keeps the transformer
        for the thread's next load)."""
        self.space = self.source = self.progress = None  # type: ignore[assignment]
        self._converters = self.token_values = {}

    def _position(self, item: Any) -> int:
        if item.__class__ is FastToken:
            return item.start_pos  # type: ignore[no-any-return]
        return max(self._last_list_pos, self._last_token_pos)

    # -- errors ------------------------------------------------------------------------------
    def _error(self, pos: int, message: str) -> AtomeseLoadError:
        loc = self.source.location(pos)
        return AtomeseLoadError(message, loc, self.source.line_text(loc.line))

    def _value(self, token: FastToken) -> Any:
        kind = token.type
        try:
            if kind == "NODE" or kind == "FLAT":
                return self._converters[kind](token, token.start_pos)
            if kind == "TV":
                return _decode_tv(token)
            if kind == "STRING":
                return decode_string(token)
            if kind == "ATOM":
                return parse_bare(token)
        except AtomtrigError as err:
            raise self._error(token.start_pos, str(err)) from None
        except ValueError as err:
            raise self._error(token.start_pos, str(err)) from None
        raise self._error(token.start_pos, f"a plain atom dump cannot hold {token!r}")

    # -- callbacks ---------------------------------------------------------------------------
    def list(self, children: Items) -> Any:
        head = children[0]
        if head.type != "HEAD":
            raise self._error(
                head.start_pos, "a list that does not start with a name needs `atomtrig run`"
            )
        self._last_list_pos = head.start_pos
        name = head.value[1:].lstrip()
        args = children[1] if len(children) == 3 else []
        plain = True
        for c in args:
            cls = c.__class__
            if cls is not Node and cls is not Link:
                plain = False
                break
        link_type = self._link_types.get(name)
        try:
            if link_type is not None:
                if plain:
                    return self.space.add_link(link_type, args)
                return build_atom(self.space, link_type, args)
            if name in TRUTH_VALUE_NAMES or name in VALUE_NAMES:
                return build_form(self.space, name, args)
            if name == "cog-set-value!":
                return self._set_value(args)
            if name in _IGNORED_FORMS:
                return None
            if name in types:
                return build_form(self.space, name, args)
        except AtomtrigError as err:
            raise self._error(head.start_pos, str(err)) from None
        if name in _SCHEME_WORDS or name.startswith("cog-"):
            raise self._error(
                head.start_pos,
                f"({name} ...) is Scheme code, not a plain atom dump; run the file with "
                "`atomtrig run` (or space.load_atomese) instead",
            )
        try:
            types[name]
        except AtomtrigError as err:  # unknown type: the message names the closest ones
            raise self._error(head.start_pos, str(err)) from None
        raise self._error(head.start_pos, f"cannot load ({name} ...)")  # pragma: no cover

    def _set_value(self, args: Items) -> None:
        if len(args) != 3 or not isinstance(args[0], Atom) or not isinstance(args[1], Atom):
            raise AtomFormError("(cog-set-value! atom key value) takes an atom, a key atom and a value")
        self.space.set_value(args[0], args[1], args[2])
        return None

    def quoted(self, children: Items) -> Any:
        mark, item = children
        if mark.type == "QUOTE" and item.__class__ is FastToken and item.type == "ATOM":
            value = parse_bare(item)
            if isinstance(value, Symbol):
                return value
        raise self._error(mark.start_pos, "a plain atom dump can only quote type names")

    def _count(self, item: Any) -> None:
        self.forms += 1
        if self.forms >= self._next_report and self.progress is not None:
            self._next_report += 50000
            self.progress(self._position(item))

    def items(self, children: Items) -> Items:
        # Tokens become atoms, truth values, strings and numbers as soon as they are read, so
        # a top-level node is in the store before the parser goes on.
        c = children[-1]
        if self.progress is not None:
            self._count(c)
        if c.__class__ is FastToken:
            convert = self._converters.get(c.type)
            c = self._value(c) if convert is None else convert(c, c.start_pos)
        if len(children) == 1:
            return [c]
        acc: Items = children[0]
        acc.append(c)
        return acc

    def start(self, children: Items) -> int:
        count = 0
        for c in children[0] if children else ():
            if c is not None and not isinstance(c, Atom):
                raise AtomFormError(
                    f"a plain atom dump holds atoms at its top level, not {to_write(c)}"
                )
            count += 1
        return count


_SCHEME_WORDS = frozenset(
    "define define-public lambda let let* letrec if cond case begin set! display newline "
    "format load when unless do and or not quote list map for-each".split()
)


def load_atoms(
    space: Any, text: str, filename: str = "<string>", progress: ProgressCallback | None = None
) -> int:
    """Add the atoms of a plain Atomese dump to ``space``; returns how many top-level forms it
    held. ``progress(position)`` is called now and then with the character offset reached.

    Atoms added before an error stay in the store (nothing is rolled back).
    """

    used: list[AtomLoader] = []
    # A load makes millions of tracked objects that are never cyclic garbage; the cyclic
    # collector's full passes over them took ~40% of a 1M-atom load's CPU. Paused meanwhile
    # (reference counting still frees everything acyclic); resumed after, if it was on.
    collecting = gc.isenabled()
    if collecting and len(text) > _GC_PAUSE_MIN_CHARS:
        gc.disable()
    else:
        collecting = False

    def setup(transformer: AtomLoader, source: Source) -> None:
        used.append(transformer)
        transformer.setup(space, source, progress)

    try:
        return parse_with(AtomLoader, text, filename, setup)  # type: ignore[no-any-return]
    finally:
        if collecting:
            gc.enable()
        for transformer in used:
            transformer.release()

