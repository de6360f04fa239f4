"""A convolutional LSTM along one axis with colour-masked gates: PixelRNN's recurrent core.

#### Mathematical details

The input ``x`` is ``[B, T, N, F]`` (the layout of ``keras.layers.ConvLSTM1D``): the LSTM runs
along the T lines, and every gate is a 1-D convolution along the N positions of a line.
With u units, h_{-1} = c_{-1} = 0 and t = 0 .. T - 1:

    z_t          = K_is (*) x_t + K_ss (*) h_{t-1} + b          [B, N, 4u]
    [i, f, o, g] = split(z_t, 4)                                 u units each
    c_t          = sigmoid(f) . c_{t-1} + sigmoid(i) . tanh(g)
    h_t          = sigmoid(o) . tanh(c_t)

- input-to-state K_is: width k (odd), computed for all lines at once; its mask is the centre
  row of `MaskedConv2D`'s mask B, repeated for the four gates: position n reads n - (k-1)/2
  .. n, and at n itself the unit of colour group G reads only features of groups <= G
  (group(q) = q C // u for C image channels, the grouping `MaskedConv2D` uses);
- state-to-state K_ss: width s over the previous line's hidden state, ``"same"`` padding
  (reads n - (s-1)/2 .. n + (s-1)/2) or ``"causal"`` (reads n - s + 1 .. n). It is not
  masked: in PixelRNN the previous line (the row above, or the previous diagonal) holds only
  earlier pixels, every channel of which the current pixel may see;
- c and h are elementwise in the units, so unit q keeps the colour group of its gates.

The loop is a ``tf.while_loop`` over t carrying (h, c) and the outputs ``[T, B, N, u]``, line t
written with DynamicUpdateSlice. It converts to TFLite builtins (WHILE, GATHER, CONV_2D...);
``tf.TensorArray`` and ``tf.scan`` do not at a dynamic batch size (TensorListReserve needs a
static element shape). The forget gate's bias starts at 1 (as Keras' ``unit_forget_bias``).

Example:
    >>> import numpy as np
    >>> layer = MaskedConvLSTM1D(4, kernel_size=3, recurrent_kernel_size=2,
    ...                          recurrent_padding="causal")
    >>> layer(np.zeros([2, 5, 6, 3], np.float32)).shape
    TensorShape([2, 5, 6, 4])
    >>> gate_mask(3, 1, 2, image_channels=1)[0, :, 0, :].astype(int).tolist()
    [[1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0, 0, 0]]

References:
    van den Oord, Kalchbrenner & Kavukcuoglu 2016, "Pixel Recurrent Neural Networks", ICML.
    Shi et al. 2015, "Convolutional LSTM Network", NeurIPS.
"""

import keras
import numpy as np
import tensorflow as tf

from kerasgen.layers.masked import causal_mask
from kerasgen.utils import validation as v
from kerasgen.utils.inplace import update_slice

PADDINGS = ("same", "causal")


def gate_mask(kernel_size, in_features, units, image_channels=1):
    """``[1, k, in, 4 units]``: the centre row of mask B (`causal_mask`) for each gate."""
    r = kernel_size // 2
    row = causal_mask(kernel_size, in_features, units, "B", image_channels)[r:r + 1]
    return np.tile(row, [1, 1, 1, 4])


def lstm_update(gates, cell):
    """``(h, c)`` from the gate pre-activations ``[..., 4u]`` (i, f, o, g) and the old cell."""
    input_gate, forget_gate, output_gate, candidate = tf.split(gates, 4, axis=-1)
    cell = tf.sigmoid(forget_gate) * cell + tf.sigmoid(input_gate) * tf.tanh(candidate)
    return tf.sigmoid(output_gate) * tf.tanh(cell), cell


def run_lines(steps, recurrent_kernel, length, units, before, after):
    """The recurrence: input-to-state gates ``steps`` [T, B, N, 4u] and the state-to-state
    kernel ``[s, u, 4u]``, padded with `before` and `after` zeros along N -> h [T, B, N, u].
    T (`length`), u and the padding are Python ints: no static shape is read from the
    tensors, so that the compiled form below may relax them (batch size, N)."""
    lines = tf.zeros_like(steps[..., :units])

    def body(t, hidden, cell, lines):
        padded = tf.pad(hidden, [[0, 0], [before, after], [0, 0]])
        gates = tf.gather(steps, t) + tf.nn.conv1d(padded, recurrent_kernel, 1, "VALID")
        hidden, cell = lstm_update(gates, cell)
        # Line t written in place (DynamicUpdateSlice: a TFLite builtin, unlike TensorArray
        # ops at a dynamic batch size); a one-hot sum here made every step touch all T lines.
        return t + 1, hidden, cell, update_slice(
            lines, hidden[tf.newaxis], tf.stack([t, 0, 0, 0]))

    _, _, _, lines = tf.while_loop(lambda t, *_: t < length, body,
                                   (tf.constant(0), lines[0], lines[0], lines))
    return lines


