"""Compiling a pattern: its variables, their restrictions, its clauses, and how they connect.

A pattern is a body with an optional variable declaration. The body's logical structure is
read the classic way:

* a top-level ``AndLink`` (nested And too) is a conjunction of clauses, de-duplicated;
* ``OrLink`` and ``ChoiceLink`` at the logical level are alternatives (the body is brought to
  disjunctive normal form: each :class:`Alternative` is searched, the groundings united); a
  ChoiceLink inside a clause makes that sub-term match any of its atoms;
* ``PresentLink`` holds clauses that must be present; ``AbsentLink`` and a ``NotLink`` over a
  plain term are negation as failure; ``AlwaysLink`` is for-all (see :class:`Alternative`);
* a *virtual* clause — ``EvaluationLink`` with a Grounded/DefinedPredicateNode, ``EqualLink``,
  ``IdenticalLink``, ``GreaterThanLink``, a ``SatisfactionLink``, ``TrueLink``/``FalseLink``, a
  NotLink/And/Or over those — is not looked up in the store but evaluated once its variables
  are grounded;
* ``QuoteLink`` makes what it holds literal (link types and variables match themselves) until an
  ``UnquoteLink``; ``LocalQuoteLink`` makes only the link type under it literal (so
  ``(LocalQuote (And ...))`` matches AndLinks).

Clauses with no variable of the pattern are satisfied by themselves (they are in the store,
being part of the pattern) and dropped, unless virtual. The remaining clauses are split into
components connected by shared variables (virtual clauses do not connect); each component is
searched on its own and the groundings combined.

The analysis is cached per pattern atom (:func:`compile_pattern`).

Library choices, measured: the disjunctive normal form is expanded by hand (:meth:`_Compiler.dnf`,
a few lines that also know which terms are virtual) rather than with sympy's ``to_dnf``, because
importing sympy alone takes about 5 s on the reference VM — longer than compiling thousands of
patterns; the components come from ``rustworkx.connected_components`` (about 25 us for a
4-clause pattern, the same as a hand-written union-find, and only for patterns of several
clauses).

>>> from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
>>> space = AtomSpace()
>>> x, y = space.add_node("Variable", "$x"), space.add_node("Variable", "$y")
>>> g = space.add_node("Concept", "g")
>>> body = space.add_link("And", [space.add_link("Inheritance", [x, y]),
...                               space.add_link("Inheritance", [y, g])])
>>> p = compile_pattern(space.add_link("Get", [body]))
>>> [v.name for v in p.variables], len(p.alternatives[0].clauses)
(['$x', '$y'], 2)
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import rustworkx

from atomtrig.core.types import types
from atomtrig.core.variables import declared_variables, is_declaration
from atomtrig.query.errors import PatternError
from atomtrig.query.typecheck import VariableSpec, variable_spec

if TYPE_CHECKING:
    from atomtrig.core.atom import Atom

_T = types.__getitem__
VARIABLE = _T("VariableNode")
GLOB = _T("GlobNode")
SCOPE = _T("ScopeLink")
PUT = _T("PutLink")
QUOTE = _T("QuoteLink")
UNQUOTE = _T("UnquoteLink")
LOCAL_QUOTE = _T("LocalQuoteLink")
AND = _T("AndLink")
OR = _T("OrLink")
NOT = _T("NotLink")
CHOICE = _T("ChoiceLink")
PRESENT = _T("PresentLink")
ABSENT = _T("AbsentLink")
ALWAYS = _T("AlwaysLink")
EVALUATION = _T("EvaluationLink")
GPN = _T("GroundedPredicateNode")
DPN = _T("DefinedPredicateNode")
VARIABLE_LIST = _T("VariableList")
VARIABLE_SET = _T("VariableSet")
PATTERN_SCOPES = frozenset(
    _T(n) for n in ("BindLink", "QueryLink", "GetLink", "MeetLink", "SatisfactionLink", "DualLink")
)
REWRITE_SCOPES = frozenset(_T(n) for n in ("BindLink", "QueryLink"))
# Links that are always evaluated rather than looked up.
_ALWAYS_VIRTUAL = frozenset(
    _T(n)
    for n in (
        "EqualLink",
        "IdenticalLink",
        "GreaterThanLink",
        "SatisfactionLink",
        "TrueLink",
        "FalseLink",
    )
)
_LOGIC = frozenset((AND, OR, NOT, _T("SequentialAndLink"), _T("SequentialOrLink")))

# Term kinds.
CONST, VAR, GLOBV, ORDERED, UNORDERED, CHOOSE = range(6)


class Term:
    """A compiled pattern term.

    ``kind`` is one of CONST (``atom`` must be the candidate itself), VAR / GLOBV (``var``),
    ORDERED / UNORDERED (a link of exactly ``type`` whose outgoing set matches ``children``),
    CHOOSE (any of ``children``). ``vars`` holds the pattern variables inside; ``det`` is True
    when the term can match a candidate in at most one way (no globs, no choice, no unordered
    link with two or more non-constant children).
    """

    __slots__ = ("kind", "atom", "type", "children", "var", "spec", "vars", "det", "has_glob")

    def __init__(
        self,
        kind: int,
        atom: Any = None,
        type: Any = None,
        children: tuple[Term, ...] = (),
        var: Any = None,
        spec: Any = None,
    ) -> None:
        self.kind = kind
        self.atom = atom
        self.type = type
        self.children = children
        self.var = var
        self.spec = spec
        vs: set[Atom] = set()
        if var is not None:
            vs.add(var)
        for child in children:
            vs |= child.vars
        self.vars: frozenset[Atom] = frozenset(vs)
        self.has_glob = any(c.kind == GLOBV for c in children)
        if kind in (CONST, VAR):
            self.det = True
        elif kind in (GLOBV, CHOOSE):
            self.det = False
        elif self.has_glob:
            self.det = False
        elif kind == UNORDERED:
            self.det = sum(1 for c in children if c.kind != CONST) <= 1 and all(
                c.det for c in children
            )
        else:
            self.det = all(c.det for c in children)

    def __repr__(self) -> str:
        names = ("CONST", "VAR", "GLOB", "ORDERED", "UNORDERED", "CHOOSE")
        inner = self.atom.short() if self.atom is not None else ""
        return f"<Term {names[self.kind]} {inner}>"


@dataclass
class Clause:
    """A clause to ground in the store: a compiled link term and the atom it came from."""

    atom: Atom
    term: Term
    vars: frozenset[Atom]


@dataclass
class Virtual:
    """An evaluatable clause: ``atom`` is evaluated with the grounding of ``vars``; with
    ``negate`` it must evaluate to false (an AbsentLink over an evaluatable term)."""

    atom: Atom
    vars: frozenset[Atom]
    negate: bool = False


@dataclass
class Alternative:
    """One conjunction of the body's disjunctive normal form.

    ``clauses`` must all be grounded in the store; ``virtual`` must evaluate to true (strength
    >= 0.5, the classic rule); each group in ``absent`` must have NO grounding extending the
    grounding found (negation as failure); ``always`` clauses must hold for every grounding of
    a group: groundings are grouped by the values of the variables of the first clause of the
    alternative, and a group is dropped as a whole when any of its groundings fails an
    ``always`` clause (``(Always (Evaluation (Predicate "is red") $ball))`` keeps the baskets
    whose balls are all red).
    """

    clauses: list[Clause] = field(default_factory=list)
    virtual: list[Virtual] = field(default_factory=list)
    absent: list[list[Clause]] = field(default_factory=list)
    always: list[Clause | Virtual] = field(default_factory=list)
    components: list[tuple[int, ...]] = field(default_factory=list)
    groundable: frozenset[Atom] = frozenset()
    group_vars: tuple[Atom, ...] = ()
    ungroundable: tuple[Atom, ...] = ()  # the pattern's variables no clause here grounds
    join: Any = None  # a joins.JoinPlan when every clause is plain (set by the matcher)


@dataclass
class Pattern:
    """The compiled analysis of one pattern."""

    scope: Atom | None
    declaration: Atom | None
    body: Atom
    variables: tuple[Atom, ...]
    specs: dict[Atom, VariableSpec]
    alternatives: list[Alternative]
    own: frozenset[Atom]
    fast: Any = None  # (link type, arity, constants, variables) of a one-clause pattern

    @property
    def is_single_clause(self) -> bool:
        return self.fast is not None


# -- the cache ------------------------------------------------------------------------------
_cache: dict[Atom, Pattern] = {}
_pair_cache: dict[tuple[Atom | None, Atom], Pattern] = {}
_cache_lock = threading.Lock()
_CACHE_LIMIT = 50_000


def _remember(cache: dict, key: object, value: Pattern) -> None:  # type: ignore[type-arg]
    with _cache_lock:
        if len(cache) >= _CACHE_LIMIT:
            # Forget patterns whose atoms were removed; if that frees little, start over.
            dead = [k for k, v in cache.items() if v.body._space is None]
            for k in dead:
                del cache[k]
            if len(cache) >= _CACHE_LIMIT // 2:
                cache.clear()
        cache[key] = value


def compile_pattern(scope: Atom) -> Pattern:
    """The (cached) analysis of a pattern scope link: BindLink/QueryLink ``(vardecl? body
    rewrite)``, GetLink/MeetLink/SatisfactionLink/DualLink ``(vardecl? body)``."""
    found = _cache.get(scope)
    if found is not None and scope._space is not None:
        return found
    declaration, body = split_scope(scope)
    pattern = _compile(scope, declaration, body)
    _remember(_cache, scope, pattern)
    return pattern


def compile_body(declaration: Atom | None, body: Atom) -> Pattern:
    """The (cached) analysis of a bare declaration and body."""
    key = (declaration, body)
    found = _pair_cache.get(key)
    if found is not None and body._space is not None:
        return found
    pattern = _compile(None, declaration, body)
    _remember(_pair_cache, key, pattern)
    return pattern


def split_scope(scope: Atom) -> tuple[Atom | None, Atom]:
    """``(declaration or None, body)`` of a pattern scope link."""
    if scope.type not in PATTERN_SCOPES:
        raise PatternError(
            "a pattern must be a BindLink, QueryLink, GetLink, MeetLink, SatisfactionLink or "
            f"DualLink, not {scope.short()}"
        )
    out = scope.out
    has_rewrite = scope.type in REWRITE_SCOPES
    if out and is_declaration(out[0]):
        declaration, rest = out[0], out[1:]
    else:
        declaration, rest = None, out
    if not rest:
        raise PatternError(f"{scope.type.name} has no body: {scope.short()}")
    expected = 2 if has_rewrite else 1
    if len(rest) != expected:
        what = "a body and a rewrite" if has_rewrite else "one body"
        raise PatternError(
            f"{scope.type.name} takes an optional declaration then {what}; got {len(rest)} "
            f"atom(s) after the declaration: {scope.short()}"
        )
    return declaration, rest[0]


# -- variables ------------------------------------------------------------------------------
def pattern_variables(declaration: Atom | None, body: Atom) -> tuple[Atom, ...]:
    """Declared variables in order, or the body's free variables in order of first appearance
    (quote-aware: variables under a QuoteLink count only inside an UnquoteLink)."""
    if declaration is not None:
        t = declaration.type
        if t is not VARIABLE_LIST and t is not VARIABLE_SET and VARIABLE not in t.ancestors:
            variable_spec(declaration)  # raises on a malformed TypedVariableLink
        result = declared_variables(declaration)
        if len(set(result)) != len(result):
            raise PatternError(f"a variable is declared twice: {declaration.short()}")
        return result
    found: dict[Atom, None] = {}
    _free(body, 0, frozenset(), found, None)
    return tuple(found)


def _free(
    atom: Atom,
    quotation: int,
    bound: frozenset[Atom],
    found: dict[Atom, None],
    only: frozenset[Atom] | None,
) -> None:
    t = atom.type
    if atom.is_node():
        if quotation == 0 and VARIABLE in t.ancestors and atom not in bound:
            if only is None or atom in only:
                found.setdefault(atom, None)
        return
    out = atom.out
    if t is QUOTE:
        for child in out:
            _free(child, quotation + 1, bound, found, only)
        return
    if t is UNQUOTE:
        for child in out:
            _free(child, max(quotation - 1, 0), bound, found, only)
        return
    if quotation == 0 and out:
        if SCOPE in t.ancestors:
            if is_declaration(out[0]):
                inner = bound | frozenset(declared_variables(out[0]))
                for child in out[1:]:
                    _free(child, 0, inner, found, only)
            return
        if t is PUT:
            for child in out[1:]:
                _free(child, 0, bound, found, only)
            return
    for child in out:
        _free(child, quotation, bound, found, only)


def _variables_in(atom: Atom, pattern_vars: frozenset[Atom]) -> frozenset[Atom]:
    found: dict[Atom, None] = {}
    _free(atom, 0, frozenset(), found, pattern_vars)
    return frozenset(found)


# -- compiling ------------------------------------------------------------------------------
def _compile(scope: Atom | None, declaration: Atom | None, body: Atom) -> Pattern:
    variables = pattern_variables(declaration, body)
    specs: dict[Atom, VariableSpec] = {}
    if declaration is not None:
        items: Iterable[Atom]
        if declaration.type is VARIABLE_LIST or declaration.type is VARIABLE_SET:
            items = declaration.out
        else:
            items = (declaration,)
        for item in items:
            spec = variable_spec(item)
            specs[spec.variable] = spec
    for v in variables:
        if v not in specs:
            specs[v] = variable_spec(v)
    var_set = frozenset(variables)
    compiler = _Compiler(var_set, specs)
    alternatives = [compiler.alternative(conj) for conj in compiler.dnf(body)]
    if declaration is None:
        # Implicit variables that only negated or for-all terms mention are local to them
        # ("there is no $y such that..."), not part of the groundings.
        groundable = frozenset().union(*(alt.groundable for alt in alternatives))
        local: set[Atom] = set()
        for alt in alternatives:
            for group in alt.absent:
                for clause in group:
                    local |= clause.vars
            for entry in alt.always:
                local |= entry.vars
        variables = tuple(v for v in variables if v in groundable or v not in local)
    for alt in alternatives:
        alt.ungroundable = tuple(v for v in variables if v not in alt.groundable)
    own = _own_atoms(scope if scope is not None else body, declaration, var_set)
    pattern = Pattern(scope, declaration, body, variables, specs, alternatives, own)
    pattern.fast = _fast_path(pattern)
    return pattern


def _own_atoms(root: Atom, declaration: Atom | None, variables: frozenset[Atom]) -> frozenset[Atom]:
    """The query's links, and its variables: no variable may be grounded by them and no
    clause by its links."""
    own: set[Atom] = set(variables)
    stack = [root] if declaration is None else [root, declaration]
    while stack:
        atom = stack.pop()
        if atom.is_link():
            if atom in own:
                continue
            own.add(atom)
            stack.extend(atom.out)
        elif VARIABLE in atom.type.ancestors:
            own.add(atom)
    return frozenset(own)


# A literal in a conjunction: ("clause", atom) | ("virtual", atom) | ("absent", [atoms])
# | ("always", atom) | ("local", atom) (a LocalQuote'd clause)
Literal = tuple[str, object]


class _Compiler:
    def __init__(self, variables: frozenset[Atom], specs: dict[Atom, VariableSpec]) -> None:
        self.variables = variables
        self.specs = specs
        self._virtual_cache: dict[Atom, bool] = {}

    # -- logic ---------------------------------------------------------------------------
    def is_virtual(self, atom: Atom) -> bool:
        """True if ``atom`` (a clause, at quotation level 0) is evaluated, not looked up."""
        cached = self._virtual_cache.get(atom)
        if cached is not None:
            return cached
        t = atom.type
        result = False
        if t in _ALWAYS_VIRTUAL:
            result = True
        elif t is EVALUATION:
            result = bool(atom.out) and (atom.out[0].type is GPN or atom.out[0].type is DPN)
        elif t in _LOGIC:
            result = any(self.is_virtual(c) for c in atom.out)
        self._virtual_cache[atom] = result
        return result

    def dnf(self, body: Atom) -> list[list[Literal]]:
        """The body as a list of conjunctions of literals."""
        return self._dnf(body)

    def _dnf(self, atom: Atom) -> list[list[Literal]]:
        t = atom.type
        if t is AND:
            result: list[list[Literal]] = [[]]
            for child in atom.out:
                child_dnf = self._dnf(child)
                result = [left + right for left in result for right in child_dnf]
                if len(result) > 4096:
                    raise PatternError(
                        f"the pattern has more than 4096 alternatives once expanded: {atom.short()}"
                    )
            return result
        if t is OR or t is CHOICE:
            if t is OR and atom.out and all(self.is_virtual(c) for c in atom.out):
                return [[("virtual", atom)]]
            if not atom.out:
                raise PatternError(f"an empty {t.name} has no alternative: {atom.short()}")
            alternatives: list[list[Literal]] = []
            for child in atom.out:
                alternatives.extend(self._dnf(child))
            return alternatives
        if t is PRESENT:
            return [[("clause", c) for c in atom.out]]
        if t is ABSENT:
            if len(atom.out) != 1:
                raise PatternError(f"an AbsentLink holds exactly one term: {atom.short()}")
            if self.is_virtual(atom.out[0]):
                return [[("virtual-not", atom.out[0])]]
            return [[self._negation(atom.out[0], atom)]]
        if t is NOT:
            if len(atom.out) != 1:
                raise PatternError(f"a NotLink holds exactly one term: {atom.short()}")
            if self.is_virtual(atom.out[0]):
                return [[("virtual", atom)]]
            return [[self._negation(atom.out[0], atom)]]
        if t is ALWAYS:
            if len(atom.out) != 1:
                raise PatternError(f"an AlwaysLink holds exactly one term: {atom.short()}")
            return [[("always", atom.out[0])]]
        if self.is_virtual(atom):
            return [[("virtual", atom)]]
        if t is LOCAL_QUOTE:
            if len(atom.out) != 1:
                raise PatternError(f"a LocalQuoteLink holds exactly one atom: {atom.short()}")
            return [[("local", atom.out[0])]]
        return [[("clause", atom)]]

    def _negation(self, term: Atom, where: Atom) -> Literal:
        t = term.type
        if t is PRESENT:
            return ("absent", list(term.out))
        if t is AND and not self.is_virtual(term):
            return ("absent", list(term.out))
        if t is OR or t is CHOICE or t is ABSENT or t is NOT or t is ALWAYS:
            raise PatternError(
                f"negation of {t.name} is not supported inside {where.type.name}; "
                f"rewrite it with separate Absent clauses: {where.short()}"
            )
        return ("absent", [term])

    def alternative(self, literals: list[Literal]) -> Alternative:
        alt = Alternative()
        seen: set[tuple[str, object]] = set()
        for kind, payload in literals:
            key = (kind, payload if kind != "absent" else tuple(payload))  # type: ignore[arg-type]
            if key in seen:
                continue
            seen.add(key)
            if kind == "clause" or kind == "local":
                atom: Atom = payload  # type: ignore[assignment]
                term = self.term(atom, 0, local=kind == "local")
                if not term.vars and term.kind == CONST:
                    continue  # a constant clause is in the store: it is part of the pattern
                alt.clauses.append(self.clause(atom, term))
            elif kind == "virtual" or kind == "virtual-not":
                atom = payload  # type: ignore[assignment]
                alt.virtual.append(
                    Virtual(atom, _variables_in(atom, self.variables), kind == "virtual-not")
                )
            elif kind == "absent":
                group = [self.clause(a, self.term(a, 0)) for a in payload]  # type: ignore[attr-defined]
                alt.absent.append(group)
            elif kind == "always":
                atom = payload  # type: ignore[assignment]
                if self.is_virtual(atom):
                    alt.always.append(Virtual(atom, _variables_in(atom, self.variables)))
                else:
                    alt.always.append(self.clause(atom, self.term(atom, 0)))
        groundable: set[Atom] = set()
        for clause in alt.clauses:
            groundable |= clause.vars
        alt.groundable = frozenset(groundable)
        alt.components = _components(alt.clauses)
        if alt.clauses:
            alt.group_vars = tuple(v for v in self.variables if v in alt.clauses[0].vars)
        return alt

    def clause(self, atom: Atom, term: Term) -> Clause:
        if term.kind in (VAR, GLOBV):
            raise PatternError(
                f"a clause must be a link, not the bare variable {atom.short()}; "
                "say what it should be linked to"
            )
        if term.kind == CHOOSE:
            raise PatternError(f"a ChoiceLink inside a clause position is not supported: {atom.short()}")
        return Clause(atom, term, term.vars)

    # -- terms ---------------------------------------------------------------------------
    def term(self, atom: Atom, quotation: int, local: bool = False, shadow: frozenset[Atom] = frozenset()) -> Term:
        t = atom.type
        if atom.is_node():
            if quotation == 0 and atom in self.variables and atom not in shadow:
                spec = self.specs[atom]
                return Term(GLOBV if spec.is_glob else VAR, atom, var=atom, spec=spec)
            return Term(CONST, atom)
        out = atom.out
        if not local:
            if t is QUOTE and quotation == 0:
                if len(out) != 1:
                    raise PatternError(f"a QuoteLink holds exactly one atom: {atom.short()}")
                return self.term(out[0], 1, shadow=shadow)
            if t is UNQUOTE and quotation == 1:
                if len(out) != 1:
                    raise PatternError(f"an UnquoteLink holds exactly one atom: {atom.short()}")
                return self.term(out[0], 0, shadow=shadow)
            if t is LOCAL_QUOTE and quotation == 0:
                if len(out) != 1:
                    raise PatternError(f"a LocalQuoteLink holds exactly one atom: {atom.short()}")
                return self.term(out[0], 0, local=True, shadow=shadow)
            if quotation == 0 and t is CHOICE:
                if not out:
                    raise PatternError(f"an empty ChoiceLink matches nothing: {atom.short()}")
                alts = tuple(self.term(c, 0, shadow=shadow) for c in out)
                if any(a.kind == GLOBV for a in alts):
                    raise PatternError(f"a GlobNode directly inside a ChoiceLink is not supported: {atom.short()}")
                return Term(CHOOSE, atom, children=alts)
        inner_quote = quotation
        if t is QUOTE:
            inner_quote = quotation + 1
        elif t is UNQUOTE:
            inner_quote = quotation - 1
        if quotation == 0 and SCOPE in t.ancestors and out:
            # An inner scope keeps its own variables: they match themselves.
            if is_declaration(out[0]):
                shadow = shadow | frozenset(declared_variables(out[0]))
            else:
                shadow = shadow | frozenset(v for v in self.variables)
        children = tuple(self.term(c, inner_quote, shadow=shadow) for c in out)
        if all(c.kind == CONST and c.atom is o for c, o in zip(children, out)):
            return Term(CONST, atom)
        unordered = t.unordered
        if unordered and sum(1 for c in children if c.kind == GLOBV) > 1:
            raise PatternError(
                f"at most one GlobNode may stand in an unordered link: {atom.short()}"
            )
        return Term(UNORDERED if unordered else ORDERED, atom, type=t, children=children)


def _components(clauses: list[Clause]) -> list[tuple[int, ...]]:
    """Clause indices grouped into components connected by shared variables."""
    if len(clauses) <= 1:
        return [tuple(range(len(clauses)))] if clauses else []
    graph = rustworkx.PyGraph()
    graph.add_nodes_from(range(len(clauses)))
    first_seen: dict[Atom, int] = {}
    for i, clause in enumerate(clauses):
        for v in clause.vars:
            j = first_seen.setdefault(v, i)
            if j != i:
                graph.add_edge(j, i, None)
    components = [tuple(sorted(c)) for c in rustworkx.connected_components(graph)]
    components.sort()
    return components


def _fast_path(pattern: Pattern) -> Any:
    """For one plain clause of constants and variables directly under one ordered link:
    ``(link type, arity, ((position, const atom), ...), ((position, variable), ...))``."""
    if len(pattern.alternatives) != 1:
        return None
    alt = pattern.alternatives[0]
    if len(alt.clauses) != 1 or alt.virtual or alt.absent or alt.always:
        return None
    term = alt.clauses[0].term
    if term.kind != ORDERED or term.has_glob:
        return None
    consts: list[tuple[int, Atom]] = []
    variables: list[tuple[int, Atom]] = []
    for i, child in enumerate(term.children):
        if child.kind == CONST:
            consts.append((i, child.atom))  # type: ignore[arg-type]
        elif child.kind == VAR:
            variables.append((i, child.var))  # type: ignore[arg-type]
        else:
            return None
    if not consts or set(v for _, v in variables) != set(pattern.variables):
        return None
    return (term.type, len(term.children), tuple(consts), tuple(variables))
