"""Read IDX files, the format of the MNIST and Fashion-MNIST archives.

An IDX file is a big-endian int32 magic number ``0x0000 0x08 ndim`` (``0x08`` = uint8
data; 2051 for rank-3 images, 2049 for rank-1 labels), then ``ndim`` big-endian int32
dimensions, then the raw uint8 values in C order. Files may be gzip-compressed; the
compression is recognised by its leading bytes, not by the file name::

    >>> import gzip, os, tempfile
    >>> import numpy as np
    >>> from kerasgen.data import LABELS_MAGIC, read_idx
    >>> path = os.path.join(tempfile.mkdtemp(), "labels-idx1-ubyte.gz")
    >>> with gzip.open(path, "wb") as f:
    ...     _ = f.write((2049).to_bytes(4, "big") + (3).to_bytes(4, "big") + bytes([5, 0, 4]))
    >>> read_idx(path, expected_magic=LABELS_MAGIC)
    array([5, 0, 4], dtype=uint8)
"""

import gzip
import math
import numbers
import os
import zlib

import numpy as np

from kerasgen.utils.validation import fail

IMAGES_MAGIC = 2051  # 0x00000803: uint8, rank 3 (count, rows, cols)
LABELS_MAGIC = 2049  # 0x00000801: uint8, rank 1 (count)

_UINT8_CODE = 0x08
_GZIP_SIGNATURE = b"\x1f\x8b"
_CHUNK = 1 << 22


def describe_magic(magic):
    """A short human description of an IDX magic number, e.g. ``"2051 (uint8, rank 3)"``."""
    if magic >> 16 == 0 and (magic >> 8) & 0xFF == _UINT8_CODE:
        return f"{magic} (uint8, rank {magic & 0xFF})"
    return f"{magic} (0x{magic:08X}, not a uint8 IDX header)"


def _check_expected_magic(expected_magic):
    if expected_magic is None:
        return None
    values = (expected_magic,) if isinstance(expected_magic, numbers.Integral) else expected_magic
    try:
        values = tuple(values)
    except TypeError:
        values = ()
    ok = values and all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool)
        and v >> 16 == 0 and (v >> 8) & 0xFF == _UINT8_CODE and v & 0xFF >= 1
        for v in values
    )
    if not ok:
        fail("expected_magic", repr(expected_magic),
             f"None or uint8 IDX magic numbers such as {IMAGES_MAGIC} (images) "
             f"or {LABELS_MAGIC} (labels)")
    return tuple(int(v) for v in values)


def _read_exactly(stream, count):
    """Read up to ``count`` bytes in chunks (never trusting a header for one big allocation)."""
    data = bytearray()
    while len(data) < count:
        chunk = stream.read(min(_CHUNK, count - len(data)))
        if not chunk:
            break
        data += chunk
    return data


def read_idx(path, name="path", expected_magic=None):
    """Read an IDX file (gzip-compressed or not) into a NumPy uint8 array.

    Args:
        path: path of the file (``str`` or ``os.PathLike``).
        name: the argument named in error messages (callers pass e.g. ``"data_dir"``).
        expected_magic: ``None`` (any uint8 IDX file), or an int or tuple of ints such as
            ``IMAGES_MAGIC`` (2051) or ``LABELS_MAGIC`` (2049).

    Returns:
        A writable ``np.uint8`` array of the shape given by the header.

    Raises:
        ValueError: the file is missing or unreadable, is truncated (raw or gzip), has a
            wrong magic number, or has bytes after the data.
    """
    expected = _check_expected_magic(expected_magic)
    if not isinstance(path, (str, os.PathLike)):
        fail(name, repr(path), "a path to an IDX file (.gz or uncompressed)")
    path = os.fspath(path)
    if not os.path.isfile(path):
        state = "is a folder, not a file" if os.path.isdir(path) else "does not exist"
        fail(name, f"{path!r}, which {state}", "a path to an IDX file (.gz or uncompressed)")

    try:
        with open(path, "rb") as raw:
            compressed = raw.read(2) == _GZIP_SIGNATURE
        stream = gzip.open(path, "rb") if compressed else open(path, "rb")
        with stream:
            header = bytes(_read_exactly(stream, 4))
            if len(header) < 4:
                fail(name, f"{path!r}, which holds only {len(header)} bytes",
                     "an IDX file starting with a 4-byte magic number")
            magic = int.from_bytes(header, "big")
            if expected is not None and magic not in expected:
                fail(name, f"{path!r}, whose magic number is {describe_magic(magic)}",
                     "an IDX file with magic number "
                     + " or ".join(describe_magic(m) for m in expected))
            ndim = magic & 0xFF
            if magic >> 16 != 0 or (magic >> 8) & 0xFF != _UINT8_CODE or ndim < 1:
                fail(name, f"{path!r}, whose magic number is {describe_magic(magic)}",
                     f"a uint8 IDX file (magic number {IMAGES_MAGIC} for images, "
                     f"{LABELS_MAGIC} for labels)")
            dims_bytes = bytes(_read_exactly(stream, 4 * ndim))
            if len(dims_bytes) < 4 * ndim:
                fail(name, f"{path!r}, which ends inside its header",
                     f"an IDX file with {ndim} dimension sizes after its magic number")
            shape = tuple(int.from_bytes(dims_bytes[4 * i:4 * i + 4], "big")
                          for i in range(ndim))
            size = math.prod(shape)
            data = _read_exactly(stream, size + 1)
    except (EOFError, OSError, zlib.error) as error:
        fail(name, f"{path!r}, which cannot be read completely ({error})",
             "a complete IDX file, gzip-compressed or uncompressed")

    header_size = 4 + 4 * ndim
    if len(data) < size:
        fail(name, f"{path!r}, which is truncated: {len(data)} data bytes after its "
             f"{header_size}-byte header",
             f"an IDX file holding {size} data bytes for shape {shape}")
    if len(data) > size:
        fail(name, f"{path!r}, which has extra bytes after its {size} data bytes",
             f"an IDX file of exactly {header_size + size} bytes for shape {shape}")
    return np.frombuffer(data, dtype=np.uint8).reshape(shape)
