"""Cross-profile notes: a page reports what a related profile of the same study (a bigger
budget, say) concluded, with a link, and the sentence that follows from that conclusion."""
from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from suite.design.study import DEFAULT_PROFILE, Related, Study
from suite.reporting import pages
from suite.store.files import Unreadable, read_text

UNLEARNED = ("collapsed", "diverged")  # finished runs that did not learn (suite.training.outcomes)


def profile_dir(out_dir: Path, profile: str, other: str) -> Path:
    """Where ``other``'s report lies given this profile's ``out_dir`` (the default profile writes
    to ``results/<study>/``, every other one to ``results/<study>/<profile>/``)."""
    base = out_dir if profile == DEFAULT_PROFILE else out_dir.parent
    return base if other == DEFAULT_PROFILE else base / other


def load_others(study: Study, profile: str, out_dir: Path) -> dict:
    """profile -> {"verdict": its verdict.json, "trials": its trials.csv} for each related
    profile; None for a file not written yet or unreadable."""
    found = {}
    for related in study.related:
        there = profile_dir(out_dir, profile, related.profile)
        verdict = pages.verdict_or_none(there / "verdict.json")  # damaged: as if not written yet
        try:
            trials = pd.read_csv(io.StringIO(read_text(there / "trials.csv")))  # guarded: a FIFO, an absurd size
        except (OSError, ValueError, Unreadable):
            trials = None
        found[related.profile] = {"verdict": verdict, "trials": trials}
    return found


def _claim_verdict(verdict: dict | None, claim: str) -> str | None:
    if verdict is None:
        return None
    return next((item.get("verdict") for item in verdict.get("claims", []) if item.get("claim") == claim), None)


def _unlearned(trials: pd.DataFrame | None, axes: list[str]) -> dict:
    """point label -> "k of n" seeds that collapsed or diverged, for the points that have any."""
    if trials is None or trials.empty or "status" not in trials or not set(axes) <= set(trials):
        return {}
    counts = {}
    for values, group in trials.groupby(axes, sort=False):
        values = values if isinstance(values, tuple) else (values,)
        bad = int(group.status.isin(UNLEARNED).sum())
        if bad:
            counts[", ".join(f"{a}={v}" for a, v in zip(axes, values))] = f"{bad} of {len(group)}"
    return counts


def related_lines(study: Study, profile: str, own: dict, own_trials: pd.DataFrame, others: dict,
                  out_dir: Path) -> list[str]:
    """Markdown lines for each related profile other than this one. ``own``: this page's verdict;
    ``own_trials``: its trials frame; ``others``: ``load_others``'s answer. Pure apart from
    resolving the relative link."""
    lines, axes = [], list(study.axes)
    for related in study.related:
        if related.profile == profile:
            continue
        other = others.get(related.profile) or {}
        there = profile_dir(out_dir, profile, related.profile)
        link = f"[profile `{related.profile}`]({Path(*_relative(out_dir, there), 'README.md').as_posix()})"
        here, verdict = _claim_verdict(own, related.claim), _claim_verdict(other.get("verdict"), related.claim)
        if verdict is None:  # no page to link to yet
            link = f"Profile `{related.profile}`"
        text = f"**With a bigger budget.** {link} runs the same study with {related.setting}. "
        if verdict is None:
            text += (f"It has not been run yet (`suite run {study.name} --profile {related.profile}`), so "
                     f"this page cannot say whether its results are a budget effect.")
        else:
            text += (f"On the claim '{related.claim}' it finds: **{verdict.replace('_', ' ')}** (here: "
                     f"{(here or 'not judged').replace('_', ' ')}). Its evidence: "
                     + "; ".join(f"{item.get('rule')}: {item.get('verdict', '').replace('_', ' ')} "
                                 f"({item.get('detail') or item.get('why')})"
                                 for item in _claim_evidence(other.get("verdict"), related.claim)) + ".")
            mine, theirs = _unlearned(own_trials, axes), _unlearned(other.get("trials"), axes)
            if mine or theirs:
                text += (" Seeds that did not learn (collapsed or diverged): here "
                         f"{'; '.join(f'{p}: {n}' for p, n in mine.items()) or 'none'}; on `{related.profile}` "
                         f"{'; '.join(f'{p}: {n}' for p, n in theirs.items()) or 'none'}.")
        lines += [text, ""]
    return lines


def _claim_evidence(verdict: dict | None, claim: str) -> list[dict]:
    """The evidence items of ``claim`` in a verdict.json (empty when absent or damaged)."""
    for item in (verdict or {}).get("claims", []) if isinstance(verdict, dict) else []:
        if isinstance(item, dict) and item.get("claim") == claim:
            return [e for e in item.get("evidence", []) if isinstance(e, dict)]
    return []


def _relative(start: Path, target: Path) -> tuple[str, ...]:
    """Path parts leading from directory ``start`` to ``target`` (both under one results root)."""
    start_parts, target_parts = start.resolve().parts, target.resolve().parts
    common = 0
    while common < min(len(start_parts), len(target_parts)) and start_parts[common] == target_parts[common]:
        common += 1
    return (*[".."] * (len(start_parts) - common), *target_parts[common:])


__all__ = ["Related", "load_others", "profile_dir", "related_lines"]
