"""Writes ``results/<study>/``: README.md, trials.csv, summary.csv, verdict.json and PNG plots."""
from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from suite import analysis, plots
from suite.store import atomic_write_text
from suite.study import DEFAULTS, Plan


def _cell(row: pd.Series, metric: str) -> str:
    if row["n"] == 0:
        return "diverged" if row["n_diverged"] else "failed" if row["n_failed"] else "missing"
    mean, std = row[f"{metric}_mean"], row[f"{metric}_std"]
    text = f"{100 * mean:.2f}" + (f" ± {100 * std:.2f}" if not math.isnan(std) else "")
    if not math.isnan(row[f"{metric}_ci_low"]):
        text += f" [{100 * row[f'{metric}_ci_low']:.2f}, {100 * row[f'{metric}_ci_high']:.2f}]"
    return text


def results_table(plan: Plan, summary: pd.DataFrame, trials: pd.DataFrame | None = None) -> str:
    """Markdown: one row per scientific value, metrics in % as mean ± std [95% CI]."""
    table = summary[list(plan.axes)].copy()
    for key in plan.study.nuisance or {}:  # the values tuned for each scientific value
        first = trials.groupby(plan.axes)[key].first()
        table[f"tuned {key}"] = [f"{first.loc[v]:.4g}" if isinstance(first.loc[v], float) else first.loc[v]
                                 for v in summary[plan.axes[0]]]
    table["seeds (done/diverged/failed)"] = [
        f"{r.n}/{r.n_diverged}/{r.n_failed}" for r in summary.itertuples()]
    for metric in plan.study.metrics:
        table[f"{metric} %"] = [_cell(row, metric) for _, row in summary.iterrows()]
        reference = f"reference_{metric}"
        if reference in summary:
            table[f"published {metric} %"] = [
                "" if math.isnan(v) else f"{100 * v:.1f}" for v in summary[reference]]
    return table.to_markdown(index=False)


def _evidence_lines(verdict: dict) -> list[str]:
    lines = []
    for item in verdict["evidence"]:
        if "difference" in item:
            lines.append(f"- {item['rule']}: {item['verdict']} (difference "
                         f"{100 * item['difference']:+.2f} points, one-sided 95% bounds "
                         f"[{100 * item['lower_bound']:+.2f}, {100 * item['upper_bound']:+.2f}], "
                         f"margin {100 * item['margin']:.1f}; n = {item['n_a']} vs {item['n_b']})")
        else:
            lines.append(f"- {item['rule']}: {item['verdict']} ({item['why']})")
    return lines


def _environment(records: list[dict]) -> list[str]:
    env = records[0]["environment"]
    commits = sorted({str(r["environment"].get("git_commit")) for r in records})
    total = sum(r["wall_time_s"] for r in records)
    packages = ", ".join(f"{k} {v}" for k, v in env["packages"].items())
    return [f"- backend: {env['backend']}; device: {env['device']}; {env['cpu_count']} CPUs; "
            f"python {env['python']}", f"- packages: {packages}",
            f"- git commit(s): {', '.join(commits)}",
            f"- total training wall time: {total / 60:.1f} min over {len(records)} trials "
            f"(fast path: {records[0].get('fast_path')})"]


def write_report(plan: Plan, records: list[dict], out_dir: Path) -> Path:
    study, axis = plan.study, plan.axes[0]
    out_dir.mkdir(parents=True, exist_ok=True)
    trials = analysis.trials_frame(records, plan.axes, tuple(study.nuisance or ()))
    summary = analysis.summarize(trials, study)
    history = analysis.history_frame(records, plan.axes)
    verdict = analysis.verdict(study, trials)

    atomic_write_text(out_dir / "trials.csv", trials.to_csv(index=False))
    atomic_write_text(out_dir / "summary.csv", summary.to_csv(index=False))
    atomic_write_text(out_dir / "verdict.json", json.dumps(verdict, indent=2) + "\n")

    figures = {f"{metric}_vs_{axis}.png": plots.metric_vs_axis(summary, axis, metric, trials)
               for metric in study.metrics[:1]}
    if not history.empty:
        figures.update({f"curves_{metric}.png": plots.learning_curves(history, axis, metric)
                        for metric in study.curves})
    for name, figure in figures.items():
        figure.savefig(out_dir / name, dpi=110)
        plt.close(figure)

    config = {k: v for k, v in plan.trials[0].config.items() if k not in (*plan.axes, "seed")}
    changed = {k: v for k, v in config.items() if DEFAULTS.get(k) != v}
    splits = records[0].get("splits", {})
    missing = len(plan.trials) - len(records)
    lines = [
        f"# Study `{study.name}`", "", f"**Claim.** {study.claim}", "", f"**Source.** {study.source}",
        "", f"**Verdict: {verdict['verdict'].replace('_', ' ')}.**", "", *_evidence_lines(verdict), "",
        "## Setup", "",
        f"- profile `{plan.profile}`; dataset `{config['dataset']}` "
        f"({', '.join(f'{k} {v}' for k, v in splits.items())}); "
        f"{len({r['seed'] for r in records})} seeds; axis `{axis}` = {study.axes[axis]}",
        f"- config (beyond the suite defaults): `{json.dumps(changed, sort_keys=True)}`",
        f"- command-line overrides: `{json.dumps(plan.overrides, sort_keys=True)}`",
        "- best-dev-accuracy weights are kept and the test split is evaluated once with them",
    ]
    if missing:
        lines.append(f"- **{missing} of {len(plan.trials)} trials are not stored yet**: "
                     f"the numbers below cover the stored ones")
    if study.notes:
        lines.append(f"- {study.notes}")
    lines += ["", "## Results", "", "Accuracies in %: mean ± std over seeds [95% t-interval].", "",
              results_table(plan, summary, trials), ""]
    for reference in study.references:
        lines += [f"Published numbers: {reference.citation}.", ""]
    lines += [f"![{name}]({name})" for name in figures]
    lines += ["", "Files: [trials.csv](trials.csv) (one row per trial), [summary.csv](summary.csv), "
              "[verdict.json](verdict.json).", "", "## Environment", "", *_environment(records), ""]
    atomic_write_text(out_dir / "README.md", "\n".join(lines))
    return out_dir


