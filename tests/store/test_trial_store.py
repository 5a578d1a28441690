import json
import socket
import time

import pytest

from suite.errors import UserError
from suite.store.trial_store import TrialStore, atomic_write_text


def record(key, status="done"):
    """The smallest record the schema (suite.store.records) accepts."""
    return {"key": key, "status": status, "point": {"depth": 1}, "seed": 0, "config": {},
            "metrics": {"test_accuracy": 0.5, "best_dev_accuracy": 0.5} if status == "done" else {},
            "history": [], "wall_time_s": 0.0, "environment": {"backend": "jax"}}


def test_round_trip_and_finished(tmp_path):
    store = TrialStore(tmp_path)
    assert store.get("a") is None and not store.is_finished("a")
    store.put(record("a"))
    store.put(record("b", "diverged"))
    store.put(record("c", "failed"))
    assert store.get("a") == record("a")
    assert store.is_finished("a") and store.is_finished("b") and not store.is_finished("c")
    assert [r["key"] for r in store.load(["c", "missing", "a"])] == ["c", "a"]
    assert not list(tmp_path.rglob("*.tmp"))


def test_nan_metrics_survive(tmp_path):
    store = TrialStore(tmp_path)
    store.put({**record("n"), "history": [{"epoch": 1, "loss": float("nan")}]})
    assert store.get("n")["history"][0]["loss"] != store.get("n")["history"][0]["loss"]


@pytest.mark.parametrize("text", ['{"key": "a", "stat', "[1, 2]", '{"key": "other", "status": "done"}'])
def test_corrupt_or_foreign_records_are_user_errors_and_kept(tmp_path, text):
    store = TrialStore(tmp_path)
    store.path("a").parent.mkdir(parents=True)
    store.path("a").write_text(text)
    with pytest.raises(UserError, match="move it away"):
        store.get("a")
    assert store.path("a").read_text() == text


def test_atomic_write_leaves_old_file_on_failure(tmp_path):
    target = tmp_path / "x.json"
    atomic_write_text(target, json.dumps({"v": 1}))

    with pytest.raises(TypeError):
        atomic_write_text(target, 12345)  # not text: the write fails half way
    assert json.loads(target.read_text()) == {"v": 1}
    assert not list(tmp_path.glob("*.tmp"))
