"""The :class:`Feedback` definition: an implementation, where its arguments come from, and how
its scores are combined.

Builders never change a feedback; each returns a new one:

>>> def relevance(question: str, answer: str) -> float:
...     return float(question.split()[0] in answer)
>>> f = Feedback(relevance).on_input_output()
>>> {name: str(lens) for name, lens in f.selectors.items()}
{'question': '__record__.main_input', 'answer': '__record__.main_output'}
>>> f.run(record={"main_input": "cats purr", "main_output": "cats do purr"}).result
1.0
"""

from __future__ import annotations

import enum
import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from atomtrig.feedback.errors import FeedbackError
from atomtrig.feedback.lens import Lens
from atomtrig.feedback.select import Select

if TYPE_CHECKING:
    from atomtrig.feedback.result import FeedbackResult

__all__ = ["Feedback", "FeedbackCombinations", "FeedbackOnMissingParameters"]


class FeedbackCombinations(str, enum.Enum):
    """How the values selected for several parameters are combined into calls."""

    PRODUCT = "product"
    """Every combination (cartesian product), in parameter order."""
    ZIP = "zip"
    """The first values together, then the second ones...; stops at the shortest selection."""


class FeedbackOnMissingParameters(str, enum.Enum):
    """What a feedback does when one of its selectors finds nothing in a record."""

    ERROR = "error"
    """The result fails, naming the selector."""
    WARN = "warn"
    """A warning is issued and the result is skipped."""
    IGNORE = "ignore"
    """The result is skipped silently."""


Selector = Lens | str


def _as_lens(selector: Selector, what: str) -> Lens:
    if isinstance(selector, Lens):
        return selector
    if isinstance(selector, str):
        return Lens.of_string(selector)
    raise FeedbackError(f"{what} must be a Lens (e.g. Select.RecordOutput) or its text, not {selector!r}")


def _parameters(imp: Callable[..., Any]) -> list[str]:
    try:
        signature = inspect.signature(imp)
    except (TypeError, ValueError):
        raise FeedbackError(f"cannot read the signature of the implementation {imp!r}") from None
    kinds = (
        inspect.Parameter.POSITIONAL_ONLY,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        inspect.Parameter.KEYWORD_ONLY,
    )
    return [p.name for p in signature.parameters.values() if p.kind in kinds]


def _with_defaults(imp: Callable[..., Any]) -> frozenset[str]:
    signature = inspect.signature(imp)
    return frozenset(n for n, p in signature.parameters.items() if p.default is not inspect.Parameter.empty)


def positional_only(imp: Callable[..., Any]) -> list[str]:
    """The parameters of ``imp`` that must be passed by position (``len(obj, /)``)."""
    try:
        signature = inspect.signature(imp)
    except (TypeError, ValueError):
        return []
    return [p.name for p in signature.parameters.values() if p.kind is inspect.Parameter.POSITIONAL_ONLY]


def _callable_name(func: Callable[..., Any]) -> str:
    return getattr(func, "__name__", None) or type(func).__name__


