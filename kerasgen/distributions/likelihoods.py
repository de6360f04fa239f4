"""Observation models p(x | params) for decoders: Bernoulli, Gaussian, discretized logistic.

A decoder outputs ``params`` of shape ``[B, H, W, C * params_per_dim]``; a likelihood turns them
into a TFP distribution over the whole image (``Independent`` over H, W, C). Layers never build
``tfd`` objects: these classes are plain Python, used inside losses, ``log_prob`` and sampling.

    bernoulli             targets b in {0, 1} (binarized images)   -log p = BCE(logits, b)
    gaussian(scale=s)     targets y = (x + u) / L in [0, 1)        -log p = |y - mu|^2 / (2 s^2)
                          u ~ U[0, 1) (dequantized)                         + D/2 log(2 pi s^2)
    gaussian(scale=None)  as above, with a per-pixel scale from the decoder (log-scale >= -7)
    discretized_logistic  targets are the integer levels 0..L-1    exact discrete likelihood

The Gaussian is a density, so it scores dequantized levels (`transforms.dequantize`, fresh u
every training step, one fixed draw when scoring, the cells' centres as network inputs
where no draw is wanted, e.g. encoding): -log p(y) + D log L is then, in expectation
over u, an upper bound on the discrete -log P(x) (a density on the integer points themselves
could put a spike on each and report a negative number of bits).

With ``scale = sqrt(1/2)`` the Gaussian loss is ``sum of squared errors + const``: the
"MSE + KL" VAE of the classic notes.

Example:
    >>> import tensorflow as tf
    >>> lik = get_likelihood("bernoulli", num_levels=17)
    >>> params = tf.zeros([2, 8, 8, lik.params_per_dim])
    >>> lik.log_prob(params, tf.ones([2, 8, 8, 1])).shape
    TensorShape([2])
"""

import math

import tensorflow as tf
import tensorflow_probability as tfp

from kerasgen.data import transforms
from kerasgen.distributions.discretized_logistic import discretized_logistic
from kerasgen.utils.noise import SALT_DEQUANTIZE, fixed_seed
from kerasgen.utils.validation import check_positive_float, fail

tfd = tfp.distributions

MIN_LOG_SCALE = -7.0


class Likelihood:
    """Base class. Subclasses set `name` and `params_per_dim` and build `pixel_distribution`."""

    name = None
    params_per_dim = 1
    is_discrete = True

    def __init__(self, num_levels):
        self.num_levels = int(num_levels)

    def prepare_targets(self, images, seed=None):
        """Integer images -> the values this likelihood scores."""
        raise NotImplementedError

    def scoring_targets(self, images, seed=None):
        """The targets a log-likelihood is scored on: `prepare_targets` with ``seed`` (a
        Bernoulli likelihood thresholds without one)."""
        return self.prepare_targets(images, seed)

    def pixel_distribution(self, params):
        raise NotImplementedError

    def network_inputs(self, targets):
        """What an encoder sees of the targets: values of order one (the targets themselves
        here: binary, or dequantized levels in [0, 1))."""
        return targets

    def distribution(self, params):
        """``Independent`` distribution over ``[H, W, C]`` images."""
        return tfd.Independent(self.pixel_distribution(params), reinterpreted_batch_ndims=3)

    def log_prob(self, params, targets):
        """log p(targets | params), one value per image, in nats."""
        return self.distribution(params).log_prob(targets)

    def mean(self, params):
        """The image a decoder shows for ``params``, in the data's units [0, L-1]: the mean
        (Bernoulli, Gaussian) or the clipped location (discretized logistic)."""
        raise NotImplementedError

    def nats_offset_per_dim(self):
        """What to add to -log p per dimension to express it in the data's integer units.

        Zero for discrete likelihoods; log L for a density over dequantized (x + u) / L.
        """
        return 0.0

    def get_config(self):
        return {"name": self.name}

    def _split(self, params):
        return tf.split(params, self.params_per_dim, axis=-1)


