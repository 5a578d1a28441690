"""Deck 003 / deck 000: on f(x, y) = x^2 - y^2 gradient descent escapes the saddle, Newton's method is drawn into it."""
import math

import numpy as np
import pandas as pd

from suite import Figure, Reference, Rule, Study, Table

RATE, STEPS_PER_EPOCH, EPOCHS = 0.1, 20, 10  # eta for every method; 20 rows at batch 1 x 10 epochs = 200 updates
DELTAS = {"delta_1e-02": 1e-2, "delta_1e-04": 1e-4, "delta_1e-06": 1e-6}  # the brief's offsets off y = 0


def predicted_escape(delta, rate=RATE):
    """GD on f: y <- (1 + 2 eta) y, so |y| passes 1 after ln(1/delta) / ln(1 + 2 eta) updates."""
    return math.log(1 / delta) / math.log(1 + 2 * rate)


# The largest prediction (delta 1e-6: 75.8 updates) fits the 200 updates with room; GD's |y| then stays below
# float32's overflow of f (|y| < 1.8e19) until about 247 updates. Newton contracts by 1 - eta = 0.9 per update:
# 0.9^200 ~ 7e-10 of the start's distance (~1), so its 1e-6 tolerance leaves a factor of ~1,000 for rounding.
NOISE = 0.1  # std of the gradient noise per row: a batch-of-one kick eta x 0.1 = 0.01 in y, amplified 1.2x per update
GENERIC = {"saddle_y0": 0.5, "saddle_jitter": 0.25}  # (1, 0.5) + N(0, 0.25^2) per coordinate, drawn per seed
METHODS = {"gd": {}, "sgd_noise": {"gradient_noise": NOISE}, "newton": {"optimizer": "saddle_newton"}}
STARTS = {"manifold": {"saddle_y0": 0.0}, **{name: {"saddle_y0": d} for name, d in DELTAS.items()}, "generic": GENERIC}
RATIO = (0.95, 1.10)  # measured / predicted: an integer count is the prediction rounded up (<= +4% at 25 updates)
TOLERANCE = 1e-6  # Newton's final distance to the saddle (see above)

ESCAPE = ("gradient descent started delta = 1e-2, 1e-4, 1e-6 off the stable manifold y = 0 leaves the saddle (|y| > 1) "
          f"after ln(1/delta) / ln(1 + 2 eta) updates (measured / predicted in [{RATIO[0]}, {RATIO[1]}])")
NOISY = ("from a start exactly on the stable manifold, where gradient descent converges to the saddle, mini-batch SGD "
         "noise escapes it (|y| > 1 within 200 updates, every seed)")
NEWTON = (f"Newton's method (step -eta H^-1 grad f) from a generic start converges to the saddle (distance < "
          f"{TOLERANCE:g} after 200 updates) while gradient descent from the same start escapes")


def derive(trials: pd.DataFrame) -> pd.DataFrame:
    """``escape_ratio``: measured escape step over ``predicted_escape`` of the run's own start |y| (GD runs);
    ``log10_distance``: log10 of the final distance to the saddle (tables print 2 decimals)."""
    gd = (trials.method == "gd") & trials.start.isin(list(DELTAS))
    predicted = trials.start_abs_y.where(gd).map(lambda y: predicted_escape(y) if y > 0 else math.nan)
    distance = trials.final_distance.where(trials.final_distance > 0)
    return trials.assign(escape_ratio=trials.escape_step / predicted, log10_distance=np.log10(distance))


def at(method, start):
    return {"method": method, "start": start}


