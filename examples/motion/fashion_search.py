"""The seed's fashion search, on atomtrig's Motion layer, with its schemas verbatim and small
deterministic stand-ins for the models (no network).

Pipeline: a query -> text suggestions (idea generation; one duplicate of the query per
suggestion, ``text_suggestion_page`` numbering them) -> image retrieval (nearest catalog item by
embedding: ``img_id``, ``img_score``) -> feedback fine-tunes retrieval in the background (a liked
image gets a boost that later retrievals see).

Run: ``python -m examples.motion.fashion_search``.
"""

from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import dataclass
from enum import Enum

import numpy as np

import atomtrig.motion as motion


class Retailer(Enum):
    NORDSTROM = 0
    REVOLVE = 1
    BLOOMINGDALES = 2


class QuerySource(Enum):
    OFFLINE = 0
    ONLINE = 1


@dataclass
class QuerySchema:
    id: int
    ts: int
    src: QuerySource
    query: str
    text_suggestion: str
    text_suggestion_page: int
    img_id: int
    img_score: int
    img_id_page: int
    feedback: bool


@dataclass
class RetailerSchema:
    id: int
    ts: int
    retailer: Retailer
    img_url: str
    img_desc: str
    img_html: str
    img_summary: str
    img_embedding: np.ndarray


CATALOG = [
    (Retailer.NORDSTROM, "red silk evening dress"),
    (Retailer.REVOLVE, "red cotton summer dress"),
    (Retailer.BLOOMINGDALES, "black leather ankle boots"),
    (Retailer.NORDSTROM, "white linen beach shirt"),
    (Retailer.REVOLVE, "blue denim jacket"),
    (Retailer.BLOOMINGDALES, "straw beach hat"),
]

IDEAS = {  # query word -> ideas (the stand-in for text-to-text idea generation)
    "party": ["silk dress for the evening", "leather boots"],
    "beach": ["linen shirt", "beach hat", "summer dress"],
    "autumn": ["denim jacket", "ankle boots"],
    "red": ["red dress"],
}


def embed(text: str, dim: int = 64) -> np.ndarray:
    """A deterministic bag-of-words embedding (the stand-in for CLIP), unit length."""
    v = np.zeros(dim, dtype=np.float32)
    for w in re.findall(r"[a-z]+", text.lower()):
        v[int(hashlib.sha256(w.encode()).hexdigest(), 16) % dim] += 1.0
    n = float(np.linalg.norm(v))
    return v / n if n else v


class FashionSearch(motion.Trigger):
    def setUp(self, cursor):
        items = cursor.sql("SELECT id FROM retailer ORDER BY id")
        ids = [int(i) for i in items["id"]]
        rows = cursor.mget("retailer", ids, ["img_embedding"])
        return {"ids": ids, "matrix": np.stack([r["img_embedding"] for r in rows])
                if rows else np.zeros((0, 64), np.float32), "boost": {}, "liked": 0}

    def routes(self):
        return [
            motion.Route(relation="query", key="query", infer=self.suggest),
            motion.Route(relation="query", key="text_suggestion", infer=self.retrieve),
            motion.Route(relation="query", key="feedback", fit=self.fine_tune),
        ]

    def suggest(self, cursor, triggered_by):
        text = triggered_by.value.lower()
        ideas = [idea for word, found in IDEAS.items() if word in text for idea in found]
        for page, idea in enumerate(ideas or [text]):
            new_id = cursor.duplicate(triggered_by.relation, triggered_by.identifier)
            cursor.set(relation="query", identifier=new_id,
                       key_values={"text_suggestion": idea, "text_suggestion_page": page})

    def retrieve(self, cursor, triggered_by):
        scores = self.state["matrix"] @ embed(triggered_by.value)
        boost = self.state["boost"]
        scores = scores + np.array([boost.get(i, 0.0) for i in self.state["ids"]])
        best = int(np.argmax(scores))
        cursor.set(relation="query", identifier=triggered_by.identifier,
                   key_values={"img_id": self.state["ids"][best], "img_id_page": 0,
                               "img_score": int(round(100 * float(scores[best])))})

    def fine_tune(self, cursor, triggered_by):
        if not triggered_by.value:
            return {}
        rec = cursor.get("query", triggered_by.identifier, ["img_id"])
        boost = dict(self.state["boost"])
        boost[rec["img_id"]] = boost.get(rec["img_id"], 0.0) + 0.5
        return {"boost": boost, "liked": self.state["liked"] + 1}


def build(store: motion.Store) -> None:
    for i, (retailer, desc) in enumerate(CATALOG):
        store.cursor.set(relation="retailer", identifier=i, key_values={
            "ts": 1_700_000_000 + i, "retailer": retailer, "img_url": f"https://img.example/{i}.jpg",
            "img_desc": desc, "img_html": f"<img alt='{desc}'>", "img_summary": desc,
            "img_embedding": embed(desc)})


def search(store: motion.Store, text: str, ts: int) -> list[tuple[int, str, str, int]]:
    """(page, suggestion, catalog description, score) for a query."""
    qid = store.cursor.set(relation="query", key_values={
        "ts": ts, "src": QuerySource.ONLINE, "query": text})
    rows = store.cursor.get("query", qid, ["text_suggestion", "text_suggestion_page", "img_id",
                                           "img_score"], include_derived=True)
    out = []
    for r in rows:
        if r["derived_id"] is None:
            continue
        item = store.cursor.get("retailer", r["img_id"], ["img_desc", "retailer"])
        out.append((r["text_suggestion_page"], r["text_suggestion"],
                    f"{item['retailer'].name}: {item['img_desc']}", r["img_score"]))
    return out


def main(argv: list[str] | None = None) -> int:
    store = motion.create_store("fashion_search",
                                schemas={"query": QuerySchema, "retailer": RetailerSchema},
                                memory=True)
    try:
        build(store)
        store.add_trigger(FashionSearch)  # setUp reads the catalog's embeddings
        for page, idea, item, score in search(store, "red outfit for the beach", 1):
            print(page, idea, "->", item, score)
        # The user likes the summer dress shown for "summer dress": fit (in the background)
        # boosts that image, and the next "red dress" retrieval prefers it.
        liked = store.cursor.sql("SELECT id FROM query WHERE text_suggestion = 'summer dress'")
        store.cursor.set(relation="query", identifier=int(liked["id"].iloc[0]),
                         key_values={"feedback": True})
        store.wait_for_fits()
        print("after feedback:")
        for page, idea, item, score in search(store, "red outfit", 2):
            print(page, idea, "->", item, score)
        print("likes:", store.triggers["FashionSearch"].state["liked"])
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
