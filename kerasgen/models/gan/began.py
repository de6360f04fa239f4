"""BEGAN (Berthelot, Schumm & Metz 2017): boundary equilibrium GAN with an autoencoder
discriminator.

#### Mathematical details

The discriminator D is an autoencoder; its reconstruction error on an image v is

    L(v) = mean_pixels |v - D(v)|                                  (images in [-1, 1])

Real images should reconstruct well and generated ones badly. With z_D, z_G ~ N(0, I):

    L_D = L(x) - k_t * L(G(z_D))                                   ("d_loss")
    L_G = L(G(z_G))                                                ("g_loss")
    k_{t+1} = clip(k_t + lambda_k * (gamma * L(x) - L(G(z_G))), 0, 1)

gamma = E[L(G(z))] / E[L(x)] at equilibrium (the diversity ratio: lower gives sharper, less
varied samples). The convergence measure, which falls as training improves, is

    M = L(x) + |gamma * L(x) - L(G(z_G))|  (batch means)            ("convergence")

k_t is a model variable (saved, restored by ``BackupAndRestore``, averaged over replicas).
`discriminate(x)` returns -L(x): higher means more like the training data.

Example:
    >>> began = BEGAN(image_shape=(8, 8, 1), num_levels=17, latent_dim=4, code_dim=8,
    ...               filters=(16,))
    >>> began.discriminate(np.zeros([2, 8, 8, 1], np.int32)).shape
    (2,)

References:
    Berthelot, Schumm & Metz 2017, "BEGAN: Boundary Equilibrium Generative Adversarial
    Networks".
"""

import keras
import numpy as np  # noqa: F401  (used by the doctest)
import tensorflow as tf

from kerasgen.models.gan.gan import GAN, nonnegative_weight
from kerasgen.networks import build_decoder, build_encoder, given_or_built
from kerasgen.utils import validation as v
from kerasgen.utils.replicas import global_mean


@keras.saving.register_keras_serializable(package="kerasgen")
class BEGAN(GAN):
    """A generator against an autoencoder discriminator, balanced by the k_t controller.

    Args:
        diversity_ratio: gamma in (0, 1].
        k_learning_rate: lambda_k, the step of the k_t controller.
        code_dim: size of the discriminator autoencoder's code (default: `latent_dim`).
        latent_dim, network, hidden_units, filters, d_steps, generator, discriminator: see
            `GAN` (a given discriminator maps images in [-1, 1] to images). Networks use ELU,
            as in the paper. BEGAN is unconditional and has its own loss: `loss`,
            `gradient_penalty` and `clip_value` are not used.
    """

    def __init__(self, diversity_ratio=0.5, k_learning_rate=0.001, code_dim=None, **kwargs):
        if kwargs.get("num_classes") is not None:
            v.fail("num_classes", repr(kwargs["num_classes"]), "None (BEGAN is unconditional)")
        for name, unused in (("gradient_penalty", 0.0), ("clip_value", None),
                             ("loss", "non_saturating"), ("feature_matching", 0.0),
                             ("statistics_matching", 0.0), ("label_conditioning", "concat")):
            if kwargs.get(name, unused) != unused:
                v.fail(name, repr(kwargs[name]), f"{unused!r}: BEGAN has its own loss")
        self._code_dim = code_dim
        super().__init__(**kwargs)
        self.diversity_ratio = v.check_positive_float("diversity_ratio", diversity_ratio)
        if self.diversity_ratio > 1:
            v.fail("diversity_ratio", repr(diversity_ratio), "a value in (0, 1]")
        self.k_learning_rate = nonnegative_weight("k_learning_rate", k_learning_rate)
        self.k = self.add_weight(shape=(), initializer="zeros", trainable=False, name="k",
                                 aggregation="mean")

    def _build_networks(self, generator, discriminator):
        self.code_dim = v.check_positive_int(
            "code_dim", self.latent_dim if self._code_dim is None else self._code_dim)
        kw = dict(units=self.hidden_units, filters=self.filters, activation="elu")
        self.generator, custom_g = given_or_built(generator, lambda: build_decoder(
            self.network, self.latent_dim, self.image_shape, name="generator", **kw))

        def autoencoder():
            encoder = build_encoder(self.network, self.image_shape, self.code_dim,
                                    name="discriminator_encoder", **kw)
            decoder = build_decoder(self.network, self.code_dim, self.image_shape,
                                    name="discriminator_decoder", **kw)
            return keras.Model(encoder.input, decoder(encoder.output), name="discriminator")

        self.discriminator, custom_d = given_or_built(discriminator, autoencoder)
        self._custom = {"generator": custom_g, "discriminator": custom_d}

    def feature_extractor(self):
        return None  # no feature matching: the discriminator is an autoencoder

    def reported_values(self):
        return ["d_loss", "g_loss", "convergence", "k"]

    def get_config(self):
        config = super().get_config()
        config.update(diversity_ratio=self.diversity_ratio,
                      k_learning_rate=self.k_learning_rate, code_dim=self.code_dim)
        return config

    # ------------------------------------------------------------------ losses
    def reconstruction_error(self, images, training=False):
        """L(v) = mean |v - D(v)| per image (images in [-1, 1])."""
        error = tf.abs(images - self.discriminator(images, training=training))
        return tf.reduce_mean(tf.reshape(error, [tf.shape(images)[0], -1]), -1)

    def critic(self, images, condition=None, training=False):
        """-L(x): the realness score."""
        return -self.reconstruction_error(images, training)

    def discriminator_losses(self, real, condition, seed, training=True):
        fake = self.generate_model_space(self._noise(tf.shape(real)[0], seed), None, training)
        d_loss = self.reconstruction_error(real, training) \
            - self.k * self.reconstruction_error(fake, training)
        return {"d_loss": d_loss, "k": tf.identity(self.k)}

    def generator_losses(self, real, condition, seed, training=True):
        fake = self.generate_model_space(self._noise(tf.shape(real)[0], seed), None, training)
        fake_error = self.reconstruction_error(fake, training)
        real_error = tf.stop_gradient(self.reconstruction_error(real, training))
        balance = self.diversity_ratio * real_error - fake_error
        # M = mean L(x) + |gamma mean L(x) - mean L(G(z))|: the balance of the batch means
        # (per-example |.| would add the spread of the errors and never reach 0).
        batch_balance = tf.abs(global_mean(tf.stop_gradient(balance)))
        return {"g_loss": fake_error, "balance": tf.stop_gradient(balance),
                "convergence": real_error + batch_balance}

    def after_generator_step(self, d_losses, g_losses):
        """k <- clip(k + lambda_k * mean(gamma L(x) - L(G(z))), 0, 1)."""
        step = self.k_learning_rate * global_mean(g_losses["balance"])
        self.k.assign(tf.clip_by_value(self.k + step, 0.0, 1.0))
        return {"k": tf.identity(self.k)}
