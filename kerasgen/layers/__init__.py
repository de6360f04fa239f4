"""Causal building blocks: masked convolutions (PixelCNN), shifted convolutions and gated
residual blocks (PixelCNN++)."""

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
)
