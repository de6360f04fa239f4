"""Datasets for kerasgen: image datasets (digits, MNIST, Fashion-MNIST from IDX files, a
folder of the user's own images, any prepared TFDS image dataset) and audio (WAV folders, the
Free Spoken Digit Dataset, mu-law / 16-bit levels, training windows).

    >>> from kerasgen import data
    >>> data.list_datasets()
    ['digits', 'mnist', 'fashion_mnist']
    >>> data.dataset_info("digits").num_levels
    17
    >>> images, labels = data.load_arrays("digits", max_examples=4)
    >>> images.shape, labels.shape
    ((4, 8, 8, 1), (4,))

MNIST needs its IDX files: ``data.load("mnist", data_dir="/path/to/data")`` or set
``KERASGEN_DATA_DIR`` (see :func:`resolve_data_dir`). Your own pictures:
``data.load("folder", data_dir="my_pictures/", image_size=32, channels=3)``
(:mod:`kerasgen.data.image_folder`); TFDS: ``data.load("tfds:cifar10", data_dir=TFDS_DIR)``
(:mod:`kerasgen.data.tfds_images`). Audio: see :mod:`kerasgen.data.audio`. Tables (a CSV
file, a DataFrame, ``adult``, scikit-learn's ``wine``...): ``data.load_table(...)``
(:mod:`kerasgen.data.tables`).
"""

from kerasgen.data.audio import (
    AUDIO_DATASETS,
    ENCODINGS,
    PCM16_LEVELS,
    SPOKEN_DIGIT_SPLITS,
    AudioClips,
    AudioDatasetInfo,
    SpokenDigitClips,
    audio_dataset_info,
    audio_windows,
    decode_audio,
    encode_audio,
    encoding_num_levels,
    from_pcm16_levels,
    list_audio_datasets,
    load_spoken_digit,
    load_spoken_digit_clips,
    load_wav_folder,
    mu_law_decode,
    mu_law_encode,
    parse_spoken_digit_filename,
    read_wav,
    resample_audio,
    resolve_spoken_digit_dir,
    to_pcm16_levels,
    write_wav,
)
from kerasgen.data.folders import DATA_DIR_ENV
from kerasgen.data.image_folder import FolderScan, scan_image_folder
from kerasgen.data.idx import IMAGES_MAGIC, LABELS_MAGIC, read_idx
from kerasgen.data.images import (
    FOLDER,
    IMAGE_DATASETS,
    SPLITS,
    ImageDatasetInfo,
    ImageOptions,
    dataset_info,
    is_image_dataset,
    list_datasets,
    load,
    load_arrays,
    resolve_data_dir,
)
from kerasgen.data.table_transformer import TableTransformer
from kerasgen.data.tables import COLUMN_KINDS, NAMED_TABLES, Column, Table, load_table

__all__ = [
    "AUDIO_DATASETS",
    "COLUMN_KINDS",
    "Column",
    "DATA_DIR_ENV",
    "ENCODINGS",
    "FOLDER",
    "FolderScan",
    "ImageOptions",
    "IMAGES_MAGIC",
    "IMAGE_DATASETS",
    "LABELS_MAGIC",
    "NAMED_TABLES",
    "PCM16_LEVELS",
    "SPLITS",
    "SPOKEN_DIGIT_SPLITS",
    "AudioClips",
    "AudioDatasetInfo",
    "ImageDatasetInfo",
    "SpokenDigitClips",
    "Table",
    "TableTransformer",
    "audio_dataset_info",
    "audio_windows",
    "dataset_info",
    "decode_audio",
    "encode_audio",
    "encoding_num_levels",
    "is_image_dataset",
    "scan_image_folder",
    "from_pcm16_levels",
    "list_audio_datasets",
    "list_datasets",
    "load",
    "load_arrays",
    "load_table",
    "load_spoken_digit",
    "load_spoken_digit_clips",
    "load_wav_folder",
    "mu_law_decode",
    "mu_law_encode",
    "parse_spoken_digit_filename",
    "read_idx",
    "read_wav",
    "write_wav",
    "resample_audio",
    "resolve_data_dir",
    "resolve_spoken_digit_dir",
    "to_pcm16_levels",
]
