"""Lens selectors: building, parsing without eval, printing back, get and set on every step
kind."""

from __future__ import annotations

import pickle
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atomtrig.feedback import (
    Collect,
    GetIndex,
    GetIndices,
    GetItem,
    GetItemOrAttribute,
    GetItems,
    GetSlice,
    Lens,
    LensError,
    LensSyntaxError,
    Select,
)
from atomtrig.feedback.errors import FeedbackError

DOC = {
    "a": {"b": [10, 20, 30, 40]},
    "docs": [{"text": "x", "score": 1}, {"text": "y", "score": 2}, {"text": "z", "score": 3}],
    "one": [{"name": "only"}],
    "odd key": 7,
    "m": {"p": 1, "q": 2, "r": 3},
}


@dataclass(frozen=True)
class Point:
    x: int
    y: int


class Box:
    def __init__(self, content: object) -> None:
        self.content = content


# -- parsing and printing ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("a.b[2]", (GetItemOrAttribute("a"), GetItemOrAttribute("b"), GetIndex(2))),
        ("", ()),
        ("[-1]", (GetIndex(-1),)),
        ("docs[1:3]", (GetItemOrAttribute("docs"), GetSlice(1, 3))),
        ("docs[::2]", (GetItemOrAttribute("docs"), GetSlice(None, None, 2))),
        ("docs[:]", (GetItemOrAttribute("docs"), GetSlice())),
        ("docs[-2:]", (GetItemOrAttribute("docs"), GetSlice(-2, None))),
        ("a.b[0,2]", (GetItemOrAttribute("a"), GetItemOrAttribute("b"), GetIndices((0, 2)))),
        ("a.b[3,]", (GetItemOrAttribute("a"), GetItemOrAttribute("b"), GetIndices((3,)))),
        ('["odd key"]', (GetItem("odd key"),)),
        ('m["p","r"]', (GetItemOrAttribute("m"), GetItems(("p", "r")))),
        ('m["q",]', (GetItemOrAttribute("m"), GetItems(("q",)))),
        ("docs[:].text.collect()", (GetItemOrAttribute("docs"), GetSlice(), GetItemOrAttribute("text"), Collect())),
        ("__record__.main_output", (GetItemOrAttribute("__record__"), GetItemOrAttribute("main_output"))),
    ],
)
def test_of_string_parses_every_step_kind_and_prints_back(text: str, path: tuple[object, ...]) -> None:
    lens = Lens.of_string(text)
    assert lens.path == path
    assert str(lens) == text
    assert Lens.of_string(str(lens)) == lens


def test_of_string_accepts_the_variants_str_does_not_print() -> None:
    assert Lens.of_string(".a.b") == Lens().a.b
    assert Lens.of_string("Lens().a[1]") == Lens().a[1]
    assert Lens.of_string("['k']") == Lens()["k"]
    assert Lens.of_string("a[ 0 , 2 ]") == Lens().a[0, 2]
    assert Lens.of_string('["q\\"uote"]') == Lens()['q"uote']
    assert Lens.of_string("a.collect") == Lens((GetItemOrAttribute("a"), GetItemOrAttribute("collect")))
    assert repr(Lens().a[1]) == "Lens().a[1]"
    assert Lens.of_string(repr(Lens().a["b c"][1:])) == Lens().a["b c"][1:]


@pytest.mark.parametrize("text", ["a.", "[", "a[1", "1a", "a..b", "[1.5]", "a b", "[0:1:0]", "a[]", "__import__('os')", "a;b"])
def test_of_string_rejects_malformed_text(text: str) -> None:
    with pytest.raises(LensSyntaxError):
        Lens.of_string(text)


def test_of_string_never_evaluates() -> None:
    # Something eval() would run is just a syntax error.
    with pytest.raises(LensSyntaxError):
        Lens.of_string("a[(lambda: 1)()]")
    with pytest.raises(LensSyntaxError):
        Lens.of_string(3)  # type: ignore[arg-type]


