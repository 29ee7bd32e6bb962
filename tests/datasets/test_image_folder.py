import numpy as np
import pytest
from numpy.testing import assert_array_equal
from PIL import Image

from mnistkit.datasets import load_image_folder
from mnistkit.exceptions import DatasetNotFoundError, ImageFolderError


def _save(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


@pytest.fixture
def xray_like(tmp_path, rng):
    root = tmp_path / "chest_xray" / "train"
    for name, count, value in [("NORMAL", 3, 40), ("PNEUMONIA", 5, 200)]:
        for i in range(count):
            _save(root / name / f"img{i}.jpeg", np.full((60 + i, 50), value, dtype=np.uint8))
    (root / "NORMAL" / ".DS_Store").write_bytes(b"junk")  # ignored: not an image extension
    return root


def test_loads_classes_and_resizes(xray_like):
    data = load_image_folder(xray_like, image_size=(32, 24))
    assert data.images.shape == (8, 32, 24)
    assert data.data.shape == (8, 32 * 24)
    assert list(data.target_names) == ["NORMAL", "PNEUMONIA"]
    assert np.bincount(data.target).tolist() == [3, 5]
    assert all(abs(int(v) - 40) <= 2 for v in data.images[data.target == 0].ravel()[:50])
    assert data.filenames[0].endswith("NORMAL/img0.jpeg")


def test_rgb_and_float(xray_like):
    data = load_image_folder(xray_like, image_size=16, color_mode="rgb", dtype=np.float32)
    assert data.images.shape == (8, 16, 16, 3)
    assert data.data.dtype == np.float32 and data.data.max() <= 1.0


def test_matches_pil_resize(tmp_path, rng):
    image = rng.integers(0, 256, (50, 70), dtype=np.uint8)
    _save(tmp_path / "a" / "x.png", image)
    _save(tmp_path / "b" / "y.png", image)
    data = load_image_folder(tmp_path, image_size=(20, 30))
    expected = np.asarray(Image.fromarray(image).resize((30, 20), Image.Resampling.BILINEAR))
    assert_array_equal(data.images[0], expected)


def test_unreadable_files_are_named(xray_like):
    (xray_like / "NORMAL" / "broken.jpeg").write_bytes(b"not an image")
    (xray_like / "PNEUMONIA" / "empty.png").write_bytes(b"")
    with pytest.raises(ImageFolderError, match=r"2 of 10 files .* cannot be read") as info:
        load_image_folder(xray_like)
    assert "broken.jpeg" in str(info.value) and "empty.png" in str(info.value)


def test_missing_folder(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="does-not-exist does not exist"):
        load_image_folder(tmp_path / "does-not-exist")


def test_empty_folder(tmp_path):
    with pytest.raises(
        ImageFolderError, match=r"has no subfolders\. Expected one subfolder per class"
    ):
        load_image_folder(tmp_path)


def test_one_class(tmp_path):
    _save(tmp_path / "NORMAL" / "a.png", np.zeros((5, 5), dtype=np.uint8))
    with pytest.raises(ImageFolderError, match="only one class folder \\('NORMAL'\\)"):
        load_image_folder(tmp_path)


def test_class_without_images(tmp_path):
    _save(tmp_path / "NORMAL" / "a.png", np.zeros((5, 5), dtype=np.uint8))
    (tmp_path / "PNEUMONIA").mkdir()
    with pytest.raises(ImageFolderError, match="'PNEUMONIA' contain no image files"):
        load_image_folder(tmp_path)


@pytest.mark.parametrize("bad", [0, (3,), (2, -1), "big"])
def test_bad_image_size(xray_like, bad):
    with pytest.raises(ValueError, match="image_size must be a positive int"):
        load_image_folder(xray_like, image_size=bad)


def test_bad_color_mode(xray_like):
    with pytest.raises(ValueError, match="color_mode must be one of"):
        load_image_folder(xray_like, color_mode="cmyk")


def _sixteen_bit_folder(root):
    for name, value in [("high", 60000), ("low", 1000)]:
        (root / name).mkdir(parents=True)
        Image.fromarray(np.full((8, 8), value, dtype=np.uint16)).save(root / name / "a.png")
    return root


def test_sixteen_bit_images_keep_their_depth(tmp_path):
    # Issue: Pillow's convert("L") clipped 1000 and 60000 both to 255.
    root = _sixteen_bit_folder(tmp_path / "deep")
    assert Image.open(root / "low" / "a.png").mode.startswith("I")
    data = load_image_folder(root, image_size=8)
    assert data.target_names.tolist() == ["high", "low"]
    assert_array_equal(data.images[:, 0, 0], [round(60000 / 257), round(1000 / 257)])
    floats = load_image_folder(root, image_size=4, dtype=np.float64)
    np.testing.assert_allclose(floats.images[:, 0, 0], [60000 / 65535, 1000 / 65535], rtol=1e-6)
    rgb = load_image_folder(root, image_size=4, color_mode="rgb")
    assert rgb.images.shape == (2, 4, 4, 3) and (rgb.images[1] == round(1000 / 257)).all()


def test_hidden_folders_and_files_are_not_classes(tmp_path):
    root = _sixteen_bit_folder(tmp_path / "data")
    (root / ".ipynb_checkpoints").mkdir()
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(root / ".ipynb_checkpoints" / "x.png")
    (root / "low" / ".ipynb_checkpoints").mkdir()
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(root / "low" / ".ipynb_checkpoints" / "a.png")
    data = load_image_folder(root, image_size=8)
    assert data.target_names.tolist() == ["high", "low"] and len(data.target) == 2


def test_extensions_as_one_string_and_without_dots(tmp_path):
    root = _sixteen_bit_folder(tmp_path / "data")
    (root / "low" / "notes.txt").write_text("not an image")
    assert len(load_image_folder(root, image_size=4, extensions="png").target) == 2
    assert len(load_image_folder(root, image_size=4, extensions=("PNG",)).target) == 2
    with pytest.raises(ValueError, match=r"extensions must be file name extensions"):
        load_image_folder(root, extensions=())


def test_decompression_bomb_names_the_file(tmp_path, monkeypatch):
    root = _sixteen_bit_folder(tmp_path / "data")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10)  # 64-pixel images are now 'bombs'
    with pytest.raises(ImageFolderError, match=r"high/a.png: DecompressionBombError"):
        load_image_folder(root, image_size=4)


