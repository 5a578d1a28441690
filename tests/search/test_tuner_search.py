"""suite.search.tuner_search: which part of a nuisance space each scientific point tunes."""
import pytest

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
