"""Class-per-subfolder image data sets (e.g. the chest X-ray pneumonia images)."""

import math
import os
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


def _within(path, folder):
    """Whether ``path`` is ``folder`` or lies below it (both resolved)."""
    return path == folder or folder in path.parents


def _class_name(folder):
    """A folder name as text: bytes that are not UTF-8 (Python keeps them as surrogates, which
    no file, plot or page can print) are written as ``\\xNN``."""
    return os.fsencode(folder.name).decode("utf-8", "backslashreplace")


def _class_files(class_dir, root_real, extensions, loops):
    """The image files below one class folder, following links out of the data set only.

    A link back into the data set (or to a folder above it) would count images twice, or
    without end: it is collected in ``loops`` instead of followed.
    """
    found = []
    for folder, subfolders, names in os.walk(class_dir, followlinks=True):
        folder = Path(folder)
        kept = []
        for name in sorted(subfolders):
            path = folder / name
            if name.startswith("."):
                continue  # .ipynb_checkpoints, .git: tools' files, never images of a class
            if path.is_symlink():
                real = path.resolve()
                if (
                    _within(real, root_real)
                    or _within(root_real, real)
                    or _within(folder.resolve(), real)
                ):
                    loops.append(path)
                    continue
            kept.append(name)
        subfolders[:] = kept
        for name in sorted(names):
            path = folder / name
            if name.startswith(".") or path.suffix.lower() not in extensions or not path.is_file():
                continue
            if path.is_symlink() and _within(path.resolve(), root_real):
                loops.append(path)
                continue
            found.append(path)
    return found


def _list_images(root, extensions):
    if not root.exists():
        raise DatasetNotFoundError(
            f"Image folder {root} does not exist. Put the data set there (one subfolder per "
            f"class, e.g. {root}/NORMAL/*.jpeg and {root}/PNEUMONIA/*.jpeg) or pass the folder "
            "where it is."
        )
    if not root.is_dir():
        raise ImageFolderError(f"{root} is a file, not a folder of class subfolders.")
    # A link to a folder that is not there (an unmounted drive) would be a class that
    # silently vanished: refused, naming the link and its target.
    dangling = sorted(
        path
        for path in root.iterdir()
        if path.is_symlink() and not path.exists() and not path.name.startswith(".")
    )
    if dangling:
        named = "\n".join(f"  - {path} -> {os.readlink(path)}" for path in dangling[:5])
        raise ImageFolderError(
            f"{root}: {len(dangling)} class folder link(s) point to nothing (a drive not "
            f"mounted, a folder moved), so their classes would be left out:\n{named}\n"
            "Mount or restore the target, or remove the link."
        )
    # Hidden entries (.ipynb_checkpoints, .DS_Store, .git) are tools' files, never a class.
    class_dirs = sorted(
        path for path in root.iterdir() if path.is_dir() and not path.name.startswith(".")
    )
    if not class_dirs:
        raise ImageFolderError(
            f"{root} has no subfolders. Expected one subfolder per class, e.g. "
            f"{root}/NORMAL/*.jpeg and {root}/PNEUMONIA/*.jpeg."
        )
    root_real = root.resolve()
    files, labels, empty, loops = [], [], [], []
    for index, class_dir in enumerate(class_dirs):
        if class_dir.is_symlink():
            real = class_dir.resolve()
            if _within(real, root_real) or _within(root_real, real):
                loops.append(class_dir)
                continue
        class_files = _class_files(class_dir, root_real, extensions, loops)
        if not class_files:
            empty.append(_class_name(class_dir))
        files += class_files
        labels += [index] * len(class_files)
    if loops:
        named = "\n".join(f"  - {path} -> {path.resolve()}" for path in loops[:_MAX_NAMED_FILES])
        raise ImageFolderError(
            f"{root}: {len(loops)} link(s) point back into the data set or above it, so their "
            f"images would be counted again (or without end):\n{named}\n"
            "Remove the links, or replace them with copies of what they point to."
        )
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
    return [_class_name(path) for path in class_dirs], files, np.asarray(labels, dtype=np.int64)


