"""Audio as integer levels and back: mu-law companding (256 levels, WaveNet's softmax output)
and 16-bit PCM levels (65536, for a 16-bit discretized logistic head), picked by name with
:func:`encode_audio` / :func:`decode_audio`. The one place where audio becomes levels.

References:
    van den Oord et al. 2016, "WaveNet: A Generative Model for Raw Audio", arXiv:1609.03499
    (mu-law companding, section 2.2). The classic implementation ``ibab/tensorflow-wavenet``
    (``wavenet/ops.py``), whose ``mu_law_encode``/``mu_law_decode`` these match.
"""

import math
import numbers

import tensorflow as tf

from kerasgen.utils.validation import check_choice, fail

ENCODINGS = ("mu_law", "pcm16", "float")
PCM16_LEVELS = 65536
_PCM16_SCALE = 32768.0


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
