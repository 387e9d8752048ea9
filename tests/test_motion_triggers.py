"""Motion triggers, written from the seed's life cycle: infer inside the set that fired it, fit
queued in the background, the state, once per set, cycles, routes as trigger links."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import pytest

import atomtrig
import atomtrig.motion as motion


@dataclass
class Query:
    id: int
    prompt: str
    length: int
    shout: str
    feedback: bool
    llm_completion: str
    ping: int
    pong: int


def make_store(*triggers):
    return motion.create_store("t", schemas={"query": Query}, memory=True, triggers=list(triggers))


class Derive(motion.Trigger):
    """Derived keys: length and shout computed from the prompt."""

    def setUp(self, cursor):
        return {}

    def routes(self):
        return [motion.Route(relation="query", key="prompt", infer=self.derive, fit=None)]

    def derive(self, cursor, triggered_by):
        cursor.set(relation="query", identifier=triggered_by.identifier,
                   key_values={"length": len(triggered_by.value),
                               "shout": triggered_by.value.upper()})


def test_a_derived_key_is_set_on_insert_and_recomputed_on_update():
    store = make_store(Derive)
    try:
        c = store.cursor
        qid = c.set(relation="query", key_values={"prompt": "red dress"})
        assert c.get(relation="query", identifier=qid, keys=["length", "shout"]) == {
            "length": 9, "shout": "RED DRESS"}
        c.set(relation="query", identifier=qid, key_values={"prompt": "hat"})
        assert c.get(relation="query", identifier=qid, keys=["length", "shout"]) == {
            "length": 3, "shout": "HAT"}
    finally:
        store.close()


class Memory(motion.Trigger):
    """A stateful fit: infer answers from what earlier fits learned."""

    def setUp(self, cursor):
        return {"seen": (), "count": 0}

    def routes(self):
        return [motion.Route(relation="query", key="prompt", infer=self.answer, fit=self.learn)]

    def answer(self, cursor, triggered_by):
        cursor.set(relation="query", identifier=triggered_by.identifier,
                   key_values={"llm_completion": f"seen {len(self.state['seen'])}"})

    def learn(self, cursor, triggered_by):
        time.sleep(0.002)
        return {"seen": self.state["seen"] + (triggered_by.value,),
                "count": self.state["count"] + 1}


def test_a_stateful_fit_changes_what_later_infers_see_once_waited_for():
    store = make_store(Memory)
    try:
        c = store.cursor
        trig = store.triggers["Memory"]
        a = c.set(relation="query", key_values={"prompt": "one"})
        assert c.get(relation="query", identifier=a, keys=["llm_completion"]) == {
            "llm_completion": "seen 0"}
        assert c.wait_for_fits(10)
        assert trig.version == 1 and trig.state["seen"] == ("one",)
        b = c.set(relation="query", key_values={"prompt": "two"})
        assert c.get(relation="query", identifier=b, keys=["llm_completion"]) == {
            "llm_completion": "seen 1"}
    finally:
        store.close()


def test_fits_of_one_trigger_run_in_order():
    store = make_store(Memory)
    try:
        words = [f"w{i}" for i in range(40)]
        for w in words:
            store.cursor.set(relation="query", key_values={"prompt": w})
        store.wait_for_fits(20)
        trig = store.triggers["Memory"]
        assert trig.state["seen"] == tuple(words)
        assert trig.version == 40 and trig.state["count"] == 40
    finally:
        store.close()


def test_fit_runs_in_the_background_after_infer():
    gate = threading.Event()
    order = []

    class Slow(motion.Trigger):
        def routes(self):
            return [motion.Route(relation="query", key="prompt", infer=self.i, fit=self.f)]

        def i(self, cursor, tb):
            order.append(("infer", threading.current_thread() is threading.main_thread()))

        def f(self, cursor, tb):
            gate.wait(10)
            order.append(("fit", threading.current_thread() is threading.main_thread()))
            return {}

    store = make_store(Slow)
    try:
        store.cursor.set(relation="query", key_values={"prompt": "x"})
        assert order == [("infer", True)]  # set returned while the fit still waits
        gate.set()
        store.wait_for_fits(10)
        assert order == [("infer", True), ("fit", False)]
    finally:
        store.close()


def test_state_is_read_only_in_infer_and_set_up_must_return_a_dict():
    class Writer(motion.Trigger):
        def setUp(self, cursor):
            return {"n": 0}

        def routes(self):
            return [motion.Route(relation="query", key="prompt", infer=self.bad)]

        def bad(self, cursor, tb):
            self.state["n"] = 1

    store = make_store(Writer)
    try:
        with pytest.raises(TypeError):
            store.cursor.set(relation="query", key_values={"prompt": "x"})
        assert store.triggers["Writer"].state["n"] == 0
        with pytest.raises(motion.MotionTriggerError, match="read-only"):
            store.triggers["Writer"].state = {}

        class NoDict(motion.Trigger):
            def setUp(self, cursor):
                return [1]

            def routes(self):
                return []

        with pytest.raises(motion.MotionTriggerError, match="setUp must return a dict"):
            store.add_trigger(NoDict)
        assert "NoDict" not in store.triggers
    finally:
        store.close()


def test_a_fit_that_returns_no_dict_is_reported_by_wait_for_fits():
    class BadFit(motion.Trigger):
        def routes(self):
            return [motion.Route(relation="query", key="prompt", fit=self.f)]

        def f(self, cursor, tb):
            return 3

    store = make_store(BadFit)
    try:
        store.cursor.set(relation="query", key_values={"prompt": "x"})
        with pytest.raises(motion.FitError, match="must return a dict"):
            store.wait_for_fits(10)
        assert store.wait_for_fits(10)  # reported once
    finally:
        store.close()


def test_routes_are_checked():
    def trigger_with(routes):
        class T(motion.Trigger):
            def routes(self):
                return routes(self)
        return T

    store = make_store()
    try:
        cases = [
            (lambda s: "nope", motion.MotionTriggerError, "list"),
            (lambda s: [motion.Route("nowhere", "prompt", infer=print)], motion.MotionRelationError,
             "nowhere"),
            (lambda s: [motion.Route("query", "colour", infer=print)], motion.MotionKeyError,
             "colour"),
            (lambda s: [motion.Route("query", "prompt")], motion.MotionTriggerError, "neither"),
            (lambda s: [motion.Route("query", "prompt", infer=print),
                        motion.Route("query", "prompt", fit=print)], motion.MotionTriggerError,
             "two routes"),
            (lambda s: [motion.Route("query", "prompt", infer=3)], motion.MotionTriggerError,
             "callable"),
        ]
        for routes, error, text in cases:
            with pytest.raises(error, match=text):
                store.add_trigger(trigger_with(routes))
        assert store.route_links() == []
        assert store.space.count_by_type("ValueTriggerLink") == 0
    finally:
        store.close()


def test_each_route_runs_once_per_set_and_sees_the_whole_set():
    seen = []

    class Two(motion.Trigger):
        def routes(self):
            return [motion.Route("query", "prompt", infer=self.p),
                    motion.Route("query", "feedback", infer=self.f)]

        def p(self, cursor, tb):
            seen.append(("prompt", cursor.get("query", tb.identifier, ["prompt", "feedback"])))

        def f(self, cursor, tb):
            seen.append(("feedback", tb.value))

    store = make_store(Two)
    try:
        store.cursor.set(relation="query", key_values={"prompt": "hi", "feedback": True})
        assert seen == [("prompt", {"prompt": "hi", "feedback": True}), ("feedback", True)]
        seen.clear()
        store.cursor.set(relation="query", identifier=0, key_values={"length": 3})
        assert seen == []
    finally:
        store.close()


class PingPong(motion.Trigger):
    def routes(self):
        return [motion.Route("query", "ping", infer=self.to_pong),
                motion.Route("query", "pong", infer=self.to_ping)]

    def to_pong(self, cursor, tb):
        cursor.set("query", tb.identifier, {"pong": tb.value + 1})

    def to_ping(self, cursor, tb):
        cursor.set("query", tb.identifier, {"ping": tb.value + 1})


def test_a_chain_of_routes_that_loops_back_raises():
    store = make_store(PingPong)
    try:
        with pytest.raises(motion.MotionCycleError, match="cycle"):
            store.cursor.set(relation="query", key_values={"ping": 0})
        # the writes before the loop was found stay; nothing hangs
        assert store.cursor.get("query", 0, ["ping", "pong"]) == {"ping": 2, "pong": 1}
    finally:
        store.close()


def test_a_loop_through_fits_is_stopped_too():
    class FitLoop(motion.Trigger):
        def routes(self):
            return [motion.Route("query", "ping", fit=self.again)]

        def again(self, cursor, tb):
            cursor.set("query", tb.identifier, {"ping": tb.value + 1})
            return {}

    store = make_store(FitLoop)
    try:
        store.cursor.set(relation="query", key_values={"ping": 0})
        with pytest.raises(motion.FitError, match="cycle"):
            store.wait_for_fits(10)
        assert store.cursor.get("query", 0, ["ping"]) == {"ping": 1}
    finally:
        store.close()


def test_a_long_chain_over_different_records_stops_at_the_depth_limit():
    class Chain(motion.Trigger):
        def routes(self):
            return [motion.Route("query", "ping", infer=self.next)]

        def next(self, cursor, tb):
            cursor.set("query", tb.identifier + 1, {"ping": tb.value + 1})

    store = make_store(Chain)
    store.space.triggers.max_depth = 5
    try:
        with pytest.raises(motion.MotionCycleError, match="depth limit 5"):
            store.cursor.set(relation="query", identifier=0, key_values={"ping": 0})
    finally:
        store.close()


def test_routes_are_trigger_links_and_removing_one_removes_the_route():
    store = make_store(Derive)
    try:
        (link,) = store.route_links("Derive")
        assert link.type.name == "ValueTriggerLink"
        assert link.out[0].name == "MotionQueryRecordNode" and link.out[1].name == "prompt"
        text = store.space.to_atomese()
        assert '(GroundedSchemaNode "py:motion-route:Derive")' in text
        store.space.remove(link)
        qid = store.cursor.set(relation="query", key_values={"prompt": "abc"})
        assert store.cursor.get("query", qid, ["length"]) == {"length": None}
        assert store.route_links() == []
    finally:
        store.close()


def test_a_value_set_through_the_atomspace_runs_the_route():
    store = make_store(Derive)
    try:
        space = store.space
        record = space.add_node("MotionQueryRecordNode", "7")
        space.set_value(record, "prompt", atomtrig.StringValue("plain"))
        assert store.cursor.get("query", 7, ["length", "shout"]) == {"length": 5, "shout": "PLAIN"}
    finally:
        store.close()


def test_records_are_atoms_a_bindlink_finds_and_atomese_triggers_react_to():
    store = make_store(Derive)
    try:
        space = store.space
        space.eval_atomese("""
            (define seen (Concept "seen"))
            (ValueTrigger (Type "MotionQueryRecordNode") (Predicate "shout")
                (Put (Lambda (Variable "$x") (Member (Variable "$x") seen)) (Variable "$r"))
                (Variable "$r"))
        """)
        store.cursor.set(relation="query", key_values={"prompt": "a"})
        store.cursor.set(relation="query", key_values={"prompt": "b"})
        members = [m for m in space.get_atoms_by_type("MemberLink")
                   if m.out[0].type.name == "MotionQueryRecordNode"]
        assert sorted(m.out[0].name for m in members) == ["0", "1"]
        found = space.execute(space.eval_atomese(
            '(Get (TypedVariable (Variable "$x") (Type "MotionQueryRecordNode"))'
            '     (Member (Variable "$x") (Concept "seen")))'))
        assert sorted(a.name for a in found.out) == ["0", "1"]
    finally:
        store.close()


def test_remove_trigger_removes_its_links():
    store = make_store(Derive, Memory)
    try:
        assert len(store.route_links()) == 2
        store.remove_trigger("Derive")
        assert [l.out[2].out[0].name for l in store.route_links()] == ["py:motion-route:Memory"]
        with pytest.raises(motion.MotionTriggerError):
            store.remove_trigger("Derive")
        with pytest.raises(motion.MotionTriggerError, match="already"):
            store.add_trigger(Memory)
    finally:
        store.close()


def test_a_loop_through_an_atomese_trigger_back_to_a_route_raises():
    from atomtrig.query.grounded import grounded, unregister

    @grounded("motion-test-reprompt")
    def reprompt(record, key):
        record.space.set_value(record, "prompt", atomtrig.StringValue("again"))
        return record

    store = make_store(Derive)
    try:
        # shout (written by the route) -> an Atomese trigger writes the prompt again -> the route
        store.space.eval_atomese("""
            (ValueTrigger (Type "MotionQueryRecordNode") (Predicate "shout")
                (ExecutionOutput (GroundedSchema "py:motion-test-reprompt")))
        """)
        with pytest.raises(motion.MotionCycleError, match="cycle"):
            store.cursor.set(relation="query", key_values={"prompt": "once"})
        assert store.cursor.get("query", 0, ["prompt", "shout"]) == {
            "prompt": "again", "shout": "ONCE"}
    finally:
        store.close()
        unregister("motion-test-reprompt")
