"""Where a selection's report goes: the profile's own directory, or one named by the selection.

``suite run depth --seeds 1 --set epochs=2`` must not overwrite the committed ``results/depth/``
(its verdict and tables would change and report trials as missing): a selection that differs
from the profile (seeds, ``--set``, ``--dataset``, backend, ``--deterministic``) writes to
``results/depth/<selection>/`` instead, e.g. ``results/depth/seeds=1,epochs=2/``.
"""
from __future__ import annotations

from pathlib import Path

from suite.design import names
from suite.design.config import DEFAULTS
from suite.design.study import DEFAULT_PROFILE, Plan


def selection_name(plan: Plan, seeds: int | None) -> str:
    """'' for the profile's own selection, else e.g. 'seeds=1,epochs=2,backend=tensorflow'."""
    profile = plan.study.profiles[plan.profile]
    config = plan.trials[0].config
    parts = []
    if seeds is not None and seeds != profile.get("seeds", 3):
        parts.append(f"seeds={seeds}")
    for key, value in sorted(plan.overrides.items()):
        if value != {**DEFAULTS, **plan.study.base, **profile}.get(key, object()):
            parts.append(f"{key}={value}")
    if config.get("backend", DEFAULTS["backend"]) != DEFAULTS["backend"]:
        parts.append(f"backend={config['backend']}")
    if config.get("deterministic"):
        parts.append("deterministic")
    return names.label(",".join(parts))


def results_path(root: Path, plan: Plan, seeds: int | None, by_selection: bool = True) -> Path:
    """``root/<study>[/<profile>][/<selection>]`` (the profile only when not the default one);
    every part a safe name (``suite.design.names``)."""
    out = names.study_dir(root, plan.study.name, plan.profile if plan.profile != DEFAULT_PROFILE else None)
    name = selection_name(plan, seeds) if by_selection else ""
    return out / names.component(name, "selection") if name else out
