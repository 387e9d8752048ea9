"""Fuzzing the Atomese reader and evaluator: whatever bytes a script holds, reading and running it
raise only atomtrig's own errors, and finish within a bound.

Inputs: random bytes, mutations of the scripts in scheme_examples/, deep nesting, huge numbers
and unicode. The suite runs a few hundred examples; ``ATOMTRIG_FUZZ_EXAMPLES=100000`` runs a long
campaign (see bench/RESULTS.md).
"""

from __future__ import annotations

import contextlib
import io
import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import atomtrig
from atomtrig.atomese import Interpreter, Limits, load_atoms
from atomtrig.atomese.reader import decode_source
from atomtrig.core.errors import AtomtrigError

EXAMPLES = Path(__file__).resolve().parents[1] / "scheme_examples"
SCRIPTS = [p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("*.scm"))]
EXAMPLE_COUNT = int(os.environ.get("ATOMTRIG_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLE_COUNT, deadline=None, derandomize=EXAMPLE_COUNT <= 1000,
    suppress_health_check=list(HealthCheck),
)
# Tight bounds, so that a generated infinite loop or explosion ends quickly.
LIMITS = Limits(max_steps=200_000, timeout=2.0, max_length=200_000, max_int_bits=200_000)
BOUND_SECONDS = 10.0


def run_everything(data: bytes) -> None:
    """Decode, bulk-load and evaluate ``data`` as a script would be; only atomtrig's errors may
    come out, and it must finish within the bound."""
    started = time.monotonic()
    space = atomtrig.AtomSpace()
    try:
        try:
            text = decode_source(data, "fuzz.scm")
        except AtomtrigError:
            text = data.decode("utf-8", errors="replace")
        with contextlib.suppress(AtomtrigError):
            load_atoms(atomtrig.AtomSpace(), text, "fuzz.scm")
        interp = Interpreter(space, out=io.StringIO(), limits=LIMITS)
        with contextlib.suppress(AtomtrigError):
            interp.eval_text(text, "fuzz.scm")
    finally:
        space.triggers.close()
    assert time.monotonic() - started < BOUND_SECONDS


@st.composite
def mutated_example(draw: st.DrawFn) -> bytes:
    text = draw(st.sampled_from(SCRIPTS))
    for _ in range(draw(st.integers(1, 6))):
        if not text:
            break
        i = draw(st.integers(0, len(text) - 1))
        j = draw(st.integers(i, min(len(text), i + 40)))
        action = draw(st.sampled_from(["delete", "duplicate", "insert", "swap"]))
        if action == "delete":
            text = text[:i] + text[j:]
        elif action == "duplicate":
            text = text[:j] + text[i:j] + text[j:]
        elif action == "insert":
            piece = draw(st.sampled_from(
                ["(", ")", "'", "`", ",@", '"', "#", "#|", "\\", " 1e999 ", " 99999999999999999999 ",
                 " (iota 100000000) ", " (expt 10 (expt 10 10)) ", " (PingTriggerLink) ", "\x00",
                 " (cog-new-stv 1 1) ", " #\\x ", " . ", " (define (f) (f)) (f) ", "é", "\U0001F600"]))
            text = text[:i] + piece + text[i:]
        else:
            k = draw(st.integers(0, len(text) - 1))
            text = text[:i] + text[k:k + (j - i)] + text[j:]
    return text.encode("utf-8", errors="surrogatepass")


DEEP = st.builds(
    lambda opener, n, tail: (opener * n + tail).encode(),
    st.sampled_from(["(List ", "'", "(", "(a '", "`(,", "(list "]),
    st.integers(0, 20_000),
    st.sampled_from(['(Concept "a")', "x", "1", ""]),
)
NUMBERS = st.builds(
    lambda form, digits: form.format(n="9" * digits).encode(),
    st.sampled_from(["(stv {n} 1)", "(cog-new-stv 0.{n} {n})", "(Number {n})", '(Number "{n}")',
                     "(expt {n} {n})", "(* {n} {n})", "(exact->inexact {n})", "(iota {n})",
                     "(+ 1e{n} 1)", "(NumberNode {n}.{n})", "(display {n})"]),
    st.integers(1, 6000),
)
UNICODE = st.text(min_size=0, max_size=300).map(lambda t: t.encode("utf-8", errors="surrogatepass"))
RANDOM_BYTES = st.binary(max_size=400)


@FUZZ
@given(RANDOM_BYTES)
def test_random_bytes(data: bytes) -> None:
    run_everything(data)


@FUZZ
@given(mutated_example())
def test_mutated_examples(data: bytes) -> None:
    run_everything(data)


@FUZZ
@given(DEEP)
def test_deep_nesting(data: bytes) -> None:
    run_everything(data)


@FUZZ
@given(NUMBERS)
def test_huge_numbers(data: bytes) -> None:
    run_everything(data)


@FUZZ
@given(UNICODE)
def test_unicode(data: bytes) -> None:
    run_everything(data)


@pytest.mark.parametrize("text", [
    "(PingTriggerLink)", "(StrengthTriggerLink)", "(ScheduledExecutionLink)",
    "(ValueTriggerLink)", "'" * 5000 + "x", "(cog-new-stv " + "1" * 400 + " 1)",
    "(NumberNode " + "1" * 400 + ")", "(List " * 10000 + '(Concept "a")' + ")" * 10000,
])
def test_reproduced_escapes_are_atomtrig_errors(text: str) -> None:
    """Inputs that once escaped as IndexError, RecursionError or OverflowError."""
    space = atomtrig.AtomSpace()
    try:
        for run in (lambda: load_atoms(space, text), lambda: space.eval_atomese(text)):
            with pytest.raises(AtomtrigError):
                run()
    finally:
        space.triggers.close()


def test_deep_input_fails_fast_with_the_limit_named() -> None:
    space = atomtrig.AtomSpace()
    started = time.monotonic()
    with pytest.raises(AtomtrigError, match="nesting too deep.*--max-nesting"):
        space.eval_atomese("(List " * 10000 + '(Concept "a")' + ")" * 10000)
    assert time.monotonic() - started < 2.0
    deep = space.eval_atomese("(List " * 900 + '(Concept "a")' + ")" * 900)  # within the limit
    assert deep.type.name == "ListLink"
    space.triggers.close()
