"""Autoencoders: dense, convolutional and denoising.

#### Mathematical details

Pixels are scaled to x in [0, 1]; the decoder outputs logits l and the reconstruction
x_hat = sigmoid(l). The per-example loss is averaged over the D pixels:

    mse:  1/D sum_i (x_i - x_hat_i)^2
    bce:  1/D sum_i -[x_i log x_hat_i + (1 - x_i) log(1 - x_hat_i)]

A denoising autoencoder (Vincent et al. 2008) encodes a corrupted x~ and is scored against the
clean x, so it cannot learn the identity even when the code is as wide as the input:

    gaussian:         x~ = clip(x + noise_level * eps, 0, 1),  eps ~ N(0, I)
    masking:          x~_i = 0 with probability noise_level
    salt_and_pepper:  x~_i = 0 or 1 (even odds) with probability noise_level

Example:
    >>> import kerasgen
    >>> data = kerasgen.data.load("digits", batch_size=64)
    >>> ae = ConvAutoencoder(image_shape=(8, 8, 1), num_levels=17, latent_dim=8)
    >>> ae.compile(optimizer="adam")
    >>> _ = ae.fit(data, epochs=1, verbose=0)

References:
    Vincent et al. 2008, "Extracting and Composing Robust Features with Denoising Autoencoders".
"""

import keras
import numpy as np
import tensorflow as tf

from kerasgen.data import transforms
from kerasgen.models.base import strict_options
from kerasgen.models.networked import EncoderDecoderModel
from kerasgen.utils import noise
from kerasgen.utils import validation as v
from kerasgen.utils.noise import SALT_CORRUPT, fixed_seed

CORRUPTIONS = ("gaussian", "masking", "salt_and_pepper")


@keras.saving.register_keras_serializable(package="kerasgen")
class Autoencoder(EncoderDecoderModel):
    """A deterministic autoencoder with a linear bottleneck of `latent_dim` units.

    Args:
        loss: ``"mse"`` or ``"bce"`` between clean pixels in [0, 1] and the reconstruction.
        latent_dim, network, hidden_units, filters, activation, upsampling, encoder, decoder:
            see `EncoderDecoderModel`.
    """

    loss_names = ("loss", "reconstruction_mse")
    can_sample = False  # no prior: it reconstructs

    def __init__(self, latent_dim=32, loss="mse", encoder=None, decoder=None, **kwargs):
        if kwargs.get("num_classes") is not None:
            v.fail("num_classes", repr(kwargs["num_classes"]),
                   "None: autoencoders are not conditional (use ConditionalVAE)")
        super().__init__(latent_dim=latent_dim, **kwargs)
        self.loss_kind = v.check_choice("loss", loss, ("mse", "bce"))
        self.build_networks(self.latent_dim, self.image_shape[-1], encoder, decoder)

    def get_config(self):
        config = super().get_config()
        config["loss"] = self.loss_kind
        return config

    def corrupt_unit(self, x, seed):
        """The encoder's input for clean pixels `x` in [0, 1] (identity here)."""
        return x

    def per_example_losses(self, images, labels, seed, training):
        clean = transforms.scale_to_unit(images, self.num_levels)
        # Corrupted for training only: validation reports the clean reconstruction error, the
        # same number as `evaluation_report` and `anomaly_score`.
        inputs = self.corrupt_unit(clean, seed + SALT_CORRUPT) if training else clean
        logits = self.run_decoder(self.run_encoder(inputs, training=training),
                                  training=training)
        axes = list(range(1, len(self.image_shape) + 1))
        squared = tf.reduce_mean(tf.square(clean - tf.sigmoid(logits)), axis=axes)
        if self.loss_kind == "mse":
            loss = squared
        else:
            loss = tf.reduce_mean(
                tf.nn.sigmoid_cross_entropy_with_logits(labels=clean, logits=logits), axis=axes)
        return {"loss": loss, "reconstruction_mse": squared}

    # ------------------------------------------------------------------ graph-safe API
    def _encode(self, images, labels=None):
        return self.run_encoder(transforms.scale_to_unit(images, self.num_levels))

    def _decode(self, latents, labels=None):
        return transforms.unit_to_levels(tf.sigmoid(self.run_decoder(latents)), self.num_levels)

    def _score(self, images):
        clean = transforms.scale_to_unit(images, self.num_levels)
        reconstruction = transforms.scale_to_unit(self._reconstruct(images), self.num_levels)
        return tf.reduce_mean(tf.square(clean - reconstruction),
                              axis=list(range(1, len(self.image_shape) + 1)))

    # ------------------------------------------------------------------ checked user API
    def anomaly_score(self, images, labels=None):
        """Per-example reconstruction mean squared error (pixels in [0, 1])."""
        images = self.check_images(images)
        self.check_labels(labels, len(images))  # None: autoencoders are unconditional
        return self._score(images).numpy()

    def reconstruction_error(self, images):
        """Mean reconstruction MSE over `images` (pixels in [0, 1])."""
        return float(np.mean(self.anomaly_score(images)))

    @strict_options
    def evaluation_report(self, images, labels=None):
        """Test metrics (``kerasgen evaluate``): ``reconstruction_mse`` (pixels in [0, 1])."""
        return {"reconstruction_mse": self.reconstruction_error(images),
                "num_examples": int(len(images))}

    # ------------------------------------------------------------------ export
    def serving_endpoints(self):
        """``reconstruct`` (default), ``encode``, ``decode`` and ``score``."""
        codec = {e.name: e for e in self.codec_endpoints()}
        images = self.input_specs()[0]
        score = self.endpoint("score", lambda images: {"score": self._score(images)}, [images])
        return [codec["reconstruct"], codec["encode"], codec["decode"], score]

    def tflite_endpoints(self):
        return self.codec_endpoints()


