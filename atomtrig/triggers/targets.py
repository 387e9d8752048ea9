"""How each kind of target runs when its trigger fires.

==============================  ===========================================================
target                          what a firing does
==============================  ===========================================================
BindLink / QueryLink            the pattern is matched, the trigger's variable (if any)
                                pre-bound to the source atom; a RelationshipTriggerLink
                                keeps only groundings that use the new link (unless
                                ``trigger:full-query``); each rewrite term is instantiated for
                                each grounding, with revision (:mod:`.revision`)
ImplicationLink, possibly       evaluated as a BindLink: the antecedent is the pattern (the
under ForAllLink                ForAllLink's declaration its variables; an ``AnyNode`` in it
                                matches any one atom), the consequent the rewrite
GetLink and other pattern links executed by the query layer with the variable pre-bound
ExecutionOutputLink with no     the grounded schema is called with the firing's atoms:
arguments                       (source,) for strength, ping and scheduled-less triggers;
                                (source, new link) for relationship; (atom, key) for value;
                                () for a scheduled run
ExecutionOutputLink on an       every GroundedSchemaNode tied to the SchemaNode by an
ungrounded SchemaNode           EquivalenceLink above the threshold runs (:mod:`.equivalence`)
anything else executable        (ExecutionOutputLink with arguments, IfElseLink,
                                SequentialAnd/OrLink, CondLink, EvaluationLink, PutLink...)
                                executed by the query layer, the variable bound
==============================  ===========================================================

The grounded schema (and anything else) can call
:func:`~atomtrig.triggers.runner.current_firing` to see the firing.

>>> sorted(k for k in ("strength", "relationship", "ping", "value", "scheduled"))[0]
'ping'
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from atomtrig.core.types import types
from atomtrig.core.variables import declared_variables, is_declaration
from atomtrig.query.engine import run, truth
from atomtrig.query.grounded import resolve
from atomtrig.query.instantiate import instantiate
from atomtrig.query.matcher import match_compiled
from atomtrig.query.pattern import compile_body, compile_pattern
from atomtrig.triggers.equivalence import equivalent_schemas
from atomtrig.triggers.errors import TriggerTargetError
from atomtrig.triggers.revision import make_reviser

if TYPE_CHECKING:
    from atomtrig.core.atom import Atom
    from atomtrig.triggers.definitions import Trigger
    from atomtrig.triggers.engine import TriggerEngine
    from atomtrig.triggers.firing import Firing

EOL = types["ExecutionOutputLink"]
SCHEMA = types["SchemaNode"]
GROUNDED_SCHEMA = types["GroundedSchemaNode"]
GROUNDED_PREDICATE = types["GroundedPredicateNode"]
BIND = types["BindLink"]
QUERY = types["QueryLink"]
PATTERN = types["PatternLink"]
IMPLICATION = types["ImplicationLink"]
FORALL = types["ForAllLink"]
ANY = types["AnyNode"]
VARIABLE = types["VariableNode"]
VARIABLE_LIST = types["VariableList"]

_compiled_lock = threading.Lock()
_wildcards: dict[Atom, tuple[Atom | None, Atom]] = {}


def event_atoms(trigger: Trigger, firing: Firing) -> tuple[Atom, ...]:
    """The atoms a no-argument grounded schema target is called with."""
    ev = firing.event
    if ev is None:
        return ()
    if trigger.kind == "relationship":
        return (ev.atom, ev.link)  # type: ignore[return-value]
    if trigger.kind == "value":
        return (ev.atom, ev.key)  # type: ignore[return-value]
    return (ev.atom,)


def _bindings(trigger: Trigger, firing: Firing) -> dict[Atom, Atom] | None:
    ev = firing.event
    if trigger.variable is None or ev is None:
        return None
    return {trigger.variable: ev.atom}


def _anchor(trigger: Trigger, firing: Firing) -> Atom | None:
    if trigger.kind == "relationship" and not trigger.options.full_query and firing.event is not None:
        return firing.event.link
    return None


def run_target(engine: TriggerEngine, trigger: Trigger, firing: Firing) -> None:
    """Run ``trigger``'s target for ``firing`` (see the module docstring)."""
    plan = trigger.plan
    if plan is None:
        plan = trigger.plan = make_plan(engine, trigger)
    folder = trigger.folder
    if folder is not None:
        from atomtrig.triggers.schema_files import using_folder

        with using_folder(folder):
            plan(firing)
    else:
        plan(firing)


