"""The errors the pipeline layer raises; all subclass :class:`atomtrig.AtomtrigError`.

>>> from atomtrig.pipeline.errors import ConfigError, PipelineError
>>> issubclass(ConfigError, PipelineError)
True
"""

from __future__ import annotations

from atomtrig.core.errors import AtomtrigError


class PipelineError(AtomtrigError):
    """Base class of the pipeline layer's errors."""


class ConfigError(PipelineError, ValueError):
    """A configuration that cannot be used: an unknown or malformed override, a value that does
    not convert to the default's type, a required ``Prompt`` setting left unset."""


class DagError(PipelineError, ValueError):
    """A stage graph that cannot run: empty, duplicate names or inputs, unknown inputs, no root,
    a cycle, or stages unreachable from a root."""


class CaseError(PipelineError, ValueError):
    """A case suite that is not a list of dicts with unique ids."""


class RunLogError(PipelineError, LookupError):
    """A run log that cannot be found (unknown or ambiguous id prefix) or read."""


class PipelineNotFoundError(PipelineError, LookupError):
    """A pipeline reference that names no importable pipeline class or registry entry."""


class StageResultError(PipelineError, TypeError):
    """A stage returned something that is not JSON-serialisable."""
