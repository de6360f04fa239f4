"""Datasets for kerasgen: IDX files and image datasets (digits, MNIST, Fashion-MNIST).

    >>> from kerasgen import data
    >>> data.list_datasets()
    ['digits', 'mnist', 'fashion_mnist']
    >>> data.dataset_info("digits").num_levels
    17
    >>> images, labels = data.load_arrays("digits", max_examples=4)
    >>> images.shape, labels.shape
    ((4, 8, 8, 1), (4,))

MNIST needs its IDX files: ``data.load("mnist", data_dir="/path/to/data")`` or set
``KERASGEN_DATA_DIR`` (see :func:`resolve_data_dir`).
"""

from kerasgen.data.idx import IMAGES_MAGIC, LABELS_MAGIC, read_idx
from kerasgen.data.images import (
    DATA_DIR_ENV,
    IMAGE_DATASETS,
    SPLITS,
    ImageDatasetInfo,
    dataset_info,
    list_datasets,
    load,
    load_arrays,
    resolve_data_dir,
)

__all__ = [
    "DATA_DIR_ENV",
    "IMAGES_MAGIC",
    "IMAGE_DATASETS",
    "LABELS_MAGIC",
    "SPLITS",
    "ImageDatasetInfo",
    "dataset_info",
    "list_datasets",
    "load",
    "load_arrays",
    "read_idx",
    "resolve_data_dir",
]
