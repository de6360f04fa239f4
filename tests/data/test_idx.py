"""IDX reader: round trips (raw and gzip) and every malformed file as a clear ValueError."""

import gzip

import numpy as np
import pytest

from kerasgen.data import IMAGES_MAGIC, LABELS_MAGIC, read_idx


def idx_bytes(array, magic=None):
    """The IDX encoding of a uint8 array (``magic`` overrides the header's magic number)."""
    array = np.asarray(array, dtype=np.uint8)
    magic = 0x0800 + array.ndim if magic is None else magic
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + array.tobytes()


def write_idx(path, array=None, magic=None, compress=None, raw=None):
    """Write ``array`` (or the bytes ``raw``) as an IDX file; gzip it if ``compress`` or the
    name ends in ``.gz``. Returns the path."""
    payload = idx_bytes(array, magic) if raw is None else raw
    if compress or (compress is None and str(path).endswith(".gz")):
        with gzip.open(path, "wb") as f:
            f.write(payload)
    else:
        path.write_bytes(payload)
    return path


IMAGES = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4) * 10
LABELS = np.array([5, 0, 4, 1, 9], dtype=np.uint8)


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_round_trip_images_and_labels(tmp_path, suffix):
    images = read_idx(write_idx(tmp_path / f"images{suffix}", IMAGES), expected_magic=IMAGES_MAGIC)
    labels = read_idx(write_idx(tmp_path / f"labels{suffix}", LABELS), expected_magic=LABELS_MAGIC)
    assert images.dtype == np.uint8 and images.shape == (2, 3, 4)
    np.testing.assert_array_equal(images, IMAGES)
    np.testing.assert_array_equal(labels, LABELS)
    images[0, 0, 0] = 1  # a writable array, not a view of read-only bytes


def test_any_rank_and_magic_tuple(tmp_path):
    cube = np.ones((2, 1, 2, 3), dtype=np.uint8)
    path = write_idx(tmp_path / "cube", cube)
    np.testing.assert_array_equal(read_idx(path), cube)
    np.testing.assert_array_equal(read_idx(path, expected_magic=(2051, 2052)), cube)


def test_gzip_is_recognised_by_content_not_name(tmp_path):
    path = write_idx(tmp_path / "labels-idx1-ubyte", LABELS, compress=True)
    np.testing.assert_array_equal(read_idx(path), LABELS)
    plain = write_idx(tmp_path / "plain.gz", LABELS, compress=False)
    np.testing.assert_array_equal(read_idx(plain), LABELS)


def test_real_mnist_labels(data_dir):
    labels = read_idx(data_dir / "mnist" / "t10k-labels-idx1-ubyte.gz", expected_magic=LABELS_MAGIC)
    assert labels.shape == (10000,) and labels[:4].tolist() == [7, 2, 1, 0]


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ValueError, match=r"`path` must be .*IDX file.*nope.*does not exist"):
        read_idx(tmp_path / "nope.gz")
    with pytest.raises(ValueError, match=r"`path` .*a folder, not a file"):
        read_idx(tmp_path)
    with pytest.raises(ValueError, match=r"`path` .*received 3"):
        read_idx(3)


def test_name_is_the_argument_named(tmp_path):
    with pytest.raises(ValueError, match=r"^`data_dir` must be"):
        read_idx(tmp_path / "nope", name="data_dir")


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("cut", [1, 10, 20])
def test_truncated_data(tmp_path, compress, cut):
    payload = idx_bytes(IMAGES)[:-cut]  # 16-byte header + 24 data bytes
    path = write_idx(tmp_path / "images", raw=payload, compress=compress)
    with pytest.raises(ValueError, match=r"`path` must be an IDX file holding 24 data bytes"
                                         r".*received .*truncated"):
        read_idx(path)


@pytest.mark.parametrize("keep", [0, 3, 6])
def test_truncated_header(tmp_path, keep):
    path = write_idx(tmp_path / "images", raw=idx_bytes(IMAGES)[:keep], compress=False)
    with pytest.raises(ValueError, match=r"`path` .*(holds only|ends inside its header)"):
        read_idx(path)


def test_truncated_gzip_stream(tmp_path):
    path = write_idx(tmp_path / "images.gz", np.random.RandomState(0).randint(0, 256, (50, 28, 28)))
    data = path.read_bytes()
    for size in (len(data) - 10, len(data) // 2, 5):
        cut = tmp_path / f"cut{size}.gz"
        cut.write_bytes(data[:size])
        with pytest.raises(ValueError, match=r"`path` must be .*IDX file.*received .*cut"):
            read_idx(cut)


def test_corrupt_gzip_stream(tmp_path):
    path = write_idx(tmp_path / "labels.gz", np.arange(200) % 10)
    data = bytearray(path.read_bytes())
    data[20:40] = bytes(20)
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"`path` must be"):
        read_idx(path)


@pytest.mark.parametrize("compress", [False, True])
def test_trailing_bytes(tmp_path, compress):
    path = write_idx(tmp_path / "labels", raw=idx_bytes(LABELS) + b"\x00", compress=compress)
    with pytest.raises(ValueError, match=r"`path` must be an IDX file of exactly 13 bytes"
                                         r".*received .*extra bytes"):
        read_idx(path)


def test_wrong_magic(tmp_path):
    labels = write_idx(tmp_path / "labels.gz", LABELS)
    with pytest.raises(ValueError, match=r"`path` must be an IDX file with magic number 2051"
                                         r".*received .*magic number is 2049"):
        read_idx(labels, expected_magic=IMAGES_MAGIC)
    images = write_idx(tmp_path / "images", IMAGES)
    with pytest.raises(ValueError, match=r"magic number 2049.*received .*magic number is 2051"):
        read_idx(images, expected_magic=LABELS_MAGIC)


def test_not_an_idx_file(tmp_path):
    path = write_idx(tmp_path / "x", raw=b"\x89PNG\r\n\x1a\n" + bytes(30), compress=False)
    with pytest.raises(ValueError, match=r"`path` must be a uint8 IDX file .*2051.*2049"
                                         r".*received .*not a uint8 IDX header"):
        read_idx(path)
    float_idx = write_idx(tmp_path / "f", LABELS, magic=0x0D01)  # float32 type code
    with pytest.raises(ValueError, match=r"`path` must be a uint8 IDX file"):
        read_idx(float_idx)


@pytest.mark.parametrize("bad", [0, 7, "2051", True, [], [2051, "x"]])
def test_bad_expected_magic(tmp_path, bad):
    path = write_idx(tmp_path / "labels", LABELS)
    with pytest.raises(ValueError, match=r"`expected_magic` must be .*2051.*2049.*received"):
        read_idx(path, expected_magic=bad)
