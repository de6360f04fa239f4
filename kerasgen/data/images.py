"""Image datasets as NumPy arrays or ``tf.data`` pipelines: digits, MNIST, Fashion-MNIST,
a folder of the user's own images (``"folder"``) and prepared TFDS datasets (``"tfds:NAME"``).

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
* ``folder``: the images of ``data_dir`` (:mod:`kerasgen.data.image_folder`: class
  subfolders give labels, ``train/`` and ``test/`` the split, unreadable files are skipped),
  converted to ``image_size`` and ``channels``, 256 levels.
* ``tfds:NAME``: any image dataset TFDS has prepared on disk (:mod:`kerasgen.data.tfds_images`),
  at its own size or converted like a folder.

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
import hashlib
import json
import os

import numpy as np
import tensorflow as tf

from kerasgen.data import image_folder, tfds_images
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
    ``[0, num_levels - 1]``); ``image_shape`` is ``(height, width, channels)``;
    ``num_classes`` is None for unlabeled data; ``class_names`` name the labels when known.
    """

    name: str
    image_shape: tuple
    num_levels: int
    num_classes: int
    description: str
    class_names: tuple = ()

    data_kind = "images"  # the kind of example (`kerasgen.core.kinds.Images`)

    def model_kwargs(self):
        """What a model of these images is built with (``num_classes`` aside)."""
        return {"image_shape": tuple(self.image_shape), "num_levels": self.num_levels}


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


FOLDER = "folder"


def list_datasets():
    """Names of the built-in image datasets, e.g. ``['digits', 'mnist', 'fashion_mnist']``
    (``"folder"`` and ``"tfds:NAME"`` read the user's own data)."""
    return list(IMAGE_DATASETS)


def is_image_dataset(name):
    """Whether `name` names image data: a built-in dataset, ``"folder"`` or ``"tfds:NAME"``."""
    return name in IMAGE_DATASETS or name == FOLDER or tfds_images.is_tfds_name(name)


def _check_name(name):
    if not isinstance(name, str) or not is_image_dataset(name):
        fail("name", repr(name), "one of " + ", ".join(repr(n) for n in IMAGE_DATASETS)
             + f", {FOLDER!r} (with data_dir) or 'tfds:NAME'")
    return name


@dataclasses.dataclass(frozen=True)
class ImageOptions:
    """How a folder or TFDS dataset is read: see :func:`load`. The built-in datasets take
    none of these (they keep their own size)."""

    image_size: object = None
    channels: object = None
    aspect_ratio: str = "crop"
    test_fraction: float = 0.1
    split_seed: int = 0


class _ArraySource:
    """A built-in dataset (digits, MNIST, Fashion-MNIST): arrays in memory."""

    def __init__(self, name, data_dir, options):
        if options != ImageOptions():
            changed = [f.name for f in dataclasses.fields(ImageOptions)
                       if getattr(options, f.name) != f.default]
            fail(changed[0], repr(getattr(options, changed[0])),
                 f"left out for {name!r}, which keeps its own size ({FOLDER!r} and "
                 "'tfds:NAME' data take it)")
        self.info = IMAGE_DATASETS[name]
        self.name, self.data_dir = name, data_dir

    def fingerprint(self):
        return self.name

    def arrays(self, split, max_examples=None):
        if self.name in _FILE_DATASETS:
            images, labels = _load_idx_dataset(self.info, split, self.data_dir)
        else:
            images, labels = _load_digits(split)
        if max_examples is not None and max_examples < len(labels):
            images, labels = images[:max_examples].copy(), labels[:max_examples].copy()
        return images, labels

    def dataset(self, split, shuffle, seed, max_examples):
        images, labels = self.arrays(split, max_examples)
        dataset = tf.data.Dataset.from_tensor_slices((images, labels))
        if shuffle:
            dataset = dataset.shuffle(len(labels), seed=seed, reshuffle_each_iteration=True)
        return dataset, len(labels)


