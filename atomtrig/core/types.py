"""The atom type hierarchy: one readable table, and a registry that grows at run time.

Every type has a full name (``ConceptNode``) and a short name (``Concept``); both resolve.
Types may have several parents. Link types that descend from ``UnorderedLink`` are stored in
a canonical order, so ``(SetLink a b)`` and ``(SetLink b a)`` are one atom.

>>> from atomtrig.core.types import types
>>> concept = types["Concept"]
>>> concept.name, concept.is_a(types["Node"])
('ConceptNode', True)
>>> types["SetLink"].unordered
True
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Iterable, Iterator

from atomtrig.core.errors import TypeDeclarationError, UnknownTypeError

# The single source of truth for the built-in types. One type a line: the type, then its
# parents. Types marked abstract cannot be instantiated; they exist to group others.
TYPE_TABLE = """
# type                      parents                              flags
Atom                        -                                    abstract
Node                        Atom                                 abstract
Link                        Atom                                 abstract
OrderedLink                 Link                                 abstract
UnorderedLink               Link                                 abstract
ScopeLink                   OrderedLink                          abstract
PatternLink                 ScopeLink                            abstract
FunctionLink                OrderedLink                          abstract
NumericOutputLink           FunctionLink                         abstract
EvaluatableLink             Link                                 abstract
TriggerLink                 OrderedLink                          abstract

ConceptNode                 Node
PredicateNode               Node
SchemaNode                  Node
GroundedSchemaNode          SchemaNode
DefinedSchemaNode           SchemaNode
GroundedPredicateNode       PredicateNode
DefinedPredicateNode        PredicateNode
NumberNode                  Node
VariableNode                Node
GlobNode                    VariableNode
TypeNode                    Node
AnchorNode                  Node
AnyNode                     Node

ListLink                    OrderedLink
SetLink                     UnorderedLink
MemberLink                  OrderedLink
InheritanceLink             OrderedLink
SimilarityLink              UnorderedLink
EvaluationLink              OrderedLink
ExecutionLink               OrderedLink
ExecutionOutputLink         FunctionLink
ImplicationLink             OrderedLink
EquivalenceLink             UnorderedLink
AndLink                     UnorderedLink, EvaluatableLink
OrLink                      UnorderedLink, EvaluatableLink
NotLink                     OrderedLink, EvaluatableLink
SequentialAndLink           OrderedLink, EvaluatableLink
SequentialOrLink            OrderedLink, EvaluatableLink
TrueLink                    OrderedLink, EvaluatableLink
FalseLink                   OrderedLink, EvaluatableLink

LambdaLink                  ScopeLink
QueryLink                   PatternLink
BindLink                    QueryLink
GetLink                     PatternLink
MeetLink                    PatternLink
SatisfactionLink            PatternLink, EvaluatableLink
DualLink                    PatternLink
PutLink                     OrderedLink
SatisfyingSetLink           ScopeLink
ForAllLink                  ScopeLink
ExistsLink                  ScopeLink

VariableList                OrderedLink
VariableSet                 UnorderedLink
TypedVariableLink           OrderedLink
TypeChoice                  UnorderedLink
SignatureLink               OrderedLink
IntervalLink                OrderedLink
ArityLink                   OrderedLink

PresentLink                 UnorderedLink, EvaluatableLink
AbsentLink                  OrderedLink, EvaluatableLink
AlwaysLink                  OrderedLink, EvaluatableLink
ChoiceLink                  UnorderedLink
QuoteLink                   Link
UnquoteLink                 Link
LocalQuoteLink              Link

EqualLink                   UnorderedLink, EvaluatableLink
IdenticalLink               UnorderedLink, EvaluatableLink
GreaterThanLink             OrderedLink, EvaluatableLink
PlusLink                    NumericOutputLink
MinusLink                   NumericOutputLink
TimesLink                   NumericOutputLink
DivideLink                  NumericOutputLink

