"""The autoencoder family's declaration (see `kerasgen.models.family`)."""

from kerasgen.models.autoencoder.autoencoder import (
    Autoencoder,
    ConvAutoencoder,
    DenoisingAutoencoder,
)
from kerasgen.models.family import Family, Preset

FAMILY = Family("autoencoder", "images", {
    "autoencoder": Preset(Autoencoder, {}, "dense autoencoder",
                          tiny=dict(latent_dim=4, hidden_units=(32,))),
    "conv-autoencoder": Preset(ConvAutoencoder, {}, "convolutional autoencoder",
                               tiny=dict(latent_dim=4, hidden_units=(), filters=(8,))),
    "denoising-autoencoder": Preset(DenoisingAutoencoder, {},
                                    "denoising autoencoder (Gaussian corruption)",
                                    tiny=dict(latent_dim=4, hidden_units=(32,))),
})
