import dataclasses

import pytest

from suite.design.plugins import all_studies
from suite.errors import UserError
from suite.design.study import DEFAULTS, Check, Rule, Study, expand, parse_overrides

STUDIES = all_studies()

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
    ({"epochs": "five"}, r"expected an int in \[1, 100000\]"),
    ({"epochs": 0}, r"expected an int in \[1, 100000\]"),
    ({"learning_rate": -1.0}, r"expected a float in \(0, 10000\]"),
    ({"dropout": 1.5}, r"in \[0, 1\)"),
    ({"depth": 2}, "varies across trials.*axis 'depth'"),
])
def test_bad_overrides_are_user_errors(overrides, message):
    with pytest.raises(UserError, match=message):
        expand(DEPTH, "quick", overrides=overrides)


def test_bad_set_syntax_and_profile():
    with pytest.raises(UserError, match="key=value"):
        parse_overrides(["epochs"])
    with pytest.raises(UserError, match="unknown profile 'quik'.*did you mean 'quick'"):
        expand(DEPTH, "quik")
    with pytest.raises(UserError, match="need 1 to 10000 seeds"):
        expand(DEPTH, "quick", seeds=0)


@pytest.mark.parametrize("name", sorted(STUDIES))
def test_every_study_is_complete_data(name):
    study = STUDIES[name]
    assert study.name == name and study.claim and study.source
    assert study.rules if study.axes else study.search  # a comparison with a verdict, or a search
    assert {"smoke", "quick", "paper"} <= set(study.profiles)
    for rule in study.rules:
        assert set(rule.a) <= set(study.axes) and set(rule.b) <= set(study.axes)
        assert all(set(group) <= set(study.axes) for group in rule.gap)
        if rule.kind == "increasing":
            # along an axis, or along a column the study's derive adds and lists in its metrics
            # (optimizers: the rates up to each method's rate chosen on the dev split)
            on_axis = rule.along[0] in study.axes and set(rule.along[1]) <= set(study.levels[rule.along[0]])
            assert on_axis or (rule.along[0] in study.metrics and study.derive is not None)
        elif rule.along:  # less_spread: the axes a side's points differ in
            assert set(rule.along) <= set(study.axes)
    for table in study.tables:
        assert {table.rows, table.columns, *table.where} <= set(study.axes)
    for profile in study.profiles:
        assert expand(study, profile).trials


@pytest.mark.parametrize("change, message", [
    ({"base": {"epochz": 3}}, "unknown config keys"),
    ({"axes": {"deep": [1, 2]}}, "unknown config key"),
    ({"axes": {"depth": []}}, "non-empty list"),
    ({"profiles": {"quick": {"seed": 2}}}, "unknown config keys"),
    ({"rules": (Rule("bigger", {"depth": 1}, {"depth": 0}, "test_accuracy", 0.0, "x"),)}, "malformed rule"),
    ({"rules": (Rule("better", {"width": 1}, {"depth": 0}, "test_accuracy", 0.0, "x"),)}, "malformed rule"),
])
def test_malformed_study_modules_are_user_errors(change, message):
    import dataclasses

    with pytest.raises(UserError, match=message):
        expand(dataclasses.replace(DEPTH, **change), "quick")


TOY = Study(
    name="toy", claim="c", source="s", base={"dataset": "synthetic"},
    axes={"net": {"small": {"width": 8}, "large": {"width": 16, "depth": 2}},
          "data": {"true": {}, "random": {"label_corruption": 1.0}},
          "epochs": [1, 2]},
    profiles={"quick": {"seeds": 2}, "smoke": {"seeds": 1, "only": ({"net": "small", "epochs": 1},)}},
    rules=(Rule("better", {"data": "true"}, {"data": "random"}, "test_accuracy", 0.1, "r"),),
)


def test_named_overlay_axes_cross_and_the_point_holds_the_name():
    plan = expand(TOY, "quick")
    assert len(plan.trials) == 2 * 2 * 2 * 2
    first = plan.trials[0]
    assert first.point == {"net": "small", "data": "true", "epochs": 1, "seed": 0}
    assert first.config["width"] == 8 and "net" not in first.config and first.config["epochs"] == 1
    large_random = next(t for t in plan.trials if t.point["net"] == "large" and t.point["data"] == "random")
    assert (large_random.config["width"], large_random.config["depth"],
            large_random.config["label_corruption"]) == (16, 2, 1.0)
    assert len({trial.key for trial in plan.trials}) == len(plan.trials)
    assert TOY.levels == {"net": ["small", "large"], "data": ["true", "random"], "epochs": [1, 2]}


def test_only_selects_points_and_a_profile_may_replace_it():
    only = Study(**{**TOY.__dict__, "only": ({"net": "large", "data": ["true", "random"]},
                                             {"net": "small", "data": "true", "epochs": 2})})
    points = {tuple(t.point[a] for a in ("net", "data", "epochs")) for t in expand(only, "quick").trials}
    assert points == {("large", "true", 1), ("large", "true", 2), ("large", "random", 1),
                      ("large", "random", 2), ("small", "true", 2)}
    assert [t.point for t in expand(only, "smoke").trials] == [
        {"net": "small", "data": "true", "epochs": 1, "seed": 0},
        {"net": "small", "data": "random", "epochs": 1, "seed": 0}]


