"""Restricted Boltzmann machines: Bernoulli (`RBM`) and Gaussian (`GaussianRBM`) visible units,
Bernoulli hidden units, trained by CD-k or persistent CD.

#### Mathematical details

Visible v [D] (the image as units: x / (L - 1) in [0, 1]), hidden h in {0, 1}^H, weights W
[D, H], visible bias b, hidden bias c, temperature T (1 when training):

    Bernoulli:  E(v, h) = -b.v - c.h - v.W.h
                p(h_j = 1 | v) = sigmoid(c_j + v.W_j)
                p(v_i = 1 | h) = sigmoid(b_i + W_i.h)
                F(v) = -log sum_h exp(-E(v, h)) = -b.v - sum_j softplus(c_j + v.W_j)

    Gaussian (Cho, Ilin & Raiko 2011; s_i = exp(log_sigma_i), learned):
                E(v, h) = sum_i (v_i - b_i)^2 / (2 s_i^2) - c.h - sum_ij v_i W_ij h_j / s_i^2
                p(h_j = 1 | v) = sigmoid(c_j + sum_i v_i W_ij / s_i^2)
                p(v_i | h) = Normal(b_i + W_i.h, s_i^2)
                F(v) = sum_i (v_i - b_i)^2 / (2 s_i^2) - sum_j softplus(c_j + sum_i v_i W_ij / s_i^2)

    p(v) = exp(-F(v)) / Z,  Z = sum_v exp(-F(v))  (an integral over v for Gaussian units)

At temperature T every energy is divided by T: logits / T, Gaussian variances * T.

Training (`kerasgen.training.contrastive_divergence`): negatives are k Gibbs steps
v -> h ~ p(h|v) -> v ~ p(v|h) from the data (CD-k) or from ``num_chains`` persistent chains
(PCD, Tieleman 2008) kept as a model variable, so they survive save and resume. With
Bernoulli units CD-k's last step uses p(v|h)'s mean rather than a draw (less noise, the usual
practice); Gaussian units keep the draw: the mean would drop the s_i^2 of the draw from
E_model[(v_i - b_i)^2], and the gradient of log s_i would push s_i up forever.

log Z by enumeration and by annealed importance sampling: `kerasgen.evaluation.partition`.

Example:
    >>> import kerasgen
    >>> images, _ = kerasgen.data.load_arrays("digits", max_examples=200)
    >>> rbm = RBM(image_shape=(8, 8, 1), num_levels=17, hidden_units=16)
    >>> rbm.compile_with_defaults()
    >>> _ = rbm.fit(images, batch_size=20, epochs=1, verbose=0)
    >>> rbm.transform(images[:3]).shape
    TensorShape([3, 16])
    >>> rbm.sample(2, gibbs_steps=10, seed=0).shape
    TensorShape([2, 8, 8, 1])

References:
    Hinton 2002, "Training products of experts by minimizing contrastive divergence".
    Tieleman 2008, "Training RBMs using approximations to the likelihood gradient".
    Salakhutdinov & Murray 2008, "On the quantitative analysis of deep belief networks".
"""

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
from kerasgen.utils import validation as val
from kerasgen.utils.noise import StatelessNoise
from kerasgen.utils.replicas import assign_rows, local_rows

VISIBLE_UNITS = ("bernoulli", "gaussian")


