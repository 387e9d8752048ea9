"""What several subcommands share: running scripts and reporting Atomese errors."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from atomtrig.atomese.errors import AtomeseError
from atomtrig.core.errors import AtomtrigError


def report(error: BaseException, stream: TextIO | None = None) -> None:
    """Print an error for a user: the located message, no Python traceback."""
    stream = stream or sys.stderr
    if isinstance(error, (AtomeseError, AtomtrigError)):
        print(str(error), file=stream)
    elif isinstance(error, OSError):
        print(f"error: {error.strerror or error}: {getattr(error, 'filename', '') or ''}", file=stream)
    else:
        print(f"error: {type(error).__name__}: {error}", file=stream)


@contextmanager
def script_folder_on_path(path: str | Path) -> Iterator[None]:
    """While a script runs, its folder is on the module path (as with ``python script.py``),
    so ``py:module.function`` can name a module next to it once it is allowed."""
    folder = str(Path(path).resolve().parent)
    added = folder not in sys.path
    if added:
        sys.path.insert(0, folder)
    try:
        yield
    finally:
        if added and folder in sys.path:
            sys.path.remove(folder)


def run_scripts(space: Any, paths: list[str], stream: TextIO | None = None) -> int:
    """Run scripts in order on ``space``; stop at the first error (reported) with status 1.
    What the scripts added before the error stays in the space."""
    from atomtrig.atomese import interpreter_for

    interp = interpreter_for(space)
    for path in paths:
        try:
            with script_folder_on_path(path):
                interp.run_file(path)
        except (AtomeseError, AtomtrigError, OSError) as err:
            sys.stdout.flush()
            report(err, stream)
            return 1
        finally:
            sys.stdout.flush()
    return 0
