"""Learning-rate schedules (lecture deck 004, 'Learning Rate' 3-12) on SGD with momentum, one budget."""
from suite.study import Figure, Rule, Study

# Each decay ends near lr/100 after the 15-epoch run where its family has such a knob.
SCHEDULES = {
    "constant": {},
    "step": {"lr_schedule": "piecewise", "lr_schedule_options": {"boundaries": [5, 10], "multipliers": [1, 0.1, 0.01]}},
    "exponential": {"lr_schedule": "exponential", "lr_schedule_options": {"decay_rate": 0.74, "staircase": False}},
    "inverse_time": {"lr_schedule": "inverse_time", "lr_schedule_options": {"decay_rate": 6.6}},
    "polynomial": {"lr_schedule": "polynomial", "lr_schedule_options": {"end_factor": 0.01, "power": 1.0}},
    "cosine": {"lr_schedule": "cosine", "lr_schedule_options": {"alpha": 0.01}},
    "sgdr": {"lr_schedule": "sgdr", "lr_schedule_options": {"cycles": 4, "t_mul": 2.0, "m_mul": 0.5, "alpha": 0.01}},
    "one_cycle": {"lr_schedule": "one_cycle", "momentum_schedule": "one_cycle", "momentum": 0.95,
                  "momentum_schedule_options": {"low": 0.85}},
    "warmup_cosine": {"lr_schedule": "warmup_cosine", "lr_schedule_options": {"warmup_epochs": 1, "alpha": 0.01}},
    "plateau": {"lr_callback": "reduce_on_plateau", "lr_callback_options": {"factor": 0.1, "patience": 3}},
}
SCHEDULED = [name for name in SCHEDULES if name != "constant"]
LOSS_CLAIM = "a scheduled rate ends training at a lower training loss than the constant rate"
TEST_CLAIM = "a scheduled rate ends training with a higher test accuracy than the constant rate"

STUDY = Study(
    name="schedules",
    claim="Schedulers 'improve the optimization process by decreasing (or increasing) the learning rate "
          "over time, which can help the model converge more effectively': at the same budget, every "
          "scheduled rate ends with a lower training loss and a higher test accuracy than a constant rate.",
    source="Lecture deck 004, 'Learning Rate (3)-(12)': piecewise constant, exponential, power (1/t), "
           "polynomial and performance decay, cosine annealing with restarts (Loshchilov & Hutter), "
           "one-cycle (Smith 2018) with learning rate and momentum",
    base={"model": "mlp", "depth": 2, "width": 100, "activation": "relu", "kernel_initializer": "he_normal",
          "optimizer": "sgd", "learning_rate": 0.05, "momentum": 0.9, "batch_size": 32, "epochs": 15,
          "keep_weights": "last"},
    axes={"schedule": SCHEDULES},
    profiles={
        "smoke": {"dataset": "synthetic", "epochs": 2, "batch_size": 50, "width": 16, "seeds": 2,
                  "only": ({"schedule": ["constant", "sgdr", "one_cycle", "plateau"]},)},
        "quick": {"dataset": "mnist_10k", "seeds": 5},
        "paper": {"dataset": "mnist", "seeds": 5},
    },
    metrics=("test_accuracy", "final_dev_accuracy", "best_dev_accuracy", "train_loss"),
    rules=(
        *(Rule("better", {"schedule": "constant"}, {"schedule": name}, metric="train_loss", claim=LOSS_CLAIM,
               says=f"{name}: training loss below the constant rate's") for name in SCHEDULED),
        *(Rule("better", {"schedule": name}, {"schedule": "constant"}, metric="test_accuracy", claim=TEST_CLAIM,
               says=f"{name}: test accuracy above the constant rate's") for name in SCHEDULED),
    ),
    figures=(
        Figure("learning_rate", "lr_schedule", "learning_rate", x="step", hue="schedule",
               title="learning rate (log) and momentum per optimizer step"),
        Figure("dev_accuracy", "curves", "dev_accuracy", x="epoch", hue="schedule",
               title="dev accuracy per epoch by schedule"),
        Figure("train_loss", "curves", "loss", x="epoch", hue="schedule",
               title="training loss per epoch by schedule"),
        Figure("test_accuracy", "metric_vs", "test_accuracy", x="schedule",
               title="test accuracy (last weights) by schedule"),
    ),
    notes="SGD, momentum 0.9 (one-cycle: 0.95 down to 0.85 and back, Smith's values), peak rate 0.05 for "
          "every schedule, chosen once before any run (not tuned); MLP 2x100 relu (He normal), batch 32, "
          "15 epochs (219 steps each on 7,000 mnist_10k training images). The decays are set to end near "
          "lr/100: step x0.1 at epochs 5 and 10; exponential x0.74 per epoch; 1/t with rate 6.6 per epoch "
          "(so lr/7.6 after one epoch); linear polynomial to lr/100; cosine and warm-up cosine (1 epoch "
          "from lr/10) to lr/100; SGDR with "
          "4 cycles of 1, 2, 4 and 8 epochs, each starting at half the last one's rate (deck: t_mul 2, "
          "m_mul 0.5); one-cycle from lr/10 up to lr at 45% of the run, back to lr/10 at 90%, then to "
          "lr/1000; plateau is ReduceLROnPlateau on the dev loss with the deck's example (x0.1 after 3 "
          "epochs without improvement). The last epoch's weights are tested (no best-dev selection), so a "
          "schedule is judged on where it ends. Margins are 0: the deck claims an improvement, not its size.",
)
