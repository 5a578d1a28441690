"""What the suite prints: its own lines only (libraries' banners hidden unless --verbose), in words.

TensorFlow, XLA and absl write start-up banners and warnings ("Could not find cuda drivers",
"oneDNN custom operations are on", a cuInit error) straight to file descriptor 2 while
TensorFlow's shared libraries load, before any Python-level logging setting applies. On the
TensorFlow backend the suite loads it once up front with that descriptor pointed at /dev/null,
and sets the log levels TensorFlow, gRPC and absl read afterwards. On the JAX backend TensorFlow
is not loaded at all (several seconds of start-up): Keras would import it only to seed it and
to rule out its types when saving a model (``suite.training.without_tensorflow``).
"""
from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import sys
import warnings


def quiet() -> bool:
    """--quiet: no progress lines, only results and errors (workers inherit it)."""
    return os.environ.get("SUITE_QUIET") == "1"


def say(text: str) -> None:
    """A progress line on stderr, unless --quiet."""
    if not quiet():
        print(text, file=sys.stderr, flush=True)


@contextlib.contextmanager
def _descriptor_2_silenced():
    sys.stderr.flush()
    saved = os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)


def hide_library_noise(verbose: bool, load_tensorflow: bool = False) -> None:
    """Before Keras is imported: library log levels down, and with ``load_tensorflow`` (once
    KERAS_BACKEND is set: TensorFlow imports Keras) TensorFlow loaded silently when it is the
    backend. With ``verbose`` everything is left as the libraries print it."""
    if verbose:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # errors too: the suite reports its own
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
    os.environ.setdefault("GLOG_minloglevel", "3")
    warnings.filterwarnings("ignore")
    logging.getLogger("absl").setLevel(logging.ERROR)
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    if (load_tensorflow and os.environ.get("KERAS_BACKEND") == "tensorflow" and "tensorflow" not in sys.modules
            and importlib.util.find_spec("tensorflow") is not None):
        with _descriptor_2_silenced():
            import tensorflow  # deferred: loads TensorFlow

            if os.environ.get("KERAS_BACKEND") == "tensorflow":
                # Device discovery logs a cuInit error through absl on a machine without a GPU
                # driver, whatever TF_CPP_MIN_LOG_LEVEL says: do it here, silenced.
                tensorflow.config.list_physical_devices()
    if load_tensorflow:
        from keras_tuner.src import config as keras_tuner_config  # deferred: loads keras-tuner

        # keras-tuner prints a full traceback for every failed trial; the suite stores the error
        # with the trial and names it in its summary line.
        keras_tuner_config.DEBUG = False


def plural(count: int, word: str) -> str:
    """'1 seed', '3 seeds'."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def counts(by_status: dict) -> str:
    """{'done': 40, 'failed': 2} -> '40 done, 2 failed'."""
    return ", ".join(f"{n} {status}" for status, n in by_status.items()) or "none"


def percent(fraction: float) -> str:
    """An accuracy as the tables show it: 0.9123 -> '91.23%'."""
    return f"{100 * fraction:.2f}%"


def progress_bars(stream):
    """rich's progress bars on ``stream`` (a terminal): description, bar, done/total, elapsed and
    remaining time, redrawn in place; lines printed through its console scroll above them."""
    from rich.console import Console  # deferred: loads rich (Keras's dependency)
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,  # deferred: loads rich
                               TimeElapsedColumn, TimeRemainingColumn)

    return Progress(TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TimeRemainingColumn(), console=Console(file=stream), transient=False)
