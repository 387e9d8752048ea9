"""The trigger machinery: registration, dispatch, edges, options, sync/async running, failures,
cascades, the journal and statistics (targets here are grounded Python schemas)."""

from __future__ import annotations

import logging
import threading

import pytest

import atomtrig
from atomtrig import stv
from atomtrig.core.events import ChangeKind
from atomtrig.query.grounded import grounded, unregister
from atomtrig.triggers import (
    CascadeError,
    FiringJournal,
    InMemoryFiringJournal,
    TriggerDefinitionError,
    TriggerOptionError,
    current_firing,
    set_trigger_options,
)

CALLS: list[tuple[str, tuple[str, ...]]] = []


@pytest.fixture(autouse=True)
def recorder():
    CALLS.clear()

    def make(name):
        def fn(*atoms):
            CALLS.append((name, tuple(a.short() for a in atoms)))
        return fn

    names = ["rec-a", "rec-b"]
    for n in names:
        grounded(n)(make(n))

    @grounded("rec-boom")
    def boom(*atoms):
        raise ValueError("target exploded")

    yield
    for n in names + ["rec-boom"]:
        unregister(n)


@pytest.fixture
def space():
    s = atomtrig.AtomSpace()
    yield s
    s.triggers.close()


def eol(space, name="rec-a"):
    return space.add_link("ExecutionOutput", [space.add_node("GroundedSchema", f"py:{name}")])


def names():
    return [c[0] for c in CALLS]


# -- registration -------------------------------------------------------------------------------
def test_adding_a_trigger_link_registers_it_and_removing_unregisters(space):
    button = space.add_node("Concept", "button")
    trig = space.add_link("PingTrigger", [button, eol(space)])
    space.ping(button)
    assert CALLS == [("rec-a", ('(ConceptNode "button")',))]
    assert button.tv == atomtrig.DEFAULT_TV  # a ping changes nothing
    space.remove(trig)
    space.ping(button)
    assert len(CALLS) == 1
    assert button._watch == 0  # nothing left watching it
    assert space.trigger_stats() == []


def test_removing_the_source_recursively_unregisters(space):
    button = space.add_node("Concept", "button")
    space.add_link("PingTrigger", [button, eol(space)])
    space.remove(button, recursive=True)
    assert space.triggers.triggers() == []


def test_untriggered_atoms_are_not_watched(space):
    a = space.add_node("Concept", "a")
    b = space.add_node("Concept", "b")
    space.add_link("RelationshipTrigger", [a, eol(space)])
    assert a._watch & ChangeKind.INCOMING_ADDED
    assert b._watch == 0


def test_other_listeners_watch_masks_are_kept(space):
    a = space.add_node("Concept", "a")
    space.set_watch(a, ChangeKind.ATOM_REMOVED)
    trig = space.add_link("PingTrigger", [a, eol(space)])
    assert a._watch == ChangeKind.ATOM_REMOVED | ChangeKind.PING
    space.remove(trig)
    assert a._watch == ChangeKind.ATOM_REMOVED


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda s, a, t: s.add_link("StrengthTrigger", [a, t]), "takes source, target"),
        (lambda s, a, t: s.add_link("StrengthTrigger", [a, t, s.add_node("Concept", "x")]), "threshold"),
        (lambda s, a, t: s.add_link("PingTrigger", [a, s.add_node("Concept", "not runnable")]), "cannot be run"),
        (lambda s, a, t: s.add_link("PingTrigger", [a, t, s.add_node("Variable", "$nope")]), "is not a variable of the target"),
        (lambda s, a, t: s.add_link("RelationshipTrigger", [s.add_node("Type", "NoSuchType"), t]), "no known atom type"),
        (lambda s, a, t: s.add_link("ScheduledExecution", [s.add_node("Number", 0), s.add_node("Concept", "Repeating"), t]), "period"),
        (lambda s, a, t: s.add_link("ScheduledExecution", [s.add_node("Number", 5), s.add_node("Concept", "Weekly"), t]), "RunOnce"),
    ],
)
def test_a_bad_trigger_raises_and_is_not_left_in_the_store(space, build, message):
    a = space.add_node("Concept", "a")
    t = eol(space)
    before = len(space)
    with pytest.raises(TriggerDefinitionError, match=message):
        build(space, a, t)
    assert space.triggers.triggers() == []
    assert space.get_atoms_by_type("TriggerLink") == []
    assert len(space) <= before + 2  # only the nodes made for the link may remain
    assert a._watch == 0


