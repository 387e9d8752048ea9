"""The dispatcher: the ChangeListener that turns the store's change events into firings.

For each event batch (delivered after the change was applied and the lock released):

- ``ATOM_ADDED`` of a trigger link registers it; ``ATOM_REMOVED`` unregisters it (its queued
  firings are dropped, a scheduled one's pending runs cancelled).
- ``TV_CHANGED`` fires the source's StrengthTriggerLinks on a rising edge: the old strength at or
  below the threshold and the new one above it (``trigger:every`` fires whenever the new
  strength is above it). A truth value with no evidence (confidence 0 and count 0, such as the
  default ``(stv 1 0)``) counts as below every threshold.
- ``INCOMING_ADDED`` fires the source's RelationshipTriggerLinks, unless the new link is itself a
  trigger link or has free variables (a pattern or rule being written, not a fact).
- ``PING`` fires PingTriggerLinks; ``VALUE_CHANGED`` fires the ValueTriggerLinks of that key
  when a value is set (not when it is removed), and re-reads a trigger link's options.

Triggers watching a type (a TypeNode source) fire after those watching the atom itself; within
each group, in registration order.

>>> Dispatcher.__name__
'Dispatcher'
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from atomtrig.core.events import ChangeEvent, ChangeKind
from atomtrig.core.types import types
from atomtrig.core.variables import free_variables
from atomtrig.triggers.errors import TriggerDefinitionError, TriggerOptionError
from atomtrig.triggers.firing import Firing
from atomtrig.triggers.options import OPTION_KEYS, read_options
from atomtrig.triggers.runner import _local as _thread_state

if TYPE_CHECKING:
    from atomtrig.core.atom import Atom
    from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
    from atomtrig.triggers.definitions import Trigger
    from atomtrig.triggers.engine import TriggerEngine

logger = logging.getLogger("atomtrig.triggers")

_ADDED = ChangeKind.ATOM_ADDED
_INCOMING = ChangeKind.INCOMING_ADDED
_TV = ChangeKind.TV_CHANGED
_VALUE = ChangeKind.VALUE_CHANGED
_REMOVED = ChangeKind.ATOM_REMOVED
_PING = ChangeKind.PING
_TRIGGER_LINK = types["TriggerLink"]
_VARIABLE = types["VariableNode"]
_NEG_INF = float("-inf")


def _evidence_strength(tv: object) -> float:
    if tv is None:
        return _NEG_INF
    if tv.confidence > 0.0 or tv.count > 0.0:  # type: ignore[attr-defined]
        return tv.strength  # type: ignore[attr-defined,no-any-return]
    return _NEG_INF


def _is_open(link: Atom) -> bool:
    """True if ``link`` has free variables; a quick scan first, the scoping rules only when a
    variable appears at all."""
    stack = list(link.out)
    while stack:
        atom = stack.pop()
        if atom.out:
            stack.extend(atom.out)
        elif _VARIABLE in atom.type.ancestors:
            return bool(free_variables(link))
    return False


class Dispatcher:
    """Receives the store's events for the engine."""

    def __init__(self, engine: TriggerEngine) -> None:
        self.engine = engine
        self.registry = engine.registry
        self.runner = engine.runner

    def changes_applied(self, space: AtomSpace, events: list[ChangeEvent]) -> None:
        errors: list[Exception] = []
        registry = self.registry
        by_atom = registry.by_atom
        for ev in events:
            kind = ev.kind
            atom = ev.atom
            if kind is _INCOMING:
                link = ev.link
                if _TRIGGER_LINK in link.type.ancestors:  # type: ignore[union-attr]
                    continue
                open_link = False
                for member in link.out:  # type: ignore[union-attr]
                    if member.out or _VARIABLE in member.type.ancestors:
                        open_link = _is_open(link)  # type: ignore[arg-type]
                        break
                if open_link:
                    continue
                watchers = by_atom.get(atom)
                if watchers is not None and watchers.relationship:
                    self._fire(watchers.relationship, ev)
                if registry.by_root_type:
                    typed = registry.type_watchers(atom.type)
                    if typed is not None and typed.relationship:
                        self._fire(typed.relationship, ev)
            elif kind is _ADDED:
                if _TRIGGER_LINK in atom.type.ancestors:
                    try:
                        self.engine.register(atom)  # type: ignore[arg-type]
                    except TriggerDefinitionError as exc:
                        errors.append(exc)
            elif kind is _TV:
                watchers = by_atom.get(atom)
                if watchers is not None and watchers.strength:
                    self._strength(watchers.strength, ev)
                if registry.by_root_type:
                    typed = registry.type_watchers(atom.type)
                    if typed is not None and typed.strength:
                        self._strength(typed.strength, ev)
            elif kind is _VALUE:
                own = registry.by_link.get(atom)  # type: ignore[call-overload]
                if own is not None and ev.key is not None and ev.key.name in OPTION_KEYS:
                    self._reread_options(own)
                if ev.new is None:
                    continue
                watchers = by_atom.get(atom)
                if watchers is not None and watchers.value:
                    self._fire([t for t in watchers.value if t.key is ev.key], ev)
                if registry.by_root_type:
                    typed = registry.type_watchers(atom.type)
                    if typed is not None and typed.value:
                        self._fire([t for t in typed.value if t.key is ev.key], ev)
            elif kind is _REMOVED:
                if _TRIGGER_LINK in atom.type.ancestors:
                    self.engine.unregister(atom)  # type: ignore[arg-type]
            elif kind is _PING:
                watchers = by_atom.get(atom)
                if watchers is not None and watchers.ping:
                    self._fire(watchers.ping, ev)
                if registry.by_root_type:
                    typed = registry.type_watchers(atom.type)
                    if typed is not None and typed.ping:
                        self._fire(typed.ping, ev)
        if errors:
            raise errors[0]

    def _strength(self, triggers: tuple[Trigger, ...], ev: ChangeEvent) -> None:
        new = _evidence_strength(ev.new)
        old = _evidence_strength(ev.old)
        fire = [
            t for t in triggers
            if new > t.threshold and (old <= t.threshold or t.options.every_update)
        ]
        if fire:
            self._fire(fire, ev)

    def _fire(self, triggers: tuple[Trigger, ...] | list[Trigger], ev: ChangeEvent) -> None:
        if not triggers:
            return
        engine = self.engine
        seq = next(engine._seq)
        chain = _thread_state.chain
        runner = self.runner
        epoch = engine.epoch
        for trigger in triggers:
            firing = Firing(trigger, ev, seq, epoch, chain)
            if chain or trigger.options.mode != "sync":
                runner.submit(trigger, firing)
            else:  # a change made outside any target, fired synchronously: submit's fast case
                runner.journal.record(firing)
                runner.run(trigger, firing)

    def _reread_options(self, trigger: Trigger) -> None:
        try:
            trigger.options = read_options(trigger.link)
            trigger.plan = None  # compiled with the old options (full-query)
        except TriggerOptionError as exc:
            message = f"TriggerOptionError: {exc} (the previous options stay in force)"
            logger.error("%s: %s", trigger.stats.trigger, message)
            trigger.stats.note(message)
