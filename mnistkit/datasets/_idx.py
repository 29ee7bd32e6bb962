"""Reading and writing IDX files, the format of MNIST and Fashion-MNIST.

An IDX file is a 4-byte magic number ``0x0000TTDD`` (``TT`` the type code of the values, ``DD``
the number of dimensions), ``DD`` big-endian unsigned 32-bit sizes, then the values in C order,
big-endian. The files are usually distributed gzip-compressed.

No library on PyPI reads IDX with validation, checksums and bounded memory (``idx2numpy`` reads
the whole compressed stream into a second buffer and checks nothing), so the reader is written
here; it is small and fully tested.
"""

import gzip
import hashlib
import math
import os
import zlib
from pathlib import Path

import numpy as np

from ..exceptions import ChecksumError, IDXFormatError
from ..utils._files import atomic_write

__all__ = ["read_idx", "write_idx"]

# Type codes of the IDX format and the (big-endian) dtypes they denote.
_TYPE_CODES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES_BY_KIND = {(dtype.kind, dtype.itemsize): code for code, dtype in _TYPE_CODES.items()}
_GZIP_MAGIC = b"\x1f\x8b"
# Decompress in pieces of this size so that peak memory stays at the size of the output array.
_READ_CHUNK_BYTES = 1 << 22


def _open_maybe_gzip(path):
    """Open ``path`` for binary reading, decompressing on the fly if it is gzip data."""
    raw = open(path, "rb")  # noqa: SIM115 - closed by the caller
    is_gzip = raw.read(2) == _GZIP_MAGIC
    raw.seek(0)
    if is_gzip:
        return gzip.GzipFile(fileobj=raw, mode="rb"), raw, True
    return raw, raw, False


def _read_exactly(stream, buffer):
    """Fill ``buffer`` (a writable memoryview) from ``stream``; return the bytes read."""
    position = 0
    total = len(buffer)
    while position < total:
        count = stream.readinto(buffer[position : min(position + _READ_CHUNK_BYTES, total)])
        if not count:
            break
        position += count
    return position


def read_idx(path, *, md5=None, mmap=False):
    """Read an IDX file (plain or gzip-compressed) into a NumPy array.

    Parameters
    ----------
    path : str or path-like
        The file to read. Gzip compression is detected from the content, not the name.
    md5 : str, default=None
        Expected MD5 hex digest of the *uncompressed* file. When given, the digest is computed
        while reading and a mismatch raises :class:`~mnistkit.exceptions.ChecksumError`.
    mmap : bool, default=False
        Memory-map an uncompressed single-byte file instead of reading it (read-only array).
        Ignored for gzip files and multi-byte types, which must be decoded.

    Returns
    -------
    array : ndarray
        Array of the shape given in the header, in native byte order.

    Raises
    ------
    IDXFormatError
        If the magic number, type code, dimensions or payload length are invalid, or the gzip
        stream is corrupt or truncated.
    ChecksumError
        If ``md5`` is given and does not match.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from mnistkit.datasets import read_idx, write_idx
    >>> path = os.path.join(tempfile.mkdtemp(), "tiny-idx1-ubyte.gz")
    >>> write_idx(path, np.array([3, 1, 4], dtype=np.uint8))
    >>> read_idx(path)
    array([3, 1, 4], dtype=uint8)
    """
    path = Path(path)
    stream, raw, is_gzip = _open_maybe_gzip(path)
    try:
        return _read_idx_stream(path, stream, is_gzip, md5=md5, mmap=mmap)
    except (gzip.BadGzipFile, zlib.error, EOFError) as exc:
        raise IDXFormatError(
            f"{path}: the gzip stream is corrupt or truncated ({exc}). "
            "Delete the file and download or reinstall it."
        ) from exc
    finally:
        stream.close()
        raw.close()


