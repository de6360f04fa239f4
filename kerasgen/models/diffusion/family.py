"""The diffusion family's declaration (see `kerasgen.models.family`)."""

from kerasgen.models.diffusion.model import ConditionalDiffusionModel, DiffusionModel
from kerasgen.models.family import Family, Preset

# One level (no down/upsampling) and attention in the middle only: the smallest U-Net whose
# every kind of block is traced (tracing, not arithmetic, is what a tiny model costs).
_TINY = dict(num_steps=6, schedule="cosine", filters=8, channel_multipliers=(1,),
             num_res_blocks=1, attention_levels=0, groups=4, dropout=0.0)

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
