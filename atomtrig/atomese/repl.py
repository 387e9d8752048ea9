"""The read-eval-print loop behind ``atomtrig repl``.

Input continues over several lines while parentheses (outside strings and comments) are
unbalanced; each complete input is evaluated and its value printed (nothing for values such as
``display``'s). Errors are printed and the loop goes on.

>>> from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
>>> from atomtrig.atomese.evaluator import Interpreter
>>> lines = iter(['(define x', '  (+ 1 2))', 'x', '(car 1)', '"done"'])
>>> out = []
>>> repl_loop(Interpreter(AtomSpace()), lambda prompt: next(lines, None), out.append)
>>> print("".join(out), end="")
3
<repl>:1:1: error: car: 1 is not a non-empty list
  in (car 1)
"done"
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from atomtrig.atomese.data import UNSPECIFIED, to_write
from atomtrig.atomese.errors import AtomeseError
from atomtrig.core.errors import AtomtrigError

PROMPT = "atomese> "
CONTINUATION = "...      "

ReadLine = Callable[[str], "str | None"]


def needs_more_input(text: str) -> bool:
    """True while ``text`` has an open list, string or block comment.

    >>> needs_more_input('(Concept "a)"'), needs_more_input('(a ; )\\n)'), needs_more_input("(a)")
    (True, False, False)
    """
    depth = 0
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            if i >= n:
                return True
        elif c == ";":
            while i < n and text[i] != "\n":
                i += 1
        elif c == "#" and i + 1 < n and text[i + 1] in "|!":
            close = "|#" if text[i + 1] == "|" else "!#"
            end = text.find(close, i + 2)
            if end < 0:
                return True
            i = end + 1
        elif c == "#" and i + 1 < n and text[i + 1] == "\\":
            i += 2
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        i += 1
    return depth > 0


def repl_loop(interp: Any, read_line: ReadLine, write: Callable[[str], Any]) -> None:
    """Read inputs with ``read_line(prompt)`` (None or EOFError ends the loop), evaluate each and
    ``write`` its value or error."""
    buffer: list[str] = []
    while True:
        try:
            line = read_line(CONTINUATION if buffer else PROMPT)
        except EOFError:
            line = None
        except KeyboardInterrupt:
            buffer = []
            write("\n")
            continue
        if line is None:
            break
        buffer.append(line)
        text = "\n".join(buffer)
        if needs_more_input(text):
            continue
        buffer = []
        if not text.strip():
            continue
        try:
            value = interp.eval_text(text, "<repl>")
        except (AtomeseError, AtomtrigError) as err:
            write(f"{err}\n")
            continue
        if value is UNSPECIFIED:
            continue
        shown = to_write(value)
        write(shown if shown.endswith("\n") else shown + "\n")


def history_path() -> Path:
    return Path(os.environ.get("ATOMTRIG_HISTORY", Path.home() / ".atomtrig_history"))


def terminal_reader() -> ReadLine:
    """A line reader with editing and history (prompt_toolkit) when stdin is a terminal, plain
    ``input()`` (no prompt printed) otherwise."""
    if sys.stdin.isatty() and sys.stdout.isatty():
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import FileHistory

        session: Any = PromptSession(history=FileHistory(str(history_path())))
        return lambda prompt: session.prompt(prompt)  # type: ignore[no-any-return]

    def plain(prompt: str) -> str | None:
        line = sys.stdin.readline()
        return None if line == "" else line.rstrip("\n")

    return plain
