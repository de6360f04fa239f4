"""The table family's declaration (see `kerasgen.models.family`): rows of typed columns,
`kerasgen.core.table_rows.TableRows`, read through a fitted `kerasgen.data.TableTransformer`."""

from kerasgen.models.family import Family, Preset
from kerasgen.models.tables.autoencoder import TableAutoencoder
from kerasgen.models.tables.ctgan import TabularGAN
from kerasgen.models.tables.tvae import TabularVAE

FAMILY = Family("tables", "tables", {
    "tvae": Preset(TabularVAE, {}, "tabular VAE (TVAE): synthetic rows of a table",
                   tiny=dict(latent_dim=4, hidden_units=(16,))),
    "ctgan": Preset(TabularGAN, {}, "conditional tabular GAN (CTGAN): WGAN-GP, PacGAN",
                    tiny=dict(latent_dim=4, generator_units=(16,), critic_units=(16,), pac=2)),
    "table-autoencoder": Preset(TableAutoencoder, {},
                                "table autoencoder with a weight penalty (novelty scores)",
                                tiny=dict(latent_dim=3, hidden_units=(16,))),
})