@keras.saving.register_keras_serializable(package="kerasgen")
class RBM(ContrastiveDivergenceTraining, ChainSampling, ImageGenerativeModel):
    """Restricted Boltzmann machine (module docstring).

    Args:
        hidden_units: H.
        visible: ``"bernoulli"`` or ``"gaussian"`` visible units.
        cd_steps: k, Gibbs steps per negative sample.
        persistent: persistent CD (chains kept across batches) instead of CD-k from the data.
        num_chains: persistent chains (PCD only).
        image_shape, num_levels, seed: see `ImageGenerativeModel` (no labels).
    """

    monitor_names = ("reconstruction_error",)

    def __init__(self, hidden_units=64, visible="bernoulli", cd_steps=1, persistent=False,
                 num_chains=100, **kwargs):
        super().__init__(**kwargs)
        if self.num_classes is not None:
            val.fail("num_classes", repr(self.num_classes), "None: an RBM takes no labels")
        self.hidden_units = val.check_positive_int("hidden_units", hidden_units)
        self.visible = val.check_choice("visible", visible, VISIBLE_UNITS)
        self.cd_steps = val.check_positive_int("cd_steps", cd_steps)
        if not isinstance(persistent, bool):
            val.fail("persistent", repr(persistent), "True or False")
        self.persistent = persistent
        self.num_chains = val.check_positive_int("num_chains", num_chains)
        d, h = self.num_dims, self.hidden_units
        self.kernel = self.add_weight(name="kernel", shape=(d, h),
                                      initializer=keras.initializers.RandomNormal(0.0, 0.01,
                                                                                  seed=self.seed))
        self.visible_bias = self.add_weight(name="visible_bias", shape=(d,),
                                            initializer="zeros")
        self.hidden_bias = self.add_weight(name="hidden_bias", shape=(h,), initializer="zeros")
        if self.visible == "gaussian":
            self.log_sigma = self.add_weight(
                name="log_sigma", shape=(d,),
                initializer=keras.initializers.Constant(np.log(0.5)))
        # PCD chains (visible states), saved with the weights.
        self.chains = self.add_weight(
            name="chains", shape=(self.num_chains if persistent else 1, d), trainable=False,
            initializer=keras.initializers.RandomUniform(0.0, 1.0, seed=self.seed))
        self.built = True

    # ------------------------------------------------------------------ parameters
    def parameters(self, beta=1.0, base_visible_bias=None):
        """``(W, b, c, sigma)``; with ``beta`` < 1 the AIS path's intermediate model
        (W, c scaled by beta; b interpolated from ``base_visible_bias`` for Bernoulli units).
        sigma is None for Bernoulli units."""
        b = self.visible_bias
        if base_visible_bias is not None:
            b = (1.0 - beta) * base_visible_bias + beta * b
        sigma = tf.exp(self.log_sigma) if self.visible == "gaussian" else None
        return beta * self.kernel, b, beta * self.hidden_bias, sigma

    def _hidden_logits(self, v, params):
        kernel, _, c, sigma = params
        if sigma is not None:
            v = v / tf.square(sigma)
        return c + v @ kernel

    def free_energy_with(self, v, params, temperature=1.0):
        """F(v) ``[B]`` of the model with ``params`` at ``temperature`` (module docstring)."""
        _, b, _, sigma = params
        hidden = tf.reduce_sum(tf.nn.softplus(self._hidden_logits(v, params) / temperature),
                               axis=-1)
        if sigma is None:
            return -tf.linalg.matvec(v, b) / temperature - hidden
        quadratic = tf.reduce_sum(tf.square(v - b) / (2.0 * tf.square(sigma)), axis=-1)
        return quadratic / temperature - hidden

    def gibbs_with(self, v, steps, params, noise, temperature=1.0, mean_last=True):
        """``steps`` Gibbs sweeps v -> h -> v from ``v`` ``[B, D]``; ``noise`` gives the
        uniforms and normals (`StatelessNoise` or `BuiltinNoise`). Returns the last visible
        state (its mean when ``mean_last``) and the hidden probabilities before it."""
        kernel, b, _, sigma = params
        batch = tf.shape(v)[0]

        def sweep(step, v, unused_h, mean):
            h_prob = tf.sigmoid(self._hidden_logits(v, params) / temperature)
            h = tf.cast(noise.uniform(tf.shape(h_prob), step, 0) < h_prob, tf.float32)
            v_mean = b + h @ tf.transpose(kernel)
            if sigma is None:
                v_mean = tf.sigmoid(v_mean / temperature)
                v_new = tf.cast(noise.uniform(tf.shape(v_mean), step, 1) < v_mean, tf.float32)
            else:
                v_new = v_mean + sigma * tf.sqrt(temperature) * noise.normal(
                    tf.shape(v_mean), step, 1)
            return step + 1, v_new, h_prob, v_mean

        _, v_last, h_prob, v_mean = tf.while_loop(
            lambda step, *_: step < steps, sweep,
            (tf.constant(0), v, tf.zeros([batch, self.hidden_units]), tf.zeros_like(v)))
        return (v_mean if mean_last else v_last), h_prob

    # ------------------------------------------------------------------ CD style
    def visible_units(self, images, seed=None):
        return tf.reshape(transforms.scale_to_unit(images, self.num_levels),
                          [-1, self.num_dims])

    def positive_states(self, images, seed=None):
        return self.visible_units(images)

    def energy_of(self, v):
        """The free energy F(v) with the current parameters."""
        return self.free_energy_with(v, self.parameters())

    def negative_states(self, v, seed):
        if not self.persistent:
            return self.chain_from_data(v, seed)
        # Each step advances the chains by k sweeps and keeps their sampled state (under
        # tf.distribute each replica advances its share of the chains).
        chains, _ = self.gibbs_with(local_rows(self.chains, "num_chains"), self.cd_steps,
                                    self.parameters(), StatelessNoise(seed), mean_last=False)
        return assign_rows(self.chains, chains)

    def chain_from_data(self, v, seed):
        return self.gibbs_with(v, self.cd_steps, self.parameters(), StatelessNoise(seed),
                               mean_last=self.visible == "bernoulli")[0]

    def monitor(self, v, seed):
        return {"reconstruction_error": self._reconstruction_error(v)}

    def hidden_probabilities(self, v):
        """p(h = 1 | v) ``[B, H]`` of visible units ``v`` ``[B, D]`` (unchecked: the
        building block of `transform` and of the models stacked on RBMs)."""
        return tf.sigmoid(self._hidden_logits(v, self.parameters()))

    def _reconstruction_error(self, v):
        """Squared error of the mean-field reconstruction E[v | p(h|v)] per example."""
        kernel, b, _, sigma = self.parameters()
        mean = b + self.hidden_probabilities(v) @ tf.transpose(kernel)
        if sigma is None:
            mean = tf.sigmoid(mean)
        return tf.reduce_sum(tf.square(v - mean), axis=-1)

    # ------------------------------------------------------------------ public API
    def _checked_units(self, images, name="images"):
        return self.visible_units(self.check_images(images, name))

    def free_energy(self, images, temperature=1.0):
        """F_T(v) = -log sum_h exp(-E(v, h) / T) in nats per image ``[N]`` (module
        docstring); at T = 1 it is F(v) and log p(v) = -F(v) - log Z."""
        temperature = val.check_positive_float("temperature", temperature)
        return self.free_energy_with(self._checked_units(images), self.parameters(),
                                     temperature)

    def transform(self, images):
        """Hidden probabilities p(h = 1 | v) ``[N, H]``: features for other models."""
        return self.hidden_probabilities(self._checked_units(images))

    def reconstruction_error(self, images):
        """Squared error of the mean-field reconstruction per image ``[N]``."""
        return self._reconstruction_error(self._checked_units(images))

    def pseudo_log_likelihood(self, images):
        """Exact pseudo-log-likelihood per image ``[N]`` of the thresholded binary image:

            PL(v) = sum_i log p(v_i | v_-i) = sum_i log sigmoid(F(v with unit i flipped) - F(v))

        (Bernoulli units; sklearn's ``score_samples`` is D times one random term of it)."""
        if self.visible != "bernoulli":
            val.fail("visible", repr(self.visible),
                     "'bernoulli': pseudo-likelihood is defined here for binary units")
        v = tf.cast(self._checked_units(images) >= 0.5, tf.float32)
        energy = self.energy_of(v)
        flips = tf.eye(self.num_dims)  # [D, D]: row i flips unit i

        def flipped_energy(flip):
            return self.energy_of(v + flip * (1.0 - 2.0 * v))

        flipped = tf.map_fn(flipped_energy, flips)  # [D, N]
        return tf.reduce_sum(tf.math.log_sigmoid(flipped - energy[tf.newaxis]), axis=0)

    def log_prob(self, images, log_partition):
        """log p(v) = -F(v) - log Z ``[N]`` given log Z (`kerasgen.evaluation.partition`).
        Bernoulli units: images must be binary (levels 0 and L - 1; `binarized` makes them).
        Gaussian units: a density over the units v = x / (L - 1) in [0, 1]; the density of the
        levels x is this minus D log(L - 1)."""
        log_partition = val.check_finite_float("log_partition", log_partition)
        if self.visible == "bernoulli":
            array = self.check_images(images)
            if not np.all((array == 0) | (array == self.num_levels - 1)):
                val.fail("images", "non-binary images",
                         f"levels 0 and {self.num_levels - 1} only: p(v) of Bernoulli units "
                         "is defined on binary images (see RBM.binarized)")
        return -self.free_energy(images) - log_partition

    def binarized(self, images):
        """Images thresholded at half the range: levels 0 or L - 1."""
        array = self.check_images(images)
        return np.where(array >= (self.num_levels - 1) / 2.0, self.num_levels - 1,
                        0).astype(np.float32)

    def sample(self, num_samples, gibbs_steps=1000, seed=None, temperature=1.0,
               start=None, labels=None):
        """Images ``[num_samples, H, W, C]`` (float levels) after ``gibbs_steps`` Gibbs
        sweeps from noise (or from ``start`` images): the last step's mean p(v | h).
        ``labels`` must be None (an RBM is unconditional)."""
        num_samples, gibbs_steps, noise, temperature = check_chain_request(
            self, num_samples, "gibbs_steps", gibbs_steps, seed, temperature, labels)
        if start is not None:
            start = self._checked_units(start, "start")
            if start.shape[0] != num_samples:
                val.fail("start", f"{start.shape[0]} images", f"{num_samples} (num_samples)")
        return self._draw(num_samples, gibbs_steps, noise, temperature, start)

    def _draw(self, num_samples, gibbs_steps, noise, temperature=1.0, start=None):
        v0 = self.initial_noise(num_samples, noise) if start is None else start
        v, _ = self.gibbs_with(v0, gibbs_steps, self.parameters(), noise, temperature)
        return self.to_images(v)

    def initial_noise(self, num_samples, noise):
        """Chain starts: uniform binary units, or N(b, sigma^2) for Gaussian units (drawn at
        step `START_STEP`, apart from the chain's own steps)."""
        shape = tf.stack([num_samples, self.num_dims])
        if self.visible == "bernoulli":
            return tf.cast(noise.uniform(shape, START_STEP, 0) < 0.5, tf.float32)
        return self.visible_bias + tf.exp(self.log_sigma) * noise.normal(shape, START_STEP, 0)

    def to_images(self, v):
        return tf.reshape(transforms.unit_to_levels(v, self.num_levels),
                          [-1, *self.image_shape])

    def call(self, images):
        """F(v) of integer images (the Keras forward pass)."""
        return self.energy_of(self.visible_units(images))

    @strict_options
    def evaluation_report(self, images, labels=None, importance_samples=100, seed=0,
                          num_betas=14500, dataset=None, data_dir=None):
        """Test log-likelihood with log Z from AIS (``importance_samples`` chains, base rate
        from the training split of ``dataset``), its interval, pseudo-likelihood
        (Bernoulli units) and reconstruction error, as a JSON-ready dict. Bernoulli units
        score the thresholded images (`binarized`): p(v) is defined on binary v."""
        from kerasgen import data as data_module
        from kerasgen.evaluation.partition import ais_log_partition

        val.check_positive_int("importance_samples", importance_samples)
        images = self.check_images(images)
        train = None
        if dataset is not None and self.visible == "bernoulli":
            train, _ = data_module.load_arrays(dataset, "train", data_dir=data_dir,
                                               max_examples=10000)
        result = ais_log_partition(self, data=train, num_chains=importance_samples,
                                   num_betas=num_betas, seed=seed)
        scored = self.binarized(images) if self.visible == "bernoulli" else images
        free_energy = float(tf.reduce_mean(self.free_energy(scored)))
        report = {"ais_log_z": result.log_z, "ais_log_z_interval": [result.log_z_low,
                                                                    result.log_z_high],
                  "log_likelihood": -free_energy - result.log_z,
                  "log_likelihood_interval": [-free_energy - result.log_z_high,
                                              -free_energy - result.log_z_low],
                  "ais_chains": importance_samples, "ais_betas": num_betas,
                  "reconstruction_error": float(tf.reduce_mean(
                      self.reconstruction_error(images)))}
        if self.visible == "bernoulli":
            report["pseudo_log_likelihood"] = float(tf.reduce_mean(
                self.pseudo_log_likelihood(images)))
        return report

    # ------------------------------------------------------------------ export contract
    def serving_endpoints(self):
        """``sample`` (default; num_samples, gibbs_steps, seed: the same images as
        `sample`), ``free_energy`` (images) and ``transform`` (images -> hidden)."""
        return [sample_endpoints(self, "gibbs_steps", self._draw)[0],
                *self._deterministic_endpoints()]

    def tflite_endpoints(self):
        """``free_energy``, ``transform`` and ``sample`` (num_samples, gibbs_steps) drawing
        with TFLite's builtin random ops: a Gibbs chain on device."""
        return [*self._deterministic_endpoints(),
                sample_endpoints(self, "gibbs_steps", self._draw)[1]]

    def _deterministic_endpoints(self):
        images = tf.TensorSpec([None, *self.image_shape], tf.float32, name="images")
        return [
            self.endpoint("free_energy", lambda images: {"free_energy": self.call(images)},
                          [images]),
            self.endpoint("transform", lambda images: {
                "hidden": self.hidden_probabilities(self.visible_units(images))}, [images]),
        ]

    def get_config(self):
        config = super().get_config()
        config.update(hidden_units=self.hidden_units, visible=self.visible,
                      cd_steps=self.cd_steps, persistent=self.persistent,
                      num_chains=self.num_chains)
        return config


@keras.saving.register_keras_serializable(package="kerasgen")
class GaussianRBM(RBM):
    """An `RBM` with Gaussian visible units (learned standard deviations), for real-valued
    data such as grey levels: ``visible="gaussian"``."""

    def __init__(self, hidden_units=64, visible="gaussian", **kwargs):
        super().__init__(hidden_units=hidden_units, visible=visible, **kwargs)
