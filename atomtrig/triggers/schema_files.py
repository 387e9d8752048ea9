"""``.py`` file schemas: ``(GroundedSchemaNode "newCheeseProcessor.py")`` as in the seed.

A grounded node whose name ends in ``.py`` (and has no ``py:`` prefix) names a Python file. It is
looked up, in order, in the folder of the script that is running (or that added the trigger
whose target runs it), then in each folder of the schema path (:func:`add_schema_path`, and the
``ATOMTRIG_SCHEMA_PATH`` environment variable, ``os.pathsep``-separated). The name must be a
plain relative path inside those folders: an absolute path, a ``..`` component, or a link that
resolves outside the folder is refused with :class:`SchemaFileError`.

Loading a file schema runs its code, so it is opt-in: the file must lie in a folder allowed with
:func:`atomtrig.allow_schemas` (``--allow-schemas DIR`` on the command line); any other file is
refused with :class:`~atomtrig.query.errors.ProcedureNotAllowedError` naming the flag, before
anything is imported. Allowed folders are also searched, after the script's folder and the
schema path.

The file is imported as a module (once per file version: it is re-imported when its mtime
changes) and its entry function is called: ``run(*atoms)`` — the atoms of the
ExecutionOutputLink's ListLink, or for a trigger target with no arguments the firing's atoms.
A GroundedPredicateNode's file returns a truth value or a bool, a schema's an atom, a Value or
None.

>>> is_file_schema("newCheeseProcessor.py"), is_file_schema("py:math.sqrt")
(True, False)
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib.util
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from atomtrig.query.allowlist import allowed_schema_folders, check_schema_file
from atomtrig.triggers.errors import SchemaFileError

if TYPE_CHECKING:
    from atomtrig.core.atom import Atom

ENTRY = "run"
_folder: contextvars.ContextVar[str | None] = contextvars.ContextVar("atomtrig_script_folder", default=None)
_paths: list[Path] = []
_modules: dict[tuple[str, float], Any] = {}
_lock = threading.Lock()


def is_file_schema(name: str) -> bool:
    return name.endswith(".py") and not name.startswith("py:")


def current_folder() -> str | None:
    """The folder of the script running in this context, if any."""
    return _folder.get()


@contextlib.contextmanager
def using_folder(folder: str | os.PathLike[str] | None) -> Iterator[None]:
    """Resolve file schemas against ``folder`` inside the block (the Atomese runner wraps each
    script in this)."""
    token = _folder.set(None if folder is None else str(folder))
    try:
        yield
    finally:
        _folder.reset(token)


def add_schema_path(folder: str | os.PathLike[str]) -> None:
    """Also look for file schemas in ``folder``."""
    path = Path(folder).resolve()
    with _lock:
        if path not in _paths:
            _paths.append(path)


def schema_path() -> list[Path]:
    """Where file schemas are looked for after the running script's folder: the folders added
    with :func:`add_schema_path`, then ``ATOMTRIG_SCHEMA_PATH``, then the allowed folders.
    (Looking a file up is not allowing it: see the module docstring.)"""
    env = os.environ.get("ATOMTRIG_SCHEMA_PATH", "")
    extra = [Path(p).resolve() for p in env.split(os.pathsep) if p]
    with _lock:
        found = list(_paths) + extra
    return found + [f for f in allowed_schema_folders() if f not in found]


def locate(name: str) -> Path:
    """The file a file-schema name refers to; raises :class:`SchemaFileError`."""
    pure = Path(name)
    if pure.is_absolute() or name.startswith(("/", "\\")) or ".." in pure.parts or "\\" in name:
        raise SchemaFileError(
            f"file schema {name!r} must be a plain relative name inside the script's folder or "
            "the schema path; absolute paths and '..' are refused"
        )
    folders: list[Path] = []
    here = current_folder()
    if here is not None:
        folders.append(Path(here).resolve())
    folders += schema_path()
    for folder in folders:
        candidate = (folder / pure).resolve()
        if not candidate.is_relative_to(folder):
            raise SchemaFileError(f"file schema {name!r} resolves outside {folder} (a symlink?); refused")
        if candidate.is_file():
            return candidate
    where = ", ".join(str(f) for f in folders) or "no folder (no script is running and the schema path is empty)"
    raise SchemaFileError(f"file schema {name!r} was not found in {where}")


def load_entry(path: Path, name: str | None = None) -> Callable[..., Any]:
    """The entry function of the schema file at ``path``, importing it if its folder is
    allowed (``name`` is how the script named it, for the refusal)."""
    check_schema_file(path, name or path.name)
    mtime = path.stat().st_mtime
    key = (str(path), mtime)
    with _lock:
        module = _modules.get(key)
        if module is None:
            spec = importlib.util.spec_from_file_location(f"atomtrig_schema_{abs(hash(key)):x}", path)
            if spec is None or spec.loader is None:
                raise SchemaFileError(f"cannot load file schema {path}")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            _modules[key] = module
    entry = getattr(module, ENTRY, None)
    if not callable(entry):
        raise SchemaFileError(f"file schema {path} has no function {ENTRY}(*atoms)")
    return entry  # type: ignore[no-any-return]


def check_allowed(name: str, folder: str | None) -> None:
    """Raise :class:`~atomtrig.query.errors.ProcedureNotAllowedError` unless the schema file
    ``name`` (looked up from ``folder``) may run; :class:`SchemaFileError` if it is not found."""
    with using_folder(folder):
        check_schema_file(locate(name), name)


class FileSchema:
    """The callable a file-schema name resolves to; finds the file when called, so the same name
    means the file next to whichever script is running."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, *atoms: Any) -> Any:
        return load_entry(locate(self.name), self.name)(*atoms)

    def __repr__(self) -> str:
        return f"FileSchema({self.name!r})"


def resolver(name: str, node: Atom) -> Callable[..., Any] | None:
    """The resolver registered with :func:`atomtrig.query.grounded.add_resolver`."""
    if not is_file_schema(name):
        return None
    pure = Path(name)
    if pure.is_absolute() or ".." in pure.parts or name.startswith(("/", "\\")) or "\\" in name:
        from atomtrig.query.errors import GroundedProcedureError

        raise GroundedProcedureError(
            f"{node.short()}: a file schema must be a plain relative name inside the script's "
            "folder or the schema path; absolute paths and '..' are refused"
        )
    return FileSchema(name)


def install() -> None:
    from atomtrig.query.grounded import add_resolver, remove_resolver

    remove_resolver(resolver)
    add_resolver(resolver)
