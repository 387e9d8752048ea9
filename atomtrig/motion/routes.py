"""Routes as trigger links, and what runs when one fires.

A route ``Route(relation="query", key="prompt", ...)`` of the trigger ``QAChatbot`` is the
atom

    (ValueTriggerLink (TypeNode "MotionQueryRecordNode") (PredicateNode "prompt")
      (ExecutionOutputLink (GroundedSchemaNode "py:motion-route:QAChatbot")))

a value trigger on every record of the relation's type: setting ``prompt`` on any record fires
it, and its target calls the route's ``infer`` and then queues its ``fit``. Removing the link
removes the route. ``py:motion-route:NAME`` resolves (for every NAME) to :func:`run_route`,
which finds the store by the record's AtomSpace and the route by the firing's link.

**Once per set.** ``cursor.set`` writes all its keys first and only then runs the routes they
fired: while it writes, a firing of a route is only noted (``local.pending``), so an ``infer``
sees the whole record, and each route runs once per ``set`` per record. A value set outside a
cursor (the AtomSpace API, Atomese) runs the route at once.

**Cycles.** Each thread carries the chain of (route, record) pairs whose ``infer`` led to the
current one (a ``fit`` carries the chain of the ``infer`` that queued it). A route that would run
again on a record already in its chain, or a chain deeper than the engine's ``max_depth``,
raises :class:`~atomtrig.motion.errors.MotionCycleError` from the ``set`` that started it.

>>> route_schema_name("QAChatbot")
'py:motion-route:QAChatbot'
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from atomtrig.motion.errors import MotionCycleError, MotionTriggerError
from atomtrig.query.grounded import add_resolver, remove_resolver
from atomtrig.triggers.runner import current_firing

if TYPE_CHECKING:
    from atomtrig.core.atom import Atom, Link
    from atomtrig.motion.store import Store

PREFIX = "motion-route:"


def route_schema_name(trigger_name: str) -> str:
    """The GroundedSchemaNode name of a trigger's route targets."""
    return "py:" + PREFIX + trigger_name


class _Local(threading.local):
    pending: list[tuple[Link, Atom, Atom]] | None = None
    suppress = False
    chain: tuple[tuple[Link, Atom], ...] = ()


local = _Local()


@contextmanager
def suppressed() -> Iterator[None]:
    """Route firings in this thread do nothing while the block runs (``duplicate`` copies a
    record's values without firing its routes)."""
    previous = local.suppress
    local.suppress = True
    try:
        yield
    finally:
        local.suppress = previous


def run_route(record: Atom, key: Atom) -> Atom:
    """The target of every route link (see the module docstring)."""
    if local.suppress:
        return record
    firing = current_firing()
    if firing is None:
        raise MotionTriggerError("a Motion route target ran outside a trigger firing")
    link = firing.trigger.link
    pending = local.pending
    if pending is not None:
        pending.append((link, record, key))
        return record
    store = store_of(record)
    store._run_routes([(link, record, key)])
    return record


def store_of(atom: Atom) -> Store:
    from atomtrig.motion.store import stores

    space = atom._space
    store = stores.get(space) if space is not None else None
    if store is None:
        raise MotionTriggerError(f"{atom.short()} is not in the AtomSpace of an open Motion store")
    return store


def check_step(chain: tuple[tuple[Link, Atom], ...], link: Link, record: Atom, max_depth: int,
               describe: object) -> None:
    """Refuse to run a route again on a record already in this thread's chain (a loop), or
    past the depth limit."""
    if any(l is link and r is record for l, r in chain):
        raise MotionCycleError(
            f"cycle: {describe} would run again on a record it already ran on earlier in the "
            f"same chain of triggers ({len(chain)} step(s) deep); a route must not (directly or "
            "through other routes) set the key that fires it on the same record")
    if len(chain) >= max_depth:
        raise MotionCycleError(f"{describe}: the chain of triggers reached the depth limit "
                               f"{max_depth} (space.triggers.max_depth)")


@contextmanager
def chain_of(chain: tuple[tuple[Link, Atom], ...]) -> Iterator[None]:
    """Run a ``fit`` with the chain of the ``infer`` that queued it."""
    previous = local.chain
    local.chain = chain
    try:
        yield
    finally:
        local.chain = previous


def _resolver(name: str, node: Atom) -> Any:
    if name.startswith("py:" + PREFIX) and len(name) > len(PREFIX) + 3:
        return run_route
    return None


def install() -> None:
    """Make ``py:motion-route:NAME`` resolve to :func:`run_route` (done on import)."""
    remove_resolver(_resolver)
    add_resolver(_resolver)
