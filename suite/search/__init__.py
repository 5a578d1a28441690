"""Hyperparameter searches: ``suite search`` over a study's space (``tuner_search``), search-
algorithm comparisons at an equal budget (``hpo``) and their anytime curves (``anytime``).

Layer: may import ``suite.execution`` and everything below it; never reporting or the CLI.
"""