class Feedback:
    """A feedback function: ``imp`` scores arguments picked out of a record by selectors.

    ``agg`` turns the scores of all calls into one (the mean by default); ``name`` defaults to
    the implementation's name. ``if_exists`` is a selector that must find something or the
    result is skipped; ``if_missing`` says what a selector finding nothing does.
    ``higher_is_better`` is kept with the results for leaderboards. ``combinations`` chooses
    between the cartesian product (default) and zip of the selected values.
    """

    def __init__(
        self,
        imp: Callable[..., Any],
        agg: Callable[[list[float]], float] | None = None,
        name: str | None = None,
        if_exists: Selector | None = None,
        if_missing: FeedbackOnMissingParameters | str = FeedbackOnMissingParameters.ERROR,
        higher_is_better: bool = True,
        combinations: FeedbackCombinations | str = FeedbackCombinations.PRODUCT,
        selectors: Mapping[str, Selector] | None = None,
    ) -> None:
        if not callable(imp):
            raise FeedbackError(f"imp must be a callable that returns a score, not {imp!r}")
        if agg is not None and not callable(agg):
            raise FeedbackError(f"agg must be a callable that turns a list of floats into one, not {agg!r}")
        if name is not None and (not isinstance(name, str) or not name):
            raise FeedbackError(f"name must be a non-empty string, not {name!r}")
        self.imp = imp
        self.agg = agg
        self.name: str = name or _callable_name(imp)
        self.if_exists: Lens | None = None if if_exists is None else _as_lens(if_exists, "if_exists")
        try:
            self.if_missing = FeedbackOnMissingParameters(if_missing)
            self.combinations = FeedbackCombinations(combinations)
        except ValueError as error:
            raise FeedbackError(f"{error}; use one of the FeedbackOnMissingParameters / FeedbackCombinations values") from None
        self.higher_is_better = bool(higher_is_better)
        self.parameters: list[str] = _parameters(imp)
        self.positional_only: list[str] = positional_only(imp)
        self.has_default: frozenset[str] = _with_defaults(imp)
        self.selectors: dict[str, Lens] = {}
        for param, selector in (selectors or {}).items():
            self._check_parameter(param)
            self.selectors[param] = _as_lens(selector, f"the selector for {param!r}")

    # -- copying -------------------------------------------------------------------------------
    def _replace(self, **changes: Any) -> Feedback:
        settings: dict[str, Any] = {
            "imp": self.imp,
            "agg": self.agg,
            "name": self.name,
            "if_exists": self.if_exists,
            "if_missing": self.if_missing,
            "higher_is_better": self.higher_is_better,
            "combinations": self.combinations,
            "selectors": self.selectors,
        }
        settings.update(changes)
        return type(self)(**settings)

    def _check_parameter(self, param: str) -> None:
        if param not in self.parameters:
            raise FeedbackError(
                f"{self.name} has no parameter {param!r} to bind; its parameters are "
                f"{', '.join(self.parameters) or 'none'}"
            )

    def _next_unbound(self, bound: Mapping[str, Lens], what: str) -> str:
        for param in self.parameters:
            if param not in bound:
                return param
        raise FeedbackError(
            f"cannot bind {what}: every parameter of {self.name} "
            f"({', '.join(self.parameters) or 'none'}) is bound already"
        )

    # -- builders ----------------------------------------------------------------------------
    def on(self, *selectors: Selector, **named: Selector) -> Feedback:
        """Bind selectors: positional ones to the next unbound parameters in signature order,
        named ones to those parameters.

        >>> def f(a: float, b: float) -> float: return a + b
        >>> g = Feedback(f).on(Select.Record.x, b="__record__.y")
        >>> g.run(record={"x": 1, "y": 2}).result
        3.0
        """
        bound = dict(self.selectors)
        for param, selector in named.items():
            self._check_parameter(param)
            bound[param] = _as_lens(selector, f"the selector for {param!r}")
        for position, selector in enumerate(selectors):
            param = self._next_unbound(bound, f"positional selector {position} ({selector})")
            bound[param] = _as_lens(selector, f"positional selector {position}")
        return self._replace(selectors=bound)

    def _on_one(self, arg: str | None, selector: Lens) -> Feedback:
        if arg is None:
            return self.on(selector)
        return self.on(**{arg: selector})

    def on_input(self, arg: str | None = None) -> Feedback:
        """Bind ``arg`` (or the next unbound parameter) to the app's main input."""
        return self._on_one(arg, Select.RecordInput)

    on_prompt = on_input

    def on_output(self, arg: str | None = None) -> Feedback:
        """Bind ``arg`` (or the next unbound parameter) to the app's main output."""
        return self._on_one(arg, Select.RecordOutput)

    on_response = on_output

    def on_input_output(self) -> Feedback:
        """Bind the next two unbound parameters to the main input and the main output."""
        return self.on_input().on_output()

    def on_default(self) -> Feedback:
        """The output for a one-parameter implementation; input and output for two."""
        if len(self.parameters) == 1:
            return self.on_output()
        if len(self.parameters) == 2:
            return self.on_input_output()
        raise FeedbackError(
            f"on_default() needs an implementation of one or two parameters; {self.name} has "
            f"{len(self.parameters)} ({', '.join(self.parameters)}): bind them with on(...)"
        )

    def aggregate(
        self,
        func: Callable[[list[float]], float] | None = None,
        combinations: FeedbackCombinations | str | None = None,
    ) -> Feedback:
        """A feedback that aggregates with ``func`` and/or combines values as ``combinations``
        says (each left as it was when not given)."""
        changes: dict[str, Any] = {}
        if func is not None:
            changes["agg"] = func
        if combinations is not None:
            changes["combinations"] = combinations
        return self._replace(**changes)

    # -- running -----------------------------------------------------------------------------
    def run(
        self,
        app: Any = None,
        record: Any = None,
        source_data: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> FeedbackResult:
        """Evaluate this feedback on a record (and app); see :mod:`atomtrig.feedback.evaluate`.

        Keyword arguments give a parameter one value, replacing its selector.
        """
        from atomtrig.feedback.evaluate import evaluate

        return evaluate(self, app=app, record=record, source_data=source_data, overrides=kwargs)

    # -- describing ------------------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        """The definition as JSON-ready data (selectors as text)."""
        return {
            "name": self.name,
            "selectors": {p: str(lens) for p, lens in self.selectors.items()},
            "if_exists": None if self.if_exists is None else str(self.if_exists),
            "if_missing": self.if_missing.value,
            "higher_is_better": self.higher_is_better,
            "combinations": self.combinations.value,
        }

    def __repr__(self) -> str:
        bound = ", ".join(f"{p}={lens}" for p, lens in self.selectors.items())
        return f"Feedback({self.name}({bound}))"


def bound_parameters(feedback: Feedback, overrides: Sequence[str] = ()) -> list[str]:
    """The parameters that get values when ``feedback`` runs, in signature order."""
    return [p for p in feedback.parameters if p in feedback.selectors or p in overrides]