def search_frame(records: list[dict], space: dict, objective_metric: str) -> pd.DataFrame:
    """One row per search trial in order of completion (dev objective only: test stays unseen)."""
    rows = [{**{name: record["point"].get(name) for name in space},
             "epochs": record["config"]["epochs"], "status": record["status"],
             objective_metric: record["metrics"].get(objective_metric, math.nan),
             "wall_time_s": record["wall_time_s"], "finished_at": record.get("finished_at", ""),
             "key": record["key"]} for record in records]
    return pd.DataFrame(rows).sort_values("finished_at", ignore_index=True)


def write_search_report(plan: Plan, tuner: str, objective: str, records: list[dict], best: Plan,
                        best_records: list[dict], out_dir: Path) -> Path:
    from suite.tuning import OBJECTIVES

    metric, direction = OBJECTIVES[objective]
    space = plan.study.search
    out_dir.mkdir(parents=True, exist_ok=True)
    trials = search_frame(records, space, metric)
    best_trials = analysis.trials_frame(best_records, best.axes)
    rerun = analysis.summarize(best_trials, best.study)
    atomic_write_text(out_dir / "trials.csv", trials.to_csv(index=False))
    atomic_write_text(out_dir / "best_rerun.csv", best_trials.to_csv(index=False))
    atomic_write_text(out_dir / "best_summary.csv", rerun.to_csv(index=False))

    figures = {"optimization_history.png": plots.optimization_history(trials, metric, direction == "max")}
    for name, spec in space.items():
        figures[f"param_{name}.png"] = plots.objective_vs_parameter(
            trials, name, metric, spec.get("sampling") == "log", hue="epochs" if tuner == "hyperband" else None)
    for name, figure in figures.items():
        figure.savefig(out_dir / name, dpi=110)
        plt.close(figure)

    top = trials.sort_values(metric, ascending=direction == "min").head(10)
    space_lines = [f"  - `{name}`: {json.dumps(spec)}" for name, spec in space.items()]
    counts = trials.status.value_counts().to_dict()
    lines = [
        f"# Search `{plan.study.name}` ({tuner})", "", f"{plan.study.claim}", "",
        "## Setup", "",
        f"- tuner `{tuner}` (keras-tuner oracle), objective `{objective}` = {metric} "
        f"({direction}imize, on the dev split); {len(trials)} trials ({counts})",
        f"- profile `{plan.profile}`, dataset `{plan.trials[0].config['dataset']}`, base config "
        f"overrides `{json.dumps(plan.overrides, sort_keys=True)}`; every search trial uses seed 0",
        "- search space:", *space_lines, "",
        "## Best configuration", "",
        f"`{json.dumps(best.overrides, sort_keys=True)}`, re-run with the full epoch budget over "
        f"{len(best_records)} seeds; the test split is used only here.", "",
        results_table(best, rerun), "",
        "## Top trials", "", top.drop(columns=["key", "finished_at"]).to_markdown(index=False), "",
        *[f"![{name}]({name})" for name in figures], "",
        "Files: [trials.csv](trials.csv) (every search trial), [best_rerun.csv](best_rerun.csv), "
        "[best_summary.csv](best_summary.csv).", "",
        "## Environment", "", *_environment(records + best_records), "",
    ]
    atomic_write_text(out_dir / "README.md", "\n".join(lines))
    return out_dir
