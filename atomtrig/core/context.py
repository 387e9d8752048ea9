"""The current AtomSpace of each thread, used by the type constructors.

``with space:`` makes ``space`` current in the thread for the block;
:func:`set_default_atomspace` sets the one used by threads that have none.

>>> from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
>>> space = AtomSpace()
>>> with space:
...     current_atomspace() is space
True
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from atomtrig.core.errors import NoCurrentAtomSpaceError

if TYPE_CHECKING:
    from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace

_local = threading.local()
_default: AtomSpace | None = None


def _stack() -> list[AtomSpace]:
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    return stack


def push_atomspace(space: AtomSpace) -> object:
    """Make ``space`` current in this thread; returns a token for :func:`pop_atomspace`."""
    stack = _stack()
    stack.append(space)
    return len(stack)


def pop_atomspace(token: object) -> None:
    stack = _stack()
    if not isinstance(token, int) or len(stack) != token:
        raise RuntimeError("AtomSpace contexts must be left in the order they were entered")
    stack.pop()


def set_default_atomspace(space: AtomSpace | None) -> None:
    """The AtomSpace the type constructors use in threads with no ``with space:`` block."""
    global _default
    _default = space


def current_atomspace() -> AtomSpace:
    """This thread's current AtomSpace (innermost ``with space:``, else the default)."""
    stack = getattr(_local, "stack", None)
    if stack:
        return stack[-1]
    if _default is None:
        raise NoCurrentAtomSpaceError(
            "no current AtomSpace: use `with space:` or atomtrig.set_default_atomspace(space) "
            "before calling type constructors such as ConceptNode(...)"
        )
    return _default