def test_a_large_image_is_reduced_before_it_is_converted(tmp_path):
    import tracemalloc

    root = tmp_path / "data"
    for name in ("a", "b"):
        (root / name).mkdir(parents=True)
        Image.fromarray(np.zeros((20, 20), np.uint8)).save(root / name / "small.png")
    scan = np.zeros((4200, 4200, 4), np.uint8)  # 17.6 megapixels, RGBA: float64 would be 565 MB
    scan[1000:3200, 1500:2700] = 255
    Image.fromarray(scan, "RGBA").save(root / "a" / "scan.png")
    del scan
    tracemalloc.start()
    data = load_image_folder(root, image_size=(28, 28))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 100 * 2**20, f"{peak / 2**20:.0f} MiB traced"
    scan = data.images[list(data.filenames).index(str(root / "a" / "scan.png"))]
    assert scan[14, 14] == 255 and scan[1, 1] == 0  # the opaque block, in the right place


def test_an_image_too_large_for_free_memory_is_named(tmp_path, monkeypatch):
    import psutil

    root = _sixteen_bit_folder(tmp_path / "data")
    real = psutil.virtual_memory()
    answers = iter([real])  # the output array fits; then 150 bytes are free for decoding
    monkeypatch.setattr(
        psutil, "virtual_memory", lambda: next(answers, real._replace(available=150))
    )  # an 8 x 8 16-bit image takes 128 bytes to decode
    with pytest.raises(
        ImageFolderError,
        match=r"high/a.png: ValueError: a 8 x 8 I;16 image "
        r"takes 0.0 GiB to decode",
    ):
        load_image_folder(root, image_size=4)
