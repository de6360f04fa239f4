"""kerasgen: deep generative models for Keras 3.

    >>> import kerasgen
    >>> data = kerasgen.data.load("digits", batch_size=64)
    >>> model = kerasgen.models.VAE(image_shape=(8, 8, 1), num_levels=17, latent_dim=8)
    >>> model.compile(optimizer="adam")
    >>> _ = model.fit(data, epochs=1, verbose=0)
    >>> images = model.sample(16, seed=0)
"""

__version__ = "0.1.0"

from kerasgen import data, distributions, evaluation, export, models, sampling, training  # noqa
from kerasgen.models import load_model  # noqa: F401