@keras.saving.register_keras_serializable(package="kerasgen")
class ConvAutoencoder(Autoencoder):
    """An `Autoencoder` with convolutional networks (stride-2 convolutions down, transposed
    convolutions or upsampling up)."""

    def __init__(self, network="conv", **kwargs):
        super().__init__(network=network, **kwargs)


@keras.saving.register_keras_serializable(package="kerasgen")
class DenoisingAutoencoder(Autoencoder):
    """An `Autoencoder` trained to map corrupted images to clean ones.

    Args:
        corruption: ``"gaussian"``, ``"masking"`` or ``"salt_and_pepper"``.
        noise_level: Gaussian standard deviation (pixels in [0, 1]), or the fraction of
            pixels masked / flipped.
    """

    def __init__(self, corruption="gaussian", noise_level=0.3, **kwargs):
        super().__init__(**kwargs)
        self.corruption = v.check_choice("corruption", corruption, CORRUPTIONS)
        self.noise_level = v.check_positive_float("noise_level", noise_level)
        if self.corruption != "gaussian":
            v.check_probability("noise_level", self.noise_level)

    def get_config(self):
        config = super().get_config()
        config.update(corruption=self.corruption, noise_level=self.noise_level)
        return config

    def corrupt_unit(self, x, seed):
        shape = tf.shape(x)
        if self.corruption == "gaussian":
            gaussian = noise.normal(shape, seed)
            return tf.clip_by_value(x + self.noise_level * gaussian, 0.0, 1.0)
        hit = noise.uniform(shape, seed) < self.noise_level
        if self.corruption == "masking":
            return tf.where(hit, tf.zeros_like(x), x)
        salt = tf.cast(noise.uniform(shape, seed + 1) < 0.5, x.dtype)
        return tf.where(hit, salt, x)

    def corrupt(self, images, seed=0):
        """Corrupted copies of integer `images`, in the data's units (for demos and tests)."""
        images = self.check_images(images)
        x = transforms.scale_to_unit(images, self.num_levels)
        return transforms.unit_to_levels(self.corrupt_unit(x, fixed_seed(seed, SALT_CORRUPT)),
                                         self.num_levels)
