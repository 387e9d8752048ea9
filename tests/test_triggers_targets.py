"""Trigger targets that go through the query layer: BindLink (anchored and full), ImplicationLink
under ForAllLink with an AnyNode (the seed's second example, with revision), IfElse and
SequentialAnd, the EquivalenceLink convention, file schemas, and scheduled execution."""

from __future__ import annotations

import textwrap

import pytest

import atomtrig
from atomtrig import stv
from atomtrig.query.grounded import grounded, unregister
from atomtrig.triggers import (
    ManualClock,
    SchemaFileError,
    TriggerDefinitionError,
    using_folder,
)
from atomtrig.triggers.equivalence import set_equivalence_threshold
from atomtrig.triggers.revision import revise


@pytest.fixture
def space():
    s = atomtrig.AtomSpace()
    yield s
    s.triggers.close()


def C(s, name):
    return s.add_node("Concept", name)


def food_rule(s):
    x = s.add_node("Variable", "$X")
    food = C(s, "food")
    edible = s.add_node("Predicate", "edible")
    bind = s.add_link("Bind", [x, s.add_link("Inheritance", [x, food]),
                               s.add_link("Evaluation", [edible, x])])
    return food, edible, bind


def edible_names(s, edible):
    return sorted(l.out[1].name for l in edible.incoming_by_type("EvaluationLink")
                  if l.out[1].type.name != "VariableNode")


def test_relationship_trigger_runs_a_bindlink_anchored_on_the_new_link(space):
    food, edible, bind = food_rule(space)
    space.add_link("Inheritance", [C(space, "old-apple"), food])  # before the trigger
    space.add_link("RelationshipTrigger", [food, bind])
    space.add_link("Inheritance", [C(space, "pear"), food])
    space.add_link("Inheritance", [C(space, "plum"), food])
    space.add_link("Inheritance", [food, C(space, "thing")])  # food on the other side: no match
    assert edible_names(space, edible) == ["pear", "plum"]
    assert space.trigger_stats()[0].fired == 3


def test_full_query_option_runs_the_whole_query(space):
    food, edible, bind = food_rule(space)
    space.add_link("Inheritance", [C(space, "old-apple"), food])
    space.add_trigger("RelationshipTrigger", [food, bind], full_query=True)
    space.add_link("Inheritance", [C(space, "pear"), food])
    assert edible_names(space, edible) == ["old-apple", "pear"]


def test_rewrite_revision_counts_productions(space):
    food, edible, bind = food_rule(space)
    space.add_trigger("RelationshipTrigger", [food, bind], full_query=True)
    pear = C(space, "pear")
    space.add_link("Inheritance", [pear, food])
    fact = space.get_link("Evaluation", [edible, pear])
    assert fact.tv.count == 1
    space.add_link("Inheritance", [C(space, "fig"), food])  # the full query produces pear again
    assert fact.tv.count == 2
    assert isinstance(fact.tv, atomtrig.CountTruthValue)


def test_revision_rule_for_simple_truth_values():
    assert revise(stv(0.2, 0.5), stv(1.0, 0.5)) == stv(0.6, 1600 / 2400)
    assert revise(stv(0.3, 1.0), None) == stv(0.3, 1.0)  # certain: unchanged
    merged = revise(stv(1, 0), None)  # no evidence yet + one observation
    assert merged.strength == 1 and merged.count == pytest.approx(1.0)


def test_seed_example_1_strength_trigger_binds_the_variable(space):
    """StrengthTriggerLink [456] [123] (Number .8): when "starving me" rises past .8, the
    BindLink runs (here with its variable bound by a 4th argument to a different source)."""
    eaten = []

    @grounded("seed-eat")
    def eat(x):
        eaten.append(x.name)
        return x

    try:
        me = C(space, "me")
        starving = space.add_link("Evaluation", [space.add_node("Predicate", "starving"), me])
        x = space.add_node("Variable", "$X")
        near = space.add_link("Evaluation", [space.add_node("Predicate", "near"), me, x])
        is_food = space.add_link("Inheritance", [x, C(space, "food")])
        bind = space.add_link("Bind", [x, space.add_link("And", [starving, near, is_food]),
                                       space.add_link("ExecutionOutput", [
                                           space.add_node("GroundedSchema", "py:seed-eat"),
                                           space.add_link("List", [x])])])
        for thing in ("bread", "stone"):
            space.add_link("Evaluation", [space.add_node("Predicate", "near"), me, C(space, thing)])
        space.add_link("Inheritance", [C(space, "bread"), C(space, "food")])
        space.add_link("StrengthTrigger", [starving, bind, space.add_node("Number", 0.8)])
        starving.tv = stv(0.5, 0.9)
        assert eaten == []
        starving.tv = stv(0.9, 0.9)
        assert eaten == ["bread"]
    finally:
        unregister("seed-eat")


