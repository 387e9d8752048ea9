"""Naming callables so that another process can import them (deferred feedbacks).

A callable is importable when its module can be imported and walking its qualified name from
there gives it back: module-level functions, functions of importable modules such as
``numpy.min``, classes' static and class methods. Lambdas, local functions and anything defined
in ``__main__`` are not. Names are ``"module:qualname"``; loading one imports the module, never
evaluates text.

>>> import statistics
>>> callable_path(statistics.fmean)
'statistics:fmean'
>>> load_callable("statistics:fmean") is statistics.fmean
True
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from atomtrig.feedback.errors import NotImportableError

__all__ = ["callable_path", "load_callable"]


def callable_path(func: Callable[..., Any], what: str = "callable") -> str:
    """``func``'s ``"module:qualname"``; :class:`NotImportableError` if another process could
    not import it back."""
    module = getattr(func, "__module__", None)
    qualname = getattr(func, "__qualname__", None)
    if module is None and hasattr(func, "__self__"):  # builtin bound to a module
        module = getattr(func.__self__, "__name__", None)
    if not module or not qualname:
        raise NotImportableError(f"the {what} {func!r} has no module and name to import it by")
    if module == "__main__":
        raise NotImportableError(
            f"the {what} {qualname} is defined in __main__, which a feedback server cannot import; "
            "move it into a module"
        )
    if "<locals>" in qualname or "<lambda>" in qualname:
        raise NotImportableError(
            f"the {what} {module}.{qualname} is a lambda or a local function; deferred feedbacks "
            "need module-level functions"
        )
    path = f"{module}:{qualname}"
    try:
        loaded = load_callable(path)
    except NotImportableError as error:
        raise NotImportableError(f"the {what} {func!r} cannot be imported back: {error}") from None
    if loaded is not func and loaded != func:
        raise NotImportableError(
            f"importing {path} gives {loaded!r}, not the {what} {func!r} (is it a method of an "
            "instance? deferred feedbacks need module-level functions)"
        )
    return path


def load_callable(path: str) -> Callable[..., Any]:
    """Import the callable named ``"module:qualname"``."""
    if not isinstance(path, str) or path.count(":") != 1:
        raise NotImportableError(f"a callable's name looks like 'module:qualname', not {path!r}")
    module_name, qualname = path.split(":")
    try:
        target: Any = importlib.import_module(module_name)
    except ImportError as error:
        raise NotImportableError(f"cannot import module {module_name!r} for {path}: {error}") from None
    for part in qualname.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise NotImportableError(f"module {module_name!r} has no {qualname!r}") from None
    if not callable(target):
        raise NotImportableError(f"{path} is {type(target).__name__}, not a callable")
    return target  # type: ignore[no-any-return]
