"""Audio data for WaveNet-style models: WAV files, the Free Spoken Digit Dataset, mu-law and
16-bit level encodings, and ``tf.data`` pipelines of fixed-length training windows.

* :func:`read_wav` and :func:`load_wav_folder` read 16-bit PCM mono WAV files (Python's
  ``wave`` module) as float32 clips ``x = int16 / 32768`` in ``[-1, 1)``. Other sample widths
  (8, 24, 32 bit), compressed or float WAVs and stereo files are refused with a ``ValueError``
  naming the file: nothing is downmixed or requantized silently. A requested ``sample_rate``
  that differs from a file's is an error unless ``resample=True``, which converts with
  :func:`resample_audio` (polyphase FIR, see there for its quality).
* :func:`load_spoken_digit_clips` reads the Free Spoken Digit Dataset (FSDD,
  ``{digit}_{speaker}_{index}.wav``, 8 kHz) with digit and speaker labels; speakers are indices
  into the sorted speaker names found in the folder. The official split: recordings with
  ``index`` 0-4 are ``"test"`` (300 files in FSDD v1.0.10), the rest ``"train"`` (2700).
* :func:`mu_law_encode` / :func:`mu_law_decode` (256 levels, WaveNet's softmax output) and
  :func:`to_pcm16_levels` / :func:`from_pcm16_levels` (65536 levels, for a 16-bit discretized
  logistic head) are the one place where audio becomes integer levels and back;
  :func:`encode_audio` / :func:`decode_audio` pick one of them by name.
* :func:`audio_windows` cuts windows of ``window_length`` samples (a WaveNet's receptive field
  plus the number of samples it is trained to predict) from every clip, every ``hop`` samples;
  :func:`load_spoken_digit` does so for FSDD and yields ``(window, speaker, digit)``.

Clips shorter than the window are a ``ValueError`` naming ``window_length`` unless ``pad=True``,
which left-pads them with silence (zeros, the value a WaveNet's causal padding assumes before a
clip starts) to exactly one window. Samples after a clip's last whole window are not used.

Example (``$KERASGEN_DATA_DIR`` holds ``fsdd/``, as in ``../shared/data``)::

    >>> import numpy as np
    >>> from kerasgen.data import audio
    >>> audio.mu_law_encode(np.array([-1.0, 0.0, 1.0], np.float32)).numpy().tolist()
    [0, 128, 255]
    >>> clips = audio.load_spoken_digit_clips("test")
    >>> len(clips), clips.sample_rate, clips.clips[0].dtype.name, clips.speaker_names[1]
    (300, 8000, 'float32', 'jackson')
    >>> dataset = audio.load_spoken_digit("train", window_length=1024, batch_size=8, seed=0)
    >>> windows, speakers, digits = next(iter(dataset))
    >>> tuple(windows.shape), windows.dtype.name, tuple(speakers.shape), digits.dtype.name
    ((8, 1024, 1), 'int32', (8,), 'int32')
    >>> 0 <= int(windows.numpy().min()) <= int(windows.numpy().max()) <= 255
    True

References:
    van den Oord et al. 2016, "WaveNet: A Generative Model for Raw Audio", arXiv:1609.03499
    (mu-law companding, section 2.2). The classic implementation ``ibab/tensorflow-wavenet``
    (``wavenet/ops.py``), whose ``mu_law_encode``/``mu_law_decode`` these match.
    Jackson et al., "Free Spoken Digit Dataset",
    https://github.com/Jakobovski/free-spoken-digit-dataset
"""

import dataclasses
import math
import numbers
import os
import re
import wave

import numpy as np
import tensorflow as tf

from kerasgen.data.folders import check_folder, data_folder, prepared_tfds_builder
from kerasgen.utils.validation import (
    check_choice, check_non_negative_int, check_positive_int, fail)

SPOKEN_DIGIT_SPLITS = ("train", "test")
ENCODINGS = ("mu_law", "pcm16", "float")
PCM16_LEVELS = 65536
SPOKEN_DIGIT_TEST_INDICES = range(0, 5)  # recording indices 0..4 form the official test split
_PCM16_SCALE = 32768.0
_SPOKEN_DIGIT_NAME = re.compile(r"^([0-9])_([A-Za-z][A-Za-z0-9-]*)_([0-9]+)\.wav$")


