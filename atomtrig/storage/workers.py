"""Workers: threads that claim asynchronous trigger firings from a store's queue and run them.

Every process that opens a store with workers (the default; ``AtomSpace.open(..., workers=N)``,
or ``atomtrig worker --concurrency N``) runs a :class:`FiringWorkers` pool. Each thread:

1. claims a batch (:meth:`~atomtrig.storage.base.StorageBackend.claim_firings`): whole runs of a
   trigger's queue, oldest first, under a lease — only of triggers whose targets this process's
   allow-list lets it run;
2. runs them in order, each target in a savepoint of one transaction, and commits that
   transaction with the targets' effects, the firings' "done" marks (fenced by the claim's token)
   and the triggers' counters: all of it or none;
3. on a target that raises, stops that trigger's run: the firings before it commit, the failed
   one is retried after a backoff (``2 ** attempts`` seconds) or parked after the trigger's
   ``max_attempts`` (3), the rest go back to the queue in order.

A worker killed mid-run commits nothing; its lease expires (``lease`` seconds) and another worker
runs the firings again: each firing's effects are committed exactly once. One trigger's firings
run one at a time, in order, across every worker of every process.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from typing import Any

from atomtrig.storage.base import FiringRow
from atomtrig.storage.errors import LeaseLostError, StoreClosedError, TruthValueConflictError
from atomtrig.storage.firings import DurableQueue

log = logging.getLogger("atomtrig.storage")


def worker_id() -> str:
    """A name for this process's claims: host, pid and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class FiringWorkers:
    """A pool of worker threads for one space's durable queue; see the module docstring."""

    def __init__(
        self, queue: DurableQueue, threads: int = 2, *, lease: float = 30.0, batch: int = 32,
        poll: float = 0.2, owner: str | None = None,
    ) -> None:
        self.queue = queue
        self.engine = queue.engine
        self.binding = queue.binding
        self.backend: Any = queue.binding.backend
        self.threads = max(1, int(threads))
        self.lease = lease
        self.batch = max(1, int(batch))
        self.poll = poll
        self.owner = owner or worker_id()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._count_lock = threading.Lock()
        self.ran = 0
        """Firings this pool ran to completion."""
        self.failed = 0
        """Failed attempts (a firing retried later counts once per attempt)."""
        queue.workers = self

    def start(self) -> None:
        for n in range(self.threads):
            thread = threading.Thread(target=self._loop, name=f"atomtrig-worker-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def wake(self) -> None:
        """There is new work (this process just queued some)."""
        self._wake.set()

    def stop(self, wait: bool = True) -> None:
        """No new claims; the running batches finish (``wait``: until they did)."""
        self._stop.set()
        self._wake.set()
        if wait:
            for thread in self._threads:
                if thread is not threading.current_thread():
                    thread.join()
        self._threads = []

    # -- the loop ------------------------------------------------------------------------------
    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                worked = self.work_once()
            except StoreClosedError:
                return
            except Exception as error:  # noqa: BLE001 - a worker must survive a bad moment
                log.warning("a trigger worker failed (retrying): %s", error)
                self._stop.wait(1.0)
                continue
            if not worked:
                self._wake.wait(self.poll)
                self._wake.clear()

    def work_once(self) -> int:
        """Claim one batch and run it; how many firings were claimed."""
        rows = self.backend.claim_firings(
            self.owner, self.batch, self.lease, time.time(), self.queue.can_run)
        if not rows:
            return 0
        groups: list[list[FiringRow]] = []  # whole runs of each trigger's queue, in order
        for row in rows:
            if groups and groups[-1][0].trigger == row.trigger:
                groups[-1].append(row)
            else:
                groups.append([row])
        claim = {"renewed": time.monotonic()}
        for index, group in enumerate(groups):
            if not self._run_group(group, groups[index + 1:], claim):
                # The claim was lost: what it still holds goes back to the queue now rather
                # than when its lease runs out (rows another worker took are not touched).
                for held in groups[index:]:
                    self.backend.release_firings(self.owner, held, time.time(), None, None, 1)
                break
        return len(rows)

    def _renew(self, held: list[list[FiringRow]], claim: dict[str, float]) -> None:
        """Extend the lease of every row this claim still holds (each trigger's run has a token
        of its own), a third of the lease after the last renewal."""
        if time.monotonic() - claim["renewed"] <= self.lease / 3:
            return
        now = time.time()
        for rows in held:
            if not self.backend.extend_lease(self.owner, rows, self.lease, now):
                raise LeaseLostError("the claim expired while its firings ran")
        claim["renewed"] = time.monotonic()

    def _run_group(self, rows: list[FiringRow], later: list[list[FiringRow]],
                   claim: dict[str, float]) -> bool:
        """Run one trigger's claimed firings in order; False if the claim was lost."""
        binding, queue = self.binding, self.queue
        done: list[int] = []
        failure: tuple[int, str] | None = None
        try:
            with binding.transaction():
                for index, row in enumerate(rows):
                    self._renew([rows, *later], claim)
                    try:
                        firing = queue.rebuild(row)
                    except Exception as exc:  # noqa: BLE001 - an unreadable row is recorded
                        failure = (index, f"the firing could not be read: {type(exc).__name__}: {exc}")
                        log.error("firing %s: %s", row.id, failure[1])
                        break
                    if firing is None:  # its trigger is gone: nothing to run
                        binding.finish(row.id, row.token)
                        done.append(row.id)
                        continue
                    started, t0 = time.time(), time.perf_counter()
                    try:
                        with binding.transaction():
                            self.engine.run_claimed(firing)
                    except Exception as exc:  # noqa: BLE001 - a target's failure is recorded
                        message = f"{type(exc).__name__}: {exc}"
                        queue.count_run(firing.trigger.link, time.perf_counter() - t0, message, started)
                        failure = (index, message)
                        log.error("trigger target failed: %s: %s", firing.describe(), message)
                        break
                    queue.count_run(firing.trigger.link, time.perf_counter() - t0, None, started)
                    binding.finish(row.id, row.token)
                    done.append(row.id)
        except LeaseLostError as error:
            log.warning("%s", error)
            return False
        except TruthValueConflictError:
            # Another process revised a truth value these targets revised: nothing was
            # committed. The firings go back to the queue (no attempt counted) and run again on
            # the fresh value.
            self.backend.release_firings(self.owner, rows, time.time(), None, None, 1)
            binding.sync()
            return True
        with self._count_lock:
            self.ran += len(done)
            self.failed += failure is not None
        queue.finished(done)
        if failure is not None:
            index, message = failure
            attempts = queue.max_attempts(rows[index].trigger)
            self.backend.release_firings(
                self.owner, rows[index:], time.time(), 2.0 ** rows[index].attempts, message, attempts)
            if rows[index].attempts + 1 >= attempts:
                queue.finished([rows[index].id])
        return True
