"""The Python API: drive a study from a notebook or a script and get DataFrames back.

    import suite
    result = suite.run("depth", profile="smoke", overrides={"epochs": 1}, seeds=1,
                       runs_dir="scratch/runs", results_dir="scratch/results")
    result.trials     # pandas: one row per trial (axes, seed, status, metrics)
    result.history    # pandas: one row per trial and epoch
    result.summary    # pandas: one row per point (mean, interval, seeds counted)
    result.verdict    # dict: the claim's verdict, each rule with its evidence
    result.figures    # {file name: matplotlib Figure}
    result.page       # Path of the written README.md (None for ``load``)

``study`` is a registered name (``suite.studies()``), a path to a study file, or a
``suite.Study`` declared inline. Paths may be ``str`` or ``Path``. Every refusal raises
``suite.UserError`` with the same one line the CLI prints; the CLI's ``run`` and ``report``
commands call ``execute`` below.

Layer: above reporting (it writes reports through it), below the CLI.
"""
from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import pandas as pd

from suite import backend as backends
from suite.analysis import catalog, frames, verdicts
from suite.analysis import checks as implementation_checks
from suite.design import plugins
from suite.design.selection import results_path
from suite.design.study import DEFAULT_PROFILE, Plan, Study, expand
from suite.errors import UserError
from suite.execution import metric_checks, mlflow_tracking, runner, sequential, tracking
from suite.reporting import figures as figure_kinds
from suite.analysis.study_frames import study_trials
from suite.reporting.report import write_report
from suite.search import hpo, tuner_search
from suite.design import names
from suite.store import catalog as stored_catalog
from suite.store import lock
from suite.store.files import writable

@dataclass
class Result:
    """A study's stored trials, as frames; computed on first access and kept."""
    plan: Plan
    records: list[dict]
    page: Path | None = None
    searches: list[dict] = field(default_factory=list)

    @property
    def study(self) -> Study:
        return self.plan.study

    @cached_property
    def trials(self) -> pd.DataFrame:
        return study_trials(self.plan, self.records)

    @cached_property
    def history(self) -> pd.DataFrame:
        return frames.history_frame(self.records, self.plan.axes)

    @cached_property
    def summary(self) -> pd.DataFrame:
        return frames.summarize(self.trials, self.study)

    @cached_property
    def verdict(self) -> dict:
        return verdicts.verdict(self.study, self.trials, self.plan.looks, self.plan.first_seed)

    @cached_property
    def checks(self) -> list[dict]:
        """The study's checks of the implementation (``suite.analysis.checks``), apart from the verdict."""
        return implementation_checks.evaluate(self.study, self.trials, self.plan.profile)

    @cached_property
    def figures(self) -> dict:
        return figure_kinds.build(self.plan, self.trials, self.summary, self.history, self.records)

    def __repr__(self) -> str:
        return (f"Result(study={self.study.name!r}, profile={self.plan.profile!r}, "
                f"trials={len(self.records)} of {len(self.plan.trials)}, verdict={self.verdict['verdict']!r}, "
                f"page={str(self.page) if self.page else None!r})")


def studies() -> dict[str, Study]:
    """Every registered study by name, built-in and installed plug-ins (a copy)."""
    return dict(plugins.all_studies())


def backend() -> str:
    """The Keras backend trials run on: Keras's own once it is imported, else $KERAS_BACKEND,
    else JAX where installed (as the CLI's ``--backend auto``)."""
    return backends.choose("auto", imported_wins=True)


def _study(study: str | Path | Study) -> Study:
    if isinstance(study, Study):
        return study
    if not isinstance(study, (str, Path)):
        raise UserError(f"study must be a name, a path to a study file or a suite.Study, not "
                        f"{type(study).__name__}")
    return plugins.find_study(str(study))


def plan(study: str | Path | Study, profile: str | None = None, dataset: str | None = None,
         seeds: int | None = None, overrides: dict | None = None, deterministic: bool = False) -> Plan:
    """The study expanded into trials (no training): ``profile`` default 'quick', ``overrides``
    config keys as ``--set`` gives them (``{"epochs": 1}``). Raises UserError for anything the
    schema or the study refuses."""
    return expand(_study(study), profile or DEFAULT_PROFILE, dataset, seeds, dict(overrides or {}),
                  backend=backend(), deterministic=deterministic)


def results_dir_for(plan_: Plan, results_dir: str | Path | None, seeds: int | None) -> Path:
    """results/<study>[/<profile>][/<selection>] by default; an explicit directory as given."""
    if results_dir is None:
        return results_path(Path(os.environ.get("SUITE_RESULTS_DIR", "results")), plan_, seeds)
    return results_path(Path(results_dir), plan_, seeds, by_selection=False)


