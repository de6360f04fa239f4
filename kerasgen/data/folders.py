"""Where data lives: the ``data_dir`` argument or ``$KERASGEN_DATA_DIR``, checked once for
every loader (images and audio), and a TensorFlow Datasets copy already prepared on disk,
which loaders fall back to when the files are not found."""

import os

from kerasgen.utils.validation import fail

DATA_DIR_ENV = "KERASGEN_DATA_DIR"


def check_folder(name, folder, expected, origin=""):
    """`folder` as a path string, or a ValueError naming `name` when it is not an existing
    folder; `origin` tells where the value came from (e.g. the environment variable)."""
    if not isinstance(folder, (str, os.PathLike)):
        fail(name, repr(folder), "None or the path of a folder")
    folder = os.path.expanduser(os.fspath(folder))
    if not os.path.exists(folder):
        fail(name, f"{folder!r}{origin}, which does not exist", expected)
    if not os.path.isdir(folder):
        fail(name, f"{folder!r}{origin}, which is a file, not a folder", expected)
    return folder


def data_folder(data_dir, expected):
    """``(folder, origin)``: `data_dir`, or ``$KERASGEN_DATA_DIR`` when it is None, checked
    to be an existing folder. `expected` describes what the folder should hold."""
    origin = ""
    if data_dir is None:
        data_dir = os.environ.get(DATA_DIR_ENV, "")
        if not data_dir:
            fail("data_dir", f"None and the {DATA_DIR_ENV} environment variable is not set",
                 f"{expected}; pass data_dir=... or set {DATA_DIR_ENV}=/path/to/data")
        origin = f" (from {DATA_DIR_ENV})"
    return check_folder("data_dir", data_dir, expected, origin), origin


def prepared_tfds_builder(name, data_dir=None):
    """The TFDS builder of ``name`` when a prepared copy is on disk, else ``None``.

    Looks in ``data_dir`` (or ``$KERASGEN_DATA_DIR``, ``$TFDS_DATA_DIR``, then TFDS's own
    ``~/tensorflow_datasets``). Never downloads; any error means "not available".
    """
    try:
        root = data_dir or os.environ.get(DATA_DIR_ENV) or os.environ.get(
            "TFDS_DATA_DIR") or os.path.join("~", "tensorflow_datasets")
        root = os.path.expanduser(os.fspath(root))
        if not os.path.isdir(os.path.join(root, name)):
            return None
        import tensorflow_datasets as tfds

        builder = tfds.builder(name, data_dir=root)
        return builder if builder.is_prepared() else None
    except Exception:  # noqa: BLE001 - a broken TFDS copy is just "not found"
        return None