def test_variable_type_restriction_must_admit_the_source(space):
    x = space.add_node("Variable", "$X")
    decl = space.add_link("TypedVariable", [x, space.add_node("Type", "PredicateNode")])
    body = space.add_link("Inheritance", [x, space.add_node("Concept", "food")])
    bind = space.add_link("Bind", [decl, body, space.add_link("List", [x])])
    with pytest.raises(TriggerDefinitionError, match="restricted to"):
        space.add_link("PingTrigger", [space.add_node("Concept", "apple"), bind, x])
    assert space.get_atoms_by_type("TriggerLink") == []
    trig = space.add_link("PingTrigger", [space.add_node("Predicate", "p"), bind, x])
    assert space.triggers.trigger(trig).variable is x
    # A TypeNode source: every atom of the type must satisfy the restriction.
    with pytest.raises(TriggerDefinitionError, match="atoms of type ConceptNode"):
        space.add_link("PingTrigger", [space.add_node("Type", "ConceptNode"), bind, x])
    space.add_link("PingTrigger", [space.add_node("Type", "GroundedPredicateNode"), bind, x])


# -- the trigger kinds ---------------------------------------------------------------------------
def test_strength_trigger_fires_on_the_rising_edge_only(space):
    starving = space.add_node("Predicate", "starving")
    space.add_link("StrengthTrigger", [starving, eol(space), space.add_node("Number", 0.8)])
    starving.tv = stv(0.9, 0.9)  # from the default (no evidence) to above: fires
    starving.tv = stv(0.95, 0.9)  # stays above: no
    starving.tv = stv(0.8, 0.9)  # at the threshold is not above
    starving.tv = stv(0.85, 0.9)  # rises again
    starving.tv = stv(0.85, 0.0)  # no evidence
    starving.tv = stv(0.3, 0.5)
    assert len(CALLS) == 2


def test_strength_trigger_every_update_option(space):
    p = space.add_node("Predicate", "p")
    space.add_trigger("StrengthTrigger", [p, eol(space), space.add_node("Number", 0.5)], every_update=True)
    for s in (0.6, 0.7, 0.4, 0.9):
        p.tv = stv(s, 1)
    assert len(CALLS) == 3


def test_strength_trigger_fires_when_added_with_a_truth_value(space):
    fact = space.add_link("Evaluation", [space.add_node("Predicate", "starving"), space.add_node("Concept", "me")])
    space.add_link("StrengthTrigger", [fact, eol(space), space.add_node("Number", 0.8)])
    space.add_link("Evaluation", list(fact.out), tv=stv(1, 1))
    assert len(CALLS) == 1


def test_relationship_trigger_sees_each_new_link_once(space):
    cheese = space.add_node("Concept", "cheese")
    space.add_link("RelationshipTrigger", [cheese, eol(space)])
    brie = space.add_node("Concept", "brie")
    link = space.add_link("Inheritance", [brie, cheese])
    space.add_link("Inheritance", [brie, cheese])  # exists: not new
    assert CALLS == [("rec-a", ('(ConceptNode "cheese")', link.short()))]
    # A link with a free variable (part of a rule) and trigger links do not fire it.
    space.add_link("Inheritance", [space.add_node("Variable", "$x"), cheese])
    space.add_link("PingTrigger", [cheese, eol(space, "rec-b")])
    assert len(CALLS) == 1
    # A closed scope link with bound variables is a fact.
    x = space.add_node("Variable", "$y")
    space.add_link("Lambda", [x, space.add_link("List", [x, cheese])])
    assert len(CALLS) == 1  # the inner ListLink has $y free; the Lambda does not contain cheese


