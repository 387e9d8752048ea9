"""Shared helpers of the storage tests: the backends every behaviour runs against, a comparable
snapshot of a space, and grounded targets used by the trigger and crash tests (imported by the
child processes too)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import atomtrig
from atomtrig.storage.memory import MemoryBackend

from conftest import BACKENDS, empty_postgres  # noqa: E402,F401  (the backends under test)


class Store:
    """One store under test: ``open()`` a space on it, ``reopen(space)`` closes and opens again.
    ``kind`` is ``memory``, ``sqlite`` or ``postgresql``; ``location`` the path or URL."""

    def __init__(self, kind: str, tmp_path: Path, location: str | None = None) -> None:
        self.kind = kind
        self.path = tmp_path / "kb.db"
        self.location: str = location or str(self.path)
        self.backend = MemoryBackend() if kind == "memory" else None

    @classmethod
    def fresh(cls, kind: str, folder: Path, request: Any) -> Store:
        """An empty store of ``kind`` (for tests that make several in one test function)."""
        location = None
        if kind == "postgresql":
            location = request.getfixturevalue("postgres_database")
            empty_postgres(location)
        return cls(kind, folder, location)

    def open(self, **settings: Any) -> atomtrig.AtomSpace:
        if self.backend is not None:
            return atomtrig.AtomSpace.open(self.backend, **settings)
        return atomtrig.AtomSpace.open(self.location, **settings)

    def reopen(self, space: atomtrig.AtomSpace) -> atomtrig.AtomSpace:
        space.close()
        return self.open()


def snapshot(space: Any) -> dict[str, tuple[str, tuple[tuple[str, str], ...]]]:
    """Every atom (one-line text) with its truth value and values, for comparing two spaces."""
    result = {}
    for atom in space:
        values = {
            key.short(): _value_text(value)
            for key, value in (atom._values or {}).items()
            if key._space is space
        }
        result[atom.short()] = (repr(atom.tv), tuple(sorted(values.items())))
    return result


def _value_text(value: Any) -> str:
    # Atoms inside values print without truth values: an atom removed from the space keeps, in
    # memory, the truth value it had when removed, which a store does not keep (it reads back
    # with the default; documented in atomtrig.storage.codec).
    from atomtrig.core.atom import Atom
    from atomtrig.core.values import LinkValue

    if isinstance(value, Atom):
        return value.short()
    if isinstance(value, LinkValue):
        return "(LinkValue " + " ".join(_value_text(item) for item in value.items) + ")"
    return repr(value)


# -- grounded targets for trigger tests (child processes import this module too) --------------
def _register() -> None:
    from atomtrig.query.grounded import grounded, registered

    if "storage-test-count" in registered():
        return

    @grounded("storage-test-count")
    def count_run(*atoms: Any) -> None:
        """Counts its runs per event on a node, in the space: a second run shows as 2."""
        space = atomtrig.current_atomspace()
        links = [a for a in atoms if a is not None and a.is_link()]
        name = links[0].out[0].name if links else atoms[0].name
        counter = space.add_node("Concept", f"ran:{name}")
        old = counter.get_value("runs")
        delay = float(os.environ.get("ATOMTRIG_TEST_TARGET_DELAY", "0"))
        if delay:
            import time

            time.sleep(delay)
        space.set_value(counter, "runs", [1 + (old[0] if old is not None else 0)])

    @grounded("storage-test-outside")
    def note_outside(*atoms: Any) -> None:
        """An effect outside the store: a line in the file named by ATOMTRIG_TEST_OUTSIDE."""
        links = [a for a in atoms if a is not None and a.is_link()]
        name = links[0].out[0].name if links else atoms[0].name
        with open(os.environ["ATOMTRIG_TEST_OUTSIDE"], "a", encoding="utf-8") as handle:
            handle.write(name + "\n")


_register()
