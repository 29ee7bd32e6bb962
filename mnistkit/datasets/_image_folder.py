"""Class-per-subfolder image data sets (e.g. the chest X-ray pneumonia images)."""

from importlib import resources
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ..exceptions import DatasetNotFoundError, ImageFolderError
from ..utils._validation import check_int_pair

__all__ = ["load_image_folder"]

DEFAULT_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
_COLOR_MODES = {"grayscale": "L", "rgb": "RGB"}
# How many unreadable files an error message names before it summarises the rest.
_MAX_NAMED_FILES = 20


def _list_images(root, extensions):
    if not root.exists():
        raise DatasetNotFoundError(
            f"Image folder {root} does not exist. Put the data set there (one subfolder per "
            f"class, e.g. {root}/NORMAL/*.jpeg and {root}/PNEUMONIA/*.jpeg) or pass the folder "
            "where it is."
        )
    if not root.is_dir():
        raise ImageFolderError(f"{root} is a file, not a folder of class subfolders.")
    # Hidden entries (.ipynb_checkpoints, .DS_Store, .git) are tools' files, never a class.
    class_dirs = sorted(
        path for path in root.iterdir() if path.is_dir() and not path.name.startswith(".")
    )
    if not class_dirs:
        raise ImageFolderError(
            f"{root} has no subfolders. Expected one subfolder per class, e.g. "
            f"{root}/NORMAL/*.jpeg and {root}/PNEUMONIA/*.jpeg."
        )
    files, labels, empty = [], [], []
    for index, class_dir in enumerate(class_dirs):
        class_files = sorted(
            path
            for path in class_dir.rglob("*")
            if path.is_file()
            and path.suffix.lower() in extensions
            and not any(part.startswith(".") for part in path.relative_to(class_dir).parts)
        )
        if not class_files:
            empty.append(class_dir.name)
        files += class_files
        labels += [index] * len(class_files)
    if empty:
        raise ImageFolderError(
            f"{root}: class folder(s) {', '.join(map(repr, empty))} contain no image files "
            f"(extensions {', '.join(extensions)}). Add images or remove the folder(s)."
        )
    if len(class_dirs) < 2:
        raise ImageFolderError(
            f"{root} has only one class folder ({class_dirs[0].name!r}); a classification data "
            "set needs at least two. Point to the folder that holds all class folders."
        )
    return [path.name for path in class_dirs], files, np.asarray(labels, dtype=np.int64)


# Pillow's modes for one channel of 16-bit integers (PNG and TIFF), and their full scale.
_SIXTEEN_BIT_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I")
_SIXTEEN_BIT_MAX = 65535


def _read_image(image, color_mode, size, dtype):
    """One image, resized, as ``dtype``: uint8 0-255 or float 0-1, whatever its bit depth.

    Pillow's ``convert("L")`` clips 16-bit pixels to 255 (1000 and 60000 both become 255), so
    16-bit images are resized in float and scaled from their full range (65535) instead.
    """
    from PIL import Image

    if image.mode not in _SIXTEEN_BIT_MODES:
        pixels = np.asarray(
            image.convert(_COLOR_MODES[color_mode]).resize(size, Image.Resampling.BILINEAR)
        )
        return pixels if dtype == np.uint8 else pixels.astype(dtype) / dtype.type(255)
    values = np.asarray(image, dtype=np.float64)
    if values.size and (values.min() < 0 or values.max() > _SIXTEEN_BIT_MAX):
        raise ValueError(
            f"{image.mode} pixels from {values.min():.0f} to {values.max():.0f} are outside the "
            "16-bit range 0-65535; convert the image to 8 or 16 bits"
        )
    resized = Image.fromarray(values.astype(np.float32), mode="F").resize(
        size, Image.Resampling.BILINEAR
    )
    fraction = np.asarray(resized, dtype=np.float64) / _SIXTEEN_BIT_MAX
    if color_mode == "rgb":
        fraction = np.repeat(fraction[..., None], 3, axis=-1)
    if dtype == np.uint8:
        return np.rint(np.clip(fraction, 0, 1) * 255).astype(np.uint8)
    return fraction.astype(dtype)


