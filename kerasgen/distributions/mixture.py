"""Discretized logistic mixture over integer levels (PixelCNN++, WaveNet), with PixelCNN++'s
linear coupling of the channels of one pixel.

The data are integer levels k in {0, ..., L-1} (L = ``num_levels``: 17 for digits, 256 for 8-bit
images, 65536 for 16-bit audio) with C channels per position: images ``[B, H, W, C]``, audio
``[B, T, 1]``; any rank ``[B, ..., C]`` works.

#### Parameter layout and units

With K = ``num_mixtures`` and P = 1 + 2C + C(C-1)/2 = (C+1)(C+2)/2 numbers per component,
``params`` has shape ``[B, ..., K * P]``, component-major: component i owns
``params[..., i*P : (i+1)*P]``, which holds, in order,

    logit_i                        1       mixture logit (softmax over i)
    mu_{i,0} ... mu_{i,C-1}        C       locations, in [-1, 1] units (unbounded)
    s_{i,0} ... s_{i,C-1}          C       log-scales, in [-1, 1] units, floored at -7 *)
    a_{i,(1,0)}, a_{i,(2,0)},      C(C-1)/2  coupling coefficients, tanh-squashed, ordered
      a_{i,(2,1)}, ...                       (c, j) for c = 1..C-1, j = 0..c-1

(tfd.PixelCNN's order; it uses softplus scales and raw coefficients where this uses exp and
tanh, as PixelCNN++ does). A level k maps to the unit value  u(k) = 2k / (L-1) - 1.
*) ``min_log_scale``, -7 by default as in PixelCNN++.

#### Mathematical details

For component i, channel c has location (unit)  m_{i,c} = mu_{i,c} + sum_{j<c} a_{i,(c,j)} u(x_j),
with x_j the *observed* level of channel j of the same position, and scale
exp(max(s_{i,c}, -7)). In level units (h = (L-1)/2):  loc = (m + 1) h,  scale = exp(...) h, and
with sigma the logistic CDF, upper = (k + 0.5 - loc) / scale, lower = (k - 0.5 - loc) / scale:

    p_i(x_c = k | x_<c) = sigma(upper) - sigma(lower)                     0 < k < L-1
                        = sigma(upper) sigma(-lower) (1 - exp(-1 / scale))  (exact identity)
    p_i(x_c = 0)        = sigma(upper)           all mass below the first bin
    p_i(x_c = L-1)      = sigma(-lower)          all mass above the last bin

which is ``discretized_logistic`` (TFP's QuantizedDistribution of a logistic). The log of the
product form, log sigma(upper) + log sigma(-lower) + log(-expm1(-1/scale)), is what is computed:
it never subtracts two nearly equal CDFs, which in float32 costs ~1e-2 nats per value (and -inf
for wide scales) at L = 65536 on the QuantizedDistribution path. One component serves all
channels of a position:

    p(x) = sum_i softmax(logit)_i  prod_c p_i(x_c | x_<c)

``distribution(params, targets)`` returns exactly this mixture composed from TFP pieces,
MixtureSameFamily(Categorical, Independent(QuantizedDistribution(Logistic))), and the tests check
that its log_prob equals this one.

``per_dim_log_prob`` splits log p(x) by the chain rule, log p(x_c | x_<c) = log p(x_<=c) -
log p(x_<c), where p(x_<=c) = sum_i softmax(logit)_i prod_{c'<=c} p_i(x_c' | x_<c') is an exact
marginal; ``log_prob`` sums these over channels and every non-batch position (nats).

#### Sampling

Channel by channel, with uniforms u in (0, 1) and temperature T (T = 1 is exact):

    i   = argmax_i ( logit_i / T - log(-log u_i) )              Gumbel-max, once per position
    y_c = loc_c + T * scale_c * (log u_c - log(1 - u_c))         loc_c uses the sampled x_<c
    x_c = clip(ceil(y_c - 0.5), 0, L-1)                          y in (k-0.5, k+0.5] -> k

As T -> 0 a sample tends to the rounded location of the most likely component (a greedy
decode, not the joint mode). ``sample`` draws u with ``tf.random.stateless_uniform``;
``sample_from_uniforms`` takes u as an input and uses only LOG, ARG_MAX, ONE_HOT, CEIL, clipping
and arithmetic: TFLite builtins (stateless random ops are not).

Example:
    >>> import tensorflow as tf
    >>> head = DiscretizedLogisticMixture(num_levels=256, num_mixtures=5)
    >>> head.num_params(channels=3)
    50
    >>> params = tf.zeros([2, 4, 4, head.num_params(3)])
    >>> images = tf.fill([2, 4, 4, 3], 128.0)
    >>> head.log_prob(params, images).shape, head.per_dim_log_prob(params, images).shape
    (TensorShape([2]), TensorShape([2, 4, 4, 3]))
    >>> head.sample(params, seed=[0, 1]).shape
    TensorShape([2, 4, 4, 3])

References:
    Salimans et al. 2017, "PixelCNN++: Improving the PixelCNN with discretized logistic mixture
    likelihood and other modifications", ICLR.
    van den Oord et al. 2018, "Parallel WaveNet", ICML (the same likelihood for audio).
"""

