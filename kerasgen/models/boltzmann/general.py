"""A general Boltzmann machine (Ackley, Hinton & Sejnowski 1985): binary units with
visible-visible, visible-hidden and hidden-hidden weights, trained by the classic rule.

#### Mathematical details

States s = [v, h] in {0, 1}^N (N = D visible + H hidden), symmetric weights with no
self-connections W = U + U^T (U strictly upper triangular: every pair once), biases b:

    E(s) = -sum_{i<j} U_ij s_i s_j - b.s          p(s) = exp(-E(s)) / Z
    p(s_i = 1 | s_-i) = sigmoid(b_i + sum_j W_ij s_j)      (units updated one at a time)

The learning rule (the gradient of the average log-likelihood of the data):

    dU_ij = lr (<s_i s_j>_clamped - <s_i s_j>_free),   db_i = lr (<s_i>_clamped - <s_i>_free)

The clamped phase fixes v to a training image (binarized with probability x / (L - 1)) and
runs ``gibbs_steps`` sequential sweeps over the hidden units (from random states); the free
phase runs sweeps over all units of ``num_chains`` persistent chains. Through the contrastive
skeleton (energy E on the two phases' states) plain SGD applies exactly this rule, and any
Keras optimizer applies its own version of it.

Small models (N <= 20) have an exact ``log_prob`` by enumerating every state.

Example:
    >>> import numpy as np
    >>> bm = BoltzmannMachine(image_shape=(1, 4, 1), num_levels=2, hidden_units=2)
    >>> bm.compile_with_defaults()
    >>> _ = bm.fit(np.eye(4)[:, None, :, None].repeat(8, 0), batch_size=8, verbose=0)
    >>> bm.sample(3, gibbs_steps=5, seed=0).shape
    TensorShape([3, 1, 4, 1])
"""

import itertools

import keras
import numpy as np
import tensorflow as tf

from kerasgen.data import transforms
from kerasgen.models.base import ImageGenerativeModel, strict_options
from kerasgen.models.boltzmann.chains import (
    ChainSampling,
    START_STEP,
    check_chain_request,
    sample_endpoints,
)
from kerasgen.training.contrastive_divergence import ContrastiveDivergenceTraining
from kerasgen.utils import noise as noise_lib
from kerasgen.utils import validation as val
from kerasgen.utils.noise import StatelessNoise
from kerasgen.utils.replicas import assign_rows, local_rows

MAX_ENUMERATED_UNITS = 20


