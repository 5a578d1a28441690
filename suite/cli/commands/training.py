"""The commands that plan a study: ``run``, ``report`` and ``search`` (which need a Keras
backend, chosen by ``suite.cli.main`` before it calls them), and ``list`` and ``keys``."""
from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from suite.console import hide_library_noise, plural, say
from suite.training.outcomes import STATUSES, classify_record
from suite.store.files import writable
from suite.store import artifacts
from suite.execution import mlflow_tracking
from suite.design import names
from suite.store import lock
from suite import registry


@contextlib.contextmanager
def cluster(args):
    """The Dask cluster ``--cluster`` (or ``--workers N``: ``local:N``) names, connected; None
    without one (train in this process)."""
    spec = getattr(args, "cluster", None) or (f"local:{args.workers}" if getattr(args, "workers", 1) > 1 else None)
    if spec is None:
        yield None
        return
    from suite.execution import dask_cluster  # deferred: loads Dask

    with dask_cluster.connect(spec, lock.wait_seconds()) as pool:
        yield pool


def _plan(args):
    from suite.design.plugins import find_study  # deferred: loads pandas and scikit-learn
    from suite.design.study import DEFAULT_PROFILE, expand, parse_overrides  # deferred: loads pandas and scikit-learn

    study = find_study(args.study)
    profile = DEFAULT_PROFILE if args.profile is None else args.profile  # '' is refused, not the default
    return expand(study, profile, args.dataset, args.seeds, parse_overrides(args.overrides),
                  backend=os.environ["KERAS_BACKEND"], deterministic=args.deterministic)


def _results_dir(args, plan) -> Path:
    """results/<study>[/<profile>]; a selection other than the profile's own (seeds, --set,
    --dataset, backend, determinism) gets a subdirectory named by it, so it never overwrites the
    profile's report. An explicit --results-dir is used as given."""
    from suite.design.selection import results_path  # deferred: loads pandas and scikit-learn

    explicit = args.results_dir is not None
    root = args.results_dir if explicit else Path(os.environ.get("SUITE_RESULTS_DIR", "results"))
    return results_path(root, plan, args.seeds, by_selection=not explicit)


def _check_writable(directory: Path) -> None:
    writable(directory)


def list_studies() -> int:
    from suite.design import plugins  # deferred: loads pandas and scikit-learn
    from suite.data.datasets import DATASETS  # deferred: loads pandas and scikit-learn

    print("studies:")
    for name, study in plugins.all_studies().items():
        print(f"  {name:16} {study.claim}")
        print(f"  {'':16} profiles: {', '.join(study.profiles)}")
    print("datasets:")
    for name, loader in registry.extend(DATASETS, registry.GROUPS["datasets"]).items():
        print(f"  {name:16} {(loader.__doc__ or '').strip().splitlines()[0]}")
    return 0


def keys() -> int:
    from suite.training.checks import describe  # deferred: loads Keras (the registries)

    rows = describe()
    print(f"{len(rows)} trial-config keys; set with --set KEY=VALUE unless another flag is named "
          f"(values are Python literals)")
    for row in rows:
        print(f"\n{row['key']} ({row['type']}, default {row['default']}; {row['set by']})")
        print(f"  allowed: {row['allowed']}")
        print(f"  {row['meaning']}")
        for entry, declared in row["options"].items():
            print(f"    {entry}: {declared}")
    return 0


def search_study(args, argv: list[str]) -> int:
    with cluster(args) as pool:  # first: its workers start while this process plans
        hide_library_noise(getattr(args, "verbose", False), load_tensorflow=True)
        return _search(args, pool)