@pytest.mark.parametrize("change, message", [
    ({"axes": {"net": {"small": {"widht": 8}}}}, "axis 'net' sets unknown config key 'widht'"),
    ({"checks": (Check("c", {"net": "huge"}, "test_accuracy", (0.0, None)),)}, "check 'c' names net='huge'"),
    ({"checks": (Check("c", {"net": "small"}, "test_accuracy", (None, None)),)}, "needs bounds"),
    ({"checks": (Check("c", {"net": "small"}, "test_accuracy", (0.0, 1.0), profiles=("paper",)),)}, "profiles among"),
    ({"checks": ("not a check",)}, r"checks\[0\] must be a Check"),
    ({"only": ({"size": "small"},)}, "'only' names.*not axes"),
    ({"only": ({"net": "huge"},)}, "matches no point"),
])
def test_bad_study_definitions_are_user_errors(change, message):
    with pytest.raises(UserError, match=message):
        expand(Study(**{**TOY.__dict__, **change}), "quick")


def test_set_refuses_keys_that_an_axis_sets():
    with pytest.raises(UserError, match="'label_corruption' varies across trials.*axis 'data'"):
        expand(TOY, "quick", overrides={"label_corruption": 0.5})
    with pytest.raises(UserError, match="varies across trials.*axis 'epochs'"):
        expand(TOY, "quick", overrides={"epochs": 3})
    assert expand(TOY, "quick", overrides={"batch_size": 7}).trials[0].config["batch_size"] == 7


@pytest.mark.parametrize("overrides, message", [
    ({"label_corruption": 1.5}, r"in \[0, 1\]"),
    ({"stop_at_train_accuracy": -0.1}, r"in \[0, 1\]"),
    ({"weight_decay": -1e-4}, r"in \[0, 1000\]"),
    ({"lr_schedule_options": [1]}, "expected a dict"),
    ({"conv_filters": 8}, "expected a list"),
])
def test_new_keys_are_type_and_range_checked(overrides, message):
    with pytest.raises(UserError, match=message):
        expand(DEPTH, "quick", overrides=overrides)


@pytest.mark.parametrize("clauses, rule_claim, problem", [
    (("a holds", "b holds"), "a holds", "clause 'b holds' has no rule"),
    (("a holds",), "c holds", "names claim 'c holds', which is not one of"),
])
def test_clauses_each_need_a_rule_and_rules_name_a_clause(clauses, rule_claim, problem):
    from suite.design.study import Rule, Study, expand

    study = Study(name="clauses", claim="x", source="s", base={"dataset": "synthetic"},
                  axes={"depth": [0, 1]}, profiles={"quick": {"seeds": 1}}, clauses=clauses,
                  rules=(Rule("better", {"depth": 1}, {"depth": 0}, claim=rule_claim, says="r"),))
    with pytest.raises(UserError, match=problem):
        expand(study)


@pytest.mark.parametrize("name", sorted(all_studies()))
def test_every_study_with_rules_declares_its_claim_as_clauses_each_with_a_rule(name):
    study = all_studies()[name]
    if not study.rules:  # a search study (mlp_search): no verdict, no clauses
        return
    assert study.clauses, f"{name}: declare clauses=(...) and name one in each rule's claim="
    expand(study, "smoke" if "smoke" in study.profiles else next(iter(study.profiles)))  # _check_clauses runs here


REPLICATION = Study(name="replication", claim="c", source="s", base={"dataset": "synthetic"},
                    axes={"depth": [0, 1]}, profiles={"quick": {"seeds": (3, 6), "first_seed": 100}})


def test_a_replication_plan_runs_fresh_seeds_from_first_seed():
    """first_seed 100 with looks (3, 6): seeds 100-105 at every point, the looks still count seeds."""
    plan = expand(REPLICATION, "quick")
    assert plan.first_seed == 100 and plan.looks == (3, 6)
    assert sorted({t.point["seed"] for t in plan.trials}) == list(range(100, 106))
    assert all(t.config["seed"] == t.point["seed"] for t in plan.trials)
    assert "first_seed" not in plan.trials[0].config  # a plan's key, never a training config key
    pilot = expand(REPLICATION, "quick", seeds=6)  # --seeds replaces the looks; the offset stays
    assert pilot.looks == (6,) and pilot.first_seed == 100
    assert sorted({t.point["seed"] for t in pilot.trials}) == list(range(100, 106))
    assert expand(DEPTH, "quick").first_seed == 0


@pytest.mark.parametrize("first_seed", [-1, 2.5, "100", True, 10_001, None])
def test_a_bad_first_seed_is_refused_with_the_fix(first_seed):
    study = dataclasses.replace(REPLICATION, profiles={"quick": {"seeds": 3, "first_seed": first_seed}})
    with pytest.raises(UserError, match=r"study 'replication' profile 'quick': first_seed must be a whole number "
                                        r"from 0 to 10000 .*e\.g\. first_seed = 100\), got"):
        expand(study, "quick")


def test_bad_looks_are_still_refused():
    study = dataclasses.replace(REPLICATION, profiles={"quick": {"seeds": (6, 3)}})
    with pytest.raises(UserError, match="profile 'quick': seeds must be a count or ascending counts"):
        expand(study, "quick")
