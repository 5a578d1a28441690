"""``suite clean STUDY``: remove a study's stored trials, after a confirmation prompt."""
from __future__ import annotations

import shutil
import sys

from suite.cli.commands import common
from suite.errors import UserError


def add(subparsers) -> None:
    parser = subparsers.add_parser("clean", help="remove a study's stored trials (asks first; --yes skips)")
    parser.add_argument("study", help="a study name (see `suite list`) or a path to a study file")
    parser.add_argument("--profile", default=None, help="only this profile's trials (default: every profile)")
    common.runs_dir(parser)
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")


def main(args) -> int:
    from suite.design.plugins import find_study  # deferred: loads pandas and scikit-learn

    study = find_study(args.study)
    target = args.runs_dir / study.name / (args.profile or "")
    records = sorted(target.rglob("*.json")) if target.is_dir() else []
    if not target.is_dir():
        print(f"nothing to remove: {target} does not exist")
        return 0
    if not args.yes:
        if not sys.stdin.isatty():
            raise UserError(f"`suite clean {args.study}` would remove {target}; confirm with --yes "
                            f"(no terminal to ask on)")
        try:
            answer = input(f"remove {target} ({len(records)} stored records of study '{study.name}')? [y/N] ")
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing removed")
            return 0
    shutil.rmtree(target)
    print(f"removed {target} ({len(records)} stored records)")
    return 0
