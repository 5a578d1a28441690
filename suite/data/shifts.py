"""Deterministic image shifts with zero fill: the test digits moved by k pixels (LeCun et al.
1998's argument for convolutions and pooling: a dense net must learn every position anew)."""
from __future__ import annotations

import numpy as np

# The four directions of a shift by k pixels: (rows, columns) = down, up, right, left.
DIRECTIONS = ((1, 0), (-1, 0), (0, 1), (0, -1))


def shift(images: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """``images`` (N, H, W, C) moved ``rows`` pixels down and ``cols`` right (negative: up, left):
    out[i, j] = in[i - rows, j - cols], zero where that falls outside the image. A new array."""
    images = np.asarray(images)
    out = np.zeros_like(images)
    height, width = images.shape[1:3]
    if abs(rows) >= height or abs(cols) >= width:
        return out
    src_r, dst_r = slice(max(0, -rows), height - max(0, rows)), slice(max(0, rows), height - max(0, -rows))
    src_c, dst_c = slice(max(0, -cols), width - max(0, cols)), slice(max(0, cols), width - max(0, -cols))
    out[:, dst_r, dst_c] = images[:, src_r, src_c]
    return out


def shifted_copies(images: np.ndarray, k: int) -> np.ndarray:
    """The images shifted by ``k`` pixels in each of the four ``DIRECTIONS``, stacked in that order:
    shape (4 N, H, W, C); k = 0 gives the images once."""
    if k == 0:
        return np.asarray(images).copy()
    return np.concatenate([shift(images, k * dr, k * dc) for dr, dc in DIRECTIONS])