def seed_rule(space):
    """The seed's ForAllLink [777] with $W [888] typed PredicateNode."""
    W, X, Z = (space.add_node("Variable", n) for n in ("$W", "$X", "$Z"))
    pred = space.add_node("Type", "PredicateNode")
    decl = space.add_link("VariableList", [space.add_link("TypedVariable", [W, pred]),
                                           space.add_link("TypedVariable", [X, pred])])
    antecedent = space.add_link("Evaluation", [W, X, space.add_node("AnyNode", "")])
    consequent = space.add_link("SatisfyingSet", [
        space.add_link("TypedVariable", [Z, space.add_node("Type", "ConceptNode")]),
        space.add_link("Evaluation", [W, X, Z])])
    rule = space.add_link("ForAll", [decl, space.add_link("Implication", [antecedent, consequent])])
    return rule, W


def test_seed_example_2_satisfying_set_counts_observations(space):
    rule, W = seed_rule(space)
    subject = space.add_node("Predicate", "subject")
    tickle = space.add_node("Predicate", "tickle")
    space.add_link("RelationshipTrigger", [subject, rule, W])
    for who in ("Ben", "Ruiting", "Cassio"):
        space.add_link("Evaluation", [subject, tickle, C(space, who)])
    space.add_link("Evaluation", [subject, tickle, C(space, "Ben")])  # not new: not counted
    sets = space.get_atoms_by_type("SatisfyingSetLink")
    produced = [s for s in sets if s.out[1].out[0] is subject]
    assert len(produced) == 1
    sat = produced[0]
    assert sat.out[1].out[1] is tickle and sat.out[1].out[2] is sat.out[0].out[0]  # $Z stays bound
    assert sat.tv.count == 3
    # Another verb gets its own set.
    space.add_link("Evaluation", [subject, space.add_node("Predicate", "eat"), C(space, "Ben")])
    assert sorted(s.tv.count for s in space.get_atoms_by_type("SatisfyingSetLink")
                  if s.out[1].out[0] is subject) == [1, 3]


def test_seed_rule_variable_type_must_unify(space):
    rule, W = seed_rule(space)
    with pytest.raises(TriggerDefinitionError, match="restricted to"):
        space.add_link("RelationshipTrigger", [C(space, "subject"), rule, W])
    with pytest.raises(TriggerDefinitionError, match="not a variable of the target"):
        space.add_link("RelationshipTrigger", [space.add_node("Predicate", "subject"), rule,
                                               space.add_node("Variable", "$Q")])


def test_seed_example_3_ping_with_ifelse_and_sequential_and(space):
    log = []
    authorised = [False]
    for step in ("activate", "launch", "notify", "press"):
        grounded(f"nuke-{step}")(lambda *a, step=step: log.append(step) or space.add_node("Concept", step))
    grounded("nuke-authorised")(lambda *a: authorised[0])
    try:
        def eol(name):
            return space.add_link("ExecutionOutput", [space.add_node("GroundedSchema", f"py:nuke-{name}"),
                                                      space.add_link("List", [])])
        condition = space.add_link("Evaluation", [space.add_node("GroundedPredicate", "py:nuke-authorised"),
                                                  space.add_link("List", [])])
        target = space.add_link("IfElse", [condition,
                                           space.add_link("SequentialAnd", [eol("activate"), eol("launch")]),
                                           space.add_link("SequentialAnd", [eol("notify"), eol("press")])])
        button = C(space, "Red Button")
        space.add_link("PingTrigger", [button, target])
        space.ping(button)
        assert log == ["notify", "press"]
        authorised[0] = True
        space.ping(button)
        assert log == ["notify", "press", "activate", "launch"]
    finally:
        for n in ("activate", "launch", "notify", "press", "authorised"):
            unregister(f"nuke-{n}")


