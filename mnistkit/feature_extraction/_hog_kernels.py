"""The per-pixel stages of the batch HOG (gradients, orientation bins, cell histograms, block
normalisation): numba kernels that release the GIL, called on chunks of images by
:func:`mnistkit.feature_extraction.hog_features`, which validates the batch and documents the
stages and why they match scikit-image exactly (module ``_hog``).

These functions trust their input: the caller has checked the dtype, shape and parameters.
"""

import functools
import math

import numba
import numpy as np


def _float_dtype(dtype):
    """The float dtype scikit-image computes in for images of ``dtype``."""
    return np.dtype(np.float32) if dtype in (np.float16, np.float32) else np.dtype(np.float64)


# --- Stage 3: orientation bins ----------------------------------------------------------------


def _bin_boundaries(orientations):
    # The same double-precision expression as scikit-image: (180 / n) * i.
    per_bin = 180.0 / orientations
    return np.array([per_bin * i for i in range(orientations + 1)], dtype=np.float64)


def _orientation_degrees(g_row, g_col):
    """Unsigned orientation in degrees, computed exactly as scikit-image does (NumPy ufuncs)."""
    return np.rad2deg(np.arctan2(g_row, g_col)) % 180


@functools.lru_cache(maxsize=16)
def _integer_gradient_table(orientations):
    """Orientation bin of every integer gradient pair in [-255, 255]^2, and magnitude of every
    pair in [0, 255]^2.

    Bins at ``(g_row + 255) * 511 + (g_col + 255)``; bin -1 marks an angle outside every bin
    (scikit-image skips such pixels). Magnitudes at ``abs(g_row) * 256 + abs(g_col)``: the
    magnitude does not depend on the signs (``hypot`` takes absolute values), and the quarter
    table (512 KB) stays in a core's cache beside the bins where the full one (2 MB) did not.
    """
    values = np.arange(-255, 256, dtype=np.float64)
    g_row = np.ascontiguousarray(np.repeat(values, values.size))
    g_col = np.ascontiguousarray(np.tile(values, values.size))
    degrees = _orientation_degrees(g_row, g_col)
    boundaries = _bin_boundaries(orientations)
    bins = np.full(degrees.shape, -1, dtype=np.int16)
    for i in range(orientations):
        bins[(degrees < boundaries[i + 1]) & (degrees >= boundaries[i])] = i
    sides = np.arange(256, dtype=np.float64)
    return bins, np.hypot(sides[:, np.newaxis], sides[np.newaxis, :]).ravel()


@numba.njit(nogil=True, cache=True)
def _cell_histograms_8bit(images, table_bins, table_magnitude, cell_rows, cell_cols, out):
    """Stage 2-3 for 8-bit images: integer gradients looked up in the exact table.

    Pixels are visited in row-major image order, which visits each cell's pixels in that
    cell's row-major order: the float32 running sums add in the same order as scikit-image's.
    """
    n_images, height, width = images.shape
    n_cells_row, n_cells_col, n_bins = out.shape[1], out.shape[2], out.shape[3]
    totals = np.zeros((n_cells_row, n_cells_col, n_bins), dtype=np.float32)
    cell_of_column = np.arange(n_cells_col * cell_cols) // cell_cols
    area = np.float32(cell_rows * cell_cols)
    for i in range(n_images):
        totals[:] = 0
        for y in range(n_cells_row * cell_rows):
            cell_row = y // cell_rows
            interior_row = 0 < y < height - 1
            for x in range(n_cells_col * cell_cols):
                g_row = 0
                if interior_row:
                    g_row = np.int32(images[i, y + 1, x]) - np.int32(images[i, y - 1, x])
                g_col = 0
                if 0 < x < width - 1:
                    g_col = np.int32(images[i, y, x + 1]) - np.int32(images[i, y, x - 1])
                if g_row == 0 and g_col == 0:
                    continue  # adds a zero magnitude: nothing to do
                b = table_bins[(g_row + 255) * 511 + (g_col + 255)]
                if b >= 0:
                    cell_col = cell_of_column[x]
                    # float32 running sum, as scikit-image's `cdef float total`.
                    totals[cell_row, cell_col, b] = np.float32(
                        totals[cell_row, cell_col, b]
                        + table_magnitude[abs(g_row) * 256 + abs(g_col)]
                    )
        for cell_row in range(n_cells_row):
            for cell_col in range(n_cells_col):
                for o in range(n_bins):
                    out[i, cell_row, cell_col, o] = totals[cell_row, cell_col, o] / area


