"""The Scheme-subset evaluator that runs Atomese scripts.

Supported special forms: ``define`` (values and procedures, also ``define-public``), ``lambda``,
``let`` (and named ``let``), ``let*``, ``letrec``, ``letrec*``, ``if``, ``cond`` (with ``else``
and ``=>``), ``case``, ``when``, ``unless``, ``do``, ``begin``, ``quote``, ``quasiquote``
(with ``unquote`` and ``unquote-splicing``), ``set!``, ``and``, ``or`` and ``use-modules``
(accepted and ignored: everything is always loaded). Calls in tail position do not grow the
Python stack, so loops written as recursion run in constant stack space.

Every type name, full or short, is a procedure that makes an atom in the interpreter's
AtomSpace: ``(Concept "cat")``, ``(InheritanceLink (stv 0.9 0.8) a b)``.

>>> from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
>>> interp = Interpreter(AtomSpace())
>>> interp.eval_text('''
... (define (fact n) (if (= n 0) 1 (* n (fact (- n 1)))))
... (define cat (Concept "cat"))
... (list (fact 20) (cog-name cat))''')
[2432902008176640000, 'cat']
>>> interp.eval_text('(let loop ((i 0)) (if (< i 100000) (loop (+ i 1)) i))')
100000
"""

from __future__ import annotations

import os

import io
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TextIO

from atomtrig.atomese.builder import (
    TRUTH_VALUE_NAMES,
    VALUE_NAMES,
    build_atom,
    make_truth_value,
    make_value,
)
from atomtrig.atomese.data import UNSPECIFIED, SList, Symbol, abbreviate, make_pair, sym, to_write
from atomtrig.atomese.errors import AtomeseError, AtomeseRuntimeError, AtomeseSyntaxError, SchemeError
from atomtrig.atomese.limits import Limits, StepMeter
from atomtrig.atomese.limits import activate as activate_limits
from atomtrig.atomese.limits import deactivate as deactivate_limits
from atomtrig.atomese.reader import read, read_source
from atomtrig.core.errors import AtomtrigError
from atomtrig.core.types import AtomType, types

__all__ = ["Environment", "Interpreter", "Procedure", "TypeConstructor"]

# Non-tail recursion in scripts nests Python calls; give it room (tail calls use none).
_MIN_RECURSION_LIMIT = 10000
if sys.getrecursionlimit() < _MIN_RECURSION_LIMIT:
    sys.setrecursionlimit(_MIN_RECURSION_LIMIT)


_UNBOUNDED = Limits()


class Environment:
    """A frame of variable bindings with a link to the enclosing frame."""

    __slots__ = ("vars", "parent")

    def __init__(self, vars: dict[Symbol, Any], parent: Environment | None = None) -> None:
        self.vars = vars
        self.parent = parent

    def frame_of(self, name: Symbol) -> dict[Symbol, Any] | None:
        env: Environment | None = self
        while env is not None:
            if name in env.vars:
                return env.vars
            env = env.parent
        return None


class Procedure:
    """A procedure made by ``lambda`` or ``define``."""

    __slots__ = ("params", "rest", "body", "env", "name")

    def __init__(
        self, params: list[Symbol], rest: Symbol | None, body: list[Any], env: Environment,
        name: str = "lambda",
    ) -> None:
        self.params = params
        self.rest = rest
        self.body = body
        self.env = env
        self.name = name

    def bind(self, args: list[Any]) -> Environment:
        params = self.params
        n = len(params)
        if len(args) != n and (self.rest is None or len(args) < n):
            expected = f"{n}{' or more' if self.rest is not None else ''}"
            raise AtomeseRuntimeError(
                f"procedure {self.name} takes {expected} argument(s), got {len(args)}"
            )
        frame = dict(zip(params, args))
        if self.rest is not None:
            frame[self.rest] = list(args[n:])
        return Environment(frame, self.env)

    def __repr__(self) -> str:
        return f"#<procedure {self.name}>"


