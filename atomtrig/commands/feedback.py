"""The ``atomtrig feedback`` command: ``serve``, ``leaderboard``, ``records``.

``serve --store PATH`` is the deferred feedback server: it evaluates the feedbacks queued in
the store (importing their implementations by name; the current directory is importable),
retrying results stuck running after 60 s and failed ones after 300 s. It keeps the store open
beside the applications that record into it, picking up what they commit each round;
``--once`` does one round and exits. ``leaderboard`` prints the mean score per app and
feedback; ``records`` the results per record (both open the store read-only).

``python -m atomtrig.feedback ...`` runs the same command.

>>> from atomtrig.cli import build_parser
>>> args = build_parser().parse_args(["feedback", "serve", "--store", "kb.db", "--once"])
>>> args.feedback_command, args.store, args.once, args.poll
('serve', 'kb.db', True, 1.0)
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from atomtrig.core.errors import AtomtrigError

__all__ = ["NAME", "HELP", "configure", "run"]

NAME = "feedback"
HELP = "deferred feedback server (serve), leaderboard and per-record feedback results"


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="feedback_command", metavar="COMMAND", required=True)
    serve = sub.add_parser("serve", help="evaluate deferred feedbacks queued in a store")
    serve.add_argument("--store", default=argparse.SUPPRESS, help="the store's path")
    serve.add_argument("--poll", type=float, default=1.0, help="seconds between rounds (1)")
    serve.add_argument("--once", action="store_true", help="do one round of work and exit")
    serve.add_argument("--running-timeout", type=float, default=60.0,
                       help="re-run results still running after this many seconds (60)")
    serve.add_argument("--failed-retry", type=float, default=300.0,
                       help="retry failed results after this many seconds (300)")
    board = sub.add_parser("leaderboard", help="mean scores per app and feedback")
    board.add_argument("--store", default=argparse.SUPPRESS, help="the store's path")
    board.add_argument("--app", default=None, help="only this app")
    recs = sub.add_parser("records", help="each record's feedback results")
    recs.add_argument("--store", default=argparse.SUPPRESS, help="the store's path")
    recs.add_argument("--app", default=None, help="only this app")
    recs.add_argument("--limit", type=int, default=50, help="the most recent N records (50)")






def run(args: argparse.Namespace) -> int:
    """Carry out parsed ``feedback`` arguments."""
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    console = Console(width=None if sys.stdout.isatty() else 200, highlight=False)
    handlers = {"serve": _serve, "leaderboard": _leaderboard, "records": _records}
    if not getattr(args, "store", None):
        print(f"error: atomtrig feedback {args.feedback_command} needs --store PATH", file=sys.stderr)
        return 2
    try:
        handlers[args.feedback_command](args, console)
    except AtomtrigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def _open(location: str, readonly: bool = False) -> Any:
    """The store at ``location`` (never created here: a typo is "no such store")."""
    from atomtrig.space import AtomSpace

    return AtomSpace.open(location, readonly=readonly, create=False)


def _serve(args: argparse.Namespace, console: Console) -> None:
    from atomtrig.feedback.deferred import DeferredEvaluator

    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
    space = _open(args.store)
    try:
        server = DeferredEvaluator(space, running_timeout=args.running_timeout, failed_retry=args.failed_retry)
        while not stop.is_set():
            space.sync()  # what other processes recorded since the last round
            while not stop.is_set() and server.run_once():
                stats = server.last_stats
                console.print(
                    f"{time.strftime('%H:%M:%S')} evaluated {stats.evaluated}: {stats.done} done, "
                    f"{stats.skipped} skipped, {stats.failed} failed; {stats.waiting} waiting to retry"
                )
                for error in stats.errors:
                    console.print(f"  {error}")
            if args.once:
                return
            stop.wait(args.poll)
    finally:
        space.close()


def _score(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.4g}"


def _leaderboard(args: argparse.Namespace, console: Console) -> None:
    from atomtrig.feedback.store import leaderboard

    space = _open(args.store, readonly=True)
    try:
        rows = leaderboard(space, args.app)
    finally:
        space.close()
    table = Table(title="Feedback leaderboard")
    for column in ("app", "feedback", "mean", "records", "better"):
        table.add_column(column, justify="right" if column in ("mean", "records") else "left")
    for row in rows:
        table.add_row(row.app_id, row.feedback, _score(row.mean), str(row.count), "higher" if row.higher_is_better else "lower")
    console.print(table)


def _records(args: argparse.Namespace, console: Console) -> None:
    from atomtrig.feedback.store import record_atoms, record_document, results

    space = _open(args.store, readonly=True)
    try:
        atoms = record_atoms(space, args.app)[-args.limit :] if args.limit > 0 else []
        rows = []
        names: dict[str, None] = {}
        for atom in atoms:
            found = results(space, atom)
            names.update(dict.fromkeys(found))
            rows.append((record_document(atom), found))
    finally:
        space.close()
    table = Table(title="Records")
    for column in ("record", "app", "input", "output", *names):
        table.add_column(column, overflow="fold")
    for document, found in rows:
        cells = []
        for name in names:
            result = found.get(name)
            if result is None:
                cells.append("")
            elif result.status.value == "done":
                cells.append(_score(result.result) if result.multi_result is None else
                             ", ".join(f"{k}={_score(v)}" for k, v in result.multi_result.items()))
            else:
                cells.append(result.status.value)
        table.add_row(document["record_id"], document["app_id"], _clip(document.get("main_input")),
                      _clip(document.get("main_output")), *cells)
    console.print(table)


def _clip(value: Any, width: int = 40) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"
