"""Histogram of Oriented Gradients over a batch of images.

The kernel computes exactly what ``skimage.feature.hog(image, ..., feature_vector=True)``
computes for each image, over the whole batch at once. scikit-image's implementation is the
reference, stage for stage:

1. optional power-law compression (square root of each pixel), in the image's float dtype
   (float64 for integer input, float32 for float32 input);
2. gradients by central differences *without* division by 2, zero on the image border;
3. for each pixel, magnitude ``hypot(g_col, g_row)`` in float64 and unsigned orientation
   ``rad2deg(arctan2(g_row, g_col)) % 180`` in [0, 180), hard-binned into ``orientations`` bins
   ``[180/n * i, 180/n * (i + 1))``; each cell holds the *mean* magnitude per bin, accumulated
   and divided in float32 as scikit-image's Cython code does;
4. normalisation of each block of ``cells_per_block`` cells (L1, L1-sqrt, L2 or L2-Hys with
   clipping at 0.2, eps = 1e-5), in float64;
5. concatenation of the blocks in (block_row, block_col, cell_row, cell_col, orientation) order.

Colour images (``channel_axis=-1``) follow scikit-image's ``hog(..., channel_axis=-1)``: stage
2 runs on each channel, and each pixel keeps the gradient of the channel whose magnitude (in
the image's float dtype) is largest, the first such channel on a tie; stages 3-5 are unchanged.

Why not call scikit-image in a loop: that is what every HOG transformer does, and at 70,000
28x28 images it takes half a minute (20 minutes with 2x2 cells). Why not plain NumPy: it has to
materialise every intermediate for the whole batch and is memory-bound (about 5x). The per-pixel
stages 2-4 therefore run in numba kernels that release the GIL, on chunks of images processed by
threads, so memory stays bounded whatever the batch size.

Exactness: NumPy's ``arctan2`` is vectorised (SVML on AVX-512 machines) and differs from the C
library's ``atan2``, which numba uses, in the last bit for about 8% of inputs; a last-bit
difference can move a pixel lying on a bin boundary (45 degrees, say) to the next bin. So the
orientation always comes from NumPy's ``arctan2`` itself: for 8-bit images through a lookup
table over all 511 x 511 possible integer gradients (computed once per ``orientations`` with the
same NumPy expression), for other input through a NumPy pass over each chunk.
"""

from numbers import Integral

import numpy as np

from ..utils._chunks import run_chunks
from ..utils._images import GRAYSCALE_FIX, check_image_batch
from ..utils._validation import check_int_pair

__all__ = ["hog_features", "hog_images", "hog_output_shape"]

BLOCK_NORMS = ("L1", "L1-sqrt", "L2", "L2-Hys")
_EPS = 1e-5
# Images per chunk: each chunk's intermediates (float gradients, orientations) stay a few MB.
_DEFAULT_CHUNK_SIZE = 1024


# --- Parameter checks -----------------------------------------------------------------------


#: The most orientation bins: one per half degree of the 180 covered. Bins are stored as int16
#: and the 8-bit lookup table is built per bin, so far larger counts overflow or take minutes.
MAX_ORIENTATIONS = 360


def _check_parameters(orientations, pixels_per_cell, cells_per_block, block_norm):
    if (
        not isinstance(orientations, Integral)
        or isinstance(orientations, bool)
        or not 1 <= orientations <= MAX_ORIENTATIONS
    ):
        raise ValueError(
            f"orientations must be an int from 1 to {MAX_ORIENTATIONS} (bins over 180 degrees); "
            f"got {orientations!r}."
        )
    if block_norm not in BLOCK_NORMS:
        raise ValueError(f"block_norm must be one of {BLOCK_NORMS}; got {block_norm!r}.")
    return (
        int(orientations),
        check_int_pair(pixels_per_cell, "pixels_per_cell"),
        check_int_pair(cells_per_block, "cells_per_block"),
    )


def _grid(image_shape, pixels_per_cell, cells_per_block):
    """Return (n_cells_row, n_cells_col, n_blocks_row, n_blocks_col); raise if too small."""
    height, width = image_shape
    n_cells_row, n_cells_col = height // pixels_per_cell[0], width // pixels_per_cell[1]
    n_blocks_row = n_cells_row - cells_per_block[0] + 1
    n_blocks_col = n_cells_col - cells_per_block[1] + 1
    if n_blocks_row <= 0 or n_blocks_col <= 0:
        need = (pixels_per_cell[0] * cells_per_block[0], pixels_per_cell[1] * cells_per_block[1])
        raise ValueError(
            f"Images of shape {tuple(image_shape)} are smaller than one HOG block: "
            f"pixels_per_cell={pixels_per_cell} x cells_per_block={cells_per_block} needs at "
            f"least {need[0]} x {need[1]} pixels. Use smaller pixels_per_cell or cells_per_block."
        )
    return n_cells_row, n_cells_col, n_blocks_row, n_blocks_col


