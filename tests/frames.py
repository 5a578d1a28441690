"""Small trial frames shared by the analysis and verdict tests."""
import math

import pandas as pd


def frame(rows):
    return pd.DataFrame([{"depth": d, "seed": s, "status": st, "test_accuracy": acc}
                         for d, s, st, acc in rows])


# Five seeds a point: the fewest at which a two-sided 95% verdict can be reached by the exact
# permutation test small samples get (3 vs 3 seeds: p >= 1/20; 5 vs 5: p >= 1/252).
TRIALS = frame([(0, 0, "done", 0.88), (0, 1, "done", 0.89), (0, 2, "done", 0.885), (0, 3, "done", 0.883),
                (0, 4, "done", 0.887),
                (1, 0, "done", 0.95), (1, 1, "done", 0.96), (1, 2, "done", 0.955), (1, 3, "done", 0.953),
                (1, 4, "done", 0.957),
                (2, 0, "done", 0.951), (2, 1, "diverged", math.nan), (2, 2, "done", 0.958), (2, 3, "done", 0.954),
                (2, 4, "done", 0.955)])


GRID = pd.DataFrame([
    {"model": m, "data": d, "seed": s, "status": "done", "test_accuracy": acc, "epochs_to_100": e}
    for m, d, s, acc, e in [
        ("mlp", "true", 0, 0.90, 10), ("mlp", "true", 1, 0.91, 11), ("mlp", "true", 2, 0.905, 12),
        ("mlp", "half", 0, 0.60, 30), ("mlp", "half", 1, 0.62, 28), ("mlp", "half", 2, 0.61, 33),
        ("mlp", "random", 0, 0.10, 60), ("mlp", "random", 1, 0.09, math.nan), ("mlp", "random", 2, 0.11, 70),
        ("mlp_wd", "true", 0, 0.905, 12), ("mlp_wd", "true", 1, 0.915, 12), ("mlp_wd", "true", 2, 0.90, 13),
    ]])
LEVELS = {"model": ["mlp", "mlp_wd"], "data": ["true", "half", "random"]}
