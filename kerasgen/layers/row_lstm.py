"""Row LSTM (PixelRNN): an LSTM down the rows of an image, a whole row at each step.

#### Mathematical details

For x ``[B, H, W, F]`` and rows i = 0 .. H - 1 (h_{-1} = c_{-1} = 0), all columns at once:

    z_i     = K_is (*) x_i + K_ss (*) h_{i-1} + b        K_is: 1 x k, mask B (colour groups)
                                                        K_ss: width k over row i - 1
    c_i, h_i = LSTM(z_i, c_{i-1})                        (`kerasgen.layers.conv_lstm`)

so h at (i, j) reads x(i, j - r .. j) (its own pixel's earlier colour groups through mask B)
and, one row up, h(i - 1, j - r .. j + r), with r = (k - 1) / 2: one layer sees a triangle of
rows above, row i - d at columns j - (d + 1) r .. j + d r. Stacked layers widen the triangle;
pixels beyond it (far left of the rows above) are not seen (van den Oord et al., section 3.1).

Example:
    >>> import numpy as np
    >>> RowLSTM(4, kernel_size=3)(np.zeros([1, 5, 6, 8], np.float32)).shape
    TensorShape([1, 5, 6, 4])

References:
    van den Oord, Kalchbrenner & Kavukcuoglu 2016, "Pixel Recurrent Neural Networks", ICML.
"""

import keras

from kerasgen.layers.conv_lstm import MaskedConvLSTM1D


@keras.saving.register_keras_serializable(package="kerasgen")
class RowLSTM(MaskedConvLSTM1D):
    """``[B, H, W, F] -> [B, H, W, units]``, the recurrence running over rows.

    Args:
        units: hidden units (at least `image_channels`).
        kernel_size: odd width k of both convolutions (3 in the paper).
        image_channels: number of colour groups C.
    """

    def __init__(self, units, kernel_size=3, image_channels=1, **kwargs):
        super().__init__(units, kernel_size=kernel_size, recurrent_kernel_size=kernel_size,
                         recurrent_padding="same", image_channels=image_channels, **kwargs)

    def get_config(self):
        config = super().get_config()
        del config["recurrent_kernel_size"], config["recurrent_padding"]
        return config
