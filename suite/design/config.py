"""The trial-config schema: every key with its type, default, range or choices, and meaning.

One pydantic model (``TrialConfig``) is the single place a config key is declared; the study
defaults (``DEFAULTS``), the checks on ``--set``, study modules and axis values, ``suite keys``
and the trial-key hash all read it. Numbers are coerced only where it is safe (an int where a
float is expected); a float for an int key, a non-finite value or a size outside the declared
range is refused with one line naming the key, the allowed values and an example.

Checks that need the registries behind the name keys (models, optimizers, losses ...) live
one layer up, in ``suite.training.checks``: this module names no registry module.
"""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from suite.errors import UserError, did_you_mean
from suite.design import plugin_keys as plugin_keys_module
from suite.design.options import number

BIG = 10_000_000  # the largest size any count key accepts: beyond it a run cannot finish


def key(default, meaning: str, *, registry: str = "", kind: str = "", choices: tuple = (), replaces: tuple = (),
        flag: str = "", options_for: str = "", **bounds):
    """A schema field. ``registry``: the registry whose names the key takes (resolved by
    ``suite.training.checks.REGISTRIES``);
    ``replaces``: keys whose effect this key overrides (it may not be set when they vary);
    ``kind``: what its names are called in messages;
    ``flag``: the command-line flag that sets it instead of ``--set``; ``options_for``: the key
    naming the registry entry these options go to."""
    extra = {k: v for k, v in dict(registry=registry, kind=kind, choices=list(choices), replaces=list(replaces),
                                      flag=flag, options_for=options_for).items() if v}
    factory = {"default_factory": lambda: type(default)(default)} if isinstance(default, (list, dict)) \
        else {"default": default}
    return Field(**factory, description=meaning, json_schema_extra=extra, **bounds)


Size = Annotated[int, Field(ge=1, le=100_000)]
Label = Annotated[int, Field(ge=0, le=100_000)]
Shift = Annotated[int, Field(ge=1, le=1000)]  # pixels


