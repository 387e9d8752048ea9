"""Relations: a schema (a dataclass) made into an atom type declared at run time.

The relation ``query`` becomes the node type ``MotionQueryRecordNode`` (a subtype of
``MotionRecordNode``); each record is a node of that type named by its identifier, and each
key's value is held on the record under ``(PredicateNode "<key>")``. The primary keys are
``id`` plus every field whose name contains ``page``. A record derived from another by
``cursor.duplicate`` is tied to it by ``(DerivedRecordLink derived source)``.

>>> from dataclasses import dataclass
>>> @dataclass
... class Query:
...     id: int
...     prompt: str
...     text_suggestion_page: int
>>> rel = Relation("query", Query)
>>> rel.type.name, rel.primary_keys
('MotionQueryRecordNode', ('id', 'text_suggestion_page'))
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any

from atomtrig.core.types import AtomType, declare_type
from atomtrig.motion.codec import FieldType, field_type
from atomtrig.motion.errors import MotionKeyError, MotionSchemaError, MotionTypeError

RECORD_TYPE = "MotionRecordNode"
DERIVED_TYPE = "DerivedRecordLink"


def record_types() -> tuple[AtomType, AtomType]:
    """Declare (once) the parent type of records and the derived-record link type."""
    return declare_type(RECORD_TYPE, ["Node"]), declare_type(DERIVED_TYPE, ["OrderedLink"])


def type_name(relation: str) -> str:
    """The atom type name of a relation: ``query`` -> ``MotionQueryRecordNode``."""
    return "Motion" + relation[:1].upper() + relation[1:] + "RecordNode"


class Relation:
    """One relation of a store: its name, schema, field types and atom type."""

    def __init__(self, name: str, schema: type) -> None:
        if not isinstance(name, str) or not name.isidentifier():
            raise MotionSchemaError(f"a relation name must be an identifier, not {name!r}")
        if not isinstance(schema, type):
            raise MotionSchemaError(f"the schema of relation {name!r} must be a class (a "
                                    f"dataclass), not {schema!r}")
        try:
            hints = typing.get_type_hints(schema)
        except Exception as exc:  # noqa: BLE001 - an unresolvable annotation
            raise MotionSchemaError(f"the annotations of {schema.__name__} cannot be resolved: "
                                    f"{exc}") from None
        if dataclasses.is_dataclass(schema):
            names = [f.name for f in dataclasses.fields(schema)]
        else:
            names = list(hints)
        if not names:
            raise MotionSchemaError(f"the schema {schema.__name__} of relation {name!r} has no "
                                    "annotated fields")
        self.name = name
        self.schema = schema
        self.fields: dict[str, FieldType] = {}
        for field in names:
            self.fields[field] = field_type(hints[field], f"{name}.{field}")
        id_type = self.fields.get("id")
        if id_type is None:
            self.id_kind = "int"
        elif id_type.kind in ("int", "str"):
            self.id_kind = id_type.kind
        else:
            raise MotionSchemaError(f"{name}.id: the identifier must be an int or a str, not "
                                    f"{id_type.describe()}")
        self.primary_keys = ("id",) + tuple(f for f in names if "page" in f and f != "id")
        self.keys = tuple(f for f in names if f != "id")
        self.enums: dict[str, Any] = {}
        for ft in self.fields.values():
            self.enums.update(ft.enums)
        for ft in self.fields.values():
            ft.enums = self.enums
        record_types()
        self.type = declare_type(type_name(name), [RECORD_TYPE])

    def field(self, key: str) -> FieldType:
        """The field type of ``key``, or :class:`MotionKeyError` naming the relation's keys."""
        ft = self.fields.get(key)
        if ft is None:
            raise MotionKeyError(f"relation {self.name!r} has no key {key!r}; its keys are "
                                 f"{', '.join(self.fields)}")
        return ft

    def identifier(self, identifier: Any) -> str:
        """The record node name of ``identifier`` (checked against the ``id`` field's type)."""
        if self.id_kind == "int":
            if isinstance(identifier, bool) or not isinstance(identifier, int):
                raise self._bad_identifier(identifier)
            return str(identifier)
        if not isinstance(identifier, str) or not identifier:
            raise self._bad_identifier(identifier)
        return identifier

    def parse_identifier(self, name: str) -> Any:
        return int(name) if self.id_kind == "int" else name

    def _bad_identifier(self, identifier: Any) -> MotionTypeError:
        expected = "an int" if self.id_kind == "int" else "a non-empty str"
        return MotionTypeError(f"{self.name}.id: the identifier must be {expected}, got "
                               f"{type(identifier).__name__} {identifier!r}")

    def describe(self) -> str:
        """``id: int, prompt: str, ...`` (kept on the relation's TypeNode in the store)."""
        return ", ".join(f"{k}: {ft.describe()}" for k, ft in self.fields.items())