def test_equivalence_link_convention(space):
    calls = []
    grounded("equiv-destroy")(lambda *a: calls.append(len(a)) or space.add_node("Concept", "done"))
    try:
        red = space.add_node("Schema", "Red Button")
        gsn = space.add_node("GroundedSchema", "py:equiv-destroy")
        equiv = space.add_link("Equivalence", [red, gsn], tv=stv(1, 1))
        target = space.add_link("ExecutionOutput", [red, space.add_link("List", [C(space, "x")])])
        assert space.execute(target).name == "done"
        button = C(space, "button")
        space.add_link("PingTrigger", [button, space.add_link("ExecutionOutput", [red])])
        space.ping(button)
        assert calls == [1, 1]
        equiv.tv = stv(1, 0.2)  # below the threshold: not equivalent any more
        space.ping(button)
        assert calls == [1, 1] and "EquivalenceLink" in space.trigger_stats()[0].last_error
        set_equivalence_threshold(0.5, 0.1)
        space.ping(button)
        assert calls == [1, 1, 1]
    finally:
        set_equivalence_threshold()
        unregister("equiv-destroy")


CHEESE_PROCESSOR = textwrap.dedent("""
    SEEN = []
    def run(source, link):
        SEEN.append(link.out[0].name)
        link.space.add_node("Concept", "processed " + link.out[0].name)
""")


@pytest.fixture
def allowed_folder(tmp_path):
    atomtrig.allow_schemas(tmp_path)  # the suite's conftest restores the allow-list
    return tmp_path


def test_file_schemas_resolve_against_the_script_folder(space, allowed_folder):
    tmp_path = allowed_folder
    (tmp_path / "newCheeseProcessor.py").write_text(CHEESE_PROCESSOR)
    with using_folder(tmp_path):
        cheese = C(space, "cheese")
        space.add_link("RelationshipTrigger", [cheese, space.add_link("ExecutionOutput", [
            space.add_node("GroundedSchema", "newCheeseProcessor.py")])])
    space.add_link("Inheritance", [C(space, "brie"), cheese])  # outside the folder block
    assert space.get_node("Concept", "processed brie") is not None


def test_file_schemas_are_refused_unless_their_folder_is_allowed(space, tmp_path):
    marker = tmp_path / "ran"
    (tmp_path / "newCheeseProcessor.py").write_text(
        f"open({str(marker)!r}, 'w').close()\n" + CHEESE_PROCESSOR)
    with using_folder(tmp_path):
        cheese = C(space, "cheese")
        space.add_link("RelationshipTrigger", [cheese, space.add_link("ExecutionOutput", [
            space.add_node("GroundedSchema", "newCheeseProcessor.py")])])
        space.add_link("Inheritance", [C(space, "brie"), cheese])
    stats = space.trigger_stats()[0]
    assert stats.failed == 1 and "--allow-schemas" in stats.last_error
    assert not marker.exists()  # the file was never imported
    assert space.get_node("Concept", "processed brie") is None
    assert space.get_link("Inheritance", [C(space, "brie"), cheese]) is not None  # update kept


@pytest.mark.parametrize("name", ["../evil.py", "/etc/evil.py", "sub/../../evil.py"])
def test_file_schemas_that_escape_are_refused(space, tmp_path, name):
    button = C(space, "b")
    with using_folder(tmp_path):
        space.add_link("PingTrigger", [button, space.add_link("ExecutionOutput", [
            space.add_node("GroundedSchema", name)])])
    space.ping(button)
    stats = space.trigger_stats()[0]
    assert stats.failed == 1 and "refused" in stats.last_error


def test_missing_file_schema_is_a_clear_error(space, tmp_path):
    from atomtrig.triggers.schema_files import locate

    with using_folder(tmp_path), pytest.raises(SchemaFileError, match="not found"):
        locate("nothere.py")


# -- scheduled execution ---------------------------------------------------------------------------
def scheduled(space, ms, mode, name, condition=None):
    body = space.add_link("ExecutionOutput", [space.add_node("GroundedSchema", f"py:{name}"),
                                              space.add_link("List", [])])
    out = [space.add_node("Number", ms), C(space, mode), body] + ([condition] if condition else [])
    return space.add_link("ScheduledExecution", out)


def test_repeating_schedule_runs_every_period(space):
    runs = []

    @grounded("tick-r")
    def tick(*a):
        runs.append(space.triggers.scheduler.clock.now())
        return space.add_node("Concept", "tick")

    try:
        clock = ManualClock()
        space.triggers.scheduler.use_clock(clock)
        link = scheduled(space, 100, "Repeating", "tick-r")
        clock.advance(0.35)
        assert runs == pytest.approx([0.1, 0.2, 0.3])
        space.remove(link)  # removal cancels pending runs
        clock.advance(1.0)
        assert len(runs) == 3
    finally:
        unregister("tick-r")


