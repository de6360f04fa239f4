"""The kinds of example a model declares it models (``model.data_kind``).

Every kerasgen model says what one example is, and the input checks (``fit``, ``log_prob``...),
the data contract, the command line and the exports read that declaration instead of testing
the model's class:

    Images(shape=(H, W, C), num_levels)      integer pixels in [0, num_levels - 1]
    AudioSequences(num_levels, sample_rate)  integer levels [T, 1], T free, in [0, L - 1]
    TableRows(columns)                       one code per column [C] (table_rows.py)

A kind is a small frozen value: its `name` (the key the command line dispatches on), the
`input_name` of its examples in exported signatures (``images``, ``audio``), the `rank` of one
example, the `spec` of a batch, `check` (the ``ValueError`` of bad input) and `random`
(example inputs for export checks and warm-up records). Table rows (one row of typed columns,
`kerasgen.core.table_rows.TableRows`) are the third kind, with the same members.

Example:
    >>> import numpy as np
    >>> kind = Images((8, 8, 1), num_levels=17)
    >>> kind.name, kind.rank, kind.spec().shape.as_list()
    ('images', 3, [None, 8, 8, 1])
    >>> kind.check("images", np.full([2, 8, 8, 1], 16)).dtype
    dtype('float32')
    >>> kind.check("images", np.full([2, 8, 8, 1], 17))
    Traceback (most recent call last):
    ...
    ValueError: `images` must be pixel values in [0, 16]; received values in [17, 17].
    >>> AudioSequences(num_levels=256, sample_rate=8000).spec().shape.as_list()
    [None, None, 1]
"""

import dataclasses

import numpy as np
import tensorflow as tf

from kerasgen.core.table_rows import TableRows  # noqa: F401  (the third kind)
from kerasgen.utils import validation as v


@dataclasses.dataclass(frozen=True)
class Images:
    """Images ``[H, W, C]`` of integer pixels in ``[0, num_levels - 1]``.

    Args:
        shape: ``(height, width, channels)``.
        num_levels: pixel values (17 for digits, 256 for 8-bit images).
    """

    shape: tuple
    num_levels: int
    name = "images"
    input_name = "images"

    def __post_init__(self):
        object.__setattr__(self, "shape", v.check_image_shape("image_shape", self.shape))
        object.__setattr__(self, "num_levels", _check_levels(self.num_levels))

    @property
    def rank(self):
        return 3

    def spec(self, name=None):
        return tf.TensorSpec([None, *self.shape], tf.float32, name=name or self.input_name)

    def check(self, name, examples, integers=False):
        """A float32 batch ``[N, H, W, C]``; whole numbers too when `integers`."""
        return v.check_images(name, examples, self.shape, self.num_levels, integers=integers)

    def random(self, rng, batch_size, length=None):
        return rng.integers(0, self.num_levels, size=[batch_size, *self.shape])

    def describe(self):
        return f"{'x'.join(map(str, self.shape))} images, {self.num_levels} levels"


@dataclasses.dataclass(frozen=True)
class AudioSequences:
    """Mono audio as integer levels ``[T, 1]`` in ``[0, num_levels - 1]``, of any length T.

    Args:
        num_levels: levels of the encoding (256 for 8-bit mu-law, 65536 for 16-bit PCM).
        sample_rate: samples per second.
    """

    num_levels: int
    sample_rate: int
    name = "audio"
    input_name = "audio"

    def __post_init__(self):
        object.__setattr__(self, "num_levels", _check_levels(self.num_levels))
        object.__setattr__(self, "sample_rate",
                           v.check_positive_int("sample_rate", self.sample_rate))

    @property
    def rank(self):
        return 2

    def spec(self, name=None):
        return tf.TensorSpec([None, None, 1], tf.float32, name=name or self.input_name)

    def check(self, name, examples, integers=True):
        """A float32 batch ``[B, T, 1]`` (``[B, T]`` is given its channel axis)."""
        expected = "audio levels [batch, samples, 1] (or [batch, samples])"
        array = v.as_array(name, examples, expected)
        if array.ndim == 2:
            array = array[..., None]
        if array.ndim != 3 or array.shape[-1] != 1 or array.shape[0] == 0 \
                or array.shape[1] == 0:
            v.fail(name, f"an array of shape {array.shape}", f"{expected}, non-empty")
        if not np.issubdtype(array.dtype, np.number):
            v.fail(name, f"an array of dtype {array.dtype}", "integer audio levels")
        if not np.all(np.isfinite(array)):
            v.fail(name, "non-finite values", f"integer levels in [0, {self.num_levels - 1}]")
        if integers and np.any(np.mod(array, 1) != 0):
            v.fail(name, "non-integer values", "integer audio levels (encode float audio with "
                   "kerasgen.data.audio.encode_audio)")
        if array.min() < 0 or array.max() >= self.num_levels:
            v.fail(name, f"values in [{array.min()}, {array.max()}]",
                   f"levels in [0, {self.num_levels - 1}]")
        return array.astype(np.float32)

    def random(self, rng, batch_size, length=16):
        return rng.integers(0, self.num_levels, size=[batch_size, length, 1])

    def describe(self):
        return f"audio at {self.sample_rate} Hz, {self.num_levels} levels"


def _check_levels(num_levels):
    if isinstance(num_levels, bool) or not isinstance(num_levels, (int, np.integer)) \
            or num_levels < 2:
        v.fail("num_levels", repr(num_levels), "an integer >= 2")
    return int(num_levels)