# Pillow's modes for one channel of 16-bit integers: their full scale is 65535.
_SIXTEEN_BIT_MODES = ("I;16", "I;16B", "I;16L", "I;16N")
_SIXTEEN_BIT_MAX = 65535
# Modes with no nominal full scale (32-bit integers, 32-bit floats): the image's own range picks
# the smallest of these that holds it.
_RANGED_MODES = {"I": (255, _SIXTEEN_BIT_MAX), "F": (1.0, 255, _SIXTEEN_BIT_MAX)}
_ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")


def _has_alpha(image):
    return image.mode in _ALPHA_MODES or "transparency" in image.info


def _resolve_alpha(image, output_mode):
    """An 8-bit image with transparency as an 8-bit image without it, in ``output_mode``.

    Where every visible pixel has the same colour (black strokes on a transparent sheet), the
    picture is in the alpha channel alone: ink is the opacity, 0 where transparent, 255 where
    opaque, as MNIST draws ink. Otherwise the image is composited onto black, MNIST's
    background (a transparent pixel is background, never ink).
    """
    from PIL import Image

    rgba = np.asarray(image.convert("RGBA"), dtype=np.float64)
    colour, alpha = rgba[..., :3], rgba[..., 3:] / 255
    visible = colour[alpha[..., 0] > 0]
    if len(visible) and np.ptp(visible, axis=0).max() == 0:
        ink = np.repeat(alpha * 255, 3, axis=-1)
    else:
        ink = colour * alpha
    return Image.fromarray(np.rint(ink).astype(np.uint8), mode="RGB").convert(output_mode)


def _full_scale(image, values):
    """The value of full ink of an image's pixels: its mode's, or for 32-bit modes its range's."""
    if values.size and values.min() < 0:
        raise ValueError(
            f"{image.mode} pixels go down to {values.min():g}; pixel values must be 0 or more "
            "(convert the image to 8 or 16 bits)"
        )
    scales = _RANGED_MODES.get(image.mode, (_SIXTEEN_BIT_MAX,))
    largest = float(values.max()) if values.size else 0.0
    for scale in scales:
        if largest <= scale:
            return scale
    raise ValueError(
        f"{image.mode} pixels go up to {largest:g}, beyond 16 bits (65535); convert the image to "
        "8 or 16 bits"
    )


#: Images of more pixels than this are first shrunk by whole-pixel box averaging
#: (``Image.reduce``) to at least twice the target size before anything else: converting a
#: 6000 x 6000 RGBA scan at full size would take gigabytes of float64 for a 28 x 28 result.
#: Below it (a 16-megapixel photo), images are resized from their full resolution.
LARGE_IMAGE_PIXELS = 2**24


def _reduced(image, size):
    """``image`` decoded within this machine's free memory and, above
    :data:`LARGE_IMAGE_PIXELS`, box-reduced to no less than twice ``size`` (either way up)."""
    import psutil

    width, height = image.size
    bands = len(image.getbands())
    band_bytes = 4 if image.mode in ("I", "F") else 2 if image.mode.startswith("I;16") else 1
    decoded = width * height * bands * band_bytes
    available = psutil.virtual_memory().available
    if 2 * decoded > available:  # the decoded image and one converted copy
        raise ValueError(
            f"a {width} x {height} {image.mode} image takes {decoded / 2**30:.1f} GiB to "
            f"decode, and this machine has {available / 2**30:.1f} GiB free; shrink the file "
            "(any image editor) or remove it"
        )
    if width * height <= LARGE_IMAGE_PIXELS:
        return image
    longest = 2 * max(size)
    factor = min(width, height) // longest
    if factor < 2:
        return image
    if image.mode in ("1", "P", "PA"):  # modes reduce() does not take
        image = image.convert("RGBA" if _has_alpha(image) else "RGB" if image.mode != "1" else "L")
    return image.reduce(factor)


