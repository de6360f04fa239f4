"""WaveNet's declaration (see `kerasgen.models.family`)."""

from kerasgen.models.family import Family, Preset
from kerasgen.models.wavenet.model import WaveNet

FAMILY = Family("wavenet", "audio", {
    "wavenet": Preset(WaveNet, {"residual_channels": 32, "skip_channels": 64,
                                "layers_per_stack": 8, "stacks": 2},
                      "WaveNet (audio: --data spoken_digit|wav): dilated causal convs, mu-law "
                      "softmax; digit-conditioned on spoken_digit",
                      conditional="if_labelled",
                      tiny=dict(residual_channels=8, skip_channels=8, layers_per_stack=3,
                                stacks=1)),
})
