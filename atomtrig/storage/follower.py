"""Following the change feed: what other processes commit to a shared store reaches this
process's atoms within a second, by itself, and at once after ``space.sync()``.

A :class:`Follower` thread asks the backend for the feed rows after its cursor
(:meth:`~atomtrig.storage.base.StorageBackend.changes_since`), applies them to the space without
change events (:meth:`~atomtrig.storage.binding.StoreBinding.apply_remote`), and sleeps until the
backend says something may be new (PostgreSQL's LISTEN/NOTIFY, a wake-up hint only) or
``interval`` seconds pass. A process that fell behind what the feed keeps reloads. Now and then
it prunes feed rows older than the retention time.

>>> Follower.__name__
'Follower'
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from atomtrig.storage.binding import StoreBinding

log = logging.getLogger("atomtrig.storage")

PRUNE_EVERY = 60.0


class Follower:
    """Keeps one space current with a shared store; see the module docstring."""

    def __init__(self, binding: StoreBinding, interval: float = 0.2) -> None:
        self.binding = binding
        self.backend: Any = binding.backend
        self.interval = interval
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pruned = time.monotonic()
        self.applied = 0
        """How many changes of other processes this process has applied."""
        self.on_wake: list[Any] = []
        """Called (no arguments) each time the store said something may be new: the worker
        pool listens, so a firing queued elsewhere is claimed at once (PostgreSQL's NOTIFY)
        rather than at its next poll."""
        binding.follower = self

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="atomtrig-follower", daemon=True)
            self._thread.start()

    def sync(self) -> int:
        """Apply every change committed so far; how many."""
        count = 0
        with self._lock:
            while True:
                changes, cursor = self.backend.changes_since(self.binding.cursor)
                if changes and not self.binding.apply_remote(changes):
                    self.binding.reload()
                    return count
                self.binding.cursor = cursor
                count += len(changes)
                if not changes:
                    self.binding.caught_up()
                    break
        self.applied += count
        return count

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.sync()
                if time.monotonic() - self._pruned > PRUNE_EVERY:
                    self._pruned = time.monotonic()
                    prune = getattr(self.backend, "prune_feed", None)
                    if prune is not None:
                        prune()
            except Exception as error:  # noqa: BLE001 - a follower must not die of one bad poll
                if self._stop.is_set():
                    return
                log.warning("following the store's change feed failed (retrying): %s", error)
                self._stop.wait(1.0)
                continue
            self.backend.wait_for_changes(self.interval, self._stop)
            for wake in self.on_wake:
                wake()

    def stop(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        self._thread = None
