"""The WaveNet network (van den Oord et al. 2016) and its one-sample step.

#### Mathematical details

Input: samples in [-1, 1] units, shifted one step (position t sees x_<t). Every causal
convolution pads its input with zeros before the clip (and `step` starts from zero queues),
so log p(x) and generation both start from that same state. With g a global condition
(one-hot class or speaker) and c_t a local condition (features upsampled to the sample
rate):

    h_0 = CausalConv_{k0}(shift(x))
    for each stack, for d = 1, 2, ..., 2^(L-1):
        [f, s] = DilatedCausalConv_{k, d}(h) + V g + W c_t          (2 * residual channels)
        z      = tanh(f) * sigmoid(s)                               gated unit
        skip  += Dense_skip(z);   h = h + Dense_res(z)              residual and skip paths
    params_t = Dense_out(relu(Dense(relu(skip))))

Receptive field (samples before t that params_t sees):

    R = k0 + stacks * (k - 1) * (2^L - 1)          (the shift adds 1, the first conv k0 - 1)

`step` computes params_t from x_{t-1} and one queue per causal convolution holding its last
(k-1) d inputs (Paine et al. 2016, "Fast WaveNet Generation"): O(layers) work per sample
instead of O(R). The queues are plain tensors in and out, so the same function is the
streaming step model exported to TFLite.

Example:
    >>> import numpy as np
    >>> net = WaveNetNetwork(residual_channels=8, skip_channels=8, layers_per_stack=3,
    ...                      stacks=1, out_features=256)
    >>> net(np.zeros([2, 100, 1], np.float32)).shape
    TensorShape([2, 100, 256])
    >>> net.receptive_field
    9
"""

import keras
import tensorflow as tf

from kerasgen.layers.causal import CausalConv1D


def shift_right(x):
    """Position t gets x_{t-1}; silence (0) at t = 0."""
    return tf.pad(x[:, :-1], [[0, 0], [1, 0], [0, 0]])


