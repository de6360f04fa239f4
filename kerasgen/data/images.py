"""Image datasets as NumPy arrays or ``tf.data`` pipelines: digits, MNIST, Fashion-MNIST.

* ``digits``: scikit-learn's ``load_digits()`` (1797 images 8x8, values 0..16); needs no
  files. It has no official split, so a fixed one is used: the examples are permuted with
  ``np.random.RandomState(0).permutation(1797)``; the last 360 of that order are ``"test"``,
  the first 1437 ``"train"`` (both kept in the permuted order).
* ``mnist`` and ``fashion_mnist``: the original IDX files ``train-images-idx3-ubyte``,
  ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``
  (each ``.gz`` or uncompressed), found from ``data_dir`` or ``$KERASGEN_DATA_DIR``: either a
  parent folder with ``mnist/`` and ``fashion_mnist/`` subfolders or the dataset's folder
  itself. ``"test"`` is the ``t10k`` files. If the files are not there but TensorFlow Datasets
  already has the dataset prepared on disk, that copy is used; nothing is ever downloaded.

Pixels stay in the data's own integer range (``num_levels`` values, as uint8); labels are int32::

    >>> from kerasgen import data
    >>> images, labels = data.load_arrays("digits", split="test")
    >>> images.shape, images.dtype.name, int(images.max()), labels.dtype.name
    ((360, 8, 8, 1), 'uint8', 16, 'int32')
    >>> batch_images, batch_labels = next(iter(data.load("digits", batch_size=32)))
    >>> tuple(batch_images.shape), batch_images.dtype.name, tuple(batch_labels.shape)
    ((32, 8, 8, 1), 'uint8', (32,))
"""

import dataclasses
import os

import numpy as np
import tensorflow as tf

from kerasgen.data.folders import data_folder, prepared_tfds_builder
from kerasgen.data.idx import IMAGES_MAGIC, LABELS_MAGIC, read_idx
from kerasgen.utils.validation import (
    check_choice, check_non_negative_int, check_positive_int, fail)

SPLITS = ("train", "test")
DIGITS_TEST_SIZE = 360
DIGITS_SPLIT_SEED = 0


@dataclasses.dataclass(frozen=True)
class ImageDatasetInfo:
    """What a model needs to know about an image dataset.

    ``num_levels`` is the number of integer pixel values (pixels lie in
    ``[0, num_levels - 1]``); ``image_shape`` is ``(height, width, channels)``.
    """

    name: str
    image_shape: tuple
    num_levels: int
    num_classes: int
    description: str


IMAGE_DATASETS = {
    "digits": ImageDatasetInfo(
        "digits", (8, 8, 1), 17, 10,
        "scikit-learn handwritten digits: 1797 images 8x8, values 0..16 "
        f"(fixed split: {1797 - DIGITS_TEST_SIZE} train, {DIGITS_TEST_SIZE} test)."),
    "mnist": ImageDatasetInfo(
        "mnist", (28, 28, 1), 256, 10,
        "MNIST handwritten digits: 60000 train and 10000 test images 28x28, values 0..255."),
    "fashion_mnist": ImageDatasetInfo(
        "fashion_mnist", (28, 28, 1), 256, 10,
        "Fashion-MNIST Zalando clothing: 60000 train and 10000 test images 28x28, "
        "values 0..255; classes: T-shirt/top, trouser, pullover, dress, coat, sandal, "
        "shirt, sneaker, bag, ankle boot."),
}

# Base names of the IDX files per split (each may also end in ".gz").
_IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
_FILE_DATASETS = ("mnist", "fashion_mnist")


def list_datasets():
    """Names of the known image datasets, e.g. ``['digits', 'mnist', 'fashion_mnist']``."""
    return list(IMAGE_DATASETS)


def dataset_info(name):
    """The :class:`ImageDatasetInfo` of dataset ``name``; ValueError listing the known ones."""
    if not isinstance(name, str) or name not in IMAGE_DATASETS:
        fail("name", repr(name), "one of " + ", ".join(repr(n) for n in IMAGE_DATASETS))
    return IMAGE_DATASETS[name]


