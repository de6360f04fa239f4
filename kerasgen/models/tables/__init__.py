"""The table family: TVAE, CTGAN and the table autoencoder."""

from kerasgen.models.tables.autoencoder import TableAutoencoder
from kerasgen.models.tables.tvae import TabularVAE
from kerasgen.models.tables.ctgan import TabularGAN