_names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True)
_ints = st.integers(-50, 50)
_steps = st.one_of(
    _names.map(GetItemOrAttribute),
    st.text(max_size=8).map(GetItem),
    _ints.map(GetIndex),
    st.tuples(st.none() | _ints, st.none() | _ints, st.none() | _ints.filter(bool)).map(lambda t: GetSlice(*t)),
    st.lists(_ints, min_size=1, max_size=4).map(lambda xs: GetIndices(tuple(xs))),
    st.lists(st.text(max_size=6), min_size=1, max_size=4).map(lambda ks: GetItems(tuple(ks))),
    st.just(Collect()),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_steps, max_size=6))
def test_printing_then_parsing_gives_the_same_lens(steps: list[object]) -> None:
    lens = Lens(steps)  # type: ignore[arg-type]
    assert Lens.of_string(str(lens)) == lens
    assert Lens.of_string(repr(lens)) == lens


# -- building --------------------------------------------------------------------------------------
def test_attribute_and_item_syntax_build_the_step_kinds() -> None:
    assert Lens().a.path == (GetItemOrAttribute("a"),)
    assert Lens()["a b"].path == (GetItem("a b"),)
    assert Lens()[3].path == (GetIndex(3),)
    assert Lens()[1:5:2].path == (GetSlice(1, 5, 2),)
    assert Lens()[0, 2].path == (GetIndices((0, 2)),)
    assert Lens()[[0, 2]].path == (GetIndices((0, 2)),)
    assert Lens()["p", "q"].path == (GetItems(("p", "q")),)
    assert Lens().a.collect().path == (GetItemOrAttribute("a"), Collect())
    assert Lens().a + Lens()[0] == Lens().a[0]


def test_lenses_are_immutable_hashable_and_picklable() -> None:
    lens = Lens().a[1:]
    with pytest.raises(AttributeError):
        lens.path = ()  # type: ignore[misc]
    assert {lens: 1}[Lens.of_string("a[1:]")] == 1
    assert pickle.loads(pickle.dumps(lens)) == lens


def test_bad_steps_are_refused() -> None:
    with pytest.raises(LensError):
        Lens()[1.5]  # type: ignore[index]
    with pytest.raises(LensError):
        Lens()[::0]
    with pytest.raises(LensError):
        GetItemOrAttribute("not an identifier")
    with pytest.raises(LensError):
        Lens()[True]
    with pytest.raises(AttributeError):
        Lens().__deepcopy_me__  # noqa: B018  (protocol-looking names are not steps)
    assert issubclass(LensError, FeedbackError)


def test_select_shortcuts() -> None:
    assert str(Select.Record) == "__record__"
    assert str(Select.App) == "__app__"
    assert str(Select.RecordInput) == "__record__.main_input"
    assert str(Select.RecordOutput) == "__record__.main_output"
    assert str(Select.RecordCalls) == "__record__.app"
    assert str(Select.RecordCall) == "__record__.calls[-1]"
    assert str(Select.RecordArgs) == "__record__.calls[-1].args"
    assert str(Select.RecordRets) == "__record__.calls[-1].rets"
    assert Select.Lens is Lens
    assert Select.of_string("a[0]") == Lens().a[0]


# -- get -------------------------------------------------------------------------------------------
def test_get_with_each_step_kind() -> None:
    assert Lens().a.b.get(DOC) == [[10, 20, 30, 40]]
    assert Lens()["odd key"].get(DOC) == [7]
    assert Lens().a.b[1].get(DOC) == [20]
    assert Lens().a.b[-1].get(DOC) == [40]
    assert Lens().a.b[1:3].get(DOC) == [20, 30]
    assert Lens().a.b[::-2].get(DOC) == [40, 20]
    assert Lens().a.b[2, 0, -1].get(DOC) == [30, 10, 40]
    assert Lens().m["r", "p"].get(DOC) == [3, 1]
    assert Lens().docs[:].text.get(DOC) == ["x", "y", "z"]
    assert Lens().docs[:].text.collect().get(DOC) == [["x", "y", "z"]]
    assert Lens().docs[:].score.collect()[1].get(DOC) == [2]
    assert Lens().get(DOC) == [DOC]


def test_attribute_steps_read_objects_and_descend_one_element_lists() -> None:
    assert Lens().content.x.get(Box(Point(1, 2))) == [1]
    assert Lens().one.name.get(DOC) == ["only"]
    with pytest.raises(LensError, match="list of 3"):
        Lens().docs.text.get(DOC)


