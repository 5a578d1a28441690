"""Value types and shared flags of the ``suite`` command's arguments (argparse)."""
from __future__ import annotations

import argparse
import ipaddress
import re

from suite.design import names
from suite.errors import UserError


def positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: '{text}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid port '{text}'; give a number in 1..65535, e.g. 8000") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port {value} is outside 1..65535; e.g. 8000")
    return value


def address(text: str) -> str:
    """An IP address or a host name (RFC 1123 labels); anything else cannot be served or reached."""

    try:
        ipaddress.ip_address(text)
        return text
    except ValueError:
        pass
    label = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
    if len(text) <= 253 and re.fullmatch(rf"{label}(\.{label})*", text) and not text.replace(".", "").isdigit():
        return text
    raise argparse.ArgumentTypeError(f"'{text}' is not an IP address or host name; e.g. 127.0.0.1 or chief-host")


def _name(what: str, example: str):
    def check(text: str) -> str:
        try:
            return names.component(text, what, example)
        except UserError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    return check


profile_name = _name("profile", "smoke")  # it names runs/<study>/<profile>/ and results/<study>/<profile>/
dataset_name = _name("dataset", "mnist_10k")  # it may name a selection's directory


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

        groups: dict[tuple, list[str]] = {}
        for name, study in all_studies().items():
            groups.setdefault(tuple(study.profiles), []).append(name)
        common = set.intersection(*(set(profiles) for profiles in groups)) if groups else set()
        shared = [p for p in next(iter(groups), ()) if p in common]
        extra = "; ".join(f"{', '.join(names)}: also {', '.join(p for p in profiles if p not in common)}"
                          for profiles, names in groups.items() if set(profiles) - common)
        return f"{text}: every study has {', '.join(shared)}" + (f"; {extra}" if extra else "")
