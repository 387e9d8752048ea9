"""Every error path of execution and evaluation: malformed links, wrong arity, bad operands,
unknown definitions, wrong return kinds, bad bindings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import atomtrig
from atomtrig import (
    Bind,
    ConceptNode,
    Cond,
    Define,
    DefinedPredicate,
    DefinedSchema,
    Divide,
    Dual,
    Equal,
    Evaluation,
    ExecutionOutput,
    GreaterThan,
    GroundedSchema,
    Identical,
    IfElse,
    Inheritance,
    Lambda,
    List,
    Member,
    Minus,
    Not,
    Number,
    Plus,
    Predicate,
    Put,
    SchemaNode,
    SetLink,
    SetValue,
    Times,
    TruthValueOf,
    TypedVariable,
    TypeNode,
    ValueOf,
    Variable,
    VariableList,
)
from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
from atomtrig.core.errors import AtomtrigError
from atomtrig.core.values import FloatValue
from atomtrig.query import evaluate, execute, grounded, instantiate, unregister
from atomtrig.query.apply import add_schema_fallback, remove_schema_fallback
from atomtrig.query.errors import (
    DivisionByZeroError,
    ExecutionError,
    ExecutionTypeError,
    GroundedProcedureError,
    QueryError,
    UndefinedError,
)

C = ConceptNode
N = Number


@pytest.fixture
def space() -> Iterator[AtomSpace]:
    s = AtomSpace()
    with s:
        yield s


def test_error_hierarchy() -> None:
    for cls in (ExecutionTypeError, DivisionByZeroError, UndefinedError, GroundedProcedureError):
        assert issubclass(cls, ExecutionError)
    assert issubclass(ExecutionError, QueryError) and issubclass(QueryError, AtomtrigError)
    assert issubclass(DivisionByZeroError, ZeroDivisionError)
    assert issubclass(ExecutionTypeError, TypeError)
    assert issubclass(UndefinedError, LookupError)


# -- wrong arity ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make, fragment",
    [
        (lambda: ValueOf(C("a")), "ValueOfLink takes exactly 2"),
        (lambda: SetValue(C("a"), Predicate("k")), "SetValueLink takes exactly 3"),
        (lambda: TruthValueOf(C("a"), C("b")), "TruthValueOfLink takes exactly 1"),
        (lambda: ExecutionOutput(), "ExecutionOutputLink takes 1 to 2"),
        (lambda: ExecutionOutput(GroundedSchema("py:x"), List(), List()), "ExecutionOutputLink takes 1 to 2"),
        (lambda: Put(C("a")), "PutLink takes 2 to 3"),
        (lambda: Put(C("a"), C("b"), C("c"), C("d")), "PutLink takes 2 to 3"),
        (lambda: IfElse(C("a")), "IfElseLink takes 2 to 3"),
        (lambda: IfElse(C("a"), C("b"), C("c"), C("d")), "IfElseLink takes 2 to 3"),
        (lambda: Cond(), "CondLink takes at least 1"),
        (lambda: Divide(N(1), N(2), N(3)), "DivideLink takes two operands"),
        (lambda: Divide(N(1)), "DivideLink takes two operands"),
        (lambda: Minus(N(1), N(2), N(3)), "MinusLink takes two operands"),
        (lambda: Minus(), "MinusLink takes two operands"),
    ],
)
def test_wrong_arity_on_execute(space: AtomSpace, make, fragment: str) -> None:  # type: ignore[no-untyped-def]
    link = make()
    with pytest.raises(ExecutionError) as info:
        execute(space, link)
    assert fragment in str(info.value)
    assert link.type.name in str(info.value)


@pytest.mark.parametrize(
    "make, fragment",
    [
        (lambda: Not(), "NotLink takes exactly 1"),
        (lambda: Not(C("a"), C("b")), "NotLink takes exactly 1"),
        (lambda: GreaterThan(N(1)), "GreaterThanLink takes two operands"),
        (lambda: GreaterThan(N(1), N(2), N(3)), "GreaterThanLink takes two operands"),
        (lambda: Equal(N(1)), "EqualLink takes at least 2"),
        (lambda: Identical(N(1)), "IdenticalLink takes at least 2"),
        (lambda: Evaluation(), "EvaluationLink takes 1 to 2"),
        (lambda: Evaluation(Predicate("p"), List(), List()), "EvaluationLink takes 1 to 2"),
    ],
)
def test_wrong_arity_on_evaluate(space: AtomSpace, make, fragment: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ExecutionError, match=fragment):
        evaluate(space, make())


def test_malformed_put(space: AtomSpace) -> None:
    x = Variable("$x")
    with pytest.raises(ExecutionError, match="must be a variable declaration"):
        execute(space, Put(C("not a decl"), x, C("a")))
    Define(DefinedSchema("not-a-lambda"), C("plain"))
    with pytest.raises(ExecutionError, match="must be defined as a LambdaLink"):
        execute(space, Put(DefinedSchema("not-a-lambda"), C("a")))
    with pytest.raises(ExecutionTypeError, match="2 variable\\(s\\) but 1 argument"):
        execute(space, Put(VariableList(x, Variable("$y")), List(x, Variable("$y")), List(C("a"))))
    with pytest.raises(ExecutionError, match="has no variable to put the arguments into"):
        execute(space, Put(Inheritance(C("a"), C("b")), C("c")))


def test_put_lone_argument_of_refused_type(space: AtomSpace) -> None:
    x = Variable("$x")
    with pytest.raises(ExecutionTypeError, match="does not fit the declaration"):
        execute(space, Put(TypedVariable(x, TypeNode("ConceptNode")), x, N(3)))


def test_malformed_lambda(space: AtomSpace) -> None:
    x = Variable("$x")
    with pytest.raises(ExecutionError, match="LambdaLink needs a body"):
        execute(space, ExecutionOutput(Lambda(), List()))
    with pytest.raises(ExecutionError, match="declaration and one body"):
        execute(space, ExecutionOutput(Lambda(x, x, x), List(C("a"))))
    with pytest.raises(ExecutionError, match="optional declaration and one body"):
        execute(space, ExecutionOutput(Lambda(C("a"), C("b")), List()))


def test_lambda_argument_count_and_types(space: AtomSpace) -> None:
    x, y = Variable("$x"), Variable("$y")
    lam = Lambda(VariableList(x, y), Plus(x, y))
    with pytest.raises(ExecutionTypeError, match="2 variable\\(s\\) but 3 argument"):
        execute(space, ExecutionOutput(lam, List(N(1), N(2), N(3))))
    typed = Lambda(TypedVariable(x, TypeNode("NumberNode")), Times(x, x))
    with pytest.raises(ExecutionTypeError, match="does not fit the declaration of"):
        execute(space, ExecutionOutput(typed, List(C("a"))))


# -- arithmetic -------------------------------------------------------------------------------
def test_division_by_zero(space: AtomSpace) -> None:
    link = Divide(N(1), Minus(N(2), N(2)))
    with pytest.raises(DivisionByZeroError) as info:
        execute(space, link)
    assert "division by zero" in str(info.value) and "DivideLink" in str(info.value)
    with pytest.raises(DivisionByZeroError):
        execute(space, Divide(Number("1 2"), Number("1 0")))


def test_non_number_arithmetic(space: AtomSpace) -> None:
    with pytest.raises(ExecutionTypeError, match='ConceptNode "a".*not a number'):
        execute(space, Plus(N(1), C("a")))
    with pytest.raises(ExecutionTypeError, match="a free variable, not a number"):
        execute(space, Times(Variable("$unbound"), N(2)))
    C("s").set_value("txt", atomtrig.StringValue("x"))
    with pytest.raises(ExecutionTypeError, match="StringValue"):
        execute(space, Plus(ValueOf(C("s"), Predicate("txt")), N(1)))
    with pytest.raises(ExecutionTypeError, match="not a number"):
        evaluate(space, GreaterThan(C("a"), N(1)))
    C("e").set_value("empty", FloatValue([]))
    with pytest.raises(ExecutionTypeError, match="empty FloatValue"):
        execute(space, Plus(ValueOf(C("e"), Predicate("empty"))))


def test_vector_length_mismatch_and_non_finite(space: AtomSpace) -> None:
    with pytest.raises(ExecutionTypeError, match="different lengths"):
        execute(space, Plus(Number("1 2"), Number("1 2 3")))
    with pytest.raises(ExecutionError, match="not a finite number"):
        execute(space, Times(N(1e308), N(10)))


# -- definitions ------------------------------------------------------------------------------
def test_unknown_defined_schema_and_predicate(space: AtomSpace) -> None:
    with pytest.raises(UndefinedError, match='DefinedSchemaNode "nowhere".*not defined'):
        execute(space, ExecutionOutput(DefinedSchema("nowhere"), List()))
    with pytest.raises(UndefinedError, match='DefinedPredicateNode "nothing"'):
        evaluate(space, Evaluation(DefinedPredicate("nothing"), List()))
    with pytest.raises(UndefinedError):
        execute(space, DefinedSchema("nowhere"))


def test_definition_cycle(space: AtomSpace) -> None:
    Define(DefinedSchema("a"), DefinedSchema("b"))
    Define(DefinedSchema("b"), DefinedSchema("a"))
    with pytest.raises(ExecutionError, match="cycle"):
        execute(space, ExecutionOutput(DefinedSchema("a"), List()))


def test_runaway_recursion_is_an_execution_error(space: AtomSpace) -> None:
    x = Variable("$x")
    Define(DefinedSchema("forever"), Lambda(x, ExecutionOutput(DefinedSchema("forever"), List(x))))
    with pytest.raises(ExecutionError, match="recursed too deeply"):
        execute(space, ExecutionOutput(DefinedSchema("forever"), List(C("a"))))
    Define(DefinedPredicate("never-ends"), Lambda(x, Evaluation(DefinedPredicate("never-ends"), List(x))))
    with pytest.raises(ExecutionError, match="recursed too deeply"):
        evaluate(space, Evaluation(DefinedPredicate("never-ends"), List(C("a"))))


def test_defined_predicate_without_lambda_takes_no_arguments(space: AtomSpace) -> None:
    Define(DefinedPredicate("flag"), atomtrig.TrueLink())
    with pytest.raises(ExecutionError, match="takes no arguments"):
        evaluate(space, Evaluation(DefinedPredicate("flag"), List(C("a"))))


# -- schemas and predicates of the wrong kind -------------------------------------------------
def test_ungrounded_schema_is_an_error_unless_a_fallback_takes_it(space: AtomSpace) -> None:
    link = ExecutionOutput(SchemaNode("plain"), List(C("a")))
    with pytest.raises(ExecutionError, match="needs a GroundedSchemaNode, a DefinedSchemaNode or a LambdaLink"):
        execute(space, link)

    def fallback(sp, where, schema, args):  # type: ignore[no-untyped-def]
        if schema.name == "plain":
            return sp.add_node("Concept", f"fallback ran on {args[0].name}")
        return NotImplemented

    add_schema_fallback(fallback)
    try:
        assert execute(space, link) is C("fallback ran on a")
        with pytest.raises(ExecutionError):
            execute(space, ExecutionOutput(SchemaNode("other"), List()))
    finally:
        remove_schema_fallback(fallback)
    remove_schema_fallback(fallback)  # absent: no error
    with pytest.raises(ExecutionError):
        execute(space, link)


def test_schema_in_evaluation(space: AtomSpace) -> None:
    with pytest.raises(ExecutionError, match="is a schema; execute it"):
        evaluate(space, Evaluation(GroundedSchema("py:s"), List()))
    Define(DefinedSchema("some-schema"), Lambda(Variable("$x"), Variable("$x")))
    Define(DefinedPredicate("alias"), DefinedSchema("some-schema"))
    with pytest.raises(ExecutionError, match="is a schema; execute it"):
        evaluate(space, Evaluation(DefinedPredicate("alias"), List(C("a"))))


def test_value_where_an_atom_is_needed(space: AtomSpace) -> None:
    grounded("t-vec")(lambda *a: FloatValue(1))
    try:
        with pytest.raises(ExecutionTypeError, match="inside a link, where only atoms can go"):
            execute(space, List(ExecutionOutput(GroundedSchema("py:t-vec"), List())))
        x = Variable("$x")
        Member(C("a"), C("group"))
        with pytest.raises(ExecutionTypeError, match="use a QueryLink"):
            execute(space, Bind(Member(x, C("group")), ExecutionOutput(GroundedSchema("py:t-vec"), List())))
        with pytest.raises(ExecutionTypeError, match="not atoms"):
            execute(space, Put(Inheritance(x, C("b")), ExecutionOutput(GroundedSchema("py:t-vec"), List())))
        # evaluated, an action that gives a Value counts as done (true)
        assert evaluate(space, ExecutionOutput(GroundedSchema("py:t-vec"), List())).strength == 1
    finally:
        unregister("t-vec")


def test_value_of_missing_value(space: AtomSpace) -> None:
    with pytest.raises(ExecutionError, match='holds no value under \\(PredicateNode "missing"\\)'):
        execute(space, ValueOf(C("a"), Predicate("missing")))


def test_set_value_of_nothing(space: AtomSpace) -> None:
    x = Variable("$x")
    C("victim")
    with pytest.raises(ExecutionError, match="gave nothing to set"):
        execute(space, SetValue(C("a"), Predicate("k"), atomtrig.Delete(x)), {x: C("victim")})


def test_malformed_dual_link(space: AtomSpace) -> None:
    with pytest.raises(ExecutionError, match="DualLink takes exactly 1"):
        execute(space, Dual(Inheritance(C("a"), C("b")), C("c")))
    with pytest.raises(ExecutionError, match="recognises patterns for a link"):
        execute(space, Dual(C("a")))
    with pytest.raises(ExecutionError, match="not a query this executor runs"):
        execute(space, Dual(Inheritance(C("a"), C("b"))), anchor=C("a"))


# -- bad bindings and arguments ---------------------------------------------------------------
def test_bad_bindings(space: AtomSpace) -> None:
    x, g = Variable("$x"), atomtrig.GlobNode("$g")
    target = Inheritance(x, C("b"))
    with pytest.raises(ExecutionTypeError, match="must be a mapping|must map variables"):
        execute(space, target, [(x, C("a"))])  # type: ignore[arg-type]
    with pytest.raises(ExecutionTypeError, match="is not a variable"):
        execute(space, target, {C("a"): C("b")})
    with pytest.raises(ExecutionTypeError, match="is not a variable"):
        execute(space, target, {"$x": C("b")})  # type: ignore[dict-item]
    with pytest.raises(ExecutionTypeError, match="must be bound to an atom"):
        execute(space, target, {x: "cat"})  # type: ignore[dict-item]
    with pytest.raises(ExecutionTypeError, match="only a GlobNode"):
        execute(space, target, {x: (C("a"),)})
    with pytest.raises(ExecutionTypeError, match="must hold atoms only"):
        execute(space, List(g), {g: (C("a"), "b")})  # type: ignore[dict-item]
    with pytest.raises(ExecutionTypeError, match="must map variables"):
        evaluate(space, target, [1])  # type: ignore[arg-type]


def test_non_atoms_and_misplaced_anchor(space: AtomSpace) -> None:
    with pytest.raises(ExecutionTypeError, match="execute needs an atom"):
        execute(space, "(Concept a)")  # type: ignore[arg-type]
    with pytest.raises(ExecutionTypeError, match="evaluate needs an atom"):
        evaluate(space, None)  # type: ignore[arg-type]
    with pytest.raises(ExecutionError, match="anchor= applies to pattern links"):
        execute(space, Plus(N(1)), anchor=C("a"))


def test_malformed_pattern_links_raise_query_errors(space: AtomSpace) -> None:
    with pytest.raises(QueryError):
        execute(space, atomtrig.Get())
    with pytest.raises(QueryError):
        execute(space, Bind(Inheritance(Variable("$x"), C("a"))))  # no rewrite


def test_errors_leave_the_store_usable(space: AtomSpace) -> None:
    before = {a for a in space}
    with pytest.raises(DivisionByZeroError):
        execute(space, Divide(N(1), N(0)))
    assert before <= {a for a in space}
    assert execute(space, Plus(N(1), N(1))) is N(2)


def test_instantiate_reports_problems_too(space: AtomSpace) -> None:
    x = Variable("$x")
    with pytest.raises(ExecutionTypeError):
        instantiate(space, List(Plus(x, N(1))), {x: C("not a number")})
    assert SetLink() is not None
