# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The suite from a notebook
#
# Declare a small study inline, run it on its smoke profile (a few seconds on a CPU), and read the
# results as pandas frames. `jupytext --to notebook examples/quickstart.py` makes an `.ipynb` of
# this file; `tests/test_examples.py` executes it with nbclient so it never rots.

# %%
# %matplotlib inline
import suite

study = suite.Study(
    name="notebook_width",
    claim="64 sigmoid units beat 8 on the synthetic digits",
    source="a notebook question",
    base={"model": "mlp", "depth": 1, "activation": "sigmoid", "learning_rate": 0.5},
    axes={"width": [8, 64]},
    profiles={"smoke": {"dataset": "synthetic", "epochs": 2, "batch_size": 50, "seeds": 2}},
    rules=(suite.Rule("better", a={"width": 64}, b={"width": 8}, margin=0.0, says="64 units beat 8"),),
)
result = suite.run(study, profile="smoke", runs_dir="scratch/runs", results_dir="scratch/results")
result

# %% [markdown]
# One row per trial, one row per trial and epoch, one row per point:

# %%
result.trials[["width", "seed", "status", "test_accuracy", "best_dev_accuracy"]]

# %%
result.history.groupby(["width", "epoch"])["dev_accuracy"].mean().unstack("epoch")

# %%
result.summary

# %% [markdown]
# The verdict, with each rule's evidence, and the report's figures (matplotlib):

# %%
print(result.verdict["verdict"])
for evidence in result.verdict["evidence"]:
    print(evidence["rule"], "->", evidence["verdict"])

# %%
name, figure = next(iter(result.figures.items()))
print(name)
figure

# %% [markdown]
# The stored trials come back without training (`suite.load`), and the built-in studies are
# listed by `suite.studies()`:

# %%
again = suite.load(study, profile="smoke", runs_dir="scratch/runs")
assert again.trials["test_accuracy"].equals(result.trials["test_accuracy"])
sorted(suite.studies())[:5]
