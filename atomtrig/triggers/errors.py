"""The errors of the trigger layer.

>>> from atomtrig.core.errors import AtomtrigError
>>> issubclass(TriggerDefinitionError, TriggerError) and issubclass(TriggerError, AtomtrigError)
True
"""

from __future__ import annotations

from atomtrig.core.errors import AtomtrigError


class TriggerError(AtomtrigError):
    """Base class of the trigger layer's errors."""


class TriggerDefinitionError(TriggerError, ValueError):
    """A trigger link that cannot be registered: wrong arity, a target that cannot be run, a
    variable that is not in the target or whose type restriction the source cannot satisfy.

    The link is removed again before this is raised, so nothing is left half-registered."""


class TriggerOptionError(TriggerError, ValueError):
    """A trigger option with an unknown name or a value of the wrong kind."""


class CascadeError(TriggerError):
    """A chain of triggers firing triggers went past the depth limit, or came back to a firing it
    already contains (a cycle). Recorded on the trigger that would have fired; never raised into
    the code that made the change."""


class TriggerTargetError(TriggerError):
    """A target that cannot be run (for example an ungrounded schema with nothing equivalent)."""


class SchemaFileError(TriggerError, LookupError):
    """A ``.py`` file schema that cannot be found, escapes the schema folders, or lacks its entry
    function."""
