"""The numba kernel of :func:`._deskew.deskew_images`, in a module of its own so that importing
mnistkit (and :class:`~mnistkit.preprocessing.Deskewer`) does not import numba."""

import numba
import numpy as np

# Below this second moment (in squared pixels) an image has no measurable slant: it is left as is.
_MIN_MOMENT = 1e-6


@numba.njit(nogil=True, cache=True)
def _deskew_kernel(images, out):  # pragma: no cover - compiled; tested through deskew_images
    n_images, height, width = images.shape
    centre = (height - 1) / 2.0
    for index in range(n_images):
        image = images[index]
        total = 0.0
        sum_row = 0.0
        sum_col = 0.0
        for row in range(height):
            for col in range(width):
                value = max(image[row, col], 0.0)  # ink is the positive part
                total += value
                sum_row += value * row
                sum_col += value * col
        skew = 0.0
        if total > 0:
            mean_row = sum_row / total
            mean_col = sum_col / total
            mu02 = 0.0
            mu11 = 0.0
            for row in range(height):
                for col in range(width):
                    value = max(image[row, col], 0.0)
                    mu02 += value * (row - mean_row) ** 2
                    mu11 += value * (row - mean_row) * (col - mean_col)
            skew = (mu11 / total) / max(mu02 / total, _MIN_MOMENT)
        for row in range(height):
            shift = skew * (row - centre)
            for col in range(width):
                source = col + shift
                left = int(np.floor(source))
                fraction = source - left
                value = 0.0
                if 0 <= left < width:
                    value += image[row, left] * (1.0 - fraction)
                if 0 <= left + 1 < width:
                    value += image[row, left + 1] * fraction
                out[index, row, col] = value
