"""PixelCNN++ (Salimans et al. 2017): two shifted-convolution streams, gated residual blocks,
a U-net over resolutions, and a discretized logistic mixture.

#### Mathematical details

With x' = [x, 1] (a channel of ones marks the image inside the zero padding):

    u  = down_shift(DownShifted_{2x3}(x'))                         rows above
    ul = down_shift(DownShifted_{1x3}(x')) + right_shift(DownRightShifted_{2x1}(x'))
                                                                   rows above, and to the left
    down pass, for each of `num_hierarchies` resolutions (halved between them by stride-2
    shifted convolutions), `num_resnet` times:
        u  = GatedResidual_down(u)              ul = GatedResidual_down_right(ul, a=u)
    up pass, mirrored (transposed shifted convolutions double the resolution), each block
    taking the matching down-pass activation as its auxiliary input (U-net shortcuts):
        u  = GatedResidual_down(u, a=u_skip)    ul = GatedResidual_down_right(ul, a=[u, ul_skip])
    params = Dense(elu(ul))                     K * (C+1)(C+2)/2 mixture parameters per pixel

Every output at pixel (i, j) sees only pixels before (i, j) in raster order, all channels of
those, and none of its own: the mixture (`kerasgen.distributions.DiscretizedLogisticMixture`)
handles the channels of a pixel, each channel's location depending linearly on the earlier
channels. Dropout acts on the residual path. A class condition (one-hot, from `num_classes`)
or a tensor condition (a map ``[B, H, W, D]``, `condition_shape`) enters every gated block.

Example:
    >>> import kerasgen
    >>> images, _ = kerasgen.data.load_arrays("digits", max_examples=64)
    >>> model = PixelCNNPlusPlus(image_shape=(8, 8, 1), num_levels=17, filters=8,
    ...                          num_resnet=1, num_hierarchies=2, num_mixtures=2)
    >>> model.compile(optimizer="adam")
    >>> _ = model.fit(images, batch_size=32, epochs=1, verbose=0)
    >>> model.sample(2, seed=0).shape
    TensorShape([2, 8, 8, 1])

References:
    Salimans, Karpathy, Chen & Kingma 2017, "PixelCNN++: Improving the PixelCNN with
    Discretized Logistic Mixture Likelihood and Other Modifications", ICLR.
"""

import keras
import tensorflow as tf

from kerasgen.layers.shifted import (
    DownRightShiftedConv2D,
    DownRightShiftedConv2DTranspose,
    DownShiftedConv2D,
    DownShiftedConv2DTranspose,
    GatedResidual,
    down_shift,
    right_shift,
    with_ones_channel,
)
from kerasgen.models.autoregressive.base import AutoregressiveImageModel
from kerasgen.models.autoregressive.pixelcnn_pp_cached import CachedPixelCNNPlusPlusStepper
from kerasgen.utils import validation as v


@keras.saving.register_keras_serializable(package="kerasgen")
class PixelCNNPlusPlusNetwork(keras.layers.Layer):
    """Images in [-1, 1] (and a condition) -> mixture parameters (module docstring)."""

    def __init__(self, filters, num_resnet, num_hierarchies, out_features, dropout=0.5,
                 conditional=False, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.num_resnet = filters, num_resnet
        self.num_hierarchies, self.out_features = num_hierarchies, out_features
        self.dropout, self.conditional = dropout, conditional
        f = filters

        def block(direction, name, auxiliary=False):
            return GatedResidual(f, direction, dropout, auxiliary=auxiliary,
                                 conditional=conditional, name=name)

        self.u_init = DownShiftedConv2D(f, (2, 3), name="u_init")
        self.ul_init_down = DownShiftedConv2D(f, (1, 3), name="ul_init_down")
        self.ul_init_right = DownRightShiftedConv2D(f, (2, 1), name="ul_init_right")
        self.down_u, self.down_ul, self.downsample_u, self.downsample_ul = [], [], [], []
        self.up_u, self.up_ul, self.upsample_u, self.upsample_ul = [], [], [], []
        for level in range(num_hierarchies):
            self.down_u.append([block("down", f"down{level}_u{r}") for r in range(num_resnet)])
            self.down_ul.append([block("down_right", f"down{level}_ul{r}", True)
                                 for r in range(num_resnet)])
            if level < num_hierarchies - 1:
                self.downsample_u.append(DownShiftedConv2D(f, (2, 3), 2, name=f"down{level}_su"))
                self.downsample_ul.append(DownRightShiftedConv2D(f, (2, 2), 2,
                                                                 name=f"down{level}_sul"))
        for level in range(num_hierarchies):
            count = num_resnet + (1 if level else 0)  # + the skip of the (down)sampling layer
            self.up_u.append([block("down", f"up{level}_u{r}", True) for r in range(count)])
            self.up_ul.append([block("down_right", f"up{level}_ul{r}", True)
                               for r in range(count)])
            if level < num_hierarchies - 1:
                self.upsample_u.append(DownShiftedConv2DTranspose(f, (2, 3),
                                                                  name=f"up{level}_su"))
                self.upsample_ul.append(DownRightShiftedConv2DTranspose(f, (2, 2),
                                                                        name=f"up{level}_sul"))
        self.out = keras.layers.Dense(out_features, name="out")

    def call(self, x, condition=None, training=False, seed=None):
        """`seed`: int32 [2] for the dropout masks (training only): the k-th down-stream
        block uses seed + [0, 2k + 1], the k-th down-right block seed + [0, 2k + 2]."""
        x = with_ones_channel(x)
        u = self.u_stream(x, condition, training, seed)

        def auxiliary(k, skip):  # the u output of the paired block (and the U-net skip)
            return u[k] if skip is None else tf.concat([u[k], skip], axis=-1)

        ul = down_shift(self.ul_init_down(x)) + right_shift(self.ul_init_right(x))
        outputs = self._unet(ul, self.down_ul, self.downsample_ul, self.up_ul,
                             self.upsample_ul, auxiliary, condition, training, seed, 2)
        return self.out(tf.nn.elu(outputs[-1]))

    def u_stream(self, x, condition=None, training=False, seed=None):
        """The down ("rows above") stream alone: u after every gated block, in order (down
        pass, then up pass), each ``[B, H_r, W_r, F]``. Row i of every output depends only
        on image rows < i (< 2^r i at resolution r), so the cached sampler runs this once
        per image row. `x` includes the channel of ones."""
        return self._unet(down_shift(self.u_init(x)), self.down_u, self.downsample_u,
                          self.up_u, self.upsample_u, lambda k, skip: skip, condition,
                          training, seed, 1)

    def _unet(self, stream, down_blocks, downsamplers, up_blocks, upsamplers, auxiliary,
              condition, training, seed, seed_offset):
        """One stream through the U-net: the outputs of its gated blocks, in order (the last
        is the stream's output). Block k gets ``auxiliary(k, skip)`` (skip: the matching
        down-pass activation in the up pass, None in the down pass) and the dropout seed
        seed + [0, 2k + seed_offset]."""
        skips, outputs = [stream], []

        def run(block, stream, skip):
            k = len(outputs)
            outputs.append(block(stream, auxiliary(k, skip), condition, training=training,
                                 seed=self._block_seed(seed, 2 * k + seed_offset)))
            return outputs[-1]

        for level in range(self.num_hierarchies):
            for block in down_blocks[level]:
                stream = run(block, stream, None)
                skips.append(stream)
            if level < self.num_hierarchies - 1:
                stream = downsamplers[level](stream)
                skips.append(stream)
        stream = skips.pop()
        for level in range(self.num_hierarchies):
            for block in up_blocks[level]:
                stream = run(block, stream, skips.pop())
            if level < self.num_hierarchies - 1:
                stream = upsamplers[level](stream)
        return outputs

    @staticmethod
    def _block_seed(seed, index):
        return None if seed is None else seed + [0, index]

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters, num_resnet=self.num_resnet,
                      num_hierarchies=self.num_hierarchies, out_features=self.out_features,
                      dropout=self.dropout, conditional=self.conditional)
        return config


