"""Softmax over integer levels, and a Bernoulli with the same sampling API.

The original PixelCNN / WaveNet output: for every dimension (pixel channel, audio sample) a
softmax over the ``L = num_levels`` integer levels. Channels are independent *given the network
output*; the network's masks carry any dependence between channels.

#### Mathematical details

``params`` has shape ``[B, ..., C * L]``; channel ``c`` owns the logits
``params[..., c*L : (c+1)*L]`` (channel-major), so with ``l = logits[..., c, :]``:

    log p(x_c = k) = l_k - log sum_j exp(l_j)
    log p(x)       = sum over every non-batch dimension (... and c) of log p(x_c)

Sampling with temperature T uses the Gumbel-max trick with uniform noise u in (0, 1):

    x_c = argmax_k ( l_k / T - log(-log u_k) )

which is exact at T = 1 and greedy (argmax of the logits) as T -> 0. ``sample`` draws ``u``
with ``tf.random.stateless_uniform``; ``sample_from_uniforms`` takes ``u`` as an input and uses
only LOG, ARG_MAX and arithmetic, all TFLite builtins (stateless random ops are not), so on device
the noise comes from a builtin ``tf.random.uniform`` or from the caller.

``BernoulliHead`` is ``likelihoods.Bernoulli`` (targets in {0, 1}, one logit per dimension) with
the same API added: ``num_params``, ``per_dim_log_prob``, ``sample(params, seed, temperature)``,
``sample_from_uniforms`` (x = 1 where u < sigmoid(logit / T)), and ``log_prob`` over any rank.

Example:
    >>> import tensorflow as tf
    >>> head = Categorical(num_levels=4)
    >>> params = tf.zeros([2, 5, head.num_params(channels=1)])     # audio [B, T, 1]
    >>> head.log_prob(params, tf.zeros([2, 5, 1])).numpy().round(4)   # 5 * log(1/4)
    array([-6.9315, -6.9315], dtype=float32)
    >>> head.sample(params, seed=[1, 2]).shape
    TensorShape([2, 5, 1])
"""

import numbers

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from kerasgen.distributions.likelihoods import Bernoulli
from kerasgen.utils.validation import fail

tfd = tfp.distributions

# Smallest uniform drawn: keeps log(u) and log(-log u) finite.
_TINY = float(np.finfo(np.float32).tiny)


def check_num_levels(num_levels):
    if (isinstance(num_levels, bool) or not isinstance(num_levels, numbers.Integral)
            or num_levels < 2):
        fail("num_levels", repr(num_levels), "an integer >= 2")
    return int(num_levels)


def check_temperature(temperature):
    """A positive Python number, or a tensor (checked when its value is known statically)."""
    if isinstance(temperature, numbers.Real) and not isinstance(temperature, bool):
        if not temperature > 0:
            fail("temperature", repr(temperature), "a positive number")
    elif isinstance(temperature, (bool, str, bytes)) or temperature is None:
        fail("temperature", repr(temperature), "a positive number")
    else:
        value = tf.get_static_value(temperature)
        if value is not None and not np.all(np.asarray(value) > 0):
            fail("temperature", repr(value), "a positive number")
    return tf.cast(temperature, tf.float32)


def stateless_uniforms(shape, seed):
    """Uniforms in [tiny, 1) from an int32[2] seed (not a TFLite builtin: host side only)."""
    return tf.random.stateless_uniform(shape, seed=seed, minval=_TINY, maxval=1.0)


def gumbel_argmax(logits, uniforms):
    """Index of argmax(logits - log(-log u)) along the last axis: a draw from softmax(logits)."""
    return tf.argmax(logits - tf.math.log(-tf.math.log(uniforms)), axis=-1, output_type=tf.int32)


def _check_last_dim(params, expected, formula):
    last = params.shape[-1]
    if last is not None and last != expected:
        fail("params", f"shape {tuple(params.shape)}",
             f"a tensor whose last dimension is {expected} (= {formula})")


def _check_targets_rank(targets, minimum):
    rank = targets.shape.rank
    if rank is None or rank < minimum:
        fail("targets", f"shape {tuple(targets.shape) if rank is not None else '<unknown>'}",
             f"a tensor [batch, ..., channels] of static rank >= {minimum}")


