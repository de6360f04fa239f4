"""The Free Spoken Digit Dataset (FSDD, ``{digit}_{speaker}_{index}.wav``, 8 kHz mono) with
digit and speaker labels, read from a folder or from TensorFlow Datasets' prepared copy, as
clips or as training windows; and the records of the known audio datasets.

Speakers are indices into the sorted speaker names found in the folder. The official split:
recordings with ``index`` 0-4 are ``"test"`` (300 files in FSDD v1.0.10), the rest ``"train"``
(2700).

References:
    Jackson et al., "Free Spoken Digit Dataset",
    https://github.com/Jakobovski/free-spoken-digit-dataset
"""

import dataclasses
import os
import re

import numpy as np

from kerasgen.data.audio.wav import AudioClips, _wav_files, read_wav
from kerasgen.data.audio.windows import _window_options, audio_windows
from kerasgen.data.folders import data_folder, prepared_tfds_builder
from kerasgen.utils.validation import check_choice, check_positive_int, fail

SPOKEN_DIGIT_SPLITS = ("train", "test")
SPOKEN_DIGIT_TEST_INDICES = range(0, 5)  # recording indices 0..4 form the official test split
_SPOKEN_DIGIT_NAME = re.compile(r"^([0-9])_([A-Za-z][A-Za-z0-9-]*)_([0-9]+)\.wav$")


@dataclasses.dataclass(frozen=True)
class AudioDatasetInfo:
    """What a model needs to know about an audio dataset.

    ``speakers`` are the speaker names in index order (sorted), so ``speakers[i]`` is the
    name of speaker label ``i`` for the dataset's own release.
    """

    name: str
    sample_rate: int
    num_speakers: int
    num_classes: int
    speakers: tuple
    description: str

    data_kind = "audio"  # the kind of example (`kerasgen.core.kinds.AudioSequences`)

    def model_kwargs(self):
        """What a model of this audio is built with (``num_classes`` aside)."""
        return {"sample_rate": self.sample_rate}


AUDIO_DATASETS = {
    "spoken_digit": AudioDatasetInfo(
        "spoken_digit", 8000, 6, 10,
        ("george", "jackson", "lucas", "nicolas", "theo", "yweweler"),
        "Free Spoken Digit Dataset v1.0.10: 3000 recordings of the digits 0-9, 8 kHz mono "
        "16-bit PCM, 0.14-2.28 s each, 6 speakers, 50 recordings of each digit per speaker; "
        "official split: recording index 0-4 test (300), 5-49 train (2700)."),
}


def list_audio_datasets():
    """Names of the known audio datasets: ``['spoken_digit']``."""
    return list(AUDIO_DATASETS)


def audio_dataset_info(name="spoken_digit"):
    """The :class:`AudioDatasetInfo` of ``name``; ValueError listing the known ones."""
    if not isinstance(name, str) or name not in AUDIO_DATASETS:
        fail("name", repr(name), "one of " + ", ".join(repr(n) for n in AUDIO_DATASETS))
    return AUDIO_DATASETS[name]


@dataclasses.dataclass(frozen=True, eq=False)
class SpokenDigitClips(AudioClips):
    """FSDD clips with their labels (each int32 ``[N]``).

    ``digits`` are the spoken digits 0-9; ``speakers`` index ``speaker_names`` (the sorted
    names of every speaker in the folder, train and test alike, so both splits share one
    numbering); ``indices`` are the recording numbers from the file names.
    """

    digits: np.ndarray
    speakers: np.ndarray
    indices: np.ndarray
    speaker_names: tuple


def parse_spoken_digit_filename(filename):
    """``(digit, speaker, index)`` from an FSDD file name ``{digit}_{speaker}_{index}.wav``.

        >>> parse_spoken_digit_filename("7_jackson_32.wav")
        (7, 'jackson', 32)
    """
    match = _SPOKEN_DIGIT_NAME.match(os.path.basename(os.fspath(filename)))
    if match is None:
        fail("filename", repr(filename), "an FSDD file name '{digit}_{speaker}_{index}.wav'")
    return int(match.group(1)), match.group(2), int(match.group(3))


def _holds_recordings(folder):
    if not os.path.isdir(folder):
        return False
    return any(_SPOKEN_DIGIT_NAME.match(n) for n in _wav_files(folder))


def resolve_spoken_digit_dir(data_dir=None):
    """The folder holding the FSDD recordings ``{digit}_{speaker}_{index}.wav``.

    ``data_dir`` (else ``$KERASGEN_DATA_DIR``) may be that folder, the dataset's folder with a
    ``recordings/`` subfolder (the FSDD repository's layout), or a parent with ``fsdd/``
    (holding either): the first of ``DIR``, ``DIR/recordings``, ``DIR/fsdd/recordings``,
    ``DIR/fsdd`` that holds recordings is returned.
    """
    expected = ("the folder of the FSDD recordings ({digit}_{speaker}_{index}.wav), its parent "
                "with 'recordings/', or a folder with an 'fsdd/' subfolder")
    folder, origin = data_folder(data_dir, expected)
    for candidate in (folder, os.path.join(folder, "recordings"),
                      os.path.join(folder, "fsdd", "recordings"), os.path.join(folder, "fsdd")):
        if _holds_recordings(candidate):
            return candidate
    fail("data_dir", f"{folder!r}{origin}, which holds no FSDD recordings", expected)


