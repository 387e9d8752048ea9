"""What several subcommands share: running scripts and reporting Atomese errors."""

from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from atomtrig.atomese.errors import AtomeseError
from atomtrig.core.errors import AtomtrigError


def _positive(kind: type) -> Any:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, not {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"expected a number > 0, not {text!r}")
        return value

    return parse


def add_limit_arguments(parser: argparse.ArgumentParser) -> None:
    """``--max-steps``, ``--timeout`` and ``--max-nesting`` (see :mod:`atomtrig.atomese.limits`)."""
    group = parser.add_argument_group("evaluation limits")
    group.add_argument("--max-steps", type=_positive(int), metavar="N",
                       help="stop a script after N evaluation steps (default: no limit)")
    group.add_argument("--timeout", type=_positive(float), metavar="SECONDS",
                       help="stop a script after SECONDS (default: no limit)")
    group.add_argument("--max-nesting", type=_positive(int), metavar="N",
                       help="refuse text nested deeper than N levels (default: 1000)")


def apply_limits(space: Any, args: argparse.Namespace) -> None:
    """Give ``space``'s interpreter the limits the command line set."""
    from atomtrig.atomese import interpreter_for

    interp = interpreter_for(space)
    interp.limits = interp.limits.but(
        max_steps=args.max_steps, timeout=args.timeout, max_nesting=args.max_nesting
    )


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
