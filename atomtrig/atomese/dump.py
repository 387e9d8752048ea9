"""The store as Atomese text that :func:`~atomtrig.atomese.loader.load_atoms` reads back.

Every atom that no link contains is written in canonical form (truth values included), then one
``(cog-set-value! atom key value)`` form per value.

>>> from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
>>> space = AtomSpace()
>>> cat = space.add_node("Concept", "cat")
>>> space.set_value(cat, "weight", [4.2, 5])
>>> print(dump_atomese(space), end="")
(ConceptNode "cat")
(PredicateNode "weight")
(cog-set-value! (ConceptNode "cat") (PredicateNode "weight") (FloatValue 4.2 5))
"""

from __future__ import annotations

from typing import Any

from atomtrig.core.printer import to_sexpr


def dump_atomese(space: Any) -> str:
    """``space`` as Atomese (see the module docstring)."""
    parts = [space.to_atomese()]
    for atom in space:
        values = atom._values
        if not values:
            continue
        for key, value in list(values.items()):
            parts.append(
                f"(cog-set-value! {to_sexpr(atom, 2).lstrip()} {to_sexpr(key, 2).lstrip()} "
                f"{value!r})\n"
            )
    return "".join(parts)
