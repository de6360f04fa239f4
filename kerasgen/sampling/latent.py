"""Walking a latent space.

    lerp(a, b, t)  = (1 - t) a + t b
    slerp(a, b, t) = sin((1 - t) w) / sin(w) a + sin(t w) / sin(w) b,  cos w = a.b / (|a||b|)

slerp keeps interpolants at the norm typical of Gaussian samples (White 2016, "Sampling
Generative Networks"); it falls back to lerp for (anti)parallel vectors.

An attribute vector is mean(z | group A) - mean(z | group B); adding it moves a latent toward A.

Example:
    >>> import numpy as np
    >>> interpolate(np.zeros(2), np.ones(2), steps=3).tolist()
    [[0.0, 0.0], [0.5, 0.5], [1.0, 1.0]]
"""

import numpy as np
from scipy.special import ndtri

from kerasgen.utils.validation import check_choice, check_positive_int, fail


def lerp(a, b, t):
    return (1.0 - t) * a + t * b


def slerp(a, b, t):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    cos = np.dot(a, b) / max(np.linalg.norm(a) * np.linalg.norm(b), 1e-12)
    omega = np.arccos(np.clip(cos, -1.0, 1.0))
    if np.sin(omega) < 1e-6:
        return lerp(a, b, t)
    return (np.sin((1.0 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)


def interpolate(start, end, steps=8, method="linear"):
    """``[steps, d]`` latents from `start` to `end` (both ends included)."""
    start, end = np.asarray(start, np.float64), np.asarray(end, np.float64)
    if start.shape != end.shape or start.ndim != 1:
        fail("end", f"shape {end.shape} (start {start.shape})", "two vectors of one shape")
    steps = check_positive_int("steps", steps)
    check_choice("method", method, ("linear", "spherical"))
    path = lerp if method == "linear" else slerp
    ts = np.linspace(0.0, 1.0, steps) if steps > 1 else np.zeros(1)
    return np.stack([path(start, end, t) for t in ts]).astype(np.float32)


def attribute_vector(latents, has_attribute):
    """mean(latents where has_attribute) - mean(latents elsewhere)."""
    latents, mask = np.asarray(latents, np.float64), np.asarray(has_attribute, bool)
    if latents.ndim != 2 or mask.shape != (len(latents),):
        fail("has_attribute", f"a mask of shape {mask.shape}", f"shape ({len(latents)},)")
    if mask.all() or not mask.any():
        fail("has_attribute", "a mask that selects all or none", "both groups non-empty")
    return (latents[mask].mean(0) - latents[~mask].mean(0)).astype(np.float32)


def latent_grid(size=10, span=0.95):
    """A ``[size * size, 2]`` grid of 2-D latents at evenly spaced Gaussian quantiles, for a
    manifold image (Kingma & Welling 2014, fig. 4): decode it and tile with `make_grid`."""
    size = check_positive_int("size", size)
    if not isinstance(span, (int, float)) or not 0.5 < span < 1.0:
        fail("span", repr(span), "a number in (0.5, 1): the outermost quantile of the grid")
    quantiles = ndtri(np.linspace(1.0 - span, span, size))
    grid = np.stack(np.meshgrid(quantiles, quantiles[::-1]), -1).reshape(-1, 2)
    return grid.astype(np.float32)


def manifold_image(model, size=10, span=0.95):
    """The decoded `latent_grid` of a model with 2-D latents, tiled into one uint8 image."""
    from kerasgen.utils.images import make_grid

    if getattr(model, "latent_dim", None) != 2:
        fail("model", f"a model with latent_dim={getattr(model, 'latent_dim', None)}",
             "a model with 2-D latents (latent_dim=2)")
    images = model.decode(latent_grid(size, span))
    return make_grid(images, model.num_levels, columns=size)