import tensorflow as tf
import tensorflow_probability as tfp

from kerasgen.data import transforms
from kerasgen.distributions.categorical import (
    _check_last_dim,
    _check_targets_rank,
    check_num_levels,
    check_temperature,
    gumbel_argmax,
    stateless_uniforms,
)
from kerasgen.distributions.discretized_logistic import discretized_logistic
from kerasgen.distributions.likelihoods import MIN_LOG_SCALE
from kerasgen.utils.validation import check_positive_int, fail


class DiscretizedLogisticMixture:
    """Mixture of K discretized logistics per position, channels coupled as in PixelCNN++.

    Args:
        num_levels: number of integer levels L (>= 2).
        num_mixtures: number of mixture components K (>= 1).
        min_log_scale: floor of the log-scales, in [-1, 1] units. The default -7 gives a
            smallest scale of exp(-7) (L-1)/2 levels: 0.12 for 8-bit data, but 30 levels for
            16-bit audio, where a lower floor may be wanted.
    """

    name = "discretized_logistic_mixture"
    is_discrete = True
    # A pixel's channels are drawn together (component, then R -> G -> B on the drawn values),
    # so a sampler cannot keep some channels of a pixel fixed and draw the others given them.
    couples_channels = True

    def __init__(self, num_levels, num_mixtures=5, min_log_scale=MIN_LOG_SCALE):
        self.num_levels = check_num_levels(num_levels)
        self.num_mixtures = check_positive_int("num_mixtures", num_mixtures)
        self.min_log_scale = float(min_log_scale)

    # -- layout -------------------------------------------------------------------------------

    @staticmethod
    def params_per_component(channels):
        """P = 1 + 2C + C(C-1)/2: a logit, C locations, C log-scales, C(C-1)/2 coefficients."""
        return (channels + 1) * (channels + 2) // 2

    def num_params(self, channels):
        """Last dimension of ``params`` for ``channels`` channels: K * P."""
        return self.num_mixtures * self.params_per_component(int(channels))

    def channels_from_params(self, params):
        """C such that ``params.shape[-1] == num_params(C)``; ValueError when there is none."""
        last = params.shape[-1]
        for channels in range(1, 65):
            if self.num_params(channels) == last:
                return channels
        fail("params", f"shape {tuple(params.shape)}",
             f"a tensor whose last dimension is num_mixtures * (C+1)(C+2)/2 for some number of "
             f"channels C (num_mixtures={self.num_mixtures}: {self.num_params(1)} for C=1, "
             f"{self.num_params(3)} for C=3)")

    def split_params(self, params, channels):
        """``[..., K*P]`` -> logits ``[..., K]``, locations ``[..., K, C]`` (units), scales
        ``[..., K, C]`` (units, >= exp(min_log_scale)), coefficients ``[..., K, C(C-1)/2]``."""
        params = tf.convert_to_tensor(params, tf.float32)
        size = self.params_per_component(channels)
        _check_last_dim(params, self.num_params(channels),
                        f"num_mixtures * (1 + 2C + C(C-1)/2) for num_mixtures="
                        f"{self.num_mixtures}, C={channels}")
        shape = tf.concat([tf.shape(params)[:-1], [self.num_mixtures, size]], axis=0)
        params = tf.reshape(params, shape)
        logits = params[..., 0]
        loc = params[..., 1:1 + channels]
        scale = tf.exp(tf.maximum(params[..., 1 + channels:1 + 2 * channels],
                                  self.min_log_scale))
        coeffs = tf.tanh(params[..., 1 + 2 * channels:])
        return logits, loc, scale, coeffs

    # -- units --------------------------------------------------------------------------------

    def to_units(self, levels):
        """Levels {0..L-1} -> [-1, 1]."""
        return transforms.scale_to_symmetric(levels, self.num_levels)

    def _half_range(self):
        return 0.5 * (self.num_levels - 1)

    @staticmethod
    def _coupled_loc(loc, coeffs, channel, previous_units):
        """m_c = mu_c + sum_{j<c} a_(c,j) u_j; ``previous_units[j]`` broadcasts against loc."""
        value = loc[..., channel]
        first = channel * (channel - 1) // 2  # index of a_(c,0)
        for j in range(channel):
            value = value + coeffs[..., first + j] * previous_units[j]
        return value

    # -- likelihood ---------------------------------------------------------------------------

    def prepare_targets(self, images, seed=None):
        return tf.cast(images, tf.float32)

    def nats_offset_per_dim(self):
        return 0.0

    def component_log_prob(self, loc, scale, targets):
        """log p(k) of discretized logistics; ``loc`` and ``scale`` in level units."""
        upper = (targets + 0.5 - loc) / scale
        lower = (targets - 0.5 - loc) / scale
        log_below = -tf.nn.softplus(-upper)  # log sigma(upper): mass at or below k
        log_above = -tf.nn.softplus(lower)   # log sigma(-lower): mass at or above k
        log_width = tf.math.log(-tf.math.expm1(-1.0 / scale))
        is_first, is_last = targets <= 0.0, targets >= self.num_levels - 1.0
        zero = tf.zeros_like(upper)
        return (tf.where(is_last, zero, log_below) + tf.where(is_first, zero, log_above)
                + tf.where(is_first | is_last, zero, log_width))

    def _coupled_components(self, params, targets):
        """float targets ``[..., C]``, logits ``[..., K]`` and every component's location and
        scale ``[..., K, C]`` in level units, locations coupled to the observed channels."""
        targets = tf.cast(tf.convert_to_tensor(targets), tf.float32)
        _check_targets_rank(targets, 2)
        channels = targets.shape[-1]
        logits, loc, scale, coeffs = self.split_params(params, channels)
        units = tf.expand_dims(self.to_units(targets), -2)  # [..., 1, C]
        previous = [units[..., j] for j in range(channels)]
        loc = tf.stack([self._coupled_loc(loc, coeffs, c, previous) for c in range(channels)],
                       axis=-1)
        half = self._half_range()
        return targets, logits, (loc + 1.0) * half, scale * half

    def per_dim_log_prob(self, params, targets):
        """log p(x_c | x_<c) for every element, shape ``[B, ..., C]``, in nats.

        ``targets``: integer levels ``[B, ..., C]`` (int or float).
        """
        targets, logits, loc, scale = self._coupled_components(params, targets)
        per_component = self.component_log_prob(
            loc, scale, tf.expand_dims(targets, -2))  # [..., K, C]
        log_weights = tf.expand_dims(tf.nn.log_softmax(logits), -1)
        prefix = tf.reduce_logsumexp(log_weights + tf.cumsum(per_component, axis=-1), axis=-2)
        return prefix - tf.concat([tf.zeros_like(prefix[..., :1]), prefix[..., :-1]], axis=-1)

    def distribution(self, params, targets):
        """The same likelihood as a TFP distribution, built from TFP's own pieces:

            MixtureSameFamily(Categorical(logits),
                              Independent(QuantizedDistribution(Logistic), 1 channel dim))

        with batch shape ``[B, ...]`` and event shape ``[C]``. The channel coupling makes each
        channel's location depend on the observed earlier channels, so the distribution is the
        one *given* ``targets`` (for C = 1 it does not depend on them): its ``log_prob(targets)``
        is this head's log p(x) per position. Use it for interoperability with TFP code;
        ``per_dim_log_prob`` is the numerically careful path (the QuantizedDistribution
        subtracts two CDFs, which at 65536 levels loses ~1e-2 nats in float32).

        Example:
            >>> import tensorflow as tf
            >>> head = DiscretizedLogisticMixture(num_levels=17, num_mixtures=2)
            >>> params, x = tf.zeros([3, head.num_params(1)]), tf.constant([[0.], [8.], [16.]])
            >>> d = head.distribution(params, x)
            >>> d.batch_shape, d.event_shape
            (TensorShape([3]), TensorShape([1]))
        """
        targets, logits, loc, scale = self._coupled_components(params, targets)
        components = discretized_logistic(loc, scale, self.num_levels)
        return tfp.distributions.MixtureSameFamily(
            tfp.distributions.Categorical(logits=logits),
            tfp.distributions.Independent(components, reinterpreted_batch_ndims=1))

    def log_prob(self, params, targets):
        """log p(targets), one value per example (summed over all non-batch dims), in nats."""
        per_dim = self.per_dim_log_prob(params, targets)
        return tf.reduce_sum(per_dim, axis=tf.range(1, tf.rank(per_dim)))

    # -- sampling -----------------------------------------------------------------------------

    def sample(self, params, seed, temperature=1.0):
        """Integer levels (float32) ``[B, ..., C]`` from an int32[2] stateless ``seed``."""
        params = tf.convert_to_tensor(params, tf.float32)
        channels = self.channels_from_params(params)
        shape = tf.concat([tf.shape(params)[:-1], [self.num_mixtures + channels]], axis=0)
        uniforms = stateless_uniforms(shape, seed)
        return self.sample_from_uniforms(params, uniforms[..., :self.num_mixtures],
                                         uniforms[..., self.num_mixtures:], temperature)

    def sample_from_uniforms(self, params, component_uniforms, channel_uniforms,
                             temperature=1.0):
        """As ``sample``, with the noise as inputs (TFLite builtins only): uniforms in (0, 1),
        ``component_uniforms`` ``[B, ..., K]`` and ``channel_uniforms`` ``[B, ..., C]``."""
        temperature = check_temperature(temperature)
        params = tf.convert_to_tensor(params, tf.float32)
        channels = self.channels_from_params(params)
        logits, loc, scale, coeffs = self.split_params(params, channels)

        component = tf.one_hot(gumbel_argmax(logits / temperature, component_uniforms),
                               self.num_mixtures)  # [..., K]
        chosen = tf.expand_dims(component, -1) > 0  # [..., K, 1]
        # Select with `where`, not a product with the one-hot: a huge log-scale of another
        # component (exp overflowing to inf) would otherwise give inf * 0 = NaN.
        loc, scale, coeffs = (tf.reduce_sum(tf.where(chosen, t, tf.zeros_like(t)), axis=-2)
                              for t in (loc, scale, coeffs))
        logistic_noise = tf.math.log(channel_uniforms) - tf.math.log(1.0 - channel_uniforms)

        half, top = self._half_range(), float(self.num_levels - 1)
        levels, units = [], []
        for c in range(channels):
            mean = (self._coupled_loc(loc, coeffs, c, units) + 1.0) * half
            y = mean + temperature * scale[..., c] * half * logistic_noise[..., c]
            level = tf.clip_by_value(tf.math.ceil(y - 0.5), 0.0, top)
            levels.append(level)
            units.append(self.to_units(level))
        return tf.stack(levels, axis=-1)

    def num_uniforms(self, channels):
        """Uniforms one position's sample needs: K (component) + C (channels)."""
        return self.num_mixtures + int(channels)

    def sample_from_flat_uniforms(self, params, uniforms, temperature=1.0):
        """``sample_from_uniforms`` with the noise packed as ``[..., num_uniforms(C)]``."""
        k = self.num_mixtures
        return self.sample_from_uniforms(params, uniforms[..., :k], uniforms[..., k:],
                                         temperature)

    def get_config(self):
        return {"name": self.name, "num_mixtures": self.num_mixtures,
                "min_log_scale": self.min_log_scale}
