"""Causal building blocks: masked convolutions (PixelCNN), shifted convolutions and gated
residual blocks (PixelCNN++), colour-masked convolutional LSTMs, Row LSTM, Diagonal BiLSTM and
skewing (PixelRNN), dilated causal 1-D convolutions (WaveNet)."""

from kerasgen.layers.causal import CausalConv1D
from kerasgen.layers.conv_lstm import MaskedConvLSTM1D
from kerasgen.layers.diagonal_lstm import DiagonalBiLSTM
from kerasgen.layers.masked import MaskedConv2D, causal_mask
from kerasgen.layers.row_lstm import RowLSTM
from kerasgen.layers.shifted import (
    DownRightShiftedConv2D,
    DownRightShiftedConv2DTranspose,
    DownShiftedConv2D,
    DownShiftedConv2DTranspose,
    GatedResidual,
    concat_elu,
    down_shift,
    right_shift,
    with_ones_channel,
)
from kerasgen.layers.skewing import skew, unskew
