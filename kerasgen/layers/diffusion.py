"""The layers of a diffusion U-Net (Ho et al. 2020): a sinusoidal embedding of the step, a
residual block that takes that embedding, and self-attention over the pixels.

#### Mathematical details

    embedding(t)_i       = sin(t * w_i),  embedding(t)_{i + d/2} = cos(t * w_i),
                           w_i = exp(-log(10000) * i / (d/2 - 1)),  i = 0 .. d/2 - 1

    ResidualBlock(h, e)  = skip(h) + conv(dropout(swish(norm(
                               conv(swish(norm(h))) + dense(swish(e))))))
                           (skip: a 1x1 convolution when the channel count changes)

    AttentionBlock(h)    = h + attention(norm(h)) over the H * W positions (one head)

`norm` is group normalization (`groups` groups of channels); the last convolution of each
block starts at zero, so a block starts as the identity (as DDPM's code).

Example:
    >>> import numpy as np
    >>> SinusoidalEmbedding(8)(np.array([0.0, 5.0])).shape
    TensorShape([2, 8])
    >>> block = ResidualBlock(16, groups=4)
    >>> block([np.zeros([2, 4, 4, 8], np.float32), np.zeros([2, 32], np.float32)]).shape
    TensorShape([2, 4, 4, 16])
    >>> AttentionBlock(groups=4)(np.zeros([2, 4, 4, 16], np.float32)).shape
    TensorShape([2, 4, 4, 16])

References:
    Ho, Jain & Abbeel 2020, "Denoising Diffusion Probabilistic Models" (the U-Net of its
    code, after PixelCNN++ and the Wide ResNet).
    Vaswani et al. 2017, "Attention Is All You Need" (the sinusoidal embedding).
"""

import math

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="kerasgen")
class SinusoidalEmbedding(keras.layers.Layer):
    """The step t ``[B]`` (float) as `dim` sinusoidal features ``[B, dim]`` (`dim` even)."""

    def __init__(self, dim, **kwargs):
        super().__init__(**kwargs)
        if dim < 4 or dim % 2:
            raise ValueError(f"`dim` must be an even number of at least 4; received {dim}.")
        self.dim = int(dim)

    def call(self, t):
        half = self.dim // 2
        frequencies = tf.exp(-math.log(10000.0) * tf.range(half, dtype=tf.float32)
                             / (half - 1))
        angles = tf.cast(tf.reshape(t, [-1, 1]), tf.float32) * frequencies
        return tf.concat([tf.sin(angles), tf.cos(angles)], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.dim)

    def get_config(self):
        return {**super().get_config(), "dim": self.dim}


@keras.saving.register_keras_serializable(package="kerasgen")
class ResidualBlock(keras.layers.Layer):
    """A residual block on feature maps ``[B, H, W, C]`` given a step embedding ``[B, E]``
    (module docstring); outputs `filters` channels."""

    def __init__(self, filters, groups=8, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.groups, self.dropout = int(filters), int(groups), float(dropout)
        self.norm_in = keras.layers.GroupNormalization(self.groups)
        self.conv_in = keras.layers.Conv2D(self.filters, 3, padding="same")
        self.step = keras.layers.Dense(self.filters)
        self.norm_out = keras.layers.GroupNormalization(self.groups)
        self.drop = keras.layers.Dropout(self.dropout)
        self.conv_out = keras.layers.Conv2D(self.filters, 3, padding="same",
                                            kernel_initializer="zeros")
        self.skip = None

    def build(self, input_shape):
        features, embedding = input_shape
        channels = features[-1]
        self.norm_in.build(features)
        self.conv_in.build(features)
        self.step.build(embedding)
        inner = (*features[:-1], self.filters)
        self.norm_out.build(inner)
        self.conv_out.build(inner)
        if channels != self.filters:
            self.skip = keras.layers.Conv2D(self.filters, 1)
            self.skip.build(features)

    def call(self, inputs, training=False):
        h, embedding = inputs
        x = self.conv_in(tf.nn.silu(self.norm_in(h)))
        x = x + self.step(tf.nn.silu(embedding))[:, None, None, :]
        x = self.conv_out(self.drop(tf.nn.silu(self.norm_out(x)), training=training))
        return (h if self.skip is None else self.skip(h)) + x

    def compute_output_shape(self, input_shape):
        return (*input_shape[0][:-1], self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "groups": self.groups,
                "dropout": self.dropout}


@keras.saving.register_keras_serializable(package="kerasgen")
class AttentionBlock(keras.layers.Layer):
    """Self-attention over the positions of ``[B, H, W, C]``, one head, added to the input."""

    def __init__(self, groups=8, **kwargs):
        super().__init__(**kwargs)
        self.groups = int(groups)
        self.norm = keras.layers.GroupNormalization(self.groups)

    def build(self, input_shape):
        channels = input_shape[-1]
        self.norm.build(input_shape)
        self.query, self.key, self.value = (keras.layers.Dense(channels) for _ in range(3))
        self.out = keras.layers.Dense(channels, kernel_initializer="zeros")
        for layer in (self.query, self.key, self.value, self.out):
            layer.build((None, channels))

    def call(self, h):
        shape = tf.shape(h)
        channels = h.shape[-1]
        x = tf.reshape(self.norm(h), [shape[0], -1, channels])           # [B, HW, C]
        scores = tf.matmul(self.query(x), self.key(x), transpose_b=True) / math.sqrt(channels)
        attended = tf.matmul(tf.nn.softmax(scores, axis=-1), self.value(x))
        return h + tf.reshape(self.out(attended), shape)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "groups": self.groups}
