"""The GAN family's declaration (see `kerasgen.models.family`)."""

from kerasgen.models.family import Family, Preset
from kerasgen.models.gan.began import BEGAN
from kerasgen.models.gan.gan import GAN, ConditionalGAN
from kerasgen.models.gan.vaegan import VAEGAN

_TINY = dict(latent_dim=4, hidden_units=(32,), filters=(8, 16))

FAMILY = Family("gan", "images", {
    "gan": Preset(GAN, {}, "GAN, MLP pair, non-saturating loss", tiny=_TINY),
    "dcgan": Preset(GAN, {"network": "conv", "normalization": "batch"},
                    "DCGAN: strided-conv discriminator, transposed-conv generator, BN",
                    tiny=_TINY),
    "wgan": Preset(GAN, {"network": "conv", "loss": "wasserstein", "clip_value": 0.01,
                         "d_steps": 5}, "WGAN: Wasserstein loss, weight clipping",
                   tiny=dict(_TINY, d_steps=2)),
    "wgan-gp": Preset(GAN, {"network": "conv", "loss": "wasserstein", "gradient_penalty": 10.0,
                            "d_steps": 5, "normalization": "layer"},
                      "WGAN-GP: Wasserstein loss, gradient penalty",
                      tiny=dict(_TINY, d_steps=2)),
    "cgan": Preset(ConditionalGAN, {"network": "conv", "normalization": "batch",
                                    "label_conditioning": "projection"},
                   "conditional DCGAN (labels condition both networks; projection "
                   "discriminator)", conditional=True, tiny=_TINY),
    "vae-gan": Preset(VAEGAN, {"network": "conv", "normalization": "batch"},
                      "VAE-GAN: VAE whose decoder is a DCGAN generator, feature-space "
                      "reconstruction", tiny=_TINY),
    "began": Preset(BEGAN, {"network": "conv"},
                    "BEGAN: autoencoder discriminator, k_t equilibrium",
                    tiny=dict(_TINY, code_dim=8)),
})