def _check_bool(name, value):
    if not isinstance(value, (bool, np.bool_)):
        fail(name, repr(value), "True or False")
    return bool(value)


def _find_file(folder, base):
    for candidate in (base + ".gz", base):
        path = os.path.join(folder, candidate)
        if os.path.isfile(path):
            return path
    return None


def _holds_files(folder):
    return os.path.isdir(folder) and any(
        _find_file(folder, base) for pair in _IDX_FILES.values() for base in pair)


def _expected_files():
    return ", ".join(f"{base}[.gz]" for pair in _IDX_FILES.values() for base in pair)


def resolve_data_dir(name, data_dir=None):
    """The folder holding dataset ``name``'s IDX files.

    ``data_dir`` (else ``$KERASGEN_DATA_DIR``) is either a parent folder with one subfolder
    per dataset (``DIR/mnist/``, ``DIR/fashion_mnist/``) or the dataset's folder itself. As
    MNIST and Fashion-MNIST use the same file names, a folder named after another dataset
    (e.g. ``.../mnist`` when asking for ``fashion_mnist``) is refused. Returns ``None`` for
    ``digits``, which needs no files::

        >>> resolve_data_dir("digits") is None
        True
    """
    dataset_info(name)
    if name not in _FILE_DATASETS:
        return None
    expected = (f"a folder holding the {name} IDX files ({_expected_files()}) "
                f"or a parent folder with a '{name}/' subfolder holding them")
    folder, origin = data_folder(data_dir, expected)

    subfolder = os.path.join(folder, name)
    if _holds_files(subfolder):
        return subfolder
    if _holds_files(folder):
        base = os.path.basename(os.path.normpath(folder))
        if base != name and base in _FILE_DATASETS:
            fail("data_dir", f"{folder!r}{origin}, the folder of dataset {base!r}", expected)
        return folder
    fail("data_dir", f"{folder!r}{origin}, which has neither a '{name}/' subfolder with "
         f"the files nor the files themselves", expected)


def _load_digits(split):
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = digits.images.astype(np.uint8)[..., np.newaxis]
    labels = digits.target.astype(np.int32)
    order = np.random.RandomState(DIGITS_SPLIT_SEED).permutation(len(labels))
    index = order[:-DIGITS_TEST_SIZE] if split == "train" else order[-DIGITS_TEST_SIZE:]
    return images[index], labels[index]


def _load_from_tfds(name, split, data_dir):
    """``(images, labels)`` from a TFDS copy already prepared on disk
    (`prepared_tfds_builder`), else ``None``."""
    builder = prepared_tfds_builder(name, data_dir)
    if builder is None:
        return None
    try:
        import tensorflow_datasets as tfds

        images, labels = tfds.as_numpy(
            builder.as_dataset(split=split, batch_size=-1, as_supervised=True))
    except Exception:  # noqa: BLE001 - a broken TFDS copy is just "not found"
        return None
    images = np.asarray(images, dtype=np.uint8)
    if images.ndim != 4 or tuple(images.shape[1:]) != IMAGE_DATASETS[name].image_shape:
        return None
    return images, np.asarray(labels, dtype=np.int32)


def _load_idx_dataset(info, split, data_dir):
    try:
        folder = resolve_data_dir(info.name, data_dir)
    except ValueError:
        arrays = _load_from_tfds(info.name, split, data_dir)
        if arrays is None:
            raise
        return arrays
    image_base, label_base = _IDX_FILES[split]
    image_path, label_path = _find_file(folder, image_base), _find_file(folder, label_base)
    if image_path is None or label_path is None:
        missing = [base for base, path in ((image_base, image_path), (label_base, label_path))
                   if path is None]
        fail("data_dir", f"{folder!r}, which lacks {' and '.join(missing)}[.gz]",
             f"a folder holding {image_base}[.gz] and {label_base}[.gz] for split {split!r}")

    labels = read_idx(label_path, name="data_dir", expected_magic=LABELS_MAGIC)
    images = read_idx(image_path, name="data_dir", expected_magic=IMAGES_MAGIC)
    height, width, channels = info.image_shape
    if images.shape[1:] != (height, width):
        fail("data_dir", f"{image_path!r}, which holds images of shape {images.shape[1:]}",
             f"{info.name} images of shape ({height}, {width})")
    if len(images) != len(labels):
        fail("data_dir", f"{len(images)} images in {image_path!r} but {len(labels)} labels "
             f"in {label_path!r}", "image and label files with one label per image")
    if len(labels) == 0:
        fail("data_dir", f"{image_path!r}, which holds no images", "at least one example")
    if labels.max() >= info.num_classes:
        fail("data_dir", f"{label_path!r}, which holds labels up to {labels.max()}",
             f"labels in [0, {info.num_classes - 1}]")
    return images.reshape((-1, height, width, channels)), labels.astype(np.int32)


