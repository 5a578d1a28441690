"""The ``suite`` command. The only module that parses arguments or chooses the Keras backend."""
from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from pathlib import Path

from suite.errors import UserError

BACKENDS = ("auto", "tensorflow", "jax")


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line and exit 2, as for every other bad input
        raise UserError(f"{message} (see `{self.prog} --help`)")


def _choose_backend(requested: str) -> None:
    """Keras reads KERAS_BACKEND once, at import: decide before anything imports it."""
    if requested == "auto":
        requested = os.environ.get("KERAS_BACKEND") or (
            "jax" if importlib.util.find_spec("jax") else "tensorflow")
    if importlib.util.find_spec(requested) is None:
        raise UserError(f"backend '{requested}' is not installed; pip install 'suite[jax]' "
                        f"or use --backend tensorflow")
    os.environ["KERAS_BACKEND"] = requested
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="suite", description="Lecture deep-learning experiments as repeatable studies.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    commands.add_parser("list", help="studies, datasets and profiles")
    for name, text in (("run", "train a study's missing trials, then write its report"),
                       ("report", "rebuild results/<study>/ from stored trials, no training")):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("study")
        sub.add_argument("--profile", default=None, help="smoke | quick (default) | paper")
        sub.add_argument("--dataset", default=None, help="replace the profile's dataset")
        sub.add_argument("--seeds", type=int, default=None, help="number of seeds (0..N-1)")
        sub.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                         help="override a config key, e.g. --set epochs=5 (repeatable)")
        sub.add_argument("--runs-dir", type=Path, default=Path(os.environ.get("SUITE_RUNS_DIR", "runs")),
                         help="where trial records are stored (default: runs/)")
        sub.add_argument("--results-dir", type=Path,
                         default=Path(os.environ.get("SUITE_RESULTS_DIR", "results")),
                         help="where reports are written (default: results/)")
        sub.add_argument("--backend", choices=BACKENDS, default="auto",
                         help="Keras backend (auto: $KERAS_BACKEND, else jax if installed)")
        if name == "run":
            sub.add_argument("--fresh", action="store_true", help="discard stored trials and start over")
            sub.add_argument("--plain", action="store_true",
                             help="plain fit loop (no XLA, one step per execution), for comparison")
    return parser


def _plan(args):
    from studies import STUDIES
    from suite.errors import lookup
    from suite.study import DEFAULT_PROFILE, expand, parse_overrides

    study = lookup(STUDIES, args.study, "study")
    profile = args.profile or DEFAULT_PROFILE
    return expand(study, profile, args.dataset, args.seeds, parse_overrides(args.overrides))


def _results_dir(args, plan) -> Path:
    from suite.study import DEFAULT_PROFILE

    out = args.results_dir / plan.study.name
    return out if plan.profile == DEFAULT_PROFILE else out / plan.profile


def _check_writable(directory: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / ".write-probe"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise UserError(f"cannot write to {directory} ({exc.strerror}); choose another directory "
                        f"with --results-dir / --runs-dir") from None


def _list() -> int:
    from studies import STUDIES
    from suite.datasets import DATASETS

    print("studies:")
    for name, study in STUDIES.items():
        print(f"  {name:16} {study.claim}")
        print(f"  {'':16} profiles: {', '.join(study.profiles)}")
    print("datasets:")
    for name, loader in DATASETS.items():
        print(f"  {name:16} {(loader.__doc__ or '').strip().splitlines()[0]}")
    return 0


def _run(args, train: bool) -> int:
    from suite import runner
    from suite.report import write_report

    plan = _plan(args)
    out = _results_dir(args, plan)
    _check_writable(out)
    if train:
        _check_writable(args.runs_dir)
        runner.run_plan(plan, args.runs_dir, fresh=args.fresh, fast=not args.plain)
    records = runner.stored_records(plan, args.runs_dir)
    write_report(plan, records, out)
    counts = {status: sum(r["status"] == status for r in records) for status in ("done", "diverged", "failed")}
    missing = len(plan.trials) - len(records)
    print(f"[{plan.study.name}] wrote {out}/ ({counts['done']} done, {counts['diverged']} diverged, "
          f"{counts['failed']} failed, {missing} missing)")
    if counts["failed"]:
        failed = [r for r in records if r["status"] == "failed"]
        print(f"[{plan.study.name}] {len(failed)} trial(s) failed, first: {failed[0]['key']}: "
              f"{failed[0]['error']}; rerun to retry them", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
        if args.command == "list":
            return _list()
        _choose_backend(args.backend)
        return _run(args, train=args.command == "run")
    except UserError as exc:
        print(f"suite: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("suite: interrupted; rerun the same command to resume where it stopped", file=sys.stderr)
        return 130


def console() -> None:
    sys.exit(main())


if __name__ == "__main__":
    console()
