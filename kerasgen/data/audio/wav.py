"""WAV files: 16-bit PCM mono files read as float32 clips ``x = int16 / 32768`` in ``[-1, 1)``
(other formats refused, never converted silently) and written back, resampling between rates,
and folders of WAV files as :class:`AudioClips`.
"""

import dataclasses
import math
import os
import wave

import numpy as np
import tensorflow as tf

from kerasgen.data.audio.levels import _PCM16_SCALE
from kerasgen.data.folders import check_folder
from kerasgen.utils.validation import check_non_negative_int, check_positive_int, fail


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

