"""Training windows: a ``tf.data`` pipeline of fixed-length windows (a WaveNet's receptive
field plus the samples it is trained to predict) cut from clips, encoded as levels, with their
labels; clips shorter than a window are refused, or left-padded with silence if asked.
"""

import numpy as np
import tensorflow as tf

from kerasgen.data.audio.levels import ENCODINGS, _check_channels, encode_audio
from kerasgen.data.audio.wav import AudioClips, _check_bool
from kerasgen.utils.validation import (
    check_choice, check_non_negative_int, check_positive_int, fail)


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
