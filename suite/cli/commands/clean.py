"""``suite clean STUDY``: remove a study's stored trials, after a confirmation prompt.

It removes only ``RUNS_DIR/<study>[/<profile>]``: both names are checked as directory names
(``suite.design.names``), and the path is resolved first: a symbolic link that would lead out of
that place in the store is refused, never followed (``suite.store.cleanup.inside``).
"""
from __future__ import annotations

import shutil
import sys

from suite.cli.arguments import profile_name
from suite.cli.commands import common
from suite.design import names
from suite.errors import UserError
from suite.store import cleanup


def add(subparsers) -> None:
    parser = subparsers.add_parser("clean", help="remove a study's stored trials (asks first; --yes skips)")
    parser.add_argument("study", help="a study name (see `suite list`) or a path to a study file")
    parser.add_argument("--profile", type=profile_name, default=None,
                        help="only this profile's trials (default: every profile)")
    common.runs_dir(parser)
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")


def main(args) -> int:
    from suite.design.plugins import find_study  # deferred: loads pandas and scikit-learn

    study = find_study(args.study)
    target = names.study_dir(args.runs_dir, study.name, args.profile)
    if not (target.exists() or target.is_symlink()):
        print(f"nothing to remove: {target} does not exist")
        return 0
    real = cleanup.inside(target, args.runs_dir)
    if not real.is_dir():
        raise UserError(f"{target} is not a directory of the store; move it away by hand")
    records = cleanup.count_records(real)
    what = f"{real} ({records} stored records of study '{study.name}'"
    what += f", profile {args.profile})" if args.profile else ", every profile)"
    if not args.yes:
        if not sys.stdin.isatty():
            raise UserError(f"`suite clean {args.study}` would remove {what}; confirm with --yes "
                            f"(no terminal to ask on)")
        try:
            answer = input(f"remove {what}? [y/N] ")
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing removed")
            return 0
    shutil.rmtree(real)
    print(f"removed {what}")
    return 0
