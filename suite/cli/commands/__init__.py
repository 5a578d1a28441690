"""Subcommands that need no Keras backend: each module has ``add(subparsers)`` and ``main(args)``.

``suite.cli.main`` registers them with ``register`` and hands a parsed command to ``COMMANDS``. The
commands that plan a study (``run``, ``report``, ``search``, ``list``, ``keys``) are in
``suite.cli.commands.training``, which ``suite.cli.main`` calls once it has chosen the backend.
"""
from __future__ import annotations

from suite.cli.commands import clean, compare, export, show, site

COMMANDS = {"site": site, "export": export, "show": show, "compare": compare, "clean": clean}


def register(subparsers) -> None:
    for module in COMMANDS.values():
        module.add(subparsers)


def main(args) -> int:
    return COMMANDS[args.command].main(args)