@keras.saving.register_keras_serializable(package="kerasgen")
class BoltzmannMachine(ContrastiveDivergenceTraining, ChainSampling, ImageGenerativeModel):
    """A fully connected Boltzmann machine (module docstring).

    Args:
        hidden_units: H (0: a visible-only Boltzmann machine).
        gibbs_steps: sequential sweeps of each phase per training step.
        num_chains: persistent chains of the free phase.
        image_shape, num_levels, seed: see `ImageGenerativeModel` (no labels).
    """

    def __init__(self, hidden_units=8, gibbs_steps=1, num_chains=100, **kwargs):
        super().__init__(**kwargs)
        if self.num_classes is not None:
            val.fail("num_classes", repr(self.num_classes),
                     "None: a Boltzmann machine takes no labels")
        self.hidden_units = val.check_non_negative_int("hidden_units", hidden_units)
        self.gibbs_steps = val.check_positive_int("gibbs_steps", gibbs_steps)
        self.num_chains = val.check_positive_int("num_chains", num_chains)
        n = self.num_units = self.num_dims + self.hidden_units
        self.upper = self.add_weight(
            name="pair_weights", shape=(n, n),
            initializer=keras.initializers.RandomNormal(0.0, 0.01, seed=self.seed))
        self.bias = self.add_weight(name="bias", shape=(n,), initializer="zeros")
        self.chains = self.add_weight(
            name="chains", shape=(self.num_chains, n), trainable=False,
            initializer=keras.initializers.RandomUniform(0.0, 1.0, seed=self.seed))
        self._upper_mask = tf.constant(np.triu(np.ones([n, n], np.float32), k=1))
        self.built = True

    def weight_matrix(self):
        """W = U + U^T with U the strictly upper triangle of the pair weights."""
        upper = self.upper * self._upper_mask
        return upper + tf.transpose(upper)

    def energy_of(self, states):
        """E(s) ``[B]`` of states ``[B, N]``."""
        upper = self.upper * self._upper_mask
        return -tf.reduce_sum((states @ upper) * states, axis=-1) \
            - tf.linalg.matvec(states, self.bias)

    def gibbs(self, states, sweeps, first_unit, noise, temperature=1.0):
        """``sweeps`` sequential sweeps over units ``first_unit .. N-1`` of ``states``
        (earlier units stay clamped)."""
        weights, n = self.weight_matrix(), self.num_units
        free = n - first_unit
        if free == 0:
            return states

        def update(k, states):
            i = first_unit + k % free
            logits = (self.bias[i] + tf.linalg.matvec(states, weights[:, i])) / temperature
            new = tf.cast(noise.uniform(tf.shape(logits), k, 0) < tf.sigmoid(logits),
                          tf.float32)
            where = tf.one_hot(i, n)
            return k + 1, states * (1.0 - where) + new[:, tf.newaxis] * where

        _, states = tf.while_loop(lambda k, _: k < sweeps * free, update,
                                  (tf.constant(0), states))
        return states

    # ------------------------------------------------------------------ CD style
    def positive_states(self, images, seed):
        """Clamped phase: v ~ Bernoulli(x / (L - 1)), hidden units by Gibbs given v."""
        key_v, key_h, key_g = (tf.random.experimental.stateless_fold_in(seed, i)
                               for i in range(3))
        v = tf.reshape(transforms.binarize(images, self.num_levels, seed=key_v),
                       [-1, self.num_dims])
        h = tf.cast(noise_lib.uniform([tf.shape(v)[0], self.hidden_units], key_h) < 0.5,
                    tf.float32)
        return self.gibbs(tf.concat([v, h], -1), self.gibbs_steps, self.num_dims,
                          StatelessNoise(key_g))

    def negative_states(self, states, seed):
        """Free phase: the persistent chains, advanced and kept."""
        chains = self.gibbs(local_rows(self.chains, "num_chains"), self.gibbs_steps, 0,
                            StatelessNoise(seed))
        return assign_rows(self.chains, chains)

    def chain_from_data(self, states, seed):
        return self.gibbs(states, self.gibbs_steps, 0, StatelessNoise(seed))

    # ------------------------------------------------------------------ public API
    def log_prob(self, images):
        """Exact log p(v) ``[N]`` of binary images by enumerating every state (N <= 20)."""
        if self.num_units > MAX_ENUMERATED_UNITS:
            val.fail("hidden_units", f"{self.num_units} units in all",
                     f"at most {MAX_ENUMERATED_UNITS} units to enumerate")
        images = self.check_images(images)
        v = tf.reshape(tf.constant(images) / (self.num_levels - 1), [-1, self.num_dims])
        if not np.all(np.isin(v.numpy(), [0.0, 1.0])):
            val.fail("images", "non-binary images", "images at levels 0 and L - 1 only")
        hidden = tf.constant(list(itertools.product([0.0, 1.0], repeat=self.hidden_units)),
                             tf.float32, shape=[2 ** self.hidden_units, self.hidden_units])
        everything = tf.constant(list(itertools.product([0.0, 1.0], repeat=self.num_units)),
                                 tf.float32)
        log_z = tf.reduce_logsumexp(tf.cast(-self.energy_of(everything), tf.float64))
        rows = tf.repeat(v, tf.shape(hidden)[0], axis=0)
        states = tf.concat([rows, tf.tile(hidden, [tf.shape(v)[0], 1])], -1)
        joint = tf.reshape(tf.cast(-self.energy_of(states), tf.float64),
                           [-1, tf.shape(hidden)[0]])
        return tf.cast(tf.reduce_logsumexp(joint, axis=-1) - log_z, tf.float32)

    def sample(self, num_samples, gibbs_steps=1000, seed=None, temperature=1.0, labels=None):
        """Binary images ``[num_samples, H, W, C]`` (levels 0 and L - 1) after
        ``gibbs_steps`` sweeps over all units from random states."""
        num_samples, gibbs_steps, noise, temperature = check_chain_request(
            self, num_samples, "gibbs_steps", gibbs_steps, seed, temperature, labels)
        return self._draw(num_samples, gibbs_steps, noise, temperature)

    def _draw(self, num_samples, gibbs_steps, noise, temperature=1.0):
        start = tf.cast(noise.uniform(tf.stack([num_samples, self.num_units]), START_STEP, 1)
                        < 0.5, tf.float32)
        states = self.gibbs(start, gibbs_steps, 0, noise, temperature)
        return tf.reshape(states[:, :self.num_dims] * (self.num_levels - 1),
                          [-1, *self.image_shape])

    @strict_options
    def evaluation_report(self, images, labels=None):
        images = self.check_images(images)
        report = {"num_examples": int(len(images))}
        if self.num_units <= MAX_ENUMERATED_UNITS:
            binary = np.round(images / (self.num_levels - 1)) \
                * (self.num_levels - 1)
            report["log_likelihood"] = float(np.mean(self.log_prob(binary)))
        return report

    def compile_with_defaults(self, learning_rate=None):
        self.compile(optimizer=keras.optimizers.SGD(learning_rate or 0.1))

    # ------------------------------------------------------------------ export contract
    def serving_endpoints(self):
        """``sample`` (num_samples, gibbs_steps, seed)."""
        return [sample_endpoints(self, "gibbs_steps", self._draw)[0]]

    def tflite_endpoints(self):
        """``sample`` (num_samples, gibbs_steps) with builtin random ops."""
        return [sample_endpoints(self, "gibbs_steps", self._draw)[1]]

    def get_config(self):
        config = super().get_config()
        config.update(hidden_units=self.hidden_units, gibbs_steps=self.gibbs_steps,
                      num_chains=self.num_chains)
        return config