STUDY = Study(
    name="saddle_points",
    claim="On f(x, y) = x^2 - y^2, gradient descent started on the stable manifold y = 0 converges to the saddle, but "
          "a perturbation delta off it escapes after ln(1/delta) / ln(1 + 2 eta) steps and SGD's noise escapes too; "
          "Newton's method, which rescales the gradient by the inverse Hessian, is attracted to the saddle from a "
          "generic start where gradient descent escapes.",
    clauses=(ESCAPE, NOISY, NEWTON),
    source="Lecture deck 000, 'Saddle point and local minima' (lines 939-948: f(x, y) = x^2 - y^2, zero gradient, "
           "gradient descent gets stuck); deck 003 lines 147 (saddle points), 214-218 (Newton's method X <- X - eta "
           "A^-1 grad f), 479 and 489-492 (noise can help escape a saddle; saddle: zero gradient, Hessian with both "
           "signs); Dauphin et al., 'Identifying and attacking the saddle point problem in high-dimensional non-convex "
           "optimization', NeurIPS 2014, Sec. 1 (saddle points become attractive under Newton dynamics) and Fig. 2(a) "
           "(5x^2 - y^2)",
    base={"dataset": "saddle", "task": "regression", "loss": "objective", "model": "saddle", "optimizer": "sgd",
          "learning_rate": RATE, "batch_size": 1, "epochs": EPOCHS, "keep_weights": "last", "shuffle": True},
    axes={"method": METHODS, "start": STARTS},
    only=({"method": "gd"}, at("sgd_noise", "manifold"), at("newton", "generic")),
    profiles={
        "smoke": {"seeds": 2, "epochs": 2, "only": (at("gd", "delta_1e-02"), at("newton", "generic"))},
        "quick": {"seeds": (5, 10)},  # >= 5 seeds: a 5 vs 5 permutation test can decide the Newton comparison
        "paper": {"seeds": 10},
    },
    derive=derive,
    metrics=("escape_step", "escape_ratio", "escaped", "final_distance", "log10_distance", "final_abs_y",
             "start_abs_y"),
    references=(Reference("analytic: ln(1/delta) / ln(1 + 2 eta), eta = 0.1 (continuous; the first integer step "
                          "past it is ours)", "escape_step",
                          {("gd", name): predicted_escape(d) for name, d in DELTAS.items()}),),
    rules=(
        *(Rule("within", at("gd", name), metric="escape_ratio", bounds=RATIO, runs="finished", claim=ESCAPE,
               says=f"delta {d:g}: escape step / {predicted_escape(d):.1f} in [{RATIO[0]}, {RATIO[1]}]")
          for name, d in DELTAS.items()),
        Rule("within", at("sgd_noise", "manifold"), metric="escaped", bounds=(0.99, None), runs="finished",
             claim=NOISY, says=f"SGD (batch 1, gradient noise std {NOISE}) from (1, 0): every seed reaches |y| > 1"),
        Rule("within", at("newton", "generic"), metric="final_distance", bounds=(None, TOLERANCE), runs="finished",
             claim=NEWTON, says=f"Newton from the generic start: final distance to the saddle <= {TOLERANCE:g}"),
        Rule("within", at("gd", "generic"), metric="escaped", bounds=(0.99, None), runs="finished", claim=NEWTON,
             says="gradient descent from the same starts: every seed reaches |y| > 1"),
        Rule("better", at("gd", "generic"), at("newton", "generic"), metric="final_distance", margin=1.0,
             runs="finished", claim=NEWTON,
             says="final distance to the saddle: gradient descent's exceeds Newton's by > 1"),
    ),
    tables=(
        Table("Escape step (updates until |y| > 1; analytic prediction in parentheses)", "escape_step", "start",
              "method", caption="Empty where no seed escaped within the 200 updates."),
        Table("Final |y| after 200 updates (check: gradient descent on y = 0 stays at exactly 0)", "final_abs_y",
              "start", "method", caption="Gradient descent started on y = 0 gets the gradient -2y = 0 in y at every "
              "update, so its y stays 0 by arithmetic; that is why it is shown here and not judged by a rule."),
        Table("log10 of the final distance to the saddle (0, 0)", "log10_distance", "start", "method",
              caption="Newton contracts by 0.9 per update: log10(0.9^200 x ~1.1) = -9.1 predicted."),
    ),
    figures=(
        Figure("escape_steps", "metric_vs", "escape_step", x="start", where=at("gd", list(DELTAS)),
               title="gradient descent: updates until |y| > 1 against the start's offset delta (predicted "
                     + ", ".join(f"{predicted_escape(d):.1f}" for d in DELTAS.values()) + ")"),
        Figure("final_distance", "metric_vs", "log10_distance", x="start", hue="method",
               title="log10 of the distance to the saddle after 200 updates"),
    ),
    notes="f(x, y) = x^2 - y^2 as a Keras model (suite.training.saddle): one weight (x, y), output f + a x + b y for "
          "an input row (a, b), minimized with the 'objective' loss (the output's batch mean). Gradient descent is "
          "Keras SGD at eta = 0.1 on rows (a, b) = (0, 0) (batch 1, 20 rows, 10 epochs: 200 exact gradient steps, "
          "x <- 0.8 x, y <- 1.2 y). Perturbed starts (1, delta); the escape step is counted by the layer itself "
          "(updates applied before the forward pass that first sees |y| > 1). SGD noise: 20 Gaussian rows (a, b) of "
          "std 0.1 drawn per seed and centred, batch 1, shuffled each epoch: each update is the exact gradient plus "
          "a kick of std 0.1 per coordinate, from (1, 0). Newton: a Keras optimizer (SaddleNewton) stepping -eta "
          "H^-1 grad f with the constant Hessian H = diag(2, -2), i.e. (x, y) <- 0.9 (x, y), at the same eta = 0.1 "
          "(eta = 1 would land on the saddle in one step); generic start (1, 0.5) + N(0, 0.25^2) per coordinate, "
          "drawn from the seed, the same for gradient descent and Newton. Seeds change only the noise and the "
          "generic start: the exact-gradient runs from fixed starts are identical across seeds (the verdict "
          "engine counts them as one observation). What differs from the sources: the decks state the facts "
          "qualitatively and Dauphin et al. show trajectories on 5x^2 - y^2 (their Fig. 2a), without step counts; "
          "the escape-time prediction is our own arithmetic for this f and eta; the start's coordinates are "
          "float32 (1e-6 and 1e-4 are not exact in float32; the prediction uses the stored start).",
)
