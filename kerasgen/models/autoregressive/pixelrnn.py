"""PixelRNN (van den Oord et al. 2016): Row LSTM or Diagonal BiLSTM layers, masked convolutions.

#### Mathematical details

PixelCNN's stack (`PixelCNNNetwork`) with recurrent residual layers, h hidden units, 2h features
in the residual stream:

    s_0     = MaskA_{k x k}(x)                              first layer: excludes the own pixel
    s_{l+1} = s_l + MaskB_{1 x 1}(RNN_l(s_l))               l < num_layers
    params  = MaskB_{1 x 1}(relu(MaskB_{1 x 1}(relu(s_L))))

with RNN a `RowLSTM` (``layer="row"``: an LSTM down the rows, width-k convolutions; each
output sees a triangle of rows above) or a `DiagonalBiLSTM` (``layer="diagonal"``: LSTMs along
both diagonal directions, the right-to-left one shifted down a row).

Features, LSTM units and gates are split into C colour groups as in `kerasgen.layers.masked`,
so the parameters of channel c at pixel (i, j) depend only on earlier pixels and on channels
< c of pixel (i, j) (tested by gradients). A class condition adds W_l y to the stream before
every layer, as in PixelCNN.

Receptive field of the Diagonal BiLSTM: every earlier pixel after one layer, but for one. The
last pixel of the row above, x(i-1, W-1), is hidden from the stream at its own position by
mask A, and row i's right-to-left output is shifted to row i + 1; it reaches row i only
through the first layer's window, so outputs (i, j) with j < W-1-r (r = first_kernel_size // 2)
never see it, with any number of layers. This follows the paper's construction (tested).

    log p(x) = sum_{i, j, c} log p(x_ijc | x_<ij, x_ij<c)        exact, one network pass

Sampling (and completion) is the base class's naive stepper: a full network pass for every
channel of every pixel. A cached stepper (a Row LSTM needs only the states of the row above)
is not implemented.

Example:
    >>> import kerasgen
    >>> images, _ = kerasgen.data.load_arrays("digits", max_examples=64)
    >>> model = PixelRNN(image_shape=(8, 8, 1), num_levels=17, layer="row", hidden_units=4,
    ...                  num_layers=1, first_kernel_size=3)
    >>> model.compile(optimizer="adam")
    >>> _ = model.fit(images, batch_size=32, epochs=1, verbose=0)
    >>> model.sample(2, seed=0).shape
    TensorShape([2, 8, 8, 1])

References:
    van den Oord, Kalchbrenner & Kavukcuoglu 2016, "Pixel Recurrent Neural Networks", ICML.
"""

import keras
import tensorflow as tf

from kerasgen.layers.diagonal_lstm import DiagonalBiLSTM
from kerasgen.layers.masked import MaskedConv2D
from kerasgen.layers.row_lstm import RowLSTM
from kerasgen.models.autoregressive.base import AutoregressiveImageModel
from kerasgen.models.autoregressive.pixelcnn import PixelCNNNetwork, check_channel_likelihood
from kerasgen.utils import validation as v

RECURRENT_LAYERS = ("row", "diagonal")


@keras.saving.register_keras_serializable(package="kerasgen")
class PixelRNNNetwork(PixelCNNNetwork):
    """`PixelCNNNetwork` whose residual layers are recurrent: s <- s + MaskB_1x1(RNN(s))."""

    def __init__(self, image_channels, layer, hidden_units, num_layers, first_kernel_size,
                 kernel_size, out_features, condition_dim=0, **kwargs):
        # Read by make_blocks, which the PixelCNN constructor calls.
        self.layer, self.hidden_units, self.kernel_size = layer, hidden_units, kernel_size
        super().__init__(image_channels, 2 * hidden_units, num_layers, first_kernel_size,
                         out_features, condition_dim=condition_dim, **kwargs)

    def make_blocks(self):
        groups = dict(image_channels=self.image_channels)
        self.projections = [MaskedConv2D(self.filters, 1, "B", name=f"residual_1x1_{i}",
                                         **groups) for i in range(self.num_layers)]
        if self.layer == "row":
            return [RowLSTM(self.hidden_units, self.kernel_size, name=f"row_lstm_{i}",
                            **groups) for i in range(self.num_layers)]
        return [DiagonalBiLSTM(self.hidden_units, name=f"diagonal_bilstm_{i}", **groups)
                for i in range(self.num_layers)]

    def block(self, index, h):
        return self.projections[index](self.blocks[index](h))

    def get_config(self):
        config = super().get_config()
        del config["filters"]
        config.update(layer=self.layer, hidden_units=self.hidden_units,
                      kernel_size=self.kernel_size)
        return config


@keras.saving.register_keras_serializable(package="kerasgen")
class PixelRNN(AutoregressiveImageModel):
    """PixelRNN with a categorical (or Bernoulli) output.

    Args:
        layer: ``"row"`` (Row LSTM) or ``"diagonal"`` (Diagonal BiLSTM, the paper's best).
        hidden_units: LSTM units h per layer (and direction); the residual stream has 2h
            features. At least the image channels.
        num_layers: recurrent layers (7 on MNIST in the paper, h = 16).
        first_kernel_size: odd size of the first (mask-A) convolution, 7 in the paper.
        kernel_size: odd width of the Row LSTM's convolutions, 3 in the paper (the Diagonal
            BiLSTM's are 1 x 1 and 2 x 1 by construction).
        likelihood: ``"categorical"`` (a softmax over levels per channel) or ``"bernoulli"``.
        image_shape, num_levels, num_classes, seed: see `ImageGenerativeModel`.
    """

    channel_sequential = True

    def __init__(self, layer="diagonal", hidden_units=16, num_layers=7, first_kernel_size=7,
                 kernel_size=3, likelihood="categorical", **kwargs):
        super().__init__(likelihood=check_channel_likelihood(likelihood, "PixelRNN"), **kwargs)
        channels = self.image_shape[-1]
        self.layer = v.check_choice("layer", layer, RECURRENT_LAYERS)
        self.hidden_units = v.check_positive_int("hidden_units", hidden_units)
        if self.hidden_units < channels:
            v.fail("hidden_units", repr(hidden_units), f"at least the {channels} image channels")
        self.num_layers = v.check_positive_int("num_layers", num_layers)
        self.first_kernel_size = v.check_odd_int("first_kernel_size", first_kernel_size,
                                                 "an odd kernel size")
        self.kernel_size = v.check_odd_int("kernel_size", kernel_size, "an odd kernel size")
        self.network = PixelRNNNetwork(channels, self.layer, self.hidden_units, self.num_layers,
                                       self.first_kernel_size, self.kernel_size,
                                       self.num_params, condition_dim=self.num_classes or 0,
                                       name="pixelrnn")
        self.finish_building()

    def naive_stepper(self, condition):
        stepper = super().naive_stepper(condition)
        if tf.executing_eagerly():  # eager callers (export checks): one graph per pass
            stepper.params_fn = tf.function(stepper.params_fn)
        return stepper

    def get_config(self):
        config = super().get_config()
        config.update(layer=self.layer, hidden_units=self.hidden_units,
                      num_layers=self.num_layers, first_kernel_size=self.first_kernel_size,
                      kernel_size=self.kernel_size)
        config.pop("num_mixtures")
        return config
