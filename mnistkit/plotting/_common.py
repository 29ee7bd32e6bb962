"""Helpers shared by the plots: axes creation, the Display base and image mosaics."""

import inspect
import math
import textwrap

import numpy as np

from ..utils._images import check_image_batch


def get_axes(ax, *, figsize):
    """Return ``ax``, or the axes of a new pyplot figure.

    As in scikit-learn's displays, a new figure goes through :mod:`matplotlib.pyplot`: that is
    what Jupyter's inline backend and sphinx-gallery collect and show. Headless, pyplot falls
    back to the Agg backend, so scripts and tests work without a display; close figures with
    ``plt.close(...)`` when drawing many.
    """
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.figure(figsize=figsize, layout="constrained").add_subplot()


class Display:
    """Base of the displays: ``plot`` draws and stores ``figure_`` and ``ax_``.

    The pattern of scikit-learn's :class:`~sklearn.metrics.ConfusionMatrixDisplay`: the
    constructor only stores what to draw, ``from_estimator`` / ``from_predictions`` compute it,
    ``plot(ax=...)`` draws it and returns the display.
    """

    def _axes(self, ax, *, figsize):
        ax = get_axes(ax, figsize=figsize)
        self.ax_ = ax
        self.figure_ = ax.figure
        return ax

    def __repr__(self):
        drawn = "drawn" if hasattr(self, "ax_") else "not drawn yet: call .plot()"
        return f"<{type(self).__name__} ({drawn})>"


def as_images(images, name="images"):
    """(n, h, w[, c]) images from images or flat square rows; a clear error for anything else."""
    return check_image_batch(
        images, owner="the plot", name=name, two_d="rows", colour=True, empty=False
    )


def check_labels(labels, n_samples, name="labels", of="images"):
    """``labels`` as a 1-D array with one entry per sample."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) != n_samples:
        raise ValueError(
            f"{name} must have one entry per {of[:-1]}: {of} has {n_samples} but {name} has "
            f"shape {labels.shape}."
        )
    return labels


def check_target_names(target_names, classes):
    """Names for every class, or the classes themselves as text."""
    if target_names is None:
        return [str(c) for c in classes]
    target_names = [str(name) for name in target_names]
    repeated = sorted({name for name in target_names if target_names.count(name) > 1})
    if repeated:
        raise ValueError(
            f"target_names repeats {', '.join(map(repr, repeated))}; each class needs a name of "
            "its own, or two classes would be drawn as one."
        )
    if len(target_names) < len(classes):
        raise ValueError(
            f"target_names has {len(target_names)} names but the labels have {len(classes)} "
            f"classes ({', '.join(map(str, classes))}); give one name per class, in order."
        )
    return target_names


def check_count(value, name):
    """A positive int (a number of images, of columns), or a ``ValueError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}.")
    return int(value)


def check_fitted_pca(pca, name="pca"):
    """A fitted PCA (anything with ``explained_variance_ratio_`` and ``components_``)."""
    if not hasattr(pca, "explained_variance_ratio_") or not hasattr(pca, "components_"):
        raise ValueError(
            f"{name} must be a fitted PCA (call .fit(X) first); got {type(pca).__name__} "
            "without explained_variance_ratio_."
        )
    return pca


