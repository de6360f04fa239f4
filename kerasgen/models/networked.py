"""`EncoderDecoderModel`: the shared half of autoencoders and VAEs; `CodecAPI`: the encode /
decode / reconstruct methods and endpoints, also used by the VAE-GAN.

It owns the network hyperparameters, builds (or accepts) the encoder and decoder, serializes
them, and gives the checked user API and export endpoints that both families share:

    encode(images) -> latents      decode(latents) -> images      reconstruct(images) -> images

Subclasses implement the graph-safe ``_encode``, ``_decode`` and the loss.
The networks are built from hyperparameters (and rebuilt from them on load) unless the user
gives Keras models, which are then serialized into the config with ``keras.layers.serialize``.
"""

import keras
import numpy as np
import tensorflow as tf

from kerasgen.models.base import ImageGenerativeModel
from kerasgen.networks import NETWORK_KINDS, build_decoder, build_encoder, given_or_built
from kerasgen.training.maximum_likelihood import MaximumLikelihoodTraining
from kerasgen.utils import validation as v


class CodecAPI:
    """The encode / decode / reconstruct API shared by every model with an encoder and a
    decoder (autoencoders, VAEs, VAE-GAN): checked user methods, the reconstruction error and
    the export endpoints, over the graph-safe ``_encode`` and ``_decode`` a model defines."""

    # ------------------------------------------------------------------ graph-safe API
    def _encode(self, images, labels=None):
        raise NotImplementedError

    def _decode(self, latents, labels=None):
        raise NotImplementedError

    def _reconstruct(self, images, labels=None):
        return self._decode(self._encode(images, labels), labels)

    # ------------------------------------------------------------------ checked user API
    def encode(self, images, labels=None):
        """Codes ``[N, latent_dim]`` of integer images ``[N, H, W, C]``."""
        images = self.check_images(images)
        return self._encode(images, self.check_labels(labels, len(images)))

    def decode(self, latents, labels=None):
        """Images from codes, in the data's units ``[0, num_levels - 1]`` (float)."""
        latents = v.check_codes("latents", latents, self.latent_dim)
        return self._decode(latents, self.check_labels(labels, len(latents)))

    def reconstruct(self, images, labels=None):
        images = self.check_images(images)
        return self._reconstruct(images, self.check_labels(labels, len(images)))

    def reconstruction_mse(self, images, labels=None):
        """Mean squared reconstruction error of checked `images`, pixels scaled to [0, 1]."""
        error = (self._reconstruct(images, labels) - images) / (self.num_levels - 1)
        return float(np.mean(np.square(error)))

    # ------------------------------------------------------------------ export
    def input_specs(self):
        """Named specs ``images`` (float, data units) and ``latents``; `endpoint` adds
        ``labels`` for conditional models."""
        images = tf.TensorSpec([None, *self.image_shape], tf.float32, name="images")
        latents = tf.TensorSpec([None, self.latent_dim], tf.float32, name="latents")
        return images, latents

    def codec_endpoints(self):
        """``encode``, ``decode`` and ``reconstruct``, shared by every encoder-decoder model."""
        images, latents = self.input_specs()
        return [
            self.endpoint("encode", lambda images, labels=None:
                          {"latents": self._encode(images, labels)}, [images]),
            self.endpoint("decode", lambda latents, labels=None:
                          {"images": self._decode(latents, labels)}, [latents]),
            self.endpoint("reconstruct", lambda images, labels=None:
                          {"images": self._reconstruct(images, labels)}, [images]),
        ]


class EncoderDecoderModel(CodecAPI, MaximumLikelihoodTraining, ImageGenerativeModel):
    """Base of models made of an encoder and a decoder network.

    Args:
        latent_dim: size of the code.
        network: ``"dense"`` or ``"conv"``.
        hidden_units: dense layer sizes of the encoder (the decoder mirrors them).
        filters: convolution filters, one stride-2 stage each (conv networks).
        activation: hidden activation.
        upsampling: ``"transpose"`` (transposed convolutions) or ``"upsample"`` (nearest
            upsampling then convolution), for conv decoders.
        encoder, decoder: optional Keras models used instead of the built networks.
    """

    def __init__(self, latent_dim=8, network="dense", hidden_units=(128,), filters=(32, 64),
                 activation="relu", upsampling="transpose", **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = v.check_positive_int("latent_dim", latent_dim)
        self.network = v.check_choice("network", network, NETWORK_KINDS)
        self.hidden_units = v.check_int_list("hidden_units", hidden_units)
        self.filters = v.check_int_list("filters", filters)
        try:
            keras.activations.get(activation)
        except (ValueError, TypeError):
            v.fail("activation", repr(activation), "a Keras activation name such as 'relu'")
        self.activation = activation
        self.upsampling = v.check_choice("upsampling", upsampling, ("transpose", "upsample"))

    def build_networks(self, encoder_outputs, decoder_channels, encoder=None, decoder=None):
        """Create `encoder` and `decoder` (called by subclasses once their sizes are known);
        `encoder`/`decoder` given by the user (Keras models or their serialized configs) are
        used instead of built ones."""
        kw = dict(units=self.hidden_units, filters=self.filters, activation=self.activation,
                  condition_dim=self.num_classes or 0)
        height, width, _ = self.image_shape
        self.encoder, custom_encoder = given_or_built(encoder, lambda: build_encoder(
            self.network, self.image_shape, encoder_outputs, **kw))
        self.decoder, custom_decoder = given_or_built(decoder, lambda: build_decoder(
            self.network, self.latent_dim, (height, width, decoder_channels),
            upsampling=self.upsampling, **kw))
        self._custom = {"encoder": custom_encoder, "decoder": custom_decoder}
        self.built = True

    def get_config(self):
        config = super().get_config()
        config.update(latent_dim=self.latent_dim, network=self.network,
                      hidden_units=list(self.hidden_units), filters=list(self.filters),
                      activation=self.activation, upsampling=self.upsampling)
        for name, custom in self._custom.items():
            config[name] = keras.layers.serialize(getattr(self, name)) if custom else None
        return config

    def run_encoder(self, inputs, condition=None, training=False):
        """The encoder network; ``training`` reaches its dropout and batch norm (a train step
        calls the networks directly, so no outer call passes Keras' training flag down)."""
        inputs = tf.convert_to_tensor(inputs, tf.float32)
        return self.encoder(inputs if condition is None else [inputs, condition],
                            training=training)

    def run_decoder(self, latents, condition=None, training=False):
        """The decoder network (``training`` as in `run_encoder`)."""
        latents = tf.convert_to_tensor(latents, tf.float32)
        return self.decoder(latents if condition is None else [latents, condition],
                            training=training)

    def call(self, inputs, training=False):
        """Reconstruction of ``images`` or ``(images, labels)``, in the data's units."""
        images, labels = inputs if isinstance(inputs, (tuple, list)) else (inputs, None)
        return self._reconstruct(images, labels)