# ---------------------------------------------------------------- dataset records


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
class AudioClips:
    """Clips read from WAV files: float32 1-D arrays in ``[-1, 1]``, one sample rate.

    ``paths[i]`` is the file of ``clips[i]``; ``len(clips)`` is the number of clips.
    """

    clips: tuple
    sample_rate: int
    paths: tuple

    def __len__(self):
        return len(self.clips)

    @property
    def lengths(self):
        """Number of samples of each clip, int64 ``[N]``."""
        return np.array([len(c) for c in self.clips], dtype=np.int64)


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


# ---------------------------------------------------------------- level encodings


def _check_channels(quantization_channels):
    if (isinstance(quantization_channels, bool)
            or not isinstance(quantization_channels, numbers.Integral)
            or quantization_channels < 2):
        fail("quantization_channels", repr(quantization_channels), "an integer >= 2")
    return int(quantization_channels)


def _float_audio(name, x):
    """``x`` as a float32 tensor; integer arrays/tensors (e.g. raw int16) are refused."""
    if isinstance(x, (numbers.Real, list, tuple)) and not isinstance(x, bool):
        return tf.convert_to_tensor(x, dtype=tf.float32)
    x = tf.convert_to_tensor(x)
    if not x.dtype.is_floating:
        fail(name, f"a tensor of dtype {x.dtype.name}",
             "float audio in [-1, 1] (divide int16 samples by 32768 first)")
    return tf.cast(x, tf.float32)


def mu_law_encode(x, quantization_channels=256):
    """Mu-law companding of float audio in ``[-1, 1]`` to int32 levels ``0..Q-1``.

    #### Mathematical details

    With ``mu = Q - 1`` (255 for the default ``Q = 256`` channels)::

        F(x) = sign(x) ln(1 + mu |x|) / ln(1 + mu)          in [-1, 1]
        level = floor((F(x) + 1) / 2 * mu + 0.5)             in {0, ..., mu}

    so ``encode(-1) = 0``, ``encode(0) = 128`` and ``encode(1) = 255`` for 256 channels.
    Values outside ``[-1, 1]`` are clipped to it; NaN gives an undefined level. TensorFlow
    ops only: works eagerly on NumPy input and inside ``tf.function``.

    Args:
        x: float audio (any shape); Python numbers and lists are taken as float.
        quantization_channels: the number of levels ``Q`` (an integer >= 2).

    Returns:
        An int32 tensor of the shape of ``x``.
    """
    q = _check_channels(quantization_channels)
    x = _float_audio("x", x)
    mu = float(q - 1)
    magnitude = tf.math.log1p(mu * tf.minimum(tf.abs(x), 1.0)) / math.log1p(mu)
    companded = tf.sign(x) * magnitude
    return tf.cast(tf.floor((companded + 1.0) / 2.0 * mu + 0.5), tf.int32)


def mu_law_decode(levels, quantization_channels=256):
    """Inverse of :func:`mu_law_encode`: integer levels ``0..Q-1`` to float32 in ``[-1, 1]``.

    #### Mathematical details

    With ``mu = Q - 1`` and ``y = 2 level / mu - 1``::

        x = sign(y) ((1 + mu)^|y| - 1) / mu

    Levels outside ``[0, Q-1]`` are clipped to it. ``decode(encode(x))`` differs from ``x`` by
    at most about ``ln(1 + mu) (1 + mu |x|) / mu^2`` (half a level in the companded domain):
    about 8.6e-5 near 0 and 0.022 near +-1 for 256 channels.
    """
    q = _check_channels(quantization_channels)
    mu = float(q - 1)
    levels = tf.clip_by_value(tf.cast(tf.convert_to_tensor(levels), tf.float32), 0.0, mu)
    companded = 2.0 * levels / mu - 1.0
    magnitude = tf.math.expm1(tf.abs(companded) * math.log1p(mu)) / mu
    return tf.sign(companded) * magnitude


def to_pcm16_levels(x):
    """Float audio in ``[-1, 1]`` to int32 levels ``0..65535`` of 16-bit PCM.

    ``level = round(32768 x) + 32768``, clipped to ``[0, 65535]`` (so ``x = 1`` gives 65535),
    rounding half to even. For audio read from a 16-bit file (``x = int16 / 32768``) this is
    exactly ``int16 + 32768``, and :func:`from_pcm16_levels` gives ``x`` back bit for bit.
    """
    x = _float_audio("x", x)
    levels = tf.round(x * _PCM16_SCALE) + _PCM16_SCALE
    return tf.cast(tf.clip_by_value(levels, 0.0, PCM16_LEVELS - 1.0), tf.int32)