def _read_idx_stream(path, stream, is_gzip, *, md5, mmap):
    header = stream.read(4)
    if len(header) < 4:
        raise IDXFormatError(
            f"{path}: the file has {len(header)} bytes, too short for an IDX header (4 bytes)."
        )
    if header[0] != 0 or header[1] != 0 or header[2] not in _TYPE_CODES or header[3] == 0:
        raise IDXFormatError(
            f"{path}: bad IDX magic number 0x{header.hex()}; expected 0x0000TTDD with type code "
            f"TT in {{{', '.join(f'0x{code:02x}' for code in _TYPE_CODES)}}} and DD >= 1 "
            "dimensions. Is this an IDX file?"
        )
    dtype = _TYPE_CODES[header[2]]
    n_dims = header[3]
    dims_bytes = stream.read(4 * n_dims)
    if len(dims_bytes) < 4 * n_dims:
        raise IDXFormatError(
            f"{path}: the header declares {n_dims} dimensions but the file ends inside them."
        )
    shape = tuple(int(size) for size in np.frombuffer(dims_bytes, dtype=">u4"))
    n_values = math.prod(shape)  # Python ints: a corrupt header cannot overflow the count
    payload_bytes = n_values * dtype.itemsize
    hasher = hashlib.md5(header + dims_bytes) if md5 is not None else None

    if mmap and not is_gzip and dtype.itemsize == 1 and hasher is None:
        offset = 4 + 4 * n_dims
        file_bytes = os.path.getsize(path)
        _check_payload_length(path, shape, dtype, payload_bytes, file_bytes - offset)
        return np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape)

    if not is_gzip:
        file_bytes = os.path.getsize(path) - (4 + 4 * n_dims)
        # Before allocating what the header claims; a plain file's excess is known exactly.
        _check_payload_length(path, shape, dtype, payload_bytes, file_bytes)
    try:
        array = np.empty(shape, dtype=dtype)
    except (ValueError, MemoryError) as exc:
        raise IDXFormatError(
            f"{path}: the header declares shape {shape} of {dtype.name} ({payload_bytes:,} bytes "
            f"of data), which cannot be allocated ({exc}). The header is corrupt or this is not "
            "an IDX file."
        ) from None
    buffer = memoryview(array.reshape(-1).view(np.uint8))
    got = _read_exactly(stream, buffer)
    if got < payload_bytes:
        _check_payload_length(path, shape, dtype, payload_bytes, got)
    if stream.read(1):
        # Only one byte past the declared payload is read: a small gzip file can inflate to
        # gigabytes (a "zip bomb"), and the excess need not be measured to be refused.
        raise IDXFormatError(
            f"{path}: the header declares shape {shape} of {dtype.name} ({payload_bytes} bytes "
            "of data) but the file holds more data than that. The file is corrupt or is not an "
            "IDX file of that shape."
        )
    if hasher is not None:
        hasher.update(buffer)
        digest = hasher.hexdigest()
        if digest != md5:
            raise ChecksumError(
                f"{path}: MD5 of the uncompressed contents is {digest}, expected {md5}. "
                "The file is corrupt or is not the canonical one; delete it and download or "
                "reinstall it."
            )
    if not dtype.isnative:
        array = array.astype(dtype.newbyteorder("="))
    return array


def _check_payload_length(path, shape, dtype, expected, actual):
    if expected != actual:
        raise IDXFormatError(
            f"{path}: the header declares shape {shape} of {dtype.name} ({expected} bytes of "
            f"data) but the file holds {actual} bytes of data. The file is truncated or corrupt."
        )


def write_idx(path, array, *, compress=None):
    """Write an array to an IDX file, atomically.

    The file appears under its final name only once it is complete: it is written to a
    temporary file in the same folder and renamed.

    Parameters
    ----------
    path : str or path-like
        Destination file.
    array : array-like
        Values to write; dtype uint8, int8, int16, int32, float32 or float64.
    compress : bool, default=None
        Gzip-compress the file. ``None`` compresses when ``path`` ends in ``.gz``.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from mnistkit.datasets import read_idx, write_idx
    >>> path = os.path.join(tempfile.mkdtemp(), "images-idx3-ubyte")
    >>> write_idx(path, np.zeros((2, 3, 3), dtype=np.uint8))
    >>> read_idx(path).shape
    (2, 3, 3)
    """
    path = Path(path)
    array = np.asarray(array)
    code = _CODES_BY_KIND.get((array.dtype.kind, array.dtype.itemsize))
    if code is None or array.ndim == 0:
        raise ValueError(
            f"write_idx cannot store an array of dtype {array.dtype} and {array.ndim} dimensions; "
            "IDX holds arrays of 1 or more dimensions of uint8, int8, int16, int32, float32 or "
            "float64."
        )
    if compress is None:
        compress = path.suffix == ".gz"
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    payload = np.ascontiguousarray(array, dtype=_TYPE_CODES[code]).tobytes()
    atomic_write(path, header + payload, compress=compress)
