"""The errors of the feedback layer. All subclass :class:`FeedbackError`, itself an
:class:`~atomtrig.core.errors.AtomtrigError`.

>>> from atomtrig.core.errors import AtomtrigError
>>> issubclass(LensError, FeedbackError) and issubclass(FeedbackError, AtomtrigError)
True
"""

from __future__ import annotations

from atomtrig.core.errors import AtomtrigError


class FeedbackError(AtomtrigError):
    """Base class of the feedback layer's errors; also a feedback definition that cannot work
    (binding a parameter the implementation does not have, more selectors than parameters, an
    unknown keyword given to ``run``...)."""


class LensError(FeedbackError, LookupError):
    """A selector step that finds nothing: a missing key or attribute, an index out of range,
    a value of the wrong kind for the step. The message names the step and the path."""


class LensSyntaxError(FeedbackError, ValueError):
    """Text given to :meth:`Lens.of_string` that is not a selector path."""


class NotImportableError(FeedbackError):
    """A deferred feedback's implementation or aggregator that another process could not import
    (a lambda, a local function, something defined in ``__main__``)."""


class SkipEval(Exception):
    """Raised by a feedback implementation to skip one combination of arguments.

    The skipped call is left out of the aggregate; when every call is skipped the result is NaN
    with status done.

    >>> def only_even(n: int) -> float:
    ...     if n % 2:
    ...         raise SkipEval(f"{n} is odd")
    ...     return float(n)
    """

    def __init__(self, reason: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
