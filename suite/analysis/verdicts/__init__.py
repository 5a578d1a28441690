"""Verdicts: each Rule of a study judged on the trials frame, combined per claim and overall.

Pure DataFrame work, like analysis. Rule kinds are a registry (RULES, judges in
``suite.analysis.verdicts.judges``), so a study states its claims as data and a new kind of evidence is one
function. Every judge returns two one-sided p-values: ``p_support`` (the rule holds) and
``p_contradict`` (it is refuted). ``verdict`` corrects each family over the study's rules with
Holm's step-down method (Holm 1979, via ``statsmodels.stats.multitest.multipletests``) and
decides at ``analysis.ALPHA``, the level at which a two-sided ``analysis.CONFIDENCE`` interval
lies beyond a margin, so the rules and the tables share one confidence level.
"""
from __future__ import annotations

import gc
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from suite.analysis.frames import ALPHA, CONFIDENCE
from suite.design import seed_plan
from suite.errors import lookup
from suite.analysis.verdicts.judges import (POWER, difference, increasing, less_spread, small_vs_gap,
                                   within)
from suite.analysis.verdicts.optimum import optimum_spread
from suite.analysis.verdicts import budget

if TYPE_CHECKING:  # the study module imports this one (rule kinds): annotations only
    from suite.design.study import Rule, Study

MAX_SEEDS_SHOWN = 1000  # beyond this a seed estimate only says "not with seeds"


@dataclass(frozen=True)
class RuleKind:
    """A rule kind: its judge, the kind of test (``equivalence``: the claim is that a difference
    is small, supported only when its whole interval lies inside the margin; ``one-directional``:
    the claim is that a difference has a sign; ``bounds``: a level inside limits) and how it decides."""
    judge: Callable
    test: str
    text: str


RULES = {
    "better": RuleKind(difference, "one-directional",
                       "'better' (one-directional; the test made for the sample: Fisher's exact test for 0/1 outcomes, "
                       "a permutation test below 8 seeds a side, Welch's t-test from 8, a side identical across seeds "
                       "counted as one observation): mean(a) - mean(b) exceeds the margin"),
    "not_better": RuleKind(difference, "one-directional",
                           "'not_better' (one-directional, the same tests): mean(a) - mean(b) stays below the "
                           "margin (a side that fails to train makes it hold for the wrong reason, so claims of 'about "
                           "equal' use 'equivalent')"),
    "equivalent": RuleKind(difference, "equivalence",
                           "'equivalent' (equivalence, two one-sided tests, TOST, each the test made for the sample): "
                           "mean(a) - mean(b) lies "
                           "within ± the margin, over every finished seed; never supported when a seed of "
                           "either side collapsed or diverged"),
    "within": RuleKind(within, "bounds",
                       "'within' (one-sample t-test on the metric's scale against each bound): mean(a) lies "
                       "inside the bounds"),
    "increasing": RuleKind(increasing, "one-directional",
                           "'increasing' (one-directional Spearman rank correlation against the margin on "
                           "Fisher's z scale, Bonett & Wright's variance): the metric rises along the levels "
                           "with rho above the margin; a rho significantly below the margin refutes the rule"),
    "small_vs_gap": RuleKind(small_vs_gap, "equivalence",
                             "'small_vs_gap' (equivalence, two one-sided Welch contrasts): |mean(a) - mean(b)| "
                             "< margin x (mean(c) - mean(d))"),
    "less_spread": RuleKind(less_spread, "one-directional",
                            "'less_spread' (one-directional bootstrap over seeds): the std of the point means "
                            "over a, divided by that over b, is below the margin"),
    "optimum_spread": RuleKind(optimum_spread, "one-directional",
                               "'optimum_spread' (one-directional bootstrap over seeds): the best value of the "
                               "second 'along' axis, found at each level of the first, moves less on side a than on "
                               "side b (std of its log10 across those levels, b minus a, above the margin)"),
}


VERDICTS = ("supported", "not_supported", "inconclusive", "budget_limited")


def _decide(p_support: float, p_contradict: float, level: float = ALPHA) -> str:
    if p_support < level:
        return "supported"
    if p_contradict < level:
        return "not_supported"
    return "inconclusive"


