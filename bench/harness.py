"""A small benchmark harness: interleaved repeats in fresh processes, medians, peak memory,
ratios against a baseline measured in the same run, JSON lines and a table.

This machine is a noisy 2-core VM, so the harness never trusts one run: every contender runs
in a fresh Python process (its own heap, no garbage left by another contender), the contenders
of one round run one after the other in an order that rotates from round to round, and the
figure reported is the median over the rounds. Memory is measured in separate processes too,
one per contender and size, so a contender's peak is its own.

The pieces:

- A *target* is a plain function ``f(probe, **kwargs) -> dict`` in an importable module. It
  runs inside a worker process, does the work, times what it wants with
  :func:`time.perf_counter`, and returns a JSON-serialisable dict of figures. In a memory job it
  calls ``probe.start()`` right before the part to measure and ``probe.stop(atoms=...)`` right
  after, keeping what it built alive until then.
- A :class:`Job` names a contender, a target and its keyword arguments; :func:`run_job` runs one
  in a fresh process (a crash or a timeout becomes a :class:`Failure`, never an exception), and
  :func:`run_interleaved` runs a list of jobs for several rounds.
- A :class:`Report` collects :class:`Measurement` s (median of samples), prints one JSON line
  per measurement with its ratios against the baseline contender (and any reference
  contenders) of the same workload, size and metric, checks :class:`Target` s, and ends with
  ``rich`` tables. It can also render the figures as Markdown for ``bench/RESULTS.md``.

Every JSON line has a ``"type"``: ``machine`` (CPU model, cores, Python, ...), ``measurement``
(``bench, workload, size, contender, metric, unit, better, value, samples, min, max, ratios``),
``failure`` (``contender, workload, size, reason``) or ``target`` (``label, met, value, ...``).
A ratio is always ``contender value / reference value``: above 1 is better for a rate, below 1
is better for bytes.

Example (a target in this module, so it runs anywhere)::

    >>> from bench.harness import Job, Report, run_interleaved
    >>> import io
    >>> jobs = [Job("fast", "bench.harness:_demo_target", {"n": 1000}),
    ...         Job("slow", "bench.harness:_demo_target", {"n": 1000, "spin": 3})]
    >>> samples = run_interleaved(jobs, repeats=2)
    >>> report = Report("demo", baseline="fast", stream=io.StringIO())
    >>> for contender, results in samples.items():
    ...     _ = report.add("sum", 1000, contender, "ops_per_s", "ops/s",
    ...                    [r["n"] / r["seconds"] for r in results])
    >>> report.flush()
    >>> lines = report.json_lines()
    >>> [l["contender"] for l in lines if l["type"] == "measurement"]
    ['fast', 'slow']
    >>> lines[-1]["ratios"]["fast"] < 1.0
    True
"""

from __future__ import annotations

import gc
import importlib
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

__all__ = [
    "Failure",
    "Job",
    "Measurement",
    "Probe",
    "Report",
    "Target",
    "machine_facts",
    "run_interleaved",
    "run_job",
]

REPO_ROOT = Path(__file__).resolve().parents[1]
_RESULT_MARK = "@@HARNESS-RESULT "
MODES = ("time", "rss", "tracemalloc")


# ---------------------------------------------------------------------------------------------
# Machine facts
# ---------------------------------------------------------------------------------------------
def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError:
        return ""


