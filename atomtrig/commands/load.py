"""Bulk-load plain atom dumps (atoms, truth values, values; no Scheme code) with a progress bar.

The atoms go straight from the parser into the store, with no evaluation; a file with Scheme
code in it (``define``...) is refused with the place of the first such form: run it instead.
"""

from __future__ import annotations

import argparse
import sys
import time
from contextlib import nullcontext
from pathlib import Path

NAME = "load"
HELP = "bulk-load plain atom dumps (no evaluation) with a progress bar"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "--dump", action="store_true", help="print the store as Atomese after loading"
    )


def run(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from atomtrig.atomese.dump import dump_atomese
    from atomtrig.atomese.errors import AtomeseError
    from atomtrig.atomese.loader import load_atoms
    from atomtrig.atomese.reader import read_source
    from atomtrig.cli import finish_space, make_space
    from atomtrig.commands._shared import report
    from atomtrig.core.errors import AtomtrigError

    space = make_space(args)
    status = 0
    show = not args.no_progress and sys.stderr.isatty()
    try:
        for name in args.files:
            try:
                text = read_source(name)
            except (AtomeseError, OSError) as err:
                report(err)
                status = 1
                break
            before = len(space)
            start = time.perf_counter()
            with Progress(
                TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                TimeRemainingColumn(), disable=not show, transient=True,
            ) as progress:
                task = progress.add_task(f"loading {name}", total=len(text) or 1)
                # Into a store (--store): one transaction per file, so a file loads fast (one
                # commit) and all or nothing.
                grouped = space.transaction() if space.store is not None else nullcontext()
                try:
                    with grouped:
                        load_atoms(space, text, name, lambda pos: progress.update(task, completed=pos))
                except (AtomeseError, AtomtrigError) as err:
                    report(err)
                    status = 1
                    break
                progress.update(task, completed=len(text))
            seconds = time.perf_counter() - start
            added = len(space) - before
            rate = f", {added / seconds:,.0f} atoms/s" if seconds > 0 and added else ""
            print(f"{name}: {added:,} atoms loaded in {seconds:.2f} s{rate}", file=sys.stderr)
        if args.dump and status == 0:
            sys.stdout.write(dump_atomese(space))
    finally:
        finish_space(space)
    return status
