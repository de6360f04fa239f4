"""Diagonal BiLSTM (PixelRNN): LSTMs along the diagonals of an image, in both directions.

#### Mathematical details

`skew` turns the diagonals of x ``[B, H, W, F]`` into the columns of a ``[B, H, W + H - 1, F]``
map; a `MaskedConvLSTM1D` runs along those columns with a 1 x 1 mask-B input-to-state
convolution and a 2 x 1 ``"causal"`` state-to-state convolution over rows (i - 1, i) of the
previous column. Unskewed, the left-to-right direction is

    h(i, j) <- x(i, j) [own pixel: mask B],  h(i, j - 1),  h(i - 1, j)
    left(i, j) sees {(a, b): a <= i, b <= j}                 (the rectangle up and left)

The right-to-left direction is the same computation on the mirrored image (j -> W - 1 - j),
mirrored back, so right(i, j) reads h'(i, j + 1): a *later* pixel of row i. Shifted down a row
it reads only rows above:

    right(i, j) sees {(a, b): a <= i, b >= j}
    output      = left + down_shift(right)                   down_shift: (i, j) <- (i - 1, j)
    output(i, j) sees {(a, b): a < i} and {(i, b): b <= j}   (every earlier input position)

The two directions have their own weights. Zeros of the skewed padding only ever feed the
states of the padding (and the biases), never a pixel's state from a later pixel.

Example:
    >>> import numpy as np
    >>> DiagonalBiLSTM(4)(np.zeros([1, 5, 6, 8], np.float32)).shape
    TensorShape([1, 5, 6, 4])

References:
    van den Oord, Kalchbrenner & Kavukcuoglu 2016, "Pixel Recurrent Neural Networks", ICML
    (section 3.2).
"""

import keras
import tensorflow as tf

from kerasgen.layers.conv_lstm import MaskedConvLSTM1D
from kerasgen.layers.shifted import down_shift
from kerasgen.layers.skewing import skew, unskew
from kerasgen.utils import validation as v


@keras.saving.register_keras_serializable(package="kerasgen")
class DiagonalBiLSTM(keras.layers.Layer):
    """``[B, H, W, F] -> [B, H, W, units]``: both diagonal directions, summed.

    Args:
        units: hidden units of each direction (at least `image_channels`).
        image_channels: number of colour groups C.
    """

    def __init__(self, units, image_channels=1, **kwargs):
        super().__init__(**kwargs)
        self.units = v.check_positive_int("units", units)
        self.image_channels = v.check_positive_int("image_channels", image_channels)
        direction = dict(kernel_size=1, recurrent_kernel_size=2, recurrent_padding="causal",
                         image_channels=image_channels)
        self.left = MaskedConvLSTM1D(units, name="left_to_right", **direction)
        self.right = MaskedConvLSTM1D(units, name="right_to_left", **direction)

    @staticmethod
    def _along_diagonals(lstm, x):
        """The LSTM over the columns of skew(x), unskewed: ``[B, H, W, units]``."""
        columns = tf.transpose(skew(x), [0, 2, 1, 3])  # [B, W + H - 1, H, F]
        hidden = tf.transpose(lstm(columns), [0, 2, 1, 3])
        return unskew(hidden, width=x.shape[2])

    def call(self, inputs):
        left = self._along_diagonals(self.left, inputs)
        mirrored = tf.reverse(inputs, axis=[2])
        right = tf.reverse(self._along_diagonals(self.right, mirrored), axis=[2])
        return left + down_shift(right)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units, image_channels=self.image_channels)
        return config
