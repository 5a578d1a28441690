"""Recurrent nets on the adding problem: gated cells hold a value over lengths a simple RNN cannot,
its gradient through time vanishes geometrically, and clipping stops its updates from exploding."""
from suite import Figure, Reference, Rule, Study, Table

CELLS = ["simple_rnn", "lstm", "gru"]
LENGTHS = [10, 50, 100, 200]
# "Solved": test MSE under a tenth of the constant predictor's 1/6 (the target variance that Le et al.
# 2015 and Arjovsky et al. 2016 measure the adding problem against), i.e. R^2 >= 0.9: our threshold, fixed
# before the study ran. LONG is where the clause is judged: the length the issue and Arjovsky et al.
# Fig. 2 start from (their tanh RNN stays at the baseline there while their LSTM solves it).
BASELINE = 1 / 6
TARGET = BASELINE / 10
SHORT, LONG = 10, 100
TRAINING = {"adam": {"optimizer": "adam", "learning_rate": 0.01},
            **{f"sgd_{rate}": {"optimizer": "sgd", "learning_rate": rate, "epochs": 5} for rate in (0.01, 0.1, 1.0)}}
# The plain-SGD rate at which the unclipped simple RNN blew up in sizing runs (10 and 50 steps). The first
# quick run had 0.1 judged too, at 50 steps: no seed diverged there, and at 50 steps no run learns the task at
# any rate (test MSE at the 0.167 baseline), so "trains" could not show; the comparison moved to 10 steps,
# where the simple RNN solves the task, and judges 1.0 only (results/recurrent's notes).
LARGE = ["sgd_1.0"]
CLIPPING = {"none": {}, "global_norm_1": {"optimizer_options": {"global_clipnorm": 1.0}}}
CLIP_LENGTH = SHORT
FAILS = (f"the simple RNN solves the adding problem at {SHORT} steps (test MSE < {TARGET:.4f}, a tenth of the "
         f"0.167 baseline) and fails at {LONG}, where LSTM and GRU solve it")
DECAYS = (f"the simple RNN's ||dL/dh_t|| falls geometrically with the distance from the last step at {LONG} "
          f"steps, at initialization and after training (ln-norm linear in the distance, R^2 >= 0.9, per-step "
          f"factor below 1 after training)")
GATED = f"after training at {LONG} steps, LSTM's and GRU's gradients decay more slowly than the simple RNN's"
CLIPS = (f"at an SGD rate where the simple RNN diverges ({', '.join(LARGE)}, {CLIP_LENGTH} steps), global-norm "
         f"clipping (Keras global_clipnorm = 1) lets it train")


def main(cell, length=LONG):
    return {"cell": cell, "sequence_length": length, "training": "adam", "clipping": "none"}


def clip(clipping, training):
    return {"cell": "simple_rnn", "sequence_length": CLIP_LENGTH, "training": training, "clipping": clipping}