class TypeConstructor:
    """The procedure an atom type name stands for: ``(ConceptNode "x")``."""

    __slots__ = ("atom_type", "space_of")

    def __init__(self, atom_type: AtomType, space_of: Callable[[], Any]) -> None:
        self.atom_type = atom_type
        self.space_of = space_of

    def __call__(self, *args: Any) -> Any:
        return build_atom(self.space_of(), self.atom_type, args)

    def __repr__(self) -> str:
        return f"#<procedure {self.atom_type.name}>"


_S = sym
QUOTE, QUASIQUOTE, UNQUOTE, UNQUOTE_SPLICING = (
    _S("quote"), _S("quasiquote"), _S("unquote"), _S("unquote-splicing")
)
IF, DEFINE, DEFINE_PUBLIC, SET, LAMBDA, BEGIN = (
    _S("if"), _S("define"), _S("define-public"), _S("set!"), _S("lambda"), _S("begin")
)
LET, LET_STAR, LETREC, LETREC_STAR = _S("let"), _S("let*"), _S("letrec"), _S("letrec*")
COND, CASE, ELSE, ARROW, AND, OR = _S("cond"), _S("case"), _S("else"), _S("=>"), _S("and"), _S("or")
WHEN, UNLESS, DO, USE_MODULES, DOT = _S("when"), _S("unless"), _S("do"), _S("use-modules"), _S(".")
DEFINE_MODULE = _S("define-module")


