"""The cursor: how triggers and applications read and write a store's relations.

``set`` checks every key and value first (an unknown relation or key, or a value of the wrong
type, raises an error naming the field and nothing is written), writes them in one transaction,
then runs the routes the written keys fired (``infer`` now, ``fit`` queued). ``get`` / ``mget``
read records (``keys=["*"]`` for every key; ``include_derived=True`` adds the records
``duplicate`` made from it, each with its ``id`` and ``derived_id``), ``exists`` tests one,
``sql`` queries the relations by name, ``wait_for_fits`` waits for the queued fits.

>>> Cursor.__name__
'Cursor'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from atomtrig.motion import routes as _routes
from atomtrig.motion.errors import MotionKeyError, MotionTypeError

if TYPE_CHECKING:
    from atomtrig.motion.schema import Relation
    from atomtrig.motion.store import Store


class Cursor:
    """Reads and writes the relations of one :class:`~atomtrig.motion.store.Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- writing -------------------------------------------------------------------------------
    def set(self, relation: str, identifier: Any = None,
            key_values: dict[str, Any] | None = None) -> Any:
        """Set ``key_values`` on the record ``identifier`` of ``relation`` (a new record, with a
        new identifier, when ``identifier`` is None); returns the identifier. The routes on the
        keys written run once each, after all of them are written: ``infer`` before this
        returns (its errors, and a cycle, are raised here), ``fit`` queued."""
        store = self.store
        rel = store.relation(relation)
        if key_values is None:
            key_values = {}
        if not isinstance(key_values, dict):
            raise MotionTypeError(f"set: key_values must be a dict of key -> value, not "
                                  f"{type(key_values).__name__}")
        atoms = store._keys[rel.name]
        fields = rel.fields
        writes = []
        for key, value in key_values.items():
            if key == "id":
                raise MotionKeyError(f"{rel.name}.id is the identifier: pass identifier=, not "
                                     "a value for 'id'")
            ft = fields.get(key)
            if ft is None:
                rel.field(key)  # raises, naming the relation's keys
            writes.append((atoms[key], ft.encode(ft.check(value))))  # type: ignore[union-attr]
        if identifier is None:
            identifier = store._new_id(rel)
            name = rel.identifier(identifier)
        else:
            name = rel.identifier(identifier)
            store._saw_id(rel, identifier)
        space = store.space
        local = _routes.local
        previous = local.pending
        fired: list[Any] = []
        local.pending = fired  # route firings are noted while the keys are written (write phase)
        try:
            if space.store is None:
                # In memory, every value is checked and encoded already: nothing below can
                # fail half-way, so the undo log of a transaction would only cost time.
                record = space.add_node(rel.type, name)
                for key_atom, value in writes:
                    space.set_value(record, key_atom, value)
            else:
                with space.transaction():
                    record = space.add_node(rel.type, name)
                    for key_atom, value in writes:
                        space.set_value(record, key_atom, value)
        finally:
            local.pending = previous
        if fired:
            store._run_routes(fired)
        return identifier

    def duplicate(self, relation: str, identifier: Any) -> Any:
        """A new record of ``relation`` with the values of ``identifier``'s record, derived from
        it (``(DerivedRecordLink new source)``); returns its identifier. Copying fires no
        route."""
        store = self.store
        rel = store.relation(relation)
        source = self._existing(rel, identifier)
        new_id = store._new_id(rel)
        space = store.space
        keys = set(store._keys[rel.name].values())
        with _routes.suppressed(), space.transaction():
            record = space.add_node(rel.type, rel.identifier(new_id))
            for key in source.keys():
                if key in keys:
                    space.set_value(record, key, source.get_value(key))
            space.add_link(store._derived_type, [record, source])
        return new_id

    # -- reading -------------------------------------------------------------------------------
    def get(self, relation: str, identifier: Any, keys: Sequence[str] = ("*",),
            include_derived: bool = False) -> Any:
        """The values of ``keys`` of one record as a dict (None if there is no such record);
        with ``include_derived``, a list: the record and every record derived from it, each dict
        with ``id`` and ``derived_id``."""
        store = self.store
        rel = store.relation(relation)
        wanted = self._keys(rel, keys)
        record = store._record(rel, identifier)
        if not include_derived:
            return None if record is None else store._row(rel, record, wanted)
        if record is None:
            return []
        return [self._derived_row(rel, r, wanted) for r in [record, *store._derived(record)]]

    def mget(self, relation: str, identifiers: Sequence[Any], keys: Sequence[str] = ("*",),
             include_derived: bool = False) -> list[Any]:
        """:meth:`get` for each of ``identifiers``, in order."""
        if isinstance(identifiers, (str, bytes)) or not isinstance(identifiers, Sequence):
            raise MotionTypeError(f"mget: identifiers must be a list, not "
                                  f"{type(identifiers).__name__}")
        return [self.get(relation, i, keys, include_derived) for i in identifiers]

    def exists(self, relation: str, identifier: Any) -> bool:
        """Whether ``relation`` has a record ``identifier``."""
        store = self.store
        return store._record(store.relation(relation), identifier) is not None

    def sql(self, query: str) -> Any:
        """Run SQL over the relations by name; a pandas DataFrame (see
        :mod:`atomtrig.motion.sql`)."""
        from atomtrig.motion.sql import run_sql

        return run_sql(self.store, query)

    def wait_for_fits(self, timeout: float | None = None) -> bool:
        """Wait until every queued ``fit`` has run (see ``Store.wait_for_fits``)."""
        return self.store.wait_for_fits(timeout)

    # -- helpers -------------------------------------------------------------------------------
    def _keys(self, rel: Relation, keys: Sequence[str]) -> list[str]:
        if isinstance(keys, str) or not isinstance(keys, Sequence):
            raise MotionTypeError(f"keys must be a list of key names (['*'] for all), not {keys!r}")
        if "*" in keys:
            return list(rel.fields) if "id" in rel.fields else ["id", *rel.fields]
        for key in keys:
            if key != "id":
                rel.field(key)
        return list(keys)

    def _existing(self, rel: Relation, identifier: Any) -> Any:
        record = self.store._record(rel, identifier)
        if record is None:
            raise MotionKeyError(f"relation {rel.name!r} has no record {identifier!r}")
        return record

    def _derived_row(self, rel: Relation, record: Any, keys: list[str]) -> dict[str, Any]:
        store = self.store
        row = store._row(rel, record, keys)
        row.setdefault("id", rel.parse_identifier(record.name))
        source = store._source(record)
        row.setdefault("derived_id", None if source is None else rel.parse_identifier(source.name))
        return row
