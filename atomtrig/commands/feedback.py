"""Serve deferred feedback evaluations and read feedback results (see ``atomtrig.feedback``)."""

from __future__ import annotations

import argparse

NAME = "feedback"
HELP = "deferred feedback server (serve), leaderboard and per-record feedback results"


def configure(parser: argparse.ArgumentParser) -> None:
    from atomtrig.feedback.cli import _add_commands

    _add_commands(parser)


def run(args: argparse.Namespace) -> int:
    from atomtrig.feedback.cli import run as run_feedback_command

    return run_feedback_command(args)
