"""Run pipelines over case suites and inspect their run logs (see ``atomtrig.pipeline``)."""

from __future__ import annotations

import argparse

NAME = "pipeline"
HELP = "run pipelines over case suites; rerun, summarize, format and compare their runs"


def configure(parser: argparse.ArgumentParser) -> None:
    from atomtrig.pipeline.cli import _add_commands

    _add_commands(parser)


def run(args: argparse.Namespace) -> int:
    from atomtrig.pipeline.cli import run as run_pipeline_command

    return run_pipeline_command(args)
