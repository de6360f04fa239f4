"""The VAE family's declaration (see `kerasgen.models.family`)."""

from kerasgen.models.family import Family, Preset
from kerasgen.models.vae.vae import VAE, ConditionalVAE

FAMILY = Family("vae", "images", {
    "vae": Preset(VAE, {}, "VAE, dense networks, Bernoulli decoder",
                  tiny=dict(latent_dim=2, hidden_units=(32,))),
    "conv-vae": Preset(VAE, {"network": "conv"}, "VAE, convolutional networks",
                       tiny=dict(latent_dim=2, hidden_units=(), filters=(8,))),
    "cvae": Preset(ConditionalVAE, {}, "class-conditional VAE", conditional=True,
                   tiny=dict(latent_dim=2, hidden_units=(32,))),
})
