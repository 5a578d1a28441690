"""Value types and shared flags of the ``suite`` command's arguments (argparse).

Every numeric flag is bounded here, in its argparse type, so a value outside its range is one line
and exit 2 before anything starts: ``--seeds``, ``--workers``, ``--population``, ``--max-trials``,
``--max-epochs``, ``--factor``, ``--wait-seconds``, and ``--cluster``'s form.
"""
from __future__ import annotations

import argparse
import math
import os
import re
from pathlib import Path

from suite import backend
from suite.design import names
from suite.errors import UserError

from suite.store.lock import MAX_WAIT_S

SEEDS_MAX = 10_000  # suite.design.config.SEEDS_MAX, which expand() checks too
EPOCHS_MAX = 100_000  # the epochs key's bound (suite.design.config)
WORKERS_PER_CORE = 4  # beyond this many workers per core the processes only fight for memory


def cores() -> int:
    """The CPU cores this process may run on."""
    return len(os.sched_getaffinity(0))


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:  # a word, a float, or more digits than Python converts
        raise argparse.ArgumentTypeError(f"invalid int value: '{text[:40]}'") from None


def integer(low: int, high: int, example: str, why: str = ""):
    """An argparse type: an int in [low, high] (``why`` says where the upper bound comes from)."""
    def parse(text: str) -> int:
        value = _int(text)
        if value < low:
            raise argparse.ArgumentTypeError(f"must be >= {low}, got {value}; e.g. {example}")
        if value > high:
            raise argparse.ArgumentTypeError(f"must be <= {high}, got {value}{why}; e.g. {example}")
        return value
    return parse


population = integer(1, 4096, "--population 16")
max_trials = integer(1, 100_000, "--max-trials 30")
max_epochs = integer(1, EPOCHS_MAX, "--max-epochs 30")
factor = integer(2, 100, "--factor 3", " (Hyperband keeps 1/factor of each round)")


def seeds(text: str) -> int:
    value = _int(text)
    if not 1 <= value <= SEEDS_MAX:
        raise argparse.ArgumentTypeError(f"need 1 to {SEEDS_MAX} seeds, got {value}; e.g. --seeds 3")
    return value


def workers(text: str) -> int:
    """At most ``WORKERS_PER_CORE`` per core; more than the cores is allowed, with a warning
    (``oversubscribed``)."""
    have = cores()
    return integer(1, WORKERS_PER_CORE * have, f"--workers {have}",
                   f" ({WORKERS_PER_CORE} per core of this machine's {have} cores)")(text)


def oversubscribed(count: int) -> str | None:
    """The warning for more workers than cores, else None."""
    have = cores()
    if count <= have:
        return None
    return (f"--workers {count} is more than this machine's {have} cores: the workers share them, each "
            f"trial runs slower")


def seconds(low: float, high: float, example: str):
    """An argparse type: a number of seconds in [low, high]."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid number of seconds: '{text[:40]}'") from None
        if math.isnan(value) or value < low:
            raise argparse.ArgumentTypeError(f"must be >= {low:g} seconds, got {text[:40]}; e.g. {example}")
        if value > high:
            raise argparse.ArgumentTypeError(f"must be <= {high:g} seconds, got {text[:40]}; e.g. {example}")
        return value
    return parse


wait_seconds = seconds(1.0, MAX_WAIT_S, "--wait-seconds 600")


def cluster(text: str) -> str:
    """``local:N`` (N trainers on this machine: this process and N - 1 Dask workers, bounded as
    ``--workers``) or a Dask scheduler's address, ``tcp://HOST:PORT`` (or tls://, ucx://, a port in 1..65535)."""
    if text.startswith("local:"):
        return f"local:{workers(text.removeprefix('local:'))}"
    match = re.fullmatch(r"(tcp|tls|ucx)://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})", text)
    if not match or not 1 <= int(match.group(3)) <= 65535:
        raise argparse.ArgumentTypeError(f"'{text[:80]}' is neither local:N nor a Dask scheduler address; "
                                         f"e.g. --cluster local:2 or --cluster tcp://scheduler-host:8786")
    return text


def _name(what: str, example: str):
    def check(text: str) -> str:
        try:
            return names.component(text, what, example)
        except UserError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    return check


profile_name = _name("profile", "smoke")  # it names runs/<study>/<profile>/ and results/<study>/<profile>/
dataset_name = _name("dataset", "mnist_10k")  # it may name a selection's directory


def directory(text: str) -> Path:
    """A directory flag's value; an empty one would silently mean the current directory."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"'{text}' is an empty path; give a directory, e.g. runs or /tmp/suite")
    return Path(text)


def output_flags(parser) -> None:
    parser.add_argument("--quiet", action="store_true", help="no progress lines: results and errors only")
    parser.add_argument("--verbose", action="store_true",
                        help="also show the libraries' own messages (TensorFlow, JAX, absl, warnings)")


PROFILE_HELP = "a profile of the study, default quick"


class ProfileHelp(argparse.HelpFormatter):
    """Help whose --profile line lists each study's profiles, read from the studies themselves
    when the help is printed (loading them costs a second, which no other command pays)."""

    def _expand_help(self, action):
        text = super()._expand_help(action)
        if action.dest != "profile":
            return text
        from suite.design.plugins import all_studies  # deferred: loads pandas and scikit-learn (the studies)

        # the help is printed while the arguments are parsed, before the command chooses the backend:
        # a study module may import keras-tuner, so Keras, which would fall back to TensorFlow
        backend.choose("auto", flag=False)
        groups: dict[tuple, list[str]] = {}
        for name, study in all_studies().items():
            groups.setdefault(tuple(study.profiles), []).append(name)
        common = set.intersection(*(set(profiles) for profiles in groups)) if groups else set()
        shared = [p for p in next(iter(groups), ()) if p in common]
        extra = "; ".join(f"{', '.join(names)}: also {', '.join(p for p in profiles if p not in common)}"
                          for profiles, names in groups.items() if set(profiles) - common)
        return f"{text}: every study has {', '.join(shared)}" + (f"; {extra}" if extra else "")
