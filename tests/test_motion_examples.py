"""The Motion examples run as a user runs them, with their output checked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> str:
    out = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_qa_chatbot_answers_and_indexes_in_the_background():
    assert run("examples.motion.qa_chatbot").splitlines() == [
        "answer 1 to 'what is a red dress'",
        "answer 2 to 'what is a red dress'",
        "answer 3 to 'what is a red dress'",
        "answer 1 to 'where can I buy a red dress' (cf. what is a red dress)",
        "answer 2 to 'where can I buy a red dress' (cf. what is a red dress)",
        "answer 3 to 'where can I buy a red dress' (cf. what is a red dress)",
        "index: 2 prompts, state version 2",
        "6 completions stored",
    ]


def test_qa_chatbot_rebuilds_its_index_from_the_store_on_restart(tmp_path):
    db = str(tmp_path / "chat.db")
    run("examples.motion.qa_chatbot", db)
    second = run("examples.motion.qa_chatbot", db).splitlines()
    # setUp read the first run's prompts and completions: the first question now has context
    assert second[0] == "answer 1 to 'what is a red dress' (cf. where can I buy a red dress)"
    assert second[-2:] == ["index: 2 prompts, state version 2", "12 completions stored"]


def test_fashion_search_retrieves_and_learns_from_feedback():
    assert run("examples.motion.fashion_search").splitlines() == [
        "0 linen shirt -> NORDSTROM: white linen beach shirt 71",
        "1 beach hat -> BLOOMINGDALES: straw beach hat 82",
        "2 summer dress -> REVOLVE: red cotton summer dress 71",
        "3 red dress -> NORDSTROM: red silk evening dress 71",
        "after feedback:",
        "0 red dress -> REVOLVE: red cotton summer dress 121",
        "likes: 1",
    ]
