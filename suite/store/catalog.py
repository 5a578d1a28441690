"""Every stored trial of every study, profile and search under a runs directory.

The layout is the store's: ``<runs>/<study>/<profile>/[<sub-store>/]trials/<key>.json``, where a
sub-store is a search (``search-hyperband``, ``search-hyperband/best``), a nuisance search
(``nuisance/<point>``) or a search-comparison repetition (``hpo/<tuner>/rep<k>``).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from suite.store.trial_store import TrialStore


@dataclass(frozen=True)
class Stored:
    study: str
    profile: str
    store: str  # the sub-store ("" for the study's own trials)
    record: dict


def stored(runs_dir: Path) -> Iterator[Stored]:
    """Each stored record under ``runs_dir``, in path order. A damaged record raises the store's
    one-line UserError naming the file."""
    runs_dir = Path(runs_dir)
    for trials_dir in sorted(runs_dir.glob("*/*/**/trials")):
        if not trials_dir.is_dir() or trials_dir.is_symlink():
            continue
        parts = trials_dir.relative_to(runs_dir).parts
        study, profile, sub = parts[0], parts[1], "/".join(parts[2:-1])
        store = TrialStore(trials_dir.parent)
        for record in store.load(sorted(path.stem for path in trials_dir.glob("*.json"))):
            yield Stored(study, profile, sub, record)
