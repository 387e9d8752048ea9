"""Print the store as Atomese: every atom not inside another one, then its values as
``(cog-set-value! ...)`` forms, so ``atomtrig load`` reads the dump back to the same atoms,
truth values and values.

With files, the dumps (plain atom files, read as by ``atomtrig load``) are loaded first; with
``--run`` scripts are run first. Given only ``--store``, it just looks: the store is opened
read-only (no firing is delivered, no schedule runs, no code the store names is imported).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

NAME = "dump"
HELP = "print the store as Atomese"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="*", metavar="FILE", help="plain atom dumps to load first")
    parser.add_argument("--run", action="append", default=[], metavar="SCRIPT",
                        help="run this script first (repeatable)")
    parser.add_argument("-o", "--output", metavar="PATH", help="write to PATH instead of stdout")


def run(args: argparse.Namespace) -> int:
    from atomtrig.atomese.dump import dump_atomese
    from atomtrig.atomese.errors import AtomeseError
    from atomtrig.atomese.loader import load_atoms
    from atomtrig.atomese.reader import read_source
    from atomtrig.cli import finish_space, make_space
    from atomtrig.commands._shared import report, run_scripts
    from atomtrig.core.errors import AtomtrigError

    space = make_space(args, readonly=not (args.files or args.run))
    try:
        for name in args.files:
            try:
                load_atoms(space, read_source(name), name)
            except (AtomeseError, AtomtrigError, OSError) as err:
                report(err)
                return 1
        if args.run and run_scripts(space, args.run):
            return 1
        text = dump_atomese(space)
        if args.output:
            Path(args.output).write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
    finally:
        finish_space(space)
    return 0
