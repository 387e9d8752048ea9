"""Show what a store holds and how it is kept: format version, atoms by type, durability
settings, pending trigger firings; ``--check`` also runs SQLite's integrity check.

This module also gives every ``atomtrig`` command its ``--store PATH`` option: with it, the
command works on the AtomSpace kept in that SQLite file (created if missing; changes are
written through and committed) instead of a new in-memory one. ``--synchronous`` picks the
durability level (``NORMAL``, the default, survives a crash of the process; ``FULL`` also a
power cut). See the README's "Persistence" section.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

NAME = "store"
HELP = "show a store's format, contents and settings (--store PATH)"


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store", metavar="PATH",
        help="work on the AtomSpace kept in this SQLite file (created if missing)",
    )
    parser.add_argument(
        "--synchronous", default="NORMAL", choices=["OFF", "NORMAL", "FULL", "EXTRA"],
        type=str.upper, help="SQLite durability level for --store (default NORMAL)",
    )
    parser.add_argument(
        "--wait", metavar="SECONDS", type=float, default=10.0,
        help="how long to wait while another process (e.g. atomtrig schedule) holds the "
        "store (default 10)",
    )


def open_space(args: argparse.Namespace) -> Any:
    """The AtomSpace of ``--store``, or None (no store given)."""
    path = getattr(args, "store", None)
    if not path:
        return None
    from atomtrig.space import AtomSpace
    from atomtrig.storage.errors import StorageError

    try:
        return AtomSpace.open(
            path,
            synchronous=getattr(args, "synchronous", "NORMAL"),
            wait=getattr(args, "wait", 10.0),
        )
    except StorageError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--check", action="store_true",
                        help="also run SQLite's integrity check on the file")


def run(args: argparse.Namespace) -> int:
    from atomtrig.cli import finish_space, make_space

    if not getattr(args, "store", None):
        print("error: atomtrig store needs --store PATH", file=sys.stderr)
        return 2
    space = make_space(args)
    try:
        binding = space._store
        backend = binding.backend
        info = backend.describe()
        print(f"store       {info.get('path')}")
        print(f"backend     {info.get('backend')} (format version {info.get('format_version')}, "
              f"journal {info.get('journal_mode')}, synchronous {info.get('synchronous')})")
        print(f"guarantees  transactional={backend.transactional} durable={backend.durable} "
              f"durable_triggers={backend.durable_triggers} multi_process={backend.multi_process}")
        print(f"atoms       {len(space):,}")
        counts: dict[str, int] = {}
        for atom in space:
            counts[atom.type.name] = counts.get(atom.type.name, 0) + 1
        for name, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"  {name:26s} {count:,}")
        from atomtrig.storage.journal import FIRINGS

        print(f"pending trigger firings  {len(binding.read_state(FIRINGS))}")
        if args.check:
            verdict = backend.integrity_check()
            print(f"integrity   {verdict}")
            if verdict != "ok":
                return 1
    finally:
        finish_space(space)
    return 0