def hog_output_shape(
    image_shape, *, orientations=9, pixels_per_cell=(8, 8), cells_per_block=(3, 3)
):
    """Return the shape of the HOG descriptor of one image before flattening.

    Parameters
    ----------
    image_shape : (int, int)
        ``(height, width)`` of the images.
    orientations : int, default=9
        Number of orientation bins.
    pixels_per_cell : (int, int), default=(8, 8)
        Size of a cell in pixels.
    cells_per_block : (int, int), default=(3, 3)
        Number of cells in a block.

    Returns
    -------
    shape : tuple of int
        ``(n_blocks_row, n_blocks_col, cells_per_block[0], cells_per_block[1], orientations)``;
        the number of features is its product.

    Examples
    --------
    >>> from mnistkit.feature_extraction import hog_output_shape
    >>> hog_output_shape((28, 28), orientations=8, pixels_per_cell=(4, 4), cells_per_block=(1, 1))
    (7, 7, 1, 1, 8)
    """
    orientations, pixels_per_cell, cells_per_block = _check_parameters(
        orientations, pixels_per_cell, cells_per_block, "L2-Hys"
    )
    _, _, n_blocks_row, n_blocks_col = _grid(image_shape, pixels_per_cell, cells_per_block)
    return (n_blocks_row, n_blocks_col, *cells_per_block, orientations)


# Largest float pixel: gradient magnitudes (up to 2 * sqrt(2) per pixel) summed over a cell of
# up to a million pixels stay far inside float32's 3.4e38.
_MAX_PIXEL = 1e30


def _check_channel_axis(channel_axis):
    if channel_axis is not None and not (
        isinstance(channel_axis, Integral)
        and not isinstance(channel_axis, bool)
        and channel_axis in (-1, 3)
    ):
        raise ValueError(
            "channel_axis must be None (grayscale images, (n, height, width)) or -1 (colour "
            f"images with the channels last, (n, height, width, channels)); got {channel_axis!r}."
        )
    return channel_axis


def _check_images(images, channel_axis=None):
    colour = channel_axis is not None
    images = check_image_batch(
        images,
        owner="hog_features",
        colour=colour,
        fix=f"{GRAYSCALE_FIX[:-1]}, or pass channel_axis=-1 for colour HOG.",
    )
    if not colour and images.ndim != 3:
        raise ValueError(f"hog_features expects grayscale images; got shape {images.shape}.")
    return images


def _check_pixel_values(images, transform_sqrt, *, finite=True):
    """The pixel checks HOG adds to an image batch's (``finite``: NaN and infinity too, which
    ``validate_data`` has refused already for a transformer): values that would overflow the
    float32 cell sums, and negative values under ``transform_sqrt``."""
    if finite and images.dtype.kind == "f" and not np.isfinite(images).all():
        raise ValueError(
            "hog_features got images containing NaN or infinity; HOG needs finite pixels. "
            "Replace them (e.g. numpy.nan_to_num) before extracting features."
        )
    if images.dtype.kind == "f" and images.size:
        largest = float(np.max(np.abs(images)))
        if largest > _MAX_PIXEL:
            raise ValueError(
                f"hog_features got images with values up to {largest:.3g}; cell histograms are "
                f"summed in float32 (as in scikit-image), which overflows to inf for pixels "
                f"beyond {_MAX_PIXEL:.0e}. Scale the images (pixels are 0-255 or 0-1)."
            )
    if transform_sqrt and images.dtype.kind in "if" and images.min(initial=0) < 0:
        raise ValueError(
            "transform_sqrt=True takes the square root of every pixel, but the images have "
            "negative values. Rescale them to be non-negative or set transform_sqrt=False."
        )


