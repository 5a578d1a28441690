"""Live tracking to MLflow (``--mlflow [URI]`` on ``run`` and ``search``, ``mlflow=`` in the
Python API), from the same progress hooks as the TensorBoard tracking (``suite.execution.tracking``):
the per-trial and the population paths alike, in every local worker.

The tracking URI travels to local worker processes in ``$SUITE_MLFLOW_URI``. Each study is an
MLflow experiment named after it; each trial one run named by its point and seed: the trial's
config as params, one step per epoch of every logged metric, then ``final_<metric>`` and the
trial's status (the run ends FINISHED, or FAILED for a failed trial; the ``suite.status`` tag says
done, collapsed or diverged). The report's files go to a run named ``report``. MLflow is an
optional extra (``pip install -e ".[mlflow]"``); a local directory is its file store, which
MLflow 3 keeps only behind ``MLFLOW_ALLOW_FILE_STORE`` (set here for file stores).
"""
from __future__ import annotations

import importlib.util
import json
import math
import os
import time
from pathlib import Path

from suite.errors import UserError

ENV = "SUITE_MLFLOW_URI"
DEFAULT = "./mlruns"
INSTALL = 'pip install -e ".[mlflow]"'
_runs: dict[tuple[str, str], str] = {}  # (prefix, label) -> the open run's id
_experiments: dict[str, str] = {}
_client: tuple[str, object] | None = None  # (its URI, the MlflowClient)


def installed() -> bool:
    return importlib.util.find_spec("mlflow") is not None


def resolve(value: str) -> str:
    """A tracking URI: a local path (no scheme) becomes an absolute file: URI, so that workers
    started elsewhere write to the same store; anything else is passed to MLflow as given."""
    value = value.strip()
    if "://" in value or value.startswith("file:"):
        return value
    return Path(value).expanduser().resolve().as_uri()


def uri() -> str | None:
    return os.environ.get(ENV) or None


def configure(value: str | None) -> None:
    """Track to ``value`` (a path or a tracking URI) in this process and the workers it starts;
    None: no tracking. UserError, before anything trains, when MLflow is not installed or refuses
    the URI."""
    if value is None:
        os.environ.pop(ENV, None)
        return
    if not installed():
        raise UserError(f"--mlflow needs MLflow, an optional extra: {INSTALL}")
    if not value.strip():
        raise UserError(f"--mlflow URI is empty; give a directory or a tracking URI, e.g. --mlflow {DEFAULT}")
    os.environ[ENV] = resolve(value)
    quick = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0", "MLFLOW_HTTP_REQUEST_TIMEOUT": "10"}  # a server that is not
    quick = {name: setting for name, setting in quick.items() if name not in os.environ}  # there: seconds, not minutes
    os.environ.update(quick)
    try:
        client()
    except UserError:
        os.environ.pop(ENV, None)
        raise
    finally:
        for name in quick:
            os.environ.pop(name, None)


def client():
    """One MlflowClient per process for ``$SUITE_MLFLOW_URI`` (UserError naming a URI MLflow refuses)."""
    global _client
    if _client is None or _client[0] != uri():
        if uri().startswith("file:"):
            os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")  # MLflow 3: the file store is opt-in
        from mlflow.exceptions import MlflowException  # deferred: loads MLflow (an optional extra)
        from mlflow.tracking import MlflowClient  # deferred: loads MLflow (an optional extra)

        try:
            found = MlflowClient(tracking_uri=uri())
            found.search_experiments(max_results=1)  # reaches the store now, not in the first trial
        except MlflowException as exc:
            raise UserError(f"--mlflow: MLflow refuses the tracking URI {uri()}: {exc.message.splitlines()[0]}") from None
        except OSError as exc:  # the server does not answer (requests' errors are OSErrors)
            raise UserError(f"--mlflow: no MLflow tracking server answers at {uri()} ({exc})") from None
        _client = (uri(), found)
        _experiments.clear()
    return _client[1]


def _experiment(prefix: str) -> str:
    name = (prefix.strip("[]").split() or ["suite"])[0]  # "[depth]", "[depth random search]" -> depth
    if name not in _experiments:
        found = client().get_experiment_by_name(name)
        _experiments[name] = found.experiment_id if found else client().create_experiment(name)
    return _experiments[name]


def _run(prefix: str, label: str) -> str:
    if (prefix, label) not in _runs:
        run = client().create_run(_experiment(prefix), run_name=label,
                                  tags={"suite.prefix": prefix.strip("[]"), "suite.trial": label})
        _runs[(prefix, label)] = run.info.run_id
    return _runs[(prefix, label)]


def _metrics(values: dict, step: int, name=lambda key: key) -> list:
    from mlflow.entities import Metric  # deferred: loads MLflow (an optional extra)

    now = int(time.time() * 1000)
    return [Metric(name(key), float(value), now, step) for key, value in values.items()
            if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)]


def epoch(prefix: str, label: str, row: dict) -> None:
    """One epoch's row of the trial ``label`` (as the progress line shows it), at step = epoch."""
    if uri() is None:
        return
    step = int(row.get("epoch", 0))
    client().log_batch(_run(prefix, label), metrics=_metrics({k: v for k, v in row.items() if k != "epoch"}, step))


def _param(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text[:6000]  # MLflow's limit on a param value


def trial_end(prefix: str, label: str, record: dict) -> None:
    """The trial's config (params), final metrics and status; ends its run."""
    if uri() is None:
        return
    from mlflow.entities import Param, RunTag  # deferred: loads MLflow (an optional extra)

    run_id = _run(prefix, label)
    history = record.get("history") or []
    last = int(history[-1].get("epoch", len(history))) if history else 0
    config = record.get("config") or {}
    tags = {"suite.status": str(record.get("status", "")), "suite.key": str(record.get("key", ""))}
    tags.update({f"suite.point.{axis}": _param(value) for axis, value in (record.get("point") or {}).items()})
    client().log_batch(run_id, metrics=_metrics(record.get("metrics") or {}, last, lambda key: f"final_{key}"),
                       params=[Param(key, _param(value)) for key, value in sorted(config.items())],
                       tags=[RunTag(key, value) for key, value in tags.items()])
    client().set_terminated(run_id, "FAILED" if record.get("status") == "failed" else "FINISHED")
    _runs.pop((prefix, label), None)


def report(study: str, directory: Path) -> str | None:
    """The report's files (``directory``, its sub-directories excluded) as the artifacts of a run
    named ``report`` in the study's experiment; returns its run id (None without ``--mlflow``)."""
    if uri() is None:
        return None
    run = client().create_run(_experiment(study), run_name="report",
                              tags={"suite.kind": "report", "suite.results": str(directory)})
    for path in sorted(Path(directory).iterdir()):
        if path.is_file():
            client().log_artifact(run.info.run_id, str(path))
    client().set_terminated(run.info.run_id, "FINISHED")
    return run.info.run_id
