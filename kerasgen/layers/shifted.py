"""Shifted convolutions and the gated residual block of PixelCNN++.

#### Mathematical details

Instead of masking a kernel, PixelCNN++ pads the input so that a plain VALID convolution only
reaches pixels above (the "down" stream) or above-and-left (the "down-right" stream):

    down-shifted      kernel (kh, kw), pad kh-1 rows on top, (kw-1)/2 columns each side:
                      output (i, j) sees rows i-kh+1..i, columns j-(kw-1)/2..j+(kw-1)/2
    down-right-shifted  kernel (kh, kw), pad kh-1 rows on top, kw-1 columns on the left:
                      output (i, j) sees rows i-kh+1..i, columns j-kw+1..j
    down_shift(x)     (i, j) <- x(i-1, j)    (zeros in row 0)
    right_shift(x)    (i, j) <- x(i, j-1)    (zeros in column 0)

With strides 2 these halve the resolution; the transposed forms (stride 2) double it and crop
so that the same "rows above / left" structure holds. The first layers of the network apply
down_shift / right_shift, so that no output ever sees its own pixel.

Gated residual block (concat_elu(x) = elu([x, -x])):

    c = conv(concat_elu(x)) [+ nin(concat_elu(a))]          a: an auxiliary stream
    c = dropout(concat_elu(c))                              (stateless mask from a seed)
    [g, s] = conv2(c) [+ W h]                               h: a class or tensor condition
    out = x + g * sigmoid(s)

Example:
    >>> import numpy as np
    >>> DownShiftedConv2D(4)(np.zeros([1, 8, 8, 2], np.float32)).shape
    TensorShape([1, 8, 8, 4])
    >>> DownRightShiftedConv2DTranspose(4)(np.zeros([1, 4, 4, 2], np.float32)).shape
    TensorShape([1, 8, 8, 4])

References:
    Salimans, Karpathy, Chen & Kingma 2017, "PixelCNN++", ICLR (and its reference code).
"""

import keras
import tensorflow as tf

from kerasgen.utils import noise
from kerasgen.utils import validation as v


def down_shift(x):
    """(i, j) <- x(i-1, j), zeros in the first row."""
    return tf.pad(x[:, :-1], [[0, 0], [1, 0], [0, 0], [0, 0]])


def right_shift(x):
    """(i, j) <- x(i, j-1), zeros in the first column."""
    return tf.pad(x[:, :, :-1], [[0, 0], [0, 0], [1, 0], [0, 0]])


def with_ones_channel(x):
    """[x, 1]: a channel of ones tells the first layers the image from its zero padding."""
    return tf.concat([x, tf.ones_like(x[..., :1])], axis=-1)


def concat_elu(x):
    return tf.nn.elu(tf.concat([x, -x], axis=-1))


def _kernel_size(value):
    size = tuple(value) if isinstance(value, (list, tuple)) else (value, value)
    if len(size) != 2:
        v.fail("kernel_size", repr(value), "an int or a pair (height, width)")
    return tuple(v.check_positive_int("kernel_size", s) for s in size)


