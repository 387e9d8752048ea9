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
        help="let code that scripts and stores name in module NAME run: py:NAME.function "
        "grounded procedures, stored feedbacks, logged pipelines (repeatable); see docs/security.md",
    )
    common.add_argument(
        "--allow-schemas",
        action="append",
        default=[],
        metavar="DIR",
        help="let .py schema files in folder DIR run, e.g. (GroundedSchemaNode \"x.py\") "
        "beside a script (repeatable)",
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
        _share_options(p, common)
        p.set_defaults(_module=module)
    return parser


def _share_options(parser: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    """Let the common options also follow a nested subcommand's name (``atomtrig feedback serve
    --allow-module m``); left out there, they keep the value given before it."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for nested in action.choices.values():
                for option in common._actions:
                    if option.option_strings and not any(
                        s in nested._option_string_actions for s in option.option_strings
                    ):
                        nested._add_action(_suppressed_copy(option))
                _share_options(nested, common)


def _suppressed_copy(option: argparse.Action) -> argparse.Action:
    import copy

    twin = copy.copy(option)
    twin.default = argparse.SUPPRESS
    twin.dest = option.dest + _AFTER
    return twin


_AFTER = "__after_subcommand"


def _merge_shared_options(args: argparse.Namespace) -> None:
    """Fold the values of common options given after a nested subcommand into the ones given
    before it (lists are joined, anything else is replaced)."""
    for key in [k for k in vars(args) if k.endswith(_AFTER)]:
        value = vars(args).pop(key)
        dest = key[: -len(_AFTER)]
        before = getattr(args, dest, None)
        setattr(args, dest, before + value if isinstance(before, list) else value)


_OPENED = "atomtrig.cli.opened"
"""The extension slot marking a space the command line opened (and so closes)."""


def make_space(args: argparse.Namespace, readonly: bool = False) -> Any:
    """The AtomSpace a command works on: the first ``open_space(args, readonly)`` hook of a
    command module that returns one (``--store``), else a new in-memory space. ``readonly``:
    the command only looks (nothing is written, delivered, scheduled or imported)."""
    for module in command_modules():
        hook = getattr(module, "open_space", None)
        if hook is not None:
            space = hook(args, readonly)
            if space is not None:
                space.extension(_OPENED, lambda: True)
                return space
    from atomtrig import AtomSpace

    return AtomSpace()


def finish_space(space: Any) -> None:
    """Let queued asynchronous trigger work finish; close a space a hook opened."""
    store = space.store
    if store is None or not getattr(store, "readonly", False):
        space.wait_for_triggers()
    if space.has_extension(_OPENED):
        space.close()


def _apply_allow_list(args: argparse.Namespace) -> None:
    from atomtrig import allow_module, allow_schemas

    for name in args.allow_module:
        allow_module(name)
    for folder in args.allow_schemas:
        allow_schemas(folder)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``atomtrig`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _merge_shared_options(args)
    args.command_line = list(sys.argv[1:] if argv is None else argv)
    from atomtrig.core.errors import AtomtrigError

    try:
        _apply_allow_list(args)
    except AtomtrigError as error:
        parser.error(str(error))
    try:
        return int(args._module.run(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `atomtrig dump | head`
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
