"""The AtomSpace users import: the core store with every layer above it attached.

``atomtrig.core.AtomSpace`` is the bare store. This subclass adds what the layers above the core
provide, each as a thin method that delegates to its layer, so the layers themselves stay
independent of one another.

>>> import atomtrig
>>> space = atomtrig.AtomSpace()
>>> isinstance(space, atomtrig.core.AtomSpace)
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from atomtrig.core.atomspace import AtomSpace as CoreAtomSpace

if TYPE_CHECKING:
    from atomtrig.core.atom import Atom


class AtomSpace(CoreAtomSpace):
    """An AtomSpace with the pattern matcher, triggers, Atomese and storage attached."""

    # -- pattern matching (atomtrig.query) ---------------------------------------------------------
    def match(
        self,
        pattern: Atom,
        *,
        anchor: Atom | None = None,
        fixed: Any = None,
        limit: int | None = None,
    ) -> list[dict[Atom, Any]]:
        """The groundings of a pattern scope link (Bind/Query/Get/Meet/Satisfaction), each a
        dict variable -> atom (a glob: tuple of atoms); ``anchor`` keeps those in which some
        clause is grounded by that link; see :func:`atomtrig.query.matcher.match`."""
        from atomtrig.query.matcher import match

        return match(self, pattern, anchor=anchor, fixed=fixed, limit=limit)
