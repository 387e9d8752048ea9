"""The Scheme subset: special forms, procedures, output, errors with locations."""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path

import pytest

import atomtrig
from atomtrig.atomese import AtomeseRuntimeError, AtomeseSyntaxError, Interpreter, sym
from atomtrig.atomese.data import UNSPECIFIED


@pytest.fixture
def run() -> object:
    space = atomtrig.AtomSpace()
    out = io.StringIO()
    interp = Interpreter(space, out=out)

    def run(text: str, filename: str = "t.scm") -> object:
        return interp.eval_text(text, filename)

    run.space = space  # type: ignore[attr-defined]
    run.out = out  # type: ignore[attr-defined]
    run.interp = interp  # type: ignore[attr-defined]
    return run


@pytest.mark.parametrize(
    "text, value",
    [
        ("(define x 2) (* x 21)", 42),
        ("(define (f a . rest) (list a rest)) (f 1 2 3)", [1, [2, 3]]),
        ("((lambda args args) 1 2)", [1, 2]),
        ("(let ((a 1) (b 2)) (+ a b))", 3),
        ("(let* ((a 1) (b (+ a 1))) (* a b))", 2),
        ("(letrec ((ev? (lambda (n) (if (= n 0) #t (od? (- n 1))))) (od? (lambda (n) (if (= n 0) #f (ev? (- n 1)))))) (ev? 10))", True),
        ("(let loop ((i 0) (acc '())) (if (= i 3) (reverse acc) (loop (+ i 1) (cons i acc))))", [0, 1, 2]),
        ("(cond ((> 1 2) 'a) ((assv 2 '((1 . one) (2 . two))) => cdr) (else 'c))", sym("two")),
        ("(cond ((> 1 2) 'a) (else 'c))", sym("c")),
        ("(case (* 2 3) ((2 3 5 7) 'prime) ((1 4 6 8 9) 'composite))", sym("composite")),
        ("(when (> 2 1) 'yes)", sym("yes")),
        ("(unless (> 2 1) 'yes)", UNSPECIFIED),
        ("(do ((i 0 (+ i 1)) (s 0 (+ s i))) ((= i 5) s))", 10),
        ("(define x 1) (set! x (+ x 1)) x", 2),
        ("(define xs '(2 3)) `(1 ,@xs ,(+ 2 2))", [1, 2, 3, 4]),
        ("(and 1 2 #f 3)", False),
        ("(and 1 2)", 2),
        ("(or #f 0)", 0),
        ("(if 0 'zero-is-true 'no)", sym("zero-is-true")),
        ("(if '() 'empty-list-is-true 'no)", sym("empty-list-is-true")),
        ("(begin 1 2 3)", 3),
        ("(/ 6 4)", Fraction(3, 2)),
        ("(/ 6 3)", 2),
        ("(exact->inexact (/ 1 4))", 0.25),
        ("(map (lambda (x y) (* x y)) '(1 2 3) '(4 5 6))", [4, 10, 18]),
        ("(filter odd? (iota 6))", [1, 3, 5]),
        ("(fold + 0 '(1 2 3))", 6),
        ("(apply max 1 '(5 3))", 5),
        ("(length (list 1 2 3))", 3),
        ("(null? '())", True),
        ("(equal? '(1 (2 \"x\")) (list 1 (list 2 \"x\")))", True),
        ("(eq? 'a 'a)", True),
        ("(equal? 1 1.0)", False),
        ("(string-append \"a\" \"b\" (number->string 3))", "ab3"),
        ("(symbol->string 'abc)", "abc"),
        ("(sort '(3 1 2) <)", [1, 2, 3]),
        ("(cdr (assoc \"b\" '((\"a\" . 1) (\"b\" . 2))))", 2),
    ],
)
def test_forms(run: object, text: str, value: object) -> None:
    result = run(text)  # type: ignore[operator]
    if isinstance(value, bool) or value is UNSPECIFIED:
        assert result is value
    else:
        assert result == value
        assert type(result) is type(value) or isinstance(value, list) and isinstance(result, list)


def test_tail_calls_run_in_constant_stack(run: object) -> None:
    assert run("(define (count n) (if (= n 0) 'done (count (- n 1)))) (count 200000)") is sym("done")  # type: ignore[operator]


