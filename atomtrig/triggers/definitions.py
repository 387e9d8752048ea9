"""What a trigger link means: parsing and checking the five trigger link types.

====================================  ==========================================================
link                                  fires
====================================  ==========================================================
``(StrengthTriggerLink source target  when an update takes ``source``'s strength from at or
(Number t) [var])``                   below ``t`` to above it
``(RelationshipTriggerLink source     when a new (closed, non-trigger) link joins ``source``'s
target [var])``                       incoming set
``(PingTriggerLink source target      when ``source`` is pinged
[var])``
``(ValueTriggerLink source key        when a value is set under ``key`` on ``source``
target [var])``
``(ScheduledExecutionLink (Number     every ``ms`` milliseconds (``"Repeating"``) or once
ms) (Concept "Repeating"|"RunOnce")   (``"RunOnce"``), if ``condition`` evaluates true
body [condition])``
====================================  ==========================================================

A ``(TypeNode "T")`` source stands for every atom of type T (and its subtypes). The optional
variable names a variable of the target that the source atom (for a TypeNode source: the atom
of that type that changed) is bound to; it must be declared by the target or occur free in it,
and satisfy the variable's type restriction.

>>> from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
>>> space = AtomSpace()
>>> ping = space.add_link("PingTrigger", [space.add_node("Concept", "red button"),
...     space.add_link("ExecutionOutput", [space.add_node("GroundedSchema", "py:builtins.print")])])
>>> parse_trigger(ping, serial=1).kind
'ping'
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from atomtrig.core.printer import to_oneline
from atomtrig.core.types import AtomType, types
from atomtrig.core.variables import declared_variables, free_variables, is_declaration
from atomtrig.triggers.errors import TriggerDefinitionError, TriggerOptionError
from atomtrig.triggers.options import TriggerOptions, read_options
from atomtrig.triggers.stats import TriggerStats

if TYPE_CHECKING:
    from atomtrig.core.atom import Atom, Link

STRENGTH = types["StrengthTriggerLink"]
RELATIONSHIP = types["RelationshipTriggerLink"]
PING = types["PingTriggerLink"]
VALUE = types["ValueTriggerLink"]
SCHEDULED = types["ScheduledExecutionLink"]
TRIGGER = types["TriggerLink"]
TYPE_NODE = types["TypeNode"]
NUMBER = types["NumberNode"]
VARIABLE = types["VariableNode"]
TYPED_VARIABLE = types["TypedVariableLink"]
TYPE_CHOICE = types["TypeChoice"]
FORALL = types["ForAllLink"]
IMPLICATION = types["ImplicationLink"]
PATTERN = types["PatternLink"]
SCOPE = types["ScopeLink"]

KINDS = {STRENGTH: "strength", RELATIONSHIP: "relationship", PING: "ping", VALUE: "value",
         SCHEDULED: "scheduled"}

EXECUTABLE_TARGETS = tuple(
    types[n]
    for n in (
        "PatternLink", "ImplicationLink", "ForAllLink", "ExecutionOutputLink", "IfElseLink",
        "SequentialAndLink", "SequentialOrLink", "CondLink", "EvaluationLink", "PutLink",
        "DefinedSchemaNode", "DefinedPredicateNode", "SetValueLink", "StateLink", "DeleteLink",
    )
)


class Trigger:
    """One registered trigger: its link, what it watches, its options, statistics and (for an
    asynchronous trigger) its FIFO queue."""

    __slots__ = (
        "__weakref__",
        "active",
        "condition",
        "folder",
        "key",
        "kind",
        "link",
        "options",
        "period",
        "plan",
        "queue",
        "repeating",
        "serial",
        "source",
        "source_type",
        "stats",
        "target",
        "threshold",
        "variable",
    )

    def __init__(self, link: Link, kind: str, serial: int) -> None:
        self.link = link
        self.kind = kind
        self.serial = serial
        self.source: Atom | None = None
        self.source_type: AtomType | None = None
        self.target: Atom = link.out[-1] if link.out else link  # set for real by parse_trigger
        self.variable: Atom | None = None
        self.threshold = 0.0
        self.key: Atom | None = None
        self.options = TriggerOptions()
        self.stats = TriggerStats(to_oneline(link))
        self.queue: deque[Any] = deque()
        self.active = False
        self.period = 0.0
        self.repeating = False
        self.condition: Atom | None = None
        self.plan: Any = None
        """The compiled way to run the target (made at the first firing)."""
        self.folder: str | None = None
        """The folder of the script that added the trigger (file schemas resolve against it)."""

    def __repr__(self) -> str:
        return f"<Trigger {self.kind} #{self.serial} {self.stats.trigger}>"

    def binding(self, atom: Atom) -> dict[Atom, Atom] | None:
        """The variable binding for a firing caused by ``atom``."""
        return {self.variable: atom} if self.variable is not None else None


def _fail(link: Link, message: str) -> TriggerDefinitionError:
    return TriggerDefinitionError(f"{link.type.name} {to_oneline(link)}: {message}")


def _arity(link: Link, low: int, high: int, shape: str) -> None:
    n = len(link.out)
    if not low <= n <= high:
        raise _fail(link, f"takes {shape} ({low}{'' if low == high else f' or {high}'} atoms), got {n}")


def _number(link: Link, atom: Atom, what: str) -> float:
    if atom.type is not NUMBER or " " in atom.name:
        raise _fail(link, f"{what} must be a single NumberNode, not {atom.short()}")
    return float(atom.name)


def _check_target(link: Link, target: Atom, what: str = "target") -> None:
    if not any(t in target.type.ancestors for t in EXECUTABLE_TARGETS):
        raise _fail(
            link,
            f"the {what} {target.short()} cannot be run; expected a BindLink/QueryLink/GetLink, "
            "an ImplicationLink (possibly under a ForAllLink), an ExecutionOutputLink, an "
            "IfElseLink, a SequentialAndLink/SequentialOrLink, a CondLink or an EvaluationLink",
        )


def _source(trigger: Trigger, link: Link, atom: Atom) -> None:
    trigger.source = atom
    if atom.type is TYPE_NODE:
        found = types.get(atom.name)
        if found is None:
            raise _fail(link, f"the source {atom.short()} names no known atom type")
        trigger.source_type = found


def target_scope(target: Atom) -> tuple[Atom | None, tuple[Atom, ...]]:
    """The declaration of the target's outermost scope (or None) and the variables a trigger
    may bind in it: the declared ones, else the free ones of its body."""
    t = target.type
    if SCOPE in t.ancestors and target.out:
        first = target.out[0]
        if is_declaration(first):
            return first, declared_variables(first)
        found: dict[Atom, None] = {}
        for child in target.out:
            for v in free_variables(child):
                found.setdefault(v, None)
        return None, tuple(found)
    return None, free_variables(target)


def _restriction(declaration: Atom | None, variable: Atom) -> Atom | None:
    if declaration is None:
        return None
    items = declaration.out if declaration.type in (types["VariableList"], types["VariableSet"]) else (declaration,)
    for item in items:
        if item.type is TYPED_VARIABLE and item.out and item.out[0] is variable and len(item.out) > 1:
            return item.out[1]
    return None


def _allowed_types(restriction: Atom) -> list[AtomType] | None:
    """The types a TypeNode or TypeChoice of TypeNodes admits; None for other restrictions
    (checked by the matcher when it grounds the variable)."""
    if restriction.type is TYPE_NODE:
        found = types.get(restriction.name)
        return [found] if found is not None else []
    if restriction.type is TYPE_CHOICE and all(c.type is TYPE_NODE for c in restriction.out):
        return [t for c in restriction.out if (t := types.get(c.name)) is not None]
    return None


def _check_variable(trigger: Trigger, link: Link, variable: Atom) -> None:
    if VARIABLE not in variable.type.ancestors:
        raise _fail(link, f"the last argument must be a VariableNode of the target, not {variable.short()}")
    declaration, candidates = target_scope(trigger.target)
    if variable not in candidates:
        names = ", ".join(v.name for v in candidates) or "none"
        raise _fail(
            link,
            f"variable {variable.name!r} is not a variable of the target {to_oneline(trigger.target)} "
            f"(its variables: {names})",
        )
    restriction = _restriction(declaration, variable)
    if restriction is not None:
        allowed = _allowed_types(restriction)
        if allowed is not None:
            source = trigger.source
            assert source is not None
            source_type = trigger.source_type or source.type
            if not any(a in source_type.ancestors for a in allowed):
                who = (f"atoms of type {source_type.name}" if trigger.source_type
                       else f"the source {source.short()}")
                raise _fail(
                    link,
                    f"{who} cannot be bound to {variable.name!r}, which is restricted to "
                    f"{to_oneline(restriction)}",
                )
    trigger.variable = variable


def parse_trigger(link: Link, serial: int) -> Trigger:
    """Check a trigger link and describe it as a :class:`Trigger`; raises
    :class:`TriggerDefinitionError` naming what is wrong."""
    kind = KINDS.get(link.type)
    if kind is None:
        for t, k in KINDS.items():
            if t in link.type.ancestors:
                kind = k
                break
        else:
            raise _fail(link, "is not a trigger link type this engine knows")
    trigger = Trigger(link, kind, serial)
    out = link.out
    if kind == "strength":
        _arity(link, 3, 4, "source, target, (NumberNode threshold) and an optional variable")
        _source(trigger, link, out[0])
        trigger.target = out[1]
        trigger.threshold = _number(link, out[2], "the threshold")
        variable = out[3] if len(out) == 4 else None
    elif kind in ("relationship", "ping"):
        _arity(link, 2, 3, "source, target and an optional variable")
        _source(trigger, link, out[0])
        trigger.target = out[1]
        variable = out[2] if len(out) == 3 else None
    elif kind == "value":
        _arity(link, 3, 4, "source, key, target and an optional variable")
        _source(trigger, link, out[0])
        trigger.key = out[1]
        trigger.target = out[2]
        variable = out[3] if len(out) == 4 else None
    else:
        _arity(link, 3, 4, "(NumberNode period_ms), (ConceptNode \"Repeating\"|\"RunOnce\"), body "
               "and an optional condition")
        period = _number(link, out[0], "the period")
        if not period > 0:
            raise _fail(link, f"the period must be > 0 milliseconds, got {out[0].name}")
        trigger.period = period / 1000.0
        mode = out[1]
        if mode.type is not types["ConceptNode"] or mode.name not in ("Repeating", "RunOnce"):
            raise _fail(link, f"the second argument must be (ConceptNode \"Repeating\") or "
                        f"(ConceptNode \"RunOnce\"), not {mode.short()}")
        trigger.repeating = mode.name == "Repeating"
        trigger.target = out[2]
        trigger.condition = out[3] if len(out) == 4 else None
        _check_target(link, trigger.target, "body")
        variable = None
    if kind != "scheduled":
        _check_target(link, trigger.target)
        if variable is not None:
            _check_variable(trigger, link, variable)
    try:
        trigger.options = read_options(link)
    except TriggerOptionError as exc:
        raise _fail(link, str(exc)) from None
    return trigger