def _read_image(image, color_mode, size, dtype):
    """One image, upright, resized, as ``dtype``: uint8 0-255 or float 0-1.

    The rules (the user guide's "Guarantees" section lists them):

    - the EXIF orientation is applied (a phone's portrait JPEG is stored on its side);
    - 8-bit images (``L``, ``P``, ``RGB``, ``CMYK``, ...) keep their values; transparency is
      resolved by :func:`_resolve_alpha`;
    - 16-bit images are scaled from their full range (65535): Pillow's ``convert("L")`` would
      clip them to 255 (1000 and 60000 both becoming 255);
    - 32-bit integer and float images have no nominal range: each image is scaled by the
      smallest of 1 (floats only), 255 and 65535 that holds its largest value, so a float image
      in [0, 1] and an int32 image in 0-255 both load with full ink.
    """
    from PIL import Image, ImageOps

    image = ImageOps.exif_transpose(_reduced(image, size))
    if image.mode not in _SIXTEEN_BIT_MODES and image.mode not in _RANGED_MODES:
        output_mode = _COLOR_MODES[color_mode]
        converted = (
            _resolve_alpha(image, output_mode) if _has_alpha(image) else image.convert(output_mode)
        )
        pixels = np.asarray(converted.resize(size, Image.Resampling.BILINEAR))
        return pixels if dtype == np.uint8 else pixels.astype(dtype) / dtype.type(255)
    values = np.asarray(image, dtype=np.float64)
    if values.size and not np.isfinite(values).all():
        raise ValueError(f"{image.mode} image holds NaN or infinite pixels")
    scale = _full_scale(image, values)
    resized = Image.fromarray(values.astype(np.float32), mode="F").resize(
        size, Image.Resampling.BILINEAR
    )
    fraction = np.asarray(resized, dtype=np.float64) / scale
    if color_mode == "rgb":
        fraction = np.repeat(fraction[..., None], 3, axis=-1)
    if dtype == np.uint8:
        return np.rint(np.clip(fraction, 0, 1) * 255).astype(np.uint8)
    return np.clip(fraction, 0, 1).astype(dtype)


def _check_fits_in_memory(n_images, shape, dtype):
    """Refuse an output array that this machine cannot hold, before allocating it.

    NumPy's ``empty`` succeeds lazily on Linux for any size and the process is killed by the
    kernel while filling it (``image_size=(100000, 100000)`` asks for 18.6 GiB for two images).
    Besides the array, reading one image needs a few copies of it at that size (Pillow's
    resized image and its float64 conversion): counted as three float64 copies.
    """
    import psutil

    array_bytes = n_images * math.prod(shape) * dtype.itemsize
    working_bytes = 3 * math.prod(shape) * 8
    available = psutil.virtual_memory().available
    if array_bytes + working_bytes > available:
        raise ValueError(
            f"image_size={tuple(shape[:2])} for {n_images:,} images needs "
            f"{array_bytes / 2**30:.1f} GiB of {dtype.name} for the images and "
            f"{working_bytes / 2**30:.1f} GiB while reading each, and this machine has "
            f"{available / 2**30:.1f} GiB free. Choose a smaller image_size (the images are "
            "resized to it), or load fewer images."
        )


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
        scaled from their full range (0-65535) to the dtype's, never clipped; 32-bit integer
        and float images by the smallest of 1 (floats), 255 and 65535 that holds their values.
        The EXIF orientation is applied, and transparency is resolved: ink drawn only in the
        alpha channel is the opacity, anything else is composited onto black.
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
    _check_fits_in_memory(len(files), (height, width, *channels), dtype)
    images = np.empty((len(files), height, width, *channels), dtype=dtype)
    unreadable = []
    for index, file in enumerate(files):
        try:
            with Image.open(file) as image:
                images[index] = _read_image(image, color_mode, (width, height), dtype)
        except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as exc:
            unreadable.append(f"{file}: {exc.__class__.__name__}: {exc}")
        except MemoryError:
            unreadable.append(f"{file}: too large to decode in this machine's free memory")
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