@numba.njit(nogil=True, cache=True)
def _cell_histograms_8bit_colour(images, table_bins, table_magnitude, cell_rows, cell_cols, out):
    """Stage 2-3 for 8-bit colour images ``(n, height, width, channels)``, as
    :func:`_cell_histograms_8bit` does for grayscale ones.

    Each pixel takes the gradient of the channel whose magnitude is largest, the first on a
    tie (scikit-image's ``channel_axis`` rule, comparing the table's float64 magnitudes). A
    kernel of its own because the channel loop costs the grayscale kernel half its speed. The
    accumulation and the final division are written out in both kernels: moved into inlined
    numba helpers they made the kernel 1.3 times slower (10,000 random 32 x 32 x 3 images,
    8 x 8 cells: 0.24 s against 0.18 s, 2-core AMD EPYC with AVX512-BF16). The channel is
    chosen with selects instead of ``continue`` branches and the magnitudes come from the
    quarter table: together 0.10-0.12 s against 0.18-0.22 s for the same images, machine and
    cells.
    """
    n_images, height, width, n_channels = images.shape
    n_cells_row, n_cells_col, n_bins = out.shape[1], out.shape[2], out.shape[3]
    totals = np.zeros((n_cells_row, n_cells_col, n_bins), dtype=np.float32)
    cell_of_column = np.arange(n_cells_col * cell_cols) // cell_cols
    area = np.float32(cell_rows * cell_cols)
    for i in range(n_images):
        totals[:] = 0
        for y in range(n_cells_row * cell_rows):
            cell_row = y // cell_rows
            interior_row = 0 < y < height - 1
            for x in range(n_cells_col * cell_cols):
                interior_col = 0 < x < width - 1
                best_row = 0
                best_col = 0
                largest = 0  # squared magnitude, exact in integers
                for c in range(n_channels):
                    g_row = 0
                    if interior_row:
                        g_row = np.int32(images[i, y + 1, x, c]) - np.int32(images[i, y - 1, x, c])
                    g_col = 0
                    if interior_col:
                        g_col = np.int32(images[i, y, x + 1, c]) - np.int32(images[i, y, x - 1, c])
                    squared = g_row * g_row + g_col * g_col
                    # Distinct integer sums have distinct float64 roots at these sizes; on an
                    # equal sum, compare the float64 magnitudes as scikit-image does (rare:
                    # this branch predicts well).
                    if (
                        squared == largest
                        and squared > 0
                        and (
                            table_magnitude[abs(g_row) * 256 + abs(g_col)]
                            > table_magnitude[abs(best_row) * 256 + abs(best_col)]
                        )
                    ):
                        best_row = g_row
                        best_col = g_col
                    # Selects, not branches: on noisy images which channel wins is a coin toss
                    # the branch predictor loses (written with ``if`` the kernel took 1.9 times
                    # as long; see the docstring).
                    bigger = squared > largest
                    largest = squared if bigger else largest
                    best_row = g_row if bigger else best_row
                    best_col = g_col if bigger else best_col
                if largest == 0:
                    continue  # adds a zero magnitude: nothing to do
                b = table_bins[(best_row + 255) * 511 + (best_col + 255)]
                if b >= 0:
                    cell_col = cell_of_column[x]
                    # float32 running sum, as scikit-image's `cdef float total`.
                    totals[cell_row, cell_col, b] = np.float32(
                        totals[cell_row, cell_col, b]
                        + table_magnitude[abs(best_row) * 256 + abs(best_col)]
                    )
        for cell_row in range(n_cells_row):
            for cell_col in range(n_cells_col):
                for o in range(n_bins):
                    out[i, cell_row, cell_col, o] = totals[cell_row, cell_col, o] / area


@numba.njit(nogil=True, cache=True)
def _cell_histograms_float(g_row, g_col, degrees, boundaries, cell_rows, cell_cols, out):
    """Stage 3 for float gradients and NumPy-computed orientations."""
    n_images = g_row.shape[0]
    n_cells_row, n_cells_col, n_bins = out.shape[1], out.shape[2], out.shape[3]
    per_bin = 180.0 / n_bins
    totals = np.zeros(n_bins, dtype=np.float32)
    area = np.float32(cell_rows * cell_cols)
    for i in range(n_images):
        for cell_row in range(n_cells_row):
            for cell_col in range(n_cells_col):
                totals[:] = 0
                for y in range(cell_row * cell_rows, (cell_row + 1) * cell_rows):
                    for x in range(cell_col * cell_cols, (cell_col + 1) * cell_cols):
                        magnitude = math.hypot(g_col[i, y, x], g_row[i, y, x])
                        if magnitude == 0.0:
                            continue
                        angle = degrees[i, y, x]
                        # First guess, then the exact comparisons scikit-image makes.
                        b = min(max(int(angle / per_bin), 0), n_bins - 1)
                        while b > 0 and angle < boundaries[b]:
                            b -= 1
                        while b < n_bins - 1 and angle >= boundaries[b + 1]:
                            b += 1
                        if angle < boundaries[b] or angle >= boundaries[b + 1]:
                            continue
                        totals[b] = np.float32(totals[b] + magnitude)
                for o in range(n_bins):
                    out[i, cell_row, cell_col, o] = totals[o] / area


# --- Stage 4-5: block normalisation and concatenation -----------------------------------------


