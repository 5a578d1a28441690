"""Gradient clipping (Pascanu et al. 2013; decks 003/004): a simple RNN on the adding problem from moderate
to exploding rates (the judged comparison), and a deep MLP on digits (a secondary table, not judged)."""
from suite import Figure, Rule, Study, Table

# Sized by a check of the UNCLIPPED simple RNN alone (20 steps, 16 units, plain SGD, batches of 32, 2 seeds,
# before this study ran): at rates 0.3 and 1.0 its global gradient norm went from about 1 to above 1e6 within
# 7-27 updates and the loss to NaN in every seed; at 0.03 it stayed under 16 over 1,410 updates (15 epochs) and
# the net learned (dev MSE 0.46-0.70 of the constant predictor's); at 0.1 one seed of two spiked (to 23) after
# 1,146 updates and lost what it had learned. LENGTH: the longest the check showed plain SGD learning within
# the budget (at 50 steps nothing learned in 5 epochs; the recurrent study's clipping clause failed at 10
# steps, where rate 1.0 also left the clipped net at its initial loss).
# The study trains on the adding set's 4,000 training sequences for 12 epochs: 1,500 updates, about the check's.
LENGTH, RNN_EPOCHS = 20, 12
RATES = [0.03, 0.1, 0.3, 1.0]
MODERATE, LARGE = (0.03, 0.1), (0.3, 1.0)
# Thresholds: Pascanu et al. (Sec. 3.2) set the norm threshold from the average gradient norm over many
# updates; the check's median norm at the moderate rates was 1.2-2.5 (so 1 acts at most steps) and its 99th
# percentile 5-10 (so 5 acts on the spikes only). The MLP's arms keep the first pass's thresholds (its global
# norm is 4-6 at a safe rate, and 0.1 is about the 99.9th percentile of its elements).
CLIPPING = {"none": {},
            "global_norm_1": {"optimizer_options": {"global_clipnorm": 1.0}},
            "global_norm_5": {"optimizer_options": {"global_clipnorm": 5.0}},
            "value_0.1": {"optimizer_options": {"clipvalue": 0.1}}}
NORM_CLIPS = ["global_norm_1", "global_norm_5"]
NETS = {"rnn": {"model": "rnn", "cell": "simple_rnn", "dataset": "adding", "task": "regression", "loss": "mse",
                "width": 16, "sequence_length": LENGTH, "epochs": RNN_EPOCHS},
        "mlp": {"model": "mlp", "dataset": "mnist_10k", "depth": 10, "width": 100, "activation": "relu",
                "kernel_initializer": "he_normal", "epochs": 5}}
BASELINE = 1 / 6  # the constant predictor's test MSE on the adding problem (target²)
# Cost margin: a tenth of the baseline, the scale at which the recurrent study calls the task solved; ours,
# fixed before the run (Pascanu et al. give no cost of clipping for this setting).
COST = round(BASELINE / 10, 4)


def rescues(clip):
    return f"{clip}: at rates where the unclipped RNN's gradients explode (0.3, 1.0), clipping lets it learn"


def cheap(clip):
    return (f"{clip}: at moderate rates (0.03, 0.1) clipping raises the RNN's test MSE by at most {COST:g} "
            f"(a tenth of the 0.167 baseline)")


def rnn(clipping, rate):
    return {"net": "rnn", "clipping": clipping, "learning_rate": rate}


