"""Feedback benchmark (issue 10): one cheap feedback evaluated on 100,000 records, in background
mode, against calling the implementation directly.

The records are built before the clock starts: each has a main input, a main output and one
component call (a retriever returning three documents), like a small RAG app's record. The
feedback is ``cheap_score(text) = 1 - min(len(text), 200) / 200`` on the main output.

Contenders (each in fresh worker processes, interleaved rounds, medians; see
:mod:`bench.harness`):

- ``direct`` (the baseline): ``cheap_score(record.main_output)`` for every record, in a loop.
- ``run``: ``Feedback(cheap_score).on_output().run(record=document)`` for every record's JSON
  document — the programming model (selection, combination, aggregation, result) without a
  store.
- ``store-record-only``: ``add_record`` of every record into an ``atomtrig.AtomSpace`` with the
  feedback registered in mode ``none`` — what storing records costs by itself.
- ``store-with-app``: the feedback registered ``with_app`` (a sync trigger): evaluated as each
  record is added.
- ``store-background``: the feedback registered in the default background mode (an async
  trigger run by the trigger layer's pool); the clock stops when ``space.wait_for_triggers()``
  returns, i.e. when every record has its result written on it.

Metric: records evaluated per second (for ``store-record-only``: records stored per second).
Each store contender checks that every record got a done result. The overhead per record is
``1/rate - 1/rate(direct)``, printed as notes.

Run ``python -m bench.bench_feedback --help``; ``--quick`` is a smoke run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench.harness import Job, Probe, Report, first_failure, run_interleaved, successes

CONTENDERS = ("direct", "run", "store-record-only", "store-with-app", "store-background")
WORKLOAD = "one cheap feedback per record"


def cheap_score(text: str) -> float:
    """A cheap feedback: shorter answers score higher."""
    return 1.0 - min(len(text), 200) / 200


def _records(n: int) -> list[Any]:
    from atomtrig.feedback import Record, RecordAppCall

    made = []
    for i in range(n):
        question = f"what is item {i}?"
        docs = [f"item {i} is described in doc {j}" for j in range(3)]
        made.append(
            Record(
                app_id="rag",
                main_input=question,
                main_output=f"item {i} is thing number {i % 97} of its kind",
                calls=[
                    RecordAppCall("retriever.retrieve", {"query": question}, docs, start_time=1.0, end_time=1.5),
                    RecordAppCall("__call__", {"question": question}, f"item {i}", start_time=1.0, end_time=2.0),
                ],
                ts=1_800_000_000.0 + i,
            )
        )
    return made


def target(probe: Probe, contender: str, n: int) -> dict[str, Any]:
    """One worker run of ``contender`` over ``n`` records."""
    import atomtrig
    from atomtrig.feedback import Feedback, FeedbackResultStatus, add_record, read_result, register

    records = _records(n)
    feedback = Feedback(cheap_score).on_output()
    checked = n
    if contender == "direct":
        outputs = [r.main_output for r in records]
        t0 = time.perf_counter()
        total = 0.0
        for text in outputs:
            total += cheap_score(text)
        seconds = time.perf_counter() - t0
    elif contender == "run":
        documents = [r.to_json_dict() for r in records]
        t0 = time.perf_counter()
        for document in documents:
            feedback.run(record=document)
        seconds = time.perf_counter() - t0
    else:
        mode = {"store-record-only": "none", "store-with-app": "with_app", "store-background": "with_app_thread"}[contender]
        space = atomtrig.AtomSpace()
        register(space, "rag", [feedback], mode=mode)
        t0 = time.perf_counter()
        atoms = [add_record(space, r) for r in records]
        if not space.wait_for_triggers(3600):
            raise RuntimeError("background feedback did not finish")
        seconds = time.perf_counter() - t0
        if mode != "none":
            done = sum(
                1 for a in atoms
                if (res := read_result(space, a, "cheap_score")) is not None and res.status is FeedbackResultStatus.DONE
            )
            if done != n:
                raise RuntimeError(f"only {done} of {n} records got a done result")
            checked = done
    return {"n": n, "seconds": seconds, "records_per_s": n / seconds, "checked": checked}


def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.bench_feedback", description=__doc__.split("\n\n")[0])
    p.add_argument("--records", type=int, default=None, help="records per run (default 100000; --quick: 5000)")
    p.add_argument("--repeats", type=int, default=None, help="interleaved rounds (default 3; --quick: 1)")
    p.add_argument("--contenders", default=",".join(CONTENDERS), help="comma-separated subset")
    p.add_argument("--quick", action="store_true", help="a smoke run")
    p.add_argument("--json", dest="json_path", default=None, help="also write the JSON lines here")
    p.add_argument("--markdown", default=None, help="write the figures as Markdown here")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    n = args.records or (5_000 if args.quick else 100_000)
    repeats = args.repeats or (1 if args.quick else 3)
    contenders = [c for c in args.contenders.split(",") if c]
    unknown = set(contenders) - set(CONTENDERS)
    if unknown:
        print(f"unknown contenders: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    jobs = [Job(c, "bench.bench_feedback:target", {"contender": c, "n": n}) for c in contenders]

    def progress(r: int, job: Job, result: Any) -> None:
        figure = result.get("records_per_s") if isinstance(result, dict) else result.reason
        print(f"# round {r + 1}/{repeats} {job.contender}: {figure}", file=sys.stderr, flush=True)

    samples = run_interleaved(jobs, repeats, on_result=progress)
    report = Report("bench_feedback", baseline="direct", json_path=args.json_path)
    rates: dict[str, float] = {}
    for contender in contenders:
        results = samples[contender]
        failure = first_failure(results)
        if failure is not None:
            report.fail(WORKLOAD, n, contender, failure.reason)
            continue
        values = [r["records_per_s"] for r in successes(results)]
        report.add(WORKLOAD, n, contender, "records_per_s", "records/s", values)
        rates[contender] = statistics.median(values)
    if "direct" in rates:
        floor = 1e6 / rates["direct"]
        report.note(f"direct call of the implementation: {floor:.3f} µs per record")
        for contender, rate in rates.items():
            if contender != "direct":
                report.note(
                    f"{contender}: {1e6 / rate:.1f} µs per record, overhead over the direct call "
                    f"{1e6 / rate - floor:.1f} µs per record"
                )
    checked = report.finish()
    if args.markdown:
        Path(args.markdown).write_text(report.markdown(checked) + "".join(f"\n- {t}" for t in report.notes) + "\n",
                                       encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