def test_ping_trigger_and_type_source(space):
    space.add_link("PingTrigger", [space.add_node("Type", "ConceptNode"), eol(space)])
    space.ping(space.add_node("Concept", "x"))
    space.ping(space.add_node("Predicate", "y"))
    assert CALLS == [("rec-a", ('(ConceptNode "x")',))]


def test_type_source_covers_subtypes_declared_later(space):
    space.add_link("RelationshipTrigger", [space.add_node("Type", "ConceptNode"), eol(space)])
    t = atomtrig.declare_type("TriggerTestConceptNode", ["ConceptNode"])
    n = space.add_node(t, "n")
    space.add_link("List", [n])
    assert len(CALLS) == 1


def test_value_trigger_fires_when_the_key_is_set(space):
    model = space.add_node("Concept", "model")
    weights = space.add_node("Predicate", "weights")
    space.add_link("ValueTrigger", [model, weights, eol(space)])
    model.set_value(weights, [1.0, 2.0])
    model.set_value("other", [3.0])
    model.set_value(weights, None)  # removal does not fire
    assert CALLS == [("rec-a", ('(ConceptNode "model")', '(PredicateNode "weights")'))]


def test_value_trigger_on_a_type(space):
    key = space.add_node("Predicate", "k")
    space.add_link("ValueTrigger", [space.add_node("Type", "ConceptNode"), key, eol(space)])
    space.add_node("Concept", "a").set_value(key, [1.0])
    space.add_node("Predicate", "b").set_value(key, [1.0])
    assert names() == ["rec-a"]


# -- running --------------------------------------------------------------------------------------
def test_sync_trigger_runs_before_the_call_returns_in_the_same_thread(space):
    seen = []

    @grounded("rec-thread")
    def where(*atoms):
        seen.append((threading.current_thread(), current_firing().trigger.kind))

    try:
        a = space.add_node("Concept", "a")
        space.add_link("PingTrigger", [a, eol(space, "rec-thread")])
        space.ping(a)
        assert seen == [(threading.current_thread(), "ping")]
    finally:
        unregister("rec-thread")


def test_async_trigger_runs_in_fifo_order_on_a_worker(space):
    seen = []

    @grounded("rec-async")
    def record(source, link):
        seen.append((link.out[0].name, threading.current_thread().name))

    try:
        food = space.add_node("Concept", "food")
        space.add_trigger("RelationshipTrigger", [food, eol(space, "rec-async")], mode="async")
        for i in range(200):
            space.add_link("Inheritance", [space.add_node("Concept", f"x{i}"), food])
        assert space.wait_for_triggers(timeout=10)
        assert [s[0] for s in seen] == [f"x{i}" for i in range(200)]
        assert all(s[1].startswith("atomtrig-trigger") for s in seen)
        assert space.trigger_stats()[0].fired == 200
    finally:
        unregister("rec-async")


def test_options_set_as_values_from_atomese_take_effect(space):
    a = space.add_node("Concept", "a")
    trig = space.add_link("PingTrigger", [a, eol(space)])
    trig.set_value("trigger:mode", atomtrig.StringValue("async"))
    assert space.triggers.trigger(trig).options.is_async
    trig.set_value("trigger:mode", atomtrig.StringValue("sideways"))  # bad: kept, error noted
    assert space.triggers.trigger(trig).options.is_async
    assert "sideways" in space.trigger_stats(trig)[0].last_error
    with pytest.raises(TriggerOptionError):
        set_trigger_options(trig, mode="sideways")
    with pytest.raises(TriggerOptionError, match="unknown"):
        space.add_trigger("PingTrigger", [a, eol(space)], colour="red")


def test_a_failing_target_keeps_the_change_and_is_recorded(space, caplog):
    food = space.add_node("Concept", "food")
    trig = space.add_link("RelationshipTrigger", [food, eol(space, "rec-boom")])
    with caplog.at_level(logging.ERROR, logger="atomtrig.triggers"):
        link = space.add_link("Inheritance", [space.add_node("Concept", "apple"), food])
    assert link in space
    stats = space.trigger_stats(trig)[0]
    assert (stats.fired, stats.failed) == (1, 1)
    assert "target exploded" in stats.last_error
    assert stats.last_fired is not None and stats.mean_duration >= 0
    assert "target exploded" in caplog.text