class TrialConfig(BaseModel):
    """One trial's full configuration (flat keys, as ``--set key=value`` names them)."""
    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False)

    # data
    dataset: str = key("mnist_10k", "dataset the splits come from", registry="datasets:DATASETS")
    train_size: int = key(0, "training examples kept (stratified subset); 0 = the whole training split; under "
                             "cv_folds or holdout_fraction the size of the pool (train + dev) they split",
                          ge=0, le=BIG)
    input_transform: str = key("none", "input randomization of Zhang et al. (2017), or scaling (raw 0-255 "
                                                 "pixels, standardization with the training statistics)",
                               registry="datasets:TRANSFORMS", kind="input transform")
    label_corruption: float = key(0.0, "probability that a training label is replaced by a random class",
                                  ge=0, le=1)
    # model
    model: str = key("mlp", "architecture (builders receive the keys their signature names)",
                     registry="models:MODELS")
    depth: int = key(1, "hidden layers (mlp; cnn: dense layers after the convolutions)", ge=0, le=1000)
    width: int = key(30, "units per hidden layer", ge=1, le=100_000)
    widths: list[Size] = key([], "mlp: one size per hidden layer (e.g. [500, 300]); empty = depth x width",
                             replaces=("depth", "width"), max_length=1000)
    activation: str = key("sigmoid", "hidden-layer activation", registry="models:ACTIVATIONS")
    output_activation: str = key("softmax", "output nonlinearity (sets the loss)",
                                 registry="models:OUTPUT_LOSSES", kind="output activation")
    kernel_initializer: str = key("glorot_uniform", "weight initializer", registry="models:INITIALIZERS",
                                  kind="initializer")
    bias_initializer: str = key("zeros", "bias initializer", registry="models:INITIALIZERS", kind="initializer")
    dropout: float = key(0.0, "dropout rate after each hidden activation", ge=0, lt=1)
    conv_filters: list[Size] = key([16, 32], "cnn: filters of each convolution block", max_length=100)
    conv_kernel: int = key(5, "cnn: convolution kernel size (pixels)", ge=1, le=1000)
    random_crop: int = key(0, "cnn: pad by this many pixels and crop back at a random offset; 0 = off",
                           ge=0, le=1000)
    # recurrent networks (issue 35: the recurrent study; suite.training.sequence_models, suite.data.sequences)
    cell: str = key("simple_rnn", "rnn: the recurrent layer (Keras SimpleRNN, LSTM or GRU) of width units",
                    registry="sequence_models:CELLS", kind="recurrent cell")
    sequence_length: int = key(50, "dataset 'adding': steps per sequence", ge=2, le=100_000)
    # augmentation (issue 35: the augmentation study; suite.training.augmentation): Keras preprocessing layers
    augment_shift: float = key(0.0, "random shift of each training image by up to this fraction of its height and "
                                    "width (RandomTranslation, zero fill); 0 = off", ge=0, lt=1)
    augment_rotation: float = key(0.0, "random rotation of each training image by up to this many degrees either "
                                       "way (RandomRotation); 0 = off", ge=0, le=180)
    augment_zoom: float = key(0.0, "random zoom in or out of each training image by up to this fraction "
                                   "(RandomZoom); 0 = off", ge=0, lt=1)
    tta_copies: int = key(0, "test-time augmentation: tta_test_accuracy from the mean softmax over the clean test "
                             "image and tta_copies - 1 augmented copies; 0 = off", ge=0, le=1000)
    # transfer learning (issue 35: the transfer study; suite.training.transfer)
    class_subset: list[Label] = key([], "keep only these classes in every split, relabelled 0..k-1 in this order; "
                                        "empty = all", max_length=1000)
    pretrain_classes: list[Label] = key([], "pretrain the same network on these classes of the training split, "
                                            "then start from its hidden layers (a new output layer); empty = off",
                                        max_length=1000)
    pretrain_epochs: int = key(10, "epochs of that pretraining (Adam at learning_rate, batches of 32)", ge=1, le=100_000)
    freeze_features: bool = key(False, "with pretrain_classes: train only the new output layer (hidden layers frozen)")
    # normalization and residual blocks (issue 16: normalization, residual studies)
    normalization: str = key("none", "normalization layer in every hidden layer (Keras BatchNormalization / "
                                     "LayerNormalization); mlp and residual_mlp",
                             registry="models:NORMALIZATIONS")
    normalization_placement: str = key("before", "where the normalization sits: before the activation (Ioffe & "
                                                 "Szegedy 2015) or after it", registry="models:PLACEMENTS",
                                       kind="normalization placement")
    block_layers: int = key(2, "residual_mlp: Dense layers per residual block (He et al. 2016: 2)", ge=1, le=1000)
    # regularization
    l2_lambda: float = key(0.0, "Nielsen's L2: cost += lambda / (2 n) * sum(w^2), n = training-set size",
                           ge=0, le=1e6)
    weight_decay: float = key(0.0, "Zhang et al.'s weight decay: each step adds wd * w to the gradients "
                                              "(L2; with decoupled_weight_decay, AdamW's decay instead)",
                              ge=0, le=1e3)
    # regularizers of Srivastava et al. 2014 and Loshchilov & Hutter 2019 (issue 16: regularization, weight_decay)
    l1: float = key(0.0, "mlp: L1 penalty on every kernel, cost += l1 * sum(|w|) (keras.regularizers.L1; "
                         "with l2_lambda or weight_decay, L1L2)", ge=0, le=1e3)
    max_norm: float = key(0.0, "mlp: cap on the L2 norm of each unit's incoming weights, applied after every "
                               "update (keras.constraints.MaxNorm); 0 = off", ge=0, le=1e6)
    input_dropout: float = key(0.0, "mlp: dropout rate on the input pixels (the 'input' placement; dropout is "
                                    "the 'hidden' one)", ge=0, lt=1)
    early_stopping_patience: int = key(0, "end training after this many epochs without a better dev accuracy "
                                          "(keras.callbacks.EarlyStopping); 0 = train every epoch", ge=0, le=100_000)
    decoupled_weight_decay: bool = key(False, "adamw: apply weight_decay as Loshchilov & Hutter's decoupled decay, "
                                              "w -= weight_decay * (rate / learning_rate) * w each step on the "
                                              "kernels, instead of adding weight_decay * w to the gradients")
    # optimizer
    optimizer: str = key("sgd", "Keras optimizer", registry="optim:OPTIMIZERS")
    learning_rate: float = key(0.1, "learning rate (the peak rate of a schedule)", gt=0, le=1e4)
    momentum: float = key(0.0, "momentum of sgd/rmsprop (momentum/nesterov: 0 means 0.9)", ge=0, le=1)
    optimizer_options: dict[str, Any] = key({}, "extra arguments of the Keras optimizer",
                                            options_for="optimizer")
    # schedules
    lr_schedule: str = key("constant", "learning-rate schedule over the steps", registry="optim:SCHEDULES",
                           kind="learning-rate schedule")
    lr_schedule_options: dict[str, Any] = key({}, "options of the learning-rate schedule",
                                              options_for="lr_schedule")
    momentum_schedule: str = key("constant", "momentum schedule over the steps (SGD family)",
                                 registry="optim:MOMENTUM_SCHEDULES", kind="momentum schedule")
    momentum_schedule_options: dict[str, Any] = key({}, "options of the momentum schedule",
                                                    options_for="momentum_schedule")
    lr_callback: str = key("none", "learning-rate changes driven by a logged metric (Keras callback)",
                           registry="optim:LR_CALLBACKS", kind="learning-rate callback")
    lr_callback_options: dict[str, Any] = key({}, "options of the learning-rate callback",
                                              options_for="lr_callback")
    # training
    batch_size: int = key(10, "examples per step", ge=1, le=BIG)
    epochs: int = key(30, "passes over the training split", ge=1, le=100_000)
    shuffle: bool = key(True, "shuffle the training split every epoch (Keras fit's shuffle); off: a fixed order")
    keep_weights: str = key("best_dev", "weights tested: best_dev (model selection on dev) or last",
                            registry="train:KEEP_WEIGHTS", kind="keep_weights")
    stop_at_train_accuracy: float = key(0.0, "end training at the first epoch whose train accuracy "
                                             "reaches it; 0 = never", ge=0, le=1)
    train_alone: bool = key(False, "train this trial on its own, never in a population: its epoch wall times are "
                                   "then its own measurement (in a population they are the population's epoch "
                                   "time split evenly among its members, the same number for every seed)")
    # dev evaluation frequency (issue 20, the slow studies: redundant evaluations)
    validation_freq: int = key(1, "evaluate the dev split every this many epochs (Keras fit's validation_freq: "
                                  "after epochs N, 2N, ...) and always after the last epoch trained, early "
                                  "stops included; skipped epochs log NaN dev metrics; >= epochs = at the end "
                                  "only; > 1 needs keep_weights=last and nothing that reads dev every epoch",
                               ge=1, le=100_000)
    # probes and metrics
    probe_examples: int = key(0, "per-layer statistics on this many training images each epoch; 0 = off",
                              ge=0, le=1_000_000)
    target_dev_accuracy: float = key(0.0, "report the first epoch whose dev accuracy reaches it; 0 = off",
                                     ge=0, le=1)
    # tasks, losses and generated data (issue 17: losses, perceptron, batch_size)
    task: str = key("classification", "what the network predicts: class labels (accuracy) or a number "
                                      "(regression: MSE, MAE, R^2 in the target's units); must match the dataset",
                    choices=("classification", "regression"))
    loss: str = key("cross_entropy", "training loss (suite.training.losses, on keras.losses); cross_entropy follows "
                                     "output_activation (softmax or Nielsen's sigmoid cost)",
                    registry="losses:LOSSES", kind="loss")
    target_outliers: float = key(0.0, "regression: fraction of training targets replaced by outliers "
                                      "(5-10 training stds above the mean); dev and test stay clean", ge=0, le=1)
    separable_margin: float = key(0.1, "dataset 'separable': the margin gamma of the generated linearly "
                                       "separable set (inputs in the unit disk)", gt=0, lt=1)
    # the designed quadratic (issue 34: suite.data.quadratic, the step_size study)
    condition_number: float = key(100.0, "dataset 'quadratic': the condition number kappa of the input covariance "
                                         "(eigenvalues log-spaced from 1/kappa to 1)", ge=1, le=1e8)
    quadratic_repeats: int = key(1, "dataset 'quadratic': the training split is its rows repeated this many times "
                                    "in a fixed order (with batch_size = rows and shuffle off: this many full-batch "
                                    "steps per epoch)", ge=1, le=1_000_000)
    target_noise: float = key(0.0, "dataset 'quadratic': std of Gaussian noise on the targets (0 = noiseless, f* = 0)",
                              ge=0, le=1e6)
    target_relative_error: float = key(0.0, "data that knows its optimum f* (quadratic): report the first step at "
                                            "which the dev loss's relative error (f - f*) / (f0 - f*) reaches it; 0 = off",
                                       ge=0, lt=1)
    # the saddle f = x^2 - y^2 (issue 34: suite.training.saddle, suite.data.saddle, the saddle_points study)
    saddle_x0: float = key(1.0, "model 'saddle': the start's x", ge=-1e3, le=1e3)
    saddle_y0: float = key(0.0, "model 'saddle': the start's y (0 = on the stable manifold)", ge=-1e3, le=1e3)
    saddle_jitter: float = key(0.0, "model 'saddle': std of Gaussian jitter added to the start's x and y, drawn "
                                    "from the seed (0 = exactly the start)", ge=0, le=1e3)
    gradient_noise: float = key(0.0, "dataset 'saddle': std of the training rows (a, b) that add a x + b y to f "
                                     "(a batch of one: gradient noise of this std; 0 = exact gradients)", ge=0, le=1e3)
    # validation protocol and test-time inference (issue 18: suite.data.folds, suite.training.uncertainty)
    cv_folds: int = key(0, "validation protocol on the pool (train + dev, train_size examples when set): 0 = the "
                           "fixed dev split; 1 = resubstitution (the whole pool trains and validates); k >= 2 = "
                           "stratified k-fold, one trial per fold, folds drawn from the seed", ge=0, le=1000)
    cv_fold: int = key(0, "the fold a k-fold trial validates on (0..cv_folds-1; a k-fold plan sets it)",
                       ge=0, le=999)
    holdout_fraction: float = key(0.0, "hold-out protocol: this fraction of the pool (train + dev) is held out "
                                       "for validation, a stratified draw from the seed; 0 = off", ge=0, lt=1)
    mc_passes: int = key(0, "MC-dropout inference (Gal & Ghahramani 2016): test metrics from the mean softmax of "
                            "this many stochastic passes with dropout on (Keras training=True); 0 = the standard "
                            "scaled prediction", ge=0, le=10_000)
    ood_dataset: str = key("none", "out-of-distribution inputs (test images of this dataset, or noise) whose "
                                   "predictive entropy is compared with the test digits'; none = off",
                           registry="uncertainty:OOD_SOURCES", kind="OOD source")
    # a stack of linear layers is one linear map (issue 34: linear_depth)
    collapse_check: bool = key(False, "linear networks (mlp, linear activation): after training, report the largest "
                                      "|logits - x W + b| on the test inputs, W and b the product of the Dense layers' "
                                      "kernels and their collapsed biases (suite.training.collapse)")
    # input scaling and shifted test digits (issues 34, 35: input_scaling, convolution)
    input_statistics: bool = key(False, "record the training inputs' spectrum (suite.data.input_statistics: largest "
                                        "eigenvalue and ridge condition number of E[x x^T] and of the covariance, "
                                        "over the varying features) as metrics")
    test_shifts: list[Shift] = key([], "also test on the test images shifted by each of these numbers of pixels "
                                       "(up, down, left, right, zero fill; suite.data.shifts): metrics "
                                       "test_accuracy_shift_<k>, and test_accuracy_shift_0 on the unshifted ones",
                                   max_length=100)
    # identity of the run (set by flags, not --set)
    seed: int = key(0, "the trial's random seed (seeds first_seed..first_seed+N-1; a profile's first_seed, else 0)",
                    ge=0, le=1_000_000, flag="--seeds")
    backend: str = key("jax", "Keras backend the trial runs on", choices=("jax", "tensorflow"),
                       flag="--backend")
    deterministic: bool = key(False, "TF op determinism and oneDNN off", flag="--deterministic")


