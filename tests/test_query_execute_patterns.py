"""End to end: BindLink, QueryLink, GetLink, MeetLink, PutLink and SatisfactionLink through the
pattern matcher, and the classic AtomSpace examples (examples/atomspace, examples/pattern-matcher)
with their documented results."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import atomtrig
from atomtrig import (
    Absent,
    Anchor,
    And,
    Bind,
    ConceptNode,
    Cond,
    Define,
    DefinedSchema,
    Delete,
    Equal,
    Evaluation,
    ExecutionOutput,
    Get,
    GlobNode,
    GreaterThan,
    GroundedPredicate,
    GroundedSchema,
    Inheritance,
    Lambda,
    List,
    Meet,
    Member,
    Minus,
    Not,
    Number,
    Plus,
    Predicate,
    PredicateNode,
    Present,
    Put,
    Query,
    Satisfaction,
    SetLink,
    SetValue,
    State,
    Times,
    TypedVariable,
    TypeNode,
    ValueOf,
    Variable,
    VariableList,
)
from atomtrig.core.atom import Atom
from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
from atomtrig.core.truthvalue import FALSE_TV, TRUE_TV
from atomtrig.core.values import FloatValue, LinkValue
from atomtrig.query import evaluate, execute, grounded, unregister

C = ConceptNode
N = Number


@pytest.fixture
def space() -> Iterator[AtomSpace]:
    s = AtomSpace()
    with s:
        yield s


def members(link) -> set:  # type: ignore[no-untyped-def]
    assert link.type.name == "SetLink"
    return set(link.out)


@pytest.fixture
def animals(space: AtomSpace) -> AtomSpace:
    for name in ("cat", "dog", "frog"):
        Inheritance(C(name), C("animal"))
    Inheritance(C("cat"), C("pet"))
    Inheritance(C("dog"), C("pet"))
    return space


# -- GetLink / MeetLink -----------------------------------------------------------------------
def test_get_one_variable_gives_the_atoms(animals: AtomSpace) -> None:
    x = Variable("$x")
    result = execute(animals, Get(Inheritance(x, C("animal"))))
    assert members(result) == {C("cat"), C("dog"), C("frog")}
    assert result in animals  # the SetLink is added to the store


def test_get_several_variables_gives_lists_in_declaration_order(animals: AtomSpace) -> None:
    x, y = Variable("$x"), Variable("$y")
    result = execute(animals, Get(VariableList(y, x), Inheritance(x, y)))
    assert List(C("animal"), C("cat")) in members(result)
    assert List(C("pet"), C("dog")) in members(result)
    assert len(result.out) == 5


def test_implicit_variables_in_order_of_first_appearance(animals: AtomSpace) -> None:
    x, y = Variable("$x"), Variable("$y")
    result = execute(animals, Get(And(Inheritance(y, C("pet")), Inheritance(y, x))))
    assert members(result) == {List(C("cat"), C("animal")), List(C("cat"), C("pet")),
                               List(C("dog"), C("animal")), List(C("dog"), C("pet"))}


def test_meet_gives_a_set_too(animals: AtomSpace) -> None:
    x = Variable("$x")
    assert members(execute(animals, Meet(Inheritance(x, C("pet"))))) == {C("cat"), C("dog")}


def test_get_results_can_be_matched_later(animals: AtomSpace) -> None:
    x, other = Variable("$x"), Variable("$other")
    first = execute(animals, Get(Inheritance(x, C("pet"))))
    # A later query finds the SetLink that the first one added.
    found = execute(animals, Get(SetLink(C("cat"), other)))
    assert members(found) == {C("dog")}
    assert first is SetLink(C("cat"), C("dog"))


def test_get_with_glob(space: AtomSpace) -> None:
    g = GlobNode("$g")
    List(C("start"), C("a"), C("b"))
    List(C("start"), C("c"))
    result = execute(space, Get(List(C("start"), g)))
    assert members(result) == {List(C("a"), C("b")), List(C("c"))}


def test_get_with_no_grounding_is_an_empty_set(animals: AtomSpace) -> None:
    x = Variable("$x")
    assert execute(animals, Get(Inheritance(x, C("mineral")))) is SetLink()


def test_typed_get(space: AtomSpace) -> None:
    x = Variable("$x")
    Member(C("apple"), C("fruit"))
    Member(N(3), C("fruit"))
    result = execute(space, Get(TypedVariable(x, TypeNode("ConceptNode")), Member(x, C("fruit"))))
    assert members(result) == {C("apple")}


# -- BindLink / QueryLink ---------------------------------------------------------------------
def test_bind_rewrites_each_grounding_into_a_set(animals: AtomSpace) -> None:
    x = Variable("$x")
    result = execute(animals, Bind(Inheritance(x, C("pet")), Evaluation(Predicate("cute"), List(x))))
    assert members(result) == {Evaluation(Predicate("cute"), List(C("cat"))),
                               Evaluation(Predicate("cute"), List(C("dog")))}
    assert result in animals


def test_bind_results_are_deduplicated(animals: AtomSpace) -> None:
    x = Variable("$x")
    result = execute(animals, Bind(Inheritance(x, C("animal")), C("some animal")))
    assert result is SetLink(C("some animal"))


def test_query_returns_a_link_value_and_adds_no_set(animals: AtomSpace) -> None:
    x = Variable("$x")
    sets_before = animals.count_by_type("SetLink")
    result = execute(animals, Query(Inheritance(x, C("pet")), Evaluation(Predicate("cute"), List(x))))
    assert isinstance(result, LinkValue)
    assert set(result.items) == {Evaluation(Predicate("cute"), List(C("cat"))),
                                 Evaluation(Predicate("cute"), List(C("dog")))}
    assert animals.count_by_type("SetLink") == sets_before


def test_query_may_collect_values(space: AtomSpace) -> None:
    x = Variable("$x")
    for name, w in (("a", 1.0), ("b", 2.0)):
        C(name).set_value("w", FloatValue(w))
        Member(C(name), C("weighed"))
    result = execute(space, Query(Member(x, C("weighed")), Times(ValueOf(x, Predicate("w")), N(10))))
    assert sorted(v.items for v in result.items) == [(10.0,), (20.0,)]


def test_bind_rewrite_executes_arithmetic_and_schemas(space: AtomSpace) -> None:
    x = Variable("$x")

    @grounded("t-label")
    def label(n):  # type: ignore[no-untyped-def]
        return atomtrig.current_atomspace().add_node("Concept", f"n={n.name}")

    try:
        Member(N(1), C("nums"))
        Member(N(2), C("nums"))
        result = execute(space, Bind(Member(x, C("nums")),
                                     List(Times(x, N(10)), ExecutionOutput(GroundedSchema("py:t-label"), List(x)))))
        assert members(result) == {List(N(10), C("n=1")), List(N(20), C("n=2"))}
    finally:
        unregister("t-label")


def test_bind_rewrite_deletes_each_grounded_instance(animals: AtomSpace) -> None:
    x = Variable("$x")
    doomed = [Inheritance(C(n), C("pet")) for n in ("cat", "dog")]
    holder = List(doomed[0])  # deleted recursively with its member
    result = execute(animals, Bind(Inheritance(x, C("pet")), Delete(Inheritance(x, C("pet")))))
    assert result is SetLink()
    assert all(d not in animals for d in doomed) and holder not in animals
    assert Inheritance(C("cat"), C("animal")) in animals


def test_bind_rewrite_writes_state(space: AtomSpace) -> None:
    x = Variable("$x")
    State(Anchor("latest"), C("none"))
    Member(C("only"), C("arrivals"))
    execute(space, Bind(Member(x, C("arrivals")), State(Anchor("latest"), x)))
    assert members(execute(space, Get(State(Anchor("latest"), x)))) == {C("only")}


def test_bind_with_prebound_variables_and_outer_bindings(animals: AtomSpace) -> None:
    x, y, tag = Variable("$x"), Variable("$y"), Variable("$tag")
    query = Bind(VariableList(x, y), Inheritance(x, y), Evaluation(tag, List(x, y)))
    result = execute(animals, query, {x: C("cat"), tag: Predicate("seen")})
    assert members(result) == {Evaluation(Predicate("seen"), List(C("cat"), C("animal"))),
                               Evaluation(Predicate("seen"), List(C("cat"), C("pet")))}


def test_bind_with_anchor(animals: AtomSpace) -> None:
    x, y = Variable("$x"), Variable("$y")
    new = Inheritance(C("hamster"), C("pet"))
    query = Bind(VariableList(x, y), Inheritance(x, y), Evaluation(Predicate("new"), List(x, y)))
    result = execute(animals, query, anchor=new)
    assert members(result) == {Evaluation(Predicate("new"), List(C("hamster"), C("pet")))}
    x2 = Variable("$x2")
    assert members(execute(animals, Get(Inheritance(x2, C("pet"))), anchor=new)) == {C("hamster")}


def test_get_inside_a_rewrite_is_executed(animals: AtomSpace) -> None:
    x, y = Variable("$x"), Variable("$y")
    # (typed: the untyped $y could also be grounded by the Bind's own clause, a stored atom)
    query = Bind(Inheritance(x, C("pet")), List(x, Get(TypedVariable(y, TypeNode("ConceptNode")), Inheritance(y, C("pet")))))
    result = execute(animals, query)
    pets = SetLink(C("cat"), C("dog"))
    assert members(result) == {List(C("cat"), pets), List(C("dog"), pets)}


def test_put_inside_a_rewrite_keeps_its_own_variable(animals: AtomSpace) -> None:
    x, z = Variable("$x"), Variable("$z")
    query = Bind(Inheritance(x, C("pet")), Put(Inheritance(z, C("loved")), x))
    result = execute(animals, query)
    assert members(result) == {Inheritance(C("cat"), C("loved")), Inheritance(C("dog"), C("loved"))}


# -- virtual clauses: the matcher calls evaluate ----------------------------------------------
def test_grounded_predicate_filters_groundings(animals: AtomSpace) -> None:
    x = Variable("$x")
    grounded("t-four-letters")(lambda a: len(a.name) == 4)
    try:
        result = execute(animals, Get(And(Inheritance(x, C("animal")),
                                          Evaluation(GroundedPredicate("py:t-four-letters"), List(x)))))
        assert members(result) == {C("frog")}
    finally:
        unregister("t-four-letters")


def test_greater_than_and_equal_in_patterns(space: AtomSpace) -> None:
    x = Variable("$x")
    for name, w in (("light", 2), ("heavy", 20)):
        C(name).set_value("kg", FloatValue(w))
        Member(C(name), C("dogs"))
    heavy = execute(space, Get(And(Member(x, C("dogs")), GreaterThan(ValueOf(x, Predicate("kg")), N(10)))))
    assert members(heavy) == {C("heavy")}
    y = Variable("$y")
    Member(N(4), C("ints"))
    Member(N(5), C("ints"))
    even_plus = execute(space, Get(And(Member(y, C("ints")), Equal(Plus(y, N(1)), N(5)))))
    assert members(even_plus) == {N(4)}


def test_nested_satisfaction_under_not(animals: AtomSpace) -> None:
    x = Variable("$x")
    # The inner SatisfactionLink declares no variable of its own (an empty VariableList), so
    # $x is the outer one. (Without any declaration it would bind $x itself, as a ScopeLink.)
    wild = execute(animals, Get(And(Inheritance(x, C("animal")),
                                    Not(Satisfaction(VariableList(), Inheritance(x, C("pet")))))))
    assert members(wild) == {C("frog")}
    assert animals.get_link("Inheritance", [C("frog"), C("pet")]) is None  # nothing made to look
    y = Variable("$y")
    # An inner declared variable next to the outer one: animals with no pet-like relation
    lonely = execute(animals, Get(And(Inheritance(x, C("animal")),
                                      Not(Satisfaction(y, And(Inheritance(x, y), Equal(y, C("pet"))))))))
    assert members(lonely) == {C("frog")}


def test_absent_in_patterns(animals: AtomSpace) -> None:
    x = Variable("$x")
    wild = execute(animals, Get(And(Inheritance(x, C("animal")), Absent(Inheritance(x, C("pet"))))))
    assert members(wild) == {C("frog")}


# -- SatisfactionLink -------------------------------------------------------------------------
def test_satisfaction(animals: AtomSpace) -> None:
    x = Variable("$x")
    assert evaluate(animals, Satisfaction(Inheritance(x, C("pet")))) == TRUE_TV
    assert execute(animals, Satisfaction(Inheritance(x, C("mineral")))) == FALSE_TV
    assert evaluate(animals, Satisfaction(x, Inheritance(x, C("pet"))), {}) == TRUE_TV
    # with a pre-bound variable
    assert evaluate(animals, Satisfaction(x, Inheritance(x, C("pet"))), {x: C("frog")}) == FALSE_TV
    assert evaluate(animals, Satisfaction(x, Inheritance(x, C("pet"))), {x: C("cat")}) == TRUE_TV


def test_present_evaluated_alone(animals: AtomSpace) -> None:
    x = Variable("$x")
    assert evaluate(animals, Present(Inheritance(x, C("pet")))) == TRUE_TV
    assert evaluate(animals, Present(Inheritance(x, C("mineral")))) == FALSE_TV


# -- PutLink ----------------------------------------------------------------------------------
def test_put_single_argument(space: AtomSpace) -> None:
    x = Variable("$x")
    assert execute(space, Put(Inheritance(x, C("b")), C("a"))) is Inheritance(C("a"), C("b"))


def test_put_list_of_arguments_with_declaration(space: AtomSpace) -> None:
    x, y = Variable("$x"), Variable("$y")
    result = execute(space, Put(VariableList(y, x), Inheritance(x, y), List(C("b"), C("a"))))
    assert result is Inheritance(C("a"), C("b"))


def test_put_over_a_set_of_lists(space: AtomSpace) -> None:
    x, y = Variable("$x"), Variable("$y")
    args = SetLink(List(C("a"), C("b")), List(C("c"), C("d")))
    result = execute(space, Put(VariableList(x, y), Inheritance(x, y), args))
    assert members(result) == {Inheritance(C("a"), C("b")), Inheritance(C("c"), C("d"))}


def test_put_filter_drops_refused_types(space: AtomSpace) -> None:
    # examples/atomspace/filter.scm (put-filter): only the ConceptNodes survive.
    x = Variable("%x")
    things = SetLink(N(42), C("foo"), PredicateNode("biffle"), Evaluation(C("thingy")),
                     atomtrig.SchemaNode("finagle"), C("bar"))
    result = execute(space, Put(TypedVariable(x, TypeNode("ConceptNode")), x, things))
    assert result is SetLink(C("foo"), C("bar"))


def test_put_with_a_lambda_body_and_a_defined_schema(space: AtomSpace) -> None:
    x, y = Variable("$X"), Variable("$Y")
    Define(DefinedSchema("x+y*10"), Lambda(VariableList(x, y), Plus(x, Times(y, N(10)))))
    assert execute(space, Put(DefinedSchema("x+y*10"), List(N(2), N(4)))) is N(42)
    assert execute(space, Put(Lambda(VariableList(x, y), Minus(x, y)), List(N(2), N(4)))) is N(-2)


def test_put_a_function_link_with_appended_arguments(space: AtomSpace) -> None:
    assert execute(space, Put(Plus(), List(N(2), N(2)))) is N(4)
    assert execute(space, Put(Plus(N(9)), List(N(2), N(2)))) is N(13)


def test_put_over_a_get(animals: AtomSpace) -> None:
    x, z = Variable("$x"), Variable("$z")
    result = execute(animals, Put(Inheritance(z, C("cared for")), Get(Inheritance(x, C("pet")))))
    assert members(result) == {Inheritance(C("cat"), C("cared for")), Inheritance(C("dog"), C("cared for"))}


def test_put_delete_over_a_set(animals: AtomSpace) -> None:
    x = Variable("$x")
    result = execute(animals, Put(Delete(Inheritance(x, C("animal"))), SetLink(C("cat"), C("frog"))))
    assert result is SetLink()
    assert Inheritance(C("dog"), C("animal")) in animals
    assert animals.get_link("Inheritance", [C("cat"), C("animal")]) is None


def test_put_with_glob_variable(space: AtomSpace) -> None:
    g = GlobNode("$g")
    result = execute(space, Put(g, List(C("x"), g), List(C("a"), C("b"))))
    assert result is List(C("x"), C("a"), C("b"))


# -- the classic examples ---------------------------------------------------------------------
def test_classic_querylink_example(space: AtomSpace) -> None:
    # examples/atomspace/querylink.scm (BindLink form): pottery is made from clay.
    v0, v1, verb = Variable("$var0"), Variable("$var1"), Variable("$verb")
    Evaluation(Predicate("_obj"), List(C("make"), C("pottery")))
    Evaluation(Predicate("from"), List(C("make"), C("clay")))
    rule = Bind(VariableList(v0, v1, verb),
                And(Evaluation(Predicate("_obj"), List(verb, v0)),
                    Evaluation(Predicate("from"), List(verb, v1))),
                Evaluation(Predicate("make_from"), List(v0, v1)))
    assert execute(space, rule) is SetLink(Evaluation(Predicate("make_from"), List(C("pottery"), C("clay"))))


def test_classic_get_put_example(space: AtomSpace) -> None:
    # examples/atomspace/get-put.scm: Meet + Put gives what the QueryLink gives.
    verb, v0, v1 = Variable("$verb"), Variable("$var0"), Variable("$var1")
    for thing in ("pottery", "statue", "brick"):
        Evaluation(Predicate("_obj"), List(C("make"), C(thing)))
    Evaluation(Predicate("from"), List(C("make"), C("clay")))
    meet = Meet(VariableList(verb, v0, v1),
                And(Evaluation(Predicate("_obj"), List(verb, v0)),
                    Evaluation(Predicate("from"), List(verb, v1))))
    assert len(execute(space, meet).out) == 3
    rule = Put(VariableList(Variable("verb"), Variable("thing"), Variable("stuff")),
               Evaluation(Predicate("make_from"), List(Variable("thing"), Variable("stuff"))),
               meet)
    expected = {Evaluation(Predicate("make_from"), List(C(t), C("clay"))) for t in ("pottery", "statue", "brick")}
    assert members(execute(space, rule)) == expected
    query = Query(VariableList(verb, v0, v1), meet.out[1],
                  Evaluation(Predicate("make_from"), List(v0, v1)))
    assert set(execute(space, query).items) == expected


def test_classic_state_example(space: AtomSpace) -> None:
    # examples/atomspace/state.scm
    x = Variable("$x")
    fruit = Anchor("fruit")
    State(fruit, C("apple"))
    State(fruit, C("banana"))
    State(fruit, C("apple"))
    assert execute(space, Get(State(fruit, x))) is SetLink(C("apple"))
    assert execute(space, Equal(SetLink(C("apple")), Get(State(fruit, x)))) == TRUE_TV
    assert execute(space, Equal(SetLink(C("banana")), Get(State(fruit, x)))) == FALSE_TV
    execute(space, Put(State(fruit, x), C("strawberry")))
    assert execute(space, Get(State(fruit, x))) is SetLink(C("strawberry"))


def test_classic_factorial_example(space: AtomSpace) -> None:
    # examples/atomspace/factorial.scm: 5! = 120
    n = Variable("$n")
    Define(DefinedSchema("factorial"),
           Lambda(TypedVariable(n, TypeNode("NumberNode")),
                  Cond(GreaterThan(n, N(0)),
                       Times(n, ExecutionOutput(DefinedSchema("factorial"), Minus(n, N(1)))),
                       N(1))))
    assert execute(space, ExecutionOutput(DefinedSchema("factorial"), N(5))) is N(120)


def test_classic_execute_example(space: AtomSpace) -> None:
    # examples/atomspace/execute.scm: the three ways of computing x+y*10 for (2, 4)
    x, y = Variable("$X"), Variable("$Y")
    lam = Lambda(VariableList(x, y), Plus(x, Times(y, N(10))))
    Define(DefinedSchema("x+y*10"), lam)
    args = List(N("2"), N("4"))
    assert execute(space, ExecutionOutput(DefinedSchema("x+y*10"), args)) is N(42)
    assert execute(space, Put(DefinedSchema("x+y*10"), args)) is N(42)
    assert execute(space, ExecutionOutput(lam, args)) is N(42)


def test_values_as_counters_in_rules(space: AtomSpace) -> None:
    # A rule that bumps a counter value for each grounding (FloatValue arithmetic in a rewrite).
    x = Variable("$x")
    key = Predicate("count")
    for name in ("a", "b"):
        Member(C(name), C("seen"))
        C(name).set_value(key, FloatValue(0))
    rule = Query(Member(x, C("seen")), SetValue(x, key, Plus(ValueOf(x, key), N(1))))
    result = execute(space, rule)
    assert isinstance(result, LinkValue) and set(result.items) == {FloatValue(1)}
    execute(space, rule)
    assert [C(n).get_value(key) for n in ("a", "b")] == [FloatValue(2), FloatValue(2)]


def test_put_over_a_query_link_value(animals: AtomSpace) -> None:
    x, z = Variable("$x"), Variable("$z")
    query = Query(Inheritance(x, C("pet")), Evaluation(Predicate("cute"), List(x)))
    result = execute(animals, Put(Evaluation(Predicate("very"), List(z)), query))
    assert members(result) == {Evaluation(Predicate("very"), List(Evaluation(Predicate("cute"), List(C(n)))))
                               for n in ("cat", "dog")}


def test_quote_at_the_top_of_execute_is_kept(space: AtomSpace) -> None:
    x = Variable("$x")
    quoted = atomtrig.Quote(Get(Inheritance(x, C("pet"))))
    assert execute(space, quoted) is quoted


def test_concurrent_queries_and_writes(animals: AtomSpace) -> None:
    import threading

    x = Variable("$x")
    get = Get(Inheritance(x, C("pet")))
    errors: list[Exception] = []

    def worker(k: int) -> None:
        try:
            with animals:  # the current AtomSpace is per thread
                for i in range(30):
                    assert members(execute(animals, get)) >= {C("cat"), C("dog")}
                    execute(animals, Put(State(Anchor(f"slot{k}"), x), N(i)))
        except Exception as exc:  # noqa: BLE001  (any failure in a thread is reported below)
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for k in range(4):
        assert execute(animals, Get(State(Anchor(f"slot{k}"), x))) is SetLink(N(29))


def test_defined_predicate_as_a_virtual_clause(animals: AtomSpace) -> None:
    x, y = Variable("$x"), Variable("$y")
    atomtrig.Define(atomtrig.DefinedPredicate("is-pet"), Lambda(y, Satisfaction(VariableList(), Inheritance(y, C("pet")))))
    pets = execute(animals, Get(And(Inheritance(x, C("animal")),
                                    Evaluation(atomtrig.DefinedPredicate("is-pet"), List(x)))))
    assert members(pets) == {C("cat"), C("dog")}


def test_classic_finite_state_machine(space: AtomSpace) -> None:
    # tests/query/finite-state-machine.scm: a BindLink whose rewrite writes the next state and
    # deletes the current one; the DeleteLink vanishes from the rewrite's AndLink.
    current, cur, nxt = atomtrig.AnchorNode("Current State"), Variable("$curr-state"), Variable("$next-state")
    List(current, C("initial state"))
    for a, b in (("initial state", "green"), ("green", "yellow"), ("yellow", "red"), ("red", "green")):
        List(C(a), C(b))
    step = Bind(VariableList(cur, nxt),
                And(List(current, cur), List(cur, nxt)),
                And(List(current, nxt), Delete(List(current, cur))))
    seen = []
    for _ in range(5):
        result = execute(space, step)
        (only,) = result.out
        assert only.type.name == "AndLink" and len(only.out) == 1
        seen.append(only.out[0].out[1].name)
    assert seen == ["green", "yellow", "red", "green", "yellow"]
    states = [link for link in current.incoming_by_type("ListLink") if link.out[1].is_a("ConceptNode")]
    assert states == [List(current, C("yellow"))]


def test_classic_eval_var_executable_groundings_run_in_the_rewrite(space: AtomSpace) -> None:
    # tests/query/eval-var.scm: the rewrite is just $action, grounded by an ExecutionOutputLink;
    # the classic instantiator runs it. A grounding that is only data is left as it is, and a
    # quoted one stays quoted data.
    cxt, cond, action = Variable("$cxt"), Variable("$condition"), Variable("$action")
    grounded("t-truf")(lambda x: x.name == "good")
    grounded("t-konsekwens")(lambda x: atomtrig.current_atomspace().add_link("Implication", [x, x]))
    try:
        for situation, verdict, what in (("situation", "good", "acceptance"), ("predicament", "bad", "rejection")):
            # (there is no ContextLink type here: a ListLink plays its part)
            List(C(situation),
                 Evaluation(GroundedPredicate("py:t-truf"), List(C(verdict))),
                 ExecutionOutput(GroundedSchema("py:t-konsekwens"), List(Predicate(what))))
        do_things = Bind(VariableList(cxt, cond, action),
                         And(List(cxt, cond, action), Evaluation(Predicate("holds"), List(cond))),
                         action)
        Evaluation(Predicate("holds"), List(Evaluation(GroundedPredicate("py:t-truf"), List(C("good")))))
        result = execute(space, do_things)
        assert result is SetLink(atomtrig.ImplicationLink(Predicate("acceptance"), Predicate("acceptance")))
        kept = execute(space, Get(VariableList(cxt, cond, action), List(cxt, cond, action)))
        assert len(kept.out) == 2  # GetLink gives the groundings themselves, not run
    finally:
        unregister("t-truf")
        unregister("t-konsekwens")


def test_classic_greater_compute(space: AtomSpace) -> None:
    # tests/query/greater-compute.scm: a virtual GreaterThanLink over arithmetic and a grounded
    # schema decides the groundings; the rewrite calls another schema. (EvaluationLink stands in
    # for the EdgeLink this store has no type for.)
    import math

    who, much = Variable("$who"), Variable("$how_much")
    grounded("t-eff")(lambda x: atomtrig.current_atomspace().add_node("Number", math.sqrt(float(x.name))))

    def crash_b(person, quant):  # type: ignore[no-untyped-def]
        space_ = atomtrig.current_atomspace()
        cube = execute(space_, space_.add_link("Times", [quant, quant, quant]))
        return space_.add_link("Evaluation", [space_.add_node("Predicate", "power"), space_.add_link("List", [person, cube])])

    grounded("t-crash-b")(crash_b)
    try:
        for name, ergs in (("Ken", 10), ("Peter", 8), ("Linas", 4), ("Joe Novice", 1)):
            Evaluation(Predicate("ergs"), List(C(name), N(ergs)))
        query = Query(VariableList(who, much),
                      And(Evaluation(Predicate("ergs"), List(who, much)),
                          GreaterThan(Plus(Times(N(1.4), much, much),
                                           ExecutionOutput(GroundedSchema("py:t-eff"), List(much))),
                                      N(142))),
                      ExecutionOutput(GroundedSchema("py:t-crash-b"), List(who, much)))
        result = execute(space, query)
        assert list(result.items) == [Evaluation(Predicate("power"), List(C("Ken"), N(1000)))]
    finally:
        unregister("t-eff")
        unregister("t-crash-b")


def test_classic_define_schema_over_a_put(space: AtomSpace) -> None:
    # tests/query/define-schema.scm: executing a DefinedSchemaNode runs its definition, here a
    # PutLink whose argument is computed by a grounded schema.
    ts = Variable("$ts")
    grounded("t-now")(lambda: atomtrig.current_atomspace().add_node("Number", 1234))
    try:
        Define(DefinedSchema("set timestamp"),
               Put(Evaluation(Predicate("event-timestamp"), List(ts)),
                   ExecutionOutput(GroundedSchema("py:t-now"), List())))
        result = execute(space, DefinedSchema("set timestamp"))
        assert result is Evaluation(Predicate("event-timestamp"), List(N(1234)))
    finally:
        unregister("t-now")


def test_put_unwraps_single_member_sets_from_gets_in_a_list(space: AtomSpace) -> None:
    # atomspace issue #2307: the GetLinks inside the argument ListLink are run and their
    # one-member SetLinks unwrapped.
    x, y, X = Variable("x"), Variable("y"), Variable("$X")
    Inheritance(C("Jim"), C("Father"))
    Inheritance(C("Jane"), C("Mother"))
    put = Put(Lambda(VariableList(x, y), Evaluation(Predicate("relatives"), List(x, y, C("mom and pop")))),
              List(Get(TypedVariable(X, TypeNode("ConceptNode")), Inheritance(X, C("Father"))),
                   Get(TypedVariable(X, TypeNode("ConceptNode")), Inheritance(X, C("Mother")))))
    assert execute(space, put) is Evaluation(Predicate("relatives"), List(C("Jim"), C("Jane"), C("mom and pop")))
    empty = Put(Lambda(VariableList(x, y), List(x, y)),
                List(Get(TypedVariable(X, TypeNode("ConceptNode")), Inheritance(X, C("Nobody"))), C("z")))
    with pytest.raises(atomtrig.query.ExecutionError, match="empty set"):
        execute(space, empty)


def test_classic_eval_equal(space: AtomSpace) -> None:
    # tests/query/eval-equal.scm (InheritanceLink for the AssociativeLink this store lacks):
    # EqualLink, NotLink, OrLink and AndLink nested as virtual clauses.
    def idea(n: str) -> Atom:
        return C(f"idea {n}")

    arcs = [("one", "one"), ("one", "two"), ("two", "one"), ("two", "three"), ("three", "one"),
            ("three", "four"), ("four", "one"), ("four", "five"), ("five", "one"),
            ("one", "three"), ("one", "four"), ("one", "five")]
    for a, b in arcs:
        Inheritance(idea(a), idea(b))
    x = Variable("$x")

    def wrapper(*extra: Atom) -> int:
        query = Bind(x, And(Inheritance(idea("one"), x), Inheritance(x, idea("one")), *extra), x)
        return len(execute(space, query).out)

    def eq(n: str) -> Atom:
        return Equal(x, idea(n))

    assert wrapper() == 5
    assert wrapper(eq("one")) == 1
    assert wrapper(eq("three")) == 1
    assert wrapper(eq("three"), eq("four")) == 0
    assert wrapper(Not(eq("three"))) == 4
    assert wrapper(Not(eq("three")), Not(eq("four")), Not(eq("five"))) == 2
    assert wrapper(Not(eq("one"))) == 4
    assert wrapper(atomtrig.Or(eq("one"), eq("two"))) == 2
    assert wrapper(Not(atomtrig.Or(eq("one"), eq("two")))) == 3
    assert wrapper(And(Not(eq("three")), Not(atomtrig.Or(eq("four"), eq("five"))))) == 2


def test_classic_recognizer_dual_link(space: AtomSpace) -> None:
    # examples/pattern-matcher/recognizer.scm: the DualLink finds the stored patterns (here the
    # antecedents of two QueryLinks) that a sentence would ground.
    star = GlobNode("$star")
    i_star_you = List(C("I"), star, C("you"))
    i_love_star = List(C("I"), C("love"), star)
    Query(i_star_you, List(C("I"), star, C("you"), C("too")))
    Query(i_love_star, List(C("I"), C("like"), star, C("a"), C("lot!")))
    sentence = List(C("I"), C("love"), C("you"))
    assert execute(space, atomtrig.Dual(sentence)) is SetLink(i_star_you, i_love_star)
    adverbs = List(C("I"), C("really"), C("truly"), C("love"), C("you"))
    assert execute(space, atomtrig.Dual(adverbs)) is SetLink(i_star_you)
    assert execute(space, atomtrig.Dual(List(C("nothing"), C("matches")))) is SetLink()
    # variables deeper down are found too
    x = Variable("$x")
    deep = Evaluation(Predicate("likes"), List(x, C("cheese")))
    assert execute(space, atomtrig.Dual(Evaluation(Predicate("likes"), List(C("Ann"), C("cheese"))))) is SetLink(deep)
