"""The recorder: records of app calls, laid out so that selectors can read them."""

from __future__ import annotations

import pytest

from atomtrig.feedback import Feedback, FeedbackError, Lens, Record, Recorder, Select, add_cost


class Retriever:
    def retrieve(self, query: str, k: int = 2) -> list[str]:
        add_cost(n_tokens=5, cost=0.01)
        return [f"{query} doc {i}" for i in range(k)]


class Generator:
    def generate(self, prompt: str) -> str:
        add_cost(n_tokens=20, cost=0.1)
        if "fail" in prompt:
            raise RuntimeError("model down")
        return prompt.upper()


class RAG:
    def __init__(self) -> None:
        self.retriever = Retriever()
        self.llm = Generator()

    def __call__(self, question: str) -> str:
        docs = self.retriever.retrieve(question, k=3)
        return self.llm.generate(" | ".join(docs))

    def ask(self, question: str) -> str:
        return self(question)


def test_record_fields_and_calls_in_return_order() -> None:
    recorder = Recorder(RAG(), app_id="rag", instrument=["retriever.retrieve", "llm.generate"], tags="v1")
    output, record = recorder.with_record("cats")
    assert output == "CATS DOC 0 | CATS DOC 1 | CATS DOC 2"
    assert record.app_id == "rag" and record.tags == "v1"
    assert record.main_input == "cats" and record.main_output == output and record.main_error is None
    assert [c.path for c in record.calls] == ["retriever.retrieve", "llm.generate", "__call__"]
    assert record.calls[0].args == {"query": "cats", "k": 3}
    assert record.calls[0].rets == ["cats doc 0", "cats doc 1", "cats doc 2"]
    assert record.cost == {"n_requests": 2, "n_tokens": 25, "cost": pytest.approx(0.11)}
    assert record.start_time <= record.calls[0].start_time <= record.calls[0].end_time <= record.end_time
    assert record.record_id.startswith("record-")
    assert recorder.records == [record]


def test_selectors_read_calls_by_component_path() -> None:
    recorder = Recorder(RAG(), app_id="rag", instrument=["retriever.retrieve", "llm.generate"])
    _, record = recorder.with_record("dogs")
    doc = {"__record__": record.to_json_dict()}
    assert Select.RecordCalls.retriever.retrieve.rets[:].get(doc) == ["dogs doc 0", "dogs doc 1", "dogs doc 2"]
    assert Select.RecordCalls.retriever.retrieve.args.query.get(doc) == ["dogs"]
    assert Select.RecordArgs.question.get(doc) == ["dogs"]
    assert Select.RecordRets.get(doc) == [record.main_output]

    def mentions(question: str, context: str) -> float:
        return float(question in context)

    feedback = Feedback(mentions).on_input().on(Select.RecordCalls.retriever.retrieve.rets[:])
    result = feedback.run(record=record)
    assert len(result.calls) == 3 and result.result == 1.0


def test_repeated_component_calls_are_a_list() -> None:
    class Twice:
        def __init__(self) -> None:
            self.retriever = Retriever()

        def __call__(self, q: str) -> int:
            return len(self.retriever.retrieve(q)) + len(self.retriever.retrieve(q + "!"))

    _, record = Recorder(Twice(), instrument=["retriever.retrieve"]).with_record("x")
    doc = {"__record__": record.to_json_dict()}
    assert Select.RecordCalls.retriever.retrieve[:].args.query.get(doc) == ["x", "x!"]
    assert record.app_id == "Twice"


def test_a_failing_app_call_is_recorded_and_raises() -> None:
    recorder = Recorder(RAG(), app_id="rag", instrument=["llm.generate"])
    with pytest.raises(RuntimeError, match="model down"):
        recorder("fail please")
    record = recorder.records[-1]
    assert record.main_output is None
    assert "RuntimeError: model down" in (record.main_error or "")
    assert record.calls[0].path == "llm.generate" and "model down" in (record.calls[0].error or "")


def test_main_method_and_plain_functions() -> None:
    recorder = Recorder(RAG(), app_id="rag", main="ask")
    assert recorder("q") == "Q DOC 0 | Q DOC 1 | Q DOC 2"
    assert recorder.records[-1].calls[-1].path == "ask"

    def shout(text: str) -> str:
        return text.upper()

    out, record = Recorder(shout).with_record(text="hi")
    assert out == "HI" and record.app_id == "shout" and record.main_input == "hi"


def test_instrumented_methods_only_record_inside_a_recorded_call() -> None:
    app = RAG()
    recorder = Recorder(app, instrument=["retriever.retrieve"])
    assert app.retriever.retrieve("direct") == ["direct doc 0", "direct doc 1"]
    assert recorder.records == []


def test_recorder_errors() -> None:
    with pytest.raises(FeedbackError, match="no component 'nope'"):
        Recorder(RAG(), instrument=["nope.retrieve"])
    with pytest.raises(FeedbackError, match="no method 'find'"):
        Recorder(RAG(), instrument=["retriever.find"])
    with pytest.raises(FeedbackError, match="not callable"):
        Recorder(object())
    with pytest.raises(FeedbackError, match="space="):
        Recorder(RAG(), feedbacks=[Feedback(len).on_output()])


def test_records_round_trip_through_json() -> None:
    _, record = Recorder(RAG(), instrument=["retriever.retrieve"]).with_record("x")
    again = Record.from_json(record.to_json())
    assert again == record
    assert again.to_json_dict() == record.to_json_dict()
    assert Lens().app.retriever.retrieve.rets[0].get(again.to_json_dict()) == ["x doc 0"]


def test_nested_component_calls_keep_their_call_stack() -> None:
    class Embedder:
        def embed(self, text: str) -> list[float]:
            return [float(len(text))]

    class DeepRetriever:
        def __init__(self) -> None:
            self.embedder = Embedder()

        def retrieve(self, query: str) -> list[str]:
            return [f"doc near {self.embedder.embed(query)[0]}"]

    class App:
        def __init__(self) -> None:
            self.retriever = DeepRetriever()

        def __call__(self, q: str) -> str:
            return self.retriever.retrieve(q)[0]

    recorder = Recorder(App(), instrument=["retriever.retrieve", "retriever.embedder.embed"])
    _, record = recorder.with_record("abc")
    by_path = {c.path: c for c in record.calls}
    assert [c.path for c in record.calls] == ["retriever.embedder.embed", "retriever.retrieve", "__call__"]
    assert by_path["retriever.embedder.embed"].stack == ["__call__", "retriever.retrieve"]
    assert by_path["retriever.retrieve"].stack == ["__call__"]
    assert by_path["__call__"].stack == []
    doc = {"__record__": record.to_json_dict()}
    assert Select.RecordCalls.retriever.embedder.embed.rets.get(doc) == [[3.0]]
    assert Record.from_json(record.to_json()).calls[0].stack == ["__call__", "retriever.retrieve"]
