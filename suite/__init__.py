"""The suite: lecture deep-learning experiments as repeatable Keras 3 studies.

The public surface is what this module names (``__all__``): the types a study is declared with,
and the error every refusal raises. Everything else is internal by convention; the subpackages
say in their docstrings what they own and which layers they may import (docs/architecture.md):

    cli -> api -> reporting -> search -> execution -> analysis -> store -> training -> design -> data
        -> base (errors, registry, console, interrupt)
"""
from __future__ import annotations

import importlib

from suite import backend
from suite.errors import UserError

__all__ = ["Catalog", "Check", "Figure", "Option", "Reference", "Related", "Result", "Rule", "Study", "Table", "UserError", "declare_keys", "load",
           "load_all", "plan", "report", "run", "studies"]
_WHERE = {**dict.fromkeys(("Check", "Figure", "Reference", "Related", "Rule", "Study", "Table"), "suite.design.study"),
          "Option": "suite.design.options", "declare_keys": "suite.design.plugin_keys",
          **dict.fromkeys(("Catalog", "Result", "load", "load_all", "plan", "report", "run", "studies"), "suite.api")}


def __getattr__(name: str):
    """The public names, imported on first use: the study types load pandas and scikit-learn,
    the API Keras, keras-tuner and matplotlib, which ``suite --version`` never needs."""
    if name in _WHERE:
        if _WHERE[name] == "suite.api":
            backend.choose("auto", imported_wins=True)  # before the API's modules import Keras
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'suite' has no attribute '{name}'")


def __dir__() -> list[str]:
    return sorted(__all__)