def test_an_async_failure_is_recorded_too(space):
    a = space.add_node("Concept", "a")
    trig = space.add_trigger("PingTrigger", [a, eol(space, "rec-boom")], mode="async")
    space.ping(a)
    space.wait_for_triggers(5)
    assert space.trigger_stats(trig)[0].failed == 1


# -- cascades ------------------------------------------------------------------------------------
def test_a_runaway_cascade_stops_at_the_depth_limit(space):
    counter = [0]

    @grounded("rec-grow")
    def grow(source, link):
        counter[0] += 1
        space.add_link("Inheritance", [space.add_node("Concept", f"n{counter[0]}"), source])

    try:
        food = space.add_node("Concept", "food")
        trig = space.add_link("RelationshipTrigger", [food, eol(space, "rec-grow")])
        space.triggers.max_depth = 10
        space.add_link("Inheritance", [space.add_node("Concept", "seed"), food])
        assert counter[0] == 10
        stats = space.trigger_stats(trig)[0]
        assert stats.failed == 1 and "depth limit 10" in stats.last_error
        set_trigger_options(trig, max_depth=3)
        counter[0] = 100
        space.add_link("Inheritance", [space.add_node("Concept", "seed2"), food])
        assert counter[0] == 103
    finally:
        unregister("rec-grow")


def test_a_deep_default_cascade_never_overflows_the_stack(space):
    @grounded("rec-deep")
    def deep(source, link):
        space.add_link("List", [space.add_node("Concept", "food"), link])

    try:
        food = space.add_node("Concept", "food")
        trig = space.add_link("RelationshipTrigger", [food, eol(space, "rec-deep")])
        space.triggers.max_depth = 200
        space.add_link("List", [food])
        assert space.trigger_stats(trig)[0].fired == 200
        assert "CascadeError" in space.trigger_stats(trig)[0].last_error
    finally:
        unregister("rec-deep")


def test_a_cycle_is_detected(space):
    a, b = space.add_node("Concept", "a"), space.add_node("Concept", "b")

    @grounded("rec-copy-to-b")
    def to_b(source):
        b.tv = source.tv

    @grounded("rec-copy-to-a")
    def to_a(source):
        a.tv = source.tv

    try:
        t1 = space.add_trigger("StrengthTrigger", [a, eol(space, "rec-copy-to-b"), space.add_node("Number", 0.5)], every_update=True)
        space.add_trigger("StrengthTrigger", [b, eol(space, "rec-copy-to-a"), space.add_node("Number", 0.5)], every_update=True)
        a.tv = stv(0.9, 0.9)
        stats = space.trigger_stats(t1)[0]
        assert stats.fired == 1 and stats.failed == 1 and "cycle" in stats.last_error
        assert b.tv == stv(0.9, 0.9)
    finally:
        unregister("rec-copy-to-b")
        unregister("rec-copy-to-a")


def test_async_cascades_carry_their_depth(space):
    @grounded("rec-grow-async")
    def grow(source, link):
        space.add_link("List", [source, link])

    try:
        food = space.add_node("Concept", "food")
        trig = space.add_trigger("RelationshipTrigger", [food, eol(space, "rec-grow-async")], mode="async", max_depth=5)
        space.add_link("List", [food])
        assert space.wait_for_triggers(10)
        stats = space.trigger_stats(trig)[0]
        assert stats.fired == 5 and isinstance(stats.last_error, str) and CascadeError.__name__ in stats.last_error
    finally:
        unregister("rec-grow-async")


def test_wait_inside_an_async_target_is_refused(space):
    errors = []

    @grounded("rec-wait")
    def wait(source):
        try:
            space.wait_for_triggers(1)
        except atomtrig.AtomtrigError as exc:
            errors.append(str(exc))

    try:
        a = space.add_node("Concept", "a")
        space.add_trigger("PingTrigger", [a, eol(space, "rec-wait")], mode="async")
        space.ping(a)
        assert space.wait_for_triggers(5)
        assert errors and "wait for itself" in errors[0]
    finally:
        unregister("rec-wait")


