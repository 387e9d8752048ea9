"""Grounded targets the worker-process tests run (``py:worker_targets.NAME``), in
``atomtrig worker --allow-module worker_targets`` processes (``tests/`` on their PYTHONPATH)."""

from __future__ import annotations

import os
import time
from typing import Any

import atomtrig


def count(*atoms: Any) -> None:
    """Count its runs per event on a node, in the space (``ran:NAME``, value ``runs``: a second
    committed run shows as 2). ``$WORKER_TARGET_LOG``: append ``pid NAME`` to that file as each
    run starts (outside the store: runs that did not commit show there too);
    ``$WORKER_TARGET_DELAY``: sleep that many seconds in each run."""
    space = atomtrig.current_atomspace()
    links = [a for a in atoms if a is not None and a.is_link()]
    name = links[0].out[0].name if links else atoms[0].name
    log = os.environ.get("WORKER_TARGET_LOG")
    if log:
        with open(log, "a") as handle:
            handle.write(f"{os.getpid()} {name}\n")
    delay = float(os.environ.get("WORKER_TARGET_DELAY", "0"))
    if delay:
        time.sleep(delay)
    counter = space.add_node("Concept", f"ran:{name}")
    old = counter.get_value("runs")
    space.set_value(counter, "runs", [1 + (old[0] if old is not None else 0)])


def tally(*atoms: Any) -> None:
    """Revise ``(Concept "tally")``'s count by one observation (``AtomSpace.revise_tv``): every
    run, in whichever process, must count."""
    space = atomtrig.current_atomspace()
    node = space.add_node("Concept", "tally")
    space.revise_tv(node, lambda tv: atomtrig.ctv(1.0, 0.5, getattr(tv, "count", 0.0) + 1))
