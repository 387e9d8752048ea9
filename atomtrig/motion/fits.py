"""The fit queue: each trigger's ``fit`` calls run in the background, one at a time, first come
first served; ``wait`` blocks until every queued fit has run and reports failures.

>>> q = FitQueue()
>>> out = []
>>> q.submit("t", lambda: out.append(1))
>>> q.submit("t", lambda: out.append(2))
>>> q.wait(5)
True
>>> out
[1, 2]
>>> q.close()
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from atomtrig.motion.errors import FitError

logger = logging.getLogger("atomtrig.motion")


class FitQueue:
    """Per-trigger FIFO queues of fit jobs drained by a small pool of worker threads (one
    worker at a time per trigger, so a trigger's fits run in order)."""

    def __init__(self, workers: int = 4) -> None:
        self.workers = workers
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._queues: dict[str, deque[Callable[[], None]]] = {}
        self._active: set[str] = set()
        self._outstanding = 0
        self._errors: list[str] = []
        self._pool: ThreadPoolExecutor | None = None
        self._local = threading.local()

    def submit(self, trigger: str, job: Callable[[], None]) -> None:
        """Queue ``job`` behind the earlier fits of ``trigger``."""
        with self._lock:
            self._outstanding += 1
            self._queues.setdefault(trigger, deque()).append(job)
            if trigger in self._active:
                return
            self._active.add(trigger)
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="atomtrig-fit")
            pool = self._pool
        pool.submit(self._drain, trigger)

    def _drain(self, trigger: str) -> None:
        self._local.worker = True
        while True:
            with self._lock:
                queue = self._queues.get(trigger)
                if not queue:
                    self._active.discard(trigger)
                    return
                job = queue.popleft()
            try:
                job()
            except Exception as exc:  # a fit's failure is reported by wait(), never lost
                message = f"{type(exc).__name__}: {exc}"
                logger.error("fit of trigger %s failed: %s", trigger, message)
                with self._lock:
                    self._errors.append(f"{trigger}: {message}")
            finally:
                with self._lock:
                    self._outstanding -= 1
                    if self._outstanding == 0:
                        self._idle.notify_all()

    def pending(self) -> int:
        """How many fits are queued or running."""
        with self._lock:
            return self._outstanding

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every queued fit has run (False if ``timeout`` seconds passed first).
        Fits that failed since the last wait raise :class:`FitError` (listing them)."""
        if getattr(self._local, "worker", False):
            raise FitError("wait_for_fits() was called from inside a fit; it would wait for itself")
        with self._idle:
            done = self._idle.wait_for(lambda: self._outstanding == 0, timeout)
            errors, self._errors = self._errors, []
        if errors:
            raise FitError(f"{len(errors)} fit(s) failed: " + "; ".join(errors))
        return done

    def drop(self, trigger: str) -> int:
        """Forget the queued (not yet running) fits of ``trigger``."""
        with self._lock:
            queue = self._queues.pop(trigger, None)
            n = len(queue) if queue else 0
            self._outstanding -= n
            if self._outstanding == 0:
                self._idle.notify_all()
        return n

    def close(self) -> None:
        """Run what is queued, then stop the workers."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