def execute(plan_: Plan, runs_dir: Path, out: Path | None, *, train: bool, fresh: bool = False,
            fast: bool = True, pool=None, population_size: int | None = None,
            figure_formats=("png", "svg")) -> Result:
    """Tune the nuisance hyperparameters, run a search comparison or the plan's trials (skipping
    stored ones), then write the report to ``out`` (None: no report). ``pool``: a Dask cluster's
    (``suite.execution.dask_cluster.connect``) for the plan's trials; None trains here. Training
    holds the study's run lock (``suite.store.lock``): a second run of it waits, then replays."""
    runner.validate(plan_)  # before anything is tuned, trained or written
    metric_checks.check_study(plan_)  # the metrics its rules, tables and figures read are ones its trials log
    if not plan_.axes:
        raise UserError(f"study '{plan_.study.name}' has no axes to compare; it is a search: "
                        f"run `suite search {plan_.study.name}`")
    if train:
        writable(runner.store_for(plan_, runs_dir).trials_dir)
    with lock.held(names.study_dir(runs_dir, plan_.study.name, plan_.profile)) if train else contextlib.nullcontext():
        plan_ = tuner_search.tune_nuisance(plan_, runs_dir, fast=fast, train=train, fresh=fresh)
        plan_ = hpo.run_comparison(plan_, runs_dir, fast=fast, train=train, fresh=fresh)
        store = runner.store_for(plan_, runs_dir)
        if train:
            if out is not None:
                writable(out)
            plan_ = sequential.run(plan_, lambda looked: runner.run_plan(
                looked, store, fresh=fresh, fast=fast, pool=pool, population_size=population_size), store.load_trials)
            if pool is not None:
                pool.release()  # trained: the workers go while the report is written
    plan_ = replace(plan_, trials=sequential.planned(plan_, store.load_trials)[0])  # what the seed plan asks for
    records, comparison = hpo.report_parts(plan_, runner.stored_records(plan_, store), runs_dir)
    searches = tuner_search.nuisance_records(plan_, runs_dir)
    if out is not None:
        writable(out)
        write_report(plan_, records, out, searches=searches, figure_formats=figure_formats, comparison=comparison)
        mlflow_tracking.report(plan_.study.name, out)
    return Result(plan_, records, out / "README.md" if out is not None else None, searches or [])


def run(study: str | Path | Study, profile: str | None = None, overrides: dict | None = None,
        seeds: int | None = None, dataset: str | None = None, runs_dir: str | Path = "runs",
        results_dir: str | Path | None = None, workers: int = 1, fresh: bool = False,
        figure_formats=("png", "svg"), tensorboard: str | Path | None = None,
        mlflow: str | Path | None = None, cluster: str | None = None) -> Result:
    """Train the study's trials that are not stored yet, write its report, return its frames.

    ``workers`` > 1 trains in this process and ``workers`` - 1 local Dask worker processes
    (``cluster="local:N"``);
    ``cluster`` may also name a Dask scheduler (``"tcp://HOST:8786"``). ``tensorboard``: a directory
    that receives event files while the trials train. ``mlflow``: a directory or tracking URI that
    receives an MLflow run per trial and the report's files. Raises UserError before anything
    trains when an input is refused.
    """
    mlflow_tracking.configure(None if mlflow is None else str(mlflow))
    if tensorboard is not None:
        os.environ[tracking.ENV] = str(Path(tensorboard).resolve())
    else:
        os.environ.pop(tracking.ENV, None)
    plan_ = plan(study, profile, dataset, seeds, overrides)
    spec = cluster or (f"local:{workers}" if workers > 1 else None)
    if spec is None:
        return execute(plan_, Path(runs_dir), results_dir_for(plan_, results_dir, seeds), train=True, fresh=fresh,
                       figure_formats=figure_formats)
    from suite.execution import dask_cluster  # deferred: loads Dask

    with dask_cluster.connect(spec, lock.wait_seconds()) as pool:
        return execute(plan_, Path(runs_dir), results_dir_for(plan_, results_dir, seeds), train=True, fresh=fresh,
                       pool=pool, figure_formats=figure_formats)


def report(study: str | Path | Study, profile: str | None = None, overrides: dict | None = None,
           seeds: int | None = None, dataset: str | None = None, runs_dir: str | Path = "runs",
           results_dir: str | Path | None = None, figure_formats=("png", "svg")) -> Result:
    """Rewrite the report from the stored trials (no training) and return their frames."""
    plan_ = plan(study, profile, dataset, seeds, overrides)
    return execute(plan_, Path(runs_dir), results_dir_for(plan_, results_dir, seeds), train=False,
                   figure_formats=figure_formats)


def load(study: str | Path | Study, profile: str | None = None, overrides: dict | None = None,
         seeds: int | None = None, dataset: str | None = None, runs_dir: str | Path = "runs") -> Result:
    """The stored trials of a selection as frames, without training or writing anything."""
    plan_ = plan(study, profile, dataset, seeds, overrides)
    return execute(plan_, Path(runs_dir), None, train=False)


@dataclass
class Catalog:
    """Every stored trial under a runs directory: ``trials`` (one row per trial, config keys as
    ``config.<key>`` columns) and ``history`` (one row per trial and epoch), pandas frames."""
    trials: pd.DataFrame
    history: pd.DataFrame


def load_all(runs_dir: str | Path = "runs") -> Catalog:
    """Every stored trial of every study, profile, selection and search under ``runs_dir``, as
    two frames (what ``suite export parquet`` writes); no training, nothing written."""
    return Catalog(*catalog.frames(stored_catalog.stored(Path(runs_dir))))
