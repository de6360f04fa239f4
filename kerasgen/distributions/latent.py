"""Latent-variable distributions shared by the VAE and the VAE-GAN.

    q(z | x) = N(z; mu, diag(sigma^2)),   [mu, s] = encoder output,  sigma = softplus(s) + 1e-4
    p(z)     = N(0, I)
    KL(q || p) = 1/2 sum_j (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2)      (analytic, per example)
    z ~ q(z | x):  z = mu + sigma * eps,  eps ~ N(0, I) per example     (reparameterized)

Example:
    >>> import tensorflow as tf
    >>> q = diagonal_gaussian(tf.zeros([2, 6]))
    >>> q.event_shape, kl_to_standard_normal(q).shape
    (TensorShape([3]), TensorShape([2]))
"""

import tensorflow as tf
import tensorflow_probability as tfp

from kerasgen.utils import noise

tfd = tfp.distributions

MIN_SCALE = 1e-4


def diagonal_gaussian(params):
    """N(mu, diag(sigma^2)) from encoder outputs ``[..., 2 d]`` (first half mu, second the
    pre-softplus scale)."""
    loc, raw_scale = tf.split(params, 2, axis=-1)
    return tfd.MultivariateNormalDiag(loc=loc, scale_diag=tf.nn.softplus(raw_scale) + MIN_SCALE)


def reparameterized_sample(posterior, seed):
    """One z ~ q(z | x) per example, ``mu + sigma * eps``, with eps drawn per example (the
    same on one device and on N replicas; see `kerasgen.utils.noise.normal`)."""
    return posterior.mean() + posterior.stddev() * noise.normal(tf.shape(posterior.mean()), seed)


def standard_normal(latent_dim):
    """The prior p(z) = N(0, I) over ``latent_dim`` dimensions."""
    return tfd.MultivariateNormalDiag(loc=tf.zeros([latent_dim]))


def kl_to_standard_normal(posterior):
    """KL(q || N(0, I)), analytic, one value per example."""
    return tfd.kl_divergence(posterior, standard_normal(posterior.event_shape[-1]))