def _package_version(name: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def machine_facts(packages: Iterable[str] = ("atomtrig", "hyperon", "rustworkx")) -> dict[str, Any]:
    """What the figures were measured on: CPU model, cores, memory, Python, package versions,
    the repository's commit (and whether ``atomtrig/`` differs from it), the load average when
    the run started, and the time (UTC).

    >>> facts = machine_facts()
    >>> sorted(k for k in ("cpu_model", "cores", "python") if k in facts)
    ['cores', 'cpu_model', 'python']
    """
    cpu_model = platform.processor() or platform.machine()
    for line in _read("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            cpu_model = line.split(":", 1)[1].strip()
            break
    mem_total = None
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            mem_total = int(line.split()[1]) * 1024
            break
    usable: int | None
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count()
    try:
        # A run from an exported snapshot (no .git) names its commit in BENCH_GIT_COMMIT.
        commit = os.environ.get("BENCH_GIT_COMMIT") or subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip() or None
        dirty = bool(subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "atomtrig"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()) if commit and not os.environ.get("BENCH_GIT_COMMIT") else (
            False if commit else None)
    except (OSError, subprocess.SubprocessError):
        commit, dirty = None, None
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = None
    return {
        "cpu_model": cpu_model,
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "memory_bytes": mem_total,
        "python": platform.python_version(),
        "python_impl": platform.python_implementation(),
        "platform": platform.platform(),
        "packages": {name: _package_version(name) for name in packages},
        "commit": commit,
        "atomtrig_modified_since_commit": dirty,
        "load_avg": load,
        "utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


# ---------------------------------------------------------------------------------------------
# Inside the worker process
# ---------------------------------------------------------------------------------------------
def _proc_status_kib(field_name: str) -> int | None:
    for line in _read("/proc/self/status").splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    return None


class Probe:
    """Handed to a target as its first argument; measures memory between :meth:`start` and
    :meth:`stop` when the job's mode asks for it (in ``"time"`` mode both do nothing, so a
    target can call them unconditionally).

    Modes:

    - ``"rss"``: the process's resident set. ``start`` collects garbage, resets the kernel's
      peak-RSS mark (``/proc/self/clear_refs``) and notes the current RSS; ``stop`` reads the
      peak (``VmHWM``) and the current RSS. Counts every allocator, native ones included.
    - ``"tracemalloc"``: Python's own allocations only (native code such as a Rust or C++ store
      is invisible), peak and current between ``start`` and ``stop``.

    Results (bytes): ``mem_peak``, ``mem_retained`` and, given ``atoms``,
    ``mem_peak_per_atom`` and ``mem_retained_per_atom``.
    """

    def __init__(self, mode: str = "time") -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        self.mode = mode
        self._base = 0
        self._started = False
        self.results: dict[str, Any] = {}

    @property
    def measuring_memory(self) -> bool:
        return self.mode != "time"

    def start(self) -> None:
        if self.mode == "time":
            return
        gc.collect()
        self._started = True
        if self.mode == "rss":
            try:
                with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
                    f.write("5")
                self.results["mem_peak_reset"] = True
            except OSError:  # cannot reset the mark: the peak then includes earlier work
                self.results["mem_peak_reset"] = False
            self._base = (_proc_status_kib("VmRSS") or 0) * 1024
        else:
            tracemalloc.start()
            tracemalloc.reset_peak()
            self._base = tracemalloc.get_traced_memory()[0]

    def stop(self, atoms: int | None = None) -> None:
        if self.mode == "time":
            return
        if not self._started:
            raise RuntimeError("Probe.stop() called without Probe.start()")
        if self.mode == "rss":
            peak = (_proc_status_kib("VmHWM") or 0) * 1024 - self._base
            retained = (_proc_status_kib("VmRSS") or 0) * 1024 - self._base
        else:
            current, peak_abs = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            peak, retained = peak_abs - self._base, current - self._base
        self.results.update(mem_mode=self.mode, mem_peak=peak, mem_retained=retained)
        if atoms:
            self.results.update(
                atoms=atoms, mem_peak_per_atom=peak / atoms, mem_retained_per_atom=retained / atoms
            )
        self._started = False


def _resolve(target: str) -> Callable[..., dict[str, Any]]:
    module_name, _, func_name = target.partition(":")
    if not func_name:
        raise ValueError(f"a target is 'module:function', not {target!r}")
    return getattr(importlib.import_module(module_name), func_name)  # type: ignore[no-any-return]


def _worker_main(spec_text: str) -> None:
    spec = json.loads(spec_text)
    func = _resolve(spec["target"])
    probe = Probe(spec.get("mode", "time"))
    result = dict(func(probe, **spec.get("kwargs", {})) or {})
    if probe.measuring_memory and "mem_peak" not in probe.results:
        raise RuntimeError(f"{spec['target']} did not call probe.start()/probe.stop()")
    result.update(probe.results)
    sys.stdout.write(_RESULT_MARK + json.dumps(result) + "\n")
    sys.stdout.flush()
    # Skip tearing down what the target built (seconds for millions of objects).
    os._exit(0)


def _demo_target(probe: Probe, n: int, spin: int = 1) -> dict[str, Any]:
    """A tiny target for the module's example: sums ``range(n)`` ``spin`` times."""
    probe.start()
    t0 = time.perf_counter()
    data = list(range(n))
    for _ in range(spin):
        sum(data)
    seconds = time.perf_counter() - t0
    probe.stop(atoms=n)
    return {"n": n, "seconds": seconds}


# ---------------------------------------------------------------------------------------------
# In the parent: jobs
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Job:
    """One run of ``target`` (``"module:function"``) for ``contender``, in a fresh process.

    ``mode`` is ``"time"``, ``"rss"`` or ``"tracemalloc"`` (see :class:`Probe`); ``timeout`` in
    seconds.
    """

    contender: str
    target: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    mode: str = "time"
    timeout: float = 1800.0


@dataclass(frozen=True)
class Failure:
    """A job that did not deliver: crashed (``returncode`` < 0 is the signal), raised, timed
    out, or printed no result. ``stderr`` holds the end of its error output."""

    contender: str
    reason: str
    returncode: int | None = None
    stderr: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"contender": self.contender, "reason": self.reason, "returncode": self.returncode}


def run_job(job: Job) -> dict[str, Any] | Failure:
    """Run ``job`` in a fresh ``python`` process; its result dict, or a :class:`Failure`."""
    spec = json.dumps({"target": job.target, "kwargs": job.kwargs, "mode": job.mode})
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p
    )
    env.setdefault("PYTHONHASHSEED", "0")
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "bench.harness", "--worker", spec],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=job.timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        tail = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else exc.stderr
        return Failure(job.contender, f"timed out after {job.timeout:g} s", None, (tail or "")[-2000:])
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(_RESULT_MARK):
            return dict(json.loads(line[len(_RESULT_MARK) :]))
    stderr = proc.stderr[-2000:]
    if proc.returncode < 0:
        reason = f"killed by signal {-proc.returncode}"
    elif proc.returncode:
        last = [l for l in stderr.strip().splitlines() if l.strip()]
        reason = f"exit status {proc.returncode}: {last[-1] if last else 'no error output'}"
    else:
        reason = "no result printed"
    return Failure(job.contender, reason, proc.returncode, stderr)


