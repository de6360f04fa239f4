from kerasgen.models.autoencoder.autoencoder import (
    Autoencoder,
    ConvAutoencoder,
    DenoisingAutoencoder,
)
