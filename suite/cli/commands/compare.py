"""``suite compare STUDY --runs-dir A --runs-dir B``: two stores of one study side by side."""
from __future__ import annotations

import math
import warnings

from pathlib import Path

from suite.cli.commands import common
from suite.errors import UserError


def add(subparsers) -> None:
    parser = subparsers.add_parser("compare", help="two stores of one study side by side, difference per point")
    common.selection(parser)
    parser.add_argument("--runs-dir", dest="runs_dirs", type=str, action="append", default=[], required=True,
                        help="a store to compare (give it twice: A, then B)")


def stored(plan, runs_dir) -> list[dict]:
    """The stored records of exactly this selection: the trials `suite report` reads for the same
    flags (nuisance-tuned keys resolved from the stored searches), none when nothing is stored.
    A record of another selection (other --seeds, --set or --dataset) is never mixed in."""
    from suite import api  # deferred: loads Keras and keras-tuner (the plan's validation and searches)

    try:
        return api.execute(plan, Path(runs_dir), None, train=False).records
    except UserError as exc:
        if str(exc).startswith("no stored trials"):
            return []
        raise


def comparison(plan, records_a: list[dict], records_b: list[dict]):
    """One row per point and metric: mean and seed count in A and B, B - A and Welch's two-sided p.

    Welch's t-test (B. L. Welch, Biometrika 34, 1947) on the finished seeds of each side; p is NaN
    with fewer than two seeds on a side. Returns a DataFrame.
    """
    import pandas as pd  # deferred: loads pandas
    from scipy import stats  # deferred: loads SciPy

    from suite.analysis import frames as analysis  # deferred: loads pandas and scikit-learn

    axes = plan.axes
    frames = [analysis.trials_frame(records, axes) for records in (records_a, records_b)]
    rows = []
    points = list(dict.fromkeys(tuple(r) for f in frames for r in f[axes].itertuples(index=False, name=None)))
    for point in points:
        for metric in plan.study.metrics:
            values = []
            for frame in frames:
                chosen = frame[(frame[axes].apply(tuple, axis=1) == point) & (frame.status == "done")]
                values.append(chosen[metric].dropna().astype(float) if metric in chosen else pd.Series(dtype=float))
            a, b = values
            with warnings.catch_warnings():  # identical seeds on both sides: p is NaN, said as such
                warnings.simplefilter("ignore", RuntimeWarning)
                p = (stats.ttest_ind(b, a, equal_var=False).pvalue if min(len(a), len(b)) > 1 else math.nan)
            rows.append({**dict(zip(axes, point)), "metric": metric, "n A": len(a), "mean A": a.mean(),
                         "n B": len(b), "mean B": b.mean(), "B - A": b.mean() - a.mean(), "Welch p": p})
    return pd.DataFrame(rows)


def main(args) -> int:
    if len(args.runs_dirs) != 2:
        raise UserError(f"give exactly two stores, --runs-dir A --runs-dir B (got {len(args.runs_dirs)})")
    plan = common.plan(args)
    records = [stored(plan, runs_dir) for runs_dir in args.runs_dirs]
    for runs_dir, found in zip(args.runs_dirs, records):
        if not found:
            raise UserError(f"no stored trials of study '{plan.study.name}' (profile {plan.profile}) in "
                            f"{runs_dir}; check the --runs-dir and --profile")
    table = comparison(plan, *records)
    print(f"{plan.study.name} ({plan.profile}): A = {args.runs_dirs[0]}, B = {args.runs_dirs[1]}")
    print(table.to_markdown(index=False, floatfmt=".4g"))
    return 0
