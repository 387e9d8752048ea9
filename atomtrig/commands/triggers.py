"""Show every registered trigger of a store with its statistics, as a table.

Columns: the trigger link (shortened), its kind and mode, how often it fired and failed, its
last error, when it last fired (local time) and the mean duration of its target. Scripts given
on the command line run first (so ``atomtrig triggers rules.scm`` shows what they fired);
``--store`` (when the storage layer is installed) reads a persistent store; ``--json`` prints
one JSON object per trigger instead of the table. Without scripts or ``--retry`` it only looks
(the store is opened read-only).

``--failed`` lists the firings that failed every attempt and were parked, with their errors;
``--retry ID`` (repeatable) or ``--retry all`` puts them back in the queue.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

NAME = "triggers"
HELP = "list the triggers of a store with their statistics (fired, failed, last error...)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="*", metavar="FILE", help="Atomese scripts to run first")
    parser.add_argument("--json", action="store_true", help="one JSON object per trigger")
    parser.add_argument("--failed", action="store_true",
                        help="list the firings that failed every attempt (parked), with errors")
    parser.add_argument("--retry", action="append", default=[], metavar="ID|all",
                        help="put a parked firing (or all of them) back in the queue")
    parser.add_argument("--width", type=int, default=48, metavar="N",
                        help="shorten trigger links and errors to N characters in the table (default 48)")


def rows(space: Any) -> list[dict[str, Any]]:
    """One dict per registered trigger: its statistics plus kind and mode."""
    result = []
    for trigger in space.triggers.triggers():
        (snapshot,) = space.trigger_stats(trigger.link)
        data = snapshot.as_dict()
        data["kind"] = trigger.kind
        data["mode"] = trigger.options.mode
        result.append(data)
    return result


def failed_rows(space: Any) -> list[dict[str, Any]]:
    """One dict per parked firing of ``space``'s store: id, trigger link, attempts, error."""
    from atomtrig.core.printer import to_oneline

    store = space.store
    found = []
    for row in store.backend.failed_firings():
        link = store.atom_of(row.trigger)
        found.append({"id": row.id, "trigger": to_oneline(link) if link is not None else
                      f"(removed trigger {row.trigger})", "mode": row.mode,
                      "attempts": row.attempts, "error": row.error})
    return found


def _failed(space: Any, args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    data = failed_rows(space)
    if args.json:
        for row in data:
            print(json.dumps(row))
        return 0
    table = Table(title=f"{len(data)} failed firing(s) (atomtrig triggers --retry ID|all)")
    for name in ("id", "trigger", "attempts", "error"):
        table.add_column(name, overflow="fold")
    for row in data:
        table.add_row(str(row["id"]), _short(row["trigger"], args.width), str(row["attempts"]),
                      row["error"] or "")
    Console().print(table)
    return 0


def _retry(space: Any, wanted: list[str]) -> int:
    ids: list[int] | None = []
    for text in wanted:
        if text == "all":
            ids = None
            break
        try:
            assert ids is not None
            ids.append(int(text))
        except ValueError:
            print(f"error: --retry takes a firing id or 'all', not {text!r}", file=sys.stderr)
            return 2
    count = space.store.backend.retry_firings(ids)
    print(f"{count} firing(s) queued again")
    return 0


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from atomtrig.cli import finish_space, make_space

    if (args.failed or args.retry) and not getattr(args, "store", None):
        print("error: --failed and --retry need --store LOCATION", file=sys.stderr)
        return 2
    space = make_space(args, readonly=not (args.files or args.retry))
    status = 0
    try:
        if args.retry:
            return _retry(space, args.retry)
        if args.failed:
            return _failed(space, args)
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
