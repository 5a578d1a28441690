"""Writes ``results/<study>/``: README.md, trials.csv, summary.csv, verdict.json and PNG plots."""
from __future__ import annotations

import hashlib
import json
import math
import sys
from collections import Counter
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from suite.analysis import frames as analysis
from suite.reporting import related
from suite.reporting import search_plots
from suite.reporting import tables
from suite.analysis import checks as implementation_checks
from suite.analysis import search_bounds, verdicts
from suite.reporting import check_lines
from suite.analysis.study_frames import study_trials
from suite.console import plural
from suite.design import seed_plan
from suite.reporting.figures import build as build_figures
from suite.execution.sequential import seeds_spent
from suite.store import provenance
from suite.store.files import replaced_whole
from suite.store.trial_store import atomic_write_text
from suite.design.study import DEFAULTS, Plan, overlays


DPI = 200  # PNGs sharp enough for a printed page; the SVG beside each is exact

WEIGHTS_KEPT = {
    "best_dev": "best-dev-accuracy weights are kept and the test split is evaluated once with them",
    "last": "the last epoch's weights are kept (no early stopping) and the test split is evaluated "
            "once with them",
}



def _environment(records: list[dict]) -> list[str]:
    env = records[0]["environment"]  # its optional fields may be missing (suite.store.records)
    commits = sorted({str(r["environment"].get("git_commit")) for r in records})
    total = sum(r["wall_time_s"] for r in records)
    packages = ", ".join(f"{k} {v}" for k, v in (env.get("packages") or {}).items()) or "not recorded"
    backends = ", ".join(sorted({str(r["environment"].get("backend")) for r in records}))
    return [f"- backend{'s' if ',' in backends else ''}: {backends}; device: {env.get('device') or 'not recorded'}; "
            f"{env.get('cpu_count') or '?'} CPUs; python {env.get('python') or '?'}", f"- packages: {packages}",
            f"- git commit(s): {', '.join(commits)}",
            f"- total training wall time: {total / 60:.1f} min over {len(records)} trials "
            f"(fast path: {records[0].get('fast_path')})", _hosts(records)]


def _hosts(records: list[dict]) -> str:
    """Which host (and worker) trained how many of the trials."""
    counts = Counter((r.get("host") or r.get("environment", {}).get("host") or "unknown host",
                      r.get("worker") or "local") for r in records)
    hosts = "; ".join(f"{host} ({worker}): {n}" for (host, worker), n in sorted(counts.items()))
    return f"- trained on (host (worker): trials): {hosts}"


def _axes_lines(plan: Plan) -> list[str]:
    lines = []
    for axis, table in overlays(plan.study).items():
        if isinstance(plan.study.axes[axis], dict):
            named = "; ".join(f"`{name}` = `{json.dumps(overrides, sort_keys=True)}`"
                              for name, overrides in table.items())
            lines.append(f"- axis `{axis}`: {named}")
        else:
            lines.append(f"- axis `{axis}` = {plan.study.axes[axis]}")
    points = len({tuple(t.point[a] for a in plan.axes) for t in plan.trials})
    crossed = math.prod(len(values) for values in plan.study.axes.values())
    if points < crossed:
        lines.append(f"- {points} of the {crossed} crossed points are run (the study's selection)")
    return lines


def _datasets_text(config: dict, records: list[dict], splits: dict) -> str:
    """'dataset `mnist_10k` (train 7000, dev 1000, test 2000)', or each dataset with its sizes when
    the points use several (an axis sets the dataset)."""
    if "dataset" in config:
        return f"dataset `{config['dataset']}` ({', '.join(f'{k} {v}' for k, v in splits.items())})"
    sizes = {r["config"]["dataset"]: r.get("splits", {}) for r in records}
    return "datasets " + "; ".join(f"`{name}` ({', '.join(f'{k} {v}' for k, v in sizes[name].items())})"
                                   for name in sorted(sizes))


def _nuisance_objective(study) -> tuple[str, str]:
    """(metric, direction) the study's nuisance search chose by (``suite.search.tuner_search.nuisance_objective``)."""
    from suite.search.tuner_search import nuisance_objective  # keras-tuner loads only where a search is reported

    return nuisance_objective(study)[1:]


