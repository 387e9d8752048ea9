"""Execution and evaluation, construct by construct (without the pattern matcher's links; those
are in test_query_execute_patterns.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import atomtrig
from atomtrig import (
    Anchor,
    And,
    ConceptNode,
    Cond,
    Define,
    DefinedPredicate,
    DefinedSchema,
    Delete,
    Divide,
    Equal,
    Evaluation,
    ExecutionOutput,
    FalseLink,
    GreaterThan,
    GroundedPredicate,
    GroundedSchema,
    Identical,
    IfElse,
    Inheritance,
    Lambda,
    List,
    Minus,
    Not,
    Number,
    Or,
    Plus,
    Predicate,
    Put,
    Quote,
    SequentialAnd,
    SequentialOr,
    SetValue,
    State,
    Times,
    TrueLink,
    TruthValueOf,
    TypedVariable,
    Unquote,
    ValueOf,
    Variable,
    VariableList,
)
from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
from atomtrig.core.truthvalue import FALSE_TV, TRUE_TV, stv
from atomtrig.core.values import FloatValue, LinkValue, StringValue
from atomtrig.query import evaluate, execute, grounded, instantiate, unregister

C = ConceptNode


@pytest.fixture
def space() -> Iterator[AtomSpace]:
    s = AtomSpace()
    with s:
        yield s


@pytest.fixture
def calls() -> Iterator[list[tuple[str, tuple[object, ...]]]]:
    """Registered test procedures that record their calls."""
    log: list[tuple[str, tuple[object, ...]]] = []

    def record(name: str, result: object):  # type: ignore[no-untyped-def]
        def fn(*atoms):  # type: ignore[no-untyped-def]
            log.append((name, atoms))
            return result(*atoms) if callable(result) else result

        grounded(f"t-{name}")(fn)

    record("yes", True)
    record("no", False)
    record("echo", lambda *atoms: atoms[0])
    record("concept", lambda *atoms: atomtrig.current_atomspace().add_node("Concept", "made"))
    yield log
    for name in ("yes", "no", "echo", "concept"):
        unregister(f"t-{name}")


def N(x: float):  # type: ignore[no-untyped-def]
    return Number(x)


# -- arithmetic -------------------------------------------------------------------------------
def test_arithmetic_over_numbers(space: AtomSpace) -> None:
    assert execute(space, Plus(N(2), N(3), N(4))) is N(9)
    assert execute(space, Minus(N(10), N(4))) is N(6)
    assert execute(space, Minus(N(4))) is N(-4)
    assert execute(space, Times(N(2), N(3.5))) is N(7)
    assert execute(space, Divide(N(7), N(2))) is N(3.5)
    assert execute(space, Plus()) is N(0)
    assert execute(space, Times()) is N(1)
    # x + y*10, nested (the classic execute.scm example)
    assert execute(space, Plus(N(2), Times(N(4), N(10)))) is N(42)


def test_numbers_compare_by_value(space: AtomSpace) -> None:
    assert execute(space, Plus(N(1), N(2))) is space.add_node("Number", "3.0")
    assert execute(space, Equal(Plus(N(1), N(2)), Number("3.000"))) == TRUE_TV


def test_vector_arithmetic_and_broadcast(space: AtomSpace) -> None:
    assert execute(space, Plus(Number("1 2 3"), Number("10 20 30"))) is Number("11 22 33")
    assert execute(space, Times(Number("1 2 3"), N(2))) is Number("2 4 6")
    assert execute(space, Minus(N(10), Number("1 2"))) is Number("9 8")


def test_float_values_make_float_values(space: AtomSpace) -> None:
    a = C("a")
    key = Predicate("weight")
    a.set_value(key, FloatValue(1.5, 2.5))
    assert execute(space, Times(ValueOf(a, key), N(2))) == FloatValue(3, 5)
    assert execute(space, Plus(ValueOf(a, key), ValueOf(a, key))) == FloatValue(3, 5)
    assert execute(space, GreaterThan(ValueOf(a, key), N(1))) == TRUE_TV
    assert execute(space, GreaterThan(ValueOf(a, key), N(2))) == FALSE_TV  # 1.5 > 2 is false


def test_truth_values_are_strength_confidence_vectors(space: AtomSpace) -> None:
    a = C("a", tv=stv(0.8, 0.5))
    assert execute(space, Times(TruthValueOf(a), N(2))) == FloatValue(1.6, 1.0)


def test_greater_than(space: AtomSpace) -> None:
    assert evaluate(space, GreaterThan(N(3), N(2))) == TRUE_TV
    assert evaluate(space, GreaterThan(N(2), N(3))) == FALSE_TV
    assert evaluate(space, GreaterThan(N(2), N(2))) == FALSE_TV
    assert evaluate(space, GreaterThan(Plus(N(2), N(2)), N(3))) == TRUE_TV


def test_arithmetic_with_bindings(space: AtomSpace) -> None:
    x = Variable("$x")
    assert execute(space, Times(x, x), {x: N(7)}) is N(49)


# -- values -----------------------------------------------------------------------------------
def test_value_of_and_set_value(space: AtomSpace) -> None:
    a, key = C("a"), Predicate("k")
    assert execute(space, SetValue(a, key, N(3))) is N(3)
    assert a.get_value(key) is N(3)
    assert execute(space, ValueOf(a, key)) is N(3)
    # A counter: the new value is computed from the old one.
    counter = SetValue(a, key, Plus(ValueOf(a, key), N(1)))
    execute(space, counter)
    execute(space, counter)
    assert a.get_value(key) is N(5)
    a.set_value("text", StringValue("hi"))
    assert execute(space, ValueOf(a, Predicate("text"))) == StringValue("hi")


def test_set_value_stores_values_computed_from_float_values(space: AtomSpace) -> None:
    a, key = C("a"), Predicate("v")
    a.set_value(key, FloatValue(1, 2))
    result = execute(space, SetValue(a, key, Times(ValueOf(a, key), N(10))))
    assert result == FloatValue(10, 20) and a.get_value(key) == FloatValue(10, 20)


def test_set_value_with_variables(space: AtomSpace) -> None:
    x = Variable("$x")
    execute(space, SetValue(x, Predicate("seen"), Number(1)), {x: C("b")})
    assert C("b").get_value(Predicate("seen")) is N(1)


def test_truth_value_of(space: AtomSpace) -> None:
    a = C("a", tv=stv(0.3, 0.7))
    assert execute(space, TruthValueOf(a)) == stv(0.3, 0.7)


# -- control ----------------------------------------------------------------------------------
def test_cond_takes_first_true_branch_and_default(space: AtomSpace) -> None:
    f = TrueLink()
    g = FalseLink()
    assert execute(space, Cond(g, C("a"), f, C("b"), C("c"))) is C("b")
    assert execute(space, Cond(g, C("a"), g, C("b"), C("c"))) is C("c")
    assert execute(space, Cond(g, C("a"))) is None
    assert execute(space, Cond(C("only default"))) is C("only default")


def test_cond_is_lazy(space: AtomSpace, calls: list) -> None:
    branch = ExecutionOutput(GroundedSchema("py:t-concept"), List())
    assert execute(space, Cond(FalseLink(), branch, C("else"))) is C("else")
    assert calls == []
    assert execute(space, Cond(TrueLink(), branch, C("else"))) is C("made")
    assert len(calls) == 1


def test_if_else(space: AtomSpace) -> None:
    assert execute(space, IfElse(GreaterThan(N(2), N(1)), C("then"), C("else"))) is C("then")
    assert execute(space, IfElse(GreaterThan(N(1), N(2)), C("then"), C("else"))) is C("else")
    assert execute(space, IfElse(GreaterThan(N(1), N(2)), C("then"))) is None
    # in evaluation position, the chosen branch is evaluated
    assert evaluate(space, IfElse(TrueLink(), FalseLink(), TrueLink())) == FALSE_TV


def test_sequential_and_or_short_circuit(space: AtomSpace, calls: list) -> None:
    yes = Evaluation(GroundedPredicate("py:t-yes"), List())
    no = Evaluation(GroundedPredicate("py:t-no"), List())
    assert evaluate(space, SequentialAnd(no, yes)) == FALSE_TV
    assert [c[0] for c in calls] == ["no"]
    calls.clear()
    assert evaluate(space, SequentialAnd(yes, yes, no)) == FALSE_TV
    assert [c[0] for c in calls] == ["yes", "yes", "no"]
    calls.clear()
    assert evaluate(space, SequentialOr(yes, no)) == TRUE_TV
    assert [c[0] for c in calls] == ["yes"]
    calls.clear()
    assert evaluate(space, SequentialOr(no, no)) == FALSE_TV
    assert evaluate(space, SequentialAnd()) == TRUE_TV
    assert evaluate(space, SequentialOr()) == FALSE_TV


def test_and_or_not(space: AtomSpace) -> None:
    t, f = TrueLink(), FalseLink()
    assert evaluate(space, And(t, t)) == TRUE_TV
    assert evaluate(space, And(t, f)) == FALSE_TV
    assert evaluate(space, Or(f, t)) == TRUE_TV
    assert evaluate(space, Or(f, f)) == FALSE_TV
    assert evaluate(space, Not(f)) == TRUE_TV
    assert evaluate(space, Not(t)) == FALSE_TV
    # truth values of plain atoms take part: strength >= 0.5 is true
    assert evaluate(space, And(C("strong", tv=stv(0.9, 1)), C("weak", tv=stv(0.1, 1)))) == FALSE_TV
    assert evaluate(space, Not(C("fresh"))) == FALSE_TV  # default (stv 1 0) counts as true
    # execute of an evaluatable link gives its truth value
    assert execute(space, Not(t)) == FALSE_TV


def test_true_and_false_links_run_their_members(space: AtomSpace) -> None:
    x = Variable("$x")
    write = Put(State(Anchor("mode"), x), C("on"))
    assert evaluate(space, TrueLink(write)) == TRUE_TV
    assert State(Anchor("mode"), C("on")) in space
    assert evaluate(space, FalseLink(Put(State(Anchor("mode"), x), C("off")))) == FALSE_TV
    assert space.get_link("State", [Anchor("mode"), C("off")]) is not None


def test_equal_executes_identical_does_not(space: AtomSpace) -> None:
    assert evaluate(space, Equal(Plus(N(1), N(1)), N(2))) == TRUE_TV
    assert evaluate(space, Identical(Plus(N(1), N(1)), N(2))) == FALSE_TV
    assert evaluate(space, Identical(C("a"), C("a"))) == TRUE_TV
    assert evaluate(space, Equal(C("a"), C("b"))) == FALSE_TV
    x, y = Variable("$x"), Variable("$y")
    assert evaluate(space, Identical(Inheritance(x, C("b")), Inheritance(C("a"), y)), {x: C("a"), y: C("b")}) == TRUE_TV
    a = C("a")
    a.set_value("v", FloatValue(1, 2))
    b = C("b")
    b.set_value("v", FloatValue(1, 2))
    assert evaluate(space, Equal(ValueOf(a, Predicate("v")), ValueOf(b, Predicate("v")))) == TRUE_TV


def test_evaluation_link_truth_values(space: AtomSpace, calls: list) -> None:
    plain = Evaluation(Predicate("likes"), List(C("a"), C("b")), tv=stv(0.7, 0.4))
    assert evaluate(space, plain) == stv(0.7, 0.4)
    grounded_ev = Evaluation(GroundedPredicate("py:t-yes"), List(C("a")))
    assert evaluate(space, grounded_ev) == TRUE_TV
    assert calls == [("yes", (C("a"),))]
    assert execute(space, grounded_ev) == TRUE_TV


def test_plain_atoms_evaluate_to_their_truth_value(space: AtomSpace) -> None:
    assert evaluate(space, C("x", tv=stv(0.25, 0.5))) == stv(0.25, 0.5)
    assert evaluate(space, Inheritance(C("x"), C("y"), tv=stv(0.6, 0.1))) == stv(0.6, 0.1)


def test_defined_predicates(space: AtomSpace) -> None:
    x = Variable("$x")
    Define(DefinedPredicate("big"), Lambda(x, GreaterThan(x, N(10))))
    assert evaluate(space, Evaluation(DefinedPredicate("big"), List(N(11)))) == TRUE_TV
    assert evaluate(space, Evaluation(DefinedPredicate("big"), N(9))) == FALSE_TV
    # A definition with no variables: the node alone evaluates it
    Define(DefinedPredicate("always"), SequentialAnd(TrueLink(), Not(FalseLink())))
    assert evaluate(space, DefinedPredicate("always")) == TRUE_TV
    assert evaluate(space, Evaluation(DefinedPredicate("always"), List())) == TRUE_TV


# -- ExecutionOutputLink ----------------------------------------------------------------------
def test_execution_output_with_grounded_schema(space: AtomSpace, calls: list) -> None:
    result = execute(space, ExecutionOutput(GroundedSchema("py:t-echo"), List(C("a"), C("b"))))
    assert result is C("a")
    assert calls == [("echo", (C("a"), C("b")))]


def test_arguments_are_executed_before_the_call(space: AtomSpace, calls: list) -> None:
    execute(space, ExecutionOutput(GroundedSchema("py:t-echo"), List(Plus(N(1), N(2)))))
    assert calls == [("echo", (N(3),))]


def test_lambda_and_defined_schema(space: AtomSpace) -> None:
    x, y = Variable("$X"), Variable("$Y")
    lam = Lambda(VariableList(x, y), Plus(x, Times(y, N(10))))
    assert execute(space, ExecutionOutput(lam, List(N(2), N(4)))) is N(42)
    Define(DefinedSchema("x+y*10"), lam)
    assert execute(space, ExecutionOutput(DefinedSchema("x+y*10"), List(N(2), N(4)))) is N(42)
    # A lambda with implicit variables (order of first appearance)
    # ($Y first appears first, so it takes the first argument)
    assert execute(space, ExecutionOutput(Lambda(Minus(y, x)), List(N(10), N(3)))) is N(7)


def test_defined_schema_alone_executes_its_definition(space: AtomSpace) -> None:
    Define(DefinedSchema("six"), Times(N(2), N(3)))
    assert execute(space, DefinedSchema("six")) is N(6)


def test_recursion_factorial(space: AtomSpace) -> None:
    n = Variable("$n")
    Define(
        DefinedSchema("factorial"),
        Lambda(
            TypedVariable(n, atomtrig.TypeNode("NumberNode")),
            Cond(
                GreaterThan(n, N(0)),
                Times(n, ExecutionOutput(DefinedSchema("factorial"), Minus(n, N(1)))),
                N(1),
            ),
        ),
    )
    assert execute(space, ExecutionOutput(DefinedSchema("factorial"), N(5))) is N(120)
    assert execute(space, ExecutionOutput(DefinedSchema("factorial"), N(20))) is N(2432902008176640000)
    # the classic example's benchmark depth: 100 levels of recursion at the default limit
    import math

    result = execute(space, ExecutionOutput(DefinedSchema("factorial"), N(100)))
    assert math.isclose(float(result.name), math.factorial(100), rel_tol=1e-12)


def test_recursion_with_if_else_fibonacci(space: AtomSpace) -> None:
    n = Variable("$n")
    fib = DefinedSchema("fib")
    Define(
        fib,
        Lambda(
            n,
            IfElse(
                GreaterThan(N(2), n),
                n,
                Plus(ExecutionOutput(fib, Minus(n, N(1))), ExecutionOutput(fib, Minus(n, N(2)))),
            ),
        ),
    )
    assert execute(space, ExecutionOutput(fib, N(10))) is N(55)


def test_inline_lambda_sees_the_callers_bindings(space: AtomSpace) -> None:
    x, y = Variable("$x"), Variable("$y")
    lam = Lambda(y, Plus(x, y))
    assert execute(space, ExecutionOutput(lam, List(N(2))), {x: N(40)}) is N(42)


def test_defined_lambda_does_not_see_the_callers_bindings(space: AtomSpace) -> None:
    # Lexical scope: a DefineLink's lambda is closed over nothing of the caller.
    x, y = Variable("$x"), Variable("$y")
    Define(DefinedSchema("leaky"), Lambda(y, List(x, y)))
    result = execute(space, ExecutionOutput(DefinedSchema("leaky"), List(C("b"))), {x: C("a")})
    assert result is List(x, C("b"))


def test_schema_as_variable(space: AtomSpace, calls: list) -> None:
    s = Variable("$s")
    result = execute(space, ExecutionOutput(s, List(C("z"))), {s: GroundedSchema("py:t-echo")})
    assert result is C("z")


# -- DeleteLink and StateLink -----------------------------------------------------------------
def test_delete_with_bindings_deletes_recursively(space: AtomSpace) -> None:
    x = Variable("$x")
    a = C("a")
    inner = Inheritance(a, C("b"))
    outer = List(inner, C("c"))
    template = Delete(x)
    assert execute(space, template, {x: inner}) is None
    assert inner not in space and outer not in space
    assert a in space
    assert template in space  # the template itself stays


def test_open_delete_stays_a_template(space: AtomSpace) -> None:
    x, y = Variable("$x"), Variable("$y")
    result = execute(space, Delete(Inheritance(x, y)), {x: C("a")})
    assert result is Delete(Inheritance(C("a"), y))


def test_delete_of_missing_atom_is_harmless_and_creates_nothing(space: AtomSpace) -> None:
    x = Variable("$x")
    template, a = Delete(Inheritance(x, C("never"))), C("a")
    before = len(space)
    assert execute(space, template, {x: a}) is None
    assert space.get_link("Inheritance", [C("a"), C("never")]) is None
    assert len(space) == before + 0


def test_state_write_through_put_and_bindings(space: AtomSpace) -> None:
    x = Variable("$x")
    State(Anchor("fruit"), C("apple"))
    execute(space, Put(State(Anchor("fruit"), x), C("strawberry")))
    states = [s for s in Anchor("fruit").incoming_by_type("StateLink") if not s.out[1].is_a("VariableNode")]
    assert states == [State(Anchor("fruit"), C("strawberry"))]
    instantiate(space, State(Anchor("fruit"), x), {x: C("kiwi")})
    states = [s for s in Anchor("fruit").incoming_by_type("StateLink") if not s.out[1].is_a("VariableNode")]
    assert states == [State(Anchor("fruit"), C("kiwi"))]


# -- instantiation ----------------------------------------------------------------------------
def test_instantiate_substitutes_and_executes(space: AtomSpace) -> None:
    x = Variable("$x")
    template = Inheritance(x, Plus(x, N(1)))
    assert instantiate(space, template, {x: N(1)}) is Inheritance(N(1), N(2))


def test_evaluatable_terms_stay_data_in_a_rewrite(space: AtomSpace, calls: list) -> None:
    x = Variable("$x")
    template = Evaluation(GroundedPredicate("py:t-yes"), List(x))
    assert instantiate(space, template, {x: C("a")}) is Evaluation(GroundedPredicate("py:t-yes"), List(C("a")))
    assert calls == []


def test_scope_links_keep_their_bound_variables(space: AtomSpace) -> None:
    x, y = Variable("$x"), Variable("$y")
    lam = Lambda(x, Inheritance(x, C("b")))
    assert instantiate(space, List(x, lam), {x: C("a")}) is List(C("a"), lam)
    # free variables inside a scope are substituted
    lam2 = Lambda(y, Inheritance(x, y))
    assert instantiate(space, List(lam2), {x: C("a")}) is List(Lambda(y, Inheritance(C("a"), y)))
    # a PutLink's body variables are its own, its arguments are substituted
    put = Put(Inheritance(x, C("b")), y)
    assert instantiate(space, List(put), {x: C("zzz"), y: C("a")}) is List(Inheritance(C("a"), C("b")))


def test_quotes_are_consumed_in_rewrites(space: AtomSpace) -> None:
    x, y = Variable("$x"), Variable("$y")
    quoted = Quote(atomtrig.Get(Inheritance(Unquote(x), y)))
    result = instantiate(space, quoted, {x: C("cat")})
    assert result is atomtrig.Get(Inheritance(C("cat"), y))


def test_globs_are_spliced(space: AtomSpace) -> None:
    g = atomtrig.GlobNode("$g")
    assert instantiate(space, List(C("a"), g, C("z")), {g: (C("b"), C("c"))}) is List(C("a"), C("b"), C("c"), C("z"))
    assert instantiate(space, g, {g: (C("b"), C("c"))}) is List(C("b"), C("c"))
    assert execute(space, Plus(g), {g: (N(1), N(2), N(3))}) is N(6)


def test_delete_vanishes_from_the_instantiated_result(space: AtomSpace) -> None:
    x = Variable("$x")
    old = Inheritance(C("a"), C("old"))
    result = instantiate(space, List(x, Delete(Inheritance(x, C("old")))), {x: C("a")})
    assert result is List(C("a"))
    assert old not in space


def test_value_at_the_top_of_a_rewrite(space: AtomSpace) -> None:
    x = Variable("$x")
    C("a").set_value("w", FloatValue(4))
    assert instantiate(space, ValueOf(x, Predicate("w")), {x: C("a")}) == FloatValue(4)


def test_query_results_as_link_values_are_kept_values(space: AtomSpace) -> None:
    lv = LinkValue([C("a")])
    assert lv.items == (C("a"),)


def test_space_methods(space: AtomSpace) -> None:
    s = atomtrig.AtomSpace()
    with s:
        plus = Plus(Number(20), Number(22))
        gt = GreaterThan(Number(2), Number(1))
    assert s.execute(plus) is s.add_node("Number", 42)
    assert s.evaluate(gt) == TRUE_TV
    x = s.add_node("Variable", "$x")
    assert s.execute(s.add_link("Times", [x, x]), {x: s.add_node("Number", 3)}) is s.add_node("Number", 9)


def test_trigger_design_if_else_with_grounded_predicate_condition(space: AtomSpace) -> None:
    # The TriggerLink design's example: an IfElseLink whose condition is an ExecutionOutputLink
    # over a GroundedPredicateNode, and whose branches are SequentialAndLinks of schemas.
    log: list[str] = []

    def step(name: str):  # type: ignore[no-untyped-def]
        def fn(*atoms):  # type: ignore[no-untyped-def]
            log.append(name)
            return atomtrig.current_atomspace().add_node("Concept", name)

        return fn

    authorised = {"value": False}
    grounded("t-authorised")(lambda *a: authorised["value"])
    for name in ("arm", "launch", "notify", "press"):
        grounded(f"t-{name}")(step(name))
    try:
        program = IfElse(
            ExecutionOutput(GroundedPredicate("py:t-authorised")),
            SequentialAnd(ExecutionOutput(GroundedSchema("py:t-arm")), ExecutionOutput(GroundedSchema("py:t-launch"))),
            SequentialAnd(ExecutionOutput(GroundedSchema("py:t-notify")), ExecutionOutput(GroundedSchema("py:t-press"))),
        )
        assert execute(space, program) == TRUE_TV
        assert log == ["notify", "press"]
        log.clear()
        authorised["value"] = True
        execute(space, program)
        assert log == ["arm", "launch"]
        assert execute(space, ExecutionOutput(GroundedPredicate("py:t-authorised"))) == TRUE_TV
    finally:
        for name in ("authorised", "arm", "launch", "notify", "press"):
            unregister(f"t-{name}")


def test_sequential_and_stops_at_a_schema_result_that_is_false(space: AtomSpace) -> None:
    grounded("t-false-atom")(lambda *a: atomtrig.current_atomspace().add_node("Concept", "no", tv=stv(0, 1)))
    ran: list[int] = []
    grounded("t-mark")(lambda *a: ran.append(1) or atomtrig.current_atomspace().add_node("Concept", "m"))
    try:
        seq = SequentialAnd(ExecutionOutput(GroundedSchema("py:t-false-atom")), ExecutionOutput(GroundedSchema("py:t-mark")))
        assert evaluate(space, seq) == FALSE_TV
        assert ran == []
    finally:
        unregister("t-false-atom")
        unregister("t-mark")


def test_three_atom_put_binds_its_declared_variables(space: AtomSpace) -> None:
    # (Put vardecl body args): the declared variables belong to the PutLink, the body's other
    # free variables and the arguments' variables are free (core free_variables, substitute, and
    # instantiation inside a scope link all agree).
    from atomtrig.core.variables import free_variables
    from atomtrig.query.substitute import substitute

    x, y, z = Variable("$x"), Variable("$y"), Variable("$z")
    put = Put(x, Inheritance(x, y), z)
    assert free_variables(put) == (y, z)
    assert substitute(space, put, {x: C("no"), y: C("b"), z: C("a")}) is Put(x, Inheritance(x, C("b")), C("a"))
    lam = Lambda(z, List(put))
    assert instantiate(space, List(lam), {x: C("no"), y: C("b")}) is List(Lambda(z, List(Put(x, Inheritance(x, C("b")), z))))
    assert execute(space, put, {x: C("no"), y: C("b"), z: C("a")}) is Inheritance(C("a"), C("b"))


def test_sequential_and_of_value_actions_runs_them_all(space: AtomSpace) -> None:
    a, k = C("a"), Predicate("k")
    a.set_value(k, FloatValue(0))
    bump = SetValue(a, k, Plus(ValueOf(a, k), N(1)))
    assert evaluate(space, SequentialAnd(bump, bump, bump)) == TRUE_TV
    assert a.get_value(k) == FloatValue(3)


def test_identical_with_bindings_compares_in_place(space: AtomSpace) -> None:
    x, y, g = Variable("$x"), Variable("$y"), atomtrig.GlobNode("$g")
    same = Identical(List(x, Inheritance(y, C("b"))), List(C("a"), Inheritance(C("a"), C("b"))))
    C("z")
    before = len(space)
    assert evaluate(space, same, {x: C("a"), y: C("a")}) == TRUE_TV
    assert evaluate(space, same, {x: C("a"), y: C("z")}) == FALSE_TV
    assert len(space) == before  # nothing was built to compare
    # unordered links and globs are compared through substitution
    assert evaluate(space, Identical(atomtrig.SetLink(x, C("q")), atomtrig.SetLink(C("q"), C("p"))), {x: C("p")}) == TRUE_TV
    assert evaluate(space, Identical(List(g), List(C("a"), C("b"))), {g: (C("a"), C("b"))}) == TRUE_TV
    assert evaluate(space, Identical(x, y), {x: C("a"), y: C("a")}) == TRUE_TV
    assert evaluate(space, Identical(x, C("b")), {x: C("a")}) == FALSE_TV
