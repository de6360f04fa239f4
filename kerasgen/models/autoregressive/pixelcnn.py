"""PixelCNN (van den Oord et al. 2016): masked convolutions over rows and channels.

#### Mathematical details

    h_0     = MaskA_{k x k}(x)                          first layer: excludes the own pixel
    h_{l+1} = h_l + MaskB_{3 x 3}(relu(h_l))            residual masked layers, l < num_layers
    params  = MaskB_{1 x 1}(relu(MaskB_{1 x 1}(relu(h_L))))

Features are split into C colour groups (see `kerasgen.layers.masked`), so the logits of
channel c at pixel (i, j) depend only on earlier pixels and on channels < c of pixel (i, j):
channels are sampled one at a time. Not on *every* earlier pixel: stacked masked k x k
convolutions have the original PixelCNN's blind spot, a wedge of pixels up and to the right
(e.g. (i - 1, j + 2 ..) after 3 x 3 layers) that no depth reaches; PixelCNN++'s shifted
down and down-right streams (`PixelCNNPlusPlus`) have none. A class condition adds W_l y to
every layer (a bias per class, which keeps the masks causal).

Cached sampling (Ramachandran et al. 2017): every k x k layer keeps a cache of its input
``[B, H + 2r, W + 2r, F]``; at step (i, j) each layer computes only position (i, j) from its
cached window (``MaskedConv2D.call_at``), writing its own output into the next layer's cache.
A step costs O(layers * k^2 * F^2) instead of a full pass over H * W positions.

Example:
    >>> import kerasgen
    >>> images, _ = kerasgen.data.load_arrays("digits", max_examples=64)
    >>> model = PixelCNN(image_shape=(8, 8, 1), num_levels=17, filters=8, num_layers=1)
    >>> model.compile(optimizer="adam")
    >>> _ = model.fit(images, batch_size=32, epochs=1, verbose=0)
    >>> model.sample(2, seed=0).shape
    TensorShape([2, 8, 8, 1])

References:
    van den Oord, Kalchbrenner & Kavukcuoglu 2016, "Pixel Recurrent Neural Networks", ICML.
    Ramachandran et al. 2017, "Fast Generation for Convolutional Autoregressive Models",
    ICLR workshop.
"""

import keras
import tensorflow as tf

from kerasgen.layers.masked import MaskedConv2D
from kerasgen.models.autoregressive.base import AutoregressiveImageModel
from kerasgen.sampling.autoregressive import put_pixel
from kerasgen.utils import validation as v


def check_channel_likelihood(likelihood, family):
    """The heads of channel-masked models (PixelCNN, PixelRNN): one softmax or Bernoulli per
    channel; the logistic mixture couples the channels of a pixel (PixelCNN++)."""
    if likelihood not in ("categorical", "bernoulli"):
        v.fail("likelihood", repr(likelihood), f"'categorical' or 'bernoulli' for {family} "
               "(the logistic mixture is PixelCNN++'s)")
    return likelihood


@keras.saving.register_keras_serializable(package="kerasgen")
class PixelCNNNetwork(keras.layers.Layer):
    """The masked stack: images in [-1, 1] (and a one-hot condition) -> head parameters."""

    def __init__(self, image_channels, filters, num_layers, first_kernel_size, out_features,
                 condition_dim=0, **kwargs):
        super().__init__(**kwargs)
        self.image_channels, self.filters = image_channels, filters
        self.num_layers, self.first_kernel_size = num_layers, first_kernel_size
        self.out_features, self.condition_dim = out_features, condition_dim
        masked = dict(image_channels=image_channels)
        self.first = MaskedConv2D(filters, first_kernel_size, "A", name="mask_a", **masked)
        self.blocks = self.make_blocks()
        self.hidden = MaskedConv2D(filters, 1, "B", name="hidden_1x1", **masked)
        self.out = MaskedConv2D(out_features, 1, "B", name="out_1x1", **masked)
        self.condition_layers = [keras.layers.Dense(filters, use_bias=False, name=f"cond_{i}")
                                 for i in range(num_layers + 1)] if condition_dim else []

    def make_blocks(self):
        """The residual layers: 3x3 mask-B convolutions (PixelRNN's network: LSTMs)."""
        return [MaskedConv2D(self.filters, 3, "B", image_channels=self.image_channels,
                             name=f"mask_b_{i}") for i in range(self.num_layers)]

    def block(self, index, h):
        """What residual layer `index` adds to ``h``."""
        return self.blocks[index](tf.nn.relu(h))

    def _condition_biases(self, condition):
        """Per-layer biases ``[B, F]`` from the one-hot condition (zeros without one)."""
        if not self.condition_layers:
            return [0.0] * (self.num_layers + 1)
        return [layer(condition) for layer in self.condition_layers]

    def call(self, x, condition=None, training=False, seed=None):
        spatial = lambda b: b if isinstance(b, float) else b[:, None, None, :]  # noqa: E731
        biases = self._condition_biases(condition)
        h = self.first(x) + spatial(biases[0])
        for index, bias in enumerate(biases[1:]):
            h = h + self.block(index, h) + spatial(bias)
        return self.out(tf.nn.relu(self.hidden(tf.nn.relu(h))))

    def get_config(self):
        config = super().get_config()
        config.update(image_channels=self.image_channels, filters=self.filters,
                      num_layers=self.num_layers, first_kernel_size=self.first_kernel_size,
                      out_features=self.out_features, condition_dim=self.condition_dim)
        return config