def run_interleaved(
    jobs: Sequence[Job],
    repeats: int,
    on_result: Callable[[int, Job, dict[str, Any] | Failure], None] | None = None,
) -> dict[str, list[dict[str, Any] | Failure]]:
    """Run every job ``repeats`` times, one round at a time; round ``r`` starts at job
    ``r mod len(jobs)`` so no contender always runs first (or right after a given other).

    Returns each contender's results in round order. A contender whose job failed is not run
    again (a crash is not noise); its list holds the one :class:`Failure`.
    ``on_result(round, job, result)`` is called after each run (for progress output).
    """
    names = [j.contender for j in jobs]
    if len(set(names)) != len(names):
        raise ValueError(f"contender names must be unique within one call: {names}")
    results: dict[str, list[dict[str, Any] | Failure]] = {n: [] for n in names}
    failed: set[str] = set()
    for r in range(repeats):
        shift = r % len(jobs) if jobs else 0
        for job in list(jobs[shift:]) + list(jobs[:shift]):
            if job.contender in failed:
                continue
            result = run_job(job)
            if isinstance(result, Failure):
                failed.add(job.contender)
            results[job.contender].append(result)
            if on_result is not None:
                on_result(r, job, result)
    return results


def successes(results: Iterable[dict[str, Any] | Failure]) -> list[dict[str, Any]]:
    """The result dicts of a contender's runs, failures left out."""
    return [r for r in results if not isinstance(r, Failure)]