FIELDS = TrialConfig.model_fields
DEFAULTS: dict = TrialConfig().model_dump()
SETTABLE = [name for name in FIELDS if not (FIELDS[name].json_schema_extra or {}).get("flag")]
SEEDS_MAX = 10_000  # --seeds: more is a typo, not a study

# --- population training (issue 20, suite.training.population): the keys whose values may differ between
# the members of one population, each with why one compiled program can carry it; every other key
# must be equal. The learning rate only while it is an optimizer variable (lr_schedule=constant).
POPULATION_KEYS = {
    "seed": "initial weights, dropout masks and data order are per-member state and data",
    "label_corruption": "changes only the training labels, which are per-member data",
    "input_transform": "changes only the images (same shapes), which are per-member data",
    "learning_rate": "an optimizer variable, stacked per member (constant schedule only)",
}


def extra(name: str) -> dict:
    return FIELDS[name].json_schema_extra or {}


def kind(name: str) -> str:
    return extra(name).get("kind") or name.replace("_", " ")


def _bounds(name: str) -> str:
    low = high = ""
    for item in FIELDS[name].metadata:
        for attr, form in (("ge", "[{}"), ("gt", "({}")):
            if getattr(item, attr, None) is not None:
                low = form.format(number(getattr(item, attr)))
        for attr, form in (("le", "{}]"), ("lt", "{})")):
            if getattr(item, attr, None) is not None:
                high = form.format(number(getattr(item, attr)))
    return f"{low}, {high}" if low and high else ""