def _search_seed() -> int:
    from suite.execution.tuning import SEARCH_SEED  # keras-tuner loads only where a search is reported

    return SEARCH_SEED


def save_figures(figures: dict, out_dir: Path, formats=("png",)) -> list[str]:
    """Write each ``name.png`` -> Figure in every format of ``formats`` (png, svg, pdf)
    and close it; return the markdown lines: each PNG, with links to its vector copies."""
    lines = []
    for name, figure in figures.items():
        stem = name.rsplit(".", 1)[0]
        for form in formats:
            # a fixed date keeps a vector file byte-identical when its figure did not change
            figure.savefig(out_dir / f"{stem}.{form}", dpi=DPI,
                           metadata={"Date": None} if form == "svg" else {"CreationDate": None} if form == "pdf" else None)
        plt.close(figure)
        vectors = [f"[{form.upper()}]({stem}.{form})" for form in formats if form != "png"]
        lines.append(f"![{stem}]({stem}.png)" + (f"\n{' · '.join(vectors)}\n" if vectors else ""))
    return lines


def plan_hash(plan: Plan) -> str:
    """A short hash of what the verdicts were planned on: clauses, rules (margins, targets),
    axes (grids), the profile's settings and seeds (the looks and, past 0, the first seed: a
    replication is another plan), the command-line overrides."""
    study = plan.study
    parts = (study.clauses, study.rules, study.axes, study.profiles.get(plan.profile), plan.looks,
             sorted(plan.overrides.items()))
    planned = repr(parts + ((("first_seed", plan.first_seed),) if plan.first_seed else ()))  # 0: hashes as before
    return hashlib.sha1(planned.encode()).hexdigest()[:12]


def _seed_values(plan: Plan, records: list[dict]) -> str:
    """' (100-115)': the stored seeds' values, for a plan whose seeds start past 0; '' otherwise."""
    seeds = sorted({record["seed"] for record in records})
    if not plan.first_seed or not seeds:
        return ""
    return f" ({seed_plan.span(seeds[0], seeds[-1])})"


def _changed_at(study) -> str | None:
    """The commit where the study's module last changed (None for a study built in Python)."""
    module = next((m for m in list(sys.modules.values()) if getattr(m, "STUDY", None) is study), None)
    return provenance.last_change(Path(module.__file__)) if getattr(module, "__file__", None) else None


def write_report(plan: Plan, records: list[dict], out_dir: Path, searches: list[dict] | None = None,
                 figure_formats=("png",), comparison: dict | None = None) -> Path:
    """``searches``: the nuisance searches' stored trials (``suite.search.tuner_search.nuisance_records``);
    ``figure_formats``: the files written per figure (png first, svg, pdf); ``comparison``: a
    search comparison's parts (``suite.search.hpo.report_parts``: anytime curves, setup and results lines).
    The report is written beside ``out_dir`` and replaces it whole, or not at all."""
    with replaced_whole(out_dir) as staging:
        _write_report_files(plan, records, staging, searches, figure_formats, comparison, out_dir)
    return out_dir


