"""The seed's QAChatbot, on atomtrig's Motion layer, with a small deterministic stand-in for the
LLM and the index (no network).

For each prompt, ``llm_infer`` retrieves similar earlier prompts and completions from the
trigger's index, engineers a prompt, asks the model for three completions and writes each to a
duplicate of the record. ``update_index`` (the fit, in the background) adds the prompt and its
completions to the index. On a restart, ``setUp`` rebuilds the index from the persisted
records with ``cursor.sql``.

Run: ``python -m examples.motion.qa_chatbot [path.db]`` (in memory without a path).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import Any

import atomtrig.motion as motion


@dataclass
class QuerySchema:
    id: int
    prompt: str
    llm_completion: str


# -- stand-ins for the LLM and the index ----------------------------------------------------
def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


class StandInModel:
    """A deterministic "LLM": its completions quote the question and the context it was given."""

    def query(self, prompt: str, num_completions: int = 1) -> dict[str, list[str]]:
        context, _, question = prompt.rpartition("Answer this question:\n")
        hints = [line for line in context.splitlines() if line.startswith("Q: ")]
        basis = f" (cf. {hints[0][3:]})" if hints else ""
        return {"completions": [f"answer {i + 1} to '{question}'{basis}"
                                for i in range(num_completions)]}


def create_index(rows: Any) -> dict[str, list[str]]:
    index: dict[str, list[str]] = {}
    for prompt, completion in rows:
        index.setdefault(prompt, []).append(completion)
    return index


def retrieve_similar(index: dict[str, list[str]], prompt: str, k: int = 2) -> str:
    scored = sorted(((len(words(p) & words(prompt)) / len(words(p) | words(prompt) or {""}), p)
                     for p in index if p != prompt), reverse=True)
    return "\n".join(f"Q: {p}\nA: {index[p][0]}" for score, p in scored[:k] if score > 0)


def update_index(index: dict[str, list[str]], records: list[dict[str, Any]]) -> dict[str, list[str]]:
    new = {p: list(c) for p, c in index.items()}
    for r in records:
        if r["prompt"] is not None and r["llm_completion"] is not None:
            new.setdefault(r["prompt"], []).append(r["llm_completion"])
    return new


# -- the trigger, as in the seed ------------------------------------------------------------
class QAChatbot(motion.Trigger):
    def setUp(self, cursor):
        llm = StandInModel()
        old = cursor.sql("SELECT prompt, llm_completion FROM Query "
                         "WHERE prompt IS NOT NULL AND llm_completion IS NOT NULL ORDER BY id")
        if len(old) > 0:
            return {"index": create_index(zip(old["prompt"], old["llm_completion"])),
                    "model": llm}
        return {"index": {}, "model": llm}

    def routes(self):
        return [motion.Route(relation="Query", key="prompt", infer=self.llm_infer,
                             fit=self.update_index)]

    def llm_infer(self, cursor, triggered_by):
        prompt = triggered_by.value
        similar = retrieve_similar(self.state["index"], prompt)
        engineered = (f"Here are some questions and answers:\n{similar}\n"
                      f"Answer this question:\n{prompt}")
        response = self.state["model"].query(engineered, num_completions=3)
        for completion in response["completions"]:
            new_id = cursor.duplicate(triggered_by.relation, triggered_by.identifier)
            cursor.set(relation=triggered_by.relation, identifier=new_id,
                       key_values={"llm_completion": completion})

    def update_index(self, cursor, triggered_by):
        records = cursor.get(relation=triggered_by.relation, identifier=triggered_by.identifier,
                             keys=["prompt", "llm_completion"], include_derived=True)
        return {"index": update_index(self.state["index"], records)}


def open_store(path: str | None = None) -> motion.Store:
    kw: dict[str, Any] = {"path": path} if path else {"memory": True}
    return motion.create_store("chatbot", schemas={"Query": QuerySchema}, triggers=[QAChatbot],
                               **kw)


def ask(store: motion.Store, prompt: str) -> list[str]:
    """Ask a question; its three completions (written by llm_infer before set returns)."""
    qid = store.cursor.set(relation="Query", key_values={"prompt": prompt})
    rows = store.cursor.get(relation="Query", identifier=qid, keys=["llm_completion"],
                            include_derived=True)
    return [r["llm_completion"] for r in rows if r["derived_id"] is not None]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    store = open_store(argv[0] if argv else None)
    try:
        for prompt in ("what is a red dress", "where can I buy a red dress"):
            for completion in ask(store, prompt):
                print(completion)
            store.wait_for_fits()
        bot = store.triggers["QAChatbot"]
        print(f"index: {len(bot.state['index'])} prompts, state version {bot.version}")
        print(store.cursor.sql("SELECT COUNT(*) AS n FROM Query WHERE derived_id IS NOT NULL")
              ["n"].iloc[0], "completions stored")
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
