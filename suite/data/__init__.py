"""Datasets as fixed train/dev/test splits: the registry (``datasets``), the split type
(``splits``), IDX and cache file readers (``readers``), generated toy problems (``toy_data``) and
cross-validation folds (``folds``). ``mnist_10k.npz`` ships the embedded digits.

Layer: may import only the base modules (``errors``, ``registry``); NumPy and scikit-learn, no
Keras.
"""
