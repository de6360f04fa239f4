"""A folder of the user's own pictures as an image dataset: scanned once, decoded in parallel.

Layout (the one ``keras.utils.image_dataset_from_directory`` reads, plus splits)::

    DIR/cat/001.png  DIR/dog/x.JPG ...          one subfolder per class: labels 0..K-1 in
                                                 alphanumeric order of the folder names
    DIR/a.png DIR/b.jpeg ...                    a flat folder: unlabeled
    DIR/train/<class>/... DIR/test/<class>/...  ``train/`` and ``test/`` are the split

Files ending in ``.png .jpg .jpeg .bmp .gif`` (any letter case) count, also deeper inside a
class folder. Without ``train/`` and ``test/`` folders, ``test_fraction`` of each class (files
sorted by name, permuted by ``split_seed``) is held out as ``"test"``; the split is drawn over
every candidate file before the scan drops unreadable ones, so a broken file moves no other.

The scan (:func:`scan_image_folder`) decodes every file once with TensorFlow's own decoder,
the one training uses, and skips (naming each, then a count) what does not decode: truncated
files, files that are not images. Its result is cached in ``$KERASGEN_CACHE_DIR`` (default
``~/.cache/kerasgen``) by path, size and modification time, so a second run decodes only new
or changed files. No readable image is a ``ValueError`` naming ``data_dir``.

Every image is then converted the same way (:func:`prepare_image`), inside the ``tf.data``
pipeline (parallel decoding, an in-memory cache of the converted images when they fit):

    rgba  = decode(file)                 gray, gray+alpha, RGB and RGBA files alike
    rgb   = rgba * a + 255 * (1 - a)      a = alpha / 255: transparency composited on white
    image = rgb, or its luma (ITU-R 601) for channels=1
    image = resize(image, (H, W))         bilinear with antialiasing, the aspect ratio kept by a
                                          centre crop ("crop") or white bars ("pad")
    uint8 levels 0..255 (rounded)

Example (a made-up folder of two classes):

    >>> import os, tempfile
    >>> import numpy as np
    >>> from PIL import Image
    >>> root = tempfile.mkdtemp()
    >>> for name in ("red", "blue"):
    ...     os.makedirs(os.path.join(root, name))
    ...     for i in range(5):
    ...         pixels = np.zeros([12, 16, 3], np.uint8)
    ...         pixels[..., 0 if name == "red" else 2] = 255
    ...         Image.fromarray(pixels).save(os.path.join(root, name, f"{i}.png"))
    >>> os.environ["KERASGEN_CACHE_DIR"] = tempfile.mkdtemp()
    >>> scan = scan_image_folder(root)
    >>> scan.class_names, scan.count("train"), scan.count("test")
    (('blue', 'red'), 8, 2)
    >>> images, labels = folder_arrays(scan, "train", image_size=(8, 8), channels=3)
    >>> images.shape, images.dtype.name, sorted(labels.tolist())
    ((8, 8, 8, 3), 'uint8', [0, 0, 0, 0, 1, 1, 1, 1])
    >>> [images[labels == 0][0, 0, 0].tolist(), images[labels == 1][0, 0, 0].tolist()]
    [[0, 0, 255], [255, 0, 0]]
"""

import concurrent.futures
import dataclasses
import hashlib
import json
import math
import os
import pathlib
import sys

import numpy as np
import tensorflow as tf

from kerasgen.data.folders import check_folder
from kerasgen.utils.files import write_whole
from kerasgen.utils.validation import (
    check_choice, check_non_negative_int, check_positive_int, check_probability, fail)

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
ASPECT_RATIOS = ("crop", "pad")
CHANNELS = (1, 3)
SPLIT_FOLDERS = ("train", "test")
CACHE_ENV = "KERASGEN_CACHE_DIR"
# Converted images are kept in memory (tf.data cache) when they take at most this many bytes.
MEMORY_CACHE_BYTES = 1 << 30
_SCAN_FORMAT = 1


def is_image_file(name):
    return name.lower().endswith(IMAGE_EXTENSIONS)


@dataclasses.dataclass(frozen=True)
class FolderScan:
    """What :func:`scan_image_folder` found in ``directory``.

    ``splits`` maps ``"train"`` / ``"test"`` to ``(paths, labels)``: readable image paths
    (in a fixed order shuffled by ``split_seed``) and int32 labels (-1 everywhere for an unlabeled folder). ``skipped`` holds
    ``(path, reason)`` of every file that did not decode; ``shapes`` the decoded
    ``(height, width, channels)`` of every readable file.
    """

    directory: str
    class_names: tuple
    splits: dict
    skipped: tuple
    shapes: dict
    split_from_folders: bool
    fingerprint: str = ""  # changes with the files (paths, sizes, times), classes and split

    @property
    def num_classes(self):
        return len(self.class_names) or None

    def count(self, split):
        return len(self.splits[split][0])


