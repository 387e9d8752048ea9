"""Show every registered trigger of a store with its statistics, as a table.

Columns: the trigger link (shortened), its kind and mode, how often it fired and failed, its
last error, when it last fired (local time) and the mean duration of its target. Scripts given
on the command line run first (so ``atomtrig triggers rules.scm`` shows what they fired);
``--store`` (when the storage layer is installed) reads a persistent store; ``--json`` prints
one JSON object per trigger instead of the table.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

NAME = "triggers"
HELP = "list the triggers of a store with their statistics (fired, failed, last error...)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="*", metavar="FILE", help="Atomese scripts to run first")
    parser.add_argument("--json", action="store_true", help="one JSON object per trigger")
    parser.add_argument("--width", type=int, default=48, metavar="N",
                        help="shorten trigger links and errors to N characters in the table (default 48)")


def rows(space: Any) -> list[dict[str, Any]]:
    """One dict per registered trigger: its statistics plus kind and mode."""
    result = []
    for trigger in space.triggers.triggers():
        data = trigger.stats.snapshot().as_dict()
        data["kind"] = trigger.kind
        data["mode"] = trigger.options.mode
        result.append(data)
    return result


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from atomtrig.cli import finish_space, make_space

    space = make_space(args)
    status = 0
    try:
        if args.files:
            from atomtrig.commands._shared import run_scripts

            status = run_scripts(space, args.files)
        space.wait_for_triggers()
        data = rows(space)
    finally:
        finish_space(space)
    if args.json:
        for row in data:
            print(json.dumps(row))
        return status
    table = Table(title=f"{len(data)} trigger(s)")
    table.add_column("trigger", overflow="fold")
    table.add_column("kind")
    table.add_column("mode")
    table.add_column("fired", justify="right")
    table.add_column("failed", justify="right")
    table.add_column("last error", overflow="fold")
    table.add_column("last fired")
    table.add_column("mean ms", justify="right")
    for row in data:
        last = row["last_fired"]
        table.add_row(
            _short(row["trigger"], args.width), row["kind"], row["mode"], str(row["fired"]),
            str(row["failed"]), _short(row["last_error"] or "", args.width),
            time.strftime("%m-%d %H:%M:%S", time.localtime(last)) if last else "",
            f"{row['mean_duration'] * 1000:.3f}" if row["fired"] else "",
        )
    Console().print(table)
    return status
