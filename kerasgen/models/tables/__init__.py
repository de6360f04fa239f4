"""The table family: TVAE, the table autoencoder (and, next, CTGAN)."""

from kerasgen.models.tables.autoencoder import TableAutoencoder
from kerasgen.models.tables.tvae import TabularVAE
