"""The exceptions the CLI turns into a one-line message: UserError (exit 2), GaveUp (exit 3)."""
from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import TypeVar

T = TypeVar("T")


class UserError(Exception):
    """Bad input from the user: the message names the problem and the fix."""


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def lookup(registry: Mapping[str, T], name: str, kind: str) -> T:
    """``registry[name]``, or a UserError that lists what exists."""
    if isinstance(name, str) and name in registry:
        return registry[name]
    return _raise_unknown(registry, name, kind)


def _raise_unknown(registry: Mapping[str, T], name: object, kind: str) -> T:
    hint = did_you_mean(str(name), registry)
    raise UserError(f"unknown {kind} '{name}'{hint}; choose one of: {', '.join(sorted(registry))}")


class GaveUp(Exception):
    """A bounded wait ran out: no Dask scheduler answered, no worker came, or another run held the
    study; the CLI prints the message
    (what it waited for and the fix) on one line and exits with code 3."""
