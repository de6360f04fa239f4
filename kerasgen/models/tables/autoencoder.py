"""`TableAutoencoder`: the seed notes' first step for a table, a deterministic bottleneck.

#### Mathematical details

    code   = f(transformer.encode(row))          a dense encoder to `latent_dim` numbers
    loss   = -log p(row | g(code)) + weight_decay * sum ||W||^2

The reconstruction term is the per-column likelihood of
`kerasgen.distributions.tables.TableLikelihood` (cross-entropy on categories and modes, a
Gaussian on each number's offset within its mode); the weight penalty is the seed's
regularizer on the kernels. Without a prior over codes it does not sample (``can_sample`` is
False); its novelty score is the reconstruction loss of a row (``anomaly_score``).

Example:
    >>> from kerasgen.data import TableTransformer, load_table
    >>> table = load_table("wine", split="train")
    >>> model = TableAutoencoder(transformer=TableTransformer.fit(table), latent_dim=2,
    ...                          hidden_units=(16,))
    >>> model.compile(optimizer="adam")
    >>> _ = model.fit(table.frame, batch_size=64, epochs=1, verbose=0)
    >>> model.encode(table.frame[:3]).shape, model.anomaly_score(table.frame[:3]).shape
    (TensorShape([3, 2]), (3,))
"""

import keras
import numpy as np
import tensorflow as tf

from kerasgen.models.base import strict_options
from kerasgen.models.tables.base import TableGenerativeModel
from kerasgen.training.maximum_likelihood import MaximumLikelihoodTraining
from kerasgen.utils import validation as v


@keras.saving.register_keras_serializable(package="kerasgen")
class TableAutoencoder(MaximumLikelihoodTraining, TableGenerativeModel):
    """A dense autoencoder of table rows with an L2 weight penalty.

    Args:
        latent_dim: size of the bottleneck code.
        hidden_units: the encoder's dense layers (the decoder mirrors them).
        activation: hidden activation.
        weight_decay: L2 penalty on every kernel.
        transformer, seed: see `TableGenerativeModel`.
    """

    can_sample = False
    loss_names = ("loss",)

    def __init__(self, latent_dim=8, hidden_units=(64,), activation="relu", weight_decay=1e-4,
                 **kwargs):
        super().__init__(**kwargs)
        self.build_codec(latent_dim, hidden_units, activation, weight_decay, latent_dim)

    sample = None  # no prior over codes: reconstruct, encode and score instead

    def get_config(self):
        config = super().get_config()
        config.update(self.codec_config())
        return config

    def _encode(self, rows, training=False):
        return self.encoder(self.transformer.encode(rows), training=training)

    def _score(self, rows, training=False):
        """The reconstruction loss -log p(row | decoder(encoder(row))) ``[B]``."""
        rows = tf.convert_to_tensor(rows, tf.float32)
        return -self.likelihood.log_prob(self.decoder(self._encode(rows, training),
                                                      training=training), rows)

    def per_example_losses(self, rows, labels, seed, training):
        return {"loss": self._score(rows, training)}

    def _decode(self, latents):
        return self.likelihood.most_likely(self.decoder(latents))

    def call(self, rows, training=False):
        return self._decode(self._encode(rows, training))

    # ------------------------------------------------------------------ checked user API
    def encode(self, rows):
        return self._encode(self.check_rows(rows))

    def decode(self, latents):
        """The most likely rows of codes `latents`, as a DataFrame."""
        latents = v.check_codes("latents", latents, self.latent_dim)
        return self.transformer.frame(self._decode(latents).numpy())

    def reconstruct(self, rows):
        return self.transformer.frame(self(self.check_rows(rows)).numpy())

    def anomaly_score(self, rows):
        """Novelty of each row: its reconstruction loss in nats (higher: less like the
        training rows)."""
        return self._score(self.check_rows(rows)).numpy()

    @strict_options
    def evaluation_report(self, rows, labels=None):
        """Test metrics (``kerasgen evaluate``): the mean ``reconstruction_nats``."""
        scores = self.anomaly_score(rows)
        return {"reconstruction_nats": float(np.mean(scores)), "num_examples": len(scores)}

    # ------------------------------------------------------------------ export
    def serving_endpoints(self):
        """``reconstruct`` (default), ``encode``, ``decode`` and ``score``."""
        rows = self.data_kind.spec()
        latents = tf.TensorSpec([None, self.latent_dim], tf.float32, name="latents")
        return [
            self.endpoint("reconstruct", lambda rows: self.column_outputs(self(rows)), [rows]),
            self.endpoint("encode", lambda rows: {"latents": self._encode(rows)}, [rows]),
            self.endpoint("decode", lambda latents: self.column_outputs(self._decode(latents)),
                          [latents]),
            self.endpoint("score", lambda rows: {"score": self._score(rows)}, [rows]),
        ]

    def tflite_endpoints(self):
        rows = self.data_kind.spec()
        latents = tf.TensorSpec([None, self.latent_dim], tf.float32, name="latents")
        return [
            self.endpoint("encode", lambda rows: {"latents": self._encode(rows)}, [rows]),
            self.endpoint("decode", lambda latents: self.column_outputs(
                self._decode(latents), strings=False), [latents]),
            self.endpoint("score", lambda rows: {"score": self._score(rows)}, [rows]),
        ]
