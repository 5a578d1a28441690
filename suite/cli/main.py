"""The ``suite`` command. The only module that parses arguments or chooses the Keras backend."""
from __future__ import annotations

import argparse
import atexit
import os
import signal
import sys
from pathlib import Path

from suite import backend, interrupt
from suite.backend import BACKENDS
from suite.cli.arguments import (PROFILE_HELP, ProfileHelp, cluster, dataset_name, directory, factor,
                                 max_epochs, max_trials, output_flags, oversubscribed, population,
                                 profile_name, seeds, wait_seconds, workers)
from suite.console import hide_library_noise, say
from suite.errors import GaveUp, UserError
from suite.cli.commands import register
from importlib.metadata import PackageNotFoundError, version
from suite.cli.commands import COMMANDS, main as command_main, training
from suite.execution import mlflow_tracking, tracking
from suite.store.files import PATH_ERRNOS, describe

FIGURE_FORMATS = ("png", "svg", "pdf")  # the matplotlib writers a report uses


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line and exit 2, as for every other bad input
        raise UserError(f"{message} (see `{self.prog} --help`)")


def _figure_formats(text: str) -> tuple[str, ...]:
    formats = tuple(dict.fromkeys(part.strip().lower() for part in text.split(",") if part.strip()))
    unknown = [form for form in formats if form not in FIGURE_FORMATS]
    if unknown or "png" not in formats:
        raise argparse.ArgumentTypeError(f"'{text}': give png plus any of svg, pdf, comma-separated (e.g. png,svg,pdf)")
    return formats


def _wait_settings(args) -> None:
    """The wait bound into the environment (``suite.store.lock.wait_seconds`` reads it)."""
    if getattr(args, "wait_seconds", None) is not None:
        os.environ["SUITE_WAIT_S"] = repr(args.wait_seconds)
    if getattr(args, "cluster", None) and getattr(args, "workers", 1) > 1:
        raise UserError(f"--workers {args.workers} and --cluster {args.cluster}: give one (--workers N is "
                        f"--cluster local:N)")


def _choose_backend(requested: str, flag: bool = True) -> None:
    """Keras reads KERAS_BACKEND once, at import: decide before anything imports it. ``flag``:
    the command has ``--backend``."""
    backend.choose(requested, flag=flag)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="suite", description="Lecture deep-learning experiments as repeatable studies.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    parser.add_argument("--version", action="store_true", help="print the suite's version and exit")
    for name, text in (("list", "studies, datasets and profiles"),
                       ("keys", "every trial-config key: type, default, allowed values, meaning")):
        output_flags(commands.add_parser(name, help=text))
    for name, text in (("run", "train a study's missing trials, then write its report"),
                       ("report", "rebuild results/<study>/ from stored trials, no training"),
                       ("search", "keras-tuner search over a study's space, then the best over seeds")):
        sub = commands.add_parser(name, help=text, formatter_class=ProfileHelp)
        output_flags(sub)
        sub.add_argument("study")
        sub.add_argument("--profile", type=profile_name, default=None, help=PROFILE_HELP)
        sub.add_argument("--dataset", type=dataset_name, default=None, help="replace the profile's dataset")
        sub.add_argument("--seeds", type=seeds, default=None, help="number of seeds (0..N-1), 1 to 10000")
        sub.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                         help="override a config key, e.g. --set epochs=5 (repeatable)")
        sub.add_argument("--runs-dir", type=directory, default=Path(os.environ.get("SUITE_RUNS_DIR", "runs")),
                         help="where trial records are stored (default: runs/)")
        sub.add_argument("--results-dir", type=directory, default=None,
                         help="where reports are written (default: results/, in a subdirectory named "
                              "by the selection when it differs from the profile)")
        sub.add_argument("--backend", choices=BACKENDS, default="auto",
                         help="Keras backend (auto: $KERAS_BACKEND, else jax if installed)")
        sub.add_argument("--deterministic", action="store_true",
                         help="bit-identical reruns: TF op determinism, oneDNN off (slower)")
        sub.add_argument("--figure-format", type=_figure_formats, default=("png", "svg"), metavar="png,svg,pdf",
                         help="figure files written per plot (default png,svg)")
        if name == "search":
            sub.add_argument("--tuner", default="hyperband", choices=("random", "bayesian", "hyperband", "grid"))
            sub.add_argument("--max-trials", type=max_trials, default=30, help="search budget (default 30)")
            sub.add_argument("--objective", default="val_accuracy", metavar="OBJECTIVE",
                             help="val_accuracy (default), val_loss, or METRIC:max|min for any logged dev "
                                  "metric, e.g. mean_dev_accuracy:max")
            sub.add_argument("--max-epochs", type=max_epochs, default=None,
                             help="Hyperband's largest round and the best config's re-run (default: the profile's epochs)")
            sub.add_argument("--factor", type=factor, default=3, help="Hyperband's reduction factor, 2 to 100 "
                             "(default 3)")
            sub.add_argument("--keep-models", choices=("best", "all", "none"), default="best",
                             help="save best_model.keras (seed 0; 'all': every re-run seed) next to the report")
        if name in ("run", "search"):
            sub.add_argument("--fresh", action="store_true", help="discard stored trials and start over")
            sub.add_argument("--plain", action="store_true",
                             help="plain fit loop (no XLA, one step per execution), for comparison")
            sub.add_argument("--population", type=population, default=None, metavar="N",
                             help="train up to N trials that differ only in seed, learning rate or data "
                                  "as one population on JAX (default: up to 16 on a CPU, 256 on a GPU)")
            sub.add_argument("--no-population", action="store_true",
                             help="train one trial at a time (no populations)")
            sub.add_argument("--workers", type=workers, default=1,
                             help="trainers on this machine (default 1: train in this process): this process "
                                  "and N - 1 Dask worker processes; the same as --cluster local:N; at most 4 per core")
            sub.add_argument("--cluster", type=cluster, default=None, metavar="local:N|tcp://HOST:PORT",
                             help="train on a Dask cluster: local:N trainers here (as --workers N), or the Dask "
                                  "scheduler at that address (its workers: `dask worker tcp://HOST:PORT`)")
            sub.add_argument("--tensorboard", type=Path, default=None, metavar="DIR",
                             help="write TensorBoard event files while trials train (tensorboard --logdir DIR)")
            sub.add_argument("--mlflow", nargs="?", const=mlflow_tracking.DEFAULT, default=None, metavar="URI",
                             help="log each trial (config, per-epoch metrics, status) and the report to MLflow: "
                                  f"a directory or tracking URI (default {mlflow_tracking.DEFAULT}; "
                                  f"needs {mlflow_tracking.INSTALL})")
            sub.add_argument("--wait-seconds", type=wait_seconds, default=None,
                             help="longest wait for a Dask scheduler, for its workers or for another run of "
                                  "the same study before giving up with exit 3 (default $SUITE_WAIT_S or 600)")

    register(commands)  # site, export, show, compare, clean
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if hasattr(signal, "SIGXFSZ"):  # over a file-size limit (ulimit -f) a write fails with EFBIG: one line
        try:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        except ValueError:  # not the main thread (called in-process): Python ignores it from the start
            pass
    if argv[:1] == ["--version"]:
        try:
            print(f"suite {version('suite')}")
        except PackageNotFoundError:
            print("suite (not installed: run from a checkout)")
        return 0
    with interrupt.handled():
        try:
            code = _main(argv)
            interrupt.check()  # a stop whose KeyboardInterrupt was swallowed after the last check
            return code
        except KeyboardInterrupt:
            print(f"suite: {interrupt.NAMES.get(interrupt.received(), 'interrupted')}; finished "
                  f"trials are kept, rerun the same command to resume where it stopped", file=sys.stderr)
            return interrupt.exit_code()


