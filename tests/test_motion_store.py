"""The Motion store and cursor: set/get/mget/duplicate/exists/sql, every error path (nothing is
written), and the life cycle across a restart on the SQLite store."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import atomtrig.motion as motion


@dataclass
class Query:
    id: int
    prompt: str
    llm_completion: str
    score: float
    text_suggestion_page: int


@dataclass
class Doc:
    id: str
    body: str


@pytest.fixture
def store():
    s = motion.create_store("s", schemas={"Query": Query, "doc": Doc}, memory=True)
    yield s
    s.close()


def test_set_makes_identifiers_and_get_reads_keys(store):
    c = store.cursor
    a = c.set(relation="Query", key_values={"prompt": "p0"})
    b = c.set(relation="Query", key_values={"prompt": "p1", "score": 3})
    assert (a, b) == (0, 1)
    assert c.get(relation="Query", identifier=b, keys=["*"]) == {
        "id": 1, "prompt": "p1", "llm_completion": None, "score": 3.0, "text_suggestion_page": None}
    assert c.get("Query", b, ["score"]) == {"score": 3.0}
    assert c.set(relation="Query", identifier=10, key_values={"prompt": "x"}) == 10
    assert c.set(relation="Query", key_values={}) == 11
    assert c.get("Query", 99, ["prompt"]) is None
    assert c.exists("Query", 10) and not c.exists("Query", 99)
    assert c.mget("Query", [0, 99, 10], ["prompt"]) == [{"prompt": "p0"}, None, {"prompt": "x"}]
    d = c.set(relation="doc", key_values={"body": "text"})
    assert isinstance(d, str) and c.get("doc", d, ["body"]) == {"body": "text"}
    assert store.relations["Query"].primary_keys == ("id", "text_suggestion_page")


def test_errors_name_the_field_and_write_nothing(store):
    c = store.cursor
    qid = c.set(relation="Query", key_values={"prompt": "keep"})
    before = len(store.space)
    cases = [
        (dict(relation="Query", identifier=qid, key_values={"prompt": "new", "score": "high"}),
         motion.MotionTypeError, r"Query\.score"),
        (dict(relation="Query", identifier=qid, key_values={"prompt": "new", "colour": 1}),
         motion.MotionKeyError, "colour"),
        (dict(relation="Query", identifier=qid, key_values={"id": 5}), motion.MotionKeyError, "id"),
        (dict(relation="Nope", key_values={"prompt": "x"}), motion.MotionRelationError, "Nope"),
        (dict(relation="Query", identifier="7", key_values={"prompt": "x"}), motion.MotionTypeError,
         r"Query\.id"),
        (dict(relation="Query", identifier=qid, key_values=[("prompt", "x")]),
         motion.MotionTypeError, "key_values"),
    ]
    for kwargs, error, text in cases:
        with pytest.raises(error, match=text):
            c.set(**kwargs)
    assert len(store.space) == before
    assert c.get("Query", qid, ["prompt"]) == {"prompt": "keep"}
    with pytest.raises(motion.MotionKeyError, match="colour"):
        c.get("Query", qid, ["colour"])
    with pytest.raises(motion.MotionRelationError):
        c.get("Nope", qid, ["*"])
    with pytest.raises(motion.MotionTypeError):
        c.get("Query", qid, "prompt")
    with pytest.raises(motion.MotionKeyError, match="no record"):
        c.duplicate("Query", 1234)


def test_a_failing_infer_raises_from_set_after_the_write(store):
    class Boom(motion.Trigger):
        def routes(self):
            return [motion.Route("Query", "prompt", infer=self.boom)]

        def boom(self, cursor, tb):
            raise ValueError("model down")

    store.add_trigger(Boom)
    with pytest.raises(ValueError, match="model down"):
        store.cursor.set(relation="Query", key_values={"prompt": "x"})
    assert store.cursor.get("Query", 0, ["prompt"]) == {"prompt": "x"}


def test_duplicate_and_include_derived(store):
    c = store.cursor
    src = c.set(relation="Query", key_values={"prompt": "q", "score": 1.0})
    dups = [c.duplicate("Query", src) for _ in range(3)]
    for i, d in enumerate(dups):
        c.set("Query", d, {"llm_completion": f"answer {i}"})
    grand = c.duplicate("Query", dups[0])
    rows = c.get("Query", src, ["prompt", "llm_completion"], include_derived=True)
    assert [r["id"] for r in rows] == [src, *dups, grand]
    assert [r["derived_id"] for r in rows] == [None, src, src, src, dups[0]]
    assert all(r["prompt"] == "q" for r in rows)
    assert [r["llm_completion"] for r in rows] == [None, "answer 0", "answer 1", "answer 2",
                                                   "answer 0"]
    assert c.get("Query", src, ["prompt"]) == {"prompt": "q"}  # without: the record alone
    assert c.get("Query", 999, ["prompt"], include_derived=True) == []
    links = store.space.get_atoms_by_type("DerivedRecordLink")
    assert len(links) == 4 and all(l.out[0].type.name == "MotionQueryRecordNode" for l in links)


def test_duplicate_fires_no_route(store):
    fired = []

    class Watch(motion.Trigger):
        def routes(self):
            return [motion.Route("Query", "prompt", infer=lambda c, tb: fired.append(tb))]

    store.add_trigger(Watch)
    src = store.cursor.set(relation="Query", key_values={"prompt": "q"})
    store.cursor.duplicate("Query", src)
    assert [tb.identifier for tb in fired] == [src]


def test_sql_over_relations_by_name(store):
    c = store.cursor
    for i in range(5):
        c.set(relation="Query", key_values={"prompt": f"p{i}", "score": float(i),
                                            **({"llm_completion": f"c{i}"} if i % 2 else {})})
    c.duplicate("Query", 1)
    df = c.sql("SELECT id, prompt, llm_completion FROM Query WHERE prompt IS NOT NULL AND "
               "llm_completion IS NOT NULL ORDER BY id")
    assert list(df.columns) == ["id", "prompt", "llm_completion"]
    assert df["id"].tolist() == [1, 3, 5] and df["llm_completion"].tolist() == ["c1", "c3", "c1"]
    agg = c.sql("select count(*) as n, sum(score) as s from query where derived_id is null")
    assert agg["n"].tolist() == [5] and agg["s"].tolist() == [10.0]
    big = c.set(relation="Query", key_values={"text_suggestion_page": 2**70})
    assert c.sql(f"SELECT text_suggestion_page AS p FROM Query WHERE id = {big}")["p"].tolist() == [
        str(2**70)]
    with pytest.raises(motion.MotionQueryError, match="no such table"):
        c.sql("SELECT * FROM elsewhere")
    with pytest.raises(motion.MotionQueryError):
        c.sql("SELEKT nothing")


@pytest.mark.parametrize("statement", [
    "ATTACH DATABASE '{path}' AS other",
    "VACUUM INTO '{path}'",
    "CREATE TABLE t AS SELECT * FROM Query",
    "INSERT INTO Query (id) VALUES (99)",
    "DELETE FROM Query",
    "PRAGMA writable_schema = ON",
    "SELECT * FROM Query; DROP TABLE Query",
    "WITH x AS (SELECT 1) INSERT INTO Query (id) SELECT 1 FROM x",
])
def test_sql_is_read_only(store, tmp_path, statement):
    store.cursor.set(relation="Query", key_values={"prompt": "p"})
    path = tmp_path / "written.db"
    with pytest.raises(motion.MotionQueryError):
        store.cursor.sql(statement.format(path=path))
    assert not path.exists()  # nothing written anywhere
    assert store.cursor.sql("SELECT count(*) AS n FROM Query")["n"].tolist() == [1]


def test_sql_that_is_not_a_query_is_a_motion_error(store):
    with pytest.raises(motion.MotionQueryError, match="read-only query|not a query"):
        store.cursor.sql("CREATE TABLE Query2 (id)")


def test_sql_without_pandas_is_a_clear_error(store, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(motion.MotionQueryError, match=r"pip install 'atomtrig\[motion\]'"):
        store.cursor.sql("SELECT 1 FROM Query")


def test_schema_errors():
    with pytest.raises(motion.MotionSchemaError, match="schemas"):
        motion.create_store("x", schemas={}, memory=True)
    with pytest.raises(motion.MotionSchemaError, match="identifier"):
        motion.create_store("x", schemas={"bad name": Query}, memory=True)

    @dataclass
    class Weird:
        id: int
        s: set

    with pytest.raises(motion.MotionSchemaError, match=r"weird\.s"):
        motion.create_store("x", schemas={"weird": Weird}, memory=True)
    with pytest.raises(motion.MotionSchemaError, match="share"):
        motion.create_store("x", schemas={"query": Query, "Query": Query}, memory=True)


class Indexer(motion.Trigger):
    """setUp builds its index from the persisted records, through the cursor."""

    def setUp(self, cursor):
        df = cursor.sql("SELECT prompt FROM Query WHERE prompt IS NOT NULL ORDER BY id")
        return {"index": tuple(df["prompt"]) if len(df) else ()}

    def routes(self):
        return [motion.Route("Query", "prompt", infer=self.answer, fit=self.add)]

    def answer(self, cursor, tb):
        cursor.set("Query", tb.identifier, {"llm_completion": f"{len(self.state['index'])} known"})

    def add(self, cursor, tb):
        return {"index": self.state["index"] + (tb.value,)}


def test_a_restart_calls_set_up_with_the_persisted_records(tmp_path):
    path = tmp_path / "motion.db"
    store = motion.create_store("chat", schemas={"Query": Query}, path=path, triggers=[Indexer])
    assert store.triggers["Indexer"].state["index"] == ()
    for p in ("a", "b"):
        store.cursor.set(relation="Query", key_values={"prompt": p})
    store.wait_for_fits(10)
    (link,) = store.route_links()
    store.close()

    store = motion.create_store("chat", schemas={"Query": Query}, path=path, triggers=[Indexer])
    try:
        assert store.triggers["Indexer"].state["index"] == ("a", "b")
        assert store.route_links() == [link] or len(store.route_links()) == 1
        assert store.space.count_by_type("ValueTriggerLink") == 1  # the route link was kept
        qid = store.cursor.set(relation="Query", key_values={"prompt": "c"})
        assert qid == 2
        assert store.cursor.get("Query", qid, ["llm_completion"]) == {"llm_completion": "2 known"}
    finally:
        store.close()


def test_atomtrig_dump_shows_records_and_routes(tmp_path):
    path = tmp_path / "dump.db"
    store = motion.create_store("chat", schemas={"Query": Query}, path=path, triggers=[Indexer])
    store.cursor.set(relation="Query", key_values={"prompt": "hello"})
    store.close()
    out = subprocess.run([sys.executable, "-m", "atomtrig.cli", "dump", "--store", str(path)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "ValueTriggerLink" in out.stdout and "py:motion-route:Indexer" in out.stdout
    assert '(MotionQueryRecordNode "0")' in out.stdout and '"hello"' in out.stdout


def test_fits_write_through_to_the_sqlite_store_from_their_threads(tmp_path):
    class Scorer(motion.Trigger):
        def routes(self):
            return [motion.Route("Query", "prompt", fit=self.score)]

        def score(self, cursor, tb):
            cursor.set("Query", tb.identifier, {"score": float(len(tb.value))})
            return {}

    path = tmp_path / "fits.db"
    store = motion.create_store("f", schemas={"Query": Query}, path=path, triggers=[Scorer])
    for p in ("a", "bb", "ccc"):
        store.cursor.set(relation="Query", key_values={"prompt": p})
    store.close()  # waits for the queued fits
    store = motion.create_store("f", schemas={"Query": Query}, path=path)
    try:
        assert [r["score"] for r in store.cursor.mget("Query", [0, 1, 2], ["score"])] == [
            1.0, 2.0, 3.0]
    finally:
        store.close()


def test_a_trigger_whose_init_skips_super_still_works(store):
    class NoSuper(motion.Trigger):
        def __init__(self):
            self.extra = 1

        def setUp(self, cursor):
            return {"k": self.extra}

        def routes(self):
            return [motion.Route("Query", "prompt", infer=lambda c, tb: None)]

    inst = store.add_trigger(NoSuper)
    assert inst.name == "NoSuper" and inst.state == {"k": 1}


@dataclass
class Item:
    id: int
    name: str
    price: float
    stock: int
    live: bool


_VALUES = {
    "name": st.text(max_size=8),
    "price": st.floats(allow_nan=False, allow_infinity=False),
    "stock": st.integers() | st.integers(2**63, 2**80),
    "live": st.booleans(),
}
_OPS = st.lists(st.one_of(
    st.tuples(st.just("set"), st.integers(0, 5), st.fixed_dictionaries(
        {}, optional=_VALUES)),
    st.tuples(st.just("dup"), st.integers(0, 5), st.just({})),
), max_size=25)


@settings(max_examples=40, deadline=None)
@given(ops=_OPS)
def test_the_cursor_agrees_with_a_dict_model(ops):
    store = motion.create_store("m", schemas={"item": Item}, memory=True)
    try:
        c = store.cursor
        model: dict[int, dict] = {}
        source: dict[int, int | None] = {}
        for op, ident, kv in ops:
            if op == "set":
                c.set(relation="item", identifier=ident, key_values=kv)
                model.setdefault(ident, {}).update(kv)
                source.setdefault(ident, None)
            elif ident in model:
                new = c.duplicate("item", ident)
                assert new not in model
                model[new] = dict(model[ident])
                source[new] = ident
            else:
                with pytest.raises(motion.MotionKeyError):
                    c.duplicate("item", ident)
        keys = ["name", "price", "stock", "live"]
        for ident, values in model.items():
            got = c.get("item", ident, keys)
            assert got == {k: values.get(k) for k in keys}
            assert all(type(got[k]) is type(values[k]) for k in values)
            family = c.get("item", ident, ["name"], include_derived=True)
            assert family[0]["id"] == ident
            children = {i for i, s in source.items() if s == ident}
            assert children <= {row["id"] for row in family[1:]}
        df = c.sql("SELECT id, stock, derived_id FROM item ORDER BY id")
        assert [None if v != v else v for v in df["stock"].tolist()] == [
            None if model[i].get("stock") is None else
            (model[i]["stock"] if -(2**63) <= model[i]["stock"] < 2**63 else str(model[i]["stock"]))
            for i in sorted(model)]
        assert df["id"].tolist() == sorted(model)
        assert [None if v != v else v for v in df["derived_id"].tolist()] == [
            source[i] for i in sorted(model)]
    finally:
        store.close()
