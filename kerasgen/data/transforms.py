"""The one place where integer images become model inputs and back.

Datasets yield integer images ``[H, W, C]`` in ``[0, num_levels - 1]``. Models convert them with
these named functions, so each conversion is written (and tested) once:

    unit      x_unit = x / (L - 1)                     in [0, 1]
    symmetric x_sym  = 2 x / (L - 1) - 1               in [-1, 1]
    binary    b ~ Bernoulli(x / (L - 1))               dynamic binarization (a seed), or
              b = [x / (L - 1) >= 0.5]                 thresholding (no seed)
    dequantized y = (x + u) / L, u ~ U[0, 1)          in [0, 1), for densities (a seed), or
              y = (x + 1/2) / L                        the cells' centres (no seed)

Example:
    >>> import numpy as np
    >>> float(scale_to_unit(np.array([16.0]), num_levels=17)[0])
    1.0
"""

import tensorflow as tf

from kerasgen.utils import noise


def scale_to_unit(images, num_levels):
    """Integer images in [0, L-1] -> float32 in [0, 1]."""
    return tf.cast(images, tf.float32) / float(num_levels - 1)


def unit_to_levels(images, num_levels):
    """Float images in [0, 1] -> float32 in the data's range [0, L-1] (not rounded)."""
    return tf.clip_by_value(images, 0.0, 1.0) * float(num_levels - 1)


def scale_to_symmetric(images, num_levels):
    """Integer images in [0, L-1] -> float32 in [-1, 1]."""
    return 2.0 * scale_to_unit(images, num_levels) - 1.0


def dequantize(images, num_levels, seed=None):
    """Uniform dequantization (Theis et al. 2016): y = (x + u) / L in [0, 1), u ~ U[0, 1).

    A density p over y gives a bound on the discrete likelihood of the levels x: by Jensen,
    E_u[log p((x + u) / L)] - D log L <= log P(x) with P(x) = the mass of x's cell of width
    1 / L. `seed` (a stateless seed) draws u; None: the cells' centres (u = 1/2, no random op:
    network inputs, TFLite), which is not a draw and so not a bound.
    """
    images = tf.cast(images, tf.float32)
    if seed is None:
        return (images + 0.5) / float(num_levels)
    return (images + noise.uniform(tf.shape(images), seed)) / float(num_levels)


def dequantized_to_levels(units, num_levels):
    """The level whose cell [x / L, (x + 1) / L) holds `units` (their centre maps back to x),
    as float32 clipped to [0, L-1]."""
    return tf.clip_by_value(units * float(num_levels) - 0.5, 0.0, float(num_levels - 1))


def binarize(images, num_levels, seed=None):
    """Binary float32 images: Bernoulli(x / (L-1)) draws with a stateless `seed`, else threshold.

    `seed` is a shape-[2] integer tensor (a stateless seed) or None. Images that are already
    binary (values 0 and L-1) come back unchanged either way.
    """
    probs = scale_to_unit(images, num_levels)
    if seed is None:
        return tf.cast(probs >= 0.5, tf.float32)
    uniform = noise.uniform(tf.shape(probs), seed)  # per example, as under tf.distribute
    return tf.cast(uniform < probs, tf.float32)
