"""How studies are found: by name in the ``suite.studies`` entry-point group, or from a study file.

The built-in studies are not imported by the suite: the ``studies`` package registers each of its
modules in ``pyproject.toml`` under the ``suite.studies`` entry-point group, exactly as an
installed plug-in registers its own (``suite.registry``), so the README's plug-in example and the
built-ins are found by the same code. A built-in name wins over a plug-in of the same name.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from suite import interrupt, registry
from suite.design import names
from suite.design.study import Study, check_fields
from suite.errors import UserError, lookup

BUILTIN_PACKAGE = "studies"  # the package whose entry points are the built-in studies
STUDIES: dict = {}  # filled from the entry points on first use (``all_studies``)


def _builtin(point) -> bool:
    return point.value.split(".", 1)[0].split(":", 1)[0] == BUILTIN_PACKAGE


def study_from_file(path: Path):
    """The ``STUDY`` defined by the Python file at ``path`` (a ``suite.design.study.Study``)."""
    fix = "give a path to a .py file defining STUDY = suite.Study(...)"
    if path.is_dir():
        raise UserError(f"study file {path} is a directory; {fix}")
    if not path.exists():
        raise UserError(f"study file {path} does not exist; {fix}")
    if not path.is_file():
        raise UserError(f"study file {path} is not a regular file; {fix}")
    if path.suffix != ".py":
        raise UserError(f"study file {path} is not a Python file (.py); {fix}")
    name = f"suite_plugin_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look modules up by name
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:  # sys.exit() or a KeyboardInterrupt raised by the module, too
        del sys.modules[name]
        if isinstance(exc, KeyboardInterrupt) and interrupt.received():
            raise  # a real Ctrl-C or SIGTERM while it imported: a stop, not a broken file
        raise UserError(f"study file {path} fails to import: {registry.described(exc)}") from None
    study = getattr(module, "STUDY", None)
    if not isinstance(study, Study):
        raise UserError(f"study file {path} defines no STUDY = suite.Study(...); add one")
    check_fields(study)
    if study.name in all_studies() and study.replaces != study.name:
        raise UserError(f"study file {path} names its study '{study.name}', which is a registered study: its "
                        f"trials and reports would mix with that study's; rename it, or declare "
                        f"replaces='{study.name}' to stand in for it")
    return study


def find_study(name: str):
    """A registered study by name (built-in or entry point), or the study of a ``.py`` file;
    its name and profile names are checked as the directory names they become (``names``)."""
    if name.endswith(".py") or "/" in name:
        study = study_from_file(Path(name))
    else:
        study = lookup(all_studies(), name, "study")
    names.check_study(study, name if study.name != name else "")
    return study


def all_studies() -> dict:
    """Every registered study by name: the built-in ones first, then installed plug-ins (both
    from the ``suite.studies`` entry-point group)."""
    return registry.extend(STUDIES, registry.GROUPS["studies"], first=_builtin)