@keras.saving.register_keras_serializable(package="kerasgen")
class WaveNetNetwork(keras.layers.Layer):
    """Samples in units ``[B, T, 1]`` (and conditions) -> head parameters ``[B, T, P]``."""

    def __init__(self, residual_channels, skip_channels, layers_per_stack, stacks,
                 out_features, kernel_size=2, initial_kernel_size=2, global_dim=0,
                 local_dim=0, **kwargs):
        super().__init__(**kwargs)
        self.residual_channels, self.skip_channels = residual_channels, skip_channels
        self.layers_per_stack, self.stacks = layers_per_stack, stacks
        self.out_features, self.kernel_size = out_features, kernel_size
        self.initial_kernel_size = initial_kernel_size
        self.global_dim, self.local_dim = global_dim, local_dim
        r = residual_channels
        self.input_conv = CausalConv1D(r, initial_kernel_size, name="input_conv")
        self.dilations = [2 ** i for _ in range(stacks) for i in range(layers_per_stack)]
        self.dilated = [CausalConv1D(2 * r, kernel_size, d, name=f"dilated_{n}")
                        for n, d in enumerate(self.dilations)]
        dense = keras.layers.Dense
        self.global_in = [dense(2 * r, use_bias=False, name=f"global_{n}")
                          for n in range(len(self.dilations))] if global_dim else []
        self.local_in = [dense(2 * r, use_bias=False, name=f"local_{n}")
                         for n in range(len(self.dilations))] if local_dim else []
        # The last layer's residual output would feed nothing: only its skip is used.
        self.residual_out = [dense(r, name=f"residual_{n}")
                             for n in range(len(self.dilations) - 1)]
        self.skip_out = [dense(skip_channels, name=f"skip_{n}")
                         for n in range(len(self.dilations))]
        self.head_hidden = dense(skip_channels, name="head_hidden")
        self.head_out = dense(out_features, name="head_out")

    @property
    def receptive_field(self):
        """R = k0 + sum over dilated layers of (k - 1) d (module docstring)."""
        return self.initial_kernel_size + sum(conv.history for conv in self.dilated)

    def causal_convs(self):
        """Every causal convolution, in order: the queues of `step` follow this order."""
        return [self.input_conv, *self.dilated]

    # ------------------------------------------------------------------ whole sequences
    def call(self, x, global_condition=None, local_condition=None):
        """``x`` [B, T, 1] in units; ``global_condition`` [B, G]; ``local_condition``
        [B, T, M] (already at the sample rate)."""
        h = self.input_conv(shift_right(x))
        skip = 0.0
        for n, conv in enumerate(self.dilated):
            pre = conv(h) + self._condition_bias(n, global_condition, local_condition, True)
            h, skip = self._gated(n, h, pre, skip)
        return self._head(skip)

    def _condition_bias(self, n, global_condition, local_condition, sequence):
        bias = 0.0
        if self.global_dim:
            g = self.global_in[n](global_condition)
            bias = bias + (g[:, tf.newaxis] if sequence else g)
        if self.local_dim:
            bias = bias + self.local_in[n](local_condition)
        return bias

    def _gated(self, n, h, pre, skip):
        f, s = tf.split(pre, 2, axis=-1)
        z = tf.tanh(f) * tf.sigmoid(s)
        if n < len(self.residual_out):
            h = h + self.residual_out[n](z)
        return h, skip + self.skip_out[n](z)

    def _head(self, skip):
        return self.head_out(tf.nn.relu(self.head_hidden(tf.nn.relu(skip))))

    # ------------------------------------------------------------------ one sample
    def initial_queues(self, batch):
        """Zero (silent) queues ``[B, (k-1) d, C_in]`` for every causal convolution."""
        return [tf.zeros([batch, conv.history, 1 if conv is self.input_conv
                          else self.residual_channels]) for conv in self.causal_convs()]

    def step(self, previous, queues, global_condition=None, local_condition=None,
             position=None):
        """params_t ``[B, P]`` from ``previous`` = x_{t-1} ``[B, 1]`` (units) and the queues
        (`initial_queues` at t = 0); returns ``(params, new_queues)``. ``local_condition``
        is c_t ``[B, M]``.

        With ``position`` None the queues are ordinary (oldest first) and come back shifted
        by one. With ``position`` p (int32 scalar; steps since the queues were ordinary) they
        are ring buffers (`CausalConv1D.ring_call_at`): one row written per layer instead of
        every queue copied, for generation loops; `rings_to_queues` turns them back."""
        new_queues = []

        def conv_at(conv, queue, current):
            if position is None:
                new_queues.append(tf.concat([queue[:, 1:], current[:, tf.newaxis]], axis=1))
                return conv.call_at(queue, current)
            output, ring = conv.ring_call_at(queue, current, position)
            new_queues.append(ring)
            return output

        h = conv_at(self.input_conv, queues[0], previous)
        skip = 0.0
        for n, conv in enumerate(self.dilated):
            pre = conv_at(conv, queues[n + 1], h) + self._condition_bias(
                n, global_condition, local_condition, False)
            h, skip = self._gated(n, h, pre, skip)
        return self._head(skip), new_queues

    def rings_to_queues(self, rings, position):
        """Ring buffers after ``position`` ring steps -> ordinary queues (oldest first)."""
        return [conv.ring_to_queue(ring, position)
                for conv, ring in zip(self.causal_convs(), rings)]

    def get_config(self):
        config = super().get_config()
        config.update(residual_channels=self.residual_channels,
                      skip_channels=self.skip_channels,
                      layers_per_stack=self.layers_per_stack, stacks=self.stacks,
                      out_features=self.out_features, kernel_size=self.kernel_size,
                      initial_kernel_size=self.initial_kernel_size,
                      global_dim=self.global_dim, local_dim=self.local_dim)
        return config
