"""Masked convolution (PixelCNN): a convolution that sees only pixels before the centre.

#### Mathematical details

A k x k kernel (k odd, centre (r, r), r = k // 2) is multiplied by a mask in *every* call, so
the layer is causal from the first call (no constraint that acts only after an optimizer step):

    mask[a, b, :, :] = 1     for rows a < r, and for a = r, b < r   (pixels before the centre)
    mask[a, b, :, :] = 0     for a = r, b > r and every a > r        (pixels after it)
    mask[r, r, p, q] = 1     iff group(p) <  group(q)   (type "A": the first layer)
                             iff group(p) <= group(q)   (type "B": every later layer)

with features split into `image_channels` groups in order: group(p) = p * C // n for n
features. For RGB, output features of group G then depend on the colours before G of the same
pixel (type A) and on features of groups <= G (type B): the R, G | R, B | R, G ordering of
van den Oord et al. For one channel, type A simply excludes the centre.

Example:
    >>> import numpy as np
    >>> layer = MaskedConv2D(4, 3, mask_type="A")
    >>> layer(np.zeros([1, 5, 5, 1], np.float32)).shape
    TensorShape([1, 5, 5, 4])
    >>> causal_mask(3, 1, 1, "A")[:, :, 0, 0].astype(int).tolist()
    [[1, 1, 1], [1, 0, 0], [0, 0, 0]]

References:
    van den Oord, Kalchbrenner & Kavukcuoglu 2016, "Pixel Recurrent Neural Networks", ICML.
"""

import keras
import numpy as np
import tensorflow as tf

from kerasgen.utils import validation as v

MASK_TYPES = ("A", "B")


def channel_groups(num_features, image_channels):
    """Group (colour) index of each of `num_features` features: p * C // n."""
    return np.arange(num_features) * image_channels // num_features


def causal_mask(kernel_size, in_features, out_features, mask_type, image_channels=1):
    """The ``[k, k, in, out]`` 0/1 mask described in the module docstring."""
    r = kernel_size // 2
    mask = np.zeros([kernel_size, kernel_size, in_features, out_features], np.float32)
    mask[:r] = 1.0
    mask[r, :r] = 1.0
    groups_in = channel_groups(in_features, image_channels)[:, None]
    groups_out = channel_groups(out_features, image_channels)[None, :]
    allowed = groups_in < groups_out if mask_type == "A" else groups_in <= groups_out
    mask[r, r] = allowed.astype(np.float32)
    return mask


@keras.saving.register_keras_serializable(package="kerasgen")
class MaskedConv2D(keras.layers.Layer):
    """A 'same'-padded, stride-1 convolution with a causal kernel mask (see module docstring).

    Args:
        filters: output features (at least `image_channels`).
        kernel_size: odd kernel size k (k x k).
        mask_type: ``"A"`` (excludes the centre's own colour) or ``"B"`` (includes it).
        image_channels: number of colour groups C.
        activation, use_bias: as in ``keras.layers.Conv2D``.
    """

    def __init__(self, filters, kernel_size, mask_type="B", image_channels=1, activation=None,
                 use_bias=True, **kwargs):
        super().__init__(**kwargs)
        self.filters = v.check_positive_int("filters", filters)
        self.kernel_size = v.check_positive_int("kernel_size", kernel_size)
        if self.kernel_size % 2 == 0:
            v.fail("kernel_size", repr(kernel_size), "an odd size (the mask has a centre)")
        self.mask_type = v.check_choice("mask_type", mask_type, MASK_TYPES)
        self.image_channels = v.check_positive_int("image_channels", image_channels)
        if self.filters < self.image_channels:
            v.fail("filters", repr(filters), f"at least image_channels={image_channels} "
                   "(one feature group per colour)")
        self.activation = keras.activations.get(activation)
        self.use_bias = bool(use_bias)

    def build(self, input_shape):
        in_features = int(input_shape[-1])
        if in_features < self.image_channels:
            v.fail("inputs", f"{in_features} features",
                   f"at least image_channels={self.image_channels}")
        k = self.kernel_size
        self.kernel = self.add_weight(name="kernel", shape=(k, k, in_features, self.filters),
                                      initializer="glorot_uniform")
        self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer="zeros") \
            if self.use_bias else None
        # Kept as NumPy: a tensor made here would belong to whichever graph built the layer.
        self.mask = causal_mask(k, in_features, self.filters, self.mask_type,
                                self.image_channels)

    def masked_kernel(self):
        return self.kernel * tf.constant(self.mask)

    def call(self, inputs):
        outputs = tf.nn.conv2d(inputs, self.masked_kernel(), strides=1, padding="SAME")
        if self.use_bias:
            outputs = outputs + self.bias
        return self.activation(outputs)

    def call_at(self, patches):
        """The output at one position from its input window ``[B, k, k, in]`` (zeros outside
        the image): ``[B, filters]``. Used by cached sampling."""
        outputs = tf.einsum("bhwi,hwio->bo", patches, self.masked_kernel())
        if self.use_bias:
            outputs = outputs + self.bias
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters, kernel_size=self.kernel_size,
                      mask_type=self.mask_type, image_channels=self.image_channels,
                      activation=keras.activations.serialize(self.activation),
                      use_bias=self.use_bias)
        return config
