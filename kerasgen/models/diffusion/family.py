"""The diffusion family's declaration (see `kerasgen.models.family`)."""

from kerasgen.models.diffusion.model import ConditionalDiffusionModel, DiffusionModel
from kerasgen.models.family import Family, Preset

_TINY = dict(num_steps=8, schedule="cosine", filters=8, channel_multipliers=(1, 2),
             num_res_blocks=1, groups=4, dropout=0.0)

FAMILY = Family("diffusion", "images", {
    "diffusion": Preset(DiffusionModel, {}, "DDPM: denoising diffusion, ancestral sampling "
                        "over all T steps", tiny=_TINY),
    "ddim": Preset(DiffusionModel, {"sampling_steps": 50, "eta": 0.0},
                   "the DDPM model sampled by deterministic DDIM in 50 steps",
                   tiny=dict(_TINY, sampling_steps=4)),
    "cdiffusion": Preset(ConditionalDiffusionModel,
                         {"guidance": 2.0, "sampling_steps": 50, "eta": 0.0},
                         "class-conditional diffusion with classifier-free guidance (DDIM)",
                         conditional=True, tiny=dict(_TINY, sampling_steps=4)),
})
