"""Which Keras backend trials run on, decided before anything imports Keras (Keras reads
``KERAS_BACKEND`` once, at import). The CLI (``--backend``) and the Python API both call
``choose``; ``auto`` honours ``$KERAS_BACKEND``, else JAX where installed (several times faster
for these small models on a CPU), else TensorFlow.

Layer: base (imports only ``suite.errors``).
"""
from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

from suite.errors import UserError

BACKENDS = ("auto", "tensorflow", "jax")


def choose(requested: str = "auto", imported_wins: bool = False, flag: bool = True) -> str:
    """Set ``KERAS_BACKEND`` (and JAX's compilation cache) and return the backend. With
    ``imported_wins`` (the Python API, in a session that may already use Keras) an imported
    Keras's backend is the answer. Raises UserError for a backend the suite does not support or
    that is not installed (``flag``: the command has ``--backend``, which the message suggests)."""
    if imported_wins and "keras" in sys.modules and requested == "auto":
        return sys.modules["keras"].config.backend()
    if requested == "auto":
        requested = os.environ.get("KERAS_BACKEND") or (
            "jax" if importlib.util.find_spec("jax") else "tensorflow")
        if requested not in BACKENDS[1:]:
            raise UserError(f"KERAS_BACKEND={requested} is not a backend the suite supports; unset it or "
                            f"choose one of {', '.join(BACKENDS[1:])} "
                            f"(e.g. {'--backend jax' if flag else 'KERAS_BACKEND=jax'})")
    if importlib.util.find_spec(requested) is None:
        other = next(name for name in BACKENDS[1:] if name != requested)
        instead = f"--backend {other}" if flag else f"KERAS_BACKEND={other}"
        raise UserError(f"backend '{requested}' is not installed; pip install -e \".[{requested}]\" (from the "
                        f"checkout) or use {instead}")
    os.environ["KERAS_BACKEND"] = requested
    if requested == "jax":
        # JAX's persistent compilation cache: a rerun, a resumed run and every parallel worker reuse
        # the kernels compiled before instead of paying XLA's compile time again.
        cache = os.environ.get("SUITE_COMPILATION_CACHE", str(Path.home() / ".cache" / "suite" / "jax"))
        os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", cache)
        os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
        os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")
    return requested
