"""Variational autoencoder (Kingma & Welling 2014) and its conditional form.

#### Mathematical details

    q(z | x) = N(z; mu(x), diag(sigma(x)^2))          encoder, sigma = softplus(.) + 1e-4
    p(z)     = N(0, I)
    p(x | z)                                          a `kerasgen.distributions` likelihood

    ELBO(x)  = E_q[log p(x | z)] - beta * KL(q(z | x) || p(z))           (beta = 1: the bound)
    KL       = 1/2 sum_j (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2)         (analytic)

Training minimizes -ELBO with one reparameterized sample z = mu + sigma * eps. Binarized data
(Bernoulli likelihood) is binarized afresh each step (dynamic binarization). The conditional
VAE feeds a one-hot label y to both networks: q(z | x, y), p(x | z, y).

Example:
    >>> import kerasgen
    >>> data = kerasgen.data.load("digits", batch_size=64)
    >>> vae = VAE(image_shape=(8, 8, 1), num_levels=17, latent_dim=4, hidden_units=(64,))
    >>> vae.compile(optimizer="adam")
    >>> _ = vae.fit(data, epochs=1, verbose=0)
    >>> vae.sample(4, seed=0).shape
    TensorShape([4, 8, 8, 1])

References:
    Kingma & Welling 2014, "Auto-Encoding Variational Bayes".
    Burda, Grosse & Salakhutdinov 2016, "Importance Weighted Autoencoders".
    Sohn, Lee & Yan 2015, "Learning Structured Output Representation using Deep Conditional
    Generative Models".
"""

import math

import keras
import tensorflow as tf

from kerasgen.distributions import get_likelihood
from kerasgen.distributions.latent import (
    diagonal_gaussian,
    kl_to_standard_normal,
    reparameterized_sample,
)
from kerasgen.distributions.latent import standard_normal
from kerasgen.evaluation.likelihood import evaluate_log_likelihood, likelihood_metrics
from kerasgen.models.base import strict_options
from kerasgen.models.networked import EncoderDecoderModel
from kerasgen.utils import validation as v
from kerasgen.utils.noise import SALT_BINARIZE, SALT_LATENT, fixed_seed