class Bernoulli(Likelihood):
    name = "bernoulli"

    def prepare_targets(self, images, seed=None):
        return transforms.binarize(images, self.num_levels, seed=seed)

    def pixel_distribution(self, params):
        return tfd.Bernoulli(logits=params, dtype=tf.float32)

    def mean(self, params):
        return tf.sigmoid(params) * float(self.num_levels - 1)


class Gaussian(Likelihood):
    name = "gaussian"
    is_discrete = False

    def __init__(self, num_levels, scale=None):
        super().__init__(num_levels)
        self.scale = None if scale is None else check_positive_float("likelihood scale", scale)
        self.params_per_dim = 1 if self.scale is not None else 2

    def prepare_targets(self, images, seed=None):
        return transforms.dequantize(images, self.num_levels, seed)

    def scoring_targets(self, images, seed=None):
        """One dequantization draw, a fixed one (seed 0) without ``seed``: the bound needs u
        drawn, not the cells' centres that `prepare_targets` gives without a seed."""
        if seed is None:
            seed = fixed_seed(0, SALT_DEQUANTIZE)
        return self.prepare_targets(images, seed)

    def pixel_distribution(self, params):
        if self.scale is not None:
            return tfd.Normal(loc=params, scale=self.scale)
        loc, log_scale = self._split(params)
        return tfd.Normal(loc=loc, scale=tf.exp(tf.maximum(log_scale, MIN_LOG_SCALE)))

    def mean(self, params):
        loc = params if self.scale is not None else self._split(params)[0]
        return transforms.dequantized_to_levels(loc, self.num_levels)

    def nats_offset_per_dim(self):
        return math.log(self.num_levels)

    def get_config(self):
        return {"name": self.name, "scale": self.scale}


class DiscretizedLogistic(Likelihood):
    """Location from the decoder in [-1, 1] units (unbounded), log-scale bounded below by -7."""

    name = "discretized_logistic"
    params_per_dim = 2

    def prepare_targets(self, images, seed=None):
        return tf.cast(images, tf.float32)

    def _loc_scale(self, params):
        raw_loc, log_scale = self._split(params)
        half_range = 0.5 * (self.num_levels - 1)
        loc = (raw_loc + 1.0) * half_range
        scale = tf.exp(tf.maximum(log_scale, MIN_LOG_SCALE)) * half_range
        return loc, scale

    def pixel_distribution(self, params):
        loc, scale = self._loc_scale(params)
        return discretized_logistic(loc, scale, self.num_levels)

    def network_inputs(self, targets):
        """The levels scaled to [0, 1]: raw 8-bit levels (0..255) overflow a fresh encoder."""
        return targets / float(self.num_levels - 1)

    def mean(self, params):
        """The location mu clipped to [0, L-1] (what decoders and samplers show), not E[x]:
        the edge bins hold the logistic's tails, so near the edges or with a wide scale
        E[x] = sum_{k=1}^{L-1} sigmoid((mu - k + 1/2) / s) moves towards the middle."""
        loc, _ = self._loc_scale(params)
        return tf.clip_by_value(loc, 0.0, float(self.num_levels - 1))


LIKELIHOODS = {cls.name: cls for cls in (Bernoulli, Gaussian, DiscretizedLogistic)}


def get_likelihood(spec, num_levels):
    """A likelihood from a name (``"bernoulli"``) or a config dict (``{"name": "gaussian",
    "scale": 0.1}``)."""
    if isinstance(spec, Likelihood):
        return spec
    if not isinstance(spec, (str, dict)):
        fail("likelihood", repr(spec), "a likelihood name or a config dict with a 'name'")
    config = {"name": spec} if isinstance(spec, str) else dict(spec)
    name = config.pop("name", None)
    if name not in LIKELIHOODS:
        fail("likelihood", repr(spec), "one of " + ", ".join(repr(n) for n in LIKELIHOODS))
    try:
        return LIKELIHOODS[name](num_levels, **config)
    except TypeError as error:
        fail("likelihood", repr(spec), f"valid options for {name!r} ({error})")
