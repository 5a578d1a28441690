"""Zeiler 2012, Tables 1 and 2: SGD, momentum and Adagrad over learning rates, Adadelta over rho x epsilon."""
from suite import Figure, Reference, Rule, Study, Table
from suite.analysis import rate_grid

RATES = [1.0, 0.1, 0.01, 0.001, 0.0001]
RHOS = {"none": {}, **{r: {"optimizer_options": {"rho": float(r)}} for r in ("0.9", "0.95", "0.99")}}
EPSILONS = {"none": {}, **{e: {"optimizer_options": {"epsilon": float(e)}} for e in ("1e-2", "1e-4", "1e-6", "1e-8")}}
TUNED = ["sgd", "momentum", "adagrad"]
# Zeiler compares Duchi et al.'s Adagrad (accumulator from 0), not Keras's default (from 0.1).
OPTIMIZERS = {**{name: {"optimizer": name} for name in TUNED}, "adagrad": {"optimizer": "adagrad_duchi"},
              "adadelta": {"optimizer": "adadelta"}}
# Zeiler's test errors (%), Table 1 (rows: learning rate) and Table 2 (rows: epsilon, columns: rho).
TABLE_1 = {"sgd": (2.26, 2.51, 7.02, 17.01, 58.10), "momentum": (89.68, 2.03, 2.68, 6.98, 16.98),
           "adagrad": (43.76, 2.82, 1.79, 5.21, 12.59)}
TABLE_2 = {"1e-2": (2.59, 2.58, 2.32), "1e-4": (2.05, 1.99, 2.28), "1e-6": (1.90, 1.83, 2.05),
           "1e-8": (2.29, 2.13, 2.00)}
ERRORS = {**{(o, lr, "none", "none"): e for o, row in TABLE_1.items() for lr, e in zip(RATES, row)},
          **{("adadelta", 1.0, rho, eps): e for eps, row in TABLE_2.items() for rho, e in zip(list(RHOS)[1:], row)}}
CITATION = "Zeiler 2012, 'ADADELTA', Tables 1 and 2 as quoted in lecture deck 001 (MNIST, 60k training images)"
GRID = ({"optimizer": TUNED, "rho": "none", "epsilon": "none"},
        {"optimizer": "adadelta", "learning_rate": 1.0, "rho": list(RHOS)[1:], "epsilon": list(EPSILONS)[1:]})
ADADELTA = {"optimizer": "adadelta", "rho": "0.95", "epsilon": "1e-6"}  # the setting the clause names (Zeiler's)
SETTINGS = ("learning_rate", "rho", "epsilon")  # what a method's points differ in
SENSITIVE = "Adadelta is less sensitive to its hyperparameters than SGD, momentum and Adagrad to the learning rate"
AT_BEST = "Adadelta (rho 0.95, epsilon 1e-6) is at most 0.5 points worse than each method at its best rate (chosen on the dev split)"
RISING = "below each method's best rate (chosen on the dev split), test accuracy rises with the learning rate (Table 1's columns)"


def derive(trials):
    """Each method's best rate chosen on our dev split (``rate_grid.best_on_dev``: the tuning seed's
    last-epoch dev accuracy, the weights this study tests), then on the other seeds:
    ``test_accuracy_tuned`` (each method at its chosen rate, Adadelta at the clause's setting) and
    ``rate_up_to_best`` (the rate, on the rows at or below the chosen one: the rising clause's axis)."""
    tuner = rate_grid.tuning_seed(trials)  # the plan's first seed
    best = rate_grid.best_on_dev(trials[trials.optimizer.isin(TUNED)], "optimizer", metric="final_dev_accuracy",
                                 seed=tuner)
    frame = trials.assign(dev_best_rate=trials.optimizer.map(best).astype(float))
    reporting = frame.seed != tuner
    adadelta = (frame.optimizer == "adadelta") & (frame.rho == ADADELTA["rho"]) & (frame.epsilon == ADADELTA["epsilon"])
    frame["test_accuracy_tuned"] = frame.test_accuracy.where(reporting & ((frame.learning_rate == frame.dev_best_rate)
                                                                          | adadelta))
    frame["rate_up_to_best"] = frame.learning_rate.where(reporting & (frame.learning_rate <= frame.dev_best_rate))
    return frame


