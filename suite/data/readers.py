"""Reading datasets from files: LeCun's IDX format (MNIST, Fashion-MNIST), the caches that
``keras.datasets`` leaves (``mnist.npz``, ``cifar-10-batches-py``), with checks that name a damaged
or missing file and the fix (``UserError``). The suite never deletes a user's file nor downloads
unasked (``SUITE_ALLOW_DOWNLOAD``)."""
from __future__ import annotations

import gzip
import os
import zipfile
from pathlib import Path

import numpy as np

from suite.errors import UserError
import pickle

IDX_STEMS = ("train-images-idx3", "train-labels-idx1", "t10k-images-idx3", "t10k-labels-idx1")


def damaged_file(path: Path, problem: str) -> UserError:
    return UserError(f"dataset file {path} is damaged ({problem}); replace it with the original file "
                     f"(the suite never deletes it), or use --dataset mnist_10k")


def read_idx(path: Path) -> np.ndarray:
    """The IDX format of LeCun's MNIST files: a 4-byte magic number (0, 0, type 0x08 = uint8,
    ndim), ndim big-endian uint32 sizes, then the data. UserError naming the file if damaged."""
    try:
        with gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        raise UserError(f"dataset file {path} is missing; put the four original IDX files "
                        f"({', '.join(f'{stem}-ubyte.gz' for stem in IDX_STEMS)}) there, or use "
                        f"--dataset mnist_10k") from None
    except (OSError, EOFError, gzip.BadGzipFile, ValueError) as exc:
        raise damaged_file(path, f"{type(exc).__name__}: {exc}") from None
    if len(raw) < 4 or raw[:3] != b"\x00\x00\x08" or raw[3] not in (1, 3):
        raise damaged_file(path, "not an IDX file of unsigned bytes with 1 or 3 dimensions")
    ndim = raw[3]
    if len(raw) < 4 + 4 * ndim:
        raise damaged_file(path, "header cut short")
    dims = np.frombuffer(raw, dtype=">u4", count=ndim, offset=4).astype(np.int64)
    size = len(raw) - 4 - 4 * ndim
    if int(np.prod(dims)) != size:
        raise damaged_file(path, f"the header announces {' x '.join(map(str, dims))} values, the file "
                                  f"holds {size}")
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def find_idx_dir(dirs) -> Path | None:
    for directory in dirs:
        if directory and (Path(directory) / "train-images-idx3-ubyte.gz").exists():
            return Path(directory)
    return None


def read_idx_dir(directory: Path):
    """(x_train, y_train, x_test, y_test) from the four IDX files in ``directory``."""
    return tuple(read_idx(directory / f"{stem}-ubyte.gz") for stem in IDX_STEMS)


def check_splits(name: str, source: str, x_train, y_train, x_test, y_test, image_shape: tuple[int, ...],
                 num_classes: int, dev_size: int) -> None:
    """Shape, dtype, class range and counts of every split, before any is used (UserError naming
    the dataset, its source and the fix)."""
    def fail(problem: str):
        raise UserError(f"dataset '{name}' from {source}: {problem}; replace the file(s) with the "
                        f"original ones, or use --dataset mnist_10k")

    for split, x, y in (("train", x_train, y_train), ("test", x_test, y_test)):
        x, y = np.asarray(x), np.asarray(y)
        shapes = {image_shape, *((image_shape[:-1],) if image_shape[-1] == 1 else ())}
        if x.ndim < 2 or tuple(x.shape[1:]) not in shapes:
            fail(f"{split} images have shape {x.shape}, expected (N, {', '.join(map(str, image_shape))})")
        if not (x.dtype == np.uint8 or (np.issubdtype(x.dtype, np.floating) and x.size
                                         and 0.0 <= float(x.min()) and float(x.max()) <= 1.0)):
            fail(f"{split} images are {x.dtype}, expected uint8 (0-255) or floats in [0, 1]")
        if not np.issubdtype(y.dtype, np.integer) or y.size != len(x) or y.ndim > 2:
            fail(f"{split} has {len(x)} images and {y.size} labels of type {y.dtype}; expected one "
                 f"integer label per image")
        if y.size and (int(y.min()) < 0 or int(y.max()) >= num_classes):
            fail(f"{split} labels range over [{int(y.min())}, {int(y.max())}], expected classes 0-{num_classes - 1}")
    counts = np.bincount(np.asarray(y_train).reshape(-1), minlength=num_classes)
    if len(x_train) <= dev_size or (counts < 2).any():
        fail(f"the training split has {len(x_train)} images (class counts {counts.tolist()}); the "
             f"dev split alone takes {dev_size}, and every class needs 2 or more")


def read_npz(path: Path):
    """keras.datasets.mnist's cache file, read here: Keras deletes a file it cannot read and
    downloads it again, and the suite never deletes a user's file nor downloads unasked."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            return tuple(archive[key] for key in ("x_train", "y_train", "x_test", "y_test"))
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        raise damaged_file(path, f"{type(exc).__name__}: {exc}") from None


def read_cifar_dir(path: Path):
    """keras.datasets.cifar10's cache directory (the python pickles of Krizhevsky's batches)."""

    def batch(file: Path):
        try:
            with open(file, "rb") as handle:
                data = pickle.load(handle, encoding="bytes")
            x = np.asarray(data[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
            return x, np.asarray(data[b"labels"])
        except FileNotFoundError:
            raise UserError(f"dataset file {file} is missing; put the original cifar-10-batches-py "
                            f"directory in {path.parent}, or use --dataset mnist_10k") from None
        except Exception as exc:  # unpickling damaged bytes raises many types
            raise damaged_file(file, f"{type(exc).__name__}: {exc}") from None

    parts = [batch(path / f"data_batch_{i}") for i in range(1, 6)]
    x_test, y_test = batch(path / "test_batch")
    return (np.concatenate([x for x, _ in parts]), np.concatenate([y for _, y in parts]), x_test, y_test)


# Cache entry of keras.datasets -> reader of what Keras left there.
CACHE_READERS = {"mnist.npz": read_npz, "fashion-mnist": read_idx_dir, "cifar-10-batches-py": read_cifar_dir}


def keras_dataset(name: str, loader_name: str, cache_file: str):
    """Read keras.datasets' cache when it holds the file; download through Keras only with
    SUITE_ALLOW_DOWNLOAD (never hang offline, never replace a user's file)."""
    cache = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets" / cache_file
    if cache.exists():
        x, y, xt, yt = CACHE_READERS[cache_file](cache)
        return (x, y), (xt, yt)
    if not os.environ.get("SUITE_ALLOW_DOWNLOAD"):
        raise UserError(
            f"dataset '{name}' is not available offline: put {cache_file} in {cache.parent} "
            f"(or set SUITE_ALLOW_DOWNLOAD=1 where there is internet), or use --dataset mnist_10k"
        )
    import keras  # deferred: loads Keras

    try:
        return getattr(keras.datasets, loader_name).load_data()
    except Exception as exc:  # network errors come in many types
        raise UserError(f"dataset '{name}' could not be loaded ({type(exc).__name__}); "
                        f"use --dataset mnist_10k or put {cache_file} in {cache.parent}") from None