def _short(form: Any, limit: int = 120) -> str:
    text = " ".join(abbreviate(form, limit + 1).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Interpreter:
    """Runs Atomese (Scheme) text against an AtomSpace.

    ``out`` receives what ``display``, ``write`` and ``format #t`` print (default: the
    process's standard output at the time of printing).
    """

    def __init__(self, space: Any, out: TextIO | None = None, limits: Limits | None = None) -> None:
        from atomtrig.atomese.procedures import install

        self.space = space
        self._out = out
        self.limits = limits or Limits()
        """The bounds of evaluation (:mod:`atomtrig.atomese.limits`); set it to change them."""
        # Evaluations outside eval_text (a procedure called back by a trigger) count steps on
        # an unbounded meter; eval_text starts a meter with the limits for each text it runs.
        self._meter = StepMeter(_UNBOUNDED)
        self._steps_left = self._meter.first_chunk()
        self.global_env = Environment({})
        self.current_file: Path | None = None
        self._special: dict[Symbol, Callable[[SList, Environment], Any]] = {
            QUOTE: self._quote,
            QUASIQUOTE: self._quasiquote,
            DEFINE: self._define,
            DEFINE_PUBLIC: self._define,
            SET: self._set,
            LAMBDA: self._lambda,
            USE_MODULES: lambda x, env: UNSPECIFIED,
            DEFINE_MODULE: lambda x, env: UNSPECIFIED,
        }
        install(self)

    # -- output ------------------------------------------------------------------------------
    @property
    def out(self) -> TextIO:
        return self._out if self._out is not None else sys.stdout

    def write(self, text: str) -> None:
        self.out.write(text)

    # -- running text ------------------------------------------------------------------------
    def define(self, name: str, value: Any) -> None:
        """Bind ``name`` in the global environment (how procedures are installed)."""
        self.global_env.vars[sym(name)] = value

    def eval_text(self, text: str, filename: str = "<string>") -> Any:
        """Read all of ``text`` (a syntax error anywhere stops before anything runs), then
        evaluate its forms in order; returns the value of the last one."""
        value: Any = UNSPECIFIED
        running = _running_stack()
        outermost = self not in running  # a (load ...) inside a script shares its meter
        token = activate_limits(self.limits)
        saved = self._meter, self._steps_left
        try:
            forms = read(text, filename)
            if outermost:
                self._meter = StepMeter(self.limits)
                self._steps_left = self._meter.first_chunk()
            running.append(self)
            try:
                for form in forms:
                    value = self.eval(form, self.global_env)
            finally:
                running.pop()
        finally:
            if outermost:
                self._meter, self._steps_left = saved
            deactivate_limits(token)
        return value

    def run_file(self, path: str | os.PathLike[str]) -> Any:
        """Run a script file; ``load`` inside it resolves names against its folder."""
        path = Path(path)
        text = read_source(path)
        previous = self.current_file
        self.current_file = path.resolve()
        from atomtrig.triggers.schema_files import using_folder

        try:
            with using_folder(self.current_file.parent):  # "name.py" file schemas resolve here
                return self.eval_text(text, str(path))
        finally:
            self.current_file = previous

    def load(self, name: str) -> Any:
        """``(load "file.scm")``: relative to the running script's folder."""
        if not isinstance(name, str):
            raise AtomeseRuntimeError(f"load needs a file name string, not {to_write(name)}")
        path = Path(name)
        if not path.is_absolute():
            base = self.current_file.parent if self.current_file else Path.cwd()
            path = base / path
        if not path.is_file():
            raise AtomeseRuntimeError(f"load: no file {str(path)!r}")
        self.run_file(path)
        return UNSPECIFIED

    # -- evaluation --------------------------------------------------------------------------
    def lookup(self, name: Symbol, env: Environment) -> Any:
        e: Environment | None = env
        while e is not None:
            vars = e.vars
            if name in vars:
                return vars[name]
            e = e.parent
        return self._global_fallback(name)

    def _global_fallback(self, name: Symbol) -> Any:
        text = name.name
        t = types.get(text)
        if t is not None and not t.abstract:
            ctor = TypeConstructor(t, lambda: self.space)
            self.global_env.vars[name] = ctor
            return ctor
        if text in TRUTH_VALUE_NAMES or text in VALUE_NAMES:
            make = make_truth_value if text in TRUTH_VALUE_NAMES else make_value

            def construct(*args: Any) -> Any:
                return make(text, args)

            construct.__name__ = text
            self.global_env.vars[name] = construct
            return construct
        hint = ""
        if t is not None:
            hint = f" ({t.name} is an abstract type)"
        elif text[:1].isupper():
            try:
                types[text]
            except AtomtrigError as err:
                hint = f" ({err})"
        raise AtomeseRuntimeError(f"unbound variable {text}{hint}")

    def eval(self, x: Any, env: Environment) -> Any:
        """The value of the datum ``x`` in ``env``."""
        while True:
            cls = x.__class__
            if cls is Symbol:
                return self.lookup(x, env)
            if cls is not SList or not x:
                return x
            try:
                self._steps_left -= 1
                if self._steps_left <= 0:
                    self._steps_left = self._meter.next_chunk()
                head = x[0]
                if head.__class__ is Symbol:
                    if head is IF:
                        n = len(x)
                        if n not in (3, 4):
                            raise AtomeseRuntimeError("if takes a test, a consequent and an optional alternative")
                        if self.eval(x[1], env) is not False:
                            x = x[2]
                        elif n == 4:
                            x = x[3]
                        else:
                            return UNSPECIFIED
                        continue
                    if head is BEGIN:
                        if len(x) == 1:
                            return UNSPECIFIED
                        for form in x[1:-1]:
                            self.eval(form, env)
                        x = x[-1]
                        continue
                    if head is LET:
                        x, env = self._let(x, env)
                        continue
                    if head is LET_STAR:
                        x, env = self._let_star(x, env)
                        continue
                    if head is LETREC or head is LETREC_STAR:
                        x, env = self._letrec(x, env)
                        continue
                    if head is COND:
                        tail = self._cond(x, env)
                        if tail is None:
                            return UNSPECIFIED
                        if tail[0] is _VALUE:
                            return tail[1]
                        x = tail[1]
                        continue
                    if head is CASE:
                        tail = self._case(x, env)
                        if tail is None:
                            return UNSPECIFIED
                        x = tail
                        continue
                    if head is AND:
                        if len(x) == 1:
                            return True
                        for form in x[1:-1]:
                            if self.eval(form, env) is False:
                                return False
                        x = x[-1]
                        continue
                    if head is OR:
                        if len(x) == 1:
                            return False
                        for form in x[1:-1]:
                            value = self.eval(form, env)
                            if value is not False:
                                return value
                        x = x[-1]
                        continue
                    if head is WHEN or head is UNLESS:
                        if len(x) < 2:
                            raise AtomeseRuntimeError(f"{head.name} needs a test")
                        test = self.eval(x[1], env) is not False
                        if test != (head is WHEN) or len(x) == 2:
                            return UNSPECIFIED
                        for form in x[2:-1]:
                            self.eval(form, env)
                        x = x[-1]
                        continue
                    if head is DO:
                        return self._do(x, env)
                    special = self._special.get(head)
                    if special is not None:
                        return special(x, env)
                    proc = self.lookup(head, env)
                else:
                    proc = self.eval(head, env)
                args = [self.eval(a, env) for a in x[1:]]
                if proc.__class__ is Procedure:
                    env = proc.bind(args)
                    body = proc.body
                    for form in body[:-1]:
                        self.eval(form, env)
                    x = body[-1]
                    continue
                if not callable(proc):
                    raise AtomeseRuntimeError(
                        f"{_short(head)} is {_short(proc)}, not a procedure, so it cannot be called"
                    )
                return proc(*args)
            except AtomeseRuntimeError as err:
                if err.location is None:
                    err.location = x.location
                    err.expression = _short(x)
                    err.args = (str(err),)
                raise
            except AtomeseSyntaxError:
                raise  # from a (load ...) of a broken file: already located
            except RecursionError:
                raise AtomeseRuntimeError(
                    "recursion too deep (more nested calls than Python's stack allows)",
                    _short(x), x.location,
                ) from None
            except (AtomtrigError, Exception) as err:
                message = str(err) if isinstance(err, AtomeseError) else _describe(err)
                raise AtomeseRuntimeError(message, _short(x), x.location, err) from err

    def apply(self, proc: Any, args: list[Any]) -> Any:
        """Call a Scheme procedure (or Python callable) with already evaluated arguments."""
        if proc.__class__ is Procedure:
            env = proc.bind(list(args))
            value: Any = UNSPECIFIED
            for form in proc.body:
                value = self.eval(form, env)
            return value
        if not callable(proc):
            raise AtomeseRuntimeError(f"{_short(proc)} is not a procedure")
        return proc(*args)

    # -- special forms -----------------------------------------------------------------------
    def _quote(self, x: SList, env: Environment) -> Any:
        if len(x) != 2:
            raise AtomeseRuntimeError("quote takes one datum")
        return _dotted(x[1])

    def _quasiquote(self, x: SList, env: Environment) -> Any:
        if len(x) != 2:
            raise AtomeseRuntimeError("quasiquote takes one datum")
        return self._qq(x[1], env, 1)

    def _qq(self, x: Any, env: Environment, depth: int) -> Any:
        if x.__class__ is not SList or not x:
            return x
        head = x[0]
        if head is UNQUOTE:
            if depth == 1:
                return self.eval(x[1], env)
            return SList([UNQUOTE, self._qq(x[1], env, depth - 1)], x.pos, x.source)
        if head is QUASIQUOTE:
            return SList([QUASIQUOTE, self._qq(x[1], env, depth + 1)], x.pos, x.source)
        result: list[Any] = []
        for item in x:
            if item.__class__ is SList and item and item[0] is UNQUOTE_SPLICING and depth == 1:
                spliced = self.eval(item[1], env)
                if not isinstance(spliced, list):
                    raise AtomeseRuntimeError(
                        f"unquote-splicing needs a list, got {_short(spliced)}"
                    )
                result.extend(spliced)
            else:
                result.append(self._qq(item, env, depth))
        return SList(result, x.pos, x.source)

    def _parse_params(self, spec: Any, what: str) -> tuple[list[Symbol], Symbol | None]:
        if spec.__class__ is Symbol:
            return [], spec
        if not isinstance(spec, list):
            raise AtomeseRuntimeError(f"{what}: parameters must be a list of names")
        params: list[Symbol] = []
        rest: Symbol | None = None
        items = list(spec)
        i = 0
        while i < len(items):
            p = items[i]
            if p is DOT:
                if i != len(items) - 2 or items[i + 1].__class__ is not Symbol:
                    raise AtomeseRuntimeError(f"{what}: a '.' must be followed by one rest name")
                rest = items[i + 1]
                break
            if p.__class__ is not Symbol:
                raise AtomeseRuntimeError(f"{what}: parameter {_short(p)} is not a name")
            params.append(p)
            i += 1
        return params, rest

    def _define(self, x: SList, env: Environment) -> Any:
        if len(x) < 2:
            raise AtomeseRuntimeError("define needs a name")
        target = x[1]
        if target.__class__ is SList:
            # (define (name . params) body...), also curried (define ((f a) b) ...)
            if not target:
                raise AtomeseRuntimeError("define: empty procedure header")
            name = target[0]
            if len(x) < 3:
                raise AtomeseRuntimeError("define: a procedure needs a body")
            lam = SList([LAMBDA, SList(target[1:], target.pos, target.source)] + x[2:], x.pos, x.source)
            if name.__class__ is SList:
                return self._define(SList([DEFINE, name, lam], x.pos, x.source), env)
            if name.__class__ is not Symbol:
                raise AtomeseRuntimeError(f"define: {_short(name)} is not a name")
            env.vars[name] = self._lambda(lam, env, name.name)
            return UNSPECIFIED
        if target.__class__ is not Symbol:
            raise AtomeseRuntimeError(f"define: {_short(target)} is not a name")
        if len(x) > 3:
            raise AtomeseRuntimeError("define takes a name and one value")
        value = self.eval(x[2], env) if len(x) == 3 else UNSPECIFIED
        if value.__class__ is Procedure and value.name == "lambda":
            value.name = target.name
        env.vars[target] = value
        return UNSPECIFIED

    def _set(self, x: SList, env: Environment) -> Any:
        if len(x) != 3 or x[1].__class__ is not Symbol:
            raise AtomeseRuntimeError("set! takes a name and a value")
        frame = env.frame_of(x[1])
        if frame is None:
            raise AtomeseRuntimeError(f"set!: unbound variable {x[1].name}")
        frame[x[1]] = self.eval(x[2], env)
        return UNSPECIFIED

    def _lambda(self, x: SList, env: Environment, name: str = "lambda") -> Procedure:
        if len(x) < 3:
            raise AtomeseRuntimeError("lambda needs parameters and a body")
        params, rest = self._parse_params(x[1], "lambda")
        return Procedure(params, rest, list(x[2:]), env, name)

    def _bindings(self, spec: Any, what: str) -> list[tuple[Symbol, Any]]:
        if not isinstance(spec, list):
            raise AtomeseRuntimeError(f"{what}: bindings must be a list of (name value)")
        result = []
        for b in spec:
            if not isinstance(b, list) or len(b) not in (1, 2) or b[0].__class__ is not Symbol:
                raise AtomeseRuntimeError(f"{what}: bad binding {_short(b)}")
            result.append((b[0], b[1] if len(b) == 2 else UNSPECIFIED))
        return result

    def _body(self, body: list[Any], env: Environment, what: str) -> Any:
        if not body:
            raise AtomeseRuntimeError(f"{what} needs a body")
        for form in body[:-1]:
            self.eval(form, env)
        return body[-1]

    def _let(self, x: SList, env: Environment) -> tuple[Any, Environment]:
        if len(x) < 3:
            raise AtomeseRuntimeError("let needs bindings and a body")
        if x[1].__class__ is Symbol:  # named let
            name = x[1]
            bindings = self._bindings(x[2], "let")
            loop_env = Environment({}, env)
            proc = Procedure([b[0] for b in bindings], None, list(x[3:]), loop_env, name.name)
            loop_env.vars[name] = proc
            new_env = proc.bind([self.eval(v, env) for _, v in bindings])
            return self._body(list(x[3:]), new_env, "let"), new_env
        bindings = self._bindings(x[1], "let")
        new_env = Environment({n: self.eval(v, env) for n, v in bindings}, env)
        return self._body(list(x[2:]), new_env, "let"), new_env

    def _let_star(self, x: SList, env: Environment) -> tuple[Any, Environment]:
        if len(x) < 3:
            raise AtomeseRuntimeError("let* needs bindings and a body")
        for n, v in self._bindings(x[1], "let*"):
            env = Environment({n: self.eval(v, env)}, env)
        new_env = Environment({}, env)
        return self._body(list(x[2:]), new_env, "let*"), new_env

    def _letrec(self, x: SList, env: Environment) -> tuple[Any, Environment]:
        if len(x) < 3:
            raise AtomeseRuntimeError("letrec needs bindings and a body")
        new_env = Environment({}, env)
        for n, v in self._bindings(x[1], "letrec"):
            new_env.vars[n] = self.eval(v, new_env)
        return self._body(list(x[2:]), new_env, "letrec"), new_env

    def _cond(self, x: SList, env: Environment) -> tuple[Any, Any] | None:
        for clause in x[1:]:
            if not isinstance(clause, list) or not clause:
                raise AtomeseRuntimeError(f"cond: bad clause {_short(clause)}")
            if clause[0] is ELSE:
                test: Any = True
            else:
                test = self.eval(clause[0], env)
            if test is False:
                continue
            if len(clause) == 1:
                return (_VALUE, test)
            if clause[1] is ARROW:
                return (_VALUE, self.apply(self.eval(clause[2], env), [test]))
            return (_TAIL, self._body(list(clause[1:]), env, "cond"))
        return None

    def _case(self, x: SList, env: Environment) -> Any:
        from atomtrig.atomese.procedures import eqv

        key = self.eval(x[1], env)
        for clause in x[2:]:
            if not isinstance(clause, list) or not clause:
                raise AtomeseRuntimeError(f"case: bad clause {_short(clause)}")
            data = clause[0]
            if data is ELSE or (isinstance(data, list) and any(eqv(key, d) for d in data)):
                return self._body(list(clause[1:]), env, "case")
        return None

    def _do(self, x: SList, env: Environment) -> Any:
        if len(x) < 3 or not isinstance(x[1], list) or not isinstance(x[2], list) or not x[2]:
            raise AtomeseRuntimeError("do takes ((var init step)...) (test result...) body...")
        specs = []
        for spec in x[1]:
            if not isinstance(spec, list) or len(spec) not in (2, 3):
                raise AtomeseRuntimeError(f"do: bad variable spec {_short(spec)}")
            specs.append(spec)
        loop_env = Environment({s[0]: self.eval(s[1], env) for s in specs}, env)
        test, *results = x[2]
        while self.eval(test, loop_env) is False:
            for form in x[3:]:
                self.eval(form, loop_env)
            loop_env = Environment(
                {s[0]: self.eval(s[2], loop_env) if len(s) == 3 else loop_env.vars[s[0]]
                 for s in specs},
                env,
            )
        value: Any = UNSPECIFIED
        for form in results:
            value = self.eval(form, loop_env)
        return value


_VALUE = object()
_TAIL = object()
_RUNNING = threading.local()


def _running_stack() -> list[Interpreter]:
    stack = getattr(_RUNNING, "stack", None)
    if stack is None:
        stack = _RUNNING.stack = []
    return stack  # type: ignore[no-any-return]


def running_interpreter(space: Any) -> Interpreter | None:
    """The innermost interpreter running in this thread on ``space``, if any."""
    for interp in reversed(_running_stack()):
        if interp.space is space:
            return interp
    return None


def _dotted(datum: Any) -> Any:
    """A quoted datum with ``(a b . c)`` turned into pairs."""
    if datum.__class__ is not SList:
        return datum
    if len(datum) >= 3 and datum[-2] is DOT:
        tail = _dotted(datum[-1])
        for item in reversed(datum[:-2]):
            tail = make_pair(_dotted(item), tail)
        return tail
    if any(item.__class__ is SList for item in datum):
        return SList([_dotted(item) for item in datum], datum.pos, datum.source)
    return datum


def _describe(err: BaseException) -> str:
    if isinstance(err, SchemeError):
        return str(err)
    if isinstance(err, ZeroDivisionError):
        return "division by zero"
    if isinstance(err, AtomtrigError):
        return str(err)
    return f"{type(err).__name__}: {err}"


def run_forms(interp: Interpreter, forms: Iterable[Any]) -> Any:
    """Evaluate already-read forms in the global environment; the last value."""
    value: Any = UNSPECIFIED
    for form in forms:
        value = interp.eval(form, interp.global_env)
    return value


def capture(interp_space: Any, text: str) -> str:
    """What running ``text`` on ``interp_space`` prints (for examples and tests).

    >>> from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
    >>> capture(AtomSpace(), '(display "hi") (newline)')
    'hi\\n'
    """
    buffer = io.StringIO()
    Interpreter(interp_space, out=buffer).eval_text(text)
    return buffer.getvalue()
