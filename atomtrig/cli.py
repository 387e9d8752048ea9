"""The ``atomtrig`` command.

Subcommands live in :mod:`atomtrig.commands`, one module each, found at start-up: a layer adds a
subcommand by adding a module there (see that package's docstring for the protocol). Options
every subcommand takes (``--allow-module``, and whatever layers add with
``add_common_arguments``) go after the subcommand's name::

    atomtrig run --allow-module mymodule script.scm
    atomtrig check script.scm
    atomtrig repl

>>> build_parser().parse_args(["check", "a.scm"]).command
'check'
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

__all__ = ["build_parser", "command_modules", "finish_space", "main", "make_space"]


def command_modules() -> list[ModuleType]:
    """Every module of :mod:`atomtrig.commands` that defines a subcommand, by name."""
    import atomtrig.commands as package

    modules = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        if hasattr(module, "NAME") and hasattr(module, "run"):
            modules.append(module)
    return modules


def _common_parser(modules: Sequence[ModuleType]) -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--allow-module",
        action="append",
        default=[],
        metavar="NAME",
        help="let GroundedSchemaNodes call py:NAME.function (repeatable); see atomtrig.allow_module",
    )
    for module in modules:
        hook = getattr(module, "add_common_arguments", None)
        if hook is not None:
            hook(common)
    return common


def build_parser(modules: Sequence[ModuleType] | None = None) -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    modules = command_modules() if modules is None else modules
    parser = argparse.ArgumentParser(
        prog="atomtrig",
        description="A hypergraph knowledge store whose atoms can react. Run Atomese scripts, "
        "load and dump atoms.",
    )
    common = _common_parser(modules)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in modules:
        p = sub.add_parser(
            module.NAME,
            parents=[common],
            help=getattr(module, "HELP", None),
            description=(module.__doc__ or "").strip().split("\n\n")[0] or None,
        )
        module.configure(p)
        p.set_defaults(_module=module)
    return parser


def make_space(args: argparse.Namespace) -> Any:
    """The AtomSpace a command works on: the first ``open_space(args)`` hook of a command module
    that returns one (e.g. ``--store`` of the storage layer), else a new in-memory space."""
    for module in command_modules():
        hook = getattr(module, "open_space", None)
        if hook is not None:
            space = hook(args)
            if space is not None:
                space._cli_opened = True
                return space
    from atomtrig import AtomSpace

    return AtomSpace()


def finish_space(space: Any) -> None:
    """Let queued asynchronous trigger work finish; close a space a hook opened."""
    wait = getattr(space, "wait_for_triggers", None)
    if wait is not None:
        wait()
    if getattr(space, "_cli_opened", False):
        space.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``atomtrig`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.allow_module:
        from atomtrig import allow_module

        for name in args.allow_module:
            allow_module(name)
    try:
        return int(args._module.run(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `atomtrig dump | head`
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
