"""Discretized logistic: checked against the PixelCNN++ formulas computed in NumPy/SciPy."""

import numpy as np
import pytest
import tensorflow as tf
from scipy.special import expit, log_expit

from kerasgen.distributions import discretized_logistic


def reference_probs(loc, scale, num_levels):
    """P(k) for k = 0..L-1 in float64: CDF differences, tails folded into the edge bins."""
    k = np.arange(num_levels, dtype=np.float64)
    probs = expit((k + 0.5 - loc) / scale) - expit((k - 0.5 - loc) / scale)
    probs[0] = expit((0.5 - loc) / scale)
    probs[-1] = 1.0 - expit((num_levels - 1.5 - loc) / scale)
    return probs


def reference_log_probs(loc, scale, num_levels):
    """log P(k), computed stably in log space (valid far into the tails)."""
    k = np.arange(num_levels, dtype=np.float64)
    upper, lower = (k + 0.5 - loc) / scale, (k - 0.5 - loc) / scale
    with np.errstate(divide="ignore"):
        # log(sigma(u) - sigma(l)) through whichever side keeps precision.
        right = log_expit(-lower) + np.log1p(-np.exp(log_expit(-upper) - log_expit(-lower)))
        left = log_expit(upper) + np.log1p(-np.exp(log_expit(lower) - log_expit(upper)))
    log_probs = np.where(lower > 0, right, left)
    log_probs[0] = log_expit((0.5 - loc) / scale)
    log_probs[-1] = log_expit(-(num_levels - 1.5 - loc) / scale)
    return log_probs


CASES = [
    (0.0, 1.0), (0.37, 0.2), ("mid", 0.01), ("mid", 3.0), ("third", 100.0),
    (-50.0, 0.5), ("beyond", 0.5), (3.3, 1e-3), (0.0, 1e-3),
]


def _resolve(loc, num_levels):
    return {"mid": (num_levels - 1) / 2, "third": num_levels / 3,
            "beyond": num_levels + 50.0}.get(loc, loc)


def _probs(loc, scale, num_levels):
    dist = discretized_logistic(tf.constant(loc, tf.float32), tf.constant(scale, tf.float32),
                                num_levels)
    values = tf.range(float(num_levels))
    return dist.prob(values).numpy().astype(np.float64), dist.log_prob(values).numpy()


@pytest.mark.parametrize("num_levels", [2, 17, 256])
@pytest.mark.parametrize("loc, scale", CASES)
def test_probabilities_match_formulas_and_sum_to_one(loc, scale, num_levels):
    loc = _resolve(loc, num_levels)
    probs, log_probs = _probs(loc, scale, num_levels)
    expected = reference_probs(loc, scale, num_levels)
    assert probs.sum() == pytest.approx(1.0, abs=2e-6)
    np.testing.assert_allclose(probs, expected, rtol=1e-4, atol=1e-6)
    # Edge bins hold the whole tails.
    assert probs[0] == pytest.approx(expit((0.5 - loc) / scale), rel=1e-4, abs=1e-7)
    assert probs[-1] == pytest.approx(1 - expit((num_levels - 1.5 - loc) / scale),
                                      rel=1e-4, abs=1e-7)
    # Log probabilities stay finite and accurate even where the mass underflows float32.
    assert np.all(np.isfinite(log_probs))
    reference = reference_log_probs(loc, scale, num_levels)
    finite = np.isfinite(reference)
    np.testing.assert_allclose(log_probs[finite], reference[finite], rtol=1e-4, atol=1e-4)


def test_edge_bins_take_the_tails_not_a_single_bin():
    # Location far below 0: nearly all mass in level 0; an unfolded bin would hold ~0.
    probs, _ = _probs(-10.0, 1.0, 17)
    assert probs[0] > 0.9999
    # Location in the middle of the top bin with a wide scale: the top bin holds the upper
    # half of the logistic, much more than one interior bin.
    probs, _ = _probs(16.0, 4.0, 17)
    assert probs[-1] == pytest.approx(1 - expit(-0.5 / 4.0), rel=1e-5)
    assert probs[-1] > 0.5 > 3 * probs[8]


def test_interior_bins_are_cdf_differences_for_a_batch():
    loc = np.array([[2.0, 7.5], [12.25, 16.0]], np.float32)
    scale = np.array([[0.5, 1.5], [0.8, 2.0]], np.float32)
    dist = discretized_logistic(tf.constant(loc), tf.constant(scale), 17)
    assert dist.batch_shape == (2, 2)
    for k in range(1, 16):
        got = dist.prob(tf.fill([2, 2], float(k))).numpy()
        want = expit((k + 0.5 - loc) / scale) - expit((k - 0.5 - loc) / scale)
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-7)


def test_sampling_stays_on_the_levels():
    dist = discretized_logistic(tf.constant(3.0), tf.constant(5.0), 8)
    draws = dist.sample(4000, seed=[1, 2]).numpy()
    assert set(np.unique(draws)) <= set(range(8))
    frequencies = np.bincount(draws.astype(int), minlength=8) / len(draws)
    np.testing.assert_allclose(frequencies, reference_probs(3.0, 5.0, 8), atol=0.035)
