"""atomtrig: a hypergraph knowledge store in the style of the OpenCog AtomSpace whose atoms can
react.

>>> import atomtrig
>>> from atomtrig import ConceptNode, Inheritance, stv
>>> with atomtrig.AtomSpace() as space:
...     link = Inheritance(ConceptNode("cat"), ConceptNode("animal"), tv=stv(0.9, 0.8))
>>> link
(InheritanceLink (stv 0.9 0.8)
  (ConceptNode "cat")
  (ConceptNode "animal"))
"""

from typing import Any

from atomtrig.core import *  # noqa: F403
from atomtrig.core import __all__ as _core_all
from atomtrig.core import constructors as _constructors
from atomtrig.core.constructors import *  # noqa: F403
from atomtrig.query.allowlist import allow_schemas
from atomtrig.query.grounded import allow_module, grounded
from atomtrig.space import AtomSpace

__version__ = "0.1.0"

__all__ = sorted(
    set(_core_all) | set(_constructors.__all__) | {"AtomSpace", "allow_module", "allow_schemas", "grounded"}
)


def __getattr__(name: str) -> Any:
    # Constructors of types declared at run time: atomtrig.QueryRecordNode(...)
    try:
        return getattr(_constructors, name)
    except AttributeError:
        raise AttributeError(f"module 'atomtrig' has no attribute {name!r}") from None
