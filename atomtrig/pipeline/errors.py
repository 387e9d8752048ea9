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


class ExceptionContext:
    """Add a line of context to any exception raised inside the ``with`` block (as a note, which
    tracebacks and the run log's exception record show), then let it propagate.

    >>> try:
    ...     with ExceptionContext("Extracting numerical answer from LLM response."):
    ...         float("The answer is four")
    ... except ValueError as error:
    ...     error.__notes__
    ['Extracting numerical answer from LLM response.']
    """

    def __init__(self, text: str) -> None:
        self.text = text

    def __enter__(self) -> ExceptionContext:
        return self

    def __exit__(self, kind: object, error: BaseException | None, tb: object) -> None:
        if isinstance(error, Exception):
            error.add_note(self.text)
