import gzip

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from mnistkit.datasets import read_idx, write_idx
from mnistkit.exceptions import ChecksumError, IDXFormatError


@pytest.mark.parametrize("dtype", ["u1", "i1", "i2", "i4", "f4", "f8"])
@pytest.mark.parametrize("name", ["data-idx", "data-idx.gz"])
def test_round_trip(tmp_path, rng, dtype, name):
    array = (rng.normal(size=(4, 3, 5)) * 50).astype(dtype)
    write_idx(tmp_path / name, array)
    result = read_idx(tmp_path / name)
    assert result.dtype == np.dtype(dtype).newbyteorder("=")
    assert_array_equal(result, array)


def test_gzip_detected_from_content_not_name(tmp_path):
    write_idx(tmp_path / "plain-name", np.arange(6, dtype=np.uint8), compress=True)
    with open(tmp_path / "plain-name", "rb") as f:
        assert f.read(2) == b"\x1f\x8b"
    assert_array_equal(read_idx(tmp_path / "plain-name"), np.arange(6))


def test_big_endian_on_disk(tmp_path):
    write_idx(tmp_path / "x", np.array([1, 256], dtype=np.int32))
    raw = (tmp_path / "x").read_bytes()
    assert raw == bytes([0, 0, 0x0C, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 1, 0])


def test_mmap_uncompressed(tmp_path):
    write_idx(tmp_path / "x", np.arange(12, dtype=np.uint8).reshape(3, 4))
    result = read_idx(tmp_path / "x", mmap=True)
    assert isinstance(result, np.memmap)
    assert_array_equal(result, np.arange(12).reshape(3, 4))


def test_md5_checked(tmp_path):
    import hashlib

    write_idx(tmp_path / "x.gz", np.arange(5, dtype=np.uint8))
    digest = hashlib.md5(gzip.decompress((tmp_path / "x.gz").read_bytes())).hexdigest()
    read_idx(tmp_path / "x.gz", md5=digest)
    with pytest.raises(
        ChecksumError, match=r"x\.gz: MD5 of the uncompressed contents is .*expected 0+"
    ):
        read_idx(tmp_path / "x.gz", md5="0" * 32)


def test_bad_magic_number(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x01\x02\x08\x01" + b"\x00" * 8)
    with pytest.raises(IDXFormatError, match=r"bad.*bad IDX magic number 0x01020801"):
        read_idx(tmp_path / "bad")


def test_bad_type_code(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x00\x00\x07\x01\x00\x00\x00\x01\x00")
    with pytest.raises(IDXFormatError, match="type code"):
        read_idx(tmp_path / "bad")


def test_too_short_for_header(tmp_path):
    (tmp_path / "empty").write_bytes(b"\x00\x00")
    with pytest.raises(IDXFormatError, match="too short for an IDX header"):
        read_idx(tmp_path / "empty")


def test_truncated_dimensions(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x00\x00\x08\x03\x00\x00\x00\x02")
    with pytest.raises(IDXFormatError, match="declares 3 dimensions but the file ends"):
        read_idx(tmp_path / "bad")


@pytest.mark.parametrize("compress", [False, True])
def test_truncated_payload(tmp_path, compress):
    full = bytes([0, 0, 8, 2, 0, 0, 0, 3, 0, 0, 0, 4]) + bytes(range(10))  # 12 values promised
    path = tmp_path / "short"
    path.write_bytes(gzip.compress(full) if compress else full)
    with pytest.raises(
        IDXFormatError, match=r"shape \(3, 4\) of uint8 \(12 bytes of data\) but the file holds 10"
    ):
        read_idx(path)


def test_trailing_data(tmp_path):
    full = bytes([0, 0, 8, 1, 0, 0, 0, 2]) + b"\x01\x02\x03"
    (tmp_path / "long").write_bytes(full)
    with pytest.raises(IDXFormatError, match="holds 3 bytes of data"):
        read_idx(tmp_path / "long")


def test_truncated_gzip_stream(tmp_path):
    write_idx(tmp_path / "x.gz", np.arange(2000, dtype=np.int32))
    data = (tmp_path / "x.gz").read_bytes()
    (tmp_path / "x.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(IDXFormatError, match=r"x\.gz: the gzip stream is corrupt or truncated"):
        read_idx(tmp_path / "x.gz")


def test_corrupt_gzip_stream(tmp_path):
    write_idx(tmp_path / "x.gz", np.arange(2000, dtype=np.int32))
    data = bytearray((tmp_path / "x.gz").read_bytes())
    data[20:40] = b"\xff" * 20
    (tmp_path / "x.gz").write_bytes(bytes(data))
    with pytest.raises(IDXFormatError, match="corrupt or truncated"):
        read_idx(tmp_path / "x.gz")


def test_write_rejects_unsupported_dtype(tmp_path):
    with pytest.raises(ValueError, match="cannot store an array of dtype complex128"):
        write_idx(tmp_path / "x", np.zeros(3, dtype=complex))
    assert list(tmp_path.iterdir()) == []


def test_write_is_atomic_on_failure(tmp_path, monkeypatch):
    import os

    def broken_replace(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_idx(tmp_path / "x.gz", np.zeros(10, dtype=np.uint8))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("compress", [False, True])
def test_huge_declared_shape_names_the_file(tmp_path, compress):
    path = tmp_path / ("huge-idx3-ubyte" + (".gz" if compress else ""))
    header = bytes([0, 0, 8, 3]) + np.array([4_000_000_000, 100_000, 100_000], ">u4").tobytes()
    data = header + b"\0" * 100
    path.write_bytes(gzip.compress(data) if compress else data)
    with pytest.raises(
        IDXFormatError,
        match=rf"{path.name}: the header declares shape \(4000000000, 100000, 100000\)",
    ):
        read_idx(path)
