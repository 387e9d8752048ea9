"""Run a store's queued asynchronous trigger firings: ``atomtrig worker --store LOCATION``.

A worker is a process that only runs other processes' trigger work. It opens the store (never
creating one: a missing store is "no such store", exit 2) and keeps ``--concurrency`` threads
(default 2) claiming firings from the store's durable queue and running them, until SIGINT or
SIGTERM: then it stops claiming, lets the batches it is running finish and commit, closes the
store and exits 0, printing how many firings it ran and how many failed. A second signal ends it
at once (as a kill would: see below). Writers can then open the store with ``workers=0`` and
leave every asynchronous firing to workers; any number of workers may share one store.

What a worker guarantees (see :mod:`atomtrig.storage.workers`):

- **at least once**: a claim is a lease (``--lease`` seconds, renewed while the firings run);
  the firings of a worker that dies are claimed again by another worker once its lease expires;
- **effects once in the store**: a firing's effects, its "done" mark (fenced by the claim's
  token) and its trigger's counters commit in one transaction, so a firing run again after a
  crash commits its effects exactly once (effects outside the store, such as a file written by
  the target, may happen twice);
- **per-trigger order**: one trigger's firings run one at a time, oldest first, across every
  worker of every process;
- **only what it is allowed to run**: a worker claims only firings whose targets its allow-list
  permits (``--allow-module M`` for ``py:M.function`` targets); the others stay queued for a
  worker that may run them. A failing target is retried after a backoff and parked after its
  trigger's ``max_attempts`` (``atomtrig triggers --failed``).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from atomtrig.storage.workers import FiringWorkers

NAME = "worker"
HELP = "run a store's queued asynchronous trigger firings until SIGINT/SIGTERM (--store LOCATION)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--concurrency", type=int, default=2, metavar="N",
                        help="worker threads claiming and running firings (default 2)")
    parser.add_argument("--lease", type=float, default=30.0, metavar="S",
                        help="seconds a claim on firings lasts unrenewed: how soon another "
                        "worker takes over the firings of a worker that died (default 30)")


def pool_of(space: Any) -> FiringWorkers | None:
    """The :class:`~atomtrig.storage.workers.FiringWorkers` pool of an opened space (None if it
    runs none: opened read-only or with ``workers=0``)."""
    from atomtrig.storage.firings import DurableQueue
    from atomtrig.storage.workers import FiringWorkers

    engine = space.find_extension("atomtrig.triggers")
    journal = None if engine is None else engine.journal
    pool = journal.workers if isinstance(journal, DurableQueue) else None
    return pool if isinstance(pool, FiringWorkers) else None


def run(args: argparse.Namespace) -> int:
    from atomtrig.space import AtomSpace
    from atomtrig.storage.errors import StorageError

    location = getattr(args, "store", None)
    if not location:
        print("error: atomtrig worker needs --store LOCATION (the store whose firings to run)",
              file=sys.stderr)
        return 2
    if args.concurrency < 1:
        print("error: --concurrency must be at least 1", file=sys.stderr)
        return 2
    if not args.lease > 0:
        print("error: --lease must be more than 0 seconds", file=sys.stderr)
        return 2
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()
        for s in (signal.SIGINT, signal.SIGTERM):  # a second signal ends the process at once
            signal.signal(s, signal.SIG_DFL)

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        try:
            space = AtomSpace.open(location, create=False, workers=args.concurrency,
                                   lease=args.lease,
                                   synchronous=getattr(args, "synchronous", "NORMAL"))
        except StorageError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        pool = pool_of(space)
        print(f"atomtrig worker: pid {os.getpid()}, {args.concurrency} thread(s) running firings "
              f"of {location} (lease {args.lease:g}s)", flush=True)
        try:
            while not stop.wait(0.5):
                pass
        finally:
            space.close()  # no new claims; the running batches finish and commit
        ran, failed = (pool.ran, pool.failed) if pool is not None else (0, 0)
        print(f"atomtrig worker: stopped; ran {ran} firing(s), {failed} failed", flush=True)
        return 0
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
