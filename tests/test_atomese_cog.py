"""The cog- procedures."""

from __future__ import annotations

import io
import threading

import pytest

import atomtrig
from atomtrig.atomese import AtomeseRuntimeError, Interpreter, sym
from atomtrig.core.events import ChangeKind
from atomtrig.core.truthvalue import stv
from atomtrig.core.values import FloatValue, StringValue


@pytest.fixture
def interp() -> Interpreter:
    return Interpreter(atomtrig.AtomSpace(), out=io.StringIO())


def ev(interp: Interpreter, text: str) -> object:
    return interp.eval_text(text)


def test_truth_value_procedures(interp: Interpreter) -> None:
    ev(interp, '(define a (Concept "a" (stv 0.8 0.9)))')
    assert ev(interp, "(cog-tv a)") == stv(0.8, 0.9)
    assert ev(interp, "(list (cog-mean a) (cog-confidence a))") == [0.8, 0.9]
    ev(interp, "(cog-set-tv! a (ctv 0.5 0.5 10))")
    assert ev(interp, "(cog-count a)") == 10
    assert ev(interp, "(cdr (assoc 'mean (cog-tv->alist (cog-tv a))))") == 0.5


def test_structure_procedures(interp: Interpreter) -> None:
    ev(interp, '(define l (Inheritance (Concept "a") (Concept "b")))')
    ev(interp, '(define m (Member (Concept "a") (Concept "set")))')
    assert ev(interp, "(cog-arity l)") == 2
    assert ev(interp, "(cog-type l)") is sym("InheritanceLink")
    assert ev(interp, "(map cog-name (cog-outgoing-set l))") == ["a", "b"]
    assert ev(interp, "(cog-name l)") == ""
    assert len(ev(interp, '(cog-incoming-set (Concept "a"))')) == 2
    assert ev(interp, "(cog-incoming-by-type (Concept \"a\") 'MemberLink)") == [ev(interp, "m")]
    assert ev(interp, "(list (cog-atom? l) (cog-node? l) (cog-link? l) (cog-atom? 3))") == [
        True, False, True, False,
    ]
    assert ev(interp, "(cog-node? (Concept \"a\"))") is True
    assert len(ev(interp, "(cog-get-atoms 'ConceptNode)")) == 3
    assert ev(interp, "(cog-get-atoms 'Node)") == []
    assert len(ev(interp, "(cog-get-atoms 'Node #t)")) == 3


def test_lookup_and_creation_by_type(interp: Interpreter) -> None:
    assert ev(interp, "(cog-node 'ConceptNode \"zz\")") == []
    node = ev(interp, "(cog-new-node 'ConceptNode \"zz\" (stv 0.5 0.5))")
    assert ev(interp, "(cog-node 'Concept \"zz\")") is node and node.tv == stv(0.5, 0.5)
    link = ev(interp, "(cog-new-link 'ListLink (Concept \"zz\") (Concept \"yy\"))")
    assert ev(interp, "(cog-link 'ListLink (Concept \"zz\") (Concept \"yy\"))") is link
    assert ev(interp, "(cog-link 'ListLink (Concept \"yy\") (Concept \"zz\"))") == []
    with pytest.raises(AtomeseRuntimeError, match="not a node type"):
        ev(interp, "(cog-new-node 'ListLink \"x\")")
    with pytest.raises(AtomeseRuntimeError, match="did you mean"):
        ev(interp, "(cog-new-node 'ConceptNod \"x\")")


def test_extract(interp: Interpreter) -> None:
    ev(interp, '(define l (List (Concept "a") (Concept "b")))')
    assert ev(interp, '(cog-extract! (Concept "a"))') is False
    assert ev(interp, '(cog-extract-recursive! (Concept "a"))') is True
    assert interp.space.get_node("Concept", "a") is None
    assert interp.space.get_node("Concept", "b") is not None
    assert ev(interp, '(cog-extract! (Concept "b"))') is True


def test_values(interp: Interpreter) -> None:
    ev(interp, '(define a (Concept "a")) (define k (Predicate "k"))')
    ev(interp, "(cog-set-value! a k (FloatValue 1 2 3))")
    assert interp.space.get_value(ev(interp, "a"), ev(interp, "k")) == FloatValue([1, 2, 3])
    assert ev(interp, "(cog-value-ref (cog-value a k) 1)") == 2.0
    ev(interp, '(cog-set-value! a (Predicate "s") (StringValue "x" "y"))')
    assert ev(interp, '(cog-value a (Predicate "s"))') == StringValue(["x", "y"])
    assert len(ev(interp, "(cog-keys a)")) == 2
    assert ev(interp, '(cog-value a (Predicate "none"))') == []
    with pytest.raises(AtomeseRuntimeError, match="out of range"):
        ev(interp, "(cog-value-ref (cog-value a k) 7)")


def test_execute_and_evaluate_use_the_query_layer(interp: Interpreter) -> None:
    ev(interp, '(Inheritance (Concept "a") (Concept "thing")) (Inheritance (Concept "b") (Concept "thing"))')
    result = ev(interp, '(cog-execute! (Get (Inheritance (Variable "$x") (Concept "thing"))))')
    assert sorted(a.name for a in result.out) == ["a", "b"]
    assert ev(interp, "(cog-evaluate! (GreaterThan (Number 3) (Number 2)))") == stv(1, 1)
    assert ev(interp, "(cog-execute! (Plus (Number 3) (Number 2)))").name == "5"


def test_scm_grounded_schemas_call_script_procedures(interp: Interpreter) -> None:
    ev(interp, '(define (tag x) (Inheritance x (Concept "tagged")))')
    result = ev(interp, '(cog-execute! (ExecutionOutput (GroundedSchema "scm: tag") (List (Concept "q"))))')
    assert result.out[1].name == "tagged"
    with pytest.raises(AtomeseRuntimeError, match="no Scheme procedure nope"):
        ev(interp, '(cog-execute! (ExecutionOutput (GroundedSchema "scm: nope") (List (Concept "q"))))')


def test_ping_reaches_listeners_without_changing_the_atom(interp: Interpreter) -> None:
    space = interp.space
    seen = []

    class Listener:
        def changes_applied(self, space: object, events: list) -> None:
            seen.extend(e.kind for e in events)

    atom = ev(interp, '(Concept "bell")')
    space.add_listener(Listener())
    space.set_watch(atom, ChangeKind.PING)
    ev(interp, '(cog-ping! (Concept "bell"))')
    assert seen == [ChangeKind.PING]


def test_wait_for_triggers_waits_for_the_spaces_trigger_engine() -> None:
    calls = []
    space = atomtrig.AtomSpace()

    def wait(timeout: float | None = None) -> bool:
        calls.append(timeout)
        return True

    space.triggers.wait = wait  # type: ignore[method-assign]
    interp = Interpreter(space)
    interp.eval_text("(cog-wait-for-triggers) (cog-wait-for-triggers 2)")
    assert calls == [None, 2]
    assert threading.active_count() >= 1


def test_prt_atomspace_prints_the_roots(interp: Interpreter) -> None:
    ev(interp, '(List (Concept "a")) (Concept "b")')
    ev(interp, "(cog-prt-atomspace)")
    printed = interp.out.getvalue()  # type: ignore[attr-defined]
    assert '(ListLink\n  (ConceptNode "a"))\n' in printed and '(ConceptNode "b")\n' in printed
    assert printed.count("ConceptNode") == 2