def load_arrays(name, split="train", data_dir=None, max_examples=None):
    """``(images, labels)`` of one split as NumPy arrays.

    Args:
        name: a dataset of :func:`list_datasets`.
        split: ``"train"`` or ``"test"``.
        data_dir: folder of the IDX files (see :func:`resolve_data_dir`); unused by ``digits``.
        max_examples: keep only this many first examples (``None``: all).

    Returns:
        images ``uint8 [N, H, W, C]`` with values in ``[0, num_levels - 1]`` and labels
        ``int32 [N]`` in ``[0, num_classes - 1]``.
    """
    info = dataset_info(name)
    check_choice("split", split, SPLITS)
    if max_examples is not None:
        max_examples = check_positive_int("max_examples", max_examples)
    if name in _FILE_DATASETS:
        images, labels = _load_idx_dataset(info, split, data_dir)
    else:
        images, labels = _load_digits(split)
    if max_examples is not None and max_examples < len(labels):
        images, labels = images[:max_examples].copy(), labels[:max_examples].copy()
    return images, labels


def load(name="digits", split="train", data_dir=None, batch_size=None, shuffle=None, seed=0,
         max_examples=None, repeat=False, drop_remainder=False, with_labels=True):
    """A ``tf.data.Dataset`` of ``(image, label)`` pairs, or of images if not ``with_labels``.

    Images are uint8 ``[H, W, C]`` in the data's own range, labels int32 scalars (both gain a
    leading batch axis when ``batch_size`` is given). ``shuffle`` defaults to ``True`` for
    ``"train"`` and ``False`` for ``"test"``; it uses the whole split as buffer, seeded by
    ``seed`` (``None``: unseeded) and reshuffled at each pass. The order is shuffle, batch,
    repeat (forever if ``repeat``), prefetch, so batches never straddle two passes.
    ``drop_remainder`` only matters with ``batch_size``.
    """
    dataset_info(name)
    check_choice("split", split, SPLITS)
    if batch_size is not None:
        batch_size = check_positive_int("batch_size", batch_size)
    shuffle = split == "train" if shuffle is None else _check_bool("shuffle", shuffle)
    if seed is not None:
        seed = check_non_negative_int("seed", seed)
    if max_examples is not None:
        check_positive_int("max_examples", max_examples)
    repeat = _check_bool("repeat", repeat)
    drop_remainder = _check_bool("drop_remainder", drop_remainder)
    with_labels = _check_bool("with_labels", with_labels)

    images, labels = load_arrays(name, split, data_dir, max_examples)
    count = len(labels)
    if count == 0:
        fail("name", f"{name!r}, whose {split!r} split is empty", "a dataset with examples")
    if batch_size is not None and drop_remainder and batch_size > count:
        fail("batch_size", f"{batch_size} with drop_remainder=True",
             f"at most {count}, the number of examples, so that one batch remains")

    dataset = tf.data.Dataset.from_tensor_slices((images, labels) if with_labels else images)
    if shuffle:
        dataset = dataset.shuffle(count, seed=seed, reshuffle_each_iteration=True)
    if batch_size is not None:
        dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)
    if repeat:
        dataset = dataset.repeat()
    return dataset.prefetch(tf.data.AUTOTUNE)
