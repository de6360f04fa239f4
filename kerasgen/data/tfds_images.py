"""Any image dataset that TensorFlow Datasets has prepared on disk: ``tfds:NAME``.

    load("tfds:cifar10", data_dir="~/tensorflow_datasets")     # its train/test, its labels
    load("tfds:celeb_a", image_size=64)                        # 218x178 -> centre crop 64x64

``NAME`` is what ``tfds.builder`` takes (``cifar10``, ``celeb_a``, ``name/config:1.0.0``). The
copy is looked up in ``data_dir`` (else ``$TFDS_DATA_DIR``, then ``~/tensorflow_datasets``);
nothing is ever downloaded: a dataset that is not prepared there is a ``ValueError`` saying
how to prepare it. Datasets written by TFDS whose code is not installed (a user's own
builder) are read from their files alone (TFDS's read-only builder).

The image is the dataset's first ``Image`` feature (the first of its supervised keys when they
name one); the label is its ``ClassLabel`` (the supervised label, else a feature named
``label``), or none. The ``"test"`` split is ``test``, else ``validation``; a dataset with only
``train`` holds out its last ``test_fraction`` (TFDS split slicing). Images go through the same
conversion as image folders (`kerasgen.data.image_folder.prepare_image`): transparency on
white, 1 or 3 channels, resized with the aspect ratio kept; left at their own size and
channels when ``image_size`` and ``channels`` are not given.
"""

import dataclasses
import os

import numpy as np
import tensorflow as tf

from kerasgen.data import image_folder
from kerasgen.utils.validation import fail

PREFIX = "tfds:"


def is_tfds_name(name):
    return isinstance(name, str) and name.startswith(PREFIX) and len(name) > len(PREFIX)


@dataclasses.dataclass(frozen=True)
class TfdsImages:
    """A prepared TFDS image dataset: its builder, feature keys, splits and native shape."""

    name: str
    builder: object
    image_key: str
    label_key: str
    class_names: tuple
    splits: dict  # "train" / "test" -> a TFDS split string
    native_shape: tuple  # (H or None, W or None, C)

    @property
    def num_classes(self):
        return len(self.class_names) or None

    def count(self, split):
        return int(self.builder.info.splits[self.splits[split]].num_examples)

    def _raw(self, split):
        return self.builder.as_dataset(split=self.splits[split], shuffle_files=False)


def _root(data_dir):
    root = data_dir or os.environ.get("TFDS_DATA_DIR") or os.path.join("~", "tensorflow_datasets")
    return os.path.expanduser(os.fspath(root))


def open_tfds(name, data_dir=None, test_fraction=0.1):
    """The :class:`TfdsImages` of ``tfds:NAME``, or a ValueError naming ``name`` / ``data_dir``."""
    import tensorflow_datasets as tfds

    dataset = name[len(PREFIX):]
    root = _root(data_dir)
    how = (f"a TFDS dataset prepared under {root!r} (kerasgen never downloads: run "
           f"`tfds build {dataset} --data_dir {root}` on a machine with internet, then copy "
           "the folder)")
    try:
        builder = tfds.builder(dataset, data_dir=root)
        prepared = builder.is_prepared()
    except Exception as error:  # noqa: BLE001 - TFDS raises many kinds for "not there"
        fail("data", f"{name!r}, which TFDS cannot open ({type(error).__name__})", how)
    if not prepared:
        fail("data", f"{name!r}, which is not prepared under {root!r}", how)
    features = builder.info.features
    images = [key for key, feature in features.items()
              if isinstance(feature, tfds.features.Image)]
    if not images:
        fail("data", f"{name!r}, whose features ({', '.join(features)}) hold no Image",
             "a TFDS dataset with an Image feature")
    supervised = builder.info.supervised_keys or ()
    image_key = supervised[0] if supervised and supervised[0] in images else images[0]
    candidates = [supervised[1]] if len(supervised) == 2 and isinstance(supervised[1], str) \
        else []
    labels = [key for key in candidates + ["label"]
              if key in features and isinstance(features[key], tfds.features.ClassLabel)]
    label_key = labels[0] if labels else None
    class_names = tuple(features[label_key].names) if label_key else ()
    available = set(builder.info.splits)
    if "train" not in available:
        fail("data", f"{name!r}, whose splits are {sorted(available)}",
             "a dataset with a 'train' split")
    if "test" in available:
        splits = {"train": "train", "test": "test"}
    elif "validation" in available:
        splits = {"train": "train", "test": "validation"}
    else:
        kept = int(round(100 * (1 - test_fraction)))
        splits = {"train": f"train[:{kept}%]", "test": f"train[{kept}%:]"}
    shape = tuple(features[image_key].shape)
    return TfdsImages(name, builder, image_key, label_key, class_names, splits, shape)


def image_shape(source, image_size=None, channels=None):
    """``(height, width, channels)`` the dataset's images take after conversion."""
    height, width, native_channels = source.native_shape
    if image_size is None and (height is None or width is None):
        fail("image_size", "None", f"a size for {source.name}, whose images vary in size")
    height, width = image_folder.check_image_size("image_size", image_size) \
        if image_size is not None else (height, width)
    return height, width, int(channels or (1 if native_channels == 1 else 3))


def tfds_dataset(source, split, image_size=None, channels=None, aspect_ratio="crop",
                 shuffle=False, seed=0, max_examples=None):
    """Unbatched ``(uint8 image, int32 label)`` pairs (label -1 when the data has none)."""
    height, width, channels = image_shape(source, image_size, channels)
    image_folder.check_conversion((height, width), channels, aspect_ratio)
    dataset = source._raw(split)
    if max_examples is not None:
        dataset = dataset.take(max_examples)

    def convert(example):
        image = image_folder.prepare_image(example[source.image_key], (height, width),
                                           channels, aspect_ratio)
        label = tf.cast(example[source.label_key], tf.int32) if source.label_key \
            else tf.constant(-1, tf.int32)
        return image, label

    dataset = dataset.map(convert, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    if shuffle:
        dataset = dataset.shuffle(10_000, seed=seed, reshuffle_each_iteration=True)
    return dataset


def tfds_arrays(source, split, image_size=None, channels=None, aspect_ratio="crop",
                max_examples=None):
    """``(images uint8 [N, H, W, C], labels int32 [N])`` of one split, in the dataset's order."""
    shape = image_shape(source, image_size, channels)
    images, labels = [np.zeros([0, *shape], np.uint8)], [np.zeros([0], np.int32)]
    for batch, label in tfds_dataset(source, split, image_size, channels, aspect_ratio,
                                     max_examples=max_examples).batch(256).as_numpy_iterator():
        images.append(batch)
        labels.append(label)
    return np.concatenate(images), np.concatenate(labels)
