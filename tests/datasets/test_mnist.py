import gzip
import hashlib
import http.server
import threading
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from mnistkit.datasets import _fashion_mnist as fashion_module
from mnistkit.datasets import _loading as loading_module
from mnistkit.datasets import _mnist as mnist_module
from mnistkit.datasets import (
    load_fashion_mnist,
    load_fashion_mnist_splits,
    load_mnist,
    load_mnist_splits,
    write_idx,
)
from mnistkit.exceptions import ChecksumError, DatasetNotFoundError, IDXFormatError

MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


def test_load_mnist_train_is_canonical():
    mnist = load_mnist()
    assert mnist.data.shape == (60000, 784)
    assert mnist.images.shape == (60000, 28, 28)
    assert mnist.data.dtype == np.uint8
    assert np.shares_memory(mnist.data, mnist.images)
    assert np.bincount(mnist.target).tolist() == MNIST_TRAIN_COUNTS
    assert mnist.target[:8].tolist() == [5, 0, 4, 1, 9, 2, 1, 3]
    assert list(mnist.target_names) == [str(d) for d in range(10)]
    assert len(mnist.feature_names) == 784
    assert "MNIST" in mnist.DESCR


def test_bundled_files_match_published_md5():
    # The package data is byte-identical to the canonical distribution.
    for key, path in load_mnist(subset="test").filenames.items():
        name = loading_module.FILE_NAMES[key]
        digest = hashlib.md5(gzip.decompress(Path(path).read_bytes())).hexdigest()
        assert digest == mnist_module.MNIST_MD5[name]


@pytest.mark.slow
def test_subsets_and_float_dtype():
    test = load_mnist(subset="test")
    everything = load_mnist(subset="all")
    assert len(test.target) == 10000 and len(everything.target) == 70000
    assert_array_equal(everything.images[60000:], test.images)
    scaled = load_mnist(subset="test", dtype=np.float32)
    assert scaled.data.dtype == np.float32
    np.testing.assert_allclose(scaled.data, test.data / 255.0, rtol=1e-6)
    X, y = load_mnist(subset="test", return_X_y=True)
    assert X.shape == (10000, 784) and y.shape == (10000,)


def test_splits_in_original_order():
    splits = load_mnist_splits()
    full = load_mnist()
    assert len(splits.train.target) == 50000
    assert len(splits.validation.target) == 10000
    assert len(splits.test.target) == 10000
    assert_array_equal(splits.train.data, full.data[:50000])
    assert_array_equal(splits.validation.data, full.data[50000:])
    (X_train, _), (X_val, _), (_, y_test) = load_mnist_splits(validation_size=5000, return_X_y=True)
    assert X_train.shape == (55000, 784) and X_val.shape == (5000, 784) and len(y_test) == 10000


@pytest.mark.parametrize("bad", [0, 60000, -1, 2.5])
def test_splits_reject_bad_validation_size(bad):
    with pytest.raises(ValueError, match=r"validation_size must be an integer in \[1, 59999\]"):
        load_mnist_splits(validation_size=bad)


def test_bad_subset_and_dtype():
    with pytest.raises(ValueError, match=r"subset must be one of .*got 'validation'"):
        load_mnist(subset="validation")
    with pytest.raises(ValueError, match=r"dtype must be uint8 .* got int32"):
        load_mnist(dtype=np.int32)


# --- Fashion-MNIST -------------------------------------------------------------------------


@pytest.fixture
def isolated_fashion(monkeypatch, tmp_path):
    """No Debian copy, an empty user cache and no $MNISTKIT_DATA."""
    monkeypatch.setattr(fashion_module, "DEBIAN_FASHION_MNIST_DIR", tmp_path / "no-debian")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("MNISTKIT_DATA", raising=False)
    return tmp_path


def _fake_fashion(folder, n_train=12, n_test=5, seed=0):
    """Write a small Fashion-MNIST-shaped data set; return its uncompressed MD5s."""
    rng = np.random.default_rng(seed)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": np.arange(n_train, dtype=np.uint8) % 10,
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": np.arange(n_test, dtype=np.uint8) % 10,
    }
    md5s = {}
    for name, array in arrays.items():
        write_idx(Path(folder) / f"{name}.gz", array)
        md5s[name] = hashlib.md5(
            gzip.decompress((Path(folder) / f"{name}.gz").read_bytes())
        ).hexdigest()
    return arrays, md5s