def load_image_folder(
    path,
    *,
    image_size=(128, 128),
    color_mode="grayscale",
    dtype=np.uint8,
    extensions=DEFAULT_EXTENSIONS,
    return_X_y=False,
):
    """Load a class-per-subfolder image data set, resizing every image to one size.

    The layout is ``path/<class name>/<image file>`` (files in nested folders below a class
    folder count for that class), as in the chest X-ray pneumonia set::

        chest_xray/train/NORMAL/IM-0115-0001.jpeg
        chest_xray/train/PNEUMONIA/person1_bacteria_1.jpeg

    Parameters
    ----------
    path : str or path-like
        Folder holding one subfolder per class.
    image_size : int or (int, int), default=(128, 128)
        Output ``(height, width)``; every image is resized to it with bilinear interpolation.
    color_mode : {"grayscale", "rgb"}, default="grayscale"
        Colour conversion applied to every image.
    dtype : dtype, default=np.uint8
        ``uint8`` raw pixels, or a float dtype for pixels scaled to [0, 1]. 16-bit images are
        scaled from their full range (0-65535) to the dtype's, never clipped.
    extensions : str or tuple of str, default=DEFAULT_EXTENSIONS
        File name extensions that are read as images (case and leading dot do not matter:
        ``"png"`` is ``(".png",)``); other files are ignored.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data`` (n_samples, n_pixels), ``images`` (n_samples, height, width[, 3]) sharing its
        memory, ``target`` (n_samples,) class indices, ``target_names`` (the subfolder names,
        sorted), ``filenames`` and ``DESCR``.
    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    DatasetNotFoundError
        If ``path`` does not exist (a subclass of ``FileNotFoundError``).
    ImageFolderError
        If ``path`` has no class subfolders, only one, a class folder without images, or any
        file that cannot be read as an image (all such files are named in the message).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> from PIL import Image
    >>> from mnistkit.datasets import load_image_folder
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ["cat", "dog"]:
    ...     (root / name).mkdir()
    ...     Image.fromarray(np.zeros((40, 30), dtype=np.uint8)).save(root / name / "a.png")
    >>> data = load_image_folder(root, image_size=(16, 16))
    >>> data.images.shape, data.target_names.tolist(), data.target.tolist()
    ((2, 16, 16), ['cat', 'dog'], [0, 1])
    """
    from PIL import Image, UnidentifiedImageError

    if color_mode not in _COLOR_MODES:
        raise ValueError(f"color_mode must be one of {tuple(_COLOR_MODES)}; got {color_mode!r}.")
    height, width = check_int_pair(image_size, "image_size", axes="height, width")
    dtype = np.dtype(dtype)
    if dtype != np.uint8 and dtype.kind != "f":
        raise ValueError(f"dtype must be uint8 or a float dtype; got {dtype}.")
    if isinstance(extensions, str):  # "png" is one extension, not the letters p, n and g
        extensions = (extensions,)
    if not extensions or not all(isinstance(e, str) and e.strip(".") for e in extensions):
        raise ValueError(
            f"extensions must be file name extensions such as ('.png', '.jpg'); got {extensions!r}."
        )
    extensions = tuple("." + extension.lower().lstrip(".") for extension in extensions)
    root = Path(path).expanduser()
    class_names, files, target = _list_images(root, extensions)

    channels = (3,) if color_mode == "rgb" else ()
    images = np.empty((len(files), height, width, *channels), dtype=dtype)
    unreadable = []
    for index, file in enumerate(files):
        try:
            with Image.open(file) as image:
                images[index] = _read_image(image, color_mode, (width, height), dtype)
        except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as exc:
            unreadable.append(f"{file}: {exc.__class__.__name__}: {exc}")
    if unreadable:
        named = "\n".join(f"  - {line}" for line in unreadable[:_MAX_NAMED_FILES])
        more = len(unreadable) - _MAX_NAMED_FILES
        raise ImageFolderError(
            f"{len(unreadable)} of {len(files)} files under {root} cannot be read as images:\n"
            f"{named}" + (f"\n  ... and {more} more" if more > 0 else "") + "\n"
            "Remove or replace these files, or narrow `extensions`."
        )
    data = images.reshape(len(images), -1)
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        images=images,
        target_names=np.asarray(class_names),
        filenames=np.asarray([str(file) for file in files]),
        DESCR=resources.files("mnistkit.datasets")
        .joinpath("descr", "image_folder.rst")
        .read_text(),
    )
