"""Odd files and arguments for the loaders: read right, or refused naming the file and the fix.

Transparency, EXIF orientation, 32-bit TIFFs, links back into a data set, names that are not
UTF-8, sizes that cannot fit in memory, a gzip IDX that inflates far past its header, booleans
given as sizes, a data home that is a file or names no user.
"""

import gzip
import os

import numpy as np
import pytest
from PIL import Image

from mnistkit.datasets import (
    get_data_home,
    load_fashion_mnist,
    load_image_folder,
    load_mnist_splits,
    read_idx,
)
from mnistkit.exceptions import IDXFormatError, ImageFolderError


def _two_classes(root, draw, name="a.png"):
    """A folder with classes 'ink' (the image ``draw`` makes) and 'blank' (a black square)."""
    (root / "ink").mkdir(parents=True)
    (root / "blank").mkdir()
    draw(root / "ink" / name)
    Image.fromarray(np.zeros((8, 8), dtype=np.uint8)).save(root / "blank" / "b.png")
    return root


def _ink(root, image_size=(8, 8), **options):
    data = load_image_folder(root, image_size=image_size, **options)
    return data.images[list(data.target_names).index("ink")]


def _stroke():
    """An 8x8 picture: a bright vertical stroke in column 2."""
    pixels = np.zeros((8, 8), dtype=np.uint8)
    pixels[:, 2] = 255
    return pixels


@pytest.mark.parametrize("colour", [(0, 0, 0), (255, 255, 255), (30, 60, 90)])
def test_ink_drawn_only_in_the_alpha_channel_is_read(tmp_path, colour):
    def draw(path):
        rgba = np.zeros((8, 8, 4), dtype=np.uint8)
        rgba[..., :3] = colour
        rgba[..., 3] = _stroke()  # opaque stroke, transparent sheet
        Image.fromarray(rgba, mode="RGBA").save(path)

    ink = _ink(_two_classes(tmp_path, draw))
    assert ink[:, 2].min() == 255 and ink[:, 3:].max() == 0


def test_a_coloured_transparent_image_is_composited_onto_black(tmp_path):
    def draw(path):
        rgba = np.zeros((8, 8, 4), dtype=np.uint8)
        rgba[..., 0] = 200  # red everywhere ...
        rgba[:4, :, 1] = 100  # ... with some green on top: the colour is not constant
        rgba[..., 3] = 255
        rgba[:, 6:, 3] = 0  # the last two columns transparent
        Image.fromarray(rgba, mode="RGBA").save(path)

    ink = _ink(_two_classes(tmp_path, draw))
    assert ink[:, 6:].max() == 0 and ink[:, :6].min() > 0
    gray = np.asarray(Image.fromarray(np.full((1, 1, 3), (200, 0, 0), np.uint8)).convert("L"))
    assert ink[7, 0] == gray[0, 0]  # an opaque pixel keeps Pillow's luminance


def test_a_palette_image_with_a_transparent_colour_is_read_as_ink(tmp_path):
    def draw(path):
        image = Image.fromarray(_stroke()).convert("P")
        image.info["transparency"] = 0  # palette entry of the black background
        image.save(path, transparency=0)

    ink = _ink(_two_classes(tmp_path, draw))
    assert ink[:, 2].min() == 255 and ink[:, 3:].max() == 0


def test_the_exif_orientation_of_a_jpeg_is_applied(tmp_path):
    def draw(path):
        pixels = np.zeros((8, 16), dtype=np.uint8)
        pixels[:, :4] = 255  # stored: bright left quarter of a wide image
        image = Image.fromarray(pixels)
        exif = Image.Exif()
        exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
        image.save(path, exif=exif, quality=100)

    ink = _ink(_two_classes(tmp_path, draw, "a.jpg"), image_size=(16, 8))
    # Shown upright the image is tall, and its bright quarter is at the top.
    assert ink[:3].mean() > 200 and ink[5:].mean() < 30


@pytest.mark.parametrize(
    ("values", "mode"),
    [
        (np.where(_stroke() > 0, 1.0, 0.0).astype(np.float32), "F"),  # floats in [0, 1]
        (_stroke().astype(np.float32), "F"),  # floats in 0-255
        (_stroke().astype(np.int32), "I"),  # 32-bit integers 0-255
        ((_stroke().astype(np.int32) * 257), "I"),  # 32-bit integers 0-65535
    ],
)
def test_32_bit_tiffs_are_scaled_by_their_own_range(tmp_path, values, mode):
    def draw(path):
        Image.fromarray(values, mode=mode).save(path)

    ink = _ink(_two_classes(tmp_path, draw, "a.tif"))
    assert ink[:, 2].min() == 255 and ink[:, 3:].max() == 0


def test_32_bit_images_beyond_sixteen_bits_or_negative_are_named(tmp_path):
    def draw(path):
        Image.fromarray(np.full((8, 8), -3.0, dtype=np.float32), mode="F").save(path)

    with pytest.raises(ImageFolderError, match=r"a.tif: ValueError: F pixels go down to -3"):
        load_image_folder(_two_classes(tmp_path, draw, "a.tif"), image_size=8)


