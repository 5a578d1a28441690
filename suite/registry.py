"""Plug-ins extend the suite's registries through entry points (PEP 621), and so do the built-in
studies: the ``studies`` package declares each of its modules in this package's
``pyproject.toml`` under the same group a third-party package uses::

    [project.entry-points."suite.studies"]
    my_study = "my_package.studies:STUDY"
    [project.entry-points."suite.models"]
    my_mlp = "my_package.models:build_my_mlp"
    [project.entry-points."suite.datasets"]
    my_digits = "my_package.data:load_my_digits"
    [project.entry-points."suite.optimizers"]      # also suite.schedules, suite.lr_callbacks, suite.losses
    my_opt = "my_package.optim:make_my_opt"

The registries stay explicit dicts (``suite.design.plugins.STUDIES``,
``suite.training.models.MODELS``, ``suite.data.datasets.DATASETS``); ``extend`` adds a group's
entry points to one when a name is looked up, so an unknown name still gets the registry's own
error listing every choice.

Layer: base (imports only ``suite.errors`` and ``suite.interrupt``), so every layer may extend
its own registry.
"""
from __future__ import annotations

import importlib.metadata
from typing import Callable

from suite import interrupt
from suite.errors import UserError

GROUPS = {"studies": "suite.studies", "models": "suite.models", "datasets": "suite.datasets",
          "optimizers": "suite.optimizers", "schedules": "suite.schedules", "lr_callbacks": "suite.lr_callbacks",
          "losses": "suite.losses"}
_loaded: set[tuple[int, str]] = set()
_sources: dict[tuple[int, str], str] = {}  # (registry, name) -> the entry point that added it


def entry_points(group: str):
    """The installed entry points of ``group`` (a seam the tests replace with a stub)."""
    return importlib.metadata.entry_points(group=group)


def extend(registry: dict, group: str, first: Callable[[object], bool] = lambda point: False) -> dict:
    """Add ``group``'s entry points to ``registry`` (in place, once per process) and return it.

    Entry points for which ``first(point)`` is true are added first (the built-in studies). Raises
    UserError, naming the entry point, when it cannot be loaded (its package is broken) or when it
    takes a name the registry already has (a plug-in never silently shadows a built-in, nor
    another plug-in); the same entry point seen twice (two installs of one package) is fine.
    """
    if (id(registry), group) in _loaded:
        return registry
    for point in sorted(entry_points(group), key=lambda point: not first(point)):
        if point.name in registry:
            if _sources.get((id(registry), point.name)) == point.value:
                continue
            kind = group.rsplit(".", 1)[-1].rstrip("s")
            raise UserError(f"entry point '{point.name}' in group '{group}' ({point.value}) takes the name of "
                            f"{'the' if (id(registry), point.name) in _sources else 'the built-in'} {kind} "
                            f"'{point.name}' ({_sources.get((id(registry), point.name), 'suite')}); rename it in "
                            f"that package's entry points")
        try:
            registry[point.name] = point.load()
            _sources[(id(registry), point.name)] = point.value
        except BaseException as exc:  # a broken third-party package (one that exits on import too)
            if isinstance(exc, KeyboardInterrupt) and interrupt.received():
                raise  # a real Ctrl-C or SIGTERM while it imported
            raise UserError(f"entry point '{point.name}' in group '{group}' ({point.value}) cannot be "
                            f"loaded: {described(exc)}; fix or uninstall that package") from None
    _loaded.add((id(registry), group))
    return registry


def described(exc: BaseException) -> str:
    """An exception a module raised on import, in one line, e.g. 'SystemExit: 0 (it calls sys.exit
    on import; a module that defines plug-ins must not exit)'."""
    text = f"{type(exc).__name__}: {exc}".replace("\n", " ") if str(exc) else type(exc).__name__
    if isinstance(exc, SystemExit):
        return f"{text} (it calls sys.exit on import; a module that defines plug-ins must not exit)"
    if isinstance(exc, KeyboardInterrupt):
        return f"{text} (raised by the module itself on import: no interrupt was received)"
    return text
