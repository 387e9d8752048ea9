"""The atomtrig command: run, check, load, dump, repl, and how subcommands are found."""

from __future__ import annotations

import argparse
import subprocess
import sys
import types
from pathlib import Path

import pytest

import atomtrig
from atomtrig import cli
from atomtrig.atomese import Interpreter
from atomtrig.atomese.repl import needs_more_input, repl_loop


def atomtrig_cmd(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "atomtrig.cli", *args],
        capture_output=True, text=True, input=stdin, timeout=120,
    )


def test_subcommands_are_found_in_the_commands_package() -> None:
    names = {m.NAME for m in cli.command_modules()}
    assert {"run", "repl", "check", "load", "dump"} <= names


def test_a_new_subcommand_module_plugs_in() -> None:
    calls = []
    module = types.ModuleType("atomtrig.commands.hello")
    module.NAME = "hello"  # type: ignore[attr-defined]
    module.HELP = "say hello"  # type: ignore[attr-defined]
    module.configure = lambda p: p.add_argument("who")  # type: ignore[attr-defined]
    module.run = lambda args: calls.append((args.who, args.allow_module)) or 3  # type: ignore[attr-defined]
    parser = cli.build_parser([module])
    args = parser.parse_args(["hello", "--allow-module", "m1", "world"])
    assert args._module.run(args) == 3
    assert calls == [("world", ["m1"])]


def test_common_arguments_and_space_hooks() -> None:
    module = types.ModuleType("atomtrig.commands.store_like")
    module.NAME = "noop"  # type: ignore[attr-defined]
    module.configure = lambda p: None  # type: ignore[attr-defined]
    module.run = lambda args: 0  # type: ignore[attr-defined]
    module.add_common_arguments = lambda p: p.add_argument("--store")  # type: ignore[attr-defined]
    args = cli.build_parser([module]).parse_args(["noop", "--store", "x.db"])
    assert args.store == "x.db"


def test_run_prints_and_exits_zero(tmp_path: Path) -> None:
    script = tmp_path / "ok.scm"
    script.write_text('(define c (Concept "cat"))\n(display c)\n(format #t "~a~%" (cog-name c))')
    result = atomtrig_cmd("run", str(script))
    assert result.returncode == 0, result.stderr
    assert result.stdout == '(ConceptNode "cat")\ncat\n'


def test_run_reports_a_syntax_error_with_place_and_caret(tmp_path: Path) -> None:
    script = tmp_path / "bad.scm"
    script.write_text('(display "runs not")\n(Inheritance (Concept "a")\n')
    result = atomtrig_cmd("run", str(script))
    assert result.returncode == 1
    assert result.stdout == ""  # nothing ran
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{script}:2:27: syntax error:")
    assert lines[1] == '  (Inheritance (Concept "a")'
    assert lines[2] == "  " + " " * 26 + "^"
    assert "expected" in lines[3]
    assert "Traceback" not in result.stderr


def test_run_reports_a_runtime_error_after_what_ran(tmp_path: Path) -> None:
    script = tmp_path / "fails.scm"
    script.write_text('(display "before")\n(newline)\n(cog-name 42)\n(display "after")\n')
    result = atomtrig_cmd("run", str(script))
    assert result.returncode == 1
    assert result.stdout == "before\n"
    assert result.stderr.startswith(f"{script}:3:1: error: cog-name: the argument must be an atom, not 42")
    assert "in (cog-name 42)" in result.stderr


def test_run_several_files_share_one_space(tmp_path: Path) -> None:
    (tmp_path / "a.scm").write_text('(define x (Concept "shared"))')
    (tmp_path / "b.scm").write_text("(display (cog-name x))")
    result = atomtrig_cmd("run", str(tmp_path / "a.scm"), str(tmp_path / "b.scm"))
    assert result.stdout == "shared" and result.returncode == 0


