"""Names that become path components: study, profile, dataset, selection and search names.

Every name the suite turns into a directory or file name passes ``component``, which accepts a
safe identifier only: 1 to ``MAX_NAME`` letters, digits and ``_.=,+-``, starting with a letter or
a digit. That rules out separators, ``.`` and ``..``, absolute paths, NUL and other control
characters, hidden names and names an option parser would take for a flag, so a name can never
point outside the directory it is joined to. ``label`` makes such a name from free text (a
selection, a point's axis values) instead of refusing it.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from suite.errors import UserError

MAX_NAME = 100  # characters; longer labels end in a hash
MAX_STEM = 150  # bytes of a trial key: with ".json", an owner and a staging suffix under NAME_MAX (255)
SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.=,+-]{0,%d}" % (MAX_NAME - 1))
_UNSAFE = re.compile(r"[^A-Za-z0-9._=,+-]+")


def _shown(name) -> str:
    """The name as one printable line (repr escapes NUL and newlines), cut when long."""
    if isinstance(name, str) and len(name) > 60:
        return f"{name[:40]!r}... ({len(name)} characters)"
    return repr(name)


def component(name, what: str, example: str = "smoke", where: str = "") -> str:
    """``name`` if it is a safe path component, else a UserError naming ``what`` (found
    ``where``) and the rule."""
    if isinstance(name, str) and SAFE.fullmatch(name):
        return name
    where = f" (in {where})" if where else ""
    raise UserError(f"{what} {_shown(name)}{where} cannot be a directory name: use 1 to {MAX_NAME} letters, digits "
                    f"or _.=,+- starting with a letter or digit (no '/', no '..'), e.g. '{example}'")


def label(text: str) -> str:
    """A safe path component made from free text: runs of other characters become '_', a name
    longer than ``MAX_NAME`` keeps its start and ends in a hash of the whole; '' stays ''."""
    name = _UNSAFE.sub("_", text).strip("_")
    if len(name) > MAX_NAME:
        name = f"{name[:MAX_NAME - 11]}-{hashlib.sha1(name.encode()).hexdigest()[:10]}"
    if name and not SAFE.fullmatch(name):  # starts with '.', '-', ',' ...: keep it apart from such names
        name = f"n{name[:MAX_NAME - 1]}"
    return name


def file_stem(key: str, what: str = "trial key") -> str:
    """``key`` if it can start a file name in a directory of the store (no '/', no NUL, at most
    ``MAX_STEM`` bytes), else a UserError. Keys are made from axis values (``study.trial_key``),
    which may hold other characters freely."""
    if isinstance(key, str) and key not in ("", ".", "..") and "/" not in key and "\x00" not in key \
            and len(key.encode()) <= MAX_STEM:
        return key
    raise UserError(f"{what} {_shown(key)} cannot be a file name (no '/' or NUL, at most {MAX_STEM} bytes); "
                    f"shorten the study's axis values or value names")


def check_study(study, where: str = "") -> None:
    """The study's own name and its profile names, which name its directories in the store and
    under results/ (a plug-in's are data like any other)."""
    component(study.name, "study name", "my_study", where)
    for profile in study.profiles:
        component(profile, f"study '{study.name}': profile name", where=where)


def study_dir(root, study_name: str, profile: str | None = None) -> Path:
    """``root/<study>[/<profile>]``, each part checked by ``component``."""
    path = Path(root) / component(study_name, "study name", "my_study")
    return path / component(profile, "profile") if profile is not None else path