class Categorical:
    """An independent ``num_levels``-way softmax for every dimension.

    Args:
        num_levels: number of integer levels L (>= 2): 256 for 8-bit images, 256 for mu-law
            audio.
    """

    name = "categorical"
    is_discrete = True
    couples_channels = False  # channels are independent given the network's parameters

    def __init__(self, num_levels):
        self.num_levels = check_num_levels(num_levels)

    def num_params(self, channels):
        """Last dimension of ``params`` for ``channels`` channels: ``channels * num_levels``."""
        return int(channels) * self.num_levels

    def logits(self, params, channels=None):
        """``[..., C * L]`` -> ``[..., C, L]``."""
        params = tf.convert_to_tensor(params, tf.float32)
        last = params.shape[-1]
        if channels is None:
            if last is not None and last % self.num_levels:
                fail("params", f"shape {tuple(params.shape)}",
                     f"a tensor whose last dimension is a multiple of num_levels="
                     f"{self.num_levels} (channels * num_levels)")
            channels = last // self.num_levels
        _check_last_dim(params, self.num_params(channels),
                        f"channels * num_levels = {channels} * {self.num_levels}")
        shape = tf.concat([tf.shape(params)[:-1], [channels, self.num_levels]], axis=0)
        return tf.reshape(params, shape)

    def prepare_targets(self, images, seed=None):
        return tf.cast(images, tf.float32)

    def nats_offset_per_dim(self):
        return 0.0

    def per_dim_log_prob(self, params, targets):
        """log p(x_c) for every element, shape of ``targets`` ``[B, ..., C]``, in nats.

        log_softmax picked by a one-hot mask: the same value as ``tfd.Categorical.log_prob``,
        with TFLite builtin ops only (no SparseSoftmaxCrossEntropyWithLogits). A target that
        is not one of the levels 0..L-1 (out of range or fractional) has probability 0: -inf
        (a one-hot of it would be all zeros and score log 1 = 0)."""
        targets = tf.convert_to_tensor(targets)
        _check_targets_rank(targets, 2)
        logits = self.logits(params, channels=targets.shape[-1])
        picked = tf.one_hot(tf.cast(targets, tf.int32), self.num_levels)
        log_prob = tf.reduce_sum(picked * tf.nn.log_softmax(logits), axis=-1)
        values = tf.cast(targets, tf.float32)
        is_level = (values == tf.floor(values)) & (values >= 0.0) \
            & (values <= float(self.num_levels - 1))
        return tf.where(is_level, log_prob, tf.fill(tf.shape(log_prob), -float("inf")))

    def log_prob(self, params, targets):
        """log p(targets), one value per example (summed over all non-batch dims), in nats."""
        per_dim = self.per_dim_log_prob(params, targets)
        return tf.reduce_sum(per_dim, axis=tf.range(1, tf.rank(per_dim)))

    def mode(self, params):
        return tf.cast(tf.argmax(self.logits(params), axis=-1), tf.float32)

    def sample(self, params, seed, temperature=1.0):
        """Integer levels (float32) ``[B, ..., C]`` from an int32[2] stateless ``seed``."""
        logits = self.logits(params)
        return self.sample_from_uniforms(params, stateless_uniforms(tf.shape(logits), seed),
                                         temperature)

    def sample_from_uniforms(self, params, uniforms, temperature=1.0):
        """As ``sample``, with the noise ``uniforms`` in (0, 1), shape ``[B, ..., C, L]``,
        as an input (TFLite builtins only)."""
        temperature = check_temperature(temperature)
        logits = self.logits(params)
        return tf.cast(gumbel_argmax(logits / temperature, uniforms), tf.float32)

    def num_uniforms(self, channels):
        """Uniforms one position's sample needs: C * L (Gumbel noise per level)."""
        return int(channels) * self.num_levels

    def sample_from_flat_uniforms(self, params, uniforms, temperature=1.0):
        """``sample_from_uniforms`` with the noise packed as ``[..., C * L]``."""
        return self.sample_from_uniforms(params, self.logits(uniforms), temperature)

    def get_config(self):
        return {"name": self.name}


class BernoulliHead(Bernoulli):
    """``likelihoods.Bernoulli`` (one logit per dimension, targets in {0, 1}) with the sampling
    API of ``Categorical``, over inputs of any rank ``[B, ..., C]``."""

    couples_channels = False

    def num_params(self, channels):
        return int(channels)

    def distribution(self, params):
        params = tf.convert_to_tensor(params, tf.float32)
        _check_targets_rank(params, 2)
        return tfd.Independent(self.pixel_distribution(params),
                               reinterpreted_batch_ndims=params.shape.rank - 1)

    def per_dim_log_prob(self, params, targets):
        return self.pixel_distribution(params).log_prob(tf.cast(targets, tf.float32))

    def sample(self, params, seed, temperature=1.0):
        """Values in {0, 1} (float32), shape of ``params``."""
        return self.sample_from_uniforms(params, stateless_uniforms(tf.shape(params), seed),
                                         temperature)

    def sample_from_uniforms(self, params, uniforms, temperature=1.0):
        temperature = check_temperature(temperature)
        probs = tf.sigmoid(tf.convert_to_tensor(params, tf.float32) / temperature)
        return tf.cast(uniforms < probs, tf.float32)

    def num_uniforms(self, channels):
        return int(channels)

    def sample_from_flat_uniforms(self, params, uniforms, temperature=1.0):
        return self.sample_from_uniforms(params, uniforms, temperature)
