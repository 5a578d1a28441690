"""The page's section "Checks of the implementation" and the warning above the verdict when a
check fails (``suite.analysis.checks``): results that hold by arithmetic or by a theorem, shown
pass or fail with their numbers, apart from the claim's verdicts."""
from __future__ import annotations

import math

from suite.analysis.checks import FAIL, failed


def _number(value: float) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.4g}"


def _bounds(bounds: list) -> str:
    low, high = bounds
    return " and ".join(part for part in ((f">= {_number(low)}" if low is not None else ""),
                                          (f"<= {_number(high)}" if high is not None else "")) if part)


def _where(where: dict) -> str:
    return ", ".join(f"{axis} = {'/'.join(map(str, value)) if isinstance(value, (list, tuple)) else value}"
                     for axis, value in where.items())


def result_text(item: dict) -> str:
    """'pass' or '**FAIL** (2 of 30 seeds outside: ...; 1 not measured)'."""
    if item["result"] != FAIL:
        return item["result"]
    parts = [f"{item['n_outside']} of {item['n']} seeds outside: {', '.join(map(_number, item['outside']))}"
             if item["n_outside"] else "", f"{item['n_unmeasured']} not measured" if item["n_unmeasured"] else ""]
    return f"**FAIL** ({'; '.join(part for part in parts if part)})"


def section(results: list[dict]) -> list[str]:
    """The README section (nothing when the study declares no checks)."""
    if not results:
        return []
    lines = ["## Checks of the implementation", "",
             "Results that hold by arithmetic or by a theorem in every run, whatever the data: they check that "
             "the implementation does what it says and are not verdicts (no clause of the claim counts them). "
             "Each must hold for every seed, with no statistics: one seed outside is a bug (a seed that did not "
             "measure the metric fails too; 'not run': this profile ran none of its points).", "",
             "| check | points | metric | required (every seed) | seeds | min | max | result | why it must hold |",
             "|---|---|---|---|---|---|---|---|---|"]
    for item in results:
        cells = [item["check"], _where(item["where"]), f"`{item['metric']}`", _bounds(item["bounds"]), str(item["n"]),
                 _number(item["min"]), _number(item["max"]), result_text(item), item["why"]]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return lines + [""]


def banner(results: list[dict]) -> list[str]:
    """A warning for the top of the page when a check failed (nothing otherwise)."""
    bad = failed(results)
    if not bad:
        return []
    return [f"> **WARNING: {len(bad)} of {len(results)} checks of the implementation FAILED** "
            f"({'; '.join(item['check'] for item in bad)}): something that must hold by arithmetic or by a theorem "
            f"did not, so the verdicts below rest on an implementation that does not do what it says. See "
            f"\"Checks of the implementation\".", ""]