def _evidence(rule: Rule, trials: pd.DataFrame) -> dict:
    kind = lookup(RULES, rule.kind, "rule kind")
    evidence = {"rule": rule.says, "kind": rule.kind, "test": kind.test, "a": rule.a, "b": rule.b,
                "metric": rule.metric, "margin": rule.margin}
    evidence.update({name: getattr(rule, name) for name in ("bounds", "along", "gap", "claim")
                     if getattr(rule, name)})
    judged = kind.judge(rule, trials)
    unlearned = trials.status.isin(("collapsed", "diverged"))
    if rule.kind != "equivalent" and getattr(rule, "runs", "learned") == "learned" and unlearned.any():
        # Runs that did not learn must not decide a rule by being left out (a 'better' side whose
        # failures are dropped) nor by being counted (a 'worse' side that merely failed to train):
        # the rule is decided only where it is decided both without them and with them.
        counted = kind.judge(rule, trials.assign(status=trials.status.where(~unlearned, "done")))
        with_them = _decide(_p(counted.get("p_support")), _p(counted.get("p_contradict")))
        judged = {**judged, "p_support": max(_p(judged.get("p_support")), _p(counted.get("p_support"))),
                  "p_contradict": max(_p(judged.get("p_contradict")), _p(counted.get("p_contradict"))),
                  "with_unlearned": with_them}
        note = f"with the collapsed/diverged runs counted: {with_them.replace('_', ' ')}"
        judged["detail" if "detail" in judged else "why"] = f"{judged.get('detail') or judged.get('why')}; {note}"
    assessed = budget.assess(rule, trials)
    return {**evidence, **judged, **({"late_gains": assessed} if assessed else {})}


def _p(value) -> float:
    return 1.0 if value is None or not np.isfinite(value) else float(value)


def _holm_adjusted(raw: list[float]) -> np.ndarray:
    """Holm-adjusted p-values of ``raw`` (same length, each in [0, 1]), by statsmodels.

    Its Holm branch ends with ``gc.collect()``, which walks the whole heap (with Keras and JAX
    loaded, ~0.15 s a call on a 2-core CPU); frozen for the call, the heap is not walked and
    the numbers are the same."""
    if gc.get_freeze_count():  # someone else froze it: leave their freeze alone
        return multipletests(raw, method="holm")[1]
    gc.freeze()
    try:
        return multipletests(raw, method="holm")[1]
    finally:
        gc.unfreeze()


def holm(evidence: list[dict], level: float = ALPHA) -> list[dict]:
    """Holm-adjusted p-values (``p_support_holm``, ``p_contradict_holm``) over the family of
    rules, each family corrected on its own, and each rule's verdict decided at ``level`` on them;
    a decided rule whose overturning side was still moving (``budget.overturning``) is
    ``budget_limited``. A rule that cannot be decided (NaN p-value) counts as p = 1."""
    if not evidence:
        return evidence
    adjusted = {}
    for name in ("p_support", "p_contradict"):
        raw = [_p(item.get(name)) for item in evidence]
        adjusted[name] = _holm_adjusted(raw)
    result = []
    for index, item in enumerate(evidence):
        support, contradict = float(adjusted["p_support"][index]), float(adjusted["p_contradict"][index])
        decided = _decide(support, contradict, level)
        why = budget.overturning(item["kind"], decided, item.get("difference"), item.get("late_gains"))
        if why:
            item = {**item, "would_be": decided, "budget_note": f"still moving at the end of the budget: {why}"}
            decided = "budget_limited"
        item = {**item, "p_support_holm": support, "p_contradict_holm": contradict, "verdict": decided}
        if decided == "inconclusive" and item.get("seeds_needed"):
            seeds = item["seeds_needed"]
            item["power_note"] = (f"{'about ' + str(seeds) if seeds <= MAX_SEEDS_SHOWN else f'more than {MAX_SEEDS_SHOWN}'}"
                                  f" seeds per point would detect a difference of "
                                  f"the margin at the observed spread (one-sided level {ALPHA:g}, power {POWER:g}, "
                                  f"before the correction)")
        if "detail" in item and np.isfinite(_p(item.get("p_support"))):
            item["detail"] += f"; p = {_p(item.get('p_support')):.2g} (Holm {support:.2g})"
        result.append(item)
    return result


def judge(rule: Rule, trials: pd.DataFrame) -> dict:
    """One rule on its own (a family of one: no correction)."""
    return holm([_evidence(rule, trials)])[0]


def _combine(evidence: list[dict]) -> str:
    """All rules supported -> supported; any contradicted -> not_supported; else any
    inconclusive -> inconclusive; else (supported and budget-limited rules) budget_limited."""
    verdicts = {item["verdict"] for item in evidence}
    return ("not_supported" if "not_supported" in verdicts
            else "supported" if verdicts == {"supported"}
            else "inconclusive" if "inconclusive" in verdicts or not verdicts else "budget_limited")


