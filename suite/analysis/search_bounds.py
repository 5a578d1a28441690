"""Whether a search's best value sits on a boundary of its range: pure DataFrame work for the
search reports (``suite search``).

A best value on (or next to) the edge of its range says the optimum may lie beyond it: the range,
not the objective, chose that value, and a wider range might find better. Bounds are read on
each parameter's sampling scale (log or linear): a value equal to a bound is *on* it; a value in
the outer ``NEAR`` of the range (a continuous parameter is seldom drawn exactly at a bound) is
*near* it. A numeric choice of at least 3 values is on a boundary at its smallest or largest
value; other choices have no order and no boundary.
"""
from __future__ import annotations

import math
import numbers

import pandas as pd

NEAR = 0.05  # the outer 5 % of a range on its sampling scale counts as "near" its bound (our convention)


def boundary_hits(values: dict, space: dict, near: float = NEAR) -> list[dict]:
    """For each parameter of ``space`` whose value in ``values`` is on or near a bound: a dict with
    ``name``, ``value``, ``side`` ("lower" or "upper"), ``bound``, ``where`` ("on" or "near") and
    ``range`` (the declared [low, high] or the sorted choices)."""
    hits = []
    for name, spec in space.items():
        value = values.get(name)
        if value is None or isinstance(value, bool) or not isinstance(value, numbers.Real) or value != value:
            continue
        if "choice" in spec:
            choices = spec["choice"]
            if len(choices) < 3 or not all(isinstance(c, numbers.Real) and not isinstance(c, bool) for c in choices):
                continue
            low, high = min(choices), max(choices)
            side = "lower" if math.isclose(value, low) else "upper" if math.isclose(value, high) else None
            if side:
                hits.append({"name": name, "value": value, "side": side, "bound": low if side == "lower" else high,
                             "where": "on", "range": sorted(choices)})
            continue
        kind = "int" if "int" in spec else "float" if "float" in spec else None
        if kind is None:
            continue
        low, high = spec[kind]
        log = spec.get("sampling") == "log" and low > 0
        scale = math.log if log else float
        span = scale(high) - scale(low)
        position = (scale(max(min(value, high), low)) - scale(low)) / span if span else 0.5
        for side, bound, distance in (("lower", low, position), ("upper", high, 1.0 - position)):
            beyond = value < low if side == "lower" else value > high
            if beyond or math.isclose(value, bound, rel_tol=1e-9, abs_tol=1e-12):
                where = "on"
            elif distance <= near:
                where = "near"
            else:
                continue
            hits.append({"name": name, "value": value, "side": side, "bound": bound, "where": where,
                         "range": [low, high]})
            break
    return hits


def best_row(trials: pd.DataFrame, metric: str, maximize: bool = True) -> dict | None:
    """The best trial of a search's trials frame (one row per trial; NaN metrics never best; ties:
    the first row), as a dict; None when no trial has a value."""
    valued = trials[trials[metric].notna()]
    if valued.empty:
        return None
    index = valued[metric].idxmax() if maximize else valued[metric].idxmin()
    return trials.loc[index].to_dict()


def boundary_lines(trials: pd.DataFrame, space: dict, metric: str, maximize: bool = True,
                   best: dict | None = None) -> list[str]:
    """Markdown lines for a search report: which of the best trial's values lie on or near a
    boundary of their range, or one line saying none does. ``best``: the best configuration's
    values when the caller knows them (the oracle's choice, ties included); else ``best_row``."""
    best = best if best is not None else best_row(trials, metric, maximize)
    if best is None:
        return []
    hits = boundary_hits(best, space)
    if not hits:
        return [f"No value of the best configuration lies on or near a boundary of its range (the outer "
                f"{NEAR:.0%} of a range on its sampling scale counts as near)."]
    lines = ["**Boundary warning.** These values of the best configuration lie on or near a boundary of "
             "their range, so the optimum may lie beyond it; a wider range might find better (a bound that is the "
             "parameter's natural limit, such as a dropout rate of 0, cannot be widened):", ""]
    for hit in hits:
        detail = "" if hit["where"] == "on" else f", in the outer {NEAR:.0%} of the range on its sampling scale"
        lines.append(f"- `{hit['name']}` = {hit['value']:.4g} is {hit['where']} the {hit['side']} bound "
                     f"{hit['bound']:.4g} of its range {hit['range']}{detail}")
    return lines