def test_check(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.scm", tmp_path / "bad.scm"
    good.write_text('(display "x") (car 1)')  # runtime errors are not checked
    bad.write_text("(a))")
    result = atomtrig_cmd("check", str(good))
    assert result.returncode == 0 and "ok, 2 top-level forms" in result.stdout
    result = atomtrig_cmd("check", str(good), str(bad))
    assert result.returncode == 1 and f"{bad}:1:4: syntax error" in result.stderr


def test_load_and_dump_round_trip(tmp_path: Path) -> None:
    dump = tmp_path / "atoms.scm"
    dump.write_text(
        '(Inheritance (stv 0.9 0.8) (Concept "cat") (Concept "animal"))\n'
        '(cog-set-value! (Concept "cat") (Predicate "legs") (FloatValue 4))\n'
    )
    result = atomtrig_cmd("load", "--dump", str(dump))
    assert result.returncode == 0, result.stderr
    assert "4 atoms loaded" in result.stderr
    again = tmp_path / "again.scm"
    again.write_text(result.stdout)
    second = atomtrig_cmd("dump", str(again))
    assert second.returncode == 0 and second.stdout == result.stdout
    assert "(FloatValue 4)" in second.stdout and "(stv 0.9 0.8)" in second.stdout


def test_load_refuses_scheme_code(tmp_path: Path) -> None:
    script = tmp_path / "code.scm"
    script.write_text('(Concept "a")\n(define b 1)\n')
    result = atomtrig_cmd("load", str(script))
    assert result.returncode == 1
    assert f"{script}:2:1: error: (define ...) is Scheme code" in result.stderr


def test_dump_after_running_a_script(tmp_path: Path) -> None:
    script = tmp_path / "s.scm"
    script.write_text('(define (mk n) (Concept n)) (List (mk "a") (mk "b"))')
    result = atomtrig_cmd("dump", "--run", str(script))
    assert result.stdout == '(ListLink\n  (ConceptNode "a")\n  (ConceptNode "b"))\n'


def test_allow_module_option_reaches_the_executor() -> None:
    cli.build_parser()  # the option exists on every subcommand
    from atomtrig.query.grounded import allowed_modules, disallow_module

    module = types.ModuleType("atomtrig.commands.probe")
    module.NAME = "probe"  # type: ignore[attr-defined]
    module.configure = lambda p: None  # type: ignore[attr-defined]
    module.run = lambda args: 0  # type: ignore[attr-defined]
    original = cli.command_modules
    cli.command_modules = lambda: [module]  # type: ignore[assignment]
    try:
        assert cli.main(["probe", "--allow-module", "json"]) == 0
        assert "json" in allowed_modules()
    finally:
        cli.command_modules = original  # type: ignore[assignment]
        disallow_module("json")


# -- the REPL --------------------------------------------------------------------------------
def test_repl_loop_with_multi_line_input_and_errors() -> None:
    lines = iter([
        "(define (sq x)", "  (* x x))", "(sq 7)", '(Concept "a"', '  (stv 0.5 0.5))',
        "(car '())", '(display "hi")', '"str"', "",
    ])
    prompts: list[str] = []
    out: list[str] = []

    def read_line(prompt: str) -> str | None:
        prompts.append(prompt)
        return next(lines, None)

    repl_loop(Interpreter(atomtrig.AtomSpace(), out=_Collect(out)), read_line, out.append)
    text = "".join(out)
    assert text == (
        '49\n(ConceptNode "a" (stv 0.5 0.5))\n<repl>:1:1: error: car: () is not a non-empty list\n'
        '  in (car (quote ()))\nhi"str"\n'
    )
    assert prompts[1].startswith("...") and prompts[0].startswith("atomese>")


class _Collect:
    def __init__(self, out: list[str]) -> None:
        self.out = out

    def write(self, text: str) -> None:
        self.out.append(text)


@pytest.mark.parametrize(
    "text, more",
    [("(a", True), ("(a)", False), ('(a ")"', True), ("(a ; )\n", True), ("(a #| ) |# ", True),
     ("#\\( ", False), ('"abc', True), ("", False)],
)
def test_needs_more_input(text: str, more: bool) -> None:
    assert needs_more_input(text) is more


def test_repl_reads_plain_stdin_when_not_a_terminal() -> None:
    result = atomtrig_cmd("repl", stdin='(define x 40)\n(+ x\n   2)\n(Concept "z")\n')
    assert result.returncode == 0, result.stderr
    assert result.stdout == '42\n(ConceptNode "z")\n'


def test_main_returns_a_status() -> None:
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert isinstance(cli.build_parser(), argparse.ArgumentParser)