def hog_features(
    images,
    *,
    orientations=9,
    pixels_per_cell=(8, 8),
    cells_per_block=(3, 3),
    block_norm="L2-Hys",
    transform_sqrt=False,
    channel_axis=None,
    dtype=None,
    chunk_size=_DEFAULT_CHUNK_SIZE,
    n_jobs=None,
):
    """Compute the HOG descriptor of every image in a batch, exactly as scikit-image does.

    The result for each image equals ``skimage.feature.hog(image, orientations=...,
    pixels_per_cell=..., cells_per_block=..., block_norm=..., transform_sqrt=...,
    feature_vector=True)``; see the module docstring for the stages and why they are compiled.

    Parameters
    ----------
    images : array-like of shape (n_samples, height, width) or (n_samples, height, width, 3)
        Grayscale images, integer or float; ``(n_samples, height, width, 1)`` is accepted.
        With ``channel_axis=-1``, colour images with 3 or 4 channels last.
    orientations : int, default=9
        Number of orientation bins over [0, 180) degrees, from 1 to 360.
    pixels_per_cell : int or (int, int), default=(8, 8)
        Size of a cell in pixels (rows, columns).
    cells_per_block : int or (int, int), default=(3, 3)
        Number of cells in each normalisation block.
    block_norm : {"L1", "L1-sqrt", "L2", "L2-Hys"}, default="L2-Hys"
        Block normalisation method.
    transform_sqrt : bool, default=False
        Apply power-law compression (square root of each pixel) first. Pixels must not be
        negative.
    channel_axis : {None, -1}, default=None
        ``-1``: the images are in colour, channels last; each pixel's gradient is that of the
        channel where it is largest, as ``skimage.feature.hog(..., channel_axis=-1)`` computes.
    dtype : dtype, default=None
        Output dtype. ``None`` follows scikit-image: float32 for float32 (and float16) images,
        float64 otherwise.
    chunk_size : int, default=1024
        Number of images processed at a time; bounds the temporary memory.
    n_jobs : int, default=None
        Number of threads. ``None`` means 1 unless in a :obj:`joblib.parallel_config` context;
        ``-1`` means all cores.

    Returns
    -------
    features : ndarray of shape (n_samples, n_features)
        ``n_features`` is the product of :func:`hog_output_shape`.

    See Also
    --------
    HOGTransformer : the same as a scikit-learn transformer.
    hog_images : the HOG visualisation that ``skimage.feature.hog(visualize=True)`` draws.

    Examples
    --------
    >>> from mnistkit.datasets import load_mnist
    >>> from mnistkit.feature_extraction import hog_features
    >>> images = load_mnist(subset="test").images[:100]
    >>> features = hog_features(images, orientations=8, pixels_per_cell=(4, 4),
    ...                         cells_per_block=(1, 1))
    >>> features.shape, features.dtype
    ((100, 392), dtype('float64'))
    """
    orientations, pixels_per_cell, cells_per_block = _check_parameters(
        orientations, pixels_per_cell, cells_per_block, block_norm
    )
    if not isinstance(chunk_size, Integral) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive int; got {chunk_size!r}.")
    images = _check_images(images, _check_channel_axis(channel_axis))
    _check_pixel_values(images, transform_sqrt)
    from ._hog_kernels import _float_dtype  # see _hog_batch

    out_dtype = _float_dtype(images.dtype) if dtype is None else np.dtype(dtype)
    if out_dtype not in (np.float32, np.float64):
        raise ValueError(
            f"dtype must be float32 or float64: HOG features are fractions (an integer dtype "
            f"would round them all to 0, float16 is not computed); got {out_dtype}."
        )
    return _hog_batch(
        images,
        orientations,
        pixels_per_cell,
        cells_per_block,
        block_norm,
        transform_sqrt,
        out_dtype,
        chunk_size,
        n_jobs,
    )


def _hog_batch(
    images,
    orientations,
    pixels_per_cell,
    cells_per_block,
    block_norm,
    transform_sqrt,
    dtype,
    chunk_size=_DEFAULT_CHUNK_SIZE,
    n_jobs=None,
):
    """:func:`hog_features` of a batch already checked, with checked parameters (cells and
    blocks as pairs, ``dtype`` float32 or float64): it trusts its input, as scikit-learn's
    estimators call their private solvers once ``fit`` has validated, so a
    :class:`HOGTransformer` validates its batch once."""
    # The kernels are imported when HOG is computed: numba takes 0.2 s to import, which
    # importing mnistkit (or an entry's process that computes no HOG) need not pay.
    from ._hog_kernels import _cell_histograms, _normalize_blocks

    grid = _grid(images.shape[1:3], pixels_per_cell, cells_per_block)
    n_features = grid[2] * grid[3] * cells_per_block[0] * cells_per_block[1] * orientations
    features = np.empty((len(images), n_features), dtype=dtype)
    norm_code = BLOCK_NORMS.index(block_norm)

    def process(start, stop):
        histograms = _cell_histograms(
            images[start:stop], orientations, pixels_per_cell, transform_sqrt, grid
        )
        _normalize_blocks(histograms, *cells_per_block, norm_code, _EPS, features[start:stop])

    run_chunks(process, len(images), chunk_size, n_jobs)
    return features