def from_pcm16_levels(levels):
    """Inverse of :func:`to_pcm16_levels`: levels ``0..65535`` to ``(level - 32768) / 32768``."""
    levels = tf.cast(tf.convert_to_tensor(levels), tf.float32)
    return (levels - _PCM16_SCALE) / _PCM16_SCALE


def encoding_num_levels(encoding, quantization_channels=256):
    """Integer levels of ``encoding``: ``Q`` for mu-law, 65536 for pcm16, None for float."""
    check_choice("encoding", encoding, ENCODINGS)
    if encoding == "mu_law":
        return _check_channels(quantization_channels)
    return PCM16_LEVELS if encoding == "pcm16" else None


def encode_audio(x, encoding="mu_law", quantization_channels=256):
    """Float audio to a model's input: int32 mu-law or pcm16 levels, or float32 unchanged."""
    check_choice("encoding", encoding, ENCODINGS)
    if encoding == "mu_law":
        return mu_law_encode(x, quantization_channels)
    if encoding == "pcm16":
        return to_pcm16_levels(x)
    return _float_audio("x", x)


def decode_audio(levels, encoding="mu_law", quantization_channels=256):
    """Inverse of :func:`encode_audio`: float32 audio in ``[-1, 1]``."""
    check_choice("encoding", encoding, ENCODINGS)
    if encoding == "mu_law":
        return mu_law_decode(levels, quantization_channels)
    if encoding == "pcm16":
        return from_pcm16_levels(levels)
    return tf.cast(tf.convert_to_tensor(levels), tf.float32)


# ---------------------------------------------------------------- WAV files