@keras.saving.register_keras_serializable(package="kerasgen")
class VAE(EncoderDecoderModel):
    """Variational autoencoder with a Gaussian posterior and a choice of decoder likelihood.

    Args:
        likelihood: ``"bernoulli"``, ``"gaussian"`` (learned scale), ``{"name": "gaussian",
            "scale": s}`` (fixed) or ``"discretized_logistic"``.
        beta: weight of the KL term (beta-VAE); 1 gives the ELBO.
        latent_dim, network, hidden_units, filters, activation, upsampling, encoder, decoder:
            see `EncoderDecoderModel`.
        scale_encoder_inputs: give the encoder `likelihood.network_inputs` (levels scaled to
            [0, 1] for the discretized logistic) rather than the raw targets. Files written
            before this option existed load with False, as they were trained.
        image_shape, num_levels, num_classes, seed: see `ImageGenerativeModel`.
    """

    loss_names = ("loss", "reconstruction", "kl")

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.setdefault("scale_encoder_inputs", False)  # a file from before the option
        return super().from_config(config)

    @property
    def integer_images(self):
        """A likelihood over the integer levels (the discretized logistic) scores integer
        pixels only (a fractional one would be floored into a level without a word); Bernoulli
        binarizes and the Gaussian is a density, so they take any value in range."""
        return self.likelihood.is_discrete and self.likelihood.name != "bernoulli"

    def __init__(self, likelihood="bernoulli", beta=1.0, encoder=None, decoder=None,
                 scale_encoder_inputs=True, **kwargs):
        super().__init__(**kwargs)
        self.scale_encoder_inputs = v.check_bool("scale_encoder_inputs", scale_encoder_inputs)
        self.likelihood = get_likelihood(likelihood, self.num_levels)
        self.beta = v.check_non_negative_float("beta", beta)
        self.build_networks(2 * self.latent_dim,
                            self.image_shape[-1] * self.likelihood.params_per_dim,
                            encoder, decoder)

    def get_config(self):
        config = super().get_config()
        config.update(likelihood=self.likelihood.get_config(), beta=self.beta,
                      scale_encoder_inputs=self.scale_encoder_inputs)
        return config

    # ------------------------------------------------------------------ the model
    def prior(self):
        return standard_normal(self.latent_dim)

    def posterior(self, targets, condition=None, training=False):
        """q(z | x) for prepared targets (see `likelihood.prepare_targets`)."""
        inputs = self.likelihood.network_inputs(targets) if self.scale_encoder_inputs \
            else targets
        return diagonal_gaussian(self.run_encoder(inputs, condition, training))

    def kl_divergence(self, posterior):
        """KL(q(z|x) || N(0, I)), analytic, one value per example."""
        return kl_to_standard_normal(posterior)

    def per_example_losses(self, images, labels, seed, training):
        condition = self.condition_of(labels)
        targets = self.likelihood.prepare_targets(images, seed=seed + SALT_BINARIZE)
        posterior = self.posterior(targets, condition, training)
        latents = reparameterized_sample(posterior, seed + SALT_LATENT)
        reconstruction = -self.likelihood.log_prob(
            self.run_decoder(latents, condition, training), targets)
        kl = self.kl_divergence(posterior)
        return {"loss": reconstruction + self.beta * kl, "reconstruction": reconstruction,
                "kl": kl}

    def importance_log_weights(self, targets, labels, num_samples, seed):
        """``log p(x|z_k) + log p(z_k) - log q(z_k|x)`` for k = 1..num_samples: ``[K, B]``.

        All K samples go through the decoder as one batch of K * B.
        """
        condition = self.condition_of(labels)
        posterior = self.posterior(targets, condition)
        latents = posterior.sample(num_samples, seed=seed)               # [K, B, d]
        batch = tf.shape(targets)[0]
        flat = tf.reshape(latents, [-1, self.latent_dim])
        flat_condition = None if condition is None else tf.tile(condition, [num_samples, 1])
        params = self.run_decoder(flat, flat_condition)
        params = tf.reshape(params, tf.concat([[num_samples, batch], tf.shape(params)[1:]], 0))
        log_px = self.likelihood.log_prob(params, targets)                # [K, B]
        return log_px + self.prior().log_prob(latents) - posterior.log_prob(latents)

    # ------------------------------------------------------------------ graph-safe API
    def _encode(self, images, labels=None):
        targets = self.likelihood.prepare_targets(images)
        return self.posterior(targets, self.condition_of(labels)).mean()

    def _decode(self, latents, labels=None):
        return self.likelihood.mean(self.run_decoder(latents, self.condition_of(labels)))

    def _sample(self, num_samples, seed, temperature=1.0, labels=None):
        noise = tf.random.stateless_normal(tf.stack([num_samples, self.latent_dim]),
                                           seed=fixed_seed(seed, SALT_LATENT))
        return self._decode(noise * temperature, labels)

    def _log_prob(self, images, labels, num_samples):
        weights = self.importance_log_weights(self.likelihood.scoring_targets(images), labels,
                                              num_samples, fixed_seed(0, SALT_LATENT))
        return tf.reduce_logsumexp(weights, 0) - math.log(num_samples)

    # ------------------------------------------------------------------ checked user API
    def sample(self, num_samples, seed=None, temperature=1.0, labels=None):
        """Decoder means of z ~ N(0, temperature^2 I): ``[num_samples, H, W, C]``."""
        num_samples = self.check_num_samples(num_samples)
        v.check_positive_float("temperature", temperature)
        labels = self.check_labels(labels, num_samples)
        return self._sample(num_samples, self.resolve_seed(seed), temperature, labels)

    def log_prob(self, images, labels=None, num_samples=1, seed=0, binarization_seed=None):
        """Estimate of log p(x) in nats per image: the ELBO at ``num_samples=1``, the
        importance-weighted bound (tighter as it grows) above. Bernoulli models score a
        binarization of `images`: thresholded, or drawn with `binarization_seed`."""
        images = self.check_images(images)
        labels = self.check_labels(labels, len(images))
        result = evaluate_log_likelihood(self, images, labels, num_samples=num_samples,
                                         seed=seed, binarization_seed=binarization_seed)
        return result["log_likelihood"]

    def bits_per_dim(self, images, labels=None, num_samples=1, seed=0, binarization_seed=None):
        nats = -self.log_prob(images, labels, num_samples, seed, binarization_seed)
        return (nats / self.num_dims + self.likelihood.nats_offset_per_dim()) / math.log(2)

    def anomaly_score(self, images, labels=None, num_samples=1):
        """Negative log-likelihood bound: higher means less like the training data."""
        return -self.log_prob(images, labels, num_samples=num_samples)

    @strict_options
    def evaluation_report(self, images, labels=None, importance_samples=1000, seed=0):
        """Test metrics (``kerasgen evaluate``): ``nll_nats`` (importance-weighted),
        ``elbo_nats``, ``bits_per_dim`` and ``reconstruction_mse`` (pixels in [0, 1])."""
        v.check_positive_int("importance_samples", importance_samples)
        images = self.check_images(images)
        labels = self.check_labels(labels, len(images))
        report = likelihood_metrics(self, images, labels, num_samples=importance_samples,
                                    seed=seed, binarization_seed=seed)
        report["reconstruction_mse"] = self.reconstruction_mse(images, labels)
        return report

    # ------------------------------------------------------------------ export
    def serving_endpoints(self, log_prob_samples=64):
        """``sample`` (default), ``encode``, ``decode``, ``reconstruct``, ``log_prob``
        (importance-weighted with `log_prob_samples` samples, thresholded binarization)."""
        scalar = lambda name: tf.TensorSpec([], tf.int32, name=name)  # noqa: E731
        images = self.input_specs()[0]
        return [
            self.endpoint("sample", lambda num_samples, seed, labels=None:
                          {"images": self._sample(num_samples, seed, 1.0, labels)},
                          [scalar("num_samples"), scalar("seed")]),
            *self.codec_endpoints(),
            self.endpoint("log_prob", lambda images, labels=None:
                          {"log_prob": self._log_prob(images, labels, log_prob_samples)},
                          [images]),
        ]

    def tflite_endpoints(self):
        """``decode`` (noise in), ``encode`` and ``sample`` drawing noise with the builtin
        RandomStandardNormal (stateless random ops do not convert to TFLite)."""
        codec = {e.name: e for e in self.codec_endpoints()}

        def sample(num_samples, labels=None):
            noise = tf.random.normal(tf.stack([num_samples, self.latent_dim]))
            return {"images": self._decode(noise, labels)}

        return [codec["decode"], codec["encode"],
                self.endpoint("sample", sample, [tf.TensorSpec([], tf.int32, "num_samples")],
                              deterministic=False)]


@keras.saving.register_keras_serializable(package="kerasgen")
class ConditionalVAE(VAE):
    """A VAE conditioned on class labels: q(z | x, y) and p(x | z, y).

    Example:
        >>> cvae = ConditionalVAE(num_classes=10, latent_dim=4)
        >>> cvae.sample(3, seed=0, labels=[0, 1, 2]).shape
        TensorShape([3, 8, 8, 1])
    """

    def __init__(self, num_classes=10, **kwargs):
        if num_classes is None:
            v.fail("num_classes", "None", "a positive number of classes for a conditional VAE")
        super().__init__(num_classes=num_classes, **kwargs)