@pytest.mark.parametrize(
    ("lens", "match"),
    [
        (Lens().missing, "no key 'missing'"),
        (Lens()["missing"], "no key"),
        (Lens().a.b[4], "out of range"),
        (Lens().a.b[-5], "out of range"),
        (Lens().a.b[0, 9], "out of range"),
        (Lens().m["p", "zz"], "'zz'"),
        (Lens().a[0], "needs a list"),
        (Lens().a.b[:].x, "has no attribute"),
        (Lens().a.b["k"], "needs a mapping"),
    ],
)
def test_get_names_the_step_that_found_nothing(lens: Lens, match: str) -> None:
    with pytest.raises(LensError, match=match):
        lens.get(DOC)
    assert not lens.exists(DOC)


def test_an_empty_slice_selects_nothing_without_error() -> None:
    assert Lens().a.b[10:].get(DOC) == []
    assert not Lens().a.b[10:].exists(DOC)
    assert Lens().a.b[10:].collect().get(DOC) == [[]]


def test_get_sole_item() -> None:
    assert Lens().a.b[0].get_sole_item(DOC) == 10
    with pytest.raises(LensError, match="4 values"):
        Lens().a.b[:].get_sole_item(DOC)


# -- set -------------------------------------------------------------------------------------------
def test_set_with_each_step_kind_copies_and_leaves_the_input_alone() -> None:
    original = repr(DOC)
    assert Lens().a.b.set(DOC, [])["a"] == {"b": []}
    assert Lens()["odd key"].set(DOC, 8)["odd key"] == 8
    assert Lens().a.b[1].set(DOC, 0)["a"]["b"] == [10, 0, 30, 40]
    assert Lens().a.b[-1].set(DOC, 0)["a"]["b"] == [10, 20, 30, 0]
    assert Lens().a.b[1:3].set(DOC, 0)["a"]["b"] == [10, 0, 0, 40]
    assert Lens().a.b[0, -1].set(DOC, 0)["a"]["b"] == [0, 20, 30, 0]
    assert Lens().m["p", "r"].set(DOC, 0)["m"] == {"p": 0, "q": 2, "r": 0}
    assert Lens().docs[:].text.collect().set(DOC, ["1", "2", "3"])["docs"] == [
        {"text": "1", "score": 1},
        {"text": "2", "score": 2},
        {"text": "3", "score": 3},
    ]
    assert Lens().one.name.set(DOC, "new")["one"] == [{"name": "new"}]
    assert repr(DOC) == original


def test_set_creates_missing_keys_and_sets_object_attributes() -> None:
    assert Lens().new.deep.set({}, 1) == {"new": {"deep": 1}}
    assert Lens().a["x y"].set({"a": {}}, 1) == {"a": {"x y": 1}}
    assert Lens().new.set({}, 1) == {"new": 1}
    assert Lens()["k"].set({}, 1) == {"k": 1}
    box = Box(Point(1, 2))
    moved = Lens().content.x.set(box, 5)
    assert moved.content == Point(5, 2) and box.content == Point(1, 2)
    assert Lens()[1].set((1, 2), 9) == (1, 9)


def test_set_errors() -> None:
    with pytest.raises(LensError):
        Lens().a.b[9].set(DOC, 0)
    with pytest.raises(LensError, match="3 value"):
        Lens().docs[:].text.collect().set(DOC, ["only one"])
    with pytest.raises(LensError):
        Lens().x.set(5, 1)


def test_update_applies_a_function_to_each_selected_value() -> None:
    assert Lens().a.b[:].update(DOC, lambda v: v + 1)["a"]["b"] == [11, 21, 31, 41]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(), min_size=1, max_size=8), st.integers(-10, 10), st.integers(-10, 10))
def test_set_then_get_gives_the_value_back(items: list[int], start: int, index: int) -> None:
    doc = {"xs": items}
    sliced = Lens().xs[start:]
    assert all(v == -1 for v in sliced.get(sliced.set(doc, -1)))
    if -len(items) <= index < len(items):
        one = Lens().xs[index]
        assert one.get(one.set(doc, "v")) == ["v"]
        assert len(one.set(doc, "v")["xs"]) == len(items)
