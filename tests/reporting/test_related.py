from suite.design.plugins import all_studies
from suite.reporting.related import profile_dir
from suite.reporting.report import write_report
from suite.design.study import expand
from test_report import fake_records

STUDIES = all_studies()


def test_profile_dirs_follow_the_cli_layout(tmp_path):
    quick = tmp_path / "depth"
    assert profile_dir(quick, "quick", "long") == quick / "long"
    assert profile_dir(quick / "long", "long", "quick") == quick
    assert profile_dir(quick / "smoke", "smoke", "long") == quick / "long"


def test_the_quick_page_reports_the_long_profiles_verdict_and_what_follows_from_it(tmp_path):
    study, out = STUDIES["depth"], tmp_path / "depth"
    quick = expand(study, "quick")
    # here depth 4 falls far behind; on the long profile every depth >= 1 ties
    write_report(quick, fake_records(quick, lambda t: 0.3 if t.point["depth"] == 4 else 0.9), out)
    assert "has not been run yet (`suite run depth --profile long`)" in (out / "README.md").read_text()

    long = expand(study, "long")
    write_report(long, fake_records(long, lambda t: 0.85 if t.point["depth"] == 0 else 0.95, noise=0.001), out / "long")
    write_report(quick, fake_records(quick, lambda t: 0.3 if t.point["depth"] == 4 else 0.9), out)
    readme = (out / "README.md").read_text()
    assert "[profile `long`](long/README.md)" in readme
    import json

    long_verdict = json.loads((out / "long" / "verdict.json").read_text())
    claim = next(c for c in long_verdict["claims"] if c["claim"] == study.related[0].claim)
    # the long page's own verdict and evidence, no sentence written in advance for it (issue 30)
    assert f"finds: **{claim['verdict'].replace('_', ' ')}**" in readme and "Its evidence: " in readme
    assert claim["evidence"][0]["rule"] in readme.split("Its evidence: ")[1]


def test_the_note_counts_the_seeds_that_did_not_learn_on_each_profile(tmp_path):
    import pandas as pd

    from suite.reporting.related import related_lines

    study = STUDIES["depth"]
    verdict = {"claims": [{"claim": study.related[0].claim, "verdict": "supported"}]}
    own = pd.DataFrame({"depth": [4, 4, 1], "seed": [0, 1, 0], "status": ["collapsed", "done", "done"]})
    other = pd.DataFrame({"depth": [4, 4, 1], "seed": [0, 1, 0], "status": ["done", "done", "done"]})
    lines = related_lines(study, "quick", verdict, own, {"long": {"verdict": verdict, "trials": other}},
                          tmp_path / "depth")
    assert "here depth=4: 1 of 2; on `long` none." in lines[0]


def test_a_budget_limited_rule_of_the_other_profile_shows_its_end_of_budget_trend(tmp_path):
    """The trend that made the other profile's rule budget-limited is printed from its verdict.json
    (issue 31: the depth-4 nets still improving at the long profile's last epoch)."""
    from suite.reporting.related import related_lines

    study = STUDIES["depth"]
    claim = study.related[0].claim
    other = {"claims": [{"claim": claim, "verdict": "budget_limited", "evidence": [
        {"rule": "4 hidden layers test within ±1 point of 1", "verdict": "budget_limited", "detail": "difference -9.00",
         "budget_note": "still moving at the end of the budget: side a's dev curve is still gaining"}]}]}
    lines = related_lines(study, "quick", {"claims": []}, None, {"long": {"verdict": other, "trials": None}},
                          tmp_path / "depth")
    assert "(difference -9.00; still moving at the end of the budget: side a's dev curve is still gaining)" in lines[0]
