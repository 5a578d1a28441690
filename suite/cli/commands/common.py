"""Arguments shared by the subcommands of this package."""
from __future__ import annotations

import os
from pathlib import Path

from suite.cli.arguments import PROFILE_HELP, ProfileHelp, dataset_name, directory, profile_name, seeds


def results_dir(parser) -> None:
    parser.add_argument("--results-dir", type=directory, default=Path(os.environ.get("SUITE_RESULTS_DIR", "results")),
                        help="where reports are written (default: results/)")


def runs_dir(parser, **kwargs) -> None:
    parser.add_argument("--runs-dir", type=directory, default=Path(os.environ.get("SUITE_RUNS_DIR", "runs")),
                        help="where trial records are stored (default: runs/)", **kwargs)


def selection(parser) -> None:
    parser.formatter_class = ProfileHelp  # --help lists each study's profiles
    parser.add_argument("study", help="a study name (see `suite list`) or a path to a study file")
    parser.add_argument("--profile", type=profile_name, default=None, help=PROFILE_HELP)
    parser.add_argument("--dataset", type=dataset_name, default=None, help="replace the profile's dataset")
    parser.add_argument("--seeds", type=seeds, default=None, help="number of seeds (0..N-1), 1 to 10000")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a config key, as on `suite run` (selects the same trials)")


def plan(args):
    """The plan the same selection flags give on `suite run`."""
    from suite.design.plugins import find_study  # deferred: loads pandas and scikit-learn
    from suite.design.study import DEFAULT_PROFILE, expand, parse_overrides  # deferred: loads pandas and scikit-learn

    return expand(find_study(args.study), DEFAULT_PROFILE if args.profile is None else args.profile, args.dataset, args.seeds,
                  parse_overrides(args.overrides))
