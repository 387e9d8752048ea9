"""The Motion store: relations, records, triggers and their life cycle over one AtomSpace.

``create_store(name, schemas={...})`` opens the embedded (SQLite) store ``<name>.db`` — or
``path=``, or ``memory=True`` — declares an atom type per relation, and returns a
:class:`Store`. ``store.add_trigger(QAChatbot)`` calls ``setUp`` with a cursor, then ``routes``,
and adds one trigger link per route (see :mod:`atomtrig.motion.routes`). On every start of the
application the triggers are added again: ``setUp`` reads the persisted records, and the route
links already in the store are kept (those of routes that no longer exist are removed).

>>> from dataclasses import dataclass
>>> @dataclass
... class Item:
...     id: int
...     price: float
...     label: str
>>> store = create_store("shop", schemas={"item": Item}, memory=True)
>>> ident = store.cursor.set(relation="item", key_values={"price": 9.5})
>>> store.cursor.get(relation="item", identifier=ident, keys=["*"])
{'id': 0, 'price': 9.5, 'label': None}
>>> store.close()
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from atomtrig.core.values import StringValue
from atomtrig.motion import routes as _routes
from atomtrig.motion.cursor import Cursor
from atomtrig.motion.errors import (
    MotionKeyError,
    MotionRelationError,
    MotionSchemaError,
    MotionTriggerError,
)
from atomtrig.motion.fits import FitQueue
from atomtrig.motion.schema import DERIVED_TYPE, Relation, record_types
from atomtrig.motion.trigger import Route, Trigger, TriggeredBy

if TYPE_CHECKING:
    from atomtrig.core.atom import Atom, Link
    from atomtrig.space import AtomSpace

logger = logging.getLogger("atomtrig.motion")

stores: dict[Any, Store] = {}
"""The open stores, by AtomSpace (how a route's target finds its store)."""
_stores_lock = threading.Lock()


class Store:
    """A Motion store over ``space``; made by :func:`create_store`."""

    def __init__(self, name: str, relations: dict[str, Relation], space: AtomSpace,
                 owns_space: bool) -> None:
        self.name = name
        self.space = space
        self.relations = relations
        self._owns_space = owns_space
        self._by_type = {rel.type: rel for rel in relations.values()}
        _, self._derived_type = record_types()
        self.triggers: dict[str, Trigger] = {}
        self._routes: dict[Link, tuple[Trigger, Route, Relation, str]] = {}
        self._fits = FitQueue()
        self._id_lock = threading.Lock()
        self._next_id: dict[str, int] = {}
        self._keys: dict[str, dict[str, Atom]] = {}
        self._closed = False
        with space.transaction():
            for rel in relations.values():
                self._keys[rel.name] = {k: space.add_node("PredicateNode", k) for k in rel.keys}
                type_node = space.add_node("TypeNode", rel.type.name)
                schema = StringValue(rel.name, rel.describe())
                if type_node.get_value("motion:schema") != schema:
                    space.set_value(type_node, "motion:schema", schema)
        self.cursor = Cursor(self)
        """The cursor of this store (what ``setUp``, ``infer`` and ``fit`` receive)."""

    # -- relations -----------------------------------------------------------------------------
    def relation(self, name: str) -> Relation:
        """The relation ``name``, or :class:`MotionRelationError` naming the known ones."""
        rel = self.relations.get(name) if isinstance(name, str) else None
        if rel is None:
            raise MotionRelationError(f"store {self.name!r} has no relation {name!r}; its "
                                      f"relations are {', '.join(self.relations)}")
        return rel

    def _new_id(self, rel: Relation) -> Any:
        if rel.id_kind == "str":
            return uuid.uuid4().hex
        with self._id_lock:
            nxt = self._next_id.get(rel.name)
            if nxt is None:
                nxt = 1 + max((int(a.name) for a in self.space.get_atoms_by_type(rel.type, False)
                               if _is_int(a.name)), default=-1)
            self._next_id[rel.name] = nxt + 1
            return nxt

    def _saw_id(self, rel: Relation, identifier: Any) -> None:
        if rel.id_kind == "int":
            with self._id_lock:
                nxt = self._next_id.get(rel.name)
                if nxt is not None and identifier >= nxt:
                    self._next_id[rel.name] = identifier + 1

    def _record(self, rel: Relation, identifier: Any) -> Atom | None:
        return self.space.get_node(rel.type, rel.identifier(identifier))

    def _row(self, rel: Relation, record: Atom, keys: list[str] | tuple[str, ...]) -> dict[str, Any]:
        atoms = self._keys[rel.name]
        fields = rel.fields
        row: dict[str, Any] = {}
        for k in keys:
            if k == "id":
                row[k] = rel.parse_identifier(record.name)  # type: ignore[attr-defined]
            else:
                row[k] = fields[k].decode(record.get_value(atoms[k]))
        return row

    def _source(self, record: Atom) -> Atom | None:
        for link in record.incoming_by_type(self._derived_type):
            if link.out[0] is record:  # type: ignore[attr-defined]
                return link.out[1]  # type: ignore[attr-defined,no-any-return]
        return None

    def _derived(self, record: Atom) -> list[Atom]:
        """Every record derived from ``record``, directly or through other derived records."""
        found: list[Atom] = []
        todo = [record]
        seen = {record}
        while todo:
            current = todo.pop(0)
            children = [link.out[0] for link in current.incoming_by_type(self._derived_type)
                        if link.out[1] is current and link.out[0] not in seen]  # type: ignore[attr-defined]
            rel = self._by_type[current.type]
            children.sort(key=lambda a: rel.parse_identifier(a.name))  # type: ignore[attr-defined]
            for child in children:
                seen.add(child)
                found.append(child)
                todo.append(child)
        return found

    def _rows(self, rel: Relation) -> Iterator[dict[str, Any]]:
        keys = ("id",) + rel.keys
        records = self.space.get_atoms_by_type(rel.type, False)
        records.sort(key=lambda a: rel.parse_identifier(a.name))  # type: ignore[attr-defined]
        for record in records:
            row = self._row(rel, record, keys)
            source = self._source(record)
            row.setdefault("derived_id", None if source is None
                           else rel.parse_identifier(source.name))  # type: ignore[attr-defined]
            yield row

    # -- triggers ----------------------------------------------------------------------------
    def add_trigger(self, trigger: type[Trigger] | Trigger, name: str | None = None) -> Trigger:
        """Add a trigger (a :class:`Trigger` subclass or instance): ``setUp`` with this store's
        cursor, then ``routes``, then one trigger link per route. Returns the instance."""
        if isinstance(trigger, type):
            if not issubclass(trigger, Trigger):
                raise MotionTriggerError(f"{trigger.__name__} must subclass motion.Trigger")
            inst = trigger()
        elif isinstance(trigger, Trigger):
            inst = trigger
        else:
            raise MotionTriggerError(f"add_trigger needs a motion.Trigger subclass or instance, "
                                     f"not {type(trigger).__name__}")
        if not hasattr(inst, "_state_lock"):  # a subclass __init__ that did not call super()
            Trigger.__init__(inst, name)
        if name is not None:
            inst.name = name
        name = inst.name
        if not isinstance(name, str) or not name.strip() or any(c.isspace() for c in name):
            raise MotionTriggerError(f"a trigger name must be a non-empty string without spaces, "
                                     f"not {name!r}")
        if name in self.triggers:
            raise MotionTriggerError(f"store {self.name!r} already has a trigger named {name!r}")
        inst._reset(inst.setUp(self.cursor))
        wanted = self._check_routes(inst)
        space = self.space
        schema = space.add_node("GroundedSchemaNode", _routes.route_schema_name(name))
        target = space.add_link("ExecutionOutputLink", [schema])
        links: dict[Link, tuple[Trigger, Route, Relation, str]] = {}
        with space.transaction():
            for route, rel in wanted:
                link = space.add_link("ValueTriggerLink", [
                    space.add_node("TypeNode", rel.type.name), self._keys[rel.name][route.key],
                    target,
                ])
                links[link] = (inst, route, rel, route.key)
            for old in list(target.incoming):  # routes of an earlier run that are gone now
                if old not in links and old.type.is_a("ValueTriggerLink"):
                    space.remove(old, recursive=True)
        self._routes.update(links)
        self.triggers[name] = inst
        return inst

    def _check_routes(self, inst: Trigger) -> list[tuple[Route, Relation]]:
        got = inst.routes()
        if not isinstance(got, (list, tuple)):
            raise MotionTriggerError(f"{inst.name}.routes() must return a list of motion.Route, "
                                     f"not {type(got).__name__}")
        seen: set[tuple[str, str]] = set()
        out = []
        for route in got:
            if not isinstance(route, Route):
                raise MotionTriggerError(f"{inst.name}.routes() returned {route!r}, not a "
                                         "motion.Route")
            rel = self.relation(route.relation)
            if route.key == "id":
                raise MotionKeyError(f"{inst.name}: a route cannot watch {rel.name}.id (the "
                                     "identifier is not a value that is set)")
            rel.field(route.key)
            for what in ("infer", "fit"):
                method = getattr(route, what)
                if method is not None and not callable(method):
                    raise MotionTriggerError(f"{inst.name}: the {what} of the route on "
                                             f"{rel.name}.{route.key} is not callable")
            if route.infer is None and route.fit is None:
                raise MotionTriggerError(f"{inst.name}: the route on {rel.name}.{route.key} has "
                                         "neither infer nor fit")
            pair = (route.relation, route.key)
            if pair in seen:
                raise MotionTriggerError(f"{inst.name}.routes() has two routes on "
                                         f"{rel.name}.{route.key}")
            seen.add(pair)
            out.append((route, rel))
        return out

    def remove_trigger(self, name: str) -> None:
        """Remove a trigger: its route links, and its queued fits."""
        inst = self.triggers.pop(name, None)
        if inst is None:
            raise MotionTriggerError(f"store {self.name!r} has no trigger named {name!r}")
        with self.space.transaction():
            for link, entry in list(self._routes.items()):
                if entry[0] is inst:
                    del self._routes[link]
                    if link._space is not None:
                        self.space.remove(link, recursive=True)
        self._fits.drop(name)

    def route_links(self, name: str | None = None) -> list[Link]:
        """The trigger links of the routes (of trigger ``name``, or of every trigger)."""
        return [link for link, entry in self._routes.items()
                if link._space is not None and (name is None or entry[0].name == name)]

    def _run_routes(self, fired: list[tuple[Link, Atom, Atom]]) -> None:
        """Run the ``infer`` of each fired route, then queue its ``fit``."""
        max_depth = self.space.triggers.max_depth
        for link, record, key in fired:
            entry = self._routes.get(link)
            if entry is None or link._space is None:
                logger.warning("%s fired, but no trigger of this process owns it (add the "
                               "trigger to the store)", link.short())
                continue
            inst, route, rel, key_name = entry
            value = rel.fields[key_name].decode(record.get_value(key))
            triggered_by = TriggeredBy(rel.name, rel.parse_identifier(record.name),  # type: ignore[attr-defined]
                                       key_name, value)
            describe = _Describe(inst.name, rel.name, key_name, record)
            local = _routes.local
            chain = local.chain
            if chain:
                _routes.check_step(chain, link, record, max_depth, describe)
            local.chain = chain + ((link, record),)
            try:
                if route.infer is not None:
                    route.infer(self.cursor, triggered_by)
                if route.fit is not None:
                    self._queue_fit(inst, route, triggered_by, local.chain)
            finally:
                local.chain = chain

    def _queue_fit(self, inst: Trigger, route: Route, triggered_by: TriggeredBy,
                   chain: tuple[tuple[Link, Atom], ...]) -> None:
        fit = route.fit
        cursor = self.cursor

        def job() -> None:
            with _routes.chain_of(chain):
                updates = fit(cursor, triggered_by)  # type: ignore[misc]
            inst._merge(updates, getattr(fit, "__name__", "fit"))

        self._fits.submit(inst.name, job)

    def wait_for_fits(self, timeout: float | None = None) -> bool:
        """Wait until every queued ``fit`` has run and its result is merged (False on timeout);
        fits that failed since the last wait raise :class:`~atomtrig.motion.errors.FitError`."""
        return self._fits.wait(timeout)

    # -- life cycle ------------------------------------------------------------------------------
    def close(self) -> None:
        """Wait for the queued fits, then release the AtomSpace (and close it if the store opened
        it). A failed fit is raised after the store is closed."""
        if self._closed:
            return
        self._closed = True
        error: Exception | None = None
        try:
            self._fits.wait()
        except Exception as exc:  # noqa: BLE001 - reported after closing
            error = exc
        self._fits.close()
        with _stores_lock:
            stores.pop(self.space, None)
        if self._owns_space:
            _release(self.space)
        if error is not None:
            raise error

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<motion store {self.name!r}: {', '.join(self.relations)}>"


class _Describe:
    """The words for a route firing in an error message, built only if one is raised."""

    __slots__ = ("trigger", "relation", "key", "record")

    def __init__(self, trigger: str, relation: str, key: str, record: Atom) -> None:
        self.trigger, self.relation, self.key, self.record = trigger, relation, key, record

    def __str__(self) -> str:
        return (f"the route of {self.trigger} on {self.relation}.{self.key} (record "
                f"{self.record.name})")  # type: ignore[attr-defined]


def _release(space: AtomSpace) -> None:
    if space.store is not None:  # opened on a file by create_store
        space.close()
    else:
        space.wait_for_triggers()
        space.triggers.close()


def _is_int(name: str) -> bool:
    return name.lstrip("-").isdigit()


def create_store(
    name: str,
    schemas: Mapping[str, type],
    *,
    path: str | os.PathLike[str] | None = None,
    memory: bool = False,
    space: AtomSpace | None = None,
    triggers: tuple[type[Trigger] | Trigger, ...] | list[type[Trigger] | Trigger] = (),
) -> Store:
    """Create (or reopen) the Motion store ``name`` with ``schemas`` (relation name ->
    dataclass). Where it lives: ``space`` (an AtomSpace you made), else ``memory=True``, else
    the SQLite file ``path`` (default ``<name>.db`` in the working directory). ``triggers`` are
    added in order (see :meth:`Store.add_trigger`)."""
    from atomtrig.space import AtomSpace as _Space

    if not isinstance(name, str) or not name.strip():
        raise MotionSchemaError(f"a store name must be a non-empty string, not {name!r}")
    if not isinstance(schemas, Mapping) or not schemas:
        raise MotionSchemaError("create_store needs schemas: a dict of relation name -> "
                                "dataclass, e.g. {\"query\": QuerySchema}")
    relations: dict[str, Relation] = {}
    type_names: dict[str, str] = {}
    for rel_name, schema in schemas.items():
        rel = Relation(rel_name, schema)
        other = type_names.get(rel.type.name)
        if other is not None:
            raise MotionSchemaError(f"relations {other!r} and {rel_name!r} would share the atom "
                                    f"type {rel.type.name}; rename one")
        type_names[rel.type.name] = rel_name
        relations[rel_name] = rel
    owns = space is None
    if space is None:
        space = _Space() if memory else _Space.open(path if path is not None else f"{name}.db")
    with _stores_lock:
        if space in stores:
            if owns:
                _release(space)
            raise MotionSchemaError("this AtomSpace already holds an open Motion store")
    try:
        store = Store(name, relations, space, owns)
    except BaseException:
        if owns:
            _release(space)
        raise
    with _stores_lock:
        stores[space] = store
    try:
        for trigger in triggers:
            store.add_trigger(trigger)
    except BaseException:
        store.close()
        raise
    return store
