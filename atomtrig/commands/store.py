"""Show what a store holds and how it is kept: format version, atoms by type, guarantees,
the trigger queue; ``--check`` also runs the backend's integrity check. It only looks: the
store is opened read-only (nothing runs, nothing is written, a missing store is not created).

This module also gives every ``atomtrig`` command its ``--store LOCATION`` option (a path to
the embedded SQLite store, ``sqlite:///path`` or ``postgresql://user@host:port/db``): with it,
the command works on the AtomSpace kept there instead of a new in-memory one. Commands that
write create a missing SQLite store; commands that only look refuse it ("no such store").
``--synchronous`` picks SQLite's durability level (``NORMAL``, the default, survives a crash of
the process; ``FULL`` also a power cut). See the guide's "Persistence" page.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

NAME = "store"
HELP = "show a store's format, contents and settings (--store LOCATION)"


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store", metavar="LOCATION",
        help="work on the AtomSpace kept here: a file path (SQLite, created by commands that "
        "write), sqlite:///path or postgresql://user@host:port/db",
    )
    parser.add_argument(
        "--synchronous", default="NORMAL", choices=["OFF", "NORMAL", "FULL", "EXTRA"],
        type=str.upper, help="SQLite durability level for --store (default NORMAL)",
    )


def open_space(args: argparse.Namespace, readonly: bool = False) -> Any:
    """The AtomSpace of ``--store``, or None (no store given); ``readonly`` for commands that
    only look (they never create a store, deliver a firing or run a schedule)."""
    location = getattr(args, "store", None)
    if not location:
        return None
    from atomtrig.space import AtomSpace
    from atomtrig.storage.errors import StorageError

    try:
        return AtomSpace.open(
            location, readonly=readonly, create=not readonly,
            synchronous=getattr(args, "synchronous", "NORMAL"),
        )
    except StorageError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--check", action="store_true",
                        help="also run the backend's integrity check (SQLite: integrity_check)")


def run(args: argparse.Namespace) -> int:
    from atomtrig.cli import finish_space, make_space

    if not getattr(args, "store", None):
        print("error: atomtrig store needs --store LOCATION", file=sys.stderr)
        return 2
    space = make_space(args, readonly=True)
    try:
        backend = space.store.backend
        info = backend.describe()
        settings = ", ".join(f"{k} {info[k]}" for k in ("journal_mode", "synchronous") if k in info)
        print(f"store       {info.get('location')}")
        print(f"backend     {info.get('backend')} (format version {info.get('format_version')}"
              f"{', ' + settings if settings else ''})")
        print(f"guarantees  transactional={backend.transactional} durable={backend.durable} "
              f"durable_triggers={backend.durable_triggers} multi_process={backend.multi_process}")
        print(f"atoms       {len(space):,}")
        counts: dict[str, int] = {}
        for atom in space:
            counts[atom.type.name] = counts.get(atom.type.name, 0) + 1
        for name, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"  {name:26s} {count:,}")
        depth = backend.queue_depth()
        print(f"trigger queue  {depth['queued']} queued, {depth['held']} held by a worker, "
              f"{depth['parked']} failed (atomtrig triggers --failed)")
        if args.check:
            verdict = backend.check()
            print(f"integrity   {verdict}")
            if verdict != "ok":
                return 1
    finally:
        finish_space(space)
    return 0