def _line_segments(orientations, pixels_per_cell, centre_rows, centre_cols):
    """The lines scikit-image draws per orientation bin, grouped by shape.

    scikit-image draws, for cell centre (r, c), the line from ``(int(r - dc), int(c + dr))`` to
    ``(int(r + dc), int(c - dr))``. The truncated end points depend on the cell's row (for the
    row coordinates) or column (for the column coordinates) through floating-point rounding
    (``r - 6e-17`` is ``r``), so they are computed per cell row and column exactly as there, and
    each distinct line shape is drawn once. Returns ``[(o, rows, cols, d_rows, d_cols)]``: the
    cells (index arrays) that share one line, and the line's pixel offsets from their centre.
    """
    from skimage.draw import line

    radius = min(pixels_per_cell) // 2 - 1
    midpoints = np.pi * (np.arange(orientations) + 0.5) / orientations
    segments = []
    for o, (d_row, d_col) in enumerate(
        zip(radius * np.sin(midpoints), radius * np.cos(midpoints), strict=True)
    ):
        row_ends = (
            np.stack([np.trunc(centre_rows - d_col), np.trunc(centre_rows + d_col)], axis=1).astype(
                np.intp
            )
            - centre_rows[:, None]
        )
        col_ends = (
            np.stack([np.trunc(centre_cols + d_row), np.trunc(centre_cols - d_row)], axis=1).astype(
                np.intp
            )
            - centre_cols[:, None]
        )
        for row_key in np.unique(row_ends, axis=0):
            rows = np.flatnonzero((row_ends == row_key).all(axis=1))
            for col_key in np.unique(col_ends, axis=0):
                cols = np.flatnonzero((col_ends == col_key).all(axis=1))
                d_rows, d_cols = line(row_key[0], col_key[0], row_key[1], col_key[1])
                segments.append((o, rows, cols, d_rows, d_cols))
    return segments


def hog_images(
    images,
    *,
    orientations=9,
    pixels_per_cell=(8, 8),
    transform_sqrt=False,
    channel_axis=None,
    chunk_size=_DEFAULT_CHUNK_SIZE,
    n_jobs=None,
):
    """Draw the HOG of each image, as ``skimage.feature.hog(..., visualize=True)`` does.

    For every cell and orientation bin, a line through the cell centre, perpendicular to the
    bin's mid angle, is added with intensity equal to the cell's (unnormalised) histogram
    value. This is for plots: :func:`hog_features` never computes it.

    Parameters
    ----------
    images : array-like of shape (n_samples, height, width)
        Grayscale images.
    orientations : int, default=9
        Number of orientation bins.
    pixels_per_cell : int or (int, int), default=(8, 8)
        Size of a cell in pixels. Cells must be at least 2 x 2 pixels.
    transform_sqrt : bool, default=False
        Apply power-law compression first.
    channel_axis : {None, -1}, default=None
        ``-1`` for colour images with the channels last (see :func:`hog_features`).
    chunk_size : int, default=1024
        Number of images processed at a time.
    n_jobs : int, default=None
        Number of threads.

    Returns
    -------
    hog_images : ndarray of shape (n_samples, height, width)
        float32 for float32 images, float64 otherwise.

    Examples
    --------
    >>> from mnistkit.datasets import load_mnist
    >>> from mnistkit.feature_extraction import hog_images
    >>> pictures = hog_images(load_mnist(subset="test").images[:4], pixels_per_cell=(4, 4))
    >>> pictures.shape
    (4, 28, 28)
    """
    orientations, pixels_per_cell, _ = _check_parameters(orientations, pixels_per_cell, 1, "L2")
    if min(pixels_per_cell) < 2:
        raise ValueError(
            f"hog_images draws one line per cell and needs cells of at least 2 x 2 pixels; got "
            f"pixels_per_cell={pixels_per_cell}."
        )
    images = _check_images(images, _check_channel_axis(channel_axis))
    grid = _grid(images.shape[1:3], pixels_per_cell, (1, 1))
    n_cells_row, n_cells_col = grid[:2]
    from ._hog_kernels import _cell_histograms, _float_dtype  # see _hog_batch

    float_dtype = _float_dtype(images.dtype)
    pictures = np.zeros(images.shape[:3], dtype=float_dtype)
    centre_rows = np.arange(n_cells_row) * pixels_per_cell[0] + pixels_per_cell[0] // 2
    centre_cols = np.arange(n_cells_col) * pixels_per_cell[1] + pixels_per_cell[1] // 2
    segments = _line_segments(orientations, pixels_per_cell, centre_rows, centre_cols)

    def process(start, stop):
        histograms = _cell_histograms(
            images[start:stop], orientations, pixels_per_cell, transform_sqrt, grid
        ).astype(float_dtype)
        block = pictures[start:stop]
        for o, rows, cols, d_rows, d_cols in segments:
            values = histograms[:, rows[:, None], cols[None, :], o]
            for d_row, d_col in zip(d_rows, d_cols, strict=True):
                # One pixel per cell: no two cells share it, so a fancy-indexed += is exact.
                block[
                    :, (centre_rows[rows] + d_row)[:, None], (centre_cols[cols] + d_col)[None, :]
                ] += values

    run_chunks(process, len(images), chunk_size, n_jobs)
    return pictures