def type_name(name: str) -> str:
    annotation = FIELDS[name].annotation
    if annotation in (int, float, str, bool):
        return annotation.__name__
    origin = getattr(annotation, "__origin__", None)
    return {list: "list of int", dict: "dict"}.get(origin, str(annotation))


def allowed(name: str) -> str:
    """The allowed values of key ``name`` in words: a type with its range, or the choices (a key
    that takes a registry's names: its type; ``suite.training.checks.allowed`` lists the names)."""
    choices = extra(name).get("choices")
    if choices:
        return f"one of {', '.join(choices)}"
    bounds = _bounds(name)
    text = f"{'an' if type_name(name) == 'int' else 'a'} {type_name(name)}" + (f" in {bounds}" if bounds else "")
    if type_name(name) == "list of int":
        text += " >= 1"
    if extra(name).get("options_for"):
        text += f" of {extra(name)['options_for']} options"
    return text


def example(name: str) -> str:
    default = DEFAULTS[name]
    sample = {"list of int": [500, 300], "dict": {}}.get(type_name(name), default)
    return f"{name}={sample!r}" if not isinstance(sample, str) else f"{name}={sample}"


def plugin_keys() -> dict:
    """The config keys plug-in models declare (``suite.design.plugin_keys``); one that names a
    schema key is refused."""
    keys = plugin_keys_module.declared()
    taken = sorted(set(keys) & set(FIELDS))
    if taken:
        raise UserError(f"plug-in config key(s) {taken} are already suite config keys; rename them in the "
                        f"model's config_keys")
    return keys


