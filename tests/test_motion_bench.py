"""bench/bench_motion.py's target runs, and each motion contender does the floor's work (the
target asserts it); figures are not checked here (speed lives in bench/)."""

from __future__ import annotations

import pytest

from bench.bench_motion import CONTENDERS, set_target


@pytest.mark.parametrize("contender", CONTENDERS)
def test_the_bench_target_runs(contender):
    result = set_target(None, contender, 200)
    assert result["sets"] == 200 and result["rate"] > 0
    assert ("overhead_us" in result) == (contender != "floor")