def _write_report_files(plan: Plan, records: list[dict], out_dir: Path, searches: list[dict] | None,
                        figure_formats, comparison: dict | None, final_dir: Path) -> None:
    """Write the report's files into ``out_dir`` (staging); ``final_dir`` is where it will lie."""
    study = plan.study
    out_dir.mkdir(parents=True, exist_ok=True)
    trials = study_trials(plan, records)
    summary = analysis.summarize(trials, study)
    history = analysis.history_frame(records, plan.axes)
    verdict = verdicts.verdict(study, trials, plan.looks, plan.first_seed)
    verdict.update(plan_hash=plan_hash(plan), rules_changed_at=_changed_at(study))
    checks = implementation_checks.evaluate(study, trials, plan.profile)
    if checks:  # beside the verdict, never part of it
        verdict["checks"] = checks

    atomic_write_text(out_dir / "trials.csv", trials.to_csv(index=False))
    atomic_write_text(out_dir / "summary.csv", summary.to_csv(index=False))
    atomic_write_text(out_dir / "verdict.json", json.dumps(verdict, indent=2) + "\n")
    search_frame_ = analysis.nuisance_frame(searches, list(study.nuisance), *_nuisance_objective(study)) \
        if searches else None
    if search_frame_ is not None:
        atomic_write_text(out_dir / "nuisance_trials.csv", search_frame_.to_csv(index=False))
    if comparison is not None:  # the search figures draw on every repetition's anytime curve
        search_frame_ = comparison["curves"]
        atomic_write_text(out_dir / "search_trials.csv", search_frame_.to_csv(index=False))

    figure_lines = save_figures(build_figures(plan, trials, summary, history, records, search_frame_), out_dir,
                                figure_formats)

    varied = {key for table in overlays(study).values() for overrides in table.values() for key in overrides}
    chosen_by_search = (*(study.nuisance or ()), *(study.search or () if study.comparison else ()))
    config = {k: v for k, v in plan.trials[0].config.items() if k not in (*varied, *chosen_by_search, "seed")}
    changed = {k: v for k, v in config.items() if DEFAULTS.get(k) != v}
    splits = records[0].get("splits", {})
    missing = len(plan.trials) - len(records)
    axes_text = (f"; axis `{plan.axes[0]}` = {study.axes[plan.axes[0]]}"
                 if len(plan.axes) == 1 and not isinstance(study.axes[plan.axes[0]], dict) else "")
    lines = [
        f"# Study `{study.name}`", "", f"**Claim.** {study.claim}", "", f"**Source.** {study.source}",
        "", *check_lines.banner(checks), *tables.verdict_lines(verdict), "",
        *tables.plan_lines(verdict, seeds_spent(plan, records), verdict["plan_hash"], verdict["rules_changed_at"] or ""),
        "",
        *related.related_lines(study, plan.profile, verdict, trials,
                               related.load_others(study, plan.profile, final_dir), final_dir),
        *check_lines.section(checks),
        "## Setup", "",
        f"- profile `{plan.profile}`; {_datasets_text(config, records, splits)}; "
        f"{plural(len({r['seed'] for r in records}), 'seed')}{_seed_values(plan, records)}{axes_text}",
        *([] if axes_text else _axes_lines(plan)),
        f"- config (beyond the suite defaults): `{json.dumps(changed, sort_keys=True)}`",
        f"- command-line overrides: `{json.dumps(plan.overrides, sort_keys=True)}`",
        f"- {WEIGHTS_KEPT.get(config['keep_weights'], config['keep_weights'])}" if "keep_weights" in config else
        "- keep_weights differs between points (see the axis): " + "; ".join(f"`{k}`: {v}" for k, v in WEIGHTS_KEPT.items()),
    ]
    if missing:
        lines.append(f"- **{missing} of {len(plan.trials)} trials are not stored yet**: "
                     f"the numbers below cover the stored ones")
    if study.nuisance:
        lines.append(f"- nuisance hyperparameters tuned on the dev split for each point (seed {_search_seed()}), then "
                     f"every confirmation seed (disjoint from it) run with the chosen values: `{json.dumps(study.nuisance)}`, budget "
                     f"`{json.dumps(study.nuisance_budget, sort_keys=True)}` per point"
                     + (f"; {len(searches)} search trials in [nuisance_trials.csv](nuisance_trials.csv)"
                        if searches else ""))
    if comparison is not None:
        lines += [*comparison["setup"], "- search trials: [search_trials.csv](search_trials.csv) (one row per "
                  "trial of every repetition, with the epochs spent and the best dev accuracy so far)"]
    if study.notes:
        lines.append(f"- {study.notes}")
    lines += ["", "## Results", "", *tables.results_legend(study), "",
              tables.results_table(plan, summary, trials), "", *tables.table_lines(study, summary),
              *(comparison["results"] if comparison is not None else [])]
    for citation in dict.fromkeys(reference.citation for reference in study.references):
        lines += [f"Published numbers: {citation}.", ""]
    lines += figure_lines
    lines += ["", "Files: [trials.csv](trials.csv) (one row per trial), [summary.csv](summary.csv), "
              "[verdict.json](verdict.json).", "", "## Environment", "", *_environment(records), ""]
    atomic_write_text(out_dir / "README.md", "\n".join(lines))