def test_run_once_and_condition(space):
    runs = []
    allowed = [False]

    @grounded("tick-o")
    def tick(*a):
        runs.append(1)
        return space.add_node("Concept", "tick")

    grounded("tick-allowed")(lambda *a: allowed[0])
    try:
        clock = ManualClock(10.0)
        space.triggers.scheduler.use_clock(clock)
        once = scheduled(space, 50, "RunOnce", "tick-o")
        cond = space.add_link("Evaluation", [space.add_node("GroundedPredicate", "py:tick-allowed"),
                                             space.add_link("List", [])])
        guarded = scheduled(space, 100, "Repeating", "tick-o", cond)
        clock.advance(0.25)  # once at 10.05; guarded due at 10.1, 10.2 but not allowed
        assert len(runs) == 1
        assert space.trigger_stats(guarded)[0].skipped == 2
        allowed[0] = True
        clock.advance(0.1)
        assert len(runs) == 2
        assert space.trigger_stats(once)[0].fired == 1
        assert once in space  # a RunOnce link stays, inert
    finally:
        unregister("tick-o")
        unregister("tick-allowed")


def test_real_clock_schedule_runs_in_the_background(space):
    import time

    runs = []
    grounded("tick-real")(lambda *a: runs.append(1) or space.add_node("Concept", "t"))
    try:
        link = scheduled(space, 20, "Repeating", "tick-real")
        deadline = time.monotonic() + 5
        while len(runs) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(runs) >= 3
        space.remove(link)
        time.sleep(0.05)
        n = len(runs)
        time.sleep(0.1)
        assert len(runs) == n
    finally:
        unregister("tick-real")


def test_type_source_binds_the_changed_atom(space):
    """A StrengthTriggerLink on (Type "PredicateNode") with a variable: the predicate whose
    strength rose is bound to it."""
    x = space.add_node("Variable", "$P")
    alarm = space.add_node("Predicate", "alarm")
    rule = space.add_link("Bind", [
        space.add_link("TypedVariable", [x, space.add_node("Type", "PredicateNode")]),
        space.add_link("Present", [space.add_link("Evaluation", [x, C(space, "house")])]),
        space.add_link("Evaluation", [alarm, x])])
    space.add_link("StrengthTrigger", [space.add_node("Type", "PredicateNode"), rule,
                                       space.add_node("Number", 0.5), x])
    smoke, flood = space.add_node("Predicate", "smoke"), space.add_node("Predicate", "flood")
    space.add_link("Evaluation", [smoke, C(space, "house")])
    space.add_link("Evaluation", [flood, C(space, "house")])
    smoke.tv = stv(0.9, 0.9)
    assert [l.out[1].name for l in alarm.incoming_by_type("EvaluationLink")
            if l.out[1].type.name != "VariableNode"] == ["smoke"]


def test_value_trigger_with_a_bindlink_target(space):
    """The Motion layer's use: when a model gets new weights, mark it for re-evaluation."""
    m = space.add_node("Variable", "$M")
    stale = space.add_node("Predicate", "stale")
    rule = space.add_link("Bind", [m, space.add_link("Inheritance", [m, C(space, "model")]),
                                   space.add_link("Evaluation", [stale, m])])
    weights = space.add_node("Predicate", "weights")
    space.add_link("ValueTrigger", [space.add_node("Type", "ConceptNode"), weights, rule, m])
    net = C(space, "net")
    space.add_link("Inheritance", [net, C(space, "model")])
    C(space, "rock").set_value(weights, [1.0])  # not a model: nothing
    net.set_value(weights, [0.5, 0.25])
    marked = [l.out[1].name for l in stale.incoming_by_type("EvaluationLink")
              if l.out[1].type.name != "VariableNode"]
    assert marked == ["net"]


def test_switching_full_query_after_firing_takes_effect(space):
    from atomtrig.triggers import set_trigger_options

    food, edible, bind = food_rule(space)
    space.add_link("Inheritance", [C(space, "old-apple"), food])
    trig = space.add_link("RelationshipTrigger", [food, bind])
    space.add_link("Inheritance", [C(space, "pear"), food])
    assert edible_names(space, edible) == ["pear"]
    set_trigger_options(trig, full_query=True)
    space.add_link("Inheritance", [C(space, "plum"), food])
    assert edible_names(space, edible) == ["old-apple", "pear", "plum"]