# Called eagerly (log_prob, nll_map, gradients in tests) the loop runs as one graph instead of
# T iterations of eager ops; inside a traced function (fit, sampling, export) it is inlined.
run_lines_compiled = tf.function(run_lines, reduce_retracing=True, autograph=False)


@keras.saving.register_keras_serializable(package="kerasgen")
class MaskedConvLSTM1D(keras.layers.Layer):
    """``[B, T, N, F] -> [B, T, N, units]``: see the module docstring.

    Args:
        units: hidden units u (at least `image_channels`).
        kernel_size: odd width k of the masked input-to-state convolution.
        recurrent_kernel_size: width s of the state-to-state convolution.
        recurrent_padding: ``"same"`` (s odd) or ``"causal"``.
        image_channels: number of colour groups C.
    """

    def __init__(self, units, kernel_size=1, recurrent_kernel_size=3, recurrent_padding="same",
                 image_channels=1, **kwargs):
        super().__init__(**kwargs)
        self.units = v.check_positive_int("units", units)
        self.kernel_size = v.check_odd_int("kernel_size", kernel_size,
                                           "an odd size (the mask has a centre)")
        self.recurrent_kernel_size = v.check_positive_int("recurrent_kernel_size",
                                                          recurrent_kernel_size)
        self.recurrent_padding = v.check_choice("recurrent_padding", recurrent_padding,
                                                PADDINGS)
        if recurrent_padding == "same":
            v.check_odd_int("recurrent_kernel_size", recurrent_kernel_size,
                            "an odd size with 'same' padding")
        self.image_channels = v.check_positive_int("image_channels", image_channels)
        if self.units < self.image_channels:
            v.fail("units", repr(units), f"at least image_channels={image_channels} "
                   "(units in every colour group)")

    def build(self, input_shape):
        in_features = int(input_shape[-1])
        if in_features < self.image_channels:
            v.fail("inputs", f"{in_features} features",
                   f"at least image_channels={self.image_channels}")
        gates = 4 * self.units
        self.kernel = self.add_weight(name="kernel", initializer="glorot_uniform",
                                      shape=(1, self.kernel_size, in_features, gates))
        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel", initializer="orthogonal",
            shape=(self.recurrent_kernel_size, self.units, gates))
        forget_bias = np.zeros([4, self.units], np.float32)
        forget_bias[1] = 1.0
        self.bias = self.add_weight(name="bias", shape=(gates,),
                                    initializer=keras.initializers.Constant(forget_bias.ravel()))
        # NumPy, as in MaskedConv2D: a tensor made here would belong to the building graph.
        self.mask = gate_mask(self.kernel_size, in_features, self.units, self.image_channels)

    def input_to_state(self, inputs):
        """``[B, T, N, F] -> [B, T, N, 4u]`` for every line at once, bias included."""
        kernel = self.kernel * tf.constant(self.mask)
        return tf.nn.conv2d(inputs, kernel, strides=1, padding="SAME") + self.bias

    def call(self, inputs):
        steps = tf.transpose(self.input_to_state(inputs), [1, 0, 2, 3])  # [T, B, N, 4u]
        s = self.recurrent_kernel_size
        before = s - 1 if self.recurrent_padding == "causal" else (s - 1) // 2
        kernel = tf.convert_to_tensor(self.recurrent_kernel)
        run = run_lines_compiled if tf.executing_eagerly() else run_lines
        lines = run(steps, kernel, int(inputs.shape[1]), self.units, before, s - 1 - before)
        return tf.transpose(lines, [1, 0, 2, 3])

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units, kernel_size=self.kernel_size,
                      recurrent_kernel_size=self.recurrent_kernel_size,
                      recurrent_padding=self.recurrent_padding,
                      image_channels=self.image_channels)
        return config
