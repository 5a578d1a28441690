"""Config keys that plug-in models declare: a builder's own settings (``bottleneck``, ...) become
keys that ``--set``, study axes and ``suite keys`` know, with a type, default, range and meaning.

A builder declares them as an attribute, ``builder.config_keys = {"bottleneck": suite.Option(int,
16, "units in the bottleneck", ge=1, le=4096)}`` (found through the ``suite.models`` entry points),
or code calls ``suite.declare_keys({...})`` (a study file that registers its own model). The
declared default is what the builder gets when no study or override sets the key; a key that is
not set is not part of the trial's config, so installing a plug-in changes no stored trial key.
"""
from __future__ import annotations

from suite import registry
from suite.design.options import Option
from suite.errors import UserError

DECLARED: dict[str, Option] = {}
_scanned: list[bool] = [False]


def declare_keys(keys: dict) -> None:
    """Add plug-in config keys (name -> ``Option``). Raises UserError for a value that is not an
    Option, or a name declared before with another Option."""
    for name, option in keys.items():
        if not isinstance(option, Option) or not isinstance(name, str) or not name.isidentifier():
            raise UserError(f"plug-in config key {name!r}: declare it as suite.Option(type, default, meaning, ...) "
                            f"under an identifier name")
        if name in DECLARED and DECLARED[name] != option:
            raise UserError(f"plug-in config key '{name}' is declared twice, differently ({DECLARED[name]} and "
                            f"{option}); give one of them another name")
        DECLARED[name] = option


def declared() -> dict[str, Option]:
    """Every declared plug-in key: the explicit declarations and, once per process, the
    ``config_keys`` of the installed ``suite.models`` entry points (one that cannot be loaded is
    left to the model registry to report)."""
    if not _scanned[0]:
        _scanned[0] = True
        for point in registry.entry_points(registry.GROUPS["models"]):
            try:
                builder = point.load()
            except Exception:  # the registry's extend names a broken plug-in when the model is used
                continue
            declare_keys(getattr(builder, "config_keys", None) or {})
    return DECLARED