def make_plan(engine: TriggerEngine, trigger: Trigger) -> Callable[[Firing], None]:
    """Compile how ``trigger``'s target runs into one function of the firing (done once per
    trigger; the pattern is compiled here, not at every firing)."""
    target = trigger.target
    t = target.type
    space = engine.space
    variable = trigger.variable
    anchored = trigger.kind == "relationship" and not trigger.options.full_query
    if t is BIND or t is QUERY:
        out = target.out
        declaration = out[0] if out and is_declaration(out[0]) else None
        rest = out[1:] if declaration is not None else out
        return _pattern_plan(engine, trigger, compile_pattern(target), rest[1:], anchored, None)
    if t is IMPLICATION or t is FORALL:
        declaration, antecedent, consequent = implication_parts(target)
        allowed = set(declared_variables(declaration)) if declaration is not None else None
        return _pattern_plan(engine, trigger, compile_body(declaration, antecedent), (consequent,),
                             anchored, allowed)
    if t is EOL and len(target.out) == 1:
        schema = target.out[0]

        def call(firing: Firing) -> None:
            _call_no_args(engine, trigger, firing, schema)

        return call

    def execute(firing: Firing) -> None:
        ev = firing.event
        env = {variable: ev.atom} if variable is not None and ev is not None else {}
        run(space, target, env)

    return execute


def _pattern_plan(
    engine: TriggerEngine,
    trigger: Trigger,
    pattern: Any,
    rewrites: tuple[Atom, ...],
    anchored: bool,
    allowed: set[Atom] | None,
) -> Callable[[Firing], None]:
    space = engine.space
    variable = trigger.variable
    if variable is not None and allowed is not None and variable not in allowed:
        variable = None  # bound by an inner scope only: nothing to pre-bind

    revisers = tuple(make_reviser(space, template) for template in rewrites)

    def matched(firing: Firing) -> None:
        ev = firing.event
        anchor = ev.link if anchored and ev is not None else None
        fixed = {variable: ev.atom} if variable is not None and ev is not None else None
        groundings = match_compiled(space, pattern, anchor=anchor, fixed=fixed)
        if not groundings:
            return
        if engine.revision:
            for grounding in groundings:
                for reviser in revisers:
                    reviser(grounding)
        else:
            for grounding in groundings:
                for template in rewrites:
                    instantiate(space, template, grounding)

    if anchored and variable is None and pattern.fast is not None:
        return _anchored_one_clause(engine, pattern, revisers, rewrites, matched)
    return matched


def _anchored_one_clause(
    engine: TriggerEngine,
    pattern: Any,
    revisers: tuple[Callable[[Any], Any], ...],
    rewrites: tuple[Atom, ...],
    unanchored: Callable[[Firing], None],
) -> Callable[[Firing], None]:
    """The plan of the common rule "when a link of this shape holding the source is added,
    rewrite": a pattern of one plain clause (constants and variables under one ordered link),
    anchored on the new link. The new link is then the only candidate grounding of the clause,
    so it is checked against the clause's shape directly — no search, no query-layer call —
    exactly as :func:`atomtrig.query.matcher.match_compiled` would check it. A firing with no
    event (a redelivered one, say) runs ``unanchored``."""
    space = engine.space
    link_type, arity, consts, positions = pattern.fast
    own = pattern.own
    specs = pattern.specs
    order = pattern.variables
    first: dict[Atom, int] = {}
    repeats: list[tuple[int, int]] = []  # (position, position of the variable's first use)
    for pos, var in positions:
        if var in first:
            repeats.append((pos, first[var]))
        else:
            first[var] = pos
    slots = tuple((var, first[var], specs[var].check) for var in order)
    checked = any(check is not None for _, _, check in slots)
    plain = tuple((var, pos) for var, pos, _ in slots)
    one_var = plain[0] if len(plain) == 1 and not checked and not repeats else None

    def one_clause(firing: Firing) -> None:
        ev = firing.event
        if ev is None:
            unanchored(firing)
            return
        link = ev.link
        if link is None or link._space is not space or link.type is not link_type:
            return
        out = link.out
        if len(out) != arity or link in own:
            return
        for pos, atom in consts:
            if out[pos] is not atom:
                return
        if one_var is not None:
            value = out[one_var[1]]
            if value in own:
                return
            grounding = {one_var[0]: value}
        else:
            for pos, earlier in repeats:
                if out[pos] is not out[earlier]:
                    return
            grounding = {}
            for var, pos, check in slots:
                value = out[pos]
                if value in own or (check is not None and not check(value)):
                    return
                grounding[var] = value
        if engine.revision:
            for reviser in revisers:
                reviser(grounding)
        else:
            for template in rewrites:
                instantiate(space, template, grounding)

    return one_clause


