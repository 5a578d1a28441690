"""suite.search.tuner_search: which part of a nuisance space each scientific point tunes."""
import pytest

from suite.design.study import Study, expand
from suite.errors import UserError
from suite.execution import tuning
from suite.search import tuner_search
from suite.search.tuner_search import nuisance_space

NUISANCE = {"learning_rate": {"float": [1e-3, 1.0], "sampling": "log"},
            "weight_decay": {"float": [1e-5, 1e-2], "sampling": "log", "for": {"regularizer": ["l2", "both"]}},
            "max_norm": {"float": [1.0, 5.0], "for": {"regularizer": ["max_norm", "both"]}}}


@pytest.mark.parametrize("arm, keys", [
    ("none", ["learning_rate"]),
    ("l2", ["learning_rate", "weight_decay"]),
    ("max_norm", ["learning_rate", "max_norm"]),
    ("both", ["learning_rate", "weight_decay", "max_norm"]),
])
def test_a_spec_with_for_is_tuned_only_at_its_own_points(arm, keys):
    space = nuisance_space(NUISANCE, {"regularizer": arm})
    assert list(space) == keys
    assert all("for" not in spec for spec in space.values())


def test_a_space_without_for_is_tuned_everywhere_and_left_as_it_is():
    plain = {"learning_rate": {"float": [1e-4, 10.0], "sampling": "log"}}
    assert nuisance_space(plain, {"optimizer": "sgd"}) == plain
    assert nuisance_space({"max_norm": NUISANCE["max_norm"]}, {"regularizer": "none"}) == {}


def test_the_tuned_plan_keeps_its_seed_plan(tmp_path, monkeypatch):
    """The plan with each point's tuned values is the same plan: its looks and first seed stay, so a
    nuisance study's sequential design (and a replication's seeds) reach the runner and the verdict."""
    study = Study(name="tuned_replication", claim="c", source="s", base={"dataset": "synthetic"},
                  axes={"depth": [0, 1]}, profiles={"quick": {"seeds": (3, 6), "first_seed": 100}},
                  nuisance={"learning_rate": {"float": [0.01, 1.0], "sampling": "log"}})
    plan = expand(study, "quick")
    monkeypatch.setattr(tuner_search, "_best_stored",
                        lambda store, metric, direction: {"config": {"learning_rate": 0.1}})
    tuned = tuner_search.tune_nuisance(plan, tmp_path / "runs", train=False)  # read back, nothing trained
    assert tuned.looks == (3, 6) and tuned.first_seed == 100
    assert [t.point for t in tuned.trials] == [t.point for t in plan.trials]
    assert {t.config["learning_rate"] for t in tuned.trials} == {0.1}


def test_a_replications_seeds_never_include_the_search_seed():
    assert tuning.confirmation_seeds(3, 100) == [100, 101, 102]
    with pytest.raises(UserError, match=f"first_seed 9999 with 3 seeds: .* the search seed {tuning.SEARCH_SEED}"):
        tuning.confirmation_seeds(3, 9999)
