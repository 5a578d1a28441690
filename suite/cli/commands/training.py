"""The commands that plan a study: ``run``, ``report`` and ``search`` (which need a Keras
backend, chosen by ``suite.cli.main`` before it calls them), and ``list`` and ``keys``."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from suite.console import plural, say
from suite.training.outcomes import STATUSES, classify_record
from suite.store.files import writable
from suite.store import artifacts
from suite.execution import mlflow_tracking, parallel
from suite import registry


def worker_argv(argv: list[str]) -> list[str]:
    """The launcher's own arguments, less what only the launcher does, as one local worker."""
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--workers":
            skip = True
        elif not (arg.startswith("--workers=") or arg == "--fresh"):
            kept.append(arg)
    return [*kept, "--role", "worker"]


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
    if args.fresh and args.role is None:
        for path in [*store.trials_dir.glob("*.json"), *best_store.trials_dir.glob("*.json")]:
            path.unlink()
    chief_at = (args.oracle_ip or "0.0.0.0", args.oracle_port) if args.role == "chief" else None
    best_store.check_all()  # read only after the search: a damaged record must stop it before
    oracle = search.run_search(plan, store, args.tuner, args.max_trials, args.objective,
                               fast=not args.plain, workers=args.workers, worker_argv=worker_argv(argv),
                               max_epochs=args.max_epochs, factor=args.factor, chief_at=chief_at)
    if args.role == "worker":
        return 0
    best = search.best_plan(plan, oracle, len(plan.trials), epochs=args.max_epochs)
    say(f"[{plan.study.name}] best: {best.overrides}; re-running it over {plural(len(best.trials), 'seed')}")
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
    started = None
    if train and args.workers > 1 and args.role is None:
        # This process will be worker0: start the others first, so their imports and start-up
        # overlap this process's instead of following them.
        port = parallel.free_port()
        started = (port, parallel.start(worker_argv(argv), args.workers, "127.0.0.1", port, first=1))
    try:
        return _run_started(args, argv, train, started)
    finally:
        for process in started[1] if started else ():
            process.kill()  # only those still running: nothing left for them to do


def _run_started(args, argv: list[str], train: bool, started) -> int:
    from suite import api  # deferred: loads Keras, keras-tuner and matplotlib

    plan = _plan(args)
    role = getattr(args, "role", None)
    oracle = (args.oracle_ip or "0.0.0.0", args.oracle_port) if role == "chief" else None
    result = api.execute(plan, args.runs_dir, _results_dir(args, plan), train=train,
                         fresh=getattr(args, "fresh", False), fast=not getattr(args, "plain", False),
                         workers=getattr(args, "workers", 1), worker_argv=worker_argv(argv), started=started,
                         population_size=1 if getattr(args, "no_population", False) else getattr(args, "population", None),
                         role=role, oracle=oracle, figure_formats=args.figure_format)
    if role == "worker":
        return 0
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
