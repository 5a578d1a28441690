"""Plug-ins extend the suite's registries through entry points (PEP 621), and so do the built-in
studies: the ``studies`` package declares each of its modules in this package's
``pyproject.toml`` under the same group a third-party package uses::

    [project.entry-points."suite.studies"]
    my_study = "my_package.studies:STUDY"
    [project.entry-points."suite.models"]
    my_mlp = "my_package.models:build_my_mlp"
    [project.entry-points."suite.datasets"]
    my_digits = "my_package.data:load_my_digits"

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

GROUPS = {"studies": "suite.studies", "models": "suite.models", "datasets": "suite.datasets"}
_loaded: set[tuple[int, str]] = set()


def entry_points(group: str):
    """The installed entry points of ``group`` (a seam the tests replace with a stub)."""
    return importlib.metadata.entry_points(group=group)


def extend(registry: dict, group: str, first: Callable[[object], bool] = lambda point: False) -> dict:
    """Add ``group``'s entry points to ``registry`` (in place, once per process) and return it.

    A name already in the registry wins over an entry point of the same name; among entry points,
    those for which ``first(point)`` is true are added first (the built-in studies). Raises
    UserError when an entry point cannot be loaded (its package is broken), naming it.
    """
    if (id(registry), group) in _loaded:
        return registry
    for point in sorted(entry_points(group), key=lambda point: not first(point)):
        if point.name in registry:
            continue
        try:
            registry[point.name] = point.load()
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