def test_runaway_recursion_is_a_clean_error(run: object) -> None:
    with pytest.raises(AtomeseRuntimeError, match="recursion too deep"):
        run("(define (f n) (+ 1 (f n))) (f 1)")  # type: ignore[operator]


def test_display_write_format_and_newline(run: object) -> None:
    run('(display "a") (write "b") (newline) (format #t "~a|~s|~d|~,2f|~%" "x" "y" 7 3.14159)')  # type: ignore[operator]
    run('(display (Concept "c")) (display (list (Concept "d") 1))')  # type: ignore[operator]
    assert run.out.getvalue() == (  # type: ignore[attr-defined]
        'a"b"\nx|"y"|7|3.14|\n(ConceptNode "c")\n((ConceptNode "d")\n 1)'
    )
    assert run('(format #f "~a and ~a" 1 2)') == "1 and 2"  # type: ignore[operator]


def test_runtime_errors_name_the_expression_and_its_place(run: object) -> None:
    with pytest.raises(AtomeseRuntimeError) as info:
        run('(define (f x)\n  (car x))\n(display "before")\n(f 5)', "script.scm")  # type: ignore[operator]
    err = info.value
    assert str(err.location) == "script.scm:2:3"
    assert err.expression == "(car x)"
    assert "car: 5 is not a non-empty list" in str(err)


def test_unbound_names_and_unknown_types(run: object) -> None:
    with pytest.raises(AtomeseRuntimeError, match="unbound variable undefined-thing"):
        run("(undefined-thing 1)")  # type: ignore[operator]
    with pytest.raises(AtomeseRuntimeError, match=r"did you mean .*Concept"):
        run('(Conceptt "x")')  # type: ignore[operator]


def test_errors_raised_by_the_script(run: object) -> None:
    with pytest.raises(AtomeseRuntimeError, match="t.scm:1:1: error: bad thing 42"):
        run('(error "bad thing" 42)')  # type: ignore[operator]


def test_nothing_added_before_an_error_is_dropped(run: object) -> None:
    with pytest.raises(AtomeseRuntimeError):
        run('(Concept "first") (Inheritance (Concept "second") (Concept "x")) (car 1) (Concept "never")')  # type: ignore[operator]
    space = run.space  # type: ignore[attr-defined]
    assert space.get_node("Concept", "first") is not None
    assert space.get_node("Concept", "second") is not None
    assert space.get_node("Concept", "never") is None


def test_a_syntax_error_stops_before_anything_runs(run: object) -> None:
    with pytest.raises(AtomeseSyntaxError):
        run('(Concept "first")\n(Concept "second"')  # type: ignore[operator]
    assert run.space.get_node("Concept", "first") is None  # type: ignore[attr-defined]


def test_load_is_relative_to_the_script(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "helpers.scm").write_text('(define (greet n) (string-append "hi " n))')
    (tmp_path / "main.scm").write_text('(load "lib/helpers.scm") (greet "there")')
    space = atomtrig.AtomSpace()
    assert space.load_atomese(tmp_path / "main.scm") == "hi there"


def test_space_methods_keep_definitions_between_calls() -> None:
    space = atomtrig.AtomSpace()
    space.eval_atomese("(define (sq x) (* x x))")
    assert space.eval_atomese("(sq 12)") == 144
    link = space.eval_atomese('(Inheritance (stv 0.5 0.5) (Concept "a") (Concept "b"))')
    assert link is space.get_link("Inheritance", [space.get_node("Concept", "a"), space.get_node("Concept", "b")])


def test_truth_values_anywhere_among_constructor_arguments(run: object) -> None:
    link = run('(define tv (stv 0.3 0.4)) (List (Concept "a") tv (Concept "b"))')  # type: ignore[operator]
    assert link.arity == 2 and link.tv == atomtrig.stv(0.3, 0.4)
    counted = run('(Concept "c" (CountTruthValue 0.5 0.5 9))')  # type: ignore[operator]
    assert counted.tv.count == 9


def test_lists_of_atoms_are_spliced_into_links(run: object) -> None:
    link = run('(List (map (lambda (n) (Concept n)) (list "a" "b" "c")))')  # type: ignore[operator]
    assert [a.name for a in link.out] == ["a", "b", "c"]


def test_scripts_may_redefine_names(run: object) -> None:
    assert run("(define (stv a b) (list a b)) (stv 1 2)") == [1, 2]  # type: ignore[operator]
