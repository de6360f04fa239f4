"""log Z of an RBM: exactly by enumeration (small models) and by annealed importance sampling.

#### Mathematical details

Exact (one side of the RBM enumerated, the other summed or integrated in closed form):

    Bernoulli, over hidden states:  log Z = logsumexp_h [ c.h + sum_i softplus(b_i + W_i.h) ]
    Bernoulli, over visible states: log Z = logsumexp_v [ -F(v) ]
    Gaussian, over hidden states:   log Z = logsumexp_h [ c.h + sum_i ((b_i + W_i.h)^2 - b_i^2)
                                                         / (2 s_i^2) ] + sum_i log(sqrt(2 pi) s_i)

AIS (Neal 2001; Salakhutdinov & Murray 2008): intermediate models p_k(v) ~ exp(-F_k(v)) for
0 = beta_0 < ... < beta_K = 1, F_k the free energy of the RBM with W, c scaled by beta_k (and,
for Bernoulli units, b interpolated from a base-rate visible bias b_A). p_0 has independent
visible units, so v_0 is drawn exactly and log Z_0 is known:

    Bernoulli: log Z_0 = sum_i softplus(b_A,i) + H log 2
    Gaussian:  log Z_0 = sum_i log(sqrt(2 pi) s_i) + H log 2

    log w = sum_{k=1..K} [F_{k-1}(v_{k-1}) - F_k(v_{k-1})],  v_k ~ one Gibbs sweep of p_k
    log Z ~ log Z_0 + log mean_m exp(log w_m)

The mean of w is unbiased for Z / Z_0; the reported interval is log(mean +- 3 standard
errors), as in the paper. The test log-likelihood is mean(-F(v)) - log Z.

Example:
    >>> import numpy as np
    >>> import kerasgen
    >>> images, _ = kerasgen.data.load_arrays("digits", max_examples=200)
    >>> rbm = kerasgen.models.RBM(hidden_units=8)  # 64 visible, 8 hidden units
    >>> rbm.compile_with_defaults()
    >>> _ = rbm.fit(images, batch_size=20, epochs=1, verbose=0)
    >>> exact = exact_log_partition(rbm)  # <= 20 units on one side: here 2^8 hidden states
    >>> result = ais_log_partition(rbm, data=images, num_chains=100, num_betas=1000, seed=0)
    >>> result.log_weights.shape
    (100,)
    >>> bool(result.log_z_low < exact < result.log_z_high)
    True
    >>> float(np.mean(-rbm.free_energy(images))) - exact < 0  # the test log-likelihood
    True
"""

import dataclasses
import itertools
import math

import numpy as np
import tensorflow as tf

from kerasgen.utils import validation as val
from kerasgen.utils.noise import StatelessNoise, fixed_seed

MAX_ENUMERATED_UNITS = 20


@dataclasses.dataclass(frozen=True)
class AISResult:
    """``log_z`` with ``log_z_low``/``log_z_high`` (log of mean -+ 3 standard errors; low is
    -inf when the interval reaches zero) and the chains' ``log_weights``."""

    log_z: float
    log_z_low: float
    log_z_high: float
    log_weights: np.ndarray


def _binary_states(n):
    return np.array(list(itertools.product([0.0, 1.0], repeat=n)), np.float64)


def _parameters64(rbm):
    kernel, b, c, sigma = rbm.parameters()
    as64 = lambda t: None if t is None else tf.cast(t, tf.float64)  # noqa: E731
    return as64(kernel), as64(b), as64(c), as64(sigma)


def exact_log_partition(rbm, chunk=4096):
    """log Z of ``rbm`` by enumerating its smaller side (at most 20 units), in float64."""
    kernel, b, c, sigma = _parameters64(rbm)
    num_visible, num_hidden = int(kernel.shape[0]), int(kernel.shape[1])
    side = num_hidden if sigma is not None else min(num_visible, num_hidden)
    if side > MAX_ENUMERATED_UNITS:
        val.fail("rbm", f"an RBM with {num_visible} visible and {num_hidden} hidden units",
                 f"at most {MAX_ENUMERATED_UNITS} units on the enumerated side (hidden for "
                 "Gaussian units, either for Bernoulli) to enumerate; use ais_log_partition")
    terms = []
    enumerate_hidden = sigma is not None or num_hidden <= num_visible
    states = _binary_states(num_hidden if enumerate_hidden else num_visible)
    for start in range(0, len(states), chunk):
        s = tf.constant(states[start:start + chunk])
        if not enumerate_hidden:  # -F(v) for every visible state
            terms.append(tf.linalg.matvec(s, b)
                         + tf.reduce_sum(tf.nn.softplus(c + s @ kernel), axis=-1))
            continue
        mean = b + s @ tf.transpose(kernel)  # [S, D]
        if sigma is None:
            terms.append(tf.linalg.matvec(s, c) + tf.reduce_sum(tf.nn.softplus(mean), -1))
        else:
            terms.append(tf.linalg.matvec(s, c) + tf.reduce_sum(
                (tf.square(mean) - tf.square(b)) / (2.0 * tf.square(sigma)), -1))
    log_z = tf.reduce_logsumexp(tf.concat(terms, 0))
    if sigma is not None:
        log_z += tf.reduce_sum(tf.math.log(math.sqrt(2.0 * math.pi) * sigma))
    return float(log_z)


