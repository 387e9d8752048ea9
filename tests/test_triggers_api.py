"""The trigger layer as Python and Atomese users reach it: options set before the first firing,
removal dropping queued work, the Atomese procedures, and an engine attached to a space that
already holds trigger links."""

from __future__ import annotations

import threading

import pytest

import atomtrig
from atomtrig.atomese.errors import AtomeseError
from atomtrig.query.grounded import grounded, unregister
from atomtrig.triggers import TriggerEngine


@pytest.fixture
def space():
    s = atomtrig.AtomSpace()
    yield s
    s.triggers.close()


def test_options_given_to_add_trigger_hold_from_the_first_firing(space):
    threads = []
    grounded("api-where")(lambda *a: threads.append(threading.current_thread().name))
    try:
        a = space.add_node("Concept", "a")
        # The trigger fires as soon as it exists only if it is registered with its options:
        # a TypeNode ping trigger on ConceptNode, pinged right away.
        link = space.add_trigger("PingTrigger", [a, space.add_link("ExecutionOutput", [
            space.add_node("GroundedSchema", "py:api-where")])], mode="async")
        assert space.triggers.trigger(link).options.is_async
        assert link.get_value("trigger:mode") == atomtrig.StringValue("async")
        space.ping(a)
        space.wait_for_triggers(5)
        assert threads and threads[0].startswith("atomtrig-trigger")
        # Adding the same link again with other options updates them.
        space.add_trigger("PingTrigger", list(link.out), mode="sync")
        assert not space.triggers.trigger(link).options.is_async
    finally:
        unregister("api-where")


def test_removing_an_async_trigger_drops_its_queued_firings(space):
    gate = threading.Event()
    ran = []

    @grounded("api-slow")
    def slow(*atoms):
        gate.wait(5)
        ran.append(1)

    try:
        a = space.add_node("Concept", "a")
        link = space.add_trigger("PingTrigger", [a, space.add_link("ExecutionOutput", [
            space.add_node("GroundedSchema", "py:api-slow")])], mode="async")
        trigger = space.triggers.trigger(link)
        for _ in range(5):
            space.ping(a)
        space.remove(link)
        gate.set()
        assert space.wait_for_triggers(5)
        assert len(ran) + trigger.stats.dropped == 5
        assert trigger.stats.dropped >= 4
        assert space.triggers.journal.pending() == []
    finally:
        unregister("api-slow")


def test_atomese_trigger_procedures(space):
    out = space.eval_atomese('''
        (define b (Concept "b"))
        (define t (PingTriggerLink b (ExecutionOutputLink (GroundedSchemaNode "missing.py"))))
        (cog-set-trigger-option! t "max-depth" 3)
        (cog-ping! b)
        (cog-wait-for-triggers)
        (cog-trigger-stats t)''')
    stats = {str(k): v for k, v in out}
    assert stats["fired"] == 1 and stats["failed"] == 1
    assert "missing.py" in stats["last-error"]
    assert stats["last-fired"] is not False
    assert space.triggers.triggers()[0].options.max_depth == 3
    with pytest.raises(AtomeseError, match="unknown option"):
        space.eval_atomese('(cog-set-trigger-option! t "colour" 3)')
    with pytest.raises(AtomeseError, match="whole number"):
        space.eval_atomese('(cog-set-trigger-option! t "max-depth" 0)')
    with pytest.raises(AtomeseError, match="no atom is labelled"):
        space.eval_atomese("(atom-label 999)")
    with pytest.raises(AtomeseError, match="no file"):
        space.eval_atomese('(load-indented "no-such-file.atomese")')


def test_an_engine_registers_the_trigger_links_a_space_already_holds():
    core = atomtrig.core.CoreAtomSpace()
    a = core.add_node("Concept", "a")
    calls = []
    grounded("api-late")(lambda *x: calls.append(1))
    try:
        core.add_link("PingTrigger", [a, core.add_link("ExecutionOutput", [
            core.add_node("GroundedSchema", "py:api-late")])])
        engine = TriggerEngine(core)
        core.ping(a)
        assert calls == [1] and len(engine.triggers()) == 1
        engine.close()
    finally:
        unregister("api-late")


def test_max_depth_must_be_positive(space):
    with pytest.raises(atomtrig.AtomtrigError):
        space.triggers.max_depth = 0
