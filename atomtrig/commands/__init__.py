"""Subcommands of the ``atomtrig`` command, one module each.

A module here is a subcommand when it defines:

- ``NAME`` (the subcommand, e.g. ``"run"``) and ``HELP`` (one line for ``atomtrig --help``);
- ``configure(parser)``: add its arguments to its ``argparse`` sub-parser;
- ``run(args) -> int``: do the work; the exit status.

It may also define ``add_common_arguments(parser)`` (options every subcommand takes, such as
``--store``) and ``open_space(args)`` (return the AtomSpace commands work on, or None to leave
it to the default in-memory space); :func:`atomtrig.cli.make_space` asks these hooks.
"""
