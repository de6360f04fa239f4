"""Causal building blocks: masked convolutions (PixelCNN), shifted convolutions and gated
residual blocks (PixelCNN++), dilated causal 1-D convolutions (WaveNet)."""

from kerasgen.layers.causal import CausalConv1D
from kerasgen.layers.masked import MaskedConv2D, causal_mask
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
