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

from atomtrig.core.atomspace import AtomSpace as CoreAtomSpace


class AtomSpace(CoreAtomSpace):
    """An AtomSpace with the pattern matcher, triggers, Atomese and storage attached."""
