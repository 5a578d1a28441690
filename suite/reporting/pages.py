"""Reading a results page back: its README.md and verdict.json, for ``suite show``, ``suite site``
and a related profile's note. The reads are guarded (``suite.store.files.read_text``: a
directory, FIFO or device, an absurd size, bytes that are not UTF-8) and a verdict must have the
shape the report writes, so a damaged or foreign file is one line naming it and the fix.
"""
from __future__ import annotations

import json
from pathlib import Path

from suite.errors import UserError
from suite.store.files import Unreadable, read_text


def text(path: Path, fix: str) -> str:
    """The text of the page file ``path``; UserError naming it, why and ``fix``."""
    try:
        return read_text(path)
    except FileNotFoundError:
        raise UserError(f"{path} does not exist; {fix}") from None
    except Unreadable as exc:
        raise UserError(f"{path} cannot be read ({exc}); {fix}") from None


def _kind(value) -> str:
    """A parsed JSON value's kind in JSON's words."""
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number")


def _claim_problem(claim, where: str) -> str | None:
    if not isinstance(claim, dict):
        return f"{where} is {_kind(claim)}, not an object"
    for key in ("claim", "verdict"):
        if not isinstance(claim.get(key, ""), (str, type(None))):
            return f"{where}.{key} is not text"
    if not isinstance(claim.get("evidence", []), list):
        return f"{where}.evidence is not a list"
    return None


def verdict_problem(verdict) -> str | None:
    """What keeps ``verdict`` (parsed verdict.json) from being a verdict, or None."""
    if not isinstance(verdict, dict):
        return f"{_kind(verdict)}, not an object"
    problem = _claim_problem(verdict, "the verdict")
    if problem:
        return problem
    claims = verdict.get("claims", [])
    if not isinstance(claims, list):
        return "its claims are not a list"
    return next((problem for number, claim in enumerate(claims)
                 if (problem := _claim_problem(claim, f"claims[{number}]"))), None)


def verdict(path: Path, fix: str) -> dict:
    """The verdict in ``path``; UserError naming the file, what is wrong and ``fix`` when it
    cannot be read, is not JSON or does not have a verdict's shape."""
    try:
        data = json.loads(text(path, fix))
    except json.JSONDecodeError as exc:
        raise UserError(f"{path} is not valid JSON ({exc.msg}); {fix}") from None
    except RecursionError:
        raise UserError(f"{path} is damaged (nested too deeply); {fix}") from None
    problem = verdict_problem(data)
    if problem:
        raise UserError(f"{path} is damaged ({problem}); {fix}")
    return data


def verdict_or_none(path: Path) -> dict | None:
    """The verdict in ``path``, None when it is missing, unreadable or damaged (a related
    profile's page that a report only mentions)."""
    try:
        return verdict(path, "")
    except UserError:
        return None