def base_rate_visible_bias(rbm, data, smoothing=0.05):
    """b_A = logit(p) with p the mean of each visible unit over ``data`` images, pulled
    towards 1/2 by ``smoothing`` (so no unit is certain): the paper's base-rate model."""
    v = rbm.visible_units(rbm.check_images(data, "data"))
    p = (1.0 - smoothing) * tf.reduce_mean(v, axis=0) + smoothing * 0.5
    return tf.math.log(p) - tf.math.log1p(-p)


def annealing_schedule(num_betas):
    """Salakhutdinov & Murray's schedule scaled to ``num_betas`` steps: 1/29 of them up to
    0.5, 8/29 up to 0.9, the rest (20/29) up to 1 (14500 = 500 + 4000 + 10000). Returns the
    K + 1 values 0 = beta_0 < ... < beta_K = 1 (K = ``num_betas``, at least 3: each of the
    three stretches has at least one step)."""
    num_betas = val.check_positive_int("num_betas", num_betas)
    first, second = max(1, num_betas // 29), max(1, 8 * num_betas // 29)
    third = max(1, num_betas - first - second)
    return np.concatenate([[0.0], np.linspace(0.0, 0.5, first + 1)[1:],
                           np.linspace(0.5, 0.9, second + 1)[1:],
                           np.linspace(0.9, 1.0, third + 1)[1:]]).astype(np.float32)


def ais_log_partition(rbm, data=None, num_chains=100, num_betas=14500, seed=0,
                      betas=None):
    """`AISResult` for log Z of ``rbm`` (module docstring).

    Args:
        data: training images for the base-rate model (Bernoulli units; None: b_A = 0).
        num_chains: independent AIS runs (importance weights).
        num_betas: K, the steps of `annealing_schedule` (K + 1 betas; ignored when
            ``betas`` is given).
        seed: integer seed of every draw.
        betas: an increasing schedule from 0 to 1 (overrides ``num_betas``).
    """
    num_chains = val.check_positive_int("num_chains", num_chains)
    betas = annealing_schedule(num_betas) if betas is None else np.asarray(betas, np.float32)
    if betas.ndim != 1 or len(betas) < 2 or betas[0] != 0.0 or betas[-1] != 1.0 \
            or np.any(np.diff(betas) <= 0):
        val.fail("betas", f"an array of shape {betas.shape}",
                 "an increasing schedule from 0.0 to 1.0 with at least two values")
    gaussian = rbm.visible == "gaussian"
    if gaussian:  # the base model keeps b and sigma: N(b, sigma^2) is exact to draw from
        base = None
    elif data is None:
        base = tf.zeros([rbm.num_dims])
    else:
        base = base_rate_visible_bias(rbm, data)
    key = fixed_seed(val.check_non_negative_int("seed", seed))
    noise = StatelessNoise(key)

    @tf.function
    def run(betas):
        params0 = rbm.parameters(0.0, base)
        shape = [num_chains, rbm.num_dims]
        if gaussian:
            _, b, _, sigma = params0
            v = b + sigma * noise.normal(shape, 0, 0)
        else:
            v = tf.cast(noise.uniform(shape, 0, 0) < tf.sigmoid(params0[1]), tf.float32)

        def body(k, v, log_w):
            before = rbm.parameters(betas[k - 1], base)
            after = rbm.parameters(betas[k], base)
            log_w += tf.cast(rbm.free_energy_with(v, before) - rbm.free_energy_with(v, after),
                             tf.float64)
            step_noise = StatelessNoise(tf.random.experimental.stateless_fold_in(key, k))
            v, _ = rbm.gibbs_with(v, 1, after, step_noise, mean_last=False)
            return k + 1, v, log_w

        _, _, log_w = tf.while_loop(lambda k, *_: k < tf.shape(betas)[0], body,
                                    (tf.constant(1), v, tf.zeros([num_chains], tf.float64)))
        return log_w

    log_w = run(tf.constant(betas)).numpy()
    _, b, _, sigma = _parameters64(rbm)
    if gaussian:
        log_z0 = float(tf.reduce_sum(tf.math.log(math.sqrt(2.0 * math.pi) * sigma)))
    else:
        log_z0 = float(tf.reduce_sum(tf.nn.softplus(tf.cast(base, tf.float64))))
    log_z0 += rbm.hidden_units * math.log(2.0)
    top = log_w.max()
    w = np.exp(log_w - top)
    mean, error = w.mean(), 3.0 * w.std(ddof=1) / math.sqrt(len(w)) if len(w) > 1 else 0.0
    low = math.log(mean - error) if mean > error else -math.inf
    return AISResult(log_z=log_z0 + top + math.log(mean), log_z_low=log_z0 + top + low,
                     log_z_high=log_z0 + top + math.log(mean + error), log_weights=log_w)
