import numpy as np
import pytest

from suite.data import shifts


def images(n=3, size=6, seed=0):
    return np.random.default_rng(seed).random((n, size, size, 1)).astype(np.float32)


@pytest.mark.parametrize("rows, cols", [(1, 0), (-1, 0), (0, 2), (0, -3), (2, 2), (0, 0)])
def test_shift_moves_pixels_and_fills_zeros(rows, cols):
    x = images()
    out = shifts.shift(x, rows, cols)
    height, width = x.shape[1:3]
    for i in range(height):
        for j in range(width):
            src_i, src_j = i - rows, j - cols
            expected = x[:, src_i, src_j] if 0 <= src_i < height and 0 <= src_j < width else 0.0
            np.testing.assert_array_equal(out[:, i, j], expected)


def test_shift_keeps_mass_inside_and_loses_the_edge():
    x = np.zeros((1, 5, 5, 1), np.float32)
    x[0, 2, 2] = 1.0
    assert shifts.shift(x, 2, 0).sum() == 1.0 and shifts.shift(x, 2, 0)[0, 4, 2, 0] == 1.0
    assert shifts.shift(x, 3, 0).sum() == 0.0  # moved off the image: zero fill
    assert shifts.shift(x, 9, 0).sum() == 0.0


def test_shifted_copies_stack_the_four_directions():
    x = images(n=2)
    out = shifts.shifted_copies(x, 1)
    assert out.shape == (8, *x.shape[1:])
    np.testing.assert_array_equal(out[:2], shifts.shift(x, 1, 0))
    np.testing.assert_array_equal(out[6:], shifts.shift(x, 0, -1))
    np.testing.assert_array_equal(shifts.shifted_copies(x, 0), x)


def test_shift_statistics_on_digits_like_images():
    # a centred blob: shifting by k keeps every pixel while the blob stays inside, so the mean is kept
    x = np.zeros((4, 28, 28, 1), np.float32)
    x[:, 10:18, 10:18] = 1.0
    for k in (1, 2, 3, 4):
        out = shifts.shifted_copies(x, k)
        assert out.mean() == pytest.approx(x.mean())
        assert not np.array_equal(out[:4], x)