class CachedPixelCNNStepper:
    """Per-layer input caches; one position of every layer per step (module docstring)."""

    def __init__(self, network, image_shape, condition):
        self.network, self.image_shape = network, image_shape
        self.biases = network._condition_biases(condition)
        self.layers = [network.first, *network.blocks]

    def init_state(self, batch):
        height, width, channels = self.image_shape
        caches = []
        for layer, features in zip(self.layers, [channels] + [self.network.filters] *
                                   len(self.network.blocks)):
            r = layer.kernel_size // 2
            caches.append(tf.zeros([batch, height + 2 * r, width + 2 * r, features]))
        return tuple(caches)

    @staticmethod
    def _window(cache, layer, i, j):
        k = layer.kernel_size
        return tf.slice(cache, tf.stack([0, i, j, 0]), tf.stack([-1, k, k, -1]))

    @staticmethod
    def _put(cache, layer, i, j, values):
        r = layer.kernel_size // 2
        return put_pixel(cache, i + r, j + r, values)

    def params_at(self, caches, i, j):
        caches = list(caches)
        first = self.layers[0]
        h = first.call_at(self._window(caches[0], first, i, j)) + self.biases[0]
        for index, (block, bias) in enumerate(zip(self.layers[1:], self.biases[1:]), 1):
            caches[index] = self._put(caches[index], block, i, j, tf.nn.relu(h))
            h = h + block.call_at(self._window(caches[index], block, i, j)) + bias
        hidden = self.network.hidden.call_at(tf.nn.relu(h)[:, None, None, :])
        return self.network.out.call_at(tf.nn.relu(hidden)[:, None, None, :]), tuple(caches)

    def write(self, caches, i, j, pixel_units):
        return (self._put(caches[0], self.layers[0], i, j, pixel_units), *caches[1:])


@keras.saving.register_keras_serializable(package="kerasgen")
class PixelCNN(AutoregressiveImageModel):
    """PixelCNN with masked convolutions and a categorical (or Bernoulli) output.

    Args:
        filters: features per layer (a multiple of the image channels is natural).
        num_layers: residual 3x3 mask-B layers after the first layer.
        first_kernel_size: odd size of the first (mask-A) layer, 7 in the paper.
        likelihood: ``"categorical"`` (a softmax over levels per channel) or ``"bernoulli"``.
        image_shape, num_levels, num_classes, seed: see `ImageGenerativeModel`.
    """

    channel_sequential = True
    has_cached_sampler = True

    def __init__(self, filters=64, num_layers=5, first_kernel_size=7, likelihood="categorical",
                 **kwargs):
        super().__init__(likelihood=check_channel_likelihood(likelihood, "PixelCNN"), **kwargs)
        channels = self.image_shape[-1]
        self.filters = v.check_positive_int("filters", filters)
        if self.filters < channels:
            v.fail("filters", repr(filters), f"at least the {channels} image channels")
        self.num_layers = v.check_non_negative_int("num_layers", num_layers)
        self.first_kernel_size = v.check_odd_int("first_kernel_size", first_kernel_size,
                                                 "an odd kernel size")
        self.network = PixelCNNNetwork(channels, self.filters, self.num_layers,
                                       self.first_kernel_size, self.num_params,
                                       condition_dim=self.num_classes or 0, name="pixelcnn")
        self.finish_building()

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters, num_layers=self.num_layers,
                      first_kernel_size=self.first_kernel_size)
        config.pop("num_mixtures")
        return config

    def cached_stepper(self, condition):
        return CachedPixelCNNStepper(self.network, self.image_shape, condition)