# -- firing identity and the journal ----------------------------------------------------------------
class ListJournal(InMemoryFiringJournal):
    def __init__(self):
        super().__init__(remember_done=100)
        self.log = []

    def record(self, firing):
        self.log.append(("record", firing.id))
        super().record(firing)

    def done(self, firing, error):
        self.log.append(("done", firing.id, error))
        super().done(firing, error)


def test_every_firing_is_recorded_before_and_done_after(space):
    journal = ListJournal()
    space.triggers.use_journal(journal)
    a = space.add_node("Concept", "a")
    space.add_link("PingTrigger", [a, eol(space)])
    space.add_link("PingTrigger", [a, eol(space, "rec-boom")])
    space.ping(a)
    ids = [e[1] for e in journal.log]
    assert [e[0] for e in journal.log] == ["record", "done", "record", "done"]
    assert ids[0] == ids[1] != ids[2] == ids[3]
    assert ids[0].split(":")[:2] == ids[2].split(":")[:2]  # one event, two triggers
    assert journal.log[3][2].startswith("GroundedProcedureError") or "exploded" in journal.log[3][2]
    assert journal.pending() == []


def test_redelivery_runs_pending_firings_once(space):
    journal = ListJournal()
    space.triggers.use_journal(journal)
    a = space.add_node("Concept", "a")
    trig = space.add_link("PingTrigger", [a, eol(space)])
    event = atomtrig.ChangeEvent(ChangeKind.PING, a)
    pending = space.triggers.firing_for(trig, event, "old:7:1")
    assert space.triggers.redeliver([pending]) == 1
    assert space.triggers.redeliver([pending]) == 0  # done already: not run twice
    assert len(CALLS) == 1


def test_a_custom_journal_can_wrap_delivery(space):
    order = []

    class Wrapping(InMemoryFiringJournal):
        def deliver(self, firing, run):
            order.append("begin")
            super().deliver(firing, run)
            order.append("commit")

    space.triggers.use_journal(Wrapping())
    a = space.add_node("Concept", "a")
    space.add_link("PingTrigger", [a, eol(space)])
    space.ping(a)
    assert order == ["begin", "commit"] and len(CALLS) == 1


def test_firing_journal_is_an_interface():
    with pytest.raises(NotImplementedError):
        FiringJournal().pending()


def test_a_link_holding_the_source_twice_fires_once(space):
    a = space.add_node("Concept", "a")
    space.add_link("RelationshipTrigger", [a, eol(space)])
    space.add_link("List", [a, a])
    space.add_link("Set", [a, a, space.add_node("Concept", "b")])
    assert len(CALLS) == 2


def test_type_source_relationship_sees_each_member_type_once(space):
    space.add_link("RelationshipTrigger", [space.add_node("Type", "ConceptNode"), eol(space)])
    x, y = space.add_node("Concept", "x"), space.add_node("Concept", "y")
    space.add_link("List", [x, y, x])
    assert sorted(c[1][0] for c in CALLS) == ['(ConceptNode "x")', '(ConceptNode "y")']


def test_changes_to_atoms_no_trigger_names_never_reach_the_engine(space):
    food = space.add_node("Concept", "food")
    space.add_link("RelationshipTrigger", [food, eol(space)])
    space.add_link("StrengthTrigger", [food, eol(space), space.add_node("Number", 0.5)])
    calls = []
    original = space.triggers.dispatcher.changes_applied
    space.triggers.dispatcher.changes_applied = lambda s, events: (calls.append(events), original(s, events))
    for i in range(200):
        a = space.add_node("Concept", f"a{i}")
        link = space.add_link("Inheritance", [a, space.add_node("Concept", "other")])
        link.tv = stv(0.9, 0.9)
        a.set_value("k", [1.0])
        space.ping(a)
    space.remove(link)
    assert calls == []
    space.add_link("Inheritance", [space.add_node("Concept", "apple"), food])
    assert len(calls) == 1 and len(CALLS) == 1
