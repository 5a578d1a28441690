"""The sequential seed design (issue 30): which trials a plan's looks ask for, given what is stored.

A profile's seeds ``(5, 10, 20)`` are three looks: the first runs every point with seeds 0-4; the
rules are judged (``suite.analysis.verdicts.judge_looks``, each look at the level its plan spends);
the next look adds seeds 5-9 only at the points of the rules still inconclusive, and so on up to
the maximum. With the profile's ``first_seed`` N (a replication on fresh seeds) the same looks take
seeds N..N+4, N+5..N+9, ...: a look counts the plan's seeds by rank (seed - N), never by value. The
trials asked for follow from the stored results alone, so a rerun (after a crash, or on another
machine) asks for the same ones, and a report knows which are missing.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable

from suite.analysis import verdicts
from suite.analysis.frames import trials_frame
from suite.analysis.study_frames import study_trials
from suite.design import seed_plan
from suite.design.study import Plan, Trial
from suite.training.outcomes import FINISHED


def _matches(trial: Trial, sides: list[dict]) -> bool:
    """Whether ``trial`` sits at one of ``sides`` (partial points; ``{}`` matches every trial)."""
    return any(all(trial.point.get(axis) in (wanted if isinstance(wanted, (list, tuple)) else [wanted])
                   for axis, wanted in side.items()) for side in sides)


def _at_look(plan: Plan, look: int) -> list[Trial]:
    """The trials whose seed the look ``look`` (0-based) adds: ranks from the previous look's count
    up to its own."""
    low = plan.looks[look - 1] if look else 0
    return [trial for trial in plan.trials
            if low <= seed_plan.rank(trial.point["seed"], plan.first_seed) < plan.looks[look]]


def planned(plan: Plan, load: Callable[[list[Trial]], list[dict]]) -> tuple[list[Trial], int]:
    """(the trials the design asks for now, the look they reach, 1-based). ``load(trials)``
    returns the stored records among ``trials``. A look is judged only once all of its trials
    finished; until then the design asks for no more."""
    if len(plan.looks) <= 1:
        return list(plan.trials), 1
    trials = _at_look(plan, 0)
    for look in range(1, len(plan.looks)):
        records = load(trials)
        if sum(record["status"] in FINISHED for record in records) < len(trials):
            return trials, look
        frame = study_trials(plan, records)
        evidence = verdicts.judge_looks(plan.study, frame, plan.looks, upto=look, first_seed=plan.first_seed)
        # a derived metric may read every point (a slope over sizes): its rules extend all of them
        raw = trials_frame(records, plan.study.levels, tuple(plan.study.nuisance or ()))
        derived = frozenset(frame.columns) - frozenset(raw.columns)
        sides = verdicts.undecided_sides(plan.study, evidence, derived)
        if not sides:
            return trials, look
        trials = trials + [trial for trial in _at_look(plan, look) if _matches(trial, sides)]
    return trials, len(plan.looks)


def run(plan: Plan, train: Callable[[Plan], object], load: Callable[[list[Trial]], list[dict]]) -> Plan:
    """Train look after look (``train(plan)`` runs a plan's unfinished trials) until the design
    asks for nothing more; returns the plan narrowed to the trials it asked for."""
    done: list[Trial] = []
    while True:
        trials, _ = planned(plan, load)
        if [t.key for t in trials] == [t.key for t in done]:
            return replace(plan, trials=trials)
        train(replace(plan, trials=trials))
        done = trials


def seeds_spent(plan: Plan, records: list[dict]) -> dict:
    """How many seeds each look added (trials per look, look 1-based), for the page; a record's
    seed counts by its rank in the plan (seed - first_seed)."""
    ranks = [seed_plan.rank(record["seed"], plan.first_seed) for record in records]
    looks = plan.looks or (max(ranks, default=-1) + 1,)
    counts, low = {}, 0
    for look, high in enumerate(looks, 1):
        counts[look] = sum(low <= rank < high for rank in ranks)
        low = high
    return counts

