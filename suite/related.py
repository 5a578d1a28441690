"""Cross-profile notes: a page reports what a related profile of the same study (a bigger
budget, say) concluded, with a link, and the sentence that follows from that conclusion."""
from __future__ import annotations

import json
from pathlib import Path

from suite.study import DEFAULT_PROFILE, Related, Study


def profile_dir(out_dir: Path, profile: str, other: str) -> Path:
    """Where ``other``'s report lies given this profile's ``out_dir`` (the default profile writes
    to ``results/<study>/``, every other one to ``results/<study>/<profile>/``)."""
    base = out_dir if profile == DEFAULT_PROFILE else out_dir.parent
    return base if other == DEFAULT_PROFILE else base / other


def load_verdicts(study: Study, profile: str, out_dir: Path) -> dict:
    """profile -> its verdict.json (None when not run yet or unreadable), for each related profile."""
    found = {}
    for related in study.related:
        path = profile_dir(out_dir, profile, related.profile) / "verdict.json"
        try:
            found[related.profile] = json.loads(path.read_text())
        except (OSError, ValueError):
            found[related.profile] = None
    return found


def _claim_verdict(verdict: dict | None, claim: str) -> str | None:
    if verdict is None:
        return None
    return next((item["verdict"] for item in verdict.get("claims", []) if item["claim"] == claim), None)


def related_lines(study: Study, profile: str, own: dict, others: dict, out_dir: Path) -> list[str]:
    """Markdown lines for each related profile other than this one. ``own``: this page's verdict;
    ``others``: ``load_verdicts``'s answer. Pure apart from computing relative links."""
    lines = []
    for related in study.related:
        if related.profile == profile:
            continue
        there = profile_dir(out_dir, profile, related.profile)
        link = f"[profile `{related.profile}`]({Path(*_relative(out_dir, there), 'README.md').as_posix()})"
        here, other = _claim_verdict(own, related.claim), _claim_verdict(others.get(related.profile), related.claim)
        lines += [f"**With a bigger budget.** {link} runs the same study with {related.setting}. "]
        if other is None:
            lines[-1] += (f"It has not been run yet (`suite run {study.name} --profile {related.profile}`), so "
                          f"this page cannot say whether its results are a budget effect.")
        else:
            lines[-1] += (f"On the claim '{related.claim}' it finds: **{other.replace('_', ' ')}** (here: "
                          f"{(here or 'not judged').replace('_', ' ')}). {related.readings[other]}")
        lines.append("")
    return lines


def _relative(start: Path, target: Path) -> tuple[str, ...]:
    """Path parts leading from directory ``start`` to ``target`` (both under one results root)."""
    start_parts, target_parts = start.resolve().parts, target.resolve().parts
    common = 0
    while common < min(len(start_parts), len(target_parts)) and start_parts[common] == target_parts[common]:
        common += 1
    return (*[".."] * (len(start_parts) - common), *target_parts[common:])


__all__ = ["Related", "load_verdicts", "profile_dir", "related_lines"]