def resample_audio(audio, from_rate, to_rate):
    """Float audio ``[T]`` at ``from_rate`` Hz converted to ``to_rate`` Hz, clipped to ``[-1, 1]``.

    Polyphase filtering (``scipy.signal.resample_poly``, scipy comes with scikit-learn): the
    signal is upsampled by ``to_rate / g`` and downsampled by ``from_rate / g``
    (``g = gcd``) through one Kaiser-windowed (beta 5) FIR low-pass at the lower Nyquist
    frequency ``N``. Measured for 16 kHz -> 8 kHz (``N`` = 4 kHz), on half-scale sines away from
    the clip ends: up to 0.75 N a tone comes through within 1e-3 of the exact resampled sine;
    0.75-1.1 N is the transition band (3% of the amplitude is left at 1.1 N); above 1.5 N less
    than 0.1% is left, instead of an alias. The output has ``ceil(T * to_rate / from_rate)``
    samples; the first and last few dozen see the filter's zero padding.
    """
    from_rate = check_positive_int("from_rate", from_rate)
    to_rate = check_positive_int("to_rate", to_rate)
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim != 1:
        fail("audio", f"an array of shape {audio.shape}", "a 1-D clip of samples")
    if from_rate == to_rate or audio.size == 0:
        return audio.copy() if from_rate == to_rate else np.zeros(0, np.float32)
    from scipy.signal import resample_poly

    g = math.gcd(from_rate, to_rate)
    out = resample_poly(audio.astype(np.float64), to_rate // g, from_rate // g)
    return np.clip(out, -1.0, 1.0).astype(np.float32)


def write_wav(path, waveform, sample_rate):
    """Write float audio ``[T]`` in [-1, 1] as a 16-bit PCM mono WAV file (with
    ``tf.audio.encode_wav``); returns the path. Read it back with :func:`read_wav`."""
    waveform = np.asarray(waveform, np.float32)
    if waveform.ndim != 1 or not waveform.size:
        fail("waveform", f"an array of shape {waveform.shape}", "finite mono audio [T], T > 0")
    if not np.all(np.isfinite(waveform)):
        fail("waveform", "NaN or infinite samples", "finite mono audio [T], T > 0")
    sample_rate = check_positive_int("sample_rate", sample_rate)
    contents = tf.audio.encode_wav(np.clip(waveform, -1.0, 1.0)[:, None], sample_rate)
    tf.io.write_file(str(path), contents)
    return path


def read_wav(path, sample_rate=None, resample=False, name="path"):
    """One 16-bit PCM mono WAV file as ``(float32 [T] in [-1, 1), sample_rate)``.

    Args:
        path: the file.
        sample_rate: the rate the caller needs (``None``: the file's own). A file at another
            rate is a ValueError unless ``resample``.
        resample: convert other rates with :func:`resample_audio` instead of refusing them.
        name: the argument named in error messages (callers pass their own, e.g. ``directory``).

    Returns:
        ``(samples, rate)``: ``samples = int16 / 32768`` and the rate of the returned samples.
    """
    if sample_rate is not None:
        sample_rate = check_positive_int("sample_rate", sample_rate)
    if not isinstance(path, (str, os.PathLike)):
        fail(name, repr(path), "the path of a WAV file")
    path = os.fspath(path)
    expected = "a 16-bit PCM mono WAV file"
    if not os.path.isfile(path):
        fail(name, f"{path!r}, which is not a file", expected)
    try:
        with wave.open(path, "rb") as f:
            channels, width, rate = f.getnchannels(), f.getsampwidth(), f.getframerate()
            compression = f.getcomptype()
            declared = f.getnframes()
            frames = f.readframes(declared)
    except (wave.Error, EOFError) as error:
        fail(name, f"{path!r}, which Python's wave module cannot read ({error})", expected)
    if compression != "NONE":
        fail(name, f"{path!r}, a compressed ({compression}) WAV file", expected)
    if width != 2:
        fail(name, f"{path!r}, which has {8 * width}-bit samples", expected)
    if channels != 1:
        fail(name, f"{path!r}, which has {channels} channels",
             f"{expected} (downmix stereo files first, e.g. average the channels)")
    if len(frames) != 2 * declared:
        fail(name, f"{path!r}, truncated: its header declares {declared} samples but it holds "
             f"{len(frames) / 2:g}", expected)
    audio = np.frombuffer(frames, dtype="<i2").astype(np.float32) / _PCM16_SCALE
    if sample_rate is not None and rate != sample_rate:
        if not resample:
            fail("sample_rate", f"{sample_rate} but {path!r} is sampled at {rate} Hz",
                 f"the file's rate ({rate}), or pass resample=True to convert")
        return resample_audio(audio, rate, sample_rate), sample_rate
    return audio, rate


def _check_bool(name, value):
    if not isinstance(value, (bool, np.bool_)):
        fail(name, repr(value), "True or False")
    return bool(value)


def _wav_files(folder):
    return sorted(entry.name for entry in os.scandir(folder)
                  if entry.is_file() and entry.name.lower().endswith(".wav"))


def _read_clips(paths, sample_rate, resample, name):
    clips, rates = [], []
    for path in paths:
        samples, rate = read_wav(path, sample_rate, resample, name=name)
        clips.append(samples)
        rates.append(rate)
    for path, rate in zip(paths, rates):
        if rate != rates[0]:
            fail("sample_rate", f"None, but {paths[0]!r} is sampled at {rates[0]} Hz and "
                 f"{path!r} at {rate} Hz", "one rate for all clips (resample=True converts "
                 "files at other rates), or a folder of files at one rate")
    return clips, rates[0]


def _check_min_length(clips, paths, min_length):
    lengths = [len(c) for c in clips]
    shortest = int(np.argmin(lengths))
    if lengths[shortest] < min_length:
        fail("min_length", f"{min_length} but {paths[shortest]!r} has {lengths[shortest]} "
             "samples", f"at most {lengths[shortest]}, the shortest clip's length "
             "(or remove the short files)")


def load_wav_folder(directory, sample_rate=None, resample=False, min_length=1):
    """Every ``*.wav`` file of ``directory`` (not its subfolders), sorted by file name.

    Args:
        directory: a folder of 16-bit PCM mono WAV files.
        sample_rate: the rate to return (``None``: the files', which must then all agree).
        resample: convert files at other rates (:func:`resample_audio`) instead of refusing them.
        min_length: the fewest samples a clip may have (after resampling); a shorter clip is a
            ValueError naming ``min_length`` and the file.

    Returns:
        :class:`AudioClips`: float32 clips in ``[-1, 1]``, the sample rate, the file paths.
    """
    expected = "a folder of 16-bit PCM mono .wav files"
    directory = check_folder("directory", directory, expected)
    if sample_rate is not None:
        sample_rate = check_positive_int("sample_rate", sample_rate)
    resample = _check_bool("resample", resample)
    min_length = check_non_negative_int("min_length", min_length)
    names = _wav_files(directory)
    if not names:
        fail("directory", f"{directory!r}, which holds no .wav files", expected)
    paths = [os.path.join(directory, n) for n in names]
    clips, rate = _read_clips(paths, sample_rate, resample, "directory")
    _check_min_length(clips, paths, min_length)
    return AudioClips(tuple(clips), rate, tuple(paths))


# ---------------------------------------------------------------- Free Spoken Digit Dataset


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


# ---------------------------------------------------------------- training windows


def _clip_arrays(clips):
    """``(list of float32 1-D arrays, paths or None)`` from AudioClips, a list or a 2-D array."""
    paths = None
    if isinstance(clips, AudioClips):
        clips, paths = clips.clips, clips.paths
    if isinstance(clips, (np.ndarray, tf.Tensor)):
        array = np.asarray(clips)
        if array.ndim != 2:
            fail("clips", f"an array of shape {array.shape}",
                 "AudioClips, a list of 1-D clips or a 2-D array [clips, samples]")
        clips = list(array)
    if isinstance(clips, (str, bytes)) or not hasattr(clips, "__len__"):
        fail("clips", repr(clips), "AudioClips, a list of 1-D clips or a 2-D array")
    if len(clips) == 0:
        fail("clips", "no clips", "at least one clip")
    arrays = []
    for i, clip in enumerate(clips):
        clip = np.asarray(clip)
        where = f"clip {i}" + (f" ({paths[i]!r})" if paths else "")
        if clip.ndim != 1:
            fail("clips", f"{where} of shape {clip.shape}", "1-D clips of samples")
        if clip.size and not np.issubdtype(clip.dtype, np.floating):
            fail("clips", f"{where} of dtype {clip.dtype}",
                 "float audio in [-1, 1] (divide int16 samples by 32768 first)")
        clip = clip.astype(np.float32)
        if clip.size and not np.all(np.isfinite(clip)):
            fail("clips", f"{where} with NaN or infinite samples", "finite samples")
        if clip.size and (clip.min() < -1.0 or clip.max() > 1.0):
            fail("clips", f"{where} with samples in [{clip.min():g}, {clip.max():g}]",
                 "samples in [-1, 1]")
        arrays.append(clip)
    return arrays, paths


def _label_arrays(labels, count):
    """``labels`` as a list of per-clip arrays (int32 for integers), or [] for None."""
    if labels is None:
        return []
    group = list(labels) if isinstance(labels, tuple) else [labels]
    arrays = []
    for k, label in enumerate(group):
        name = f"labels[{k}]" if isinstance(labels, tuple) else "labels"
        array = np.asarray(label)
        if array.ndim != 1 or array.shape[0] != count:
            fail(name, f"an array of shape {array.shape}", f"one label per clip, shape [{count}]")
        if np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.bool_):
            array = array.astype(np.int32)
        elif np.issubdtype(array.dtype, np.floating):
            array = array.astype(np.float32)
        else:
            fail(name, f"dtype {array.dtype}", "integer or float labels")
        arrays.append(array)
    return arrays