def _image_files(folder):
    """Image files below `folder` (recursive), sorted."""
    found = []
    for parent, subfolders, files in os.walk(folder):
        subfolders.sort()
        found.extend(os.path.join(parent, name) for name in sorted(files) if is_image_file(name))
    return found


def _classes_of(folder):
    """``{class name: [files]}`` of the subfolders of `folder` holding images, or ``None``
    when no subfolder does (a flat folder)."""
    classes = {}
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.is_dir() and not entry.name.startswith("."):
            files = _image_files(entry.path)
            if files:
                classes[entry.name] = files
    return classes or None


def _flat_files(folder):
    return sorted(os.path.join(folder, name) for name in os.listdir(folder)
                  if is_image_file(name) and os.path.isfile(os.path.join(folder, name)))


def _labelled(classes, class_names):
    paths, labels = [], []
    for index, name in enumerate(class_names):
        for path in classes.get(name, ()):
            paths.append(path)
            labels.append(index)
    return paths, labels


def _held_out(classes, test_fraction, split_seed):
    """Seeded per-class split of ``{class: files}``: ``(train, test)`` lists of (path, label)."""
    train, test = [], []
    for index, files in enumerate(classes.values()):
        order = np.random.RandomState([split_seed, index]).permutation(len(files))
        num_test = min(int(math.floor(test_fraction * len(files) + 0.5)), len(files) - 1)
        held = set(order[:num_test].tolist())
        for position, path in enumerate(files):
            (test if position in held else train).append((path, index))
    return train, test


def _candidates(root, test_fraction, split_seed):
    """``(class_names, {split: [(path, label)]}, from_folders)`` before decoding."""
    split_folders = [os.path.join(root, name) for name in SPLIT_FOLDERS]
    if all(os.path.isdir(folder) for folder in split_folders):
        train_classes, test_classes = (_classes_of(folder) for folder in split_folders)
        if (train_classes is None) != (test_classes is None):
            fail("data_dir", f"{root!r}, whose train/ and test/ folders are not laid out "
                 "alike (one has class subfolders, the other not)",
                 "train/ and test/ both with the same class subfolders, or both flat")
        if train_classes is None:
            return (), {split: [(p, -1) for p in _flat_files(folder)]
                        for split, folder in zip(SPLIT_FOLDERS, split_folders)}, True
        extra = sorted(set(test_classes) - set(train_classes))
        if extra:
            fail("data_dir", f"{root!r}, whose test/ has classes that train/ lacks: "
                 f"{', '.join(extra)}", "test/ classes that are all in train/")
        names = tuple(train_classes)
        return names, {"train": list(zip(*_labelled(train_classes, names))),
                       "test": list(zip(*_labelled(test_classes, names)))}, True
    classes = _classes_of(root)
    if classes is None:
        classes = {"": _flat_files(root)}
        names = ()
    else:
        names = tuple(classes)
    train, test = _held_out(classes, test_fraction, split_seed)
    if not names:
        train, test = [(p, -1) for p, _ in train], [(p, -1) for p, _ in test]
    return names, {"train": train, "test": test}, False


def _cache_path(root):
    base = os.environ.get(CACHE_ENV) or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser(os.path.join("~", ".cache")),
        "kerasgen")
    digest = hashlib.sha1(os.path.abspath(root).encode()).hexdigest()[:20]
    return pathlib.Path(base) / "image-scans" / f"{digest}.json"


def _read_cache(path):
    try:
        cached = json.loads(path.read_text())
        return cached["files"] if cached.get("format") == _SCAN_FORMAT else {}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _write_cache(path, files):
    text = json.dumps({"format": _SCAN_FORMAT, "files": files})
    try:
        write_whole(path, lambda staging: staging.write_text(text))
    except OSError:  # a cache that cannot be written only costs the next run a rescan
        pass


def _decode_once(path):
    """``[height, width, channels]`` of the image at `path`, or the decoder's error text."""
    try:
        raw = tf.io.read_file(path)
        shape = tf.io.decode_image(raw, channels=0, expand_animations=False).shape
        if shape[0] == 0 or shape[1] == 0:
            return "the image is empty"
        return [int(d) for d in shape]
    except (tf.errors.OpError, OSError) as error:
        message = getattr(error, "message", str(error))
        return " ".join(message.split("[Op:")[0].split("}}")[-1].split()) or type(error).__name__