def _call_no_args(engine: TriggerEngine, trigger: Trigger, firing: Firing, schema: Atom) -> None:
    args = event_atoms(trigger, firing)
    if GROUNDED_SCHEMA in schema.type.ancestors or GROUNDED_PREDICATE in schema.type.ancestors:
        fn = resolve(schema)
        with engine.space:
            fn(*args)
        return
    if schema.type is SCHEMA:
        found = equivalent_schemas(schema)
        if not found:
            raise TriggerTargetError(
                f"{schema.short()} is not grounded and no EquivalenceLink ties it to a "
                "GroundedSchemaNode above the threshold"
            )
        for grounded_schema in found:
            fn = resolve(grounded_schema)
            with engine.space:
                fn(*args)
        return
    ev = firing.event
    variable = trigger.variable
    run(engine.space, trigger.target, {variable: ev.atom} if variable is not None and ev is not None else {})


def implication_parts(target: Atom) -> tuple[Atom | None, Atom, Atom]:
    """``(declaration, antecedent, consequent)`` of an ImplicationLink, bare or under a
    ForAllLink; an AnyNode in the antecedent becomes a fresh variable of its own (a wildcard
    that matches one atom and is not used by the consequent)."""
    with _compiled_lock:
        cached = _wildcards.get(target)
    if cached is not None and target._space is not None:
        declaration, implication = cached
    else:
        declaration = None
        implication = target
        if target.type is FORALL:
            if len(target.out) != 2 or target.out[1].type is not IMPLICATION:
                raise TriggerTargetError(
                    f"{target.short()}: a ForAllLink target must hold a declaration and an "
                    "ImplicationLink"
                )
            declaration, implication = target.out
            if not is_declaration(declaration):
                raise TriggerTargetError(f"{target.short()}: {declaration.short()} is not a variable declaration")
        if len(implication.out) != 2:
            raise TriggerTargetError(f"{implication.short()}: an ImplicationLink needs an antecedent and a consequent")
        declaration, implication = _replace_wildcards(target, declaration, implication)
        with _compiled_lock:
            _wildcards[target] = (declaration, implication)
    antecedent, consequent = implication.out
    return declaration, antecedent, consequent


def _replace_wildcards(target: Atom, declaration: Atom | None, implication: Atom) -> tuple[Atom | None, Atom]:
    space = target.space
    antecedent, consequent = implication.out
    counter = [0]
    fresh: list[Atom] = []

    def walk(atom: Atom) -> Atom:
        if atom.type is ANY:
            counter[0] += 1
            v = space.add_node(VARIABLE, f"$any-wildcard-{counter[0]}")
            fresh.append(v)
            return v
        if not atom.out:
            return atom
        new = [walk(c) for c in atom.out]
        if all(a is b for a, b in zip(new, atom.out)):
            return atom
        return space.add_link(atom.type, new)

    new_antecedent = walk(antecedent)
    if not fresh:
        return declaration, implication
    if declaration is not None:
        items = list(declaration.out) if declaration.type is VARIABLE_LIST else [declaration]
        declaration = space.add_link(VARIABLE_LIST, items + fresh)
    # The matcher compiles atoms of the store, so the rule with its wildcards replaced is added
    # to the store (an open ImplicationLink next to the original; the README says so).
    return declaration, space.add_link(IMPLICATION, [new_antecedent, consequent])


def condition_holds(engine: TriggerEngine, trigger: Trigger) -> bool:
    """Evaluate a ScheduledExecutionLink's condition: true when its strength is above 0.5."""
    condition = trigger.condition
    assert condition is not None
    return truth(engine.space, condition, {}).strength > 0.5