def load_spoken_digit_clips(split="train", data_dir=None, max_examples=None):
    """One split of the Free Spoken Digit Dataset as :class:`SpokenDigitClips` (8 kHz).

    ``"test"`` is every recording with index 0-4 (the official split), ``"train"`` the rest;
    clips are in file-name order. Speaker labels index the sorted names of all speakers in
    the folder (``SpokenDigitClips.speaker_names``), so both splits share one numbering; for
    FSDD v1.0.10 that is ``audio_dataset_info().speakers``. ``max_examples`` keeps the first
    ones only. Every ``.wav`` file of the folder must follow the FSDD naming.

    The recordings come from the folder `resolve_spoken_digit_dir` finds or, when there is
    none, from TensorFlow Datasets' ``spoken_digit`` prepared on disk (in ``data_dir``, else
    TFDS's own folder; its one ``train`` split holds every recording, with its file name, so
    the official split above applies to it too). Nothing is downloaded.
    """
    check_choice("split", split, SPOKEN_DIGIT_SPLITS)
    if max_examples is not None:
        max_examples = check_positive_int("max_examples", max_examples)
    info = audio_dataset_info("spoken_digit")
    try:
        folder = resolve_spoken_digit_dir(data_dir)
    except ValueError:
        recordings = _spoken_digit_from_tfds(data_dir)
        if recordings is None:
            raise
        folder = "TensorFlow Datasets' spoken_digit"
    else:
        recordings = {name: os.path.join(folder, name) for name in _wav_files(folder)}
    records = []
    for filename in sorted(recordings):
        match = _SPOKEN_DIGIT_NAME.match(filename)
        if match is None:
            fail("data_dir", f"{folder!r}, which holds {filename!r}",
                 "a folder whose .wav files are all named {digit}_{speaker}_{index}.wav")
        records.append((int(match.group(1)), match.group(2), int(match.group(3)), filename))
    speaker_names = tuple(sorted({r[1] for r in records}))
    test = split == "test"
    records = [r for r in records if (r[2] in SPOKEN_DIGIT_TEST_INDICES) == test]
    if not records:
        fail("split", f"{split!r}, which has no recordings in {folder!r}",
             "a split with recordings")
    records = records[:max_examples]
    clips, paths = [], []
    for record in records:
        source = recordings[record[3]]
        if isinstance(source, str):
            samples, rate = read_wav(source, name="data_dir")
            paths.append(source)
        else:  # TFDS: int16 samples at the dataset's rate
            samples, rate = (source / 32768.0).astype(np.float32), info.sample_rate
            paths.append(f"tfds:spoken_digit/{record[3]}")
        if rate != info.sample_rate:
            fail("data_dir", f"a folder holding {source!r}, sampled at {rate} Hz",
                 f"FSDD recordings at {info.sample_rate} Hz")
        clips.append(samples)
    speaker_index = {s: i for i, s in enumerate(speaker_names)}
    return SpokenDigitClips(
        tuple(clips), info.sample_rate, tuple(paths),
        digits=np.array([r[0] for r in records], dtype=np.int32),
        speakers=np.array([speaker_index[r[1]] for r in records], dtype=np.int32),
        indices=np.array([r[2] for r in records], dtype=np.int32),
        speaker_names=speaker_names)


def _spoken_digit_from_tfds(data_dir):
    """``{file name: int samples [T]}`` from a prepared TFDS ``spoken_digit``, else None."""
    builder = prepared_tfds_builder("spoken_digit", data_dir)
    if builder is None:
        return None
    try:
        import tensorflow_datasets as tfds

        recordings = {}
        for example in tfds.as_numpy(builder.as_dataset(split="train")):
            name = os.path.basename(example["audio/filename"].decode())
            recordings[name] = np.asarray(example["audio"]).reshape(-1)
        return recordings or None
    except Exception:  # noqa: BLE001 - a broken TFDS copy is just "not found"
        return None


def load_spoken_digit(split="train", window_length=None, data_dir=None, hop=None,
                      encoding="mu_law", quantization_channels=256, pad=False, batch_size=None,
                      shuffle=None, seed=0, max_examples=None, repeat=False,
                      drop_remainder=False):
    """FSDD training windows: a ``tf.data.Dataset`` of ``(window, speaker, digit)``.

    ``window`` is int32 ``[window_length, 1]`` (levels of ``encoding``; float32 for
    ``"float"``), ``speaker`` and ``digit`` int32 scalars (all with a leading batch axis when
    ``batch_size`` is given). ``shuffle`` defaults to ``True`` for ``"train"`` and ``False``
    for ``"test"``. The shortest FSDD recordings have 1148 (test) and 1149 (train) samples:
    longer windows need ``pad=True``. See :func:`load_spoken_digit_clips` and
    :func:`audio_windows` for the rest.
    """
    check_choice("split", split, SPOKEN_DIGIT_SPLITS)
    shuffle = split == "train" if shuffle is None else shuffle
    _window_options(window_length, hop, encoding, quantization_channels, pad, batch_size,
                    shuffle, seed, repeat, drop_remainder)
    if max_examples is not None:
        check_positive_int("max_examples", max_examples)
    clips = load_spoken_digit_clips(split, data_dir, max_examples)
    return audio_windows(
        clips, window_length, hop=hop, labels=(clips.speakers, clips.digits),
        encoding=encoding, quantization_channels=quantization_channels, pad=pad,
        batch_size=batch_size, shuffle=shuffle, seed=seed, repeat=repeat,
        drop_remainder=drop_remainder)