class _FolderSource:
    """The user's image folder (`kerasgen.data.image_folder`)."""

    def __init__(self, name, data_dir, options):
        if data_dir is None:
            fail("data_dir", "None", f"the folder of images to read for {FOLDER!r}")
        self.scan = image_folder.scan_image_folder(data_dir, options.test_fraction,
                                                   options.split_seed)
        size = image_folder.check_image_size(
            "image_size", 32 if options.image_size is None else options.image_size)
        self.conversion = image_folder.check_conversion(
            size, 3 if options.channels is None else options.channels, options.aspect_ratio)
        (height, width), channels, _ = self.conversion
        self.info = ImageDatasetInfo(
            FOLDER, (height, width, channels), 256, self.scan.num_classes,
            f"images of {self.scan.directory} ({self.scan.count('train')} train, "
            f"{self.scan.count('test')} test, {len(self.scan.class_names) or 'no'} classes)",
            self.scan.class_names)

    def fingerprint(self):
        return "folder-" + _digest(self.scan.fingerprint, self.conversion)

    def arrays(self, split, max_examples=None):
        return image_folder.folder_arrays(self.scan, split, *self.conversion, max_examples)

    def dataset(self, split, shuffle, seed, max_examples):
        dataset = image_folder.folder_dataset(self.scan, split, *self.conversion,
                                              shuffle=shuffle, seed=seed,
                                              max_examples=max_examples)
        return dataset, len(self.scan.splits[split][0][:max_examples])


class _TfdsSource:
    """A prepared TFDS dataset (`kerasgen.data.tfds_images`)."""

    def __init__(self, name, data_dir, options):
        if options.split_seed != 0:
            fail("split_seed", repr(options.split_seed),
                 "left out for TFDS data (a train-only dataset holds out its last part)")
        self.source = tfds_images.open_tfds(name, data_dir, options.test_fraction)
        shape = tfds_images.image_shape(self.source, options.image_size, options.channels)
        self.conversion = image_folder.check_conversion(shape[:2], shape[2],
                                                        options.aspect_ratio)
        self.options = options
        self.info = ImageDatasetInfo(name, shape, 256, self.source.num_classes,
                                     f"TFDS {name[len(tfds_images.PREFIX):]}",
                                     self.source.class_names)

    def fingerprint(self):
        counts = [self.source.count(split) for split in SPLITS]
        return "tfds-" + _digest(self.source.name, self.source.splits, counts, self.conversion,
                                 self.source.builder.data_dir)

    def arrays(self, split, max_examples=None):
        return tfds_images.tfds_arrays(self.source, split, *self.conversion, max_examples)

    def dataset(self, split, shuffle, seed, max_examples):
        dataset = tfds_images.tfds_dataset(self.source, split, *self.conversion,
                                           shuffle=shuffle, seed=seed,
                                           max_examples=max_examples)
        count = self.source.count(split)
        return dataset, count if max_examples is None else min(count, max_examples)


def _digest(*parts):
    text = json.dumps(parts, sort_keys=True, default=str)  # the same in every process
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def open_images(name, data_dir=None, options=None):
    """The source object behind :func:`load`, :func:`load_arrays` and :func:`dataset_info`
    (a folder is scanned once here): its ``info``, ``arrays(split, max_examples)`` and
    ``fingerprint()``, a file-name-safe key that changes with the data and how it is read
    (a built-in dataset's name; a hash of a folder's files and the size, channels and crop),
    what caches of things learnt from the data (`kerasgen.evaluation.get_classifier`) are
    keyed on."""
    options = options or ImageOptions()
    _check_name(name)
    if name == FOLDER:
        return _FolderSource(name, data_dir, options)
    if tfds_images.is_tfds_name(name):
        return _TfdsSource(name, data_dir, options)
    return _ArraySource(name, data_dir, options)


def dataset_info(name, data_dir=None, **options):
    """The :class:`ImageDatasetInfo` of dataset ``name``; ValueError listing the known ones.
    A folder (``data_dir``) or TFDS dataset takes the options of :func:`load`."""
    _check_name(name)
    if name in IMAGE_DATASETS and not options:
        return IMAGE_DATASETS[name]
    return open_images(name, data_dir, ImageOptions(**options)).info


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


