"""The suite: lecture deep-learning experiments as repeatable Keras 3 studies.

The public surface is what this module names (``__all__``): the types a study is declared with,
and the error every refusal raises. Everything else is internal by convention; the subpackages
say in their docstrings what they own and which layers they may import (docs/architecture.md):

    cli -> reporting -> search -> execution -> analysis -> store -> training -> design -> data
        -> base (errors, registry, console, interrupt)
"""
from __future__ import annotations

import importlib

from suite.errors import UserError

__all__ = ["Figure", "Reference", "Related", "Rule", "Study", "Table", "UserError"]
_STUDY_TYPES = {"Figure", "Reference", "Related", "Rule", "Study", "Table"}


def __getattr__(name: str):
    """The study types, imported on first use: ``suite.design.study`` loads pandas and
    scikit-learn (its folds), which ``suite --version`` and the other light commands never need."""
    if name in _STUDY_TYPES:
        return getattr(importlib.import_module("suite.design.study"), name)
    raise AttributeError(f"module 'suite' has no attribute '{name}'")


def __dir__() -> list[str]:
    return sorted(__all__)