@numba.njit(nogil=True, cache=True)
def _normalize_blocks(histograms, block_rows, block_cols, norm_code, eps, out):
    """Normalise every block of cells and write the blocks in scikit-image's order.

    ``out`` may be float32 or float64: the arithmetic is float64 either way (as in
    scikit-image) and each value is rounded once, when stored.
    """
    n_images, n_cells_row, n_cells_col, n_bins = histograms.shape
    n_blocks_row = n_cells_row - block_rows + 1
    n_blocks_col = n_cells_col - block_cols + 1
    block_size = block_rows * block_cols * n_bins
    block = np.empty(block_size, dtype=np.float64)
    for i in range(n_images):
        cells = histograms[i]
        row = out[i]
        offset = 0
        for block_row in range(n_blocks_row):
            for block_col in range(n_blocks_col):
                # Gather the block and its norm in one pass.
                k = 0
                total = 0.0
                for r in range(block_rows):
                    for c in range(block_cols):
                        for o in range(n_bins):
                            value = cells[block_row + r, block_col + c, o]
                            block[k] = value
                            total += abs(value) if norm_code <= 1 else value * value
                            k += 1
                if norm_code <= 1:  # L1, L1-sqrt
                    scale = total + eps
                    for k in range(block_size):
                        value = block[k] / scale
                        row[offset + k] = math.sqrt(value) if norm_code == 1 else value
                elif norm_code == 2:  # L2
                    scale = math.sqrt(total + eps * eps)
                    for k in range(block_size):
                        row[offset + k] = block[k] / scale
                else:  # L2-Hys: normalise, clip at 0.2, normalise again
                    scale = math.sqrt(total + eps * eps)
                    total = 0.0
                    for k in range(block_size):
                        value = min(block[k] / scale, 0.2)
                        block[k] = value
                        total += value * value
                    scale = math.sqrt(total + eps * eps)
                    for k in range(block_size):
                        row[offset + k] = block[k] / scale
                offset += block_size


# --- The batch kernel -------------------------------------------------------------------------


def _gradients(images, float_dtype, transform_sqrt):
    """Stage 1-2 with NumPy, in scikit-image's dtype; returned as float64 arrays."""
    images = images.astype(float_dtype, copy=False)
    if transform_sqrt:
        images = np.sqrt(images)
    g_row = np.zeros(images.shape, dtype=float_dtype)
    g_col = np.zeros(images.shape, dtype=float_dtype)
    g_row[:, 1:-1, :] = images[:, 2:, :] - images[:, :-2, :]
    g_col[:, :, 1:-1] = images[:, :, 2:] - images[:, :, :-2]
    return g_row.astype(np.float64, copy=False), g_col.astype(np.float64, copy=False)


def _colour_gradients(images, float_dtype, transform_sqrt):
    """Stage 1-2 of colour images ``(n, height, width, channels)``: each channel's gradients,
    and per pixel those of the channel of largest magnitude (scikit-image's rule: the
    magnitudes compared in the image's float dtype, the first channel on a tie)."""
    images = images.astype(float_dtype, copy=False)
    if transform_sqrt:
        images = np.sqrt(images)
    g_row = np.zeros(images.shape, dtype=float_dtype)
    g_col = np.zeros(images.shape, dtype=float_dtype)
    g_row[:, 1:-1] = images[:, 2:] - images[:, :-2]
    g_col[:, :, 1:-1] = images[:, :, 2:] - images[:, :, :-2]
    best = np.hypot(g_row, g_col).argmax(axis=-1)[..., np.newaxis]
    g_row = np.take_along_axis(g_row, best, axis=-1)[..., 0]
    g_col = np.take_along_axis(g_col, best, axis=-1)[..., 0]
    return g_row.astype(np.float64), g_col.astype(np.float64)


def _cell_histograms(images, orientations, pixels_per_cell, transform_sqrt, grid):
    """Stages 1-3 for one chunk: cell histograms of shape (n, n_cells_row, n_cells_col, n_bins)."""
    n_cells_row, n_cells_col = grid[:2]
    histograms = np.empty((len(images), n_cells_row, n_cells_col, orientations), dtype=np.float64)
    if images.dtype in (np.uint8, np.int8) and not transform_sqrt:
        table_bins, table_magnitude = _integer_gradient_table(orientations)
        kernel = _cell_histograms_8bit_colour if images.ndim == 4 else _cell_histograms_8bit
        kernel(
            np.ascontiguousarray(images), table_bins, table_magnitude, *pixels_per_cell, histograms
        )
    elif images.ndim == 4:
        g_row, g_col = _colour_gradients(images, _float_dtype(images.dtype), transform_sqrt)
        degrees = _orientation_degrees(g_row, g_col)
        _cell_histograms_float(
            g_row, g_col, degrees, _bin_boundaries(orientations), *pixels_per_cell, histograms
        )
    else:
        g_row, g_col = _gradients(images, _float_dtype(images.dtype), transform_sqrt)
        degrees = _orientation_degrees(g_row, g_col)
        _cell_histograms_float(
            g_row, g_col, degrees, _bin_boundaries(orientations), *pixels_per_cell, histograms
        )
    return histograms