def first_failure(results: Iterable[dict[str, Any] | Failure]) -> Failure | None:
    return next((r for r in results if isinstance(r, Failure)), None)


# ---------------------------------------------------------------------------------------------
# In the parent: the report
# ---------------------------------------------------------------------------------------------
@dataclass
class Measurement:
    """One figure: the median of ``samples`` for one workload, size, contender and metric.
    ``better`` is ``"higher"`` (rates) or ``"lower"`` (bytes, seconds)."""

    bench: str
    workload: str
    size: int
    contender: str
    metric: str
    unit: str
    samples: list[float]
    better: str = "higher"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def value(self) -> float:
        return float(statistics.median(self.samples))

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.workload, self.size, self.metric)


@dataclass(frozen=True)
class Target:
    """A goal: ``contender``'s ``metric`` on ``workload`` at ``size`` compared with
    ``threshold`` by ``op`` (``">="``, ``">"``, ``"<="``, ``"<"``). With ``vs``, the figure
    compared is the ratio to contender ``vs``; without, the value itself."""

    label: str
    workload: str
    metric: str
    contender: str
    size: int
    threshold: float
    op: str = ">="
    vs: str | None = None
    stretch: float | None = None


_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
}


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if unit == "x":
        return f"{value:.2f}x"
    magnitude = abs(value)
    if magnitude >= 1e6:
        text = f"{value / 1e6:.2f} M"
    elif magnitude >= 1e4:
        text = f"{value / 1e3:.1f} k"
    elif magnitude >= 100:
        text = f"{value:.0f} "
    elif magnitude >= 1:
        text = f"{value:.2f} "
    else:
        text = f"{value:.3g} "
    return (text + unit).strip()


