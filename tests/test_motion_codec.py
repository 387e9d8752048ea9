"""Motion values: every supported field type round-trips through atom values, in memory and
through the SQLite store, and a value of the wrong type is refused naming the field."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import atomtrig.motion as motion
from atomtrig.core.values import FloatValue, StringValue
from atomtrig.motion.codec import decode_value, encode_value, field_type


class Retailer(Enum):
    NORDSTROM = 0
    REVOLVE = 1


@dataclass
class Everything:
    id: int
    count: int
    score: float
    name: str
    liked: bool
    retailer: Retailer
    when: dt.datetime
    day: dt.date
    tags: list[str]
    meta: dict
    emb: np.ndarray
    anything: Any
    maybe: int | None


SAMPLE = {
    "count": 2**70 + 1,
    "score": 0.1,
    "name": "a \"quoted\"\nline ☃",
    "liked": False,
    "retailer": Retailer.REVOLVE,
    "when": dt.datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=dt.timezone.utc),
    "day": dt.date(2023, 1, 31),
    "tags": ["red", "dress"],
    "meta": {"n": 1, "x": 2.5, "ok": True, "none": None, "nested": [1, {"r": Retailer.NORDSTROM}],
             "t": dt.datetime(2020, 1, 1), "arr": np.arange(3, dtype=np.int16)},
    "emb": np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4),
    "anything": [1, "two", 3.0],
    "maybe": None,
}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape and bool(
            (a == b).all())
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(_same, a, b))
    return type(a) is type(b) and a == b


def _check_all(cursor: motion.Cursor, ident: int) -> None:
    got = cursor.get(relation="everything", identifier=ident, keys=["*"])
    assert got["id"] == ident
    for key, value in SAMPLE.items():
        assert _same(value, got[key]), key


def test_every_type_round_trips_in_memory() -> None:
    store = motion.create_store("codec", schemas={"everything": Everything}, memory=True)
    try:
        ident = store.cursor.set(relation="everything", key_values=SAMPLE)
        _check_all(store.cursor, ident)
    finally:
        store.close()


def test_every_type_round_trips_through_the_sqlite_store(tmp_path) -> None:
    path = tmp_path / "codec.db"
    store = motion.create_store("codec", schemas={"everything": Everything}, path=path)
    ident = store.cursor.set(relation="everything", key_values=SAMPLE)
    store.close()
    store = motion.create_store("codec", schemas={"everything": Everything}, path=path)
    try:
        _check_all(store.cursor, ident)
    finally:
        store.close()


def test_strings_and_floats_are_plain_atomese_values() -> None:
    assert encode_value("hi") == StringValue("hi")
    assert encode_value(2.5) == FloatValue(2.5)
    assert decode_value(StringValue("motion:int", "12")) == 12


@pytest.mark.parametrize(("annotation", "bad"), [
    (int, "3"), (int, True), (int, 2.0), (float, "x"), (str, 3), (bool, 1), (Retailer, 0),
    (dt.datetime, "2020-01-01"), (list, "abc"), (dict, [1]), (np.ndarray, [1, 2]),
    (list[int], [1, "2"]), (dict[str, float], {"a": "b"}), (dict, {1: 2}),
])
def test_wrong_types_are_refused_naming_the_field(annotation: Any, bad: Any) -> None:
    ft = field_type(annotation, "rel.key")
    with pytest.raises(motion.MotionTypeError, match=r"rel\.key"):
        ft.check(bad)


def test_object_arrays_and_unsupported_annotations_are_refused() -> None:
    with pytest.raises(motion.MotionTypeError, match="objects"):
        field_type(np.ndarray, "r.a").check(np.array([object()], dtype=object))
    with pytest.raises(motion.MotionSchemaError, match=r"r\.s"):
        field_type(set, "r.s")
    with pytest.raises(motion.MotionTypeError, match=r"r\.l"):
        field_type(list, "r.l").check([object()])


json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner,
                                                                 max_size=4),
    max_leaves=12,
)


def _same_json(a: Any, b: Any) -> bool:
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same_json(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(_same_json, a, b))
    return type(a) is type(b) and a == b


@settings(max_examples=150, deadline=None)
@given(value=json_like)
def test_nested_values_round_trip(value: Any) -> None:
    ft = field_type(Any, "r.any")
    if isinstance(value, dict) and "$motion" in value:
        return
    assert _same_json(value, ft.decode(ft.encode(ft.check(value))))


@settings(max_examples=60, deadline=None)
@given(shape=st.lists(st.integers(0, 4), max_size=3),
       dtype=st.sampled_from(["<f8", "<f4", "<i8", "|u1", "|b1", "<c16", "<U3"]))
def test_arrays_round_trip(shape: list[int], dtype: str) -> None:
    arr = np.zeros(shape, dtype=dtype)
    ft = field_type(np.ndarray, "r.a")
    back = ft.decode(ft.encode(ft.check(arr)))
    assert back.dtype == arr.dtype and back.shape == arr.shape and (back == arr).all()
