"""VAE-GAN (Larsen et al. 2016): a VAE whose decoder is a GAN generator, and whose
reconstruction error is measured in the discriminator's feature space.

#### Mathematical details

Encoder q(z | x) = N(mu(x), diag sigma(x)^2), generator (decoder) G, discriminator D with last
hidden features f(x). For a real batch x, z ~ q(z | x) gives reconstructions x~ = G(z), and
z_p ~ N(0, I) gives samples x_p = G(z_p).

    L_prior   = KL(q(z | x) || N(0, I))
    L_feature = 1/2 |f(x) - f(x~)|^2           -log of a unit Gaussian on features, up to a const
    L_D       = 1/2 [ l_D(D(x), D(x~)) + l_D(D(x), D(x_p)) ]      (the chosen adversarial loss)
    L_adv     = 1/2 [ l_G(D(x~)) + l_G(D(x_p)) ]

Each network minimizes its own loss, as in the paper:

    encoder        kl_weight * L_prior + L_feature          ("encoder_loss")
    generator      feature_weight * L_feature + L_adv       ("g_loss"; feature_weight = gamma)
    discriminator  L_D                                       ("d_loss")

Example:
    >>> vaegan = VAEGAN(image_shape=(8, 8, 1), num_levels=17, latent_dim=4, hidden_units=(32,))
    >>> vaegan.encode(np.zeros([2, 8, 8, 1], np.int32)).shape
    TensorShape([2, 4])

References:
    Larsen, Sonderby, Larochelle & Winther 2016, "Autoencoding beyond pixels using a learned
    similarity metric", ICML.
"""

import keras
import numpy as np  # noqa: F401  (used by the doctest)
import tensorflow as tf

from kerasgen.distributions.latent import (
    diagonal_gaussian,
    kl_to_standard_normal,
    reparameterized_sample,
)
from kerasgen.models.base import strict_options
from kerasgen.models.gan.gan import GAN, nonnegative_weight
from kerasgen.models.networked import CodecAPI
from kerasgen.networks import build_encoder, given_or_built
from kerasgen.utils.noise import SALT_LATENT

SALT_PRIOR = 7


@keras.saving.register_keras_serializable(package="kerasgen")
class VAEGAN(CodecAPI, GAN):
    """A VAE and a GAN sharing the generator; see the module docstring for the losses.
    `encode`, `decode` (= `generate`) and `reconstruct` come from `CodecAPI`.

    Args:
        feature_weight: gamma, the weight of the feature reconstruction in the generator loss
            (it trades reconstruction fidelity against fooling the discriminator).
        kl_weight: weight of the KL term in the encoder loss (1 = the VAE bound).
        encoder: optional Keras model (images [and one-hot label] -> 2 * latent_dim values:
            posterior means, then pre-softplus scales).
        other arguments: see `GAN`.
    """

    def __init__(self, feature_weight=1.0, kl_weight=1.0, encoder=None, **kwargs):
        super().__init__(**kwargs)
        self.feature_weight = nonnegative_weight("feature_weight", feature_weight)
        self.kl_weight = nonnegative_weight("kl_weight", kl_weight)
        self.encoder, self._custom["encoder"] = given_or_built(encoder, lambda: build_encoder(
            self.network, self.image_shape, 2 * self.latent_dim, units=self.hidden_units,
            filters=self.filters, activation="leaky_relu", condition_dim=self.num_classes or 0,
            normalization=self.normalization, name="encoder"))

    def reported_values(self):
        return super().reported_values() + ["encoder_loss", "kl", "feature_reconstruction"]

    def get_config(self):
        config = super().get_config()
        config.update(feature_weight=self.feature_weight, kl_weight=self.kl_weight)
        return config

    def generator_objectives(self):
        return {"encoder": "encoder_loss", "generator": "g_loss"}

    # ------------------------------------------------------------------ the model
    def posterior(self, real, condition=None, training=False):
        """q(z | x) for images in [-1, 1]."""
        return diagonal_gaussian(self._run(self.encoder, real, condition, training))

    def _fakes(self, real, condition, seed, training):
        """(q(z | x), reconstructions G(z ~ q), samples G(z ~ p))."""
        posterior = self.posterior(real, condition, training)
        latents = reparameterized_sample(posterior, seed + SALT_LATENT)
        reconstructions = self.generate_model_space(latents, condition, training)
        samples = self.generate_model_space(
            self._noise(tf.shape(real)[0], seed + SALT_PRIOR), condition, training)
        return posterior, reconstructions, samples

    def feature_reconstruction(self, real, reconstructions, condition=None, training=False):
        """1/2 |f(x) - f(x~)|^2 per example, f = the discriminator's last hidden features."""
        def features(x):
            return self.discriminator_features(x if condition is None else [x, condition],
                                               training=training)
        return 0.5 * tf.reduce_sum(tf.square(features(real) - features(reconstructions)), -1)

    def discriminator_losses(self, real, condition, seed, training=True):
        _, reconstructions, samples = self._fakes(real, condition, seed, training)
        return self.adversarial_d_loss(real, [samples, reconstructions], condition, seed,
                                       training)

    def generator_losses(self, real, condition, seed, training=True):
        posterior, reconstructions, samples = self._fakes(real, condition, seed, training)
        kl = kl_to_standard_normal(posterior)
        feature = self.feature_reconstruction(real, reconstructions, condition, training)
        adversarial = self.adversarial_g_loss(real, [samples, reconstructions], condition,
                                              training)
        return {"g_loss": self.feature_weight * feature + adversarial,
                "encoder_loss": self.kl_weight * kl + feature, "kl": kl,
                "feature_reconstruction": feature}

    # ------------------------------------------------------------------ graph-safe API
    def _encode(self, images, labels=None):
        return self.posterior(self.to_model_space(images), self.condition_of(labels)).mean()

    def _decode(self, latents, labels=None):
        return self._generate(latents, labels)

    @strict_options
    def evaluation_report(self, images, labels=None, seed=0, classifier=None, dataset=None,
                          data_dir=None, data_options=None):
        """The GAN metrics plus ``reconstruction_mse`` (pixels in [0, 1])."""
        report = super().evaluation_report(images, labels, seed=seed, classifier=classifier,
                                           dataset=dataset, data_dir=data_dir,
                                           data_options=data_options)
        images = self.check_images(images)
        report["reconstruction_mse"] = self.reconstruction_mse(
            images, self.check_labels(labels, len(images)))
        return report

    # ------------------------------------------------------------------ export
    def serving_endpoints(self):
        """The GAN's (``sample``, ``generate``, ``discriminate``), ``encode``, ``decode``,
        ``reconstruct``."""
        return super().serving_endpoints() + self.codec_endpoints()

    def tflite_endpoints(self):
        return super().tflite_endpoints() + self.codec_endpoints()
