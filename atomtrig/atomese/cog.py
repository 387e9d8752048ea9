"""The ``cog-`` procedures of Atomese scripts, over the interpreter's AtomSpace.

``cog-execute!`` and ``cog-evaluate!`` call the query layer (:func:`atomtrig.query.execute`,
:func:`atomtrig.query.evaluate`); ``cog-ping!`` calls ``space.ping``;
``(cog-wait-for-triggers)`` calls ``space.wait_for_triggers()`` when the space has triggers
(and returns at once otherwise).

>>> from atomtrig.core.atomspace import CoreAtomSpace as AtomSpace
>>> from atomtrig.atomese.evaluator import Interpreter
>>> i = Interpreter(AtomSpace())
>>> i.eval_text('''
... (define a (Concept "a" (stv 0.8 0.9)))
... (define l (Inheritance a (Concept "b")))
... (list (cog-mean a) (cog-confidence a) (cog-arity l) (cog-type l) (length (cog-incoming-set a)))''')
[0.8, 0.9, 2, InheritanceLink, 1]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from atomtrig.atomese.builder import AtomFormError, build_atom, make_truth_value, type_of
from atomtrig.atomese.data import UNSPECIFIED, Fraction, Pair, Symbol, sym, to_write
from atomtrig.atomese.errors import AtomeseRuntimeError
from atomtrig.core.atom import Atom
from atomtrig.core.printer import to_sexpr
from atomtrig.core.truthvalue import CountTruthValue, TruthValue
from atomtrig.core.types import AtomType
from atomtrig.core.values import FloatValue, LinkValue, StringValue, Value

if TYPE_CHECKING:
    from atomtrig.atomese.evaluator import Interpreter

__all__ = ["install"]


def _atom(x: Any, who: str, position: str = "argument") -> Atom:
    if not isinstance(x, Atom):
        raise AtomeseRuntimeError(f"{who}: the {position} must be an atom, not {to_write(x)}")
    return x


def _type(x: Any, who: str) -> AtomType:
    from atomtrig.atomese.evaluator import TypeConstructor

    if isinstance(x, TypeConstructor):
        return x.atom_type
    if isinstance(x, Atom) and x.type.name == "TypeNode":
        return type_of(x.name)
    if isinstance(x, (Symbol, str)):
        return type_of(x)
    raise AtomFormError(f"{who}: expected an atom type such as 'ConceptNode, not {to_write(x)}")


def _tv_of(x: Any) -> TruthValue:
    if isinstance(x, TruthValue):
        return x
    return _atom(x, "cog-tv").tv


def _scheme_value(value: Any) -> Any:
    """Python values returned by grounded code, as Scheme sees them."""
    if value is None:
        return []
    if isinstance(value, tuple):
        return list(value)
    return value


def install(interp: Interpreter) -> None:
    """Bind the cog- procedures in ``interp``."""
    space_of = lambda: interp.space  # noqa: E731 - the space may be swapped by the CLI
    d = interp.define

    def cog_execute(atom: Any) -> Any:
        from atomtrig.query import execute

        return _scheme_value(execute(space_of(), _atom(atom, "cog-execute!")))

    def cog_evaluate(atom: Any) -> Any:
        from atomtrig.query import evaluate

        return evaluate(space_of(), _atom(atom, "cog-evaluate!"))

    def cog_set_tv(atom: Any, tv: Any) -> Atom:
        atom = _atom(atom, "cog-set-tv!")
        if not isinstance(tv, TruthValue):
            raise AtomeseRuntimeError(f"cog-set-tv!: {to_write(tv)} is not a truth value")
        space_of().set_tv(atom, tv)
        return atom

    def cog_new_node(type_: Any, name: Any, *rest: Any) -> Atom:
        t = _type(type_, "cog-new-node")
        if not t.is_node:
            raise AtomFormError(f"cog-new-node: {t.name} is not a node type")
        return build_atom(space_of(), t, [name, *rest])  # type: ignore[return-value]

    def cog_new_link(type_: Any, *args: Any) -> Any:
        t = _type(type_, "cog-new-link")
        if not t.is_link:
            raise AtomFormError(f"cog-new-link: {t.name} is not a link type")
        result = build_atom(space_of(), t, args)
        return [] if result is None else result

    def cog_node(type_: Any, name: Any, *rest: Any) -> Any:
        t = _type(type_, "cog-node")
        if t.name == "TypeNode" and isinstance(name, Symbol):
            name = name.name
        found = space_of().get_node(t, name)
        if found is None:
            return []
        for extra in rest:
            if isinstance(extra, TruthValue):
                space_of().set_tv(found, extra)
        return found

    def cog_link(type_: Any, *args: Any) -> Any:
        t = _type(type_, "cog-link")
        out: list[Atom] = []
        for a in args:
            if isinstance(a, list):
                out.extend(_atom(x, "cog-link") for x in a)
            elif not isinstance(a, TruthValue):
                out.append(_atom(a, "cog-link"))
        found = space_of().get_link(t, out)
        return [] if found is None else found

    def cog_get_atoms(type_: Any, subtypes: Any = False) -> list[Atom]:
        t = _type(type_, "cog-get-atoms")
        return list(space_of().get_atoms_by_type(t, subtypes=subtypes is not False))

    def cog_incoming_by_type(atom: Any, type_: Any) -> list[Atom]:
        return list(_atom(atom, "cog-incoming-by-type").incoming_by_type(_type(type_, "cog-incoming-by-type")))

    def cog_extract(atom: Any) -> bool:
        atom = _atom(atom, "cog-extract!")
        if atom._space is None:
            return False
        if atom.incoming:
            return False
        space_of().remove(atom)
        return True

    def cog_extract_recursive(atom: Any) -> bool:
        atom = _atom(atom, "cog-extract-recursive!")
        if atom._space is None:
            return False
        space_of().remove(atom, recursive=True)
        return True

    def cog_set_value(atom: Any, key: Any, value: Any) -> Atom:
        atom = _atom(atom, "cog-set-value!")
        key = _atom(key, "cog-set-value!", "key")
        if isinstance(value, list) and value and not all(isinstance(v, Atom) for v in value):
            value = _python_value(value)
        elif isinstance(value, list) and value:
            value = LinkValue(value)
        elif isinstance(value, list):
            value = None
        space_of().set_value(atom, key, value)
        return atom

    def cog_value(atom: Any, key: Any) -> Any:
        atom = _atom(atom, "cog-value")
        key = _atom(key, "cog-value", "key")
        value = space_of().get_value(atom, key)
        return [] if value is None else value

    def cog_value_ref(value: Any, index: Any) -> Any:
        if isinstance(value, Atom):
            return _atom(value.out[index], "cog-value-ref") if value.is_link() else value
        if not isinstance(value, (Value, TruthValue)):
            raise AtomeseRuntimeError(f"cog-value-ref: {to_write(value)} is not a value")
        if isinstance(value, TruthValue):
            items = [value.strength, value.confidence] + (
                [value.count] if isinstance(value, CountTruthValue) else []
            )
            return items[index]
        if not isinstance(index, int) or not 0 <= index < len(value):
            raise AtomeseRuntimeError(
                f"cog-value-ref: index {to_write(index)} out of range for {len(value)} items"
            )
        return value[index]

    def cog_value_to_list(value: Any) -> list[Any]:
        if isinstance(value, TruthValue):
            return [value.strength, value.confidence]
        if isinstance(value, Atom):
            return list(value.out)
        return list(value)

    def cog_ping(atom: Any) -> Any:
        space_of().ping(_atom(atom, "cog-ping!"))
        return UNSPECIFIED

    def cog_wait_for_triggers(*timeout: Any) -> Any:
        engine = space_of().find_extension("atomtrig.triggers")
        if engine is not None:
            engine.wait(*timeout)
        return UNSPECIFIED

    def cog_prt_atomspace(*_: Any) -> Any:
        for atom in space_of():
            if not atom.incoming:
                interp.write(to_sexpr(atom) + "\n")
        return UNSPECIFIED

    def cog_type(atom: Any) -> Symbol:
        if isinstance(atom, TruthValue):
            return sym("SimpleTruthValue" if not isinstance(atom, CountTruthValue) else "CountTruthValue")
        if isinstance(atom, Value):
            return sym(type(atom).__name__)
        return sym(_atom(atom, "cog-type").type.name)

    def cog_name(atom: Any) -> str:
        atom = _atom(atom, "cog-name")
        return atom.name if atom.is_node() else ""

    def cog_count_atoms(type_: Any) -> int:
        return int(space_of().count_by_type(_type(type_, "cog-count-atoms")))

    def cog_subtype(parent: Any, child: Any) -> bool:
        return _type(child, "cog-subtype?").is_a(_type(parent, "cog-subtype?"))

    def cog_tv_alist(tv: Any) -> list[Any]:
        tv = _tv_of(tv)
        alist = [Pair(sym("mean"), tv.strength), Pair(sym("confidence"), tv.confidence)]
        if isinstance(tv, CountTruthValue):
            alist.append(Pair(sym("count"), tv.count))
        return alist

    def cog_chase_link(link_type: Any, endpoint_type: Any, anchor: Any) -> list[Atom]:
        """Atoms of ``endpoint_type`` that share a link of ``link_type`` with ``anchor``."""
        lt = _type(link_type, "cog-chase-link")
        et = _type(endpoint_type, "cog-chase-link")
        anchor = _atom(anchor, "cog-chase-link")
        found: dict[Atom, None] = {}
        for link in anchor.incoming_by_type(lt):
            for member in link.out:
                if member is not anchor and member.type.is_a(et):
                    found.setdefault(member, None)
        return list(found)

    def cog_count(atom: Any) -> Any:
        tv = _tv_of(atom)
        count = tv.count
        return count

    def stv_value(s: Any, c: Any) -> TruthValue:
        return make_truth_value("stv", [s, c])

    procedures: dict[str, Any] = {
        "cog-execute!": cog_execute, "cog-evaluate!": cog_evaluate,
        "cog-bind": cog_execute, "cog-satisfying-set": cog_execute,
        "cog-set-tv!": cog_set_tv, "cog-tv": _tv_of, "cog-new-stv": stv_value,
        "cog-new-ctv": lambda s, c, n: make_truth_value("ctv", [s, c, n]),
        "cog-mean": lambda a: _tv_of(a).strength, "cog-confidence": lambda a: _tv_of(a).confidence,
        "cog-count": cog_count, "cog-tv->alist": cog_tv_alist,
        "cog-name": cog_name, "cog-type": cog_type,
        "cog-arity": lambda a: len(_atom(a, "cog-arity").out),
        "cog-outgoing-set": lambda a: list(_atom(a, "cog-outgoing-set").out),
        "cog-outgoing-atom": lambda a, i: _atom(a, "cog-outgoing-atom").out[i],
        "cog-incoming-set": lambda a: list(_atom(a, "cog-incoming-set").incoming),
        "cog-incoming-by-type": cog_incoming_by_type,
        "cog-incoming-size": lambda a: len(_atom(a, "cog-incoming-size").incoming),
        "cog-get-atoms": cog_get_atoms, "cog-count-atoms": cog_count_atoms,
        "cog-atom?": lambda x: isinstance(x, Atom),
        "cog-node?": lambda x: isinstance(x, Atom) and x.is_node(),
        "cog-link?": lambda x: isinstance(x, Atom) and x.is_link(),
        "cog-tv?": lambda x: isinstance(x, TruthValue),
        "cog-value?": lambda x: isinstance(x, (Value, TruthValue)),
        "cog-subtype?": cog_subtype,
        "cog-node": cog_node, "cog-link": cog_link,
        "cog-new-node": cog_new_node, "cog-new-link": cog_new_link,
        "cog-extract!": cog_extract, "cog-extract-recursive!": cog_extract_recursive,
        "cog-delete!": cog_extract, "cog-delete-recursive!": cog_extract_recursive,
        "cog-set-value!": cog_set_value, "cog-value": cog_value, "cog-keys": lambda a: _atom(a, "cog-keys").keys(),
        "cog-value-ref": cog_value_ref, "cog-value->list": cog_value_to_list,
        "cog-ping!": cog_ping, "cog-wait-for-triggers": cog_wait_for_triggers,
        "gar": lambda a: _atom(a, "gar").out[0], "gdr": lambda a: _atom(a, "gdr").out[1],
        "gadr": lambda a: _atom(a, "gadr").out[0].out[1],
        "gddr": lambda a: _atom(a, "gddr").out[1].out[1],
        "cog-prt-atomspace": cog_prt_atomspace, "cog-chase-link": cog_chase_link,
        "cog-atomspace-size": lambda: len(space_of()),
    }
    for name, proc in procedures.items():
        d(name, proc)


def _python_value(items: list[Any]) -> Value:
    if all(isinstance(x, (int, float, Fraction)) and not isinstance(x, bool) for x in items):
        return FloatValue([float(x) for x in items])
    if all(isinstance(x, str) for x in items):
        return StringValue(items)
    return LinkValue(items)