STUDY = Study(
    name="recurrent",
    claim=f"On the adding problem a simple RNN fails beyond a length at which LSTM and GRU still solve it; its "
          f"gradient through time vanishes geometrically with the distance; gradient clipping lets it train at "
          f"learning rates where it otherwise diverges.",
    clauses=(FAILS, DECAYS, GATED, CLIPS),
    source="Hochreiter & Schmidhuber 1997, 'Long short-term memory', experiment 4 (the adding problem); Bengio, "
           "Simard & Frasconi 1994 and Pascanu, Mikolov & Bengio 2013 (ICML), Sec. 2-3 (vanishing and exploding "
           "gradients through time, clipping the gradient's norm); Le, Jaitly & Hinton 2015 and Arjovsky, Shah & "
           "Bengio 2016 (the adding problem's form and its 0.167 baseline); lecture deck 000 ll.551-556 ('equivalent "
           "to very deep nets with one hidden layer per time slice ... very hard to train them'), deck 002 ll.785-800 "
           "(RNNs), deck 003 ll.871-874 (gradient clipping), deck 004 ll.1061-1075 (vanishing/exploding gradients)",
    base={"dataset": "adding", "task": "regression", "loss": "mse", "model": "rnn", "width": 16,
          "batch_size": 32, "keep_weights": "last", "probe_examples": 100},
    axes={"cell": CELLS, "sequence_length": LENGTHS, "training": TRAINING, "clipping": CLIPPING},
    only=({"training": "adam", "clipping": "none"},
          {"cell": "simple_rnn", "sequence_length": CLIP_LENGTH, "training": ["sgd_0.01", "sgd_0.1", *LARGE]}),
    profiles={
        "smoke": {"epochs": 1, "train_size": 200, "seeds": 2, "probe_examples": 8,
                  "only": ({"cell": "simple_rnn", "sequence_length": 10, "training": "adam", "clipping": "none"},
                           {"cell": "simple_rnn", "sequence_length": 10, "training": "sgd_1.0"})},
        "quick": {"epochs": 15, "train_size": 3000, "seeds": (5, 10)},
        "paper": {"epochs": 60, "seeds": 5},
    },
    metrics=("test_mse", "state_grad_factor_init", "state_grad_factor_end", "state_grad_r2_init",
             "state_grad_r2_end", "state_grad_ratio_init", "learned_fraction"),
    units={"test_mse": "target²"},
    references=(Reference("constant prediction 1 (the target's mean): MSE = Var(U1 + U2) = 1/6 (Arjovsky et al. "
                          "2016, Sec. 4.2); not a published result, the baseline every cell must beat",
                          "test_mse", {(cell, length, "adam", "none"): BASELINE
                                       for cell in CELLS for length in LENGTHS}),),
    rules=(
        Rule("within", main("simple_rnn", SHORT), metric="test_mse", bounds=(None, TARGET), runs="finished",
             claim=FAILS, says=f"simple RNN, {SHORT} steps: test MSE below {TARGET:.4f}"),
        Rule("within", main("simple_rnn"), metric="test_mse", bounds=(TARGET, None), runs="finished",
             claim=FAILS, says=f"simple RNN, {LONG} steps: test MSE above {TARGET:.4f}"),
        *(Rule("within", main(cell), metric="test_mse", bounds=(None, TARGET), runs="finished", claim=FAILS,
               says=f"{cell}, {LONG} steps: test MSE below {TARGET:.4f}") for cell in ("lstm", "gru")),
        *(Rule("within", main("simple_rnn"), metric=f"state_grad_r2_{when}", bounds=(0.9, None), runs="finished",
               claim=DECAYS, says=f"simple RNN, {LONG} steps, {when}: R^2 of ln||dL/dh_t|| on the distance >= 0.9")
          for when in ("init", "end")),
        Rule("within", main("simple_rnn"), metric="state_grad_factor_end", bounds=(None, 1.0), runs="finished",
             claim=DECAYS, says=f"simple RNN, {LONG} steps, after training: per-step factor below 1"),
        *(Rule("better", main(cell), main("simple_rnn"), metric="state_grad_factor_end", margin=0.0,
               runs="finished", claim=GATED,
               says=f"{LONG} steps, after training: {cell}'s per-step factor above the simple RNN's")
          for cell in ("lstm", "gru")),
        *(Rule("better", clip("global_norm_1", rate), clip("none", rate), metric="learned_fraction", margin=0.5,
               runs="finished", claim=CLIPS, says=f"{rate}: more seeds train with clipping than without (by > 1/2)")
          for rate in LARGE),
    ),
    tables=(Table("Test MSE by cell and sequence length (target² units; baseline 0.167)", "test_mse", "cell",
                  "sequence_length", where={"training": "adam", "clipping": "none"},
                  caption=f"Solved: below {TARGET:.4f}. A cell's mean covers the seeds that trained (done)."),
            Table("Per-step factor of ||dL/dh_t|| at initialization", "state_grad_factor_init", "cell",
                  "sequence_length", where={"training": "adam", "clipping": "none"}),
            Table("Per-step factor of ||dL/dh_t|| after training", "state_grad_factor_end", "cell",
                  "sequence_length", where={"training": "adam", "clipping": "none"}),
            Table("Simple RNN, plain SGD: share of seeds that trained", "learned_fraction", "training", "clipping",
                  where={"cell": "simple_rnn", "sequence_length": CLIP_LENGTH})),
    figures=(
        Figure("test_mse_vs_length", "metric_vs", "test_mse", x="sequence_length", hue="cell",
               where={"training": "adam", "clipping": "none"}, guide=(BASELINE, "constant predictor"),
               title="Adding problem: test MSE vs sequence length"),
        Figure("state_gradient_init", "layers", "state_grad_norm", x="distance", hue="cell", log_y=True,
               where={"sequence_length": LONG, "training": "adam", "epoch": 0},
               title=f"||dL/dh_t|| vs distance from the last step, {LONG} steps, at initialization"),
        Figure("state_gradient_end", "layers", "state_grad_norm", x="distance", hue="cell", log_y=True,
               where={"sequence_length": LONG, "training": "adam", "epoch": 15},
               title=f"||dL/dh_t|| vs distance from the last step, {LONG} steps, after training (quick: 15 epochs)"),
        Figure("clipping_learned", "metric_vs", "learned_fraction", x="training", hue="clipping",
               where={"cell": "simple_rnn", "sequence_length": CLIP_LENGTH},
               title=f"Simple RNN, {CLIP_LENGTH} steps, plain SGD: share of seeds that trained"),
        Figure("training_loss", "curves", "loss", x="epoch", hue="cell",
               where={"sequence_length": LONG, "training": "adam"}, title=f"Training loss (standardized), {LONG} steps"),
    ),
    notes=f"The adding problem (suite.data.sequences): two channels per step, a value uniform in [0, 1) and a marker "
          f"set at one step of the first half and one of the second half (Arjovsky et al.'s placement; Hochreiter & "
          f"Schmidhuber put the first marker in the first ten steps and scale the target), target the sum of the two "
          f"marked values; 3,000 training sequences per length (quick), 500 dev, 1,000 test, fixed per length; "
          f"targets standardized with their known mean 1 and std sqrt(1/6) for training, errors reported in the "
          f"target's units, where predicting 1 scores 0.167. Models: one Keras SimpleRNN, LSTM or GRU layer of 16 "
          f"units with Keras's defaults (tanh, orthogonal recurrent kernel, LSTM forget bias 1), its last state into "
          f"a Dense output, MSE loss; the papers use 100-128 units and 10^4-10^6 updates. Main comparison: Adam, rate "
          f"0.01, batches of 32, 15 epochs (about 1,400 updates), last weights tested. The width and the rate were "
          f"sized in a handful of pilot runs so that a gated cell can solve {LONG} steps within the budget (an LSTM "
          f"at 16 units and rate 0.01 did; at rate 0.001 it had not left the baseline after 10 epochs); the same "
          f"setting serves every cell. 'Solved' is our threshold, test MSE < {TARGET:.4f} (a tenth of the baseline), "
          f"fixed before the study. Gradient probe: on 100 training sequences, before the first update and after the "
          f"last, the cell is unrolled step by step and ||dL/dh_t|| (the mean loss's gradient w.r.t. each hidden "
          f"state, Frobenius norm over sequences and units) comes from the backend's autodiff; a least-squares line "
          f"of ln||dL/dh_t|| on the distance d = T - t gives the per-step factor exp(slope) (tables: mean and 95% "
          f"interval over seeds) and its R^2 (0.9 is our convention for 'geometric'; the pilots showed 0.99 and "
          f"above for the simple RNN). At initialization the simple RNN's factor is below 1 by construction "
          f"(orthogonal recurrent kernel times tanh' <= 1), so only the form (R^2) is judged there; after training it "
          f"is an outcome. Clipping: the simple RNN at {CLIP_LENGTH} steps with plain SGD at rates 0.01, 0.1 and 1.0, "
          f"without and with global_clipnorm = 1 (Pascanu et al. rescale the gradient when its norm exceeds a "
          f"threshold; 1 is ours), 5 epochs; the rate judged (1.0) is the one at which the unclipped net blew up in the "
          f"sizing runs. The first quick run placed this comparison at 50 steps and judged 0.1 too: no seed diverged "
          f"at 0.1, and at 50 steps no run learned the task at any rate (test MSE at the baseline), so whether clipping "
          f"'lets it train' could not show (at 1.0 the unclipped runs diverged and the clipped ones stayed at their "
          f"initial loss); it moved to {SHORT} steps, where the simple RNN solves the task, before its second run. "
          f"At initialization the gated cells' gradients fall faster than the simple RNN's (LSTM's forget gate starts "
          f"near sigmoid(1) = 0.73, GRU's update gate near 0.5); the gated clause is about the trained cells. A run 'trained' when it neither diverged (NaN or "
          f"training loss above 10x its initial loss) nor stayed at or above its initial loss. Recurrent layers and "
          f"regression run per trial (no population path): the 200-step trials dominate the time.",
)
