"""Dilated causal 1-D convolution (WaveNet), with the one-step form fast generation uses.

#### Mathematical details

With kernel size k and dilation d, output t reads inputs t - (k-1) d, ..., t - d, t:

    y_t = b + sum_{m=0}^{k-1} W_m x_{t - (k-1-m) d}          (x_s = 0 for s < 0)

`call` pads (k-1) d zeros on the left and runs a VALID dilated convolution; `call_at` computes
one output from its k taps, given the last H = (k-1) d inputs as a queue (oldest first).

`ring_call_at` does the same from a ring buffer of those H inputs: at step p (counted from a
moment when the ring was an ordinary queue) input t - H + i sits at index (p + i) mod H, so the
taps t - (k-1-m) d are read at (p + m d) mod H and input t overwrites the oldest, at p mod H.
One row written per step instead of a queue shifted by one (H rows copied): generation loops
cost O(k C) per layer and step rather than O(H C).

A stack of such layers with dilations 1, 2, ..., 2^(L-1) sees
1 + (k-1)(2^L - 1) inputs: the receptive field doubles with every layer.

Example:
    >>> import numpy as np
    >>> CausalConv1D(4, kernel_size=2, dilation_rate=8)(np.zeros([1, 32, 3], np.float32)).shape
    TensorShape([1, 32, 4])
"""

import keras
import tensorflow as tf

from kerasgen.utils import validation as v
from kerasgen.utils.inplace import update_slice


@keras.saving.register_keras_serializable(package="kerasgen")
class CausalConv1D(keras.layers.Layer):
    """``[B, T, C] -> [B, T, filters]``; output t sees inputs t - (k-1) d .. t only."""

    def __init__(self, filters, kernel_size=2, dilation_rate=1, **kwargs):
        super().__init__(**kwargs)
        self.filters = v.check_positive_int("filters", filters)
        self.kernel_size = v.check_positive_int("kernel_size", kernel_size)
        self.dilation_rate = v.check_positive_int("dilation_rate", dilation_rate)

    @property
    def history(self):
        """How many past inputs one output needs: (k - 1) d."""
        return (self.kernel_size - 1) * self.dilation_rate

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", initializer="glorot_uniform",
                                      shape=(self.kernel_size, int(input_shape[-1]),
                                             self.filters))
        self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer="zeros")

    def call(self, inputs):
        padded = tf.pad(inputs, [[0, 0], [self.history, 0], [0, 0]])
        return tf.nn.conv1d(padded, self.kernel, 1, "VALID",
                            dilations=self.dilation_rate) + self.bias

    def call_at(self, past, current):
        """One output from ``past`` = the last (k-1) d inputs ``[B, (k-1) d, C]`` (oldest
        first) and ``current`` = input t ``[B, C]``: ``[B, filters]``."""
        return self._from_taps(past[:, ::self.dilation_rate], current)

    def ring_call_at(self, ring, current, position):
        """`call_at` from a ring buffer (module docstring) at step ``position`` (int32 scalar):
        returns ``(output [B, filters], ring with input t written over the oldest)``."""
        if self.history == 0:
            return self._from_taps(ring, current), ring
        oldest = position % self.history
        if self.kernel_size == 2:  # the one tap is the oldest input (fewer ops per step)
            taps = oldest[tf.newaxis]
        else:
            taps = (oldest + self.dilation_rate * tf.range(self.kernel_size - 1)) % self.history
        output = self._from_taps(tf.gather(ring, taps, axis=1), current)
        # XLA's DynamicUpdateSlice: in place under XLA, a builtin op in TFLite, a CPU kernel
        # in TF; tf.tensor_scatter_nd_update has no TFLite builtin.
        row = tf.stack([0, oldest, 0])
        return output, update_slice(ring, current[:, tf.newaxis], row)

    def ring_to_queue(self, ring, position):
        """The ring at step ``position`` as the ordinary queue (oldest first)."""
        if self.history == 0:
            return ring
        return tf.gather(ring, (position + tf.range(self.history)) % self.history, axis=1)

    def _from_taps(self, past_taps, current):
        taps = tf.concat([past_taps, current[:, tf.newaxis]], axis=1)
        size = self.kernel_size * int(self.kernel.shape[1])
        return tf.reshape(taps, [-1, size]) @ tf.reshape(self.kernel, [size, self.filters]) \
            + self.bias

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters, kernel_size=self.kernel_size,
                      dilation_rate=self.dilation_rate)
        return config