def validate(config: dict, source=lambda key: f"{key}") -> dict:
    """``config`` checked against the schema and coerced (int -> float where a float is
    expected); raises one UserError naming the first bad key, its allowed values and an example.
    ``source(key)`` says where the key was set (e.g. '--set epochs'). Keys declared by plug-in
    models are checked against their declarations and kept as given."""
    declared = plugin_keys() if set(config) - set(FIELDS) else {}
    extra = {key: config[key] for key in config if key in declared}
    for key, value in extra.items():
        problem = declared[key].problem(value)
        if problem:
            raise UserError(f"{source(key)}={value!r}: {key} (a plug-in model's key) {problem}; expected "
                            f"{declared[key].allowed()}")
    try:
        validated = TrialConfig.model_validate({k: v for k, v in config.items() if k not in extra}).model_dump()
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0])
        if error["type"] == "extra_forbidden":
            raise UserError(f"{source(name)}: unknown config key '{name}'{did_you_mean(name, [*FIELDS, *declared])}; "
                            f"`suite keys` lists every key") from None
        value = config[name]
        where = "".join(f"[{part!r}]" for part in error["loc"][1:])
        problem = "is not finite" if error["type"] == "finite_number" else "is not allowed"
        raise UserError(f"{source(name)}={value!r}: {name}{where} {problem}; expected "
                        f"{allowed(name)}, e.g. --set {example(name)}") from None
    return {**validated, **extra}


def differs_from_defaults(config: dict) -> dict:
    """The entries of ``config`` whose value is not the schema default (what a trial key hashes)."""
    return {k: v for k, v in config.items() if k not in DEFAULTS or v != DEFAULTS[k]}