StateLink                   OrderedLink
DefineLink                  OrderedLink
DeleteLink                  OrderedLink
ValueOfLink                 FunctionLink
TruthValueOfLink            ValueOfLink
SetValueLink                FunctionLink
CondLink                    OrderedLink
IfElseLink                  OrderedLink

StrengthTriggerLink         TriggerLink
RelationshipTriggerLink     TriggerLink
PingTriggerLink             TriggerLink
ValueTriggerLink            TriggerLink
ScheduledExecutionLink      TriggerLink
"""

# Names that resolve to a type besides its full and short name.
EXTRA_ALIASES: dict[str, str] = {
    "SimpleTruthValueOfLink": "TruthValueOfLink",
}


class AtomType:
    """One atom type. Compare types with ``is`` or ``==`` (identity); test kinship with
    :meth:`is_a`.

    >>> from atomtrig.core.types import types
    >>> types["GroundedSchemaNode"].is_a("SchemaNode")
    True
    """

    __slots__ = (
        "name",
        "short_name",
        "parents",
        "id",
        "abstract",
        "builtin",
        "is_node",
        "is_link",
        "unordered",
        "ancestors",
    )

    def __init__(
        self,
        name: str,
        short_name: str,
        parents: tuple[AtomType, ...],
        type_id: int,
        abstract: bool,
        builtin: bool,
    ) -> None:
        self.name = name
        self.short_name = short_name
        self.parents = parents
        self.id = type_id
        self.abstract = abstract
        self.builtin = builtin
        ancestors: set[AtomType] = {self}
        for parent in parents:
            ancestors |= parent.ancestors
        self.ancestors: frozenset[AtomType] = frozenset(ancestors)
        names = {t.name for t in ancestors}
        self.is_node = "Node" in names
        self.is_link = "Link" in names
        self.unordered = "UnorderedLink" in names

    def is_a(self, other: AtomType | str) -> bool:
        """True if this type is ``other`` or descends from it."""
        if isinstance(other, str):
            other = types[other]
        return other in self.ancestors

    def __repr__(self) -> str:
        return self.name

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (_type_by_name, (self.name,))


def _type_by_name(name: str) -> AtomType:
    return types[name]


def short_name_of(name: str) -> str:
    """``ConceptNode`` -> ``Concept``; names without the suffix stay as they are."""
    for suffix in ("Node", "Link"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


class TypeRegistry:
    """Every known atom type, by full and by short name.

    Built-in types come from :data:`TYPE_TABLE`; :meth:`declare` adds types at run time
    (the Motion layer maps relations onto new types this way).
    """

    def __init__(self) -> None:
        self._by_name: dict[str, AtomType] = {}
        self._all: list[AtomType] = []
        self._subtypes_cache: dict[AtomType, frozenset[AtomType]] = {}
        self._lock = threading.Lock()
        # Fast paths for AtomSpace.add_node/add_link: name or type -> concrete node/link type.
        self.concrete_nodes: dict[object, AtomType] = {}
        self.concrete_links: dict[object, AtomType] = {}
        for name, parents, flags in _parse_table(TYPE_TABLE):
            self._add(name, parents, abstract="abstract" in flags, builtin=True)
        for alias, target in EXTRA_ALIASES.items():
            self._by_name.setdefault(alias, self._by_name[target])

    # -- lookup -----------------------------------------------------------------------------
    def __getitem__(self, key: AtomType | str) -> AtomType:
        if isinstance(key, AtomType):
            return key
        found = self._by_name.get(key)
        if found is None:
            if not isinstance(key, str):
                raise UnknownTypeError(
                    f"an atom type must be a type or a type name, not {type(key).__name__} {key!r}"
                )
            raise UnknownTypeError(self._unknown_message(key))
        return found

    def get(self, key: AtomType | str, default: AtomType | None = None) -> AtomType | None:
        if isinstance(key, AtomType):
            return key
        return self._by_name.get(key, default)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, AtomType) or key in self._by_name

    def __iter__(self) -> Iterator[AtomType]:
        return iter(list(self._all))

    def __len__(self) -> int:
        return len(self._all)

    def names(self) -> list[str]:
        """All full and short names, sorted."""
        return sorted(self._by_name)

    def _unknown_message(self, name: str) -> str:
        close = difflib.get_close_matches(name, self._by_name.keys(), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        return f"unknown atom type {name!r}{hint}"

    def subtypes(self, t: AtomType | str) -> frozenset[AtomType]:
        """``t`` and every type that descends from it."""
        t = self[t]
        cached = self._subtypes_cache.get(t)
        if cached is None:
            cached = frozenset(s for s in self._all if t in s.ancestors)
            self._subtypes_cache[t] = cached
        return cached

    # -- declaration ------------------------------------------------------------------------
    def declare(
        self,
        name: str,
        parents: Iterable[AtomType | str] = ("Node",),
        short_name: str | None = None,
    ) -> AtomType:
        """Declare a new type at run time, or return it if it is declared already with the same
        parents.

        >>> from atomtrig.core.types import types
        >>> t = types.declare("ExampleRecordNode", ["Node"])
        >>> types["ExampleRecord"] is t
        True
        """
        if not isinstance(name, str) or not name.isidentifier():
            raise TypeDeclarationError(f"a type name must be an identifier, not {name!r}")
        parent_types = tuple(self[p] for p in parents)
        if not parent_types:
            raise TypeDeclarationError(f"type {name!r} needs at least one parent (e.g. Node or Link)")
        with self._lock:
            existing = self._by_name.get(name)
            if existing is not None:
                if existing.name == name and set(existing.parents) == set(parent_types):
                    return existing
                raise TypeDeclarationError(
                    f"type {name!r} already exists as {existing.name} with parents "
                    f"{', '.join(p.name for p in existing.parents)}"
                )
            is_node = any(p.is_node for p in parent_types)
            is_link = any(p.is_link for p in parent_types)
            if is_node == is_link:
                raise TypeDeclarationError(
                    f"type {name!r} must descend from Node or from Link, not "
                    f"{'both' if is_node else 'neither'}"
                )
            return self._add(name, parent_types, abstract=False, builtin=False, short=short_name)

    def _add(
        self,
        name: str,
        parents: Iterable[AtomType | str],
        abstract: bool,
        builtin: bool,
        short: str | None = None,
    ) -> AtomType:
        parent_types = tuple(self[p] for p in parents)
        short = short or short_name_of(name)
        t = AtomType(name, short, parent_types, len(self._all), abstract, builtin)
        self._all.append(t)
        self._by_name[name] = t
        self._by_name.setdefault(short, t)
        self._subtypes_cache.clear()
        if not abstract:
            lookup = self.concrete_nodes if t.is_node else self.concrete_links
            lookup[t] = t
            lookup[name] = t
            lookup.setdefault(short, t)
            for alias, target in EXTRA_ALIASES.items():
                if target == name:
                    lookup.setdefault(alias, t)
        return t

    def declared(self) -> list[AtomType]:
        """Types declared at run time, in declaration order (parents before children)."""
        return [t for t in self._all if not t.builtin]


def _parse_table(text: str) -> Iterator[tuple[str, list[str], set[str]]]:
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split(None, 1)
        name = parts[0]
        rest = parts[1] if len(parts) > 1 else "-"
        flags: set[str] = set()
        if rest.endswith("abstract"):
            flags.add("abstract")
            rest = rest[: -len("abstract")].strip()
        parents = [] if rest == "-" else [p.strip() for p in rest.split(",")]
        yield name, parents, flags


types = TypeRegistry()
"""The process-wide type registry (like the AtomSpace's nameserver)."""


def declare_type(
    name: str, parents: Iterable[AtomType | str] = ("Node",), short_name: str | None = None
) -> AtomType:
    """Declare a new atom type at run time; see :meth:`TypeRegistry.declare`."""
    return types.declare(name, parents, short_name)