def _decode_all(paths, cached):
    """``{path: [h, w, c] or error}``, decoding only what the cache does not know."""
    results, todo = {}, []
    for path in paths:
        stat = os.stat(path)
        key = [stat.st_size, stat.st_mtime_ns]
        entry = cached.get(path)
        if entry is not None and entry[:2] == key:
            results[path] = (key, entry[2])
        else:
            todo.append((path, key))
    if todo:
        # Eager decoding releases the GIL: threads decode files in parallel.
        with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            for (path, key), result in zip(todo, pool.map(_decode_once, [p for p, _ in todo])):
                results[path] = (key, result)
    return results, bool(todo)


def scan_image_folder(data_dir, test_fraction=0.1, split_seed=0, verbose=True):
    """Find, decode once and split the images of `data_dir` (see the module docstring).

    Args:
        data_dir: the folder.
        test_fraction: share of each class held out as ``"test"`` when the folder has no
            ``train/`` and ``test/`` subfolders (0 gives no test split).
        split_seed: seed of that held-out split.
        verbose: print one line per skipped file and a count (standard error).

    Returns:
        a :class:`FolderScan`.
    """
    expected = "a folder of images (.png .jpg .jpeg .bmp .gif), one subfolder per class or flat"
    root = os.path.abspath(check_folder("data_dir", data_dir, expected))
    test_fraction = check_probability("test_fraction", test_fraction)
    if test_fraction >= 1:
        fail("test_fraction", repr(test_fraction), "a number in [0, 1)")
    split_seed = check_non_negative_int("split_seed", split_seed)

    class_names, candidates, from_folders = _candidates(root, test_fraction, split_seed)
    paths = [path for split in candidates.values() for path, _ in split]
    if not paths:
        fail("data_dir", f"{root!r}, which holds no image files", expected)
    cache_path = _cache_path(root)
    cached = _read_cache(cache_path)
    results, decoded_any = _decode_all(paths, cached)
    if decoded_any or len(results) != len(cached):
        _write_cache(cache_path, {p: [*key, r] for p, (key, r) in results.items()})

    skipped = tuple((p, r) for p, (_, r) in sorted(results.items()) if isinstance(r, str))
    bad = {path for path, _ in skipped}
    if verbose and skipped:
        for path, reason in skipped:
            print(f"kerasgen: skipped {path}: {reason}", file=sys.stderr)
        print(f"kerasgen: skipped {len(skipped)} of {len(paths)} files in {root} "
              "(not readable images)", file=sys.stderr)
    splits = {}
    for split, pairs in candidates.items():
        # A fixed shuffle, as for the digits: the first `max_examples` span the classes.
        order = np.random.RandomState([split_seed, len(SPLIT_FOLDERS)]).permutation(len(pairs))
        kept = [pairs[i] for i in order if pairs[i][0] not in bad]
        splits[split] = (tuple(p for p, _ in kept), np.array([lab for _, lab in kept], np.int32))
    if not splits["train"][0]:
        fail("data_dir", f"{root!r}, which holds no readable image for training "
             f"({len(skipped)} files skipped)", expected)
    shapes = {p: tuple(r) for p, (_, r) in results.items() if not isinstance(r, str)}
    files = sorted((p, key) for p, (key, r) in results.items() if p not in bad)
    fingerprint = hashlib.sha1(json.dumps(
        [list(class_names), {s: list(paths) for s, (paths, _) in splits.items()}, files]
    ).encode()).hexdigest()[:16]
    return FolderScan(root, class_names, splits, skipped, shapes, from_folders, fingerprint)


# ---------------------------------------------------------------------- conversion
def check_image_size(name, image_size):
    """``(height, width)`` from an int or a pair of positive ints."""
    if isinstance(image_size, (int, np.integer)) and not isinstance(image_size, bool):
        image_size = (image_size, image_size)
    if not isinstance(image_size, (tuple, list)) or len(image_size) != 2:
        fail(name, repr(image_size), "a positive integer or a (height, width) pair")
    return tuple(check_positive_int(name, side) for side in image_size)


def check_conversion(image_size, channels, aspect_ratio):
    """The checked ``(image_size, channels, aspect_ratio)`` of :func:`prepare_image`."""
    image_size = check_image_size("image_size", image_size)
    if channels not in CHANNELS or isinstance(channels, bool):
        fail("channels", repr(channels), "1 (grayscale) or 3 (RGB)")
    check_choice("aspect_ratio", aspect_ratio, ASPECT_RATIOS)
    return image_size, int(channels), aspect_ratio