def _search(args, pool) -> int:
    from suite.execution import runner  # deferred: loads keras-tuner and Keras
    from suite.search import tuner_search as search  # deferred: loads keras-tuner and Keras
    from suite.execution import tuning  # deferred: loads keras-tuner and Keras
    from suite.reporting.report import write_search_report  # deferred: loads matplotlib
    from suite.execution import metric_checks  # deferred: loads pandas and scikit-learn

    plan = _plan(args)
    runner.validate(plan)  # before anything is written
    tuning.register_objective(args.objective, metric_checks.dev_metrics(plan))  # a metric the trials log
    search.search_space(plan)  # a study without one is refused before anything is written
    store, best_store = search.stores(plan, args.runs_dir, args.tuner)
    out = _results_dir(args, plan) / f"search-{args.tuner}"
    _check_writable(out)
    _check_writable(store.trials_dir)
    if not args.fresh:  # a damaged record stops the search before anything is written (the lock included)
        store.check_all()
        best_store.check_all()
    with lock.held(names.study_dir(args.runs_dir, plan.study.name, plan.profile)):
        if args.fresh:
            for path in [*store.trials_dir.glob("*.json"), *best_store.trials_dir.glob("*.json")]:
                path.unlink()
        search.run_search(plan, store, args.tuner, args.max_trials, args.objective, fast=not args.plain,
                          pool=pool, max_epochs=args.max_epochs, factor=args.factor)
        if pool is not None:
            pool.release()  # the best configuration's re-run trains here: the workers go meanwhile
        best = search.best_plan(plan, store, args.objective, len(plan.trials), epochs=args.max_epochs)
        say(f"[{plan.study.name}] best (read from the store): {best.overrides}; re-running it over "
            f"{plural(len(best.trials), 'seed')}")
        keeper = artifacts.ModelKeeper(out, args.keep_models, len(best.trials))
        runner.run_plan(best, best_store, fast=not args.plain, on_model=keeper if keeper.wanted else None)
        keeper.fill_missing(best, fast=not args.plain)
    records = [r for r in map(store.get, sorted(p.stem for p in store.trials_dir.glob("*.json"))) if r]
    write_search_report(plan, args.tuner, args.objective, records, best,
                        runner.stored_records(best, best_store), out, figure_formats=args.figure_format)
    mlflow_tracking.report(plan.study.name, out)
    print(f"[{plan.study.name}] wrote {out}/ ({len(records)} search trials)")
    return 0


def run_study(args, argv: list[str], train: bool) -> int:
    if not train:
        hide_library_noise(getattr(args, "verbose", False), load_tensorflow=True)
        return _run_started(args, argv, train, None)
    with cluster(args) as pool:  # first: its workers start while this process plans
        hide_library_noise(getattr(args, "verbose", False), load_tensorflow=True)
        return _run_started(args, argv, train, pool)


def _run_started(args, argv: list[str], train: bool, pool) -> int:
    from suite import api  # deferred: loads Keras, keras-tuner and matplotlib

    plan = _plan(args)
    result = api.execute(plan, args.runs_dir, _results_dir(args, plan), train=train,
                         fresh=getattr(args, "fresh", False), fast=not getattr(args, "plain", False), pool=pool,
                         population_size=1 if getattr(args, "no_population", False) else getattr(args, "population", None),
                         figure_formats=args.figure_format)
    records, out = result.records, result.page.parent
    classes = [classify_record(r) for r in records]  # old records classify too
    counts = {status: classes.count(status) for status in STATUSES}
    missing = len(result.plan.trials) - len(records)
    print(f"[{plan.study.name}] wrote {out}/ ({', '.join(f'{n} {status}' for status, n in counts.items())}, "
          f"{missing} missing)")
    bad_checks = _report_checks(plan.study.name, result.checks) if records else 0
    if counts["failed"]:
        failed = [r for r in records if r["status"] == "failed"]
        print(f"[{plan.study.name}] {plural(len(failed), 'trial')} failed, first: {failed[0]['key']}: "
              f"{failed[0]['error']}; rerun to retry them", file=sys.stderr)
        return 1
    return 1 if bad_checks else 0


def _report_checks(name: str, checks: list[dict]) -> int:
    """Print the checks of the implementation (a failed one loudly, on stderr); the number failed."""
    from suite.reporting.check_lines import result_text  # deferred: loads pandas

    bad = [item for item in checks if item["result"] == "fail"]
    passed = sum(item["result"] == "pass" for item in checks)
    if checks and not bad:
        print(f"[{name}] checks of the implementation: {passed} of {len(checks)} passed"
              + (f", {len(checks) - passed} not run" if passed < len(checks) else ""))
    for item in bad:
        print(f"[{name}] CHECK OF THE IMPLEMENTATION FAILED: {item['check']}: `{item['metric']}` "
              f"{result_text(item).replace('**', '')}", file=sys.stderr)
    return len(bad)
