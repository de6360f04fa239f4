"""Image datasets: digits (scikit-learn), MNIST from the real IDX files, ``load()`` pipelines,
and every bad input as a ValueError naming the argument."""

import dataclasses
import os

import numpy as np
import pytest
import tensorflow as tf

from kerasgen import data
from kerasgen.data import images as images_module
from tests.data.test_idx import write_idx

MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def fake_mnist(folder, counts=(6, 3), suffix=".gz", seed=0):
    """Write a tiny MNIST-like dataset (28x28 images) into ``folder``; returns the arrays."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.RandomState(seed)
    arrays = {}
    for (split, (image_name, label_name)), count in zip(MNIST_FILES.items(), counts):
        images = rng.randint(0, 256, (count, 28, 28)).astype(np.uint8)
        labels = rng.randint(0, 10, count).astype(np.uint8)
        write_idx(folder / (image_name + suffix), images)
        write_idx(folder / (label_name + suffix), labels)
        arrays[split] = images, labels
    return arrays


@pytest.fixture(autouse=True)
def _no_env_data_dir(monkeypatch):
    monkeypatch.delenv("KERASGEN_DATA_DIR", raising=False)


# ---------------------------------------------------------------- registry


def test_registry():
    assert data.list_datasets() == ["digits", "mnist", "fashion_mnist"]
    digits = data.dataset_info("digits")
    assert (digits.image_shape, digits.num_levels, digits.num_classes) == ((8, 8, 1), 17, 10)
    for name in ("mnist", "fashion_mnist"):
        info = data.IMAGE_DATASETS[name]
        assert isinstance(info, data.ImageDatasetInfo) and info.name == name
        assert (info.image_shape, info.num_levels, info.num_classes) == ((28, 28, 1), 256, 10)
        assert info.description
    with pytest.raises(dataclasses.FrozenInstanceError):
        digits.num_levels = 3


@pytest.mark.parametrize("bad", ["cifar10", "MNIST", None, 3])
def test_unknown_dataset_name(bad):
    expected = (r"`name` must be one of 'digits', 'mnist', 'fashion_mnist', 'folder' \(with "
                r"data_dir\) or 'tfds:NAME'; received")
    with pytest.raises(ValueError, match=expected):
        data.dataset_info(bad)
    with pytest.raises(ValueError, match=expected):
        data.load_arrays(bad)
    with pytest.raises(ValueError, match=expected):
        data.load(bad)
    with pytest.raises(ValueError, match=expected):
        data.resolve_data_dir(bad)


# ---------------------------------------------------------------- digits


def test_digits_arrays():
    train_x, train_y = data.load_arrays("digits")
    test_x, test_y = data.load_arrays("digits", split="test")
    assert train_x.shape == (1437, 8, 8, 1) and test_x.shape == (360, 8, 8, 1)
    assert train_x.dtype == np.uint8 and train_y.dtype == np.int32 and train_y.shape == (1437,)
    for x, y in ((train_x, train_y), (test_x, test_y)):
        assert x.min() == 0 and x.max() == 16
        assert set(np.unique(y)) == set(range(10))


def test_digits_split_is_fixed_disjoint_and_complete():
    from sklearn.datasets import load_digits

    full = load_digits()
    order = np.random.RandomState(0).permutation(1797)
    train_x, train_y = data.load_arrays("digits", "train")
    test_x, test_y = data.load_arrays("digits", "test")
    np.testing.assert_array_equal(test_x[..., 0], full.images[order[-360:]])
    np.testing.assert_array_equal(train_y, full.target[order[:-360]])
    np.testing.assert_array_equal(train_x[..., 0], full.images[order[:-360]])
    # Together they are exactly the whole dataset, each example once.
    def rows(x, y):
        return np.unique(np.c_[np.reshape(x, (len(y), 64)), y].astype(np.int32), axis=0,
                         return_counts=True)

    both = rows(np.concatenate([train_x, test_x]), np.concatenate([train_y, test_y]))
    whole = rows(full.images, full.target)
    for got, expected in zip(both, whole):
        np.testing.assert_array_equal(got, expected)
    again_x, again_y = data.load_arrays("digits", "test")
    np.testing.assert_array_equal(again_x, test_x)
    np.testing.assert_array_equal(again_y, test_y)


def test_digits_max_examples_prefix():
    x, y = data.load_arrays("digits", max_examples=10)
    full_x, full_y = data.load_arrays("digits")
    assert x.shape == (10, 8, 8, 1)
    np.testing.assert_array_equal(x, full_x[:10])
    np.testing.assert_array_equal(y, full_y[:10])
    assert len(data.load_arrays("digits", "test", max_examples=10**6)[1]) == 360


def test_digits_needs_no_data_dir():
    assert data.resolve_data_dir("digits") is None


# ---------------------------------------------------------------- real MNIST


def test_mnist_real_files(data_dir):
    train_x, train_y = data.load_arrays("mnist", "train", data_dir=data_dir)
    assert train_x.shape == (60000, 28, 28, 1) and train_y.shape == (60000,)
    assert train_x.dtype == np.uint8 and train_y.dtype == np.int32
    assert train_x.min() == 0 and train_x.max() == 255
    assert train_y[:4].tolist() == [5, 0, 4, 1]
    assert set(np.unique(train_y)) == set(range(10))
    test_x, test_y = data.load_arrays("mnist", "test", data_dir=str(data_dir))
    assert test_x.shape == (10000, 28, 28, 1) and test_y[:4].tolist() == [7, 2, 1, 0]


def test_mnist_layouts_and_env(data_dir, monkeypatch):
    parent = data.load_arrays("mnist", "test", data_dir=data_dir, max_examples=50)
    own = data.load_arrays("mnist", "test", data_dir=data_dir / "mnist", max_examples=50)
    assert data.resolve_data_dir("mnist", data_dir) == str(data_dir / "mnist")
    assert data.resolve_data_dir("mnist", data_dir / "mnist") == str(data_dir / "mnist")
    monkeypatch.setenv("KERASGEN_DATA_DIR", str(data_dir))
    from_env = data.load_arrays("mnist", "test", max_examples=50)
    assert data.resolve_data_dir("mnist") == str(data_dir / "mnist")
    for x, y in (own, from_env):
        np.testing.assert_array_equal(x, parent[0])
        np.testing.assert_array_equal(y, parent[1])
    assert parent[0].shape == (50, 28, 28, 1) and parent[1][:4].tolist() == [7, 2, 1, 0]


def test_mnist_max_examples_prefix(data_dir):
    x, y = data.load_arrays("mnist", "test", data_dir=data_dir, max_examples=7)
    full_x, full_y = data.load_arrays("mnist", "test", data_dir=data_dir)
    np.testing.assert_array_equal(x, full_x[:7])
    np.testing.assert_array_equal(y, full_y[:7])


def test_mnist_pipeline(data_dir):
    dataset = data.load("mnist", "test", data_dir=data_dir, batch_size=100, max_examples=250)
    spec_x, spec_y = dataset.element_spec
    assert spec_x.shape.as_list() == [None, 28, 28, 1] and spec_x.dtype == tf.uint8
    labels = np.concatenate([y.numpy() for _, y in dataset])
    assert labels[:4].tolist() == [7, 2, 1, 0] and len(labels) == 250  # test: not shuffled


# ---------------------------------------------------------------- crafted IDX folders


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_crafted_dataset_both_layouts(tmp_path, suffix):
    arrays = fake_mnist(tmp_path / "fashion_mnist", suffix=suffix)
    for folder in (tmp_path, tmp_path / "fashion_mnist"):
        for split, (images, labels) in arrays.items():
            x, y = data.load_arrays("fashion_mnist", split, data_dir=folder)
            np.testing.assert_array_equal(x[..., 0], images)
            np.testing.assert_array_equal(y, labels)
            assert x.shape[1:] == (28, 28, 1) and y.dtype == np.int32


def test_same_file_names_are_not_confused(tmp_path):
    fake_mnist(tmp_path / "mnist")
    with pytest.raises(ValueError, match=r"`data_dir` .*'fashion_mnist/'.*received .*mnist"):
        data.load_arrays("fashion_mnist", data_dir=tmp_path)
    with pytest.raises(ValueError, match=r"`data_dir` .*received .*the folder of dataset 'mnist'"):
        data.load_arrays("fashion_mnist", data_dir=tmp_path / "mnist")


def test_env_unset(monkeypatch):
    with pytest.raises(ValueError, match=r"`data_dir` .*set KERASGEN_DATA_DIR.*received None"):
        data.resolve_data_dir("mnist")


def test_missing_dir(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match=r"`data_dir` must be .*received .*nope', which does not"):
        data.load_arrays("mnist", data_dir=tmp_path / "nope")
    monkeypatch.setenv("KERASGEN_DATA_DIR", str(tmp_path / "nope"))
    with pytest.raises(ValueError, match=r"`data_dir` .*\(from KERASGEN_DATA_DIR\), which does"):
        data.load_arrays("mnist")
    with pytest.raises(ValueError, match=r"`data_dir` must be None or the path of a folder"):
        data.load_arrays("mnist", data_dir=3)
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match=r"`data_dir` .*which is a file"):
        data.load("mnist", data_dir=tmp_path / "file")


def test_dir_without_files(tmp_path):
    (tmp_path / "mnist").mkdir()
    with pytest.raises(ValueError, match=r"`data_dir` must be a folder holding the mnist IDX files "
                                         r"\(train-images-idx3-ubyte\[\.gz\], .*t10k-labels.*"
                                         r"received .*which has neither"):
        data.load_arrays("mnist", data_dir=tmp_path)


def test_missing_split_file(tmp_path):
    fake_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    assert len(data.load_arrays("mnist", "train", data_dir=tmp_path)[0]) == 6
    with pytest.raises(ValueError, match=r"`data_dir` must be a folder holding t10k-images.*"
                                         r"split 'test'; received .*lacks t10k-labels-idx1-ubyte"):
        data.load_arrays("mnist", "test", data_dir=tmp_path)


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_truncated_file_in_data_dir(tmp_path, suffix):
    fake_mnist(tmp_path, suffix=suffix)
    path = tmp_path / ("train-images-idx3-ubyte" + suffix)
    path.write_bytes(path.read_bytes()[:-30])
    with pytest.raises(ValueError, match=r"`data_dir` must be .*IDX file.*received "
                                         r".*train-images-idx3-ubyte"):
        data.load_arrays("mnist", data_dir=tmp_path)


def test_wrong_magic_in_data_dir(tmp_path):
    fake_mnist(tmp_path)
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.zeros(3, np.uint8))  # a labels file
    with pytest.raises(ValueError, match=r"`data_dir` must be an IDX file with magic number 2051"
                                         r".*received .*t10k-images.*magic number is 2049"):
        data.load_arrays("mnist", "test", data_dir=tmp_path)


def test_count_mismatch(tmp_path):
    fake_mnist(tmp_path)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.zeros(4, np.uint8))
    with pytest.raises(ValueError, match=r"`data_dir` must be image and label files with one label "
                                         r"per image; received 3 images .* but 4 labels"):
        data.load_arrays("mnist", "test", data_dir=tmp_path)


def test_wrong_image_size_and_bad_labels(tmp_path):
    fake_mnist(tmp_path)
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.zeros((3, 8, 8), np.uint8))
    with pytest.raises(ValueError, match=r"`data_dir` must be mnist images of shape \(28, 28\)"):
        data.load_arrays("mnist", "test", data_dir=tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.full(6, 10, np.uint8))
    with pytest.raises(ValueError, match=r"`data_dir` must be labels in \[0, 9\]"):
        data.load_arrays("mnist", "train", data_dir=tmp_path)


def test_tfds_fallback_is_used_only_when_files_are_missing(tmp_path, monkeypatch):
    calls = []

    def fake_tfds(name, split, data_dir):
        calls.append((name, split, data_dir))
        return np.zeros((2, 28, 28, 1), np.uint8), np.array([3, 4], np.int32)

    monkeypatch.setattr(images_module, "_load_from_tfds", fake_tfds)
    x, y = data.load_arrays("mnist", "test", data_dir=tmp_path)
    assert x.shape == (2, 28, 28, 1) and y.tolist() == [3, 4]
    assert calls == [("mnist", "test", tmp_path)]
    fake_mnist(tmp_path)
    assert len(data.load_arrays("mnist", "test", data_dir=tmp_path)[1]) == 3
    assert len(calls) == 1


def test_tfds_fallback_never_downloads(tmp_path):
    assert images_module._load_from_tfds("mnist", "train", tmp_path) is None
    (tmp_path / "mnist").mkdir()  # a TFDS folder that is not prepared
    assert images_module._load_from_tfds("mnist", "train", tmp_path) is None
    assert os.listdir(tmp_path / "mnist") == []


# ---------------------------------------------------------------- load()


def _labels(dataset):
    return np.concatenate([np.atleast_1d(y.numpy()) for _, y in dataset])


def test_load_pairs_and_batches():
    dataset = data.load("digits", "test", batch_size=64)
    spec_x, spec_y = dataset.element_spec
    assert spec_x.shape.as_list() == [None, 8, 8, 1] and spec_x.dtype == tf.uint8
    assert spec_y.shape.as_list() == [None] and spec_y.dtype == tf.int32
    sizes = [int(x.shape[0]) for x, _ in dataset]
    assert sizes == [64] * 5 + [40]
    dropped = data.load("digits", "test", batch_size=64, drop_remainder=True)
    assert dropped.element_spec[0].shape.as_list() == [64, 8, 8, 1]
    assert len(list(dropped)) == 5


def test_load_unbatched_and_images_only():
    x, y = next(iter(data.load("digits", shuffle=False)))
    assert x.shape == (8, 8, 1) and x.dtype == tf.uint8 and y.shape == () and y.dtype == tf.int32
    images = data.load("digits", "test", batch_size=10, with_labels=False)
    assert isinstance(images.element_spec, tf.TensorSpec)
    assert next(iter(images)).shape == (10, 8, 8, 1)


def test_shuffle_defaults_seed_and_reshuffle():
    _, train_y = data.load_arrays("digits", "train")
    _, test_y = data.load_arrays("digits", "test")
    np.testing.assert_array_equal(_labels(data.load("digits", "test", batch_size=50)), test_y)
    np.testing.assert_array_equal(_labels(data.load("digits", shuffle=False)), train_y)
    shuffled = data.load("digits", batch_size=100, seed=3)
    first, second = _labels(shuffled), _labels(shuffled)
    assert not np.array_equal(first, train_y) and not np.array_equal(first, second)
    np.testing.assert_array_equal(np.sort(first), np.sort(train_y))
    np.testing.assert_array_equal(_labels(data.load("digits", batch_size=100, seed=3)), first)
    other = _labels(data.load("digits", batch_size=100, seed=4))
    assert not np.array_equal(other, first)


def test_repeat_and_max_examples():
    dataset = data.load("digits", batch_size=4, repeat=True, max_examples=10)
    sizes = [int(x.shape[0]) for x, _ in dataset.take(7)]
    assert sizes == [4, 4, 2, 4, 4, 2, 4]  # batches never straddle two passes
    assert len(list(data.load("digits", max_examples=10))) == 10


@pytest.mark.parametrize("bad", [0, -3, 2.5, "8", True])
def test_bad_batch_size(bad):
    with pytest.raises(ValueError, match=r"`batch_size` must be a positive integer; received"):
        data.load("digits", batch_size=bad)


def test_batch_larger_than_data_with_drop_remainder():
    with pytest.raises(ValueError, match=r"`batch_size` must be at most 5.*received 8 with "
                                         r"drop_remainder=True"):
        data.load("digits", batch_size=8, drop_remainder=True, max_examples=5)


@pytest.mark.parametrize("bad", ["validation", "TRAIN", None, "t10k"])
def test_bad_split(bad):
    with pytest.raises(ValueError, match=r"`split` must be one of 'train', 'test'; received"):
        data.load_arrays("digits", split=bad)
    with pytest.raises(ValueError, match=r"`split` must be one of 'train', 'test'"):
        data.load("mnist", split=bad)


@pytest.mark.parametrize("bad", [0, -1, 1.5, "10", False])
def test_bad_max_examples(bad):
    with pytest.raises(ValueError, match=r"`max_examples` must be a positive integer; received"):
        data.load_arrays("digits", max_examples=bad)
    with pytest.raises(ValueError, match=r"`max_examples` must be a positive integer"):
        data.load("mnist", max_examples=bad)  # checked before looking for any file


@pytest.mark.parametrize("argument", ["shuffle", "repeat", "drop_remainder", "with_labels"])
def test_bad_flags(argument):
    with pytest.raises(ValueError, match=rf"`{argument}` must be True or False; received 'yes'"):
        data.load("digits", **{argument: "yes"})


def test_bad_seed():
    with pytest.raises(ValueError, match=r"`seed` must be a non-negative integer; received -1"):
        data.load("digits", seed=-1)