def search_frame(records: list[dict], space: dict, objective_metric: str) -> pd.DataFrame:
    """One row per search trial in order of completion (dev objective only: test stays unseen)."""
    rows = [{**{name: record["point"].get(name) for name in space},
             "epochs": record["config"]["epochs"], "status": record["status"],
             objective_metric: record["metrics"].get(objective_metric, math.nan),
             "wall_time_s": record["wall_time_s"], "finished_at": record.get("finished_at", ""),
             "key": record["key"]} for record in records]
    return pd.DataFrame(rows).sort_values("finished_at", ignore_index=True)


def write_search_report(plan: Plan, tuner: str, objective: str, records: list[dict], best: Plan,
                        best_records: list[dict], out_dir: Path, figure_formats=("png",)) -> Path:
    """The search's report, written beside ``out_dir`` and swapped in whole."""
    with replaced_whole(out_dir, keep=("*.keras",)) as staging:  # the models suite.store.artifacts kept
        _write_search_files(plan, tuner, objective, records, best, best_records, staging, figure_formats,
                            out_dir)
    return out_dir


def _write_search_files(plan: Plan, tuner: str, objective: str, records: list[dict], best: Plan,
                        best_records: list[dict], out_dir: Path, figure_formats, final_dir: Path) -> None:
    from suite.execution.tuning import OBJECTIVES  # deferred: loads keras-tuner and Keras

    metric, direction = OBJECTIVES[objective]
    space = plan.study.search
    out_dir.mkdir(parents=True, exist_ok=True)
    trials = search_frame(records, space, metric)
    best_trials = analysis.trials_frame(best_records, best.axes)
    rerun = analysis.summarize(best_trials, best.study)
    atomic_write_text(out_dir / "trials.csv", trials.to_csv(index=False))
    atomic_write_text(out_dir / "best_rerun.csv", best_trials.to_csv(index=False))
    atomic_write_text(out_dir / "best_summary.csv", rerun.to_csv(index=False))

    figures = {"optimization_history.png": search_plots.optimization_history(trials, metric, direction == "max")}
    for name, spec in space.items():
        figures[f"param_{name}.png"] = search_plots.objective_vs_parameter(
            trials, name, metric, spec.get("sampling") == "log", hue="epochs" if tuner == "hyperband" else None)
    figure_lines = save_figures(figures, out_dir, figure_formats)

    top = trials.sort_values(metric, ascending=direction == "min").head(10)
    space_lines = [f"  - `{name}`: {json.dumps(spec)}" for name, spec in space.items()]
    counts = trials.status.value_counts().to_dict()
    lines = [
        f"# Search `{plan.study.name}` ({tuner})", "", f"{plan.study.claim}", "",
        "## Setup", "",
        f"- tuner `{tuner}` (keras-tuner oracle), objective `{objective}` = {metric} "
        f"({direction}imize, on the dev split); {len(trials)} trials "
        f"({', '.join(f'{n} {status}' for status, n in counts.items())})",
        f"- profile `{plan.profile}`, dataset `{plan.trials[0].config['dataset']}`, base config "
        f"overrides `{json.dumps(plan.overrides, sort_keys=True)}`; every search trial uses seed "
        f"{_search_seed()}, the re-run of the best uses other seeds",
        "- search space:", *space_lines, "",
        "## Best configuration", "",
        f"`{json.dumps(best.overrides, sort_keys=True)}`, re-run with the full epoch budget over "
        f"{plural(len(best_records), 'seed')} (none of them the search's seed); the test split is used only here.", "",
        *search_bounds.boundary_lines(trials, space, metric, direction == "max", best=best.overrides), "",
        *tables.results_legend(), "", tables.results_table(best, rerun), "",
        "## Top trials", "", top.drop(columns=["key", "finished_at"]).to_markdown(index=False), "",
        *figure_lines, "",
        "Files: [trials.csv](trials.csv) (every search trial), [best_rerun.csv](best_rerun.csv), "
        "[best_summary.csv](best_summary.csv)" + "".join(
            f", [{path.name}]({path.name})" for path in sorted(final_dir.glob("best_model*.keras")))
        + " (`keras.saving.load_model`)" * any(final_dir.glob("best_model*.keras")) + ".", "",
        "## Environment", "", *_environment(records + best_records), "",
    ]
    atomic_write_text(out_dir / "README.md", "\n".join(lines))
