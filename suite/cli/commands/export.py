"""``suite export tensorboard STUDY DIR``: TensorBoard event files from the stored trials."""
from __future__ import annotations

from pathlib import Path

from suite.cli.commands import common
from suite.cli.commands.compare import stored
from suite.errors import UserError
from suite.reporting import tensorboard_export

FORMATS = ("tensorboard",)


def add(subparsers) -> None:
    parser = subparsers.add_parser("export", help="export stored trials (tensorboard: event files + HParams)")
    parser.add_argument("format", choices=FORMATS)
    common.selection(parser)
    parser.add_argument("out", type=Path, help="directory for the event files (then tensorboard --logdir OUT)")
    common.runs_dir(parser)


def main(args) -> int:
    plan = common.plan(args)
    records = stored(plan, args.runs_dir)
    if not records:
        raise UserError(f"no stored trials of study '{plan.study.name}' (profile {plan.profile}) in "
                        f"{args.runs_dir}; run `suite run {args.study}` first or pass --runs-dir")
    runs = tensorboard_export.export(records, plan.axes, args.out)  # all files or none, one line if refused
    print(f"wrote {len(runs)} runs to {args.out}/; view them with `tensorboard --logdir {args.out}`")
    return 0