def load_arrays(name, split="train", data_dir=None, max_examples=None, **options):
    """``(images, labels)`` of one split as NumPy arrays.

    Args:
        name: a dataset of :func:`list_datasets`, ``"folder"`` or ``"tfds:NAME"``.
        split: ``"train"`` or ``"test"``.
        data_dir: folder of the IDX files (see :func:`resolve_data_dir`), the image folder,
            or the TFDS data folder; unused by ``digits``.
        max_examples: keep only this many first examples (``None``: all).
        **options: for a folder or TFDS dataset, those of :func:`load`.

    Returns:
        images ``uint8 [N, H, W, C]`` with values in ``[0, num_levels - 1]`` and labels
        ``int32 [N]`` in ``[0, num_classes - 1]`` (-1 for unlabeled data).
    """
    _check_name(name)
    check_choice("split", split, SPLITS)
    if max_examples is not None:
        max_examples = check_positive_int("max_examples", max_examples)
    return open_images(name, data_dir, ImageOptions(**options)).arrays(split, max_examples)


def load(name="digits", split="train", data_dir=None, batch_size=None, shuffle=None, seed=0,
         max_examples=None, repeat=False, drop_remainder=False, with_labels=None,
         image_size=None, channels=None, aspect_ratio="crop", test_fraction=0.1,
         split_seed=0):
    """A ``tf.data.Dataset`` of ``(image, label)`` pairs, or of images if not ``with_labels``.

    Images are uint8 ``[H, W, C]`` in the data's own range, labels int32 scalars (both gain a
    leading batch axis when ``batch_size`` is given). ``shuffle`` defaults to ``True`` for
    ``"train"`` and ``False`` for ``"test"``; it uses the whole split as buffer, seeded by
    ``seed`` (``None``: unseeded) and reshuffled at each pass. The order is shuffle, batch,
    repeat (forever if ``repeat``), prefetch, so batches never straddle two passes.
    ``drop_remainder`` only matters with ``batch_size``. ``with_labels`` defaults to whether
    the data has labels (an unlabeled folder gives images only).

    A folder (``name="folder"``, ``data_dir=DIR``) or TFDS dataset also takes:
        image_size: ``(height, width)`` or one int (a folder's default: 32; TFDS: its own).
        channels: 1 (grayscale) or 3 (RGB; a folder's default; TFDS: its own).
        aspect_ratio: ``"crop"`` (centre crop, the default) or ``"pad"`` (white bars).
        test_fraction: share of each class held out as ``"test"`` when a folder has no
            ``train/`` and ``test/`` subfolders (TFDS: of a dataset with only ``train``).
        split_seed: seed of a folder's held-out split.

    Example:
        >>> ds = load("digits", "test", batch_size=100)
        >>> [tuple(images.shape) for images, _ in ds]
        [(100, 8, 8, 1), (100, 8, 8, 1), (100, 8, 8, 1), (60, 8, 8, 1)]
    """
    _check_name(name)
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
    source = open_images(name, data_dir, ImageOptions(image_size, channels, aspect_ratio,
                                                      test_fraction, split_seed))
    labelled = source.info.num_classes is not None
    with_labels = labelled if with_labels is None else _check_bool("with_labels", with_labels)
    if with_labels and not labelled:
        fail("with_labels", "True", f"False or None: {name!r} at {data_dir!r} has no labels "
             "(no class subfolders)")

    dataset, count = source.dataset(split, shuffle, seed, max_examples)
    if count == 0:
        fail("name", f"{name!r}, whose {split!r} split is empty", "a dataset with examples")
    if batch_size is not None and drop_remainder and batch_size > count:
        fail("batch_size", f"{batch_size} with drop_remainder=True",
             f"at most {count}, the number of examples, so that one batch remains")
    if not with_labels:
        dataset = dataset.map(lambda image, label: image)
    if batch_size is not None:
        dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)
    if repeat:
        dataset = dataset.repeat()
    return dataset.prefetch(tf.data.AUTOTUNE)