@keras.saving.register_keras_serializable(package="kerasgen")
class PixelCNNPlusPlus(AutoregressiveImageModel):
    """PixelCNN++ with a discretized logistic mixture (or categorical) output.

    Args:
        filters: features of both streams.
        num_resnet: gated residual blocks per resolution (and direction of the U-net).
        num_hierarchies: resolutions (each halves the last; H and W must be divisible by
            2^(num_hierarchies - 1)).
        dropout: dropout rate on the residual path (0.5 in the paper).
        num_mixtures: logistic mixture components (5 in tfd.PixelCNN, 10 in the paper).
        likelihood: ``"logistic_mixture"`` (default), ``"categorical"`` or ``"bernoulli"``.
        condition_shape: ``(H, W, D)`` to condition on a map per image (an edge map, a
            segmentation, a low-resolution copy upsampled...), aligned with the image: it
            is passed where class labels would be (``fit(images, maps)``,
            ``sample(n, labels=maps)``, the ``labels`` input of the exports) and enters every
            gated block, average-pooled to the block's resolution. Exclusive with
            `num_classes`.
        image_shape, num_levels, num_classes, seed: see `ImageGenerativeModel`.
    """

    has_cached_sampler = True

    def __init__(self, filters=64, num_resnet=2, num_hierarchies=3, dropout=0.5,
                 likelihood="logistic_mixture", condition_shape=None, **kwargs):
        super().__init__(likelihood=likelihood, **kwargs)
        if condition_shape is not None:
            height, width, _ = self.image_shape
            shape = v.check_int_list("condition_shape", condition_shape, allow_empty=False)
            if len(shape) != 3 or tuple(shape[:2]) != (height, width) or shape[2] < 1:
                v.fail("condition_shape", repr(condition_shape),
                       f"(H, W, D) with H, W = {height}, {width} (the image's) and D >= 1")
            if self.num_classes is not None:
                v.fail("condition_shape", repr(condition_shape),
                       "None when num_classes is given (one kind of condition)")
            self.condition_shape = tuple(shape)
        self.filters = v.check_positive_int("filters", filters)
        self.num_resnet = v.check_positive_int("num_resnet", num_resnet)
        self.num_hierarchies = v.check_positive_int("num_hierarchies", num_hierarchies)
        factor = 2 ** (self.num_hierarchies - 1)
        height, width, _ = self.image_shape
        if height % factor or width % factor:
            v.fail("num_hierarchies", repr(num_hierarchies),
                   f"at most as many halvings as {height}x{width} allows (divisible by "
                   f"2^(num_hierarchies-1) = {factor})")
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) \
                or not 0 <= dropout < 1:
            v.fail("dropout", repr(dropout), "a rate in [0, 1)")
        self.dropout = float(dropout)
        self.network = PixelCNNPlusPlusNetwork(
            self.filters, self.num_resnet, self.num_hierarchies, self.num_params, self.dropout,
            conditional=self.is_conditional, name="pixelcnn_pp")
        self.finish_building()

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters, num_resnet=self.num_resnet,
                      num_hierarchies=self.num_hierarchies, dropout=self.dropout,
                      condition_shape=self.condition_shape)
        return config

    def cached_stepper(self, condition):
        return CachedPixelCNNPlusPlusStepper(self.network, self.image_shape, condition)
