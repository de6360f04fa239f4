"""Weight-free generation helpers: latent interpolation, attribute vectors, manifold grids."""

from kerasgen.sampling.latent import (
    attribute_vector,
    interpolate,
    latent_grid,
    lerp,
    manifold_image,
    slerp,
)
