"""The types of a study's fields, checked before anything reads them: a plug-in study is data
written by hand, and ``claim=5``, ``axes="x"`` or ``rules=[1]`` must be one line naming the field
and what it takes, not a traceback from whatever reads it first.

Each field is checked against its dataclass annotation (``str``, ``dict``, ``tuple``, ``float``,
``bool``, optionally ``| None``; ``object`` takes anything), then the items of the collections
whose items have a type of their own (``ITEMS``), recursively for the rule, table, figure,
reference and related specs. ``suite.design.study.check_fields`` passes those classes in (this
module imports none of them: the study module imports it).
"""
from __future__ import annotations

import dataclasses
from numbers import Real

from suite.errors import UserError

_TAKES = {"str": "text (a str)", "dict": "a dict", "tuple": "a tuple or list", "float": "a number",
          "bool": "True or False", "int": "an int"}
RUNS = ("learned", "finished")  # suite.design.study.Rule.runs


def _fits(value, annotation: str) -> bool:
    kinds = [part.strip() for part in annotation.split("|")]
    if value is None:
        return "None" in kinds or "object" in kinds
    for kind in kinds:
        if kind == "object" or (kind == "str" and isinstance(value, str)) \
                or (kind == "dict" and isinstance(value, dict)) \
                or (kind == "tuple" and isinstance(value, (tuple, list))) \
                or (kind == "bool" and isinstance(value, bool)) \
                or (kind == "int" and isinstance(value, int) and not isinstance(value, bool)) \
                or (kind == "float" and isinstance(value, Real) and not isinstance(value, bool)):
            return True
    return False


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _wrong(where: str, field: str, takes: str, value) -> UserError:
    return UserError(f"{where}: {field} must be {takes}, got {type(value).__name__} {_short(value)}; "
                     f"fix the study's definition")


def check_spec(spec, where: str, items: dict) -> None:
    """Every field of the dataclass instance ``spec`` against its annotation, then the items of
    the fields ``items`` names (field -> the class, or type, each item must be)."""
    for field in dataclasses.fields(spec):
        value = getattr(spec, field.name)
        annotation = field.type if isinstance(field.type, str) else getattr(field.type, "__name__", "object")
        if not _fits(value, annotation):
            takes = " or ".join(_TAKES.get(part.strip(), part.strip()) for part in annotation.split("|"))
            raise _wrong(where, field.name, takes, value)
        kind = items.get(field.name)
        if kind is None or value is None:
            continue
        for index, item in enumerate(value):
            if not isinstance(item, kind) or (kind is str and not item):
                raise _wrong(where, f"{field.name}[{index}]", f"a {kind.__name__}"
                             + (" (e.g. suite.Rule(...))" if dataclasses.is_dataclass(kind) else ""), item)
            if dataclasses.is_dataclass(item):
                check_spec(item, f"{where}, {field.name}[{index}]", {})


def check_study(study, specs: dict) -> None:
    """UserError naming the first field of ``study`` of the wrong type. ``specs``: field ->
    class of its items (rules -> Rule, ...)."""
    if not dataclasses.is_dataclass(study):
        raise UserError(f"STUDY must be a suite.Study(...), got {type(study).__name__}; fix the study's definition")
    where = f"study {study.name!r}" if isinstance(study.name, str) and study.name else "the study"
    if not isinstance(study.name, str) or not study.name.strip():
        raise _wrong(where, "name", "a non-empty str", study.name)
    check_spec(study, where, {**specs, "metrics": str, "curves": str, "only": dict, "clauses": str})
    for rule in study.rules:
        if rule.runs not in RUNS:
            raise _wrong(where, f"rule {rule.says or rule.kind!r}: runs", f"one of {', '.join(RUNS)}", rule.runs)
        for side in ("a", "b"):
            if not all(isinstance(axis, str) for axis in getattr(rule, side)):
                raise _wrong(where, f"rule {rule.says or rule.kind!r}: {side}", "a dict of axis -> value",
                             getattr(rule, side))
    _check_mappings(study, where)


def _check_mappings(study, where: str) -> None:
    """The dicts whose values have a shape of their own: axes, profiles, base, units, search spaces."""
    for name, values in study.axes.items():
        if not isinstance(name, str) or not isinstance(values, (list, tuple, dict)) or not values:
            raise _wrong(where, f"axis {name!r}", "a non-empty list of values, or a dict of named overrides", values)
        if isinstance(values, dict) and not all(isinstance(overrides, dict) for overrides in values.values()):
            raise _wrong(where, f"axis {name!r}", "a dict of value name -> dict of config overrides", values)
    if not study.profiles:
        raise _wrong(where, "profiles", "a non-empty dict of profile name -> config overrides", study.profiles)
    for name, overrides in study.profiles.items():
        if not isinstance(name, str) or not isinstance(overrides, dict):
            raise _wrong(where, f"profile {name!r}", "a dict of config overrides (and 'seeds', 'first_seed', 'only')",
                         overrides)
    for field in ("base", "units", "nuisance_budget"):
        if not all(isinstance(key, str) for key in getattr(study, field)):
            raise _wrong(where, field, "a dict keyed by names (str)", getattr(study, field))
    for field in ("search", "nuisance"):
        space = getattr(study, field) or {}
        if not all(isinstance(key, str) and isinstance(spec, dict) for key, spec in space.items()):
            raise _wrong(where, field, "a dict of config key -> spec dict ({'int': [lo, hi]} ...)", space)
    if study.derive is not None and not callable(study.derive):
        raise _wrong(where, "derive", "a function (trials frame -> trials frame) or None", study.derive)
