"""``suite export parquet DIR``: ``trials.parquet`` and ``history.parquet`` of every stored trial
(``suite.analysis.catalog``), written whole: each file appears complete or not at all."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from suite.errors import UserError


def _write(frame: pd.DataFrame, path: Path) -> None:
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export(trials: pd.DataFrame, history: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Write both tables into ``out_dir`` (created); returns their paths. Raises UserError when
    pyarrow is missing (``pip install 'suite[parquet]'``)."""
    try:
        import pyarrow  # noqa: F401  # deferred: pyarrow is an optional extra (suite[parquet])
    except ImportError:
        raise UserError("Parquet needs pyarrow: pip install 'suite[parquet]' (or pyarrow)") from None
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "trials.parquet", out_dir / "history.parquet"]
    for frame, path in zip((trials, history), paths):
        _write(frame, path)
    return paths