def rule_text(rules, looks: tuple = ()) -> str:
    """How the verdicts on a page are decided: the level, the kinds used, the correction."""
    kinds = list(dict.fromkeys(rule.kind for rule in rules))
    return (f"Each rule is a one-sided test at level {ALPHA:g} per direction (a rule is supported or "
            f"contradicted when the two-sided {100 * CONFIDENCE:g}% interval lies beyond its margin, the "
            f"level of every interval on this page); "
            + "; ".join(RULES[kind].text for kind in kinds if kind in RULES)
            + ". Runs that collapsed or diverged decide no rule: a rule counting only the runs that "
            "learned holds (or fails) only where it also does with those runs counted"
            + f". The p-values are corrected for the {len(rules)} rules of the study with Holm's method, "
            f"the support and the contradiction p-values each as one family. A claim is supported when "
            f"every rule holds, not supported when any is contradicted, inconclusive otherwise (budget-limited "
            f"when its open rules are all budget-limited); an inconclusive rule says about how many seeds per "
            f"point would decide it. {budget.text()}"
            + (f". Seeds follow a sequential design planned before the data: looks at {', '.join(map(str, looks))} "
               f"seeds per point; each look decides at one-sided level {sequential_level(looks):.4g} (the level "
               f"{ALPHA:g} spent evenly over the {len(looks)} looks: Bonferroni), later looks add seeds only at the "
               f"points of the rules still open, and a rule keeps the verdict of the first look that decides it"
               if len(looks) > 1 else ""))


def judge_looks(study: Study, trials: pd.DataFrame, looks: tuple = (), upto: int | None = None,
                first_seed: int = 0) -> list[dict]:
    """Each rule's evidence under the study's seed plan (``looks``: seeds per point at each look,
    ascending; the plan's seeds start at ``first_seed``). One look: judged once at ``ALPHA``.
    Several: a sequential design (``sequential``), each look of k seeds judged on the plan's first k
    seeds (rank ``seed - first_seed`` below k) at ``ALPHA / len(looks)`` (Bonferroni over the planned
    looks), a rule keeping the verdict of the first look that decides it; the evidence says which
    look that was (``look``, 1-based) and how many seeds it had (``seeds_at_look``). ``upto``: judge
    only the first ``upto`` looks (at the whole plan's level), as the design does between looks."""
    if len(looks) <= 1:
        return [{**item, "look": 1} for item in holm([_evidence(rule, trials) for rule in study.rules])]
    level, decided = sequential_level(looks), {}
    ranks = seed_plan.rank(trials.seed, first_seed)
    for index, seeds in enumerate(looks[:upto]):
        final = index == len(looks) - 1
        looked = trials[(ranks >= 0) & (ranks < seeds)]
        evidence = holm([_evidence(rule, looked) for rule in study.rules], level)
        for position, item in enumerate(evidence):
            if position not in decided and (item["verdict"] != "inconclusive" or final):
                decided[position] = {**item, "look": index + 1, "seeds_at_look": seeds}
        if len(decided) == len(study.rules):
            break
    return [decided.get(position) or {**item, "look": len(looks[:upto])} for position, item in enumerate(evidence)]


def sequential_level(looks: tuple) -> float:
    """The one-sided level each look decides at: ``ALPHA`` spent evenly over the planned looks
    (Bonferroni; the simplest alpha-spending rule, valid whatever the looks' correlation)."""
    return ALPHA / max(len(looks), 1)


def undecided_sides(study: Study, evidence: list[dict], derived: frozenset = frozenset()) -> list[dict]:
    """The partial points of the rules still ``inconclusive``: where a later look adds seeds. A
    rule on a metric in ``derived`` (a column the study's ``derive`` computes, possibly across
    points, e.g. a slope over sizes) needs new seeds at every point, given as ``{}`` (all)."""
    return [side for rule, item in zip(study.rules, evidence) if item["verdict"] == "inconclusive"
            for side in ([{}] if rule.metric in derived else budget.sides(rule))]


def verdict(study: Study, trials: pd.DataFrame, looks: tuple = (), first_seed: int = 0) -> dict:
    """The study's verdict, one per clause of its claim, and the seed plan it was judged under
    (``plan``: for a sequential design, or a plan whose seeds start at ``first_seed`` > 0)."""
    evidence = judge_looks(study, trials, tuple(looks), first_seed=first_seed)
    result = {"claim": study.claim, "rule": rule_text(study.rules, tuple(looks)), "confidence": CONFIDENCE,
              "correction": "holm", "verdict": _combine(evidence), "evidence": evidence}
    if len(looks) > 1 or first_seed:
        result["plan"] = {"looks": list(looks), "level_per_look": sequential_level(tuple(looks)),
                          "spending": "Bonferroni over the planned looks" if len(looks) > 1 else "one look",
                          "first_seed": first_seed}
    claims = list(study.clauses) or list(dict.fromkeys(rule.claim for rule in study.rules if rule.claim))
    if claims:
        result["claims"] = [{"claim": claim, "verdict": _combine(items), "evidence": items}
                            for claim in claims
                            for items in [[e for e in evidence if e.get("claim") == claim]]]
    return result