@pytest.mark.skipif(
    not fashion_module.DEBIAN_FASHION_MNIST_DIR.is_dir(),
    reason="needs Debian's dataset-fashion-mnist package (CI installs it)",
)
def test_fashion_mnist_from_debian_location(monkeypatch):
    monkeypatch.delenv("MNISTKIT_DATA", raising=False)
    fashion = load_fashion_mnist(download_if_missing=False)
    assert fashion.data.shape == (60000, 784)
    assert np.bincount(fashion.target).tolist() == [6000] * 10
    assert fashion.filenames["train_images"].startswith("/usr/share/datasets/fashion-mnist/")
    assert fashion.target_names[9] == "Ankle boot"
    test = load_fashion_mnist(subset="test", download_if_missing=False)
    assert test.target_names[test.target[0]] == "Ankle boot"
    splits = load_fashion_mnist_splits(download_if_missing=False)
    assert len(splits.train.target) == 50000


def test_fashion_data_home_takes_precedence(isolated_fashion, monkeypatch):
    arrays, md5s = _fake_fashion(isolated_fashion / "mine" / "fashion-mnist")
    monkeypatch.setattr(fashion_module, "FASHION_MNIST_MD5", md5s)
    data = load_fashion_mnist(data_home=isolated_fashion / "mine", download_if_missing=False)
    assert_array_equal(data.images, arrays["train-images-idx3-ubyte"])


def test_fashion_env_variable(isolated_fashion, monkeypatch):
    arrays, md5s = _fake_fashion(isolated_fashion / "env")
    monkeypatch.setattr(fashion_module, "FASHION_MNIST_MD5", md5s)
    monkeypatch.setenv("MNISTKIT_DATA", str(isolated_fashion / "env"))
    data = load_fashion_mnist(subset="test", download_if_missing=False)
    assert_array_equal(data.images, arrays["t10k-images-idx3-ubyte"])


def test_fashion_checksum_mismatch_names_file(isolated_fashion):
    _fake_fashion(isolated_fashion / "bad")
    with pytest.raises(
        ChecksumError, match=r"train-images-idx3-ubyte\.gz: MD5 .* expected f4a8712d"
    ):
        load_fashion_mnist(data_home=isolated_fashion / "bad", download_if_missing=False)


def test_fashion_label_count_mismatch(isolated_fashion, monkeypatch):
    folder = isolated_fashion / "mismatch"
    _, md5s = _fake_fashion(folder)
    write_idx(folder / "train-labels-idx1-ubyte.gz", np.zeros(7, dtype=np.uint8))
    md5s["train-labels-idx1-ubyte"] = hashlib.md5(
        gzip.decompress((folder / "train-labels-idx1-ubyte.gz").read_bytes())
    ).hexdigest()
    monkeypatch.setattr(fashion_module, "FASHION_MNIST_MD5", md5s)
    with pytest.raises(ValueError, match=r"holds 12 images but .*train-labels.* holds 7 labels"):
        load_fashion_mnist(data_home=folder, download_if_missing=False)


def test_fashion_truncated_file(isolated_fashion):
    folder = isolated_fashion / "truncated"
    _fake_fashion(folder)
    path = folder / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(
        IDXFormatError, match=r"train-images-idx3-ubyte\.gz: the gzip stream is corrupt"
    ):
        load_fashion_mnist(data_home=folder, download_if_missing=False)


def test_fashion_absent_offline_lists_every_place(isolated_fashion, monkeypatch):
    monkeypatch.setenv("MNISTKIT_DATA", str(isolated_fashion / "env-dir"))
    with pytest.raises(DatasetNotFoundError) as info:
        load_fashion_mnist(download_if_missing=False)
    message = str(info.value)
    for place in [
        "env-dir ($MNISTKIT_DATA)",
        "no-debian (Debian package",
        "cache/mnistkit/fashion-mnist (user cache)",
    ]:
        assert place in message
    assert "apt-get install dataset-fashion-mnist" in message
    assert "put the four files" in message


@pytest.mark.parametrize("download", [False, True])
def test_fashion_explicit_data_home_never_falls_back(isolated_fashion, monkeypatch, download):
    # Issue: data_home="/typo" silently used the system copy. A copy elsewhere must not be used.
    _, md5s = _fake_fashion(isolated_fashion / "env")
    monkeypatch.setattr(fashion_module, "FASHION_MNIST_MD5", md5s)
    monkeypatch.setenv("MNISTKIT_DATA", str(isolated_fashion / "env"))
    monkeypatch.setattr(fashion_module, "FASHION_MNIST_URLS", ("http://127.0.0.1:9/",))
    typo = isolated_fashion / "typo"
    with pytest.raises(
        DatasetNotFoundError,
        match=r"data_home .*typo does not exist and holds none of the 4 Fashion-MNIST files",
    ):
        load_fashion_mnist(data_home=typo, download_if_missing=download)
    assert load_fashion_mnist(download_if_missing=False).data.shape == (12, 784)  # env still works


