"""The allow-list: the one place that decides whether a name found in data becomes running code.

Stores, scripts, run logs and configuration files name code: ``py:module.function`` grounded
procedures, stored feedback implementations (``module:qualname``), pipeline classes in run logs,
``.py`` schema files beside a script. None of it is imported or run unless the user allowed it:

- a **module** (and its submodules) with :func:`allow_module` (``--allow-module NAME`` on the
  command line);
- a **folder of schema files** with :func:`allow_schemas` (``--allow-schemas DIR``).

:func:`import_allowed` is how every layer turns a stored reference into an object: it checks the
allow-list *before* importing anything (importing a module runs its code), refuses paths through
dunder names and objects that an allowed module merely re-exports from a module that is not
allowed, and raises :class:`~atomtrig.query.errors.ProcedureNotAllowedError` naming the module and
how to allow it.

>>> import_allowed("statistics:fmean", what="the stored feedback 'mean'")
Traceback (most recent call last):
...
atomtrig.query.errors.ProcedureNotAllowedError: the stored feedback 'mean': module 'statistics' is not allowed to run. Allow it with atomtrig.allow_module('statistics') (or --allow-module statistics on the command line)
>>> allow_module("statistics")
>>> import_allowed("statistics:fmean", what="a feedback").__name__
'fmean'
>>> disallow_module("statistics")
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from atomtrig.query.errors import GroundedProcedureError, ProcedureNotAllowedError

__all__ = [
    "allow_module",
    "allow_schemas",
    "allowed_modules",
    "allowed_schema_folders",
    "check_schema_file",
    "disallow_module",
    "disallow_schemas",
    "import_allowed",
    "is_module_allowed",
    "on_change",
]

_lock = threading.RLock()
_modules: set[str] = set()
_schema_folders: set[Path] = set()
_listeners: list[Callable[[], None]] = []
_version = [0]


def on_change(listener: Callable[[], None]) -> None:
    """Call ``listener()`` whenever the allow-list changes (the module-wide resolution cache
    uses it; per-object caches compare :func:`version` instead, and leave no reference here)."""
    with _lock:
        _listeners.append(listener)


def version() -> int:
    """A number that changes whenever the allow-list does."""
    return _version[0]


def _changed() -> None:
    _version[0] += 1
    for listener in tuple(_listeners):
        listener()


# -- modules ----------------------------------------------------------------------------------
def _check_module_name(name: object) -> str:
    if not isinstance(name, str) or not name or not all(p.isidentifier() for p in name.split(".")):
        raise GroundedProcedureError(f"a module name must be a dotted Python name, not {name!r}")
    return name


def allow_module(name: str) -> None:
    """Let stored references to module ``name`` and its submodules be imported and run:
    ``(GroundedSchemaNode "py:NAME.function")``, stored feedback implementations, pipeline
    classes named by run logs.

    >>> allow_module("math")
    >>> "math" in allowed_modules()
    True
    >>> disallow_module("math")
    """
    name = _check_module_name(name)
    with _lock:
        _modules.add(name)
    _changed()


def disallow_module(name: str) -> None:
    """Undo :func:`allow_module` (functions already called keep no special standing)."""
    with _lock:
        _modules.discard(name)
    _changed()


def allowed_modules() -> frozenset[str]:
    """The modules allowed with :func:`allow_module`."""
    with _lock:
        return frozenset(_modules)


def is_module_allowed(module: str) -> bool:
    """Whether ``module`` or one of its parent packages was allowed."""
    parts = module.split(".")
    allowed = _modules
    return any(".".join(parts[:i]) in allowed for i in range(1, len(parts) + 1))


def refusal(module: str, what: str) -> ProcedureNotAllowedError:
    """The error for code of ``module`` that ``what`` names but nobody allowed."""
    return ProcedureNotAllowedError(
        f"{what}: module {module!r} is not allowed to run. Allow it with "
        f"atomtrig.allow_module({module!r}) (or --allow-module {module} on the command line)"
    )


def import_allowed(path: str, *, what: str) -> Any:
    """The object a stored reference names, imported only if its module is allowed.

    ``path`` is ``"module:qualname"`` (the module is everything before the colon) or
    ``"package.module.name"`` (the module is the longest allowed prefix that imports). ``what``
    describes who names it, for the error messages (``"(GroundedSchemaNode "py:x.f")"``).
    """
    if not isinstance(path, str) or not path:
        raise GroundedProcedureError(f"{what}: a code reference must be a non-empty string, not {path!r}")
    if ":" in path:
        module_part, _, attr_part = path.partition(":")
        modules = [module_part]
        attrs_of = {module_part: attr_part.split(".")}
        parts = module_part.split(".") + attr_part.split(".")
    else:
        parts = path.split(".")
        modules = [".".join(parts[:i]) for i in range(len(parts) - 1, 0, -1)]
        attrs_of = {m: parts[len(m.split(".")):] for m in modules}
    if len(parts) < 2 or not all(p.isidentifier() for p in parts):
        raise GroundedProcedureError(
            f"{what}: {path!r} is not a module.function (or module:name) reference"
        )
    dunder = next((p for p in parts if p.startswith("__")), None)
    if dunder is not None:
        raise GroundedProcedureError(
            f"{what}: a code reference may not go through dunder names like {dunder!r}"
        )
    # Nothing is imported before the allow-list is checked: importing a module runs its code.
    allowed = [m for m in modules if is_module_allowed(m)]
    if not allowed:
        raise refusal(modules[0], what)
    module: ModuleType | None = None
    module_name = ""
    errors: list[str] = []
    for module_name in allowed:
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            errors.append(f"{module_name}: {exc}")
            continue
        break
    if module is None:
        raise GroundedProcedureError(f"{what}: cannot import the module of {path!r} ({'; '.join(errors)})")
    obj: Any = module
    for attr in attrs_of[module_name]:
        try:
            obj = getattr(obj, attr)
        except AttributeError:
            raise GroundedProcedureError(f"{what}: {_describe(obj)} has no attribute {attr!r}") from None
        if isinstance(obj, ModuleType) and not is_module_allowed(obj.__name__):
            raise ProcedureNotAllowedError(
                f"{what}: the path goes through module {obj.__name__!r}, which is not allowed; "
                f"allow it with atomtrig.allow_module({obj.__name__!r})"
            )
    defined_in = getattr(obj, "__module__", None)
    if isinstance(defined_in, str) and not is_module_allowed(defined_in):
        raise ProcedureNotAllowedError(
            f"{what}: {path!r} is defined in module {defined_in!r}, which is not allowed (allowed "
            f"modules may not re-export others' code); allow it with "
            f"atomtrig.allow_module({defined_in!r}) (or --allow-module {defined_in})"
        )
    return obj


def _describe(obj: Any) -> str:
    name = getattr(obj, "__name__", None)
    return f"{type(obj).__name__} {name!r}" if name else type(obj).__name__


# -- schema-file folders ------------------------------------------------------------------------
def allow_schemas(folder: str | os.PathLike[str]) -> None:
    """Let ``.py`` schema files in ``folder`` (and its subfolders) be loaded and run, e.g.
    ``(GroundedSchemaNode "newCheeseProcessor.py")`` beside a script (``--allow-schemas DIR``).
    The folder is also searched for schema files, after the running script's own folder.

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> allow_schemas(folder)
    >>> Path(folder).resolve() in allowed_schema_folders()
    True
    >>> disallow_schemas(folder)
    """
    if not isinstance(folder, (str, os.PathLike)) or not str(folder):
        raise GroundedProcedureError(f"allow_schemas needs a folder path, not {folder!r}")
    path = Path(folder).resolve()
    if not path.is_dir():
        raise GroundedProcedureError(f"allow_schemas: {str(folder)!r} is not a folder")
    with _lock:
        _schema_folders.add(path)
    _changed()


def disallow_schemas(folder: str | os.PathLike[str]) -> None:
    """Undo :func:`allow_schemas`."""
    with _lock:
        _schema_folders.discard(Path(folder).resolve())
    _changed()


def allowed_schema_folders() -> list[Path]:
    """The folders allowed with :func:`allow_schemas`, in a stable order."""
    with _lock:
        return sorted(_schema_folders)


def check_schema_file(path: Path, name: str) -> None:
    """Raise :class:`ProcedureNotAllowedError` unless the resolved file ``path`` (which the
    schema name ``name`` found) lies in a folder allowed with :func:`allow_schemas`."""
    resolved = path.resolve()
    with _lock:
        folders = tuple(_schema_folders)
    if any(resolved.is_relative_to(folder) for folder in folders):
        return
    raise ProcedureNotAllowedError(
        f"file schema {name!r} ({resolved}) is not allowed to run: schema files run Python code. "
        f"Allow its folder with --allow-schemas {resolved.parent} on the command line "
        f"(or atomtrig.allow_schemas({str(resolved.parent)!r}))"
    )
