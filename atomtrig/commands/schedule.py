"""Run the ScheduledExecutionLinks of a store durably, or list them (``--list``).

``atomtrig schedule --store kb.db`` runs every schedule in the store until SIGINT/SIGTERM
(exit 0): every period, once, or on a cron expression, checking the condition first, recording
each run in the store. Several runners may share a store; changes made by other processes
(``atomtrig run --store kb.db more.scm``) are picked up. ``--list`` shows each schedule with its
next due time and last outcome. See the guide's "Scheduled rules" page.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from typing import Any

NAME = "schedule"
HELP = "run the store's ScheduledExecutionLinks durably (or --list them)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--list", action="store_true",
                        help="show each schedule with its next due time and last outcome")
    parser.add_argument("--json", action="store_true", help="with --list: one JSON object a line")
    parser.add_argument("--lease", type=float, default=30.0, metavar="S",
                        help="seconds a claimed run is reserved for this runner (default 30)")
    parser.add_argument("--keep-runs", type=int, default=20, metavar="N",
                        help="runs kept in the store per schedule (default 20)")
    parser.add_argument("--poll", type=float, default=1.0, metavar="S",
                        help="longest sleep: how soon schedules added elsewhere are seen (default 1)")
    parser.add_argument("--quiet", action="store_true",
                        help="no line per run in the log (start, stop and failures only)")



def open_store(location: str, *, readonly: bool = False, **settings: Any) -> Any:
    """The store at ``location`` opened for a runner (or, ``readonly``, for ``--list``); a
    location with no store is refused, never created."""
    from atomtrig.space import AtomSpace

    return AtomSpace.open(location, readonly=readonly, create=False, **settings)


def _when(t: float | None, now: float) -> str:
    if t is None:
        return ""
    delta = t - now
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t))
    return f"{stamp} ({'in ' if delta >= 0 else ''}{abs(delta):.1f}s{'' if delta >= 0 else ' ago'})"


def list_rows(space: Any) -> list[dict[str, Any]]:
    """One dict per schedule of ``space``: the link, when, policy, next due, last run, totals."""
    from atomtrig.core.printer import to_oneline
    from atomtrig.triggers.errors import TriggerDefinitionError
    from atomtrig.triggers.scheduler import records, spec_for
    from atomtrig.triggers.scheduler.spec import schedule_id

    state = records.states(space.store)
    rows = []
    for trigger in space.triggers.triggers():
        if trigger.kind != "scheduled":
            continue
        text = to_oneline(trigger.link)
        sid = schedule_id(text)
        st = state.get(sid, {})
        try:
            spec = spec_for(trigger)
            if spec.cron is not None:
                when = f"cron {spec.cron.expression} ({spec.cron.tz})"
            else:
                when = f"every {spec.period * 1000:g} ms" if spec.repeating else \
                    f"once, {spec.period * 1000:g} ms after added"
            policy = f"{spec.policy.mode}, grace {spec.policy.grace:g}s"
            if spec.policy.mode == "all":
                policy += f", max {spec.policy.max_catchup}"
            error = st.get("invalid")
        except TriggerDefinitionError as exc:
            when, policy, error = "", "", str(exc)
        last = st.get("last") or {}
        rows.append({
            "sid": sid, "link": text, "when": when, "policy": policy,
            "next": st.get("next") if st else None, "seen": bool(st),
            "finished": bool(st.get("finished")), "last_outcome": last.get("outcome"),
            "last_due": last.get("due"), "last_error": last.get("error") or error,
            "totals": st.get("totals", {}),
        })
    return rows


def _print_list(rows: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        for row in rows:
            print(json.dumps(row))
        return
    from rich.console import Console
    from rich.table import Table

    now = time.time()
    table = Table(title=f"{len(rows)} schedule(s)")
    for name in ("schedule", "when", "misfire", "next due", "last", "last error", "totals"):
        table.add_column(name, overflow="fold")
    for row in rows:
        if row["finished"]:
            nxt = "finished"
        elif not row["seen"]:
            nxt = "(no runner has seen it yet)"
        else:
            nxt = _when(row["next"], now)
        totals = " ".join(f"{k} {v}" for k, v in row["totals"].items() if v)
        last = row["last_outcome"] or ""
        if row["last_due"] is not None:
            last += f" (due {time.strftime('%H:%M:%S', time.localtime(row['last_due']))})"
        link = row["link"] if len(row["link"]) <= 60 else row["link"][:59] + "…"
        table.add_row(link, row["when"], row["policy"], nxt, last, row["last_error"] or "",
                      totals)
    Console().print(table)


class _Status:
    """A status line on a terminal, JSON log lines otherwise."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self.counts: dict[str, int] = {}
        self.status: Any = None
        self._shown = 0.0

    def __call__(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "run":
            outcome = event["outcome"]
            self.counts[outcome] = self.counts.get(outcome, 0) + event.get("count", 1)
        if self.status is not None:
            now = time.monotonic()
            if now - self._shown > 0.2:
                self._shown = now
                counts = "  ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))
                self.status.update(f"atomtrig schedule: {counts or 'waiting for due runs'}")
            if kind == "run" and event["outcome"] in ("failed", "missed", "interrupted"):
                self.status.console.print(f"{event['outcome']}: {event.get('link')}: "
                                          f"{event.get('error')}")
            return
        if kind == "run" and self.quiet and event["outcome"] in ("done", "skipped"):
            return
        line = {"ts": round(time.time(), 6), **event}
        print(json.dumps(line, default=str), file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from atomtrig.storage.errors import StorageError
    from atomtrig.triggers.scheduler import ScheduleRunner

    location = getattr(args, "store", None)
    if not location:
        print("error: atomtrig schedule needs --store LOCATION (the store whose schedules to run)",
              file=sys.stderr)
        return 2
    settings = {"synchronous": getattr(args, "synchronous", "NORMAL")}
    status = _Status(args.quiet)
    try:
        if args.list:
            space = open_store(location, readonly=True, **settings)
            try:
                rows = list_rows(space)
            finally:
                space.close()
            _print_list(rows, args.json)
            return 0
        runner = ScheduleRunner.open(location, settings=settings, lease=args.lease,
                                     keep_runs=args.keep_runs, poll=args.poll, reporter=status)
    except StorageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    signals = {"count": 0}

    def on_signal(signum: int, frame: Any) -> None:
        signals["count"] += 1
        runner.stop()
        if signals["count"] > 1 and runner.in_run:
            raise KeyboardInterrupt

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    status({"event": "start", "runner": runner.id, "store": str(location)})
    try:
        if status.tty:
            from rich.console import Console

            with Console(stderr=True).status("atomtrig schedule: starting") as line:
                status.status = line
                runner.run_forever()
            status.status = None
        else:
            runner.run_forever()
    except StorageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        runner.close()
    status({"event": "stop", "runner": runner.id, "outcomes": dict(runner.outcomes)})
    return 0