def _as_rgba(image):
    """float32 RGBA ``[H, W, 4]`` of a decoded ``[H, W, C]`` image with C in 1..4."""
    image = tf.cast(image, tf.float32)
    channels = tf.shape(image)[-1]
    gray = tf.repeat(image[..., :1], 3, axis=-1)
    opaque = tf.fill(tf.shape(image[..., :1]), 255.0)
    rgb = tf.cond(channels >= 3, lambda: image[..., :3], lambda: gray)
    alpha = tf.cond(tf.equal(channels % 2, 0), lambda: image[..., -1:], lambda: opaque)
    return tf.concat([rgb, alpha], axis=-1)


def prepare_image(image, image_size, channels, aspect_ratio="crop"):
    """A decoded image ``[H, W, C]`` (C = 1..4, any size) as uint8 ``[*image_size, channels]``:
    transparency on white, then grayscale or RGB, then resized (module docstring)."""
    import keras

    rgba = _as_rgba(image)
    alpha = rgba[..., 3:] / 255.0
    rgb = rgba[..., :3] * alpha + 255.0 * (1.0 - alpha)
    pixels = tf.image.rgb_to_grayscale(rgb) if channels == 1 else rgb
    if tuple(pixels.shape[:2]) != tuple(image_size):  # static sizes that match need no resize
        pixels = keras.ops.image.resize(
            pixels, image_size, interpolation="bilinear", antialias=True,
            crop_to_aspect_ratio=aspect_ratio == "crop",
            pad_to_aspect_ratio=aspect_ratio == "pad", fill_value=255.0,
            data_format="channels_last")
    pixels = tf.cast(tf.clip_by_value(tf.round(pixels), 0.0, 255.0), tf.uint8)
    # A static [H, W, C] in datasets' element specs (models built from them read C).
    return tf.ensure_shape(pixels, [*image_size, channels])


def _decode_file(path, image_size, channels, aspect_ratio):
    image = tf.io.decode_image(tf.io.read_file(path), channels=0, expand_animations=False)
    image.set_shape([None, None, None])
    return prepare_image(image, image_size, channels, aspect_ratio)


def folder_dataset(scan, split, image_size, channels=3, aspect_ratio="crop", shuffle=False,
                   seed=0, max_examples=None, cache=None):
    """Unbatched ``tf.data.Dataset`` of ``(uint8 image, int32 label)`` of a scanned split.

    Files are decoded in parallel (``AUTOTUNE``) in a fixed order; with ``shuffle`` the
    order is reshuffled at each pass, seeded by `seed`. ``cache`` keeps the converted images
    in memory after the first pass (default: when they take at most 1 GiB).
    """
    image_size, channels, aspect_ratio = check_conversion(image_size, channels, aspect_ratio)
    paths, labels = scan.splits[split]
    if max_examples is not None:
        paths, labels = paths[:max_examples], labels[:max_examples]
    count = len(paths)
    if cache is None:
        cache = count * image_size[0] * image_size[1] * channels <= MEMORY_CACHE_BYTES
    dataset = tf.data.Dataset.from_tensor_slices(  # typed: an empty split is no float list
        (tf.constant(list(paths), tf.string, shape=[count]), tf.constant(labels, tf.int32)))
    if shuffle and not cache:  # shuffle names before decoding: the buffer holds no pixels
        dataset = dataset.shuffle(count, seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.map(
        lambda path, label: (_decode_file(path, image_size, channels, aspect_ratio), label),
        num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    if cache:
        dataset = dataset.cache()
        if shuffle:
            dataset = dataset.shuffle(count, seed=seed, reshuffle_each_iteration=True)
    return dataset


def folder_arrays(scan, split, image_size, channels=3, aspect_ratio="crop", max_examples=None):
    """``(images uint8 [N, H, W, C], labels int32 [N])`` of a scanned split, in file order."""
    dataset = folder_dataset(scan, split, image_size, channels, aspect_ratio,
                             max_examples=max_examples, cache=False)
    height, width = check_image_size("image_size", image_size)
    images = np.zeros([0, height, width, channels], np.uint8)
    batches = [batch for batch, _ in dataset.batch(256).as_numpy_iterator()]
    if batches:
        images = np.concatenate(batches)
    labels = scan.splits[split][1][:len(images)].copy()
    return images, labels
