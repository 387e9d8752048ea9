"""An interactive Atomese prompt: line editing and history, multi-line input (continues while
parentheses are open), each result printed. Scripts given as arguments run first."""

from __future__ import annotations

import argparse

from atomtrig.commands._shared import add_limit_arguments
import sys

NAME = "repl"
HELP = "interactive Atomese prompt with line editing and history"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="*", metavar="FILE", help="scripts to run first")
    add_limit_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from atomtrig.atomese import interpreter_for
    from atomtrig.atomese.repl import repl_loop, terminal_reader
    from atomtrig.cli import finish_space, make_space
    from atomtrig.commands._shared import apply_limits, run_scripts

    space = make_space(args)
    apply_limits(space, args)
    try:
        if args.files and run_scripts(space, args.files):
            return 1

        def write(text: str) -> None:
            sys.stdout.write(text)
            sys.stdout.flush()

        repl_loop(interpreter_for(space), terminal_reader(), write)
    finally:
        finish_space(space)
    return 0
