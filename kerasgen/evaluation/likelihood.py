"""Importance-weighted log-likelihood estimates for latent-variable models.

#### Mathematical details

With K samples z_k ~ q(z | x) and log weights w_k = log p(x | z_k) + log p(z_k) - log q(z_k | x):

    ELBO(x)  = 1/K sum_k w_k                         (unbiased for the ELBO at any K)
    L_K(x)   = log 1/K sum_k exp(w_k)                (Burda et al. 2016)

E[L_1] = ELBO <= E[L_K] <= E[L_{K+1}] <= log p(x), and L_K -> log p(x) as K grows. Samples are
drawn in chunks (one decoder batch of chunk * B each) and combined with a running logsumexp, so
K = 5000 needs no more memory than K = chunk.

    bits/dim = -log p(x) / (D ln 2)   (+ log L / ln 2 for a density over dequantized (x + u) / L)

A model takes part by defining ``importance_log_weights(targets, labels, num_samples, seed)``
returning ``[K, B]`` and a ``likelihood`` with ``prepare_targets``.

Example:
    >>> import math
    >>> import numpy as np
    >>> import kerasgen
    >>> images, _ = kerasgen.data.load_arrays("digits", max_examples=200)
    >>> vae = kerasgen.models.VAE(latent_dim=2, hidden_units=(8,))
    >>> vae.compile(optimizer="adam")
    >>> _ = vae.fit(images, batch_size=50, epochs=1, verbose=0)
    >>> test_images = images[:50]
    >>> metrics = likelihood_metrics(vae, test_images, num_samples=100, binarization_seed=0)
    >>> metrics["importance_samples"], metrics["num_examples"]
    (100, 50)
    >>> metrics["nll_nats"] <= metrics["elbo_nats"]  # L_K is the tighter bound
    True
    >>> result = evaluate_log_likelihood(vae, test_images, num_samples=100)
    >>> result["log_likelihood"].shape, bool(np.all(result["log_likelihood"] >= result["elbo"]))
    ((50,), True)
    >>> float(nats_to_bits_per_dim(64 * math.log(2), num_dims=64))  # a coin flip per pixel
    1.0
"""

import math
import weakref

import numpy as np
import tensorflow as tf

from kerasgen.utils.noise import SALT_BINARIZE, fixed_seed
from kerasgen.utils.validation import check_int, check_positive_int

_COMPILED = weakref.WeakKeyDictionary()


def _log_weights_function(model):
    # The cached function must not hold the model (a bound method would keep it alive forever).
    if model not in _COMPILED:
        model_ref = weakref.ref(model)
        _COMPILED[model] = tf.function(
            lambda *args: model_ref().importance_log_weights(*args), reduce_retracing=True)
    return _COMPILED[model]


def nats_to_bits_per_dim(nats, num_dims, offset_per_dim=0.0):
    """Negative log-likelihood per example (nats) -> bits per dimension."""
    return (np.asarray(nats) / num_dims + offset_per_dim) / math.log(2)


def evaluate_log_likelihood(model, images, labels=None, num_samples=1, seed=0,
                            binarization_seed=None, batch_size=256, max_decoder_batch=16384):
    """Per-example importance-weighted log-likelihood and ELBO, in nats.

    Args:
        model: a model with ``importance_log_weights`` (e.g. `kerasgen.models.VAE`).
        images: integer images ``[N, H, W, C]`` (already checked).
        labels: class labels ``[N]`` for conditional models.
        num_samples: K importance samples per image.
        seed: seed of the latent draws.
        binarization_seed: Bernoulli models score one binarization of the images, drawn with
            this seed (None: thresholded at one half); density (Gaussian) models one
            dequantization (None: a fixed draw). The same for every K.

    Returns:
        ``{"log_likelihood": [N], "elbo": [N]}`` NumPy arrays.
    """
    num_samples = check_positive_int("num_samples", num_samples)
    batch_size = check_positive_int("batch_size", batch_size)
    seed = check_int("seed", seed)
    binarization_seed = check_int("binarization_seed", binarization_seed, allow_none=True)
    binarize = None if binarization_seed is None else fixed_seed(binarization_seed, SALT_BINARIZE)
    targets = model.likelihood.scoring_targets(tf.constant(images, tf.float32), seed=binarize)
    compute = _log_weights_function(model)
    chunk = max(1, min(num_samples, max_decoder_batch // batch_size))
    iwae, elbo = [], []
    for start in range(0, len(images), batch_size):
        batch_targets = targets[start:start + batch_size]
        batch_labels = None if labels is None else tf.constant(labels[start:start + batch_size])
        partial_lse, weight_sum = [], 0.0
        for index, first in enumerate(range(0, num_samples, chunk)):
            count = min(chunk, num_samples - first)
            weights = compute(batch_targets, batch_labels, count,
                              fixed_seed(seed * 100_003 + index))
            partial_lse.append(tf.reduce_logsumexp(weights, axis=0))
            weight_sum += tf.reduce_sum(weights, axis=0)
        iwae.append(tf.reduce_logsumexp(tf.stack(partial_lse), axis=0) - math.log(num_samples))
        elbo.append(weight_sum / num_samples)
    return {"log_likelihood": tf.concat(iwae, 0).numpy(), "elbo": tf.concat(elbo, 0).numpy()}


def likelihood_metrics(model, images, labels=None, num_samples=1000, seed=0,
                       binarization_seed=0, batch_size=256):
    """Mean test metrics: ``nll_nats`` (importance-weighted, K = num_samples), ``elbo_nats``
    (the bound itself, reported positive as -ELBO) and ``bits_per_dim``."""
    result = evaluate_log_likelihood(model, images, labels, num_samples, seed,
                                     binarization_seed, batch_size)
    nll = float(-np.mean(result["log_likelihood"]))
    return {
        "nll_nats": nll,
        "elbo_nats": float(-np.mean(result["elbo"])),
        "bits_per_dim": float(nats_to_bits_per_dim(
            nll, model.num_dims, model.likelihood.nats_offset_per_dim())),
        "importance_samples": num_samples,
        "num_examples": int(len(images)),
    }