def _window_options(window_length, hop, encoding, quantization_channels, pad, batch_size,
                    shuffle, seed, repeat, drop_remainder):
    """Check :func:`audio_windows`' options (before any file is read); returns them."""
    if window_length is None:
        fail("window_length", "None", "a positive integer (receptive field + target length)")
    window_length = check_positive_int("window_length", window_length)
    hop = window_length if hop is None else check_positive_int("hop", hop)
    check_choice("encoding", encoding, ENCODINGS)
    quantization_channels = _check_channels(quantization_channels)
    if batch_size is not None:
        batch_size = check_positive_int("batch_size", batch_size)
    if seed is not None:
        seed = check_non_negative_int("seed", seed)
    return (window_length, hop, encoding, quantization_channels, _check_bool("pad", pad),
            batch_size, _check_bool("shuffle", shuffle), seed, _check_bool("repeat", repeat),
            _check_bool("drop_remainder", drop_remainder))


def audio_windows(clips, window_length, hop=None, labels=None, encoding="mu_law",
                  quantization_channels=256, pad=False, batch_size=None, shuffle=False, seed=0,
                  repeat=False, drop_remainder=False):
    """A ``tf.data.Dataset`` of fixed-length windows cut from every clip.

    Windows start at samples ``0, hop, 2 hop, ...`` of each clip while a whole window fits;
    later samples of a clip are not used. A clip shorter than ``window_length`` is a
    ValueError naming ``window_length`` and the clip, unless ``pad``: then it is left-padded
    with silence (zeros) to one window. Each window is encoded with :func:`encode_audio`:
    int32 mu-law levels ``0..Q-1`` (``"mu_law"``), int32 ``0..65535`` (``"pcm16"``) or
    float32 in ``[-1, 1]`` (``"float"``), of shape ``[window_length, 1]``.

    Args:
        clips: :class:`AudioClips`, a list of float 1-D arrays in ``[-1, 1]``, or a 2-D array.
        window_length: samples per window (a WaveNet's receptive field + target length).
        hop: samples between window starts in a clip (``None``: ``window_length``, no overlap).
        labels: ``None``; one array with a label per clip (elements are ``(window, label)``);
            or a tuple of such arrays (elements are ``(window, *labels)``). Integer labels
            become int32, float labels float32.
        encoding: ``"mu_law"``, ``"pcm16"`` or ``"float"``.
        quantization_channels: mu-law levels (only with ``"mu_law"``).
        pad: left-pad clips shorter than a window with silence instead of refusing them.
        batch_size: batch the windows (``None``: single windows).
        shuffle: shuffle all windows (buffer = their number) at each pass, seeded by ``seed``
            (``None``: unseeded); as for any ``tf.data`` shuffle the order also depends on
            TensorFlow's global seed, and is the same for the same seeds.
        repeat: repeat forever (after batching, so no batch straddles two passes).
        drop_remainder: drop a last smaller batch.

    Returns:
        A ``tf.data.Dataset`` (shuffle, cut, batch, repeat, prefetch).
    """
    (window_length, hop, encoding, quantization_channels, pad, batch_size, shuffle, seed,
     repeat, drop_remainder) = _window_options(
        window_length, hop, encoding, quantization_channels, pad, batch_size, shuffle, seed,
        repeat, drop_remainder)
    arrays, paths = _clip_arrays(clips)
    label_arrays = _label_arrays(labels, len(arrays))

    lengths = np.array([len(a) for a in arrays], dtype=np.int64)
    shortest = int(np.argmin(lengths))
    if lengths[shortest] < window_length and not pad:
        where = f"clip {shortest}" + (f" ({paths[shortest]!r})" if paths else "")
        fail("window_length", f"{window_length}, longer than {where} of {lengths[shortest]} "
             "samples", f"at most {lengths[shortest]}, the shortest clip's length, or pass "
             "pad=True to left-pad shorter clips with silence")
    padded = [np.pad(a, (window_length - len(a), 0)) if len(a) < window_length else a
              for a in arrays]
    offsets = np.cumsum([0] + [len(a) for a in padded[:-1]], dtype=np.int64)
    clip_ids, starts = [], []
    for i, clip in enumerate(padded):
        clip_starts = np.arange(0, len(clip) - window_length + 1, hop, dtype=np.int64)
        starts.append(offsets[i] + clip_starts)
        clip_ids.append(np.full(len(clip_starts), i, dtype=np.int64))
    starts, clip_ids = np.concatenate(starts), np.concatenate(clip_ids)
    count = len(starts)
    if batch_size is not None and drop_remainder and batch_size > count:
        fail("batch_size", f"{batch_size} with drop_remainder=True",
             f"at most {count}, the number of windows, so that one batch remains")

    signal = encode_audio(np.concatenate(padded), encoding, quantization_channels)
    slices = (starts,) + tuple(a[clip_ids] for a in label_arrays)
    dataset = tf.data.Dataset.from_tensor_slices(slices)
    if shuffle:
        dataset = dataset.shuffle(count, seed=seed, reshuffle_each_iteration=True)

    def cut(start, *window_labels):
        window = tf.reshape(tf.slice(signal, [start], [window_length]), [window_length, 1])
        return (window, *window_labels) if window_labels else window

    dataset = dataset.map(cut, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    if batch_size is not None:
        dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)
    if repeat:
        dataset = dataset.repeat()
    return dataset.prefetch(tf.data.AUTOTUNE)


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