def _main(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
        if getattr(args, "quiet", False):
            os.environ["SUITE_QUIET"] = "1"  # read by the progress lines; workers inherit it
        hide_library_noise(getattr(args, "verbose", False))
        # Every command, also those that train nothing: a study module may import keras-tuner,
        # and so Keras, which reads KERAS_BACKEND once, at import.
        _choose_backend(getattr(args, "backend", "auto"), flag=hasattr(args, "backend"))
        warning = oversubscribed(args.workers) if hasattr(args, "workers") else None
        if warning:
            say(f"suite: warning: {warning}")

        if args.command == "list":
            return training.list_studies()

        if args.command in COMMANDS:  # no Keras backend needed
            return command_main(args)
        _wait_settings(args)
        if getattr(args, "tensorboard", None) is not None:  # read by the progress hooks; workers inherit it
            os.environ[tracking.ENV] = str(args.tensorboard.resolve())
        if getattr(args, "mlflow", None) is not None:  # refused here when not installed; workers inherit it
            mlflow_tracking.configure(args.mlflow)
        if getattr(args, "deterministic", False):
            # Read by TensorFlow at import and by suite.training.train; workers inherit them.
            os.environ.update(SUITE_DETERMINISTIC="1", TF_DETERMINISTIC_OPS="1", TF_ENABLE_ONEDNN_OPTS="0")
        if args.command == "keys":
            hide_library_noise(getattr(args, "verbose", False), load_tensorflow=True)
            return training.keys()
        # run and search load TensorFlow and keras-tuner (so Keras) silently once their Dask workers
        # are starting: a local worker's own Keras import then overlaps with this process's
        if args.command == "search":
            return training.search_study(args, argv)
        return training.run_study(args, argv, train=args.command == "run")
    except UserError as exc:
        print(f"suite: error: {' '.join(str(exc).split())}", file=sys.stderr)  # one line, whatever a text held
        return 2
    except GaveUp as exc:
        print(f"suite: gave up: {exc}", file=sys.stderr)
        return 3
    except OSError as exc:
        if exc.errno not in PATH_ERRNOS:
            raise
        print(f"suite: error: {describe(exc)}", file=sys.stderr)
        return 2


def console() -> None:
    code = main()
    # The work is done and on disk (records are fsynced, reports swapped in whole). Leave without
    # the interpreter's own shutdown: tearing down JAX or TensorFlow takes seconds on a busy
    # machine, and during it CPython has reset SIGINT to SIG_DFL, so a Ctrl-C landing then killed
    # the process with no line and a signal status instead of 130. From here a stop signal ends
    # the exit at once with 128 + its number.
    for signum in interrupt.SIGNALS:
        signal.signal(signum, _exit_now)
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _exit_now(signum, frame) -> None:
    os._exit(128 + signum)


if __name__ == "__main__":
    console()
