"""Discretized logistic over integer levels, with PixelCNN++'s edge treatment.

#### Mathematical details

For an integer value k in {0, ..., L-1} and a logistic with location mu and scale s (both in
level units), with sigma the logistic CDF:

    P(k) = sigma((k + 0.5 - mu) / s) - sigma((k - 0.5 - mu) / s)     0 < k < L-1
    P(0) = sigma((0.5 - mu) / s)                                      all mass below the first bin
    P(L-1) = 1 - sigma((L - 1.5 - mu) / s)                            all mass above the last bin

so the L probabilities sum to one. It is TFP's ``QuantizedDistribution`` (which gives value j the
mass of (j-1, j], and the tails to the end values) applied to a logistic shifted by -0.5.

Example:
    >>> import tensorflow as tf
    >>> d = discretized_logistic(loc=tf.constant(8.0), scale=tf.constant(1.0), num_levels=17)
    >>> round(float(tf.reduce_sum(d.prob(tf.range(17.0)))), 5)
    1.0

References:
    Salimans et al. 2017, "PixelCNN++", ICLR.
"""

import tensorflow_probability as tfp

tfd = tfp.distributions


def discretized_logistic(loc, scale, num_levels):
    """A distribution over {0, ..., num_levels-1} (float values), batch shape of `loc`."""
    return tfd.QuantizedDistribution(
        tfd.Logistic(loc=loc - 0.5, scale=scale), low=0.0, high=float(num_levels - 1)
    )
