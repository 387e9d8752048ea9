"""``space.transaction()``: changes that commit together or not at all, in the store and in
memory alike.

Inside the block every change the current thread makes is noted with what it replaced (an undo
log). When the block ends normally, the changes are committed to the store as one transaction
(with no store attached there is nothing to commit). When it raises, the undo log is applied in
reverse, so the AtomSpace is as it was before the block, and nothing reaches the store; the
exception then propagates. Nested blocks are savepoints.

A removed atom that a rollback restores is a new Python object (equal in content, with its
truth value and values): references to the removed object stay dead. Other threads' changes
are not isolated from a transaction (the AtomSpace is one shared store); a rollback undoes only
the changes of its own thread (``clear()`` included: its atoms come back).

>>> import atomtrig
>>> space = atomtrig.AtomSpace()
>>> try:
...     with space.transaction():
...         _ = space.add_node("Concept", "draft")
...         raise ValueError("changed my mind")
... except ValueError:
...     pass
>>> space.get_node("Concept", "draft") is None
True
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from atomtrig.storage.binding import StoreBinding

if TYPE_CHECKING:
    from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace


_attach_lock = threading.Lock()


@contextmanager
def transaction(space: AtomSpace) -> Iterator[None]:
    """Group changes to ``space``; see the module docstring."""
    with _attach_lock:
        binding = space._store
        if binding is None:
            # A plain in-memory space: an undo-only binding, attached while any thread has a
            # transaction open (transactions are per thread; they share it).
            binding = StoreBinding(space, None)
            space.attach_store(binding)
        elif not isinstance(binding, StoreBinding):
            raise TypeError(f"the store hook of this space ({binding!r}) has no transactions")
        binding.users += 1
    try:
        with binding.transaction():
            yield
    finally:
        with _attach_lock:
            binding.users -= 1
            if binding.backend is None and binding.users == 0 and space._store is binding:
                space.detach_store()
