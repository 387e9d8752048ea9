"""The Atomese grammar file and the Lark LALR parsers built from it.

``grammar/atomese.lark`` (shipped inside the package as ``atomtrig/grammar/atomese.lark``) is the
one definition of the syntax. Lark builds the LALR(1) parse table and the rule callbacks from it;
:class:`LALRDriver` runs that table in one loop fused with the lexer (:class:`RegexLexer`'s one
Python regular expression generated from the grammar's own terminals, in Lark's priority
order), which makes far fewer Python calls per token than Lark's lexer and ``feed_token``.
Parsers are built per transformer class and per thread (a Lark parser with inline callbacks
holds the transformer, and a transformer holds the AtomSpace it builds into).

>>> grammar_path().name
'atomese.lark'
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from lark import Lark, Token
from lark.exceptions import UnexpectedToken
from lark.lexer import Lexer
from lark.parsers.lalr_analysis import Shift

from atomtrig.atomese.data import Source
from atomtrig.atomese.limits import current as current_limits
from atomtrig.atomese.errors import AtomeseSyntaxError, TERMINAL_WORDS
from atomtrig.core.errors import AtomtrigError

__all__ = ["FastToken", "LALRDriver", "RegexLexer", "grammar_path", "grammar_text", "parse_with"]


def grammar_path() -> Path:
    """Where the grammar file is: inside the installed package, else the source tree's
    ``grammar/`` folder (``atomtrig/grammar`` links to it)."""
    packaged = resources.files("atomtrig") / "grammar" / "atomese.lark"
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "grammar" / "atomese.lark"


_GRAMMAR_TEXT: str | None = None


def grammar_text() -> str:
    global _GRAMMAR_TEXT
    if _GRAMMAR_TEXT is None:
        _GRAMMAR_TEXT = grammar_path().read_text(encoding="utf-8")
    return _GRAMMAR_TEXT


class FastToken(Token):
    """A Lark token whose line and column are computed only when asked for."""

    __slots__ = ("src",)
    src: Source
    start_pos: int

    def __new__(cls, type_: str, value: str, start_pos: int, src: Source) -> FastToken:
        self = str.__new__(cls, value)
        self.type = type_
        self.value = value
        self.start_pos = start_pos
        self.src = src
        return self

    @property
    def line(self) -> int:  # type: ignore[override]
        return self.src.location(self.start_pos).line

    @property
    def column(self) -> int:  # type: ignore[override]
        return self.src.location(self.start_pos).column

    @property
    def end_line(self) -> int:  # type: ignore[override]
        return self.src.location(self.start_pos + len(self.value)).line

    @property
    def end_column(self) -> int:  # type: ignore[override]
        return self.src.location(self.start_pos + len(self.value)).column

    @property
    def end_pos(self) -> int:  # type: ignore[override]
        return self.start_pos + len(self.value)

    def __reduce__(self) -> Any:
        return (Token, (self.type, self.value, self.start_pos))


_SOURCE = threading.local()


class RegexLexer(Lexer):
    """Tokens from one regular expression made of the grammar's terminals.

    Ignored terminals (whitespace, comments) are skipped inside the same match as the token
    after them. Lark calls :meth:`lex` with the text; the :class:`Source` it belongs to (for
    line numbers) is set by :func:`parse_with`.
    """

    def __init__(self, lexer_conf: Any) -> None:
        terminals = sorted(
            lexer_conf.terminals,
            key=lambda t: (-t.priority, -t.pattern.max_width, -len(t.pattern.value), t.name),
        )
        ignore = set(lexer_conf.ignore)
        skip = "|".join(t.pattern.to_regexp() for t in terminals if t.name in ignore)
        alternatives = "|".join(
            f"(?P<{t.name}>{t.pattern.to_regexp()})" for t in terminals if t.name not in ignore
        )
        # Atomic, so that a failed token match cannot backtrack into a comment and read its tail.
        self.skip = re.compile(f"(?>(?:{skip})*)")
        self.regex = re.compile(f"(?>(?:{skip})*)(?:{alternatives})")

    def lex(self, text: Any) -> Iterator[Token]:  # type: ignore[override]
        src: Source = getattr(_SOURCE, "source", None) or Source(text)
        match = self.regex.match
        end = len(text)
        pos = 0
        token = FastToken
        while True:
            m = match(text, pos)
            if m is None:
                pos = self.skip.match(text, pos).end()  # type: ignore[union-attr]
                if pos >= end:
                    return
                raise _lex_error(src, pos)
            kind = m.lastgroup
            start = m.start(kind)  # type: ignore[arg-type]
            pos = m.end()
            yield token(kind, text[start:pos], start, src)  # type: ignore[arg-type]


def _parser_position(error: BaseException) -> int:
    """Where the parser was when ``error`` was raised: the start of the token it had read,
    found in the parsing frame of the traceback (the hot loop keeps no position of its own)."""
    tb = error.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code is LALRDriver._parse.__code__:
            start = frame.f_locals.get("start")
            return start if isinstance(start, int) else 0
        tb = tb.tb_next
    return 0


def _located(src: Source, pos: int, message: str) -> AtomeseSyntaxError:
    loc = src.location(pos)
    return AtomeseSyntaxError(message, loc, src.line_text(loc.line))


def _too_deep(src: Source, token: Any, max_nesting: int) -> AtomeseSyntaxError:
    loc = src.location(token.start_pos or 0)
    return AtomeseSyntaxError(
        f"nesting too deep: more than {max_nesting} levels of parentheses and quotes (the "
        "nesting limit; raise it with --max-nesting or Limits(max_nesting=...))",
        loc, src.line_text(loc.line),
    )


def _lex_error(src: Source, pos: int) -> AtomeseSyntaxError:
    loc = src.location(pos)
    rest = src.text[pos:]
    if rest.startswith('"'):
        message = "unterminated string"
    elif rest.startswith("#|"):
        message = "unterminated #| comment"
    elif rest.startswith("#!"):
        message = "unterminated #! comment"
    else:
        message = f"unexpected character {rest[:1]!r}"
    return AtomeseSyntaxError(message, loc, src.line_text(loc.line))


_PARSERS = threading.local()


class _ParseState:
    """What :func:`_parse_error` reads from a failed parse (as from Lark's parser state)."""

    __slots__ = ("value_stack",)

    def __init__(self, value_stack: list[Any]) -> None:
        self.value_stack = value_stack


class LALRDriver:
    """Lark's LALR(1) parse table for the grammar, run by one loop fused with the lexer.

    The table, the rules and their callbacks are the ones Lark built from the grammar file;
    this loop only replaces Lark's per-token machinery (a lexer generator, ``feed_token`` and
    its token-type lookups). One more saving, read off the table and so exact for any grammar:
    a *self loop*, a state S in which shifting terminal K leads to a state whose only action,
    on every lookahead, is to reduce a left-recursive rule ``r: r K`` back to S. There the
    shift, the reduction and the goto are one callback on the top of the value stack, which is
    what each datum of a long ``items`` list costs.
    """

    def __init__(self, lark: Lark) -> None:
        self.lark = lark
        parser = lark.parser.parser.parser
        table = parser.parse_table
        # Plain str keys: the table's are Lark Tokens, whose __eq__ is a Python call per lookup.
        self.states: dict[Any, dict[str, tuple[Any, Any]]] = {
            state: {str(k): v for k, v in actions.items()} for state, actions in table.states.items()
        }
        self.start_state = table.start_states["start"]
        self.end_state = table.end_states["start"]
        self.callbacks = parser.callbacks
        lexer = RegexLexer(lark.lexer_conf)
        self.regex = lexer.regex
        self.skip = lexer.skip
        terminals = {k for actions in self.states.values() for k in actions if k.isupper()}
        if any(t in self.callbacks for t in terminals):  # pragma: no cover - no such callbacks
            raise TypeError("terminal callbacks are not supported")
        # rule -> (size, origin name, callback)
        self.rules = {
            rule: (len(rule.expansion), str(rule.origin.name), self.callbacks[rule])
            for actions in self.states.values()
            for action, rule in actions.values()
            if action is not Shift
        }
        accessed = {
            (str(name), target) for actions in self.states.values()
            for name, (action, target) in actions.items() if action is Shift
        }
        # States whose one action, on every lookahead, is to reduce a non-empty rule.
        self.defaults: dict[Any, tuple[int, str, Callable[[list[Any]], Any]]] = {}
        for state, actions in self.states.items():
            found = {arg for _, arg in actions.values()}
            if (
                len(found) == 1
                and set(actions) == terminals
                and not any(a is Shift for a, _ in actions.values())
            ):
                (rule,) = found
                if rule.expansion:
                    self.defaults[state] = self.rules[rule]
        self.loops: dict[Any, dict[str, Callable[[list[Any]], Any]]] = {}
        for state, actions in self.states.items():
            for kind, (action, target) in actions.items():
                if action is not Shift or not kind.isupper():
                    continue
                after = self.states[target]
                rules = {arg for _, arg in after.values()}
                if (
                    len(rules) != 1
                    or any(a is Shift for a, _ in after.values())
                    or set(after) != terminals
                ):
                    continue
                (rule,) = rules
                expansion = rule.expansion
                if (
                    len(expansion) == 2
                    and expansion[0] == rule.origin
                    and expansion[1].name == kind
                    and (str(rule.origin.name), state) in accessed
                ):
                    self.loops.setdefault(state, {})[kind] = self.callbacks[rule]

    def parse(
        self, text: str, src: Source, values: dict[str, Callable[[str, int], Any]] | None = None
    ) -> Any:
        """Run the parser over ``text`` (see :meth:`_parse`). Whatever a callback raises that is
        not already an atomtrig error (a bug in a converter, a number Python cannot take)
        becomes an :class:`AtomeseSyntaxError` located where the parser was, so reading text
        never raises anything but atomtrig's errors."""
        try:
            return self._parse(text, src, values)
        except (AtomtrigError, UnexpectedToken):
            raise
        except RecursionError as error:
            where = _parser_position(error)
            raise _located(src, where, "the text is nested too deeply to read") from None
        except Exception as error:
            where = _parser_position(error)
            raise _located(src, where, f"{type(error).__name__}: {error}") from error

    def _parse(
        self, text: str, src: Source, values: dict[str, Callable[[str, int], Any]] | None
    ) -> Any:
        """Run the parser over ``text``. ``values`` maps terminal names to ``f(text, start)``:
        a token of such a terminal that a self loop consumes is handed to the loop's callback as
        ``f(token_text, start_pos)`` instead of as a token (no token object is made). Text
        nested deeper than the current limits' ``max_nesting`` is refused: what is read is
        later walked recursively, and Python's stack is finite."""
        max_nesting = current_limits().max_nesting
        # Each level of nesting takes one or two parser states (a list that already holds
        # items before the nested one takes two).
        max_states = 2 * max_nesting + 2
        states = self.states
        values = values or {}
        # state -> {terminal: (loop callback, converter or None)}
        loops = {
            state: {kind: (callback, values.get(kind)) for kind, callback in loop.items()}
            for state, loop in self.loops.items()
        }
        rules = self.rules
        defaults = self.defaults
        match = self.regex.match
        token_class = FastToken
        state_stack = [self.start_state]
        value_stack: list[Any] = []
        state = self.start_state
        loop = loops.get(state)
        end = len(text)
        pos = 0
        token: Any = None
        while True:
            m = match(text, pos)
            if m is None:
                pos = self.skip.match(text, pos).end()  # type: ignore[union-attr]
                if pos < end:
                    raise _lex_error(src, pos)
                break
            kind = m.lastgroup
            start = m.start(kind)  # type: ignore[arg-type]
            pos = m.end()
            if loop is not None:
                entry = loop.get(kind)  # type: ignore[arg-type]
                if entry is not None:
                    callback, convert = entry
                    if convert is not None:
                        token = convert(text[start:pos], start)
                    else:
                        token = token_class(kind, text[start:pos], start, src)  # type: ignore[arg-type]
                    value_stack[-1] = callback([value_stack[-1], token])
                    continue
            token = token_class(kind, text[start:pos], start, src)  # type: ignore[arg-type]
            while True:
                try:
                    action, arg = states[state][kind]  # type: ignore[index]
                except KeyError:
                    raise self._unexpected(token, state, value_stack) from None
                if action is Shift:
                    state_stack.append(arg)
                    value_stack.append(token)
                    if len(state_stack) > max_states:
                        raise _too_deep(src, token, max_nesting)
                    state = arg
                    reduce = defaults.get(state)
                    # A default reduction does not depend on the next token: do it now, so that
                    # the next token finds the state a self loop starts from.
                    while reduce is not None:
                        size, origin, callback = reduce
                        children = value_stack[-size:]
                        del state_stack[-size:]
                        del value_stack[-size:]
                        value = callback(children)
                        state = states[state_stack[-1]][origin][1]
                        state_stack.append(state)
                        value_stack.append(value)
                        reduce = defaults.get(state)
                    break
                size, origin, callback = rules[arg]
                if size:
                    children = value_stack[-size:]
                    del state_stack[-size:]
                    del value_stack[-size:]
                else:
                    children = []
                value = callback(children)
                state = states[state_stack[-1]][origin][1]
                state_stack.append(state)
                value_stack.append(value)
            loop = loops.get(state)
        end_token = Token("$END", "", end)
        end_state = self.end_state
        while True:
            try:
                action, arg = states[state]["$END"]
            except KeyError:
                raise self._unexpected(end_token, state, value_stack) from None
            size, origin, callback = rules[arg]
            if size:
                children = value_stack[-size:]
                del state_stack[-size:]
                del value_stack[-size:]
            else:
                children = []
            value = callback(children)
            state = states[state_stack[-1]][origin][1]
            if state == end_state:
                return value
            state_stack.append(state)
            value_stack.append(value)

    def _unexpected(self, token: Any, state: Any, value_stack: list[Any]) -> UnexpectedToken:
        expected = {s for s in self.states[state] if s.isupper()}
        return UnexpectedToken(token, expected, state=_ParseState(value_stack))


def _parser(transformer_class: type) -> tuple[LALRDriver, Any]:
    cache: dict[type, tuple[LALRDriver, Any]] | None = getattr(_PARSERS, "cache", None)
    if cache is None:
        cache = _PARSERS.cache = {}
    entry = cache.get(transformer_class)
    if entry is None:
        transformer = transformer_class()
        lark = Lark(
            grammar_text(),
            parser="lalr",
            lexer=RegexLexer,
            transformer=transformer,
            maybe_placeholders=False,
        )
        entry = cache[transformer_class] = (LALRDriver(lark), transformer)
    return entry


def parse_with(
    transformer_class: type, text: str, filename: str, setup: Callable[[Any, Source], None]
) -> Any:
    """Parse ``text`` with the thread's parser for ``transformer_class``, after ``setup(
    transformer, source)``; Lark's errors become :class:`AtomeseSyntaxError`. A transformer
    may set ``token_values`` (see :meth:`LALRDriver.parse`)."""
    driver, transformer = _parser(transformer_class)
    src = Source(text, filename)
    setup(transformer, src)
    try:
        return driver.parse(text, src, getattr(transformer, "token_values", None))
    except UnexpectedToken as err:
        raise _parse_error(src, err) from None


def _parse_error(src: Source, err: UnexpectedToken) -> AtomeseSyntaxError:
    token = err.token
    expected = sorted(err.expected)
    if token.type == "$END":
        pos = len(src.text.rstrip())
        loc = src.location(pos)
        opened = [
            t for t in getattr(getattr(err, "state", None), "value_stack", ())
            if isinstance(t, Token) and t.type in ("HEAD", "LPAR")
        ]
        if opened:
            where = src.location(opened[-1].start_pos or 0)
            message = (
                f"end of text inside the list opened at line {where.line}, column "
                f"{where.column}: a ')' is missing"
            )
        elif "RPAR" in expected:
            message = "end of text inside a list: a ')' is missing"
        else:
            message = "unexpected end of text"
        return AtomeseSyntaxError(message, loc, src.line_text(loc.line), expected)
    loc = src.location(token.start_pos)
    shown = str(token).strip()
    if token.type == "RPAR":
        message = "unexpected ')' with no list open"
    else:
        message = f"unexpected {TERMINAL_WORDS.get(token.type, token.type)} {shown[:40]!r}"
    return AtomeseSyntaxError(message, loc, src.line_text(loc.line), expected)
