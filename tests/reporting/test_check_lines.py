import pandas as pd

from suite.analysis import checks
from suite.design.specs import Check
from suite.reporting import check_lines

TRIALS = pd.DataFrame({"setup": ["a", "a", "b"], "seed": [0, 1, 0], "mistakes": [3.0, 12.0, 1.0],
                       "status": ["done"] * 3})


def results(high):
    return checks.evaluate(type("S", (), {"checks": (
        Check("Novikoff's bound", {"setup": ["a", "b"]}, "mistakes", (None, high), why="Novikoff 1962"),)}), TRIALS)


def test_a_passing_check_is_a_row_of_its_own_section_and_raises_no_warning():
    passed = results(20.0)
    section = "\n".join(check_lines.section(passed))
    assert section.startswith("## Checks of the implementation")
    assert "| Novikoff's bound | setup = a/b | `mistakes` | <= 20 | 3 | 1 | 12 | pass | Novikoff 1962 |" in section
    assert check_lines.banner(passed) == []


def test_a_failing_check_is_loud_in_its_row_and_above_the_verdict():
    failed = results(10.0)
    assert "**FAIL** (1 of 3 seeds outside: 12)" in "\n".join(check_lines.section(failed))
    assert "WARNING: 1 of 1 checks of the implementation FAILED** (Novikoff's bound)" in check_lines.banner(failed)[0]


def test_a_study_without_checks_gets_no_section():
    assert check_lines.section([]) == [] and check_lines.banner([]) == []


def test_a_check_no_trial_ran_says_so_without_a_warning():
    item = checks.evaluate(type("S", (), {"checks": (Check("c", {"setup": "zzz"}, "mistakes", (0, 1)),)}), TRIALS)
    assert "| not run |" in "\n".join(check_lines.section(item)) and check_lines.banner(item) == []

