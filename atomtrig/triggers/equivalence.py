"""The seed's alternative to PingTriggerLinks: executing an ExecutionOutputLink on an ungrounded
``SchemaNode`` runs every ``GroundedSchemaNode`` that an ``EquivalenceLink`` ties to it, when that
EquivalenceLink's strength and confidence are both above the threshold (0.5 by default; set it
with :func:`set_equivalence_threshold`). The schemas run in a stable order (by name); the result
of the execution is the last one's result.

The query layer's ExecutionOutputLink executor is wrapped (once, when this module is imported)
so the convention holds everywhere — ``cog-execute!``, ``space.execute`` and trigger targets.

>>> import atomtrig
>>> space = atomtrig.AtomSpace()
>>> calls = []
>>> from atomtrig.query.grounded import grounded, unregister
>>> @grounded("destroy-world")
... def destroy_world(*atoms):
...     calls.append(len(atoms)); return atoms[0] if atoms else space.add_node("Concept", "boom")
>>> red = space.add_node("Schema", "Red Button")
>>> _ = space.add_link("Equivalence", [red, space.add_node("GroundedSchema", "py:destroy-world")], tv=atomtrig.stv(1, 1))
>>> [s.name for s in equivalent_schemas(red)]
['py:destroy-world']
>>> _ = unregister("destroy-world")
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from atomtrig.core.types import types

if TYPE_CHECKING:
    from atomtrig.core.atom import Atom
    from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace

SCHEMA = types["SchemaNode"]
GROUNDED_SCHEMA = types["GroundedSchemaNode"]
EQUIVALENCE = types["EquivalenceLink"]
EOL = types["ExecutionOutputLink"]

_threshold = [0.5, 0.5]
_lock = threading.Lock()
_installed: list[Any] = []


def set_equivalence_threshold(strength: float = 0.5, confidence: float = 0.5) -> None:
    """EquivalenceLinks count when their strength is above ``strength`` and their confidence
    above ``confidence``."""
    for name, v in (("strength", strength), ("confidence", confidence)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0.0 <= v <= 1.0:
            raise ValueError(f"the equivalence {name} threshold must be in [0, 1], not {v!r}")
    _threshold[0], _threshold[1] = float(strength), float(confidence)


def equivalence_threshold() -> tuple[float, float]:
    return _threshold[0], _threshold[1]


def equivalent_schemas(schema: Atom) -> list[Atom]:
    """The GroundedSchemaNodes an EquivalenceLink above the threshold ties to ``schema``."""
    s_min, c_min = _threshold
    found: dict[Atom, None] = {}
    for link in schema.incoming_by_type(EQUIVALENCE):
        tv = link.tv
        if not (tv.strength > s_min and tv.confidence > c_min):
            continue
        for other in link.out:
            if other is not schema and GROUNDED_SCHEMA in other.type.ancestors:
                found.setdefault(other, None)
    return sorted(found, key=lambda a: a.name)


def _wrap(previous: Any) -> Any:
    def execution_output(space: AtomSpace, atom: Atom, env: Any) -> Any:
        schema = atom.out[0] if atom.out else None
        if schema is None or schema.type is not SCHEMA:
            return previous(space, atom, env)
        grounded = equivalent_schemas(schema)
        if not grounded:
            return previous(space, atom, env)
        from atomtrig.query.engine import arguments
        from atomtrig.query.grounded import call_schema

        args = arguments(space, atom.out[1] if len(atom.out) > 1 else None, env)
        result = None
        for g in grounded:
            result = call_schema(space, g, args)
        return result

    execution_output.__wrapped__ = previous  # type: ignore[attr-defined]
    return execution_output


def install() -> bool:
    """Wrap the query layer's ExecutionOutputLink executor (idempotent). Returns True once it is
    installed (False while the query layer has no such executor yet)."""
    from atomtrig.query import engine as query_engine

    with _lock:
        current = query_engine.EXECUTORS.get(EOL)
        if current is None:
            return False
        if getattr(current, "__wrapped__", None) is not None and current in _installed:
            return True
        wrapped = _wrap(current)
        in_data = EOL in query_engine.DATA_EXECUTABLE
        query_engine.register_executor(EOL, wrapped, in_data=in_data)
        _installed.append(wrapped)
        return True