STUDY = Study(
    name="optimizers",
    claim="Adadelta is less sensitive to its hyperparameters than SGD, momentum and Adagrad are to "
          "the learning rate, and its setting (rho 0.95, epsilon 1e-6) is at most half a point worse than each "
          "one's best rate, chosen on the dev split, after 6 epochs.",
    clauses=(
        'Adadelta is less sensitive to its hyperparameters than SGD, momentum and Adagrad to the learning rate',
        AT_BEST,
        RISING,
    ),
    source="Zeiler 2012, 'ADADELTA: an adaptive learning rate method', Tables 1 and 2 (lecture deck "
           "001, 'Adaptive learning rates': '⇒ less sensitive to the learning rate hyper-parameter!')",
    base={"model": "mlp", "widths": [500, 300], "activation": "tanh", "output_activation": "softmax",
          "batch_size": 100, "epochs": 6, "keep_weights": "last", "input_transform": "center"},
    axes={"optimizer": OPTIMIZERS, "learning_rate": RATES, "rho": RHOS, "epsilon": EPSILONS},
    only=GRID,
    profiles={
        "smoke": {"dataset": "synthetic", "widths": [16, 8], "epochs": 1, "seeds": 2,
                  "only": ({"optimizer": "sgd", "learning_rate": [1.0, 0.01], "rho": "none", "epsilon": "none"},
                           {**ADADELTA, "learning_rate": 1.0, "epsilon": ["1e-2", "1e-6"]})},
        "quick": {"dataset": "mnist_10k", "seeds": (6, 12)},
        "paper": {"dataset": "mnist", "seeds": 3},
    },
    metrics=("test_accuracy", "final_train_accuracy", "final_dev_accuracy", "test_accuracy_tuned", "rate_up_to_best"),
    derive=derive,
    references=(Reference(CITATION, "test_accuracy", {k: round(1 - e / 100, 4) for k, e in ERRORS.items()}),),
    rules=(
        *(Rule("less_spread", {"optimizer": "adadelta"}, {"optimizer": o}, margin=1.0, claim=SENSITIVE, along=SETTINGS,
               says=f"the spread of Adadelta's test accuracy over its 12 (rho, epsilon) settings is below "
                    f"that of {o} over its 5 learning rates") for o in TUNED),
        *(Rule("not_better", {"optimizer": o}, ADADELTA, metric="test_accuracy_tuned", margin=0.005, claim=AT_BEST,
               says=f"{o} at its dev-chosen rate beats Adadelta by less than 0.5 points") for o in TUNED),
        *(Rule("increasing", {"optimizer": o}, margin=0.5, along=("rate_up_to_best", RATES[::-1]), claim=RISING,
               says=f"{o}: test accuracy rises with the rate from 1e-4 up to its dev-chosen rate") for o in TUNED),
    ),
    tables=(Table("Table 1", "test_accuracy", rows="learning_rate", columns="optimizer",
                  where={"rho": "none", "epsilon": "none"}, as_error=True,
                  caption="MNIST test error after 6 epochs: SGD, momentum (0.9) and Adagrad by learning rate."),
            Table("Table 2", "test_accuracy", rows="epsilon", columns="rho", where={"optimizer": "adadelta"},
                  as_error=True, caption="MNIST test error after 6 epochs: Adadelta (learning rate 1.0) by rho and epsilon.")),
    figures=(
        Figure("test_error_vs_learning_rate", "metric_vs", "test_accuracy", x="learning_rate", hue="optimizer",
               where={"optimizer": TUNED}, as_error=True, title="Table 1: test error vs learning rate"),
        Figure("adadelta_grid", "metric_vs", "test_accuracy", x="epsilon", hue="rho",
               where={"optimizer": "adadelta"}, as_error=True, title="Table 2: Adadelta test error vs epsilon"),
        Figure("sgd_curves", "curves", "dev_accuracy", x="epoch", hue="learning_rate", where={"optimizer": "sgd"},
               title="SGD: dev accuracy per epoch by learning rate"),
    ),
    notes="Zeiler's network: 784-500-300-10, tanh, softmax, mini-batch 100, 6 epochs; momentum is 0.9; "
          "Adadelta runs at learning rate 1.0 (Zeiler's update) with rho and epsilon as its options. "
          "Adagrad is Duchi et al.'s, the one Zeiler compares: its squared-gradient sum starts at 0 "
          "(registry name adagrad_duchi; Keras's Adagrad, registry name adagrad, starts it at 0.1, which "
          "makes the small-rate rows behave like plain SGD at a larger rate). Inputs are centred: every "
          "pixel minus its mean over the training split (input_transform center; dev and test are shifted "
          "by the same training mean). Why: with the [0, 1] pixels this study first used, SGD at rate 1 and "
          "Adadelta at epsilon 1e-2 sat near chance in some seeds. An independent check in plain Keras "
          "(benchmarks/zeiler_check.py, 3 seeds, same split and network; output in "
          "results/benchmarks/zeiler_check.jsonl) found: with [0, 1] inputs SGD at "
          "rate 1 blows up to a training loss of about 130 in the first epoch in every seed (test error "
          "40-90%), with Glorot- or LeCun-uniform weights alike, and Adadelta at epsilon 1e-2 collapses in "
          "4 of 6 seeds; with centred inputs both train in every seed (test error 7.1-9.1%), and their "
          "loss curves nearly coincide, because Adadelta's first steps at epsilon 1e-2 are SGD at rate 1: "
          "the measured |step| / |gradient| is 1.00 over the first 5 updates in every seed (gradients "
          "~1e-3 are far below sqrt(epsilon)). Zeiler's report, as far as we could find, does not state "
          "its preprocessing; zero-mean inputs are the standard advice of the time (LeCun, Bottou, Orr & "
          "Mueller 1998, 'Efficient BackProp', section 4.3), so the study uses them for every method, not "
          "to match any number. Weights start Glorot-uniform (the deck does not give Zeiler's "
          "initialization; the check found it does not matter here). The last epoch's weights are tested, "
          "as in the paper. The quick profile trains on 7,000 of the 10,000 embedded digits (Zeiler: "
          "60,000): 6 epochs are 420 updates instead of 3,600, so absolute errors sit well above the "
          "paper's. A point whose seeds all diverged (non-finite loss) shows as 'diverged'; the spread rules "
          "use finished seeds only, so a diverged rate does not count against the method's sensitivity. "
          "Best rates: Zeiler hand-tunes each method's rate (bold in his Table 1); here each method's best rate is "
          "chosen from the same 5-rate grid on our dev split (the suite's tuning seed 0: the rate whose run has the "
          "highest last-epoch dev accuracy, the weights that are tested; ties: the smaller rate), and seeds 1 and "
          "up report at it (test_accuracy_tuned: each method at its chosen rate, and Adadelta at rho 0.95, epsilon "
          "1e-6, the setting the clause names, on the same seeds; the rising clause runs from 1e-4 up to the chosen "
          "rate; the collapsed/diverged counts in those rules' lines are over all of a method's rates, not the "
          "chosen one's alone). Before issue 31 the study compared against Zeiler's best rates (1.0, 0.1, 0.01) copied from his "
          "table. Adadelta's setting is not tuned on our data: the clause is about the paper's setting. "
          "Table 2's epsilon trend (why it differs from the paper's): Zeiler's error is lowest at epsilon 1e-6 and "
          "higher at 1e-2 and 1e-8 in each rho column; with 420 updates ours need not follow it, and the issue-30 run "
          "of this study found the reverse, the error rising as epsilon shrinks (rho 0.95: 6.7% at 1e-2 and 1e-4, "
          "7.1% at 1e-6, 8.7% at 1e-8); Table 2 below shows this run's cells. A reason we expect a priori, not "
          "tested by a rule: Adadelta's step is sqrt(E[dx^2] + epsilon) / sqrt(E[g^2] + epsilon) x g with E[dx^2] "
          "starting at 0, so its first steps are about sqrt(epsilon) / sqrt(1 - rho) per weight (0.45 at 1e-2, "
          "4.5e-4 at 1e-8 for rho 0.95) and grow only as E[dx^2] accumulates: epsilon sets a warm-up whose length "
          "grows as epsilon shrinks. Zeiler's 3,600 updates leave room for it; our 420 (7,000 digits, 6 epochs) "
          "cut the small-epsilon runs short, where they are still improving (see the dev curves). The paper run "
          "(60,000 digits) would be the test of this reading; it is not run here.",
)