def test_fashion_data_home_with_some_files_names_the_missing(isolated_fashion, monkeypatch):
    folder = isolated_fashion / "partial"
    _fake_fashion(folder)
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(
        DatasetNotFoundError,
        match=r"holds 3 of the 4 Fashion-MNIST files; missing: t10k-labels-idx1-ubyte.gz",
    ):
        load_fashion_mnist(data_home=folder)


def test_fashion_empty_data_home_without_download(isolated_fashion):
    (isolated_fashion / "empty").mkdir()
    with pytest.raises(
        DatasetNotFoundError,
        match=r"empty holds none of the 4 Fashion-MNIST files .*download_if_missing=False",
    ):
        load_fashion_mnist(data_home=isolated_fashion / "empty", download_if_missing=False)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def http_folder(tmp_path):
    """Serve a folder over HTTP on the loopback interface; yield (folder, base_url)."""
    folder = tmp_path / "served"
    folder.mkdir()

    def handler(*args, **kwargs):
        return _QuietHandler(*args, directory=str(folder), **kwargs)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_fashion_download_verifies_and_caches(isolated_fashion, http_folder, monkeypatch):
    folder, url = http_folder
    arrays, md5s = _fake_fashion(folder)
    monkeypatch.setattr(fashion_module, "FASHION_MNIST_MD5", md5s)
    monkeypatch.setattr(fashion_module, "FASHION_MNIST_URLS", (url,))
    data = load_fashion_mnist()
    assert_array_equal(data.images, arrays["train-images-idx3-ubyte"])
    cache = isolated_fashion / "cache" / "mnistkit" / "fashion-mnist"
    assert sorted(p.name for p in cache.iterdir()) == sorted(f"{n}.gz" for n in md5s)
    # Served files gone: the cache alone is enough now.
    for path in folder.iterdir():
        path.unlink()
    assert_array_equal(load_fashion_mnist(subset="test").images, arrays["t10k-images-idx3-ubyte"])


def test_fashion_bad_download_leaves_no_file(isolated_fashion, http_folder, monkeypatch):
    folder, url = http_folder
    _, md5s = _fake_fashion(folder)
    md5s["train-labels-idx1-ubyte"] = "0" * 32  # the served labels will not verify
    monkeypatch.setattr(fashion_module, "FASHION_MNIST_MD5", md5s)
    monkeypatch.setattr(fashion_module, "FASHION_MNIST_URLS", (url, "http://127.0.0.1:9/"))
    with pytest.raises(DatasetNotFoundError, match=r"Download failed:(.|\n)*MD5"):
        load_fashion_mnist()
    cache = isolated_fashion / "cache" / "mnistkit" / "fashion-mnist"
    names = sorted(p.name for p in cache.iterdir())
    # Verified files are kept; the bad one and every partial download are gone.
    assert names == ["train-images-idx3-ubyte.gz"]


def test_fashion_download_into_data_home(isolated_fashion, http_folder, monkeypatch):
    folder, url = http_folder
    _, md5s = _fake_fashion(folder)
    monkeypatch.setattr(fashion_module, "FASHION_MNIST_MD5", md5s)
    monkeypatch.setattr(fashion_module, "FASHION_MNIST_URLS", (url,))
    load_fashion_mnist(data_home=isolated_fashion / "home")
    assert len(list((isolated_fashion / "home" / "fashion-mnist").glob("*.gz"))) == 4


def test_fashion_file_of_the_wrong_type_is_named(isolated_fashion, monkeypatch):
    folder = isolated_fashion / "typed"
    _, md5s = _fake_fashion(folder)
    write_idx(folder / "train-images-idx3-ubyte.gz", np.zeros((12, 28, 28), dtype=np.float32))
    md5s["train-images-idx3-ubyte"] = hashlib.md5(
        gzip.decompress((folder / "train-images-idx3-ubyte.gz").read_bytes())
    ).hexdigest()
    monkeypatch.setattr(fashion_module, "FASHION_MNIST_MD5", md5s)
    with pytest.raises(
        IDXFormatError,
        match=r"train-images-idx3-ubyte.gz: expected unsigned bytes \(pixels 0-255, IDX type code 0x08\); the header's type code says float32",
    ):
        load_fashion_mnist(data_home=folder, download_if_missing=False)