STUDY = Study(
    name="clipping",
    claim=f"Clipping the gradient's norm (Keras global_clipnorm, as Pascanu et al.) lets a simple RNN on the "
          f"{LENGTH}-step adding problem learn at SGD rates where its gradients explode without clipping, and "
          f"costs little at moderate rates. (A deep MLP on digits is shown beside it, not judged.)",
    clauses=(*(rescues(clip) for clip in NORM_CLIPS), *(cheap(clip) for clip in NORM_CLIPS)),
    source="Pascanu, Mikolov & Bengio, 'On the difficulty of training recurrent neural networks', ICML 2013, "
           "Sec. 2-3 (exploding gradients of recurrent nets, clipping the gradient's norm) and Sec. 5 (the adding "
           "problem among their pathological tasks); lecture decks 003 ('Gradient Clipping': clip each element, "
           "or scale the norm) and 004 (clipping against exploding gradients, which may slow convergence)",
    base={"optimizer": "sgd", "batch_size": 32, "keep_weights": "last"},
    axes={"net": NETS, "clipping": CLIPPING, "learning_rate": [0.01, *RATES]},
    only=({"net": "rnn", "clipping": ["none", *NORM_CLIPS], "learning_rate": RATES},
          {"net": "mlp"}),
    profiles={
        "smoke": {"train_size": 64, "seeds": 2,
                  "only": ({"net": "rnn", "learning_rate": 1.0, "clipping": ["none", "global_norm_1"]},
                           {"net": "mlp", "learning_rate": 1.0, "clipping": "none"})},
        "quick": {"seeds": (6, 12)},
        "paper": {"seeds": 5},
    },
    metrics=("test_mse", "learned_fraction", "test_accuracy", "train_accuracy"),
    units={"test_mse": "target²"},
    rules=(
        *(Rule("better", rnn(clip, rate), rnn("none", rate), metric="learned_fraction", margin=0.5, runs="finished",
               claim=rescues(clip), says=f"rate {rate}: more seeds learn with {clip} than without (by > 1/2)")
          for clip in NORM_CLIPS for rate in LARGE),
        *(Rule("not_better", rnn(clip, rate), rnn("none", rate), metric="test_mse", margin=COST, claim=cheap(clip),
               says=f"rate {rate}: {clip}'s test MSE at most {COST:g} above no clipping's")
          for clip in NORM_CLIPS for rate in MODERATE),
    ),
    tables=(
        Table(f"Simple RNN, adding problem ({LENGTH} steps): share of seeds that learned", "learned_fraction",
              "clipping", "learning_rate", where={"net": "rnn"}),
        Table(f"Simple RNN, adding problem ({LENGTH} steps): test MSE (target²; constant predictor 0.167)", "test_mse",
              "clipping", "learning_rate", where={"net": "rnn"}),
        Table("Secondary, not judged: 10 x 100 ReLU MLP on mnist_10k, share of seeds that learned", "learned_fraction",
              "clipping", "learning_rate", where={"net": "mlp"}),
        Table("Secondary, not judged: 10 x 100 ReLU MLP on mnist_10k, test accuracy", "test_accuracy", "clipping",
              "learning_rate", where={"net": "mlp"}),
    ),
    figures=(
        Figure("rnn_learned_vs_rate", "metric_vs", "learned_fraction", x="learning_rate", hue="clipping",
               where={"net": "rnn"}, title="Simple RNN: share of seeds that learned (neither diverged nor collapsed)"),
        Figure("rnn_test_mse_vs_rate", "metric_vs", "test_mse", x="learning_rate", hue="clipping", where={"net": "rnn"},
               guide=(BASELINE, "constant predictor"), title="Simple RNN: test MSE of the runs that learned"),
        *(Figure(f"rnn_training_loss_rate_{rate:g}", "curves", "loss", x="epoch", hue="clipping",
                 where={"net": "rnn", "learning_rate": rate}, title=f"Simple RNN: training loss at rate {rate:g}")
          for rate in LARGE),
        Figure("mlp_learned_vs_rate", "metric_vs", "learned_fraction", x="learning_rate", hue="clipping",
               where={"net": "mlp"}, title="Secondary: deep MLP, share of seeds that learned"),
    ),
    notes=f"Main comparison (judged): Pascanu et al.'s setting, a recurrent net on a long-range synthetic task. One "
          f"Keras SimpleRNN layer of 16 tanh units (orthogonal recurrent kernel, the recurrent study's model) reads "
          f"the adding problem at {LENGTH} steps (suite.data.sequences: 4,000 training sequences, 500 dev, 1,000 "
          f"test, targets standardized, errors in the target's units), its last state into a Dense output, MSE "
          f"loss, plain SGD on batches of 32 for {RNN_EPOCHS} epochs (1,500 updates), last weights tested; "
          f"rates 0.03 to 1.0, without clipping and with global_clipnorm 1 and 5 (all gradients rescaled together "
          f"when their norm exceeds the threshold, Pascanu et al.'s rule). The length, rates and thresholds were "
          f"sized by a check of the unclipped net alone, before the study ran (module comments): at 0.3 and 1.0 "
          f"its gradient norm explodes (above 1e6 within 30 updates, every seed); 0.03 and 0.1 are the moderate "
          f"rates. What differs from the source: Pascanu et al. train 50 hidden units on sequences of 50-200 steps "
          f"for up to millions of updates and call a run successful by their own error threshold; at 50 steps our "
          f"simple RNN learns nothing with plain SGD within this CPU budget, so the length is {LENGTH} (long "
          f"enough that its gradients explode at the large rates, short enough that it can learn), and success is "
          f"the suite's 'learned': neither diverged (NaN, or a training loss above 10x its initial loss) nor "
          f"collapsed (its lowest dev loss and final training loss both at or above 0.95x the constant "
          f"predictor's), which is learning something, not solving the task. The cost margin "
          f"({COST:g} target², a tenth of the 0.167 baseline) is ours. The first pass judged a 10-layer ReLU MLP "
          f"on digits, not Pascanu et al.'s setting; it is kept as a secondary table and figure, not judged (no "
          f"rule): 10 x 100 ReLU units, He-normal, plain SGD on batches of 32, 5 epochs of mnist_10k's 7,000 "
          f"digits, rates 0.01 to 1.0, with clipvalue 0.1 (deck 003's per-element rule, our threshold) and the same "
          f"two global norms. The MLP runs 6 seeds (no rule reads it, so the sequential plan's second look adds "
          f"none). Pascanu et al. give no numbers for either setting: none are shown.",
)