def image_mosaic(images, captions=None, *, n_cols=10, ax=None, cmap="gray_r", colorbar=False):
    """Tile images into one picture on one Axes, each with an optional caption below it.

    One ``imshow`` keeps the plot a single Axes (easy to place in a report) and fast for
    hundreds of images. Captions too wide for their image (``"T-shirt/top -> Shirt"``) are
    wrapped onto more lines, and the rows made taller to hold them, so neighbours never
    overlap. The image plots and the benchmark report draw with it.

    Parameters
    ----------
    images : ndarray of shape (n_images, height, width[, channels]) or (n_images, n_pixels)
        Images, or flat square rows.
    captions : list of str, default=None
        One caption per image.
    n_cols : int, default=10
        Images per row.
    ax : matplotlib.axes.Axes, default=None
        Where to draw; ``None`` makes a new pyplot figure (shown in a notebook).
    cmap : str, default="gray_r"
        Matplotlib colour map of grayscale images (ink dark on white by default).
    colorbar : bool, default=False
        Whether to draw a colour bar of the pixel values.

    Returns
    -------
    ax : matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np
    >>> from mnistkit.plotting import image_mosaic
    >>> ax = image_mosaic(np.zeros((6, 28, 28)), [str(i) for i in range(6)], n_cols=3)
    >>> ax.get_xlabel()
    '6 images of 28 x 28 pixels'
    """
    images = as_images(images)
    n_images = len(images)
    n_cols = max(1, min(n_cols, n_images))
    n_rows = max(1, math.ceil(n_images / n_cols))
    height, width = images.shape[1:3]
    gap = max(1, height // 6)
    if captions is not None:
        captions = [wrap_caption(caption) for caption in captions]
        n_lines = max(caption.count("\n") + 1 for caption in captions) if captions else 1
        caption_space = max(2, round(height * 0.3)) * n_lines  # about 8-point lines
    else:
        caption_space = 0
    cell_h, cell_w = height + gap + caption_space, width + gap
    canvas_shape = (n_rows * cell_h, n_cols * cell_w, *images.shape[3:])
    colour = images.ndim == 4 and images.shape[-1] in (3, 4)
    # Colour is drawn as it is (RGB in [0, 1], so 0-255 pixels are scaled), on white; a
    # grey-scale mosaic goes through the colour map, on NaN (no colour).
    canvas = np.full(canvas_shape, 1.0 if colour else np.nan, dtype=float)
    if colour:
        images = np.asarray(images, dtype=float)
        images = images / 255.0 if images.max(initial=0) > 1 else images
        images = np.clip(images, 0.0, 1.0)
    for index, image in enumerate(images):
        row, col = divmod(index, n_cols)
        canvas[row * cell_h : row * cell_h + height, col * cell_w : col * cell_w + width] = image
    # Square pixels: the figure has the canvas's aspect (each cell about 1.1 inches wide).
    inches_per_pixel = 1.1 / cell_w
    ax = get_axes(
        ax,
        figsize=(1.1 * n_cols + 0.5, inches_per_pixel * cell_h * n_rows + 0.6),
    )
    shown = ax.imshow(canvas, cmap=cmap, interpolation="nearest")
    if colorbar:
        ax.figure.colorbar(shown, ax=ax, fraction=0.046, pad=0.04, label="pixel value")
    if captions is not None:
        for index, caption in enumerate(captions):
            row, col = divmod(index, n_cols)
            ax.text(
                col * cell_w + width / 2,
                row * cell_h + height + gap / 3,
                str(caption),
                ha="center",
                va="top",
                fontsize=8,
            )
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel(f"{n_images} images of {height} x {width} pixels")
    return ax


#: Characters of an 8-point caption that fit under one image of a mosaic (1.1 inches wide).
CAPTION_WIDTH = 14


def wrap_caption(caption, width=CAPTION_WIDTH):
    """Break a caption wider than an image: before ``->`` first, then between words.

    Examples
    --------
    >>> from mnistkit.plotting._common import wrap_caption
    >>> print(wrap_caption("T-shirt/top -> Shirt"))
    T-shirt/top
    -> Shirt
    >>> wrap_caption("7 -> 1")
    '7 -> 1'
    """
    caption = str(caption)
    if len(caption) <= width:
        return caption
    lines = caption.replace(" -> ", "\n-> ").split("\n")
    wrapped = []
    for line in lines:
        wrapped.extend(textwrap.wrap(line, width, break_long_words=False) or [""])
    return "\n".join(wrapped)


#: The line of a shortcut's docstring where :func:`shortcut_of` writes the parameters.
PARAMETERS_PLACEHOLDER = "    {parameters}\n"


def _parameter_entries(docstring):
    """A numpydoc docstring's Parameters entries: ``{name: entry text}`` (unindented)."""
    lines = inspect.cleandoc(docstring).splitlines()
    start = lines.index("Parameters") + 2
    entries, name = {}, None
    for index in range(start, len(lines)):
        line = lines[index]
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if line and not line.startswith(" ") and following.startswith("---"):
            break  # the next section
        if line and not line.startswith(" "):
            name = line.split(" : ")[0].strip()
            entries[name] = [line]
        elif name is not None and line.strip():
            entries[name].append(line)
    return {key: "\n".join(value) for key, value in entries.items()}


def shortcut_of(*sources):
    """Decorator: write a ``plot_*`` shortcut's Parameters and Returns sections from the
    display methods it calls (``sources``, searched in order for each parameter), so a
    parameter is documented once, where it is used.

    The shortcut's docstring holds the line ``{parameters}`` where the sections go; a
    parameter no source documents is an error at import, never a silent gap.
    """

    def decorate(function):
        if function.__doc__ is None:  # python -OO
            return function
        entries = {}
        for source in reversed(sources):
            entries.update(_parameter_entries(source.__doc__))
        names = list(inspect.signature(function).parameters)
        missing = [name for name in names if name not in entries]
        if missing or PARAMETERS_PLACEHOLDER not in function.__doc__:
            raise ValueError(
                f"{function.__name__}: no {{parameters}} line, or no source documents {missing}"
            )
        section = "Parameters\n----------\n" + "\n".join(entries[name] for name in names)
        section += "\n\nReturns\n-------\nax : matplotlib.axes.Axes\n"
        function.__doc__ = function.__doc__.replace(
            PARAMETERS_PLACEHOLDER, textwrap.indent(section, "    ")
        )
        return function

    return decorate
