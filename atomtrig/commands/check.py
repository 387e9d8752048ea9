"""Parse Atomese files and report syntax errors, without running them."""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "check"
HELP = "check Atomese files for syntax errors without running them"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only errors")


def run(args: argparse.Namespace) -> int:
    from atomtrig.atomese.errors import AtomeseError
    from atomtrig.atomese.reader import read, read_source
    from atomtrig.commands._shared import report

    status = 0
    for name in args.files:
        try:
            forms = read(read_source(name), name)
        except (AtomeseError, OSError) as err:
            report(err)
            status = 1
            continue
        if not args.quiet:
            print(f"{name}: ok, {len(forms)} top-level form{'s' if len(forms) != 1 else ''}")
    return status