class Report:
    """Collects measurements of one benchmark and prints them.

    ``baseline`` is the contender every ratio is computed against (the same run's floor);
    ``references`` are further contenders to compare with (e.g. a peer library). JSON lines go
    to ``stream`` (stdout by default) as :meth:`flush` is called, and also to ``json_path`` if
    given; :meth:`finish` prints the tables.
    """

    def __init__(
        self,
        bench: str,
        baseline: str,
        references: Sequence[str] = (),
        stream: TextIO | None = None,
        json_path: str | os.PathLike[str] | None = None,
        facts: dict[str, Any] | None = None,
    ) -> None:
        self.bench = bench
        self.baseline = baseline
        self.references = [baseline] + [r for r in references if r != baseline]
        self.stream = stream if stream is not None else sys.stdout
        self.json_path = Path(json_path) if json_path else None
        self.facts = facts if facts is not None else machine_facts()
        self.measurements: list[Measurement] = []
        self.failures: list[dict[str, Any]] = []
        self.targets: list[Target] = []
        self.notes: list[str] = []
        self._lines: list[dict[str, Any]] = []
        self._pending: list[dict[str, Any] | Measurement] = []
        if self.json_path:
            self.json_path.write_text("", encoding="utf-8")
        self._emit({"type": "machine", "bench": self.bench, **self.facts})

    # -- collecting --------------------------------------------------------------------------
    def add(
        self,
        workload: str,
        size: int,
        contender: str,
        metric: str,
        unit: str,
        samples: Sequence[float],
        better: str = "higher",
        **extra: Any,
    ) -> Measurement:
        """Record ``samples`` (one per round) of ``metric``; the figure is their median."""
        if not samples:
            raise ValueError(f"no samples for {contender} {workload} {metric} at {size}")
        if better not in ("higher", "lower"):
            raise ValueError(f"better must be 'higher' or 'lower', not {better!r}")
        m = Measurement(self.bench, workload, size, contender, metric, unit,
                        [float(s) for s in samples], better, dict(extra))
        self.measurements.append(m)
        self._pending.append(m)
        return m

    def fail(self, workload: str, size: int, contender: str, reason: str, **extra: Any) -> None:
        """Record that ``contender`` could not run ``workload`` at ``size``, and why."""
        line = {"type": "failure", "bench": self.bench, "workload": workload, "size": size,
                "contender": contender, "reason": reason, **extra}
        self.failures.append(line)
        self._pending.append(line)

    def note(self, text: str) -> None:
        """A remark printed under the tables (e.g. how a peer's workload was mapped)."""
        self.notes.append(text)

    def target(self, target: Target) -> None:
        self.targets.append(target)

    # -- figures -----------------------------------------------------------------------------
    def find(self, workload: str, size: int, metric: str, contender: str) -> Measurement | None:
        for m in self.measurements:
            if m.key == (workload, size, metric) and m.contender == contender:
                return m
        return None

    def ratio(self, m: Measurement, reference: str) -> float | None:
        """``m``'s value over ``reference``'s for the same workload, size and metric."""
        ref = self.find(m.workload, m.size, m.metric, reference)
        if ref is None or ref.value == 0:
            return None
        return m.value / ref.value

    def ratios(self, m: Measurement) -> dict[str, float | None]:
        return {r: self.ratio(m, r) for r in self.references}

    def check(self, t: Target) -> dict[str, Any]:
        """Evaluate one target: a dict with ``met`` (True/False, or None when not measured)."""
        m = self.find(t.workload, t.size, t.metric, t.contender)
        line: dict[str, Any] = {"type": "target", "bench": self.bench, "label": t.label,
                                "workload": t.workload, "size": t.size, "metric": t.metric,
                                "contender": t.contender, "op": t.op, "threshold": t.threshold,
                                "vs": t.vs, "stretch": t.stretch}
        figure = None
        if m is not None:
            figure = self.ratio(m, t.vs) if t.vs else m.value
        line["value"] = figure
        line["met"] = None if figure is None else _OPS[t.op](figure, t.threshold)
        line["stretch_met"] = (
            None if figure is None or t.stretch is None else _OPS[t.op](figure, t.stretch)
        )
        return line

    # -- output ------------------------------------------------------------------------------
    def _emit(self, line: dict[str, Any]) -> None:
        self._lines.append(line)
        text = json.dumps(line, default=str)
        self.stream.write(text + "\n")
        self.stream.flush()
        if self.json_path:
            with self.json_path.open("a", encoding="utf-8") as f:
                f.write(text + "\n")

    def measurement_line(self, m: Measurement) -> dict[str, Any]:
        return {
            "type": "measurement",
            "bench": m.bench,
            "workload": m.workload,
            "size": m.size,
            "contender": m.contender,
            "metric": m.metric,
            "unit": m.unit,
            "better": m.better,
            "value": m.value,
            "min": min(m.samples),
            "max": max(m.samples),
            "repeats": len(m.samples),
            "samples": m.samples,
            "ratios": self.ratios(m),
            **m.extra,
        }

    def flush(self) -> None:
        """Print the JSON lines of everything added since the last flush (call it once the
        baseline of those measurements has been added, so the ratios are filled in)."""
        pending, self._pending = self._pending, []
        for item in pending:
            self._emit(self.measurement_line(item) if isinstance(item, Measurement) else item)

    def json_lines(self) -> list[dict[str, Any]]:
        """Every JSON line printed so far, as dicts."""
        return list(self._lines)

    def finish(
        self, console_width: int = 140, markdown: str | Path | None = None
    ) -> list[dict[str, Any]]:
        """Flush, print the target lines, then the tables (and, given ``markdown``, write them
        there as Markdown). Returns the target lines."""
        self.flush()
        checked = [self.check(t) for t in self.targets]
        for line in checked:
            self._emit(line)
        self.print_tables(checked, console_width)
        if markdown:
            Path(markdown).write_text(self.markdown(checked), encoding="utf-8")
        return checked

    def print_tables(self, checked: list[dict[str, Any]], console_width: int = 140) -> None:
        from rich.console import Console
        from rich.table import Table

        console = Console(file=self.stream, width=console_width, highlight=False,
                          force_terminal=False, no_color=True)
        f = self.facts
        console.print(
            f"[bold]{self.bench}[/bold] on {f.get('cpu_model')} ({f.get('cores')} cores, "
            f"{f.get('usable_cores')} usable), Python {f.get('python')}, commit {f.get('commit')}, "
            f"{f.get('utc')}"
        )
        table = Table(title=f"{self.bench}: medians over interleaved repeats")
        for col, justify in (("workload", "left"), ("N", "right"), ("contender", "left"),
                             ("metric", "left"), ("median", "right"), ("min..max", "right"),
                             ("runs", "right")):
            table.add_column(col, justify=justify)  # type: ignore[arg-type]
        for ref in self.references:
            table.add_column(f"x {ref}", justify="right")
        for m in self.measurements:
            table.add_row(
                m.workload, f"{m.size:,}", m.contender, m.metric, _fmt(m.value, m.unit),
                f"{_fmt(min(m.samples))}..{_fmt(max(m.samples))}", str(len(m.samples)),
                *(_fmt(self.ratio(m, r), "x") for r in self.references),
            )
        for fl in self.failures:
            table.add_row(fl["workload"], f"{fl['size']:,}", fl["contender"], "FAILED",
                          fl["reason"][:60], "", "", *("" for _ in self.references))
        console.print(table)
        if checked:
            tt = Table(title="targets")
            for col in ("target", "figure", "result"):
                tt.add_column(col)
            for line in checked:
                unit = "x" if line["vs"] else ""
                result = {None: "not measured", True: "met", False: "MISSED"}[line["met"]]
                if line["met"] and line["stretch_met"]:
                    result += " (stretch met)"
                elif line["met"] and line["stretch_met"] is False:
                    result += " (stretch missed)"
                tt.add_row(line["label"], _fmt(line["value"], unit), result)
            console.print(tt)
        for text in self.notes:
            console.print(f"note: {text}")

    def markdown(self, checked: list[dict[str, Any]] | None = None) -> str:
        """The figures (and targets) as Markdown tables, for ``bench/RESULTS.md``."""
        out = io.StringIO()
        refs = self.references
        out.write("| workload | N | contender | metric | median | min..max | runs | "
                  + " | ".join(f"x {r}" for r in refs) + " |\n")
        out.write("|---|---:|---|---|---:|---:|---:|" + "---:|" * len(refs) + "\n")
        for m in self.measurements:
            out.write(
                f"| {m.workload} | {m.size:,} | {m.contender} | {m.metric} | {_fmt(m.value, m.unit)} "
                f"| {_fmt(min(m.samples))}..{_fmt(max(m.samples))} | {len(m.samples)} | "
                + " | ".join(_fmt(self.ratio(m, r), "x") for r in refs) + " |\n"
            )
        for fl in self.failures:
            out.write(f"| {fl['workload']} | {fl['size']:,} | {fl['contender']} | FAILED: "
                      f"{fl['reason']} |" + " |" * (3 + len(refs)) + "\n")
        if checked:
            out.write("\n| target | figure | result |\n|---|---:|---|\n")
            for line in checked:
                unit = "x" if line["vs"] else ""
                result = {None: "not measured", True: "met", False: "missed"}[line["met"]]
                if line["met"] is not None and line["stretch_met"] is not None:
                    result += f" (stretch {'met' if line['stretch_met'] else 'missed'})"
                out.write(f"| {line['label']} | {_fmt(line['value'], unit)} | {result} |\n")
        return out.getvalue()


def median_or_none(values: Iterable[float]) -> float | None:
    vals = list(values)
    return float(statistics.median(vals)) if vals else None


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        _worker_main(sys.argv[2])
    else:
        sys.stderr.write("usage: python -m bench.harness --worker SPEC_JSON (used by run_job)\n")
        sys.exit(2)
