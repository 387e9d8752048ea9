"""The Scheme procedures of the Atomese evaluator: numbers, lists, strings, output.

The ``cog-`` procedures live in :mod:`atomtrig.atomese.cog`.

>>> from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
>>> from atomtrig.atomese.evaluator import Interpreter
>>> i = Interpreter(AtomSpace())
>>> i.eval_text('(list (/ 1 2) (/ 4 2) (* 1.5 2) (map + (list 1 2) (list 10 20)) (format #f "~a-~s" "x" "y"))')
[Fraction(1, 2), 2, 3.0, [11, 22], 'x-"y"']
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from functools import cmp_to_key
from typing import TYPE_CHECKING, Any

from atomtrig.atomese.data import (
    UNSPECIFIED,
    Char,
    Pair,
    Symbol,
    format_number,
    make_pair,
    parse_bare,
    sym,
    to_display,
    to_write,
)
from atomtrig.atomese.errors import AtomeseRuntimeError, SchemeError
from atomtrig.atomese.limits import check_int_bits, check_length
from atomtrig.core.atom import Atom

if TYPE_CHECKING:
    from atomtrig.atomese.evaluator import Interpreter

__all__ = ["eqv", "equal", "install"]


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float, Fraction)) and not isinstance(x, bool)


def _num(x: Any, who: str) -> Any:
    if not _is_number(x):
        raise AtomeseRuntimeError(f"{who}: {to_write(x)} is not a number")
    return x


def _exact(x: Any) -> Any:
    """Fractions that are whole become ints."""
    if isinstance(x, Fraction) and x.denominator == 1:
        return int(x)
    return x


def _list(x: Any, who: str) -> list[Any]:
    if not isinstance(x, list):
        raise AtomeseRuntimeError(f"{who}: {to_write(x)} is not a list")
    return x


def eqv(a: Any, b: Any) -> bool:
    """Scheme ``eqv?``: same object, or numbers/characters/strings-of-identity equal by value
    and exactness."""
    if a is b:
        return True
    if _is_number(a) and _is_number(b):
        return isinstance(a, float) == isinstance(b, float) and a == b
    if isinstance(a, Char) and isinstance(b, Char):
        return str(a) == str(b)
    if isinstance(a, list) and isinstance(b, list):
        return not a and not b
    return False


def equal(a: Any, b: Any) -> bool:
    """Scheme ``equal?``: structural equality of lists and strings, ``eqv?`` otherwise."""
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b))
    if isinstance(a, Pair) and isinstance(b, Pair):
        return equal(a.car, b.car) and equal(a.cdr, b.cdr)
    if isinstance(a, str) and isinstance(b, str):
        return type(a) is type(b) and str(a) == str(b)
    if isinstance(a, (bool, Atom)) or isinstance(b, (bool, Atom)):
        return a is b
    if _is_number(a) or _is_number(b):
        return eqv(a, b)
    try:
        return bool(a == b)
    except Exception:  # pragma: no cover - exotic objects
        return a is b


def _truthy(x: Any) -> bool:
    return x is not False


# -- arithmetic ---------------------------------------------------------------------------
def _add(*xs: Any) -> Any:
    total: Any = 0
    for x in xs:
        total = total + _num(x, "+")
    return _exact(total)


def _mul(*xs: Any) -> Any:
    total: Any = 1
    for x in xs:
        _num(x, "*")
        if isinstance(x, int) and isinstance(total, int):
            check_int_bits(total.bit_length() + x.bit_length(), "*")
        total = total * x
    return _exact(total)


def _sub(first: Any, *rest: Any) -> Any:
    _num(first, "-")
    if not rest:
        return _exact(-first)
    for x in rest:
        first = first - _num(x, "-")
    return _exact(first)


def _div(first: Any, *rest: Any) -> Any:
    _num(first, "/")
    if not rest:
        rest = (first,)
        first = 1
    for x in rest:
        _num(x, "/")
        if x == 0 and not isinstance(x, float) and not isinstance(first, float):
            raise AtomeseRuntimeError("/: division by zero")
        if isinstance(first, float) or isinstance(x, float):
            if x == 0:
                first = math.copysign(math.inf, first) if first else math.nan
            else:
                first = first / x
        else:
            first = Fraction(first) / Fraction(x)
    return _exact(first)


def _compare(op: Any, name: str) -> Any:
    def compare(*xs: Any) -> bool:
        for x in xs:
            _num(x, name)
        return all(op(a, b) for a, b in zip(xs, xs[1:]))

    compare.__name__ = name
    return compare


def _quotient(a: Any, b: Any) -> Any:
    if b == 0:
        raise AtomeseRuntimeError("quotient: division by zero")
    q = abs(a) // abs(b)
    result = q if (a >= 0) == (b >= 0) else -q
    return float(result) if isinstance(a, float) or isinstance(b, float) else int(result)


def _remainder(a: Any, b: Any) -> Any:
    if b == 0:
        raise AtomeseRuntimeError("remainder: division by zero")
    return a - b * _quotient(a, b)


def _modulo(a: Any, b: Any) -> Any:
    if b == 0:
        raise AtomeseRuntimeError("modulo: division by zero")
    return a % b


def _round(x: Any) -> Any:
    _num(x, "round")
    if isinstance(x, float):
        return float(round(x))
    return round(x)  # banker's rounding, as Scheme


def _to_int_if_exact(f: Any, x: Any) -> Any:
    _num(x, f.__name__)
    r = f(x)
    return float(r) if isinstance(x, float) else int(r)


def _sqrt(x: Any) -> Any:
    _num(x, "sqrt")
    if isinstance(x, int) and x >= 0:
        r = math.isqrt(x)
        if r * r == x:
            return r
    if x < 0:
        raise AtomeseRuntimeError("sqrt of a negative number (complex numbers are not supported)")
    return math.sqrt(x)


def _expt(a: Any, b: Any) -> Any:
    _num(a, "expt")
    _num(b, "expt")
    if isinstance(b, int) and not isinstance(a, float):
        base = Fraction(a)
        size = max(base.numerator.bit_length(), base.denominator.bit_length())
        if size > 1:  # 0, 1 and -1 stay small whatever the exponent
            check_int_bits(abs(b) * (size - 1), "expt")
        return _exact(base ** b)
    try:
        return float(a) ** float(b)
    except OverflowError:
        raise AtomeseRuntimeError(f"expt: the result is too large for a floating-point number") from None


def _exact_to_inexact(x: Any) -> float:
    return float(_num(x, "exact->inexact"))


def _inexact_to_exact(x: Any) -> Any:
    _num(x, "inexact->exact")
    if isinstance(x, float):
        if x.is_integer():
            return int(x)
        return _exact(Fraction(x))
    return x


def _number_to_string(x: Any, radix: int = 10) -> str:
    _num(x, "number->string")
    if radix != 10 and isinstance(x, int):
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"
        n, out = abs(x), ""
        while True:
            n, d = divmod(n, radix)
            out = digits[d] + out
            if not n:
                break
        return ("-" if x < 0 else "") + out
    return format_number(x)


def _string_to_number(s: Any) -> Any:
    value = parse_bare(s) if isinstance(s, str) and s else False
    return value if _is_number(value) else False


# -- lists --------------------------------------------------------------------------------
def _car(x: Any) -> Any:
    if isinstance(x, Pair):
        return x.car
    if not isinstance(x, list) or not x:
        raise AtomeseRuntimeError(f"car: {to_write(x)} is not a non-empty list")
    return x[0]


def _cdr(x: Any) -> Any:
    if isinstance(x, Pair):
        return x.cdr
    if not isinstance(x, list) or not x:
        raise AtomeseRuntimeError(f"cdr: {to_write(x)} is not a non-empty list")
    return x[1:]


def _cons(a: Any, b: Any) -> Any:
    return make_pair(a, b)


def _append(*lists: Any) -> list[Any]:
    checked = [_list(lst, "append") for lst in lists]
    check_length(sum(map(len, checked)), "append")
    out: list[Any] = []
    for lst in checked:
        out.extend(lst)
    return out


def _string_append(*xs: Any) -> str:
    parts = [_string(x, "string-append") for x in xs]
    check_length(sum(map(len, parts)), "string-append")
    return "".join(parts)


def _list_ref(lst: Any, k: Any) -> Any:
    lst = _list(lst, "list-ref")
    if not isinstance(k, int) or not 0 <= k < len(lst):
        raise AtomeseRuntimeError(f"list-ref: index {to_write(k)} out of range for {len(lst)} items")
    return lst[k]


def _assoc_with(test: Any, name: str) -> Any:
    def assoc(key: Any, alist: Any) -> Any:
        for entry in _list(alist, name):
            if isinstance(entry, Pair) and test(key, entry.car):
                return entry
            if isinstance(entry, list) and entry and test(key, entry[0]):
                return entry
        return False

    return assoc


def _member_with(test: Any, name: str) -> Any:
    def member(x: Any, lst: Any) -> Any:
        lst = _list(lst, name)
        for i, item in enumerate(lst):
            if test(x, item):
                return lst[i:]
        return False

    return member


def _iota(n: Any, start: Any = 0, step: Any = 1) -> list[Any]:
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise AtomeseRuntimeError(f"iota: the count must be a whole number >= 0, not {to_write(n)}")
    _num(start, "iota")
    _num(step, "iota")
    check_length(n, "iota")
    return [_exact(start + i * step) for i in range(n)]


def _last(lst: Any) -> Any:
    lst = _list(lst, "last")
    if not lst:
        raise AtomeseRuntimeError("last: empty list")
    return lst[-1]


def _delete_duplicates(lst: Any) -> list[Any]:
    out: list[Any] = []
    for x in _list(lst, "delete-duplicates"):
        if not any(equal(x, y) for y in out):
            out.append(x)
    return out


# -- strings ------------------------------------------------------------------------------
def _string(x: Any, who: str) -> str:
    if not isinstance(x, str) or isinstance(x, Char):
        raise AtomeseRuntimeError(f"{who}: {to_write(x)} is not a string")
    return str(x)


def _substring(s: Any, start: Any, end: Any = None) -> str:
    s = _string(s, "substring")
    return s[start:end]


def _string_split(s: Any, delimiter: Any) -> list[str]:
    return _string(s, "string-split").split(str(delimiter))


def _string_join(parts: Any, delimiter: Any = " ") -> str:
    return str(delimiter).join(_string(p, "string-join") for p in _list(parts, "string-join"))


def _string_contains(s: Any, part: Any) -> Any:
    index = _string(s, "string-contains").find(_string(part, "string-contains"))
    return False if index < 0 else index


def _symbol_to_string(s: Any) -> str:
    if not isinstance(s, Symbol):
        raise AtomeseRuntimeError(f"symbol->string: {to_write(s)} is not a symbol")
    return s.name


# -- format -------------------------------------------------------------------------------
_DIRECTIVE = re.compile(r"~(?:(\d*)(?:,(\d+))?)([aAsSdDfFxXbBoO%n~eE])")


def format_text(template: str, args: list[Any]) -> str:
    """Guile's ``format`` for the directives scripts use: ``~a ~s ~d ~f ~,2f ~x ~b ~o ~% ~~``.

    >>> format_text("~a has ~d legs and weighs ~,1f kg~%", ["cat", 4, 4.25])
    'cat has 4 legs and weighs 4.2 kg\\n'
    """
    remaining = list(args)

    def take(directive: str) -> Any:
        if not remaining:
            raise AtomeseRuntimeError(f"format: too few arguments for ~{directive} in {template!r}")
        return remaining.pop(0)

    def replace(m: re.Match[str]) -> str:
        width, digits, d = m.group(1), m.group(2), m.group(3).lower()
        if d == "%" or d == "n":
            return "\n"
        if d == "~":
            return "~"
        value = take(d)
        if d == "a":
            text = to_display(value)
        elif d == "s":
            text = to_write(value)
        elif d == "d":
            text = to_display(value) if not isinstance(value, int) else str(value)
        elif d in "fe":
            number = float(_num(value, "format ~f"))
            text = f"{number:.{int(digits) if digits else 6}{d}}" if digits or d == "e" else format_number(number)
        else:
            base = {"x": "x", "b": "b", "o": "o"}[d]
            text = format(int(value), base)
        return text.rjust(int(width)) if width else text

    result = _DIRECTIVE.sub(replace, template)
    if remaining:
        raise AtomeseRuntimeError(f"format: {len(remaining)} argument(s) left over for {template!r}")
    return result


# -- installing ---------------------------------------------------------------------------
def install(interp: Interpreter) -> None:
    """Bind every procedure of this module (and the cog- ones) in ``interp``."""
    from atomtrig.atomese.cog import install as install_cog

    d = interp.define

    def display(x: Any, port: Any = None) -> Any:
        interp.write(to_display(x))
        return UNSPECIFIED

    def write(x: Any, port: Any = None) -> Any:
        interp.write(to_write(x))
        return UNSPECIFIED

    def newline(port: Any = None) -> Any:
        interp.write("\n")
        return UNSPECIFIED

    def format_(dest: Any, template: Any, *args: Any) -> Any:
        text = format_text(_string(template, "format"), list(args))
        if dest is False:
            return text
        interp.write(text)
        return UNSPECIFIED

    def error(*args: Any) -> Any:
        parts = [to_display(a) if isinstance(a, str) else to_write(a) for a in args]
        raise SchemeError(" ".join(parts) if parts else "error")

    def throw(key: Any, *args: Any) -> Any:
        raise SchemeError(f"throw {to_write(key)}: " + " ".join(to_write(a) for a in args))

    def map_(proc: Any, *lists: Any) -> list[Any]:
        for lst in lists:
            _list(lst, "map")
        return [interp.apply(proc, list(args)) for args in zip(*lists)]

    def for_each(proc: Any, *lists: Any) -> Any:
        for lst in lists:
            _list(lst, "for-each")
        for args in zip(*lists):
            interp.apply(proc, list(args))
        return UNSPECIFIED

    def filter_(pred: Any, lst: Any) -> list[Any]:
        return [x for x in _list(lst, "filter") if _truthy(interp.apply(pred, [x]))]

    def remove(pred: Any, lst: Any) -> list[Any]:
        return [x for x in _list(lst, "remove") if not _truthy(interp.apply(pred, [x]))]

    def fold(proc: Any, init: Any, *lists: Any) -> Any:
        acc = init
        for args in zip(*lists):
            acc = interp.apply(proc, list(args) + [acc])
        return acc

    def fold_right(proc: Any, init: Any, *lists: Any) -> Any:
        acc = init
        for args in reversed(list(zip(*lists))):
            acc = interp.apply(proc, list(args) + [acc])
        return acc

    def fold_left(proc: Any, init: Any, *lists: Any) -> Any:
        acc = init
        for args in zip(*lists):
            acc = interp.apply(proc, [acc] + list(args))
        return acc

    def reduce(proc: Any, default: Any, lst: Any) -> Any:
        lst = _list(lst, "reduce")
        if not lst:
            return default
        acc = lst[0]
        for x in lst[1:]:
            acc = interp.apply(proc, [x, acc])
        return acc

    def apply(proc: Any, *args: Any) -> Any:
        if not args:
            return interp.apply(proc, [])
        spread = list(args[:-1]) + _list(args[-1], "apply")
        return interp.apply(proc, spread)

    def sort(lst: Any, less: Any) -> list[Any]:
        def cmp(a: Any, b: Any) -> int:
            if _truthy(interp.apply(less, [a, b])):
                return -1
            if _truthy(interp.apply(less, [b, a])):
                return 1
            return 0

        return sorted(_list(lst, "sort"), key=cmp_to_key(cmp))

    def append_map(proc: Any, *lists: Any) -> list[Any]:
        out: list[Any] = []
        for r in map_(proc, *lists):
            out.extend(_list(r, "append-map"))
        return out

    def delete(x: Any, lst: Any) -> list[Any]:
        return [y for y in _list(lst, "delete") if not equal(x, y)]

    def load(name: Any) -> Any:
        return interp.load(name)

    procedures: dict[str, Any] = {
        # numbers
        "+": _add, "-": _sub, "*": _mul, "/": _div,
        "=": _compare(lambda a, b: a == b, "="), "<": _compare(lambda a, b: a < b, "<"),
        ">": _compare(lambda a, b: a > b, ">"), "<=": _compare(lambda a, b: a <= b, "<="),
        ">=": _compare(lambda a, b: a >= b, ">="),
        "quotient": _quotient, "remainder": _remainder, "modulo": _modulo,
        "abs": lambda x: abs(_num(x, "abs")),
        "min": lambda *xs: _minmax(min, xs), "max": lambda *xs: _minmax(max, xs),
        "round": _round, "floor": lambda x: _to_int_if_exact(math.floor, x),
        "ceiling": lambda x: _to_int_if_exact(math.ceil, x),
        "truncate": lambda x: _to_int_if_exact(math.trunc, x),
        "sqrt": _sqrt, "expt": _expt, "exp": lambda x: math.exp(_num(x, "exp")),
        "log": lambda x: math.log(_num(x, "log")), "sin": math.sin, "cos": math.cos,
        "tan": math.tan, "atan": math.atan,
        "exact->inexact": _exact_to_inexact, "inexact->exact": _inexact_to_exact,
        "exact": _inexact_to_exact, "inexact": _exact_to_inexact,
        "1+": lambda x: _exact(_num(x, "1+") + 1), "1-": lambda x: _exact(_num(x, "1-") - 1),
        "number?": _is_number, "integer?": lambda x: _is_number(x) and float(x).is_integer(),
        "rational?": lambda x: _is_number(x) and math.isfinite(x),
        "real?": _is_number,
        "exact?": lambda x: isinstance(_num(x, "exact?"), (int, Fraction)),
        "inexact?": lambda x: isinstance(_num(x, "inexact?"), float),
        "zero?": lambda x: _num(x, "zero?") == 0, "positive?": lambda x: _num(x, "positive?") > 0,
        "negative?": lambda x: _num(x, "negative?") < 0,
        "even?": lambda x: _num(x, "even?") % 2 == 0, "odd?": lambda x: _num(x, "odd?") % 2 == 1,
        "number->string": _number_to_string, "string->number": _string_to_number,
        "numerator": lambda x: Fraction(x).numerator, "denominator": lambda x: Fraction(x).denominator,
        # booleans and equality
        "not": lambda x: x is False, "eq?": lambda a, b: a is b or (eqv(a, b) and not isinstance(a, float)),
        "eqv?": eqv, "equal?": equal, "boolean?": lambda x: isinstance(x, bool),
        # lists
        "list": lambda *xs: list(xs), "cons": _cons, "car": _car, "cdr": _cdr,
        "cadr": lambda x: _car(_cdr(x)), "cddr": lambda x: _cdr(_cdr(x)),
        "caar": lambda x: _car(_car(x)), "cdar": lambda x: _cdr(_car(x)),
        "caddr": lambda x: _car(_cdr(_cdr(x))), "cdddr": lambda x: _cdr(_cdr(_cdr(x))),
        "first": _car, "second": lambda x: _list_ref(x, 1), "third": lambda x: _list_ref(x, 2),
        "last": _last, "list-ref": _list_ref, "list-tail": lambda x, k: _list(x, "list-tail")[k:],
        "length": lambda x: len(_list(x, "length")), "null?": lambda x: isinstance(x, list) and not x,
        "pair?": lambda x: isinstance(x, Pair) or (isinstance(x, list) and bool(x)), "list?": lambda x: isinstance(x, list),
        "append": _append, "reverse": lambda x: list(reversed(_list(x, "reverse"))),
        "list-copy": lambda x: list(_list(x, "list-copy")),
        "map": map_, "for-each": for_each, "filter": filter_, "remove": remove,
        "fold": fold, "fold-left": fold_left, "fold-right": fold_right, "reduce": reduce,
        "append-map": append_map, "delete": delete, "delete-duplicates": _delete_duplicates,
        "assoc": _assoc_with(equal, "assoc"), "assv": _assoc_with(eqv, "assv"),
        "assq": _assoc_with(lambda a, b: a is b or eqv(a, b), "assq"),
        "member": _member_with(equal, "member"), "memv": _member_with(eqv, "memv"),
        "memq": _member_with(lambda a, b: a is b or eqv(a, b), "memq"),
        "iota": _iota, "apply": apply, "sort": sort, "list-sort": lambda less, lst: sort(lst, less),
        "procedure?": lambda x: callable(x),
        # strings, symbols, characters
        "string?": lambda x: isinstance(x, str) and not isinstance(x, Char),
        "symbol?": lambda x: isinstance(x, Symbol),
        "char?": lambda x: isinstance(x, Char),
        "string-append": _string_append,
        "string-length": lambda s: len(_string(s, "string-length")),
        "substring": _substring, "string-ref": lambda s, k: Char(_string(s, "string-ref")[k]),
        "string=?": lambda *xs: all(_string(a, "string=?") == b for a, b in zip(xs, xs[1:])),
        "string<?": lambda a, b: _string(a, "string<?") < _string(b, "string<?"),
        "string>?": lambda a, b: _string(a, "string>?") > _string(b, "string>?"),
        "string-upcase": lambda s: _string(s, "string-upcase").upper(),
        "string-downcase": lambda s: _string(s, "string-downcase").lower(),
        "string-null?": lambda s: _string(s, "string-null?") == "",
        "string-split": _string_split, "string-join": _string_join,
        "string-contains": _string_contains,
        "string-prefix?": lambda p, s: _string(s, "string-prefix?").startswith(_string(p, "string-prefix?")),
        "string-suffix?": lambda p, s: _string(s, "string-suffix?").endswith(_string(p, "string-suffix?")),
        "string->list": lambda s: [Char(c) for c in _string(s, "string->list")],
        "list->string": lambda cs: "".join(str(c) for c in _list(cs, "list->string")),
        "string": lambda *cs: "".join(str(c) for c in cs),
        "string->symbol": lambda s: sym(_string(s, "string->symbol")),
        "symbol->string": _symbol_to_string,
        "object->string": lambda x: to_write(x),
        # output and control
        "display": display, "write": write, "newline": newline, "format": format_,
        "simple-format": format_, "error": error, "throw": throw, "load": load,
        "current-output-port": lambda: True,
    }
    for name, proc in procedures.items():
        d(name, proc)
    interp.define("else", True)  # lets (cond (else ...)) also work where else is evaluated
    install_cog(interp)
    from atomtrig.atomese.trigger_procs import install as install_triggers

    install_triggers(interp)


def _minmax(f: Any, xs: tuple[Any, ...]) -> Any:
    if not xs:
        raise AtomeseRuntimeError(f"{f.__name__} needs at least one number")
    for x in xs:
        _num(x, f.__name__)
    result = f(xs)
    return float(result) if any(isinstance(x, float) for x in xs) else result