def test_links_back_into_the_data_set_are_refused_naming_them(tmp_path):
    root = _two_classes(tmp_path / "data", lambda path: Image.fromarray(_stroke()).save(path))
    (root / "again").symlink_to(root, target_is_directory=True)
    with pytest.raises(ImageFolderError, match=r"link\(s\) point back into the data set.*again"):
        load_image_folder(root, image_size=8)
    (root / "again").unlink()
    (root / "ink" / "loop").symlink_to(root / "ink", target_is_directory=True)
    (root / "ink" / "copy.png").symlink_to(root / "ink" / "a.png")
    with pytest.raises(ImageFolderError, match=r"2 link\(s\)") as error:
        load_image_folder(root, image_size=8)
    assert "loop" in str(error.value) and "copy.png" in str(error.value)
    # A link to images outside the data set is followed: that is how sets are assembled.
    (root / "ink" / "loop").unlink()
    (root / "ink" / "copy.png").unlink()
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    Image.fromarray(_stroke()).save(outside / "c.png")
    (root / "ink" / "more").symlink_to(outside, target_is_directory=True)
    data = load_image_folder(root, image_size=8)
    assert np.bincount(data.target).tolist() == [1, 2]


def test_class_names_that_are_not_utf8_are_readable_text(tmp_path):
    root = tmp_path / "data"
    root.mkdir()
    name = os.fsdecode(b"caf\xe9")  # Latin-1 bytes: a surrogate escape in Python
    for folder in (name, "tea"):
        (root / folder).mkdir()
        Image.fromarray(_stroke()).save(root / folder / "a.png")
    data = load_image_folder(root, image_size=8)
    assert list(data.target_names) == ["caf\\xe9", "tea"]
    "".join(data.target_names).encode("utf-8")  # printable, savable, drawable


def test_an_image_size_that_cannot_fit_in_memory_is_refused_before_allocating(
    tmp_path, monkeypatch
):
    import collections

    import psutil

    # What memory the machine has must not decide whether this test allocates 18.6 GiB.
    memory = collections.namedtuple("memory", "available total")(8 * 2**30, 16 * 2**30)
    monkeypatch.setattr(psutil, "virtual_memory", lambda: memory)
    root = _two_classes(tmp_path, lambda path: Image.fromarray(_stroke()).save(path))
    with pytest.raises(
        ValueError,
        match=r"image_size=\(100000, 100000\) for 2 images needs 18.6 GiB .* 8.0 GiB free",
    ):
        load_image_folder(root, image_size=(100000, 100000))
    assert load_image_folder(root, image_size=(64, 64)).images.shape == (2, 64, 64)


def test_a_gzip_idx_that_inflates_past_its_header_is_refused_after_one_byte(tmp_path):
    import tracemalloc

    path = tmp_path / "bomb-idx1-ubyte.gz"
    header = bytes([0, 0, 0x08, 1]) + (3).to_bytes(4, "big")
    with gzip.open(path, "wb", compresslevel=9) as stream:
        stream.write(header + b"\x01\x02\x03")
        block = bytes(2**20)
        for _ in range(256):  # 256 MiB of zeros, about 250 KiB compressed
            stream.write(block)
    assert path.stat().st_size < 2**20
    tracemalloc.start()
    with pytest.raises(IDXFormatError, match=r"declares shape \(3,\).*holds more data than that"):
        read_idx(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 32 * 2**20


@pytest.mark.parametrize("size", [True, False, np.True_])
def test_booleans_are_not_sizes(size):
    with pytest.raises(ValueError, match="validation_size must be an integer"):
        load_mnist_splits(validation_size=size)


def test_booleans_are_not_sizes_in_estimator_parameters(small_mnist):
    from mnistkit.feature_extraction import HOGTransformer
    from mnistkit.neural_network import KerasMLP

    X, y = small_mnist[0][:50], small_mnist[1][:50]
    with pytest.raises(ValueError, match=r"'validation_fraction' parameter .* Got True"):
        KerasMLP(validation_fraction=True).fit(X, y)
    with pytest.raises(ValueError, match=r"'orientations' parameter .* Got True"):
        HOGTransformer(orientations=True).fit_transform(X)


def test_a_data_home_that_is_a_file_or_names_no_user_is_named(tmp_path):
    file = tmp_path / "notes.txt"
    file.write_text("x")
    with pytest.raises(ValueError, match=r"data_home .*notes.txt is a file, not a folder"):
        load_fashion_mnist(data_home=file)
    with pytest.raises(ValueError, match=r"'~nosuchuser-mnistkit' names no user on this machine"):
        get_data_home("~nosuchuser-mnistkit/x")


@pytest.mark.parametrize("target", ["unmounted/xray/PNEUMONIA", "gone"])
def test_a_class_folder_link_to_nothing_is_refused_naming_it(tmp_path, target):
    root = _two_classes(tmp_path / "data", lambda path: Image.fromarray(_stroke()).save(path))
    (root / "third").symlink_to(tmp_path / target, target_is_directory=True)
    with pytest.raises(
        ImageFolderError,
        match=rf"(?s)1 class folder link\(s\) point to nothing.*third -> .*{target}",
    ):
        load_image_folder(root, image_size=8)
