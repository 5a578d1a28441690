"""Studies, models and datasets from outside the package: a study file, or installed entry points.

A separate package adds to the registries by declaring entry points (PEP 621)::

    [project.entry-points."suite.studies"]
    my_study = "my_package.studies:STUDY"
    [project.entry-points."suite.models"]
    my_mlp = "my_package.models:build_my_mlp"
    [project.entry-points."suite.datasets"]
    my_digits = "my_package.data:load_my_digits"

The registries stay explicit dicts (``studies.STUDIES``, ``suite.models.MODELS``,
``suite.datasets.DATASETS``); ``extend`` adds a group's entry points to one when a name is looked
up, so an unknown name still gets the registry's own error listing every choice.
"""
from __future__ import annotations

import importlib.metadata
import importlib.util
import sys
from pathlib import Path

from suite.errors import UserError, lookup

GROUPS = {"studies": "suite.studies", "models": "suite.models", "datasets": "suite.datasets"}
_loaded: set[tuple[int, str]] = set()


def entry_points(group: str):
    """The installed entry points of ``group`` (a seam the tests replace with a stub)."""
    return importlib.metadata.entry_points(group=group)


def extend(registry: dict, group: str) -> dict:
    """Add ``group``'s entry points to ``registry`` (in place, once per process) and return it.

    A built-in name wins over a plug-in of the same name. Raises UserError when an entry point
    cannot be loaded (its package is broken), naming the entry point.
    """
    if (id(registry), group) in _loaded:
        return registry
    for point in entry_points(group):
        if point.name in registry:
            continue
        try:
            registry[point.name] = point.load()
        except Exception as exc:  # a broken third-party package: say which one
            raise UserError(f"entry point '{point.name}' in group '{group}' ({point.value}) cannot be "
                            f"loaded: {type(exc).__name__}: {exc}; fix or uninstall that package") from None
    _loaded.add((id(registry), group))
    return registry


def study_from_file(path: Path):
    """The ``STUDY`` defined by the Python file at ``path`` (a ``suite.study.Study``)."""
    from suite.study import Study

    if not path.is_file():
        raise UserError(f"study file {path} does not exist; give a path to a .py file defining STUDY")
    name = f"suite_plugin_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look modules up by name
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise UserError(f"study file {path} fails to import: {type(exc).__name__}: {exc}") from None
    study = getattr(module, "STUDY", None)
    if not isinstance(study, Study):
        raise UserError(f"study file {path} defines no STUDY = suite.study.Study(...); add one")
    return study


def find_study(name: str):
    """A registered study by name (built-in or entry point), or the study of a ``.py`` file."""
    if name.endswith(".py") or "/" in name:
        return study_from_file(Path(name))
    from studies import STUDIES

    return lookup(extend(STUDIES, GROUPS["studies"]), name, "study")


def all_studies() -> dict:
    """Every registered study, built-in and from entry points, by name."""
    from studies import STUDIES

    return extend(STUDIES, GROUPS["studies"])
