"""Finding pipeline classes: by an importable module path or by a registry the user's package
declares.

A reference is ``module.path:ClassName``, a module path holding exactly one ``Pipeline`` subclass,
or a name registered under the ``atomtrig.pipelines`` entry-point group, which a package declares
in its ``pyproject.toml``::

    [project.entry-points."atomtrig.pipelines"]
    arithmetic = "mypackage.pipelines:ArithmeticPipeline"

>>> load_pipeline("atomtrig.pipeline.pipeline:Pipeline").__name__
'Pipeline'
"""

from __future__ import annotations

import difflib
import importlib
import inspect
from types import ModuleType
from typing import cast
from importlib.metadata import EntryPoint, entry_points

from atomtrig.pipeline.errors import PipelineNotFoundError
from atomtrig.pipeline.pipeline import Pipeline

__all__ = ["ENTRY_POINT_GROUP", "load_pipeline", "load_stored_pipeline", "registered_pipelines"]

ENTRY_POINT_GROUP = "atomtrig.pipelines"


def registered_pipelines() -> dict[str, EntryPoint]:
    """The pipelines installed packages declare, by name."""
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def _check(obj: object, ref: str) -> type[Pipeline]:
    if not (isinstance(obj, type) and issubclass(obj, Pipeline)):
        raise PipelineNotFoundError(f"{ref} is {obj!r}, not a Pipeline subclass")
    return obj


def _import(module_name: str, ref: str) -> object:
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name and module_name.startswith(error.name):
            raise PipelineNotFoundError(f"cannot find pipeline {ref!r}: no module named {error.name!r}") from None
        raise


def load_pipeline(ref: str) -> type[Pipeline]:
    """The pipeline class a reference names (see the module docstring)."""
    if not isinstance(ref, str) or not ref:
        raise PipelineNotFoundError(f"a pipeline reference must be a non-empty string, not {ref!r}")
    if ":" in ref:
        module_name, _, attr = ref.partition(":")
        obj: object = _import(module_name, ref)
        for part in attr.split("."):
            try:
                obj = getattr(obj, part)
            except AttributeError:
                raise PipelineNotFoundError(f"module {module_name!r} has no {attr!r}") from None
        return _check(obj, ref)
    registry = registered_pipelines()
    if ref in registry:
        return _check(registry[ref].load(), f"registered pipeline {ref!r}")
    try:
        module = cast(ModuleType, _import(ref, ref))
    except PipelineNotFoundError:
        known = sorted(registry)
        close = difflib.get_close_matches(ref, known, n=3)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        listed = f" Registered pipelines: {', '.join(known)}." if known else ""
        raise PipelineNotFoundError(
            f"no pipeline {ref!r}: not a registered name and not an importable module "
            f"(use module.path:ClassName){hint}{listed}"
        ) from None
    found = [
        obj
        for obj in vars(module).values()
        if inspect.isclass(obj) and issubclass(obj, Pipeline) and obj is not Pipeline
        and obj.__module__ == module.__name__
    ]
    if len(found) != 1:
        names = ", ".join(sorted(c.__name__ for c in found)) or "none"
        raise PipelineNotFoundError(
            f"module {ref!r} defines {len(found)} Pipeline subclasses ({names}); "
            f"name one as {ref}:ClassName"
        )
    return found[0]


def reference_module(ref: str) -> str:
    """The module whose code loading ``ref`` would run: the part before ``:``, a registered
    name's entry-point module, or the module path itself.

    >>> reference_module("mypackage.pipelines:Arithmetic")
    'mypackage.pipelines'
    """
    if ":" in ref:
        return ref.partition(":")[0]
    entry = registered_pipelines().get(ref)
    return entry.module if entry is not None else ref


def load_stored_pipeline(ref: str, what: str) -> type[Pipeline]:
    """The pipeline class a stored reference (a run log's, a store's) names, loaded only if its
    module is allowed (:func:`atomtrig.allow_module`, ``--allow-module``): a log from elsewhere
    never decides on its own what code runs. ``what`` names the reference's source for errors.

    >>> load_stored_pipeline("os:system", what="run 1234's pipeline")
    Traceback (most recent call last):
    ...
    atomtrig.query.errors.ProcedureNotAllowedError: run 1234's pipeline: module 'os' is not allowed to run. Allow it with atomtrig.allow_module('os') (or --allow-module os on the command line)
    """
    from atomtrig.query.allowlist import is_module_allowed, refusal

    if not isinstance(ref, str) or not ref:
        raise PipelineNotFoundError(f"{what}: a pipeline reference must be a non-empty string, not {ref!r}")
    module = reference_module(ref)
    if not is_module_allowed(module):
        raise refusal(module, what)
    return load_pipeline(ref)
