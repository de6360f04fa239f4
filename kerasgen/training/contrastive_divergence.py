"""The contrastive-divergence training style, shared by RBMs and the models built from them.

A family implements three methods::

    positive_states(images, seed)     -> s  [B, S]      the data as model states (an RBM:
                                                        the visible units; a Boltzmann
                                                        machine: visible and clamped hidden)
    energy_of(s)                      -> F  [B]         an RBM: the free energy
                                                        F(v) = -log sum_h exp(-E(v, h));
                                                        otherwise the energy E(s)
    negative_states(s, seed)          -> s~ [M, S]      the model's samples: k Gibbs (or
                                                        Langevin) steps from the data (CD-k)
                                                        or from persistent chains (PCD)

and may add per-example values to report in ``monitor(s, seed)`` and a penalty on the two
energies in ``energy_penalty``. The skeleton does the rest, the same way for every family:

    surrogate = sum_i F(s_i) / B  -  sum_j F(stop_gradient(s~_j)) / M
    d surrogate / d theta = E_data[dF/dtheta] - E_model[dF/dtheta]

which is minus the contrastive-divergence estimate of d log p(v) / d theta, so the compiled
optimizer (SGD with momentum, Adam, weight decay, ...) applies the contrastive update. For an
RBM, F(v) = -b.v - sum_j softplus(c_j + v.W_j) and -dF/dW = v p(h|v)^T, so plain SGD with
learning rate lr gives the textbook rule (Hinton 2002)

    W <- W + lr (E_data[v p(h|v)^T] - E_model[v~ p(h|v~)^T])

B and M are divided as global batch sizes (`tf.nn.compute_average_loss`), so the gradient is
the same on one replica and on N. Reported values: ``loss`` (F(v_i) - mean_j F(v~_j), the free
energy gap, which a learning model keeps near zero) and whatever ``monitor`` adds.

The style is a mixin that a model class combines with `kerasgen.models.base.GenerativeModel`,
style first:

    class RBM(ContrastiveDivergenceTraining, GenerativeModel)

Like Keras' ``Trainer`` below ``Model``, it sits below the models and never imports them; it
uses the model's trackers (``report``), ``optimizer`` and ``seed``.

Example:
    >>> import keras
    >>> import tensorflow as tf
    >>> import kerasgen
    >>> from kerasgen.models.base import ImageGenerativeModel
    >>> # A Bernoulli RBM without biases: 64 binarized pixels, 8 hidden units, CD-1.
    >>> class TinyRBM(ContrastiveDivergenceTraining, ImageGenerativeModel):
    ...     def __init__(self, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.w = self.add_weight(
    ...             shape=(64, 8), initializer=keras.initializers.RandomNormal(0, 0.01, seed=0))
    ...         self.built = True
    ...     def positive_states(self, images, seed):
    ...         return tf.cast(tf.reshape(images, [-1, 64]) > 8, tf.float32)
    ...     def energy_of(self, v):  # the free energy F(v)
    ...         return -tf.reduce_sum(tf.nn.softplus(v @ self.w), axis=-1)
    ...     def negative_states(self, v, seed):  # one Gibbs step from the data
    ...         p_h = tf.sigmoid(v @ self.w)
    ...         h = tf.cast(tf.random.stateless_uniform(tf.shape(p_h), seed) < p_h, tf.float32)
    ...         p_v = tf.sigmoid(h @ tf.transpose(self.w))
    ...         return tf.cast(tf.random.stateless_uniform(tf.shape(p_v), seed + 1) < p_v,
    ...                        tf.float32)
    >>> images, _ = kerasgen.data.load_arrays("digits", max_examples=200)
    >>> model = TinyRBM()
    >>> model.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.5))
    >>> history = model.fit(images, batch_size=20, epochs=2, verbose=0)
    >>> sorted(history.history), int(model.optimizer.iterations)
    (['loss'], 20)
    >>> history.history["loss"][-1] < 0  # the data's free energy is below the samples'
    True
"""

import keras
import tensorflow as tf

from kerasgen.training.batches import unpack
from kerasgen.utils.noise import step_seed

_VALIDATION_SALT = 100


class ContrastiveDivergenceTraining:
    """Training style of models trained by contrastive divergence (a mixin combined with
    `GenerativeModel`; see the module docstring)."""

    monitor_names = ()
    sample_weight_refusal = (
        "contrastive divergence does not weight examples (the data term and the chains "
        "started from the batch would both need the weights)")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.create_trackers(("loss",) + tuple(self.monitor_names))

    def positive_states(self, images, seed):
        raise NotImplementedError

    def energy_of(self, states):
        raise NotImplementedError

    def negative_states(self, states, seed):
        raise NotImplementedError

    def monitor(self, states, seed):
        """Extra per-example values ``{name: [B]}`` for ``monitor_names``."""
        return {}

    def energy_penalty(self, data_energy, model_energy):
        """A penalty added to the surrogate (a scalar; 0 by default)."""
        return 0.0

    def contrastive_loss(self, states, negatives):
        """``(surrogate, per-example gap)``; the gradient of the surrogate is the CD update."""
        states, negatives = tf.stop_gradient(states), tf.stop_gradient(negatives)
        data_energy = self.energy_of(states)
        model_energy = self.energy_of(negatives)
        surrogate = tf.nn.compute_average_loss(data_energy) \
            - tf.nn.compute_average_loss(model_energy) \
            + self.energy_penalty(data_energy, model_energy)
        return surrogate, data_energy - tf.reduce_mean(model_energy)

    def _step_seed(self, salt=0):
        return step_seed(self.seed, self.optimizer.iterations, salt)

    def train_step(self, data):
        images, _, weights = unpack(data)
        self.check_sample_weight(weights, None)  # refused when traced, before any update
        seed = self._step_seed()
        v = self.positive_states(images, tf.random.experimental.stateless_fold_in(seed, 0))
        negatives = self.negative_states(v, tf.random.experimental.stateless_fold_in(seed, 1))
        with tf.GradientTape() as tape:
            surrogate, gap = self.contrastive_loss(v, negatives)
            if self.losses:
                surrogate += tf.nn.scale_regularization_loss(tf.add_n(self.losses))
        gradients = tape.gradient(surrogate, self.trainable_variables)
        self.optimizer.apply(gradients, self.trainable_variables)
        values = {"loss": gap}
        values.update(self.monitor(v, tf.random.experimental.stateless_fold_in(seed, 2)))
        return self.report(values)

    def test_step(self, data):
        images, _, weights = unpack(data)
        self.check_sample_weight(weights, None)
        seed = self._step_seed(_VALIDATION_SALT)
        v = self.positive_states(images, tf.random.experimental.stateless_fold_in(seed, 0))
        # The data's own chain (never the persistent ones: validation must not move them).
        negatives = self.chain_from_data(v, tf.random.experimental.stateless_fold_in(seed, 1))
        _, gap = self.contrastive_loss(v, negatives)
        values = {"loss": gap}
        values.update(self.monitor(v, tf.random.experimental.stateless_fold_in(seed, 2)))
        return self.report(values)

    def chain_from_data(self, states, seed):
        """The CD-k negatives started at the data, for validation; families with persistent
        chains override it."""
        return self.negative_states(states, seed)

    def compile_with_defaults(self, learning_rate=None):
        """SGD with momentum 0.5, learning rate 0.05: the classic RBM recipe."""
        self.compile(optimizer=keras.optimizers.SGD(learning_rate or 0.05, momentum=0.5))
