from suite.analysis import checks
from suite.cli.commands.training import _report_checks
from suite.design.specs import Check
import pandas as pd

TRIALS = pd.DataFrame({"setup": ["a", "a", "b"], "seed": [0, 1, 0], "mistakes": [3.0, 12.0, 1.0], "status": ["done"] * 3})


def results(high):
    return checks.evaluate(type("S", (), {"checks": (
        Check("Novikoff's bound", {"setup": ["a", "b"]}, "mistakes", (None, high)),)}), TRIALS)


def test_the_cli_prints_a_failed_check_on_stderr_and_counts_it(capsys):
    assert _report_checks("toy", results(10.0)) == 1
    assert "[toy] CHECK OF THE IMPLEMENTATION FAILED: Novikoff's bound: `mistakes` FAIL (1 of 3 seeds outside: 12)" \
        in capsys.readouterr().err
    assert _report_checks("toy", results(20.0)) == 0
    assert "[toy] checks of the implementation: 1 of 1 passed" in capsys.readouterr().out
