"""``suite export tensorboard STUDY DIR``: TensorBoard event files from the stored trials of one
selection; ``suite export parquet DIR``: one table of every stored trial and one of every epoch."""
from __future__ import annotations

from pathlib import Path

from suite.cli.commands import common
from suite.cli.commands.compare import stored
from suite.errors import UserError
from suite.reporting import tensorboard_export

FORMATS = ("tensorboard", "parquet")


def add(subparsers) -> None:
    parser = subparsers.add_parser("export", help="export stored trials (tensorboard: event files + HParams; "
                                                  "parquet: every trial of every study as two tables)")
    formats = parser.add_subparsers(dest="format", required=True, metavar="{tensorboard,parquet}")
    board = formats.add_parser("tensorboard", help="one selection's trials as TensorBoard runs with HParams")
    common.selection(board)
    board.add_argument("out", type=Path, help="directory for the event files (then tensorboard --logdir OUT)")
    common.runs_dir(board)
    table = formats.add_parser("parquet", help="trials.parquet and history.parquet of every stored trial")
    table.add_argument("out", type=Path, help="directory for the two files")
    common.runs_dir(table)


def main(args) -> int:
    if args.format == "parquet":
        return _parquet(args)
    plan = common.plan(args)
    records = stored(plan, args.runs_dir)
    if not records:
        raise UserError(f"no stored trials of study '{plan.study.name}' (profile {plan.profile}) in "
                        f"{args.runs_dir}; run `suite run {args.study}` first or pass --runs-dir")
    runs = tensorboard_export.export(records, plan.axes, args.out)  # all files or none, one line if refused
    print(f"wrote {len(runs)} runs to {args.out}/; view them with `tensorboard --logdir {args.out}`")
    return 0


def _parquet(args) -> int:
    from suite import api  # deferred: loads pandas (and Keras, through the API's other functions)
    from suite.reporting import parquet_export  # deferred: loads pandas

    catalog = api.load_all(args.runs_dir)
    if catalog.trials.empty:
        raise UserError(f"no stored trials under {args.runs_dir}; run a study first or pass --runs-dir")
    paths = parquet_export.export(catalog.trials, catalog.history, args.out)
    print(f"wrote {', '.join(str(p) for p in paths)} ({len(catalog.trials)} trials, {len(catalog.history)} epochs)")
    return 0
