import pytest

from studies import STUDIES
from suite.errors import UserError
from suite.study import DEFAULTS, Rule, expand, parse_overrides

DEPTH = STUDIES["depth"]


def test_expand_takes_axes_times_seeds_and_resolves_layers():
    plan = expand(DEPTH, "quick", seeds=2, overrides={"epochs": 3})
    assert len(plan.trials) == 5 * 2
    first = plan.trials[0]
    assert first.point == {"depth": 0, "seed": 0}
    assert first.config["epochs"] == 3 and first.config["l2_lambda"] == 5.0
    assert set(DEFAULTS) <= set(first.config)
    assert len({trial.key for trial in plan.trials}) == len(plan.trials)


def test_keys_depend_on_the_whole_config():
    plain = expand(DEPTH, "quick").trials[0].key
    assert expand(DEPTH, "quick").trials[0].key == plain
    assert expand(DEPTH, "quick", overrides={"epochs": 3}).trials[0].key != plain


@pytest.mark.parametrize("pairs, expected", [
    (["epochs=5"], {"epochs": 5}),
    (["activation=relu", "learning_rate=1e-3"], {"activation": "relu", "learning_rate": 0.001}),
    (["optimizer_options={'rho': 0.95}"], {"optimizer_options": {"rho": 0.95}}),
])
def test_parse_overrides(pairs, expected):
    assert parse_overrides(pairs) == expected


@pytest.mark.parametrize("overrides, message", [
    ({"epoch": 5}, "unknown config key 'epoch'.*did you mean 'epochs'"),
    ({"epochs": "five"}, "expected a int"),
    ({"epochs": 0}, "must be > 0"),
    ({"learning_rate": -1.0}, "must be > 0"),
    ({"dropout": 1.5}, r"must be in \[0, 1\)"),
    ({"depth": 2}, "is a study axis"),
])
def test_bad_overrides_are_user_errors(overrides, message):
    with pytest.raises(UserError, match=message):
        expand(DEPTH, "quick", overrides=overrides)


def test_bad_set_syntax_and_profile():
    with pytest.raises(UserError, match="key=value"):
        parse_overrides(["epochs"])
    with pytest.raises(UserError, match="unknown profile 'quik'.*did you mean 'quick'"):
        expand(DEPTH, "quik")
    with pytest.raises(UserError, match="at least 1 seed"):
        expand(DEPTH, "quick", seeds=0)


@pytest.mark.parametrize("name", sorted(STUDIES))
def test_every_study_is_complete_data(name):
    study = STUDIES[name]
    assert study.name == name and study.claim and study.source
    assert study.rules if study.axes else study.search  # a comparison with a verdict, or a search
    assert {"smoke", "quick", "paper"} <= set(study.profiles)
    for rule in study.rules:
        assert set(rule.a) <= set(study.axes) and set(rule.b) <= set(study.axes)
    for profile in study.profiles:
        assert expand(study, profile).trials


@pytest.mark.parametrize("change, message", [
    ({"base": {"epochz": 3}}, "unknown config keys"),
    ({"axes": {"deep": [1, 2]}}, "unknown config keys"),
    ({"axes": {"depth": []}}, "non-empty list"),
    ({"profiles": {"quick": {"seed": 2}}}, "unknown config keys"),
    ({"rules": (Rule("bigger", {"depth": 1}, {"depth": 0}, "test_accuracy", 0.0, "x"),)}, "malformed rule"),
    ({"rules": (Rule("better", {"width": 1}, {"depth": 0}, "test_accuracy", 0.0, "x"),)}, "malformed rule"),
])
def test_malformed_study_modules_are_user_errors(change, message):
    import dataclasses

    with pytest.raises(UserError, match=message):
        expand(dataclasses.replace(DEPTH, **change), "quick")