class _ShiftedConv(keras.layers.Layer):
    """Shared parts: a kernel, a bias, the padding and cropping of one direction."""

    transpose = False
    right = False  # down-right (pad/crop on the left) rather than down (centred columns)

    def __init__(self, filters, kernel_size=None, strides=1, **kwargs):
        super().__init__(**kwargs)
        self.filters = v.check_positive_int("filters", filters)
        default = (2, 2) if self.right else (2, 3)
        self.kernel_size = _kernel_size(default if kernel_size is None else kernel_size)
        if not self.right and self.kernel_size[1] % 2 == 0:
            v.fail("kernel_size", repr(kernel_size), "an odd width for a down-shifted conv")
        self.strides = v.check_positive_int("strides", strides)

    def build(self, input_shape):
        kh, kw = self.kernel_size
        in_features = int(input_shape[-1])
        shape = (kh, kw, self.filters, in_features) if self.transpose \
            else (kh, kw, in_features, self.filters)
        self.kernel = self.add_weight(name="kernel", shape=shape, initializer="glorot_uniform")
        self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer="zeros")

    def _padding(self):
        kh, kw = self.kernel_size
        cols = [kw - 1, 0] if self.right else [(kw - 1) // 2, (kw - 1) // 2]
        return [[0, 0], [kh - 1, 0], cols, [0, 0]]

    def call(self, inputs):
        if not self.transpose:
            padded = tf.pad(inputs, self._padding())
            return tf.nn.conv2d(padded, self.kernel, self.strides, "VALID") + self.bias
        kh, kw = self.kernel_size
        s = self.strides
        shape = tf.shape(inputs)
        height, width = shape[1] * s, shape[2] * s
        full = tf.nn.conv2d_transpose(
            inputs, self.kernel, tf.stack([shape[0], height + kh - 1, width + kw - 1,
                                           self.filters]), s, "VALID")
        # Down-right: keep the first columns, so output column x reads input column x // 2,
        # which has only seen pixels up to column 2 * (x // 2) <= x at the finer resolution.
        left = 0 if self.right else (kw - 1) // 2
        return full[:, :height, left:left + width] + self.bias

    def call_at(self, window):
        """The output at one position from the window it reads, ``[B, kh, kw, F_in]`` (taken
        from an input padded as in `call`): ``[B, filters]``. Any stride."""
        if self.transpose:
            raise NotImplementedError(f"{type(self).__name__} has no window form")
        kh, kw = self.kernel_size
        size = kh * kw * int(self.kernel.shape[2])
        return tf.reshape(window, [-1, size]) @ tf.reshape(self.kernel, [size, self.filters]) \
            + self.bias

    def compute_output_shape(self, input_shape):
        batch, height, width = input_shape[:3]

        def scale(n):
            if n is None:
                return None
            return n * self.strides if self.transpose else -(-n // self.strides)

        return (batch, scale(height), scale(width), self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters, kernel_size=list(self.kernel_size),
                      strides=self.strides)
        return config


@keras.saving.register_keras_serializable(package="kerasgen")
class DownShiftedConv2D(_ShiftedConv):
    """Sees rows above (and the current row, which the network shifts away), centred columns."""


@keras.saving.register_keras_serializable(package="kerasgen")
class DownRightShiftedConv2D(_ShiftedConv):
    """Sees rows above and columns to the left (and the current position)."""

    right = True


@keras.saving.register_keras_serializable(package="kerasgen")
class DownShiftedConv2DTranspose(_ShiftedConv):
    """Stride-2 upsampling of the down stream."""

    transpose = True

    def __init__(self, filters, kernel_size=None, strides=2, **kwargs):
        super().__init__(filters, kernel_size, strides, **kwargs)


@keras.saving.register_keras_serializable(package="kerasgen")
class DownRightShiftedConv2DTranspose(_ShiftedConv):
    """Stride-2 upsampling of the down-right stream."""

    transpose = True
    right = True

    def __init__(self, filters, kernel_size=None, strides=2, **kwargs):
        super().__init__(filters, kernel_size, strides, **kwargs)

    def call_at(self, value, i, j):
        """Output (i, j) from the one input it reads, ``value`` = input (i // s, j // s)
        ``[B, F_in]``: ``[B, filters]`` (2x2 kernel, stride 2: kernel tap (i % 2, j % 2))."""
        if self.kernel_size != (self.strides, self.strides):
            raise NotImplementedError("call_at needs kernel_size == (strides, strides)")
        tap = tf.gather_nd(self.kernel, [[i % self.strides, j % self.strides]])[0]
        return tf.matmul(value, tap, transpose_b=True) + self.bias


@keras.saving.register_keras_serializable(package="kerasgen")
class GatedResidual(keras.layers.Layer):
    """The gated residual block (module docstring) over a down or down-right stream.

    Args:
        filters: features of the stream (input and output).
        direction: ``"down"`` or ``"down_right"`` (which shifted conv to use).
        dropout: dropout rate on the residual path.
        auxiliary: whether `call` receives an auxiliary stream `a`.
        conditional: whether `call` receives a condition `h`, either a vector ``[B, D]``
            (class) or a map ``[B, H', W', D]`` (tensor conditioning; average-pooled to the
            block's resolution).
    """

    def __init__(self, filters, direction="down", dropout=0.0, auxiliary=False,
                 conditional=False, **kwargs):
        super().__init__(**kwargs)
        self.filters = v.check_positive_int("filters", filters)
        self.direction = v.check_choice("direction", direction, ("down", "down_right"))
        if not 0 <= dropout < 1:
            v.fail("dropout", repr(dropout), "a rate in [0, 1)")
        self.dropout_rate = float(dropout)
        self.auxiliary, self.conditional = bool(auxiliary), bool(conditional)
        conv = DownShiftedConv2D if direction == "down" else DownRightShiftedConv2D
        self.conv_in = conv(self.filters, name="conv_in")
        self.conv_out = conv(2 * self.filters, name="conv_out")
        self.auxiliary_in = keras.layers.Dense(self.filters, name="auxiliary_in") \
            if self.auxiliary else None
        self.condition_in = keras.layers.Dense(2 * self.filters, use_bias=False,
                                               name="condition_in") if self.conditional else None

    def call(self, x, auxiliary=None, condition=None, training=False, seed=None):
        """`seed` (int32 [2]) draws the dropout mask statelessly, so that training noise
        is keyed on the step and resumes exactly; without one, no dropout is applied."""
        c = self.hidden(self.conv_in(concat_elu(x)), auxiliary)
        if training and self.dropout_rate and seed is not None:
            keep = noise.uniform(tf.shape(c), seed) >= self.dropout_rate
            c = tf.where(keep, c / (1.0 - self.dropout_rate), 0.0)
        return self.gated(x, self.conv_out(c), self.condition_bias(condition, x.shape[1]))

    def hidden(self, conv_in_output, auxiliary=None):
        """concat_elu(conv_in(...) [+ nin(concat_elu(a))]), at every position or one."""
        if self.auxiliary:
            conv_in_output = conv_in_output + self.auxiliary_in(concat_elu(auxiliary))
        return concat_elu(conv_in_output)

    @staticmethod
    def gated(x, conv_out_output, condition_bias=None):
        """x + g * sigmoid(s), [g, s] = conv_out(...) [+ W h]."""
        if condition_bias is not None:
            conv_out_output = conv_out_output + condition_bias
        gate, signal = tf.split(conv_out_output, 2, axis=-1)
        return x + gate * tf.sigmoid(signal)

    def condition_bias(self, condition, height):
        """W h for a block at `height` rows: ``[B, 1, 1, 2F]`` (vector condition) or
        ``[B, height, W', 2F]`` (map, average-pooled to the block's resolution); None when
        the block is unconditional."""
        if not self.conditional:
            return None
        if condition.shape.rank == 2:
            return self.condition_in(condition)[:, tf.newaxis, tf.newaxis, :]
        factor = condition.shape[1] // height  # static: image sizes are fixed
        if factor > 1:
            condition = tf.nn.avg_pool2d(condition, factor, factor, "VALID")
        return self.condition_in(condition)

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters, direction=self.direction,
                      dropout=self.dropout_rate, auxiliary=self.auxiliary,
                      conditional=self.conditional)
        return config
