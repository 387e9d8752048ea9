"""Run Atomese scripts, in order, on one AtomSpace.

A syntax error anywhere in a script stops it before it runs; a runtime error stops it at the
failing expression (named, with its file:line:column). Either way the exit status is 1 and what
ran before the error stays in the store.
"""

from __future__ import annotations

import argparse

from atomtrig.commands._shared import add_limit_arguments

NAME = "run"
HELP = "run Atomese scripts"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="Atomese (.scm) scripts")
    add_limit_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from atomtrig.cli import finish_space, make_space
    from atomtrig.commands._shared import apply_limits, run_scripts

    space = make_space(args)
    apply_limits(space, args)
    try:
        status = run_scripts(space, args.files)
    finally:
        finish_space(space)
    return status
