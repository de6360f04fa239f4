"""Likelihoods: log_prob against NumPy formulas, parameter handling, offsets, bad specs."""

import math

import numpy as np
import pytest
import tensorflow as tf
from scipy.special import expit
from scipy.stats import norm

from kerasgen.distributions import (
    LIKELIHOODS,
    Bernoulli,
    DiscretizedLogistic,
    Gaussian,
    Likelihood,
    get_likelihood,
)
from tests.distributions.test_discretized_logistic import reference_log_probs

L = 17
SHAPE = (3, 8, 8, 1)
D = 64


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def _images(rng):
    return rng.integers(0, L, SHAPE).astype(np.float32)


def test_registry():
    assert set(LIKELIHOODS) == {"bernoulli", "gaussian", "discretized_logistic"}
    assert isinstance(get_likelihood("bernoulli", L), Bernoulli)
    assert isinstance(get_likelihood({"name": "discretized_logistic"}, L), DiscretizedLogistic)
    fixed = get_likelihood({"name": "gaussian", "scale": 0.1}, L)
    assert isinstance(fixed, Gaussian) and fixed.scale == 0.1 and fixed.params_per_dim == 1
    learned = get_likelihood("gaussian", L)
    assert learned.scale is None and learned.params_per_dim == 2
    same = Bernoulli(L)
    assert get_likelihood(same, L) is same
    # A config round-trips.
    for spec in ("bernoulli", "gaussian", {"name": "gaussian", "scale": 0.25},
                 "discretized_logistic"):
        lik = get_likelihood(spec, L)
        again = get_likelihood(lik.get_config(), L)
        assert type(again) is type(lik) and again.get_config() == lik.get_config()


def test_bernoulli_log_prob_is_negative_bce(rng):
    lik = Bernoulli(L)
    logits = rng.normal(0, 3, SHAPE).astype(np.float32)
    targets = (rng.uniform(size=SHAPE) < 0.5).astype(np.float32)
    p = expit(logits.astype(np.float64))
    bce = -(targets * np.log(p) + (1 - targets) * np.log1p(-p)).sum(axis=(1, 2, 3))
    got = lik.log_prob(tf.constant(logits), tf.constant(targets)).numpy()
    assert got.shape == (3,)
    np.testing.assert_allclose(got, -bce, rtol=1e-5)
    np.testing.assert_allclose(lik.mean(logits).numpy(), p * (L - 1), rtol=1e-5, atol=1e-5)


def test_bernoulli_targets_threshold_without_seed():
    lik = Bernoulli(L)
    images = np.arange(L, dtype=np.float32).reshape(1, L, 1, 1)
    targets = lik.prepare_targets(images).numpy().ravel()
    np.testing.assert_array_equal(targets, (np.arange(L) >= 8).astype(np.float32))


def test_gaussian_fixed_scale_log_prob(rng):
    scale = 0.3
    lik = Gaussian(L, scale=scale)
    images = _images(rng)
    # Dequantized into each level's cell [x / L, (x + 1) / L): the centre without a seed
    # (network inputs), a draw with one; scores take a fixed draw without a seed.
    targets = lik.prepare_targets(images).numpy()
    np.testing.assert_allclose(targets, (images + 0.5) / L, rtol=1e-6)
    scored = lik.scoring_targets(images).numpy()
    np.testing.assert_array_equal(scored, lik.scoring_targets(images).numpy())
    fresh = lik.prepare_targets(images, seed=tf.constant([3, 4])).numpy()
    for draw in (scored, fresh):
        assert np.all(np.floor(draw * L) == images) and not np.allclose(draw, targets)
    assert not np.allclose(fresh, scored)
    loc = rng.uniform(-0.2, 1.2, SHAPE).astype(np.float32)
    expected = (-np.sum((targets - loc) ** 2, axis=(1, 2, 3)) / (2 * scale**2)
                - D / 2 * math.log(2 * math.pi * scale**2))
    np.testing.assert_allclose(lik.log_prob(loc, targets).numpy(), expected, rtol=1e-5)
    # The mean maps back to levels (a cell's centre (x + 1/2) / L to x), clipped to [0, L-1].
    np.testing.assert_allclose(lik.mean(loc).numpy(), np.clip(loc * L - 0.5, 0, L - 1),
                               rtol=1e-5, atol=1e-5)


def test_gaussian_half_variance_is_sum_of_squared_errors(rng):
    """scale = sqrt(1/2): -log p = SSE + D/2 log(pi), the "MSE + KL" VAE."""
    lik = Gaussian(L, scale=math.sqrt(0.5))
    targets = _images(rng) / (L - 1)
    loc = rng.uniform(0, 1, SHAPE).astype(np.float32)
    sse = np.sum((targets - loc) ** 2, axis=(1, 2, 3))
    np.testing.assert_allclose(lik.log_prob(loc, targets).numpy(),
                               -sse - D / 2 * math.log(math.pi), rtol=1e-5)


def test_gaussian_learned_scale_is_per_pixel_and_bounded(rng):
    lik = Gaussian(L)
    targets = _images(rng) / (L - 1)
    loc = rng.uniform(0, 1, SHAPE).astype(np.float32)
    log_scale = rng.uniform(-3, 1, SHAPE).astype(np.float32)
    log_scale[0, 0, 0, 0] = -20.0       # below the bound: clamped to -7
    log_scale[1, 2, 3, 0] = -7.5
    params = np.concatenate([loc, log_scale], axis=-1)
    effective = np.exp(np.maximum(log_scale, -7.0)).astype(np.float64)
    expected = norm.logpdf(targets, loc, effective).sum(axis=(1, 2, 3))
    np.testing.assert_allclose(lik.log_prob(params, targets).numpy(), expected, rtol=1e-5)
    scale = lik.pixel_distribution(tf.constant(params)).stddev().numpy()
    np.testing.assert_allclose(scale, effective, rtol=1e-5)
    assert scale.min() == pytest.approx(math.exp(-7.0), rel=1e-5)
    # The mean reads the location channel only.
    np.testing.assert_allclose(lik.mean(params).numpy(), np.clip(loc * L - 0.5, 0, L - 1),
                               rtol=1e-5, atol=1e-5)


def test_discretized_logistic_likelihood_units(rng):
    lik = DiscretizedLogistic(L)
    images = _images(rng)
    raw_loc = rng.uniform(-1.3, 1.3, SHAPE).astype(np.float32)
    log_scale = rng.uniform(-3, 0, SHAPE).astype(np.float32)
    log_scale[2, 1, 1, 0] = -30.0
    params = np.concatenate([raw_loc, log_scale], axis=-1)
    half = (L - 1) / 2
    loc = (raw_loc.astype(np.float64) + 1) * half
    scale = np.exp(np.maximum(log_scale.astype(np.float64), -7.0)) * half
    expected = np.zeros(len(images))
    for index in np.ndindex(*SHAPE):
        table = reference_log_probs(loc[index], scale[index], L)
        expected[index[0]] += table[int(images[index])]
    got = lik.log_prob(params, lik.prepare_targets(images)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-4)
    np.testing.assert_allclose(lik.mean(params).numpy(), np.clip(loc, 0, L - 1), rtol=1e-5)


@pytest.mark.parametrize("spec, offset", [
    ("bernoulli", 0.0), ("discretized_logistic", 0.0), ("gaussian", math.log(17)),
    ({"name": "gaussian", "scale": 0.5}, math.log(17)),
])
def test_nats_offset_per_dim(spec, offset):
    lik = get_likelihood(spec, L)
    assert lik.nats_offset_per_dim() == pytest.approx(offset)
    assert lik.is_discrete == (offset == 0.0)


def test_gaussian_offset_is_the_change_of_variables_to_data_units(rng):
    """A density over y = (x + u) / L becomes one over x + u by subtracting log L per pixel."""
    lik = Gaussian(L, scale=0.2)
    images = _images(rng)
    loc = rng.uniform(0, 1, SHAPE).astype(np.float32)
    targets = lik.prepare_targets(images).numpy()
    in_unit = lik.log_prob(loc, targets).numpy()
    in_data_units = norm.logpdf(targets * L, loc * L, 0.2 * L).sum(axis=(1, 2, 3))
    np.testing.assert_allclose(in_unit - D * lik.nats_offset_per_dim(), in_data_units,
                               rtol=1e-5)


@pytest.mark.parametrize("loc, log_scale", [(8.5 / L, -7.0), (0.3, -2.0), (0.9, 0.5)],
                         ids=["spike-on-the-cell", "narrow", "wide"])
def test_gaussian_bits_bound_the_discrete_likelihood(loc, log_scale):
    """E_u[-log p((x + u) / L)] + log L >= -log P(x), P(x) the Gaussian's mass on the cell of
    x (by Jensen): never negative, even for a spike on the level (which scored on the integer
    point itself gave -4.77 bits for the pixel)."""
    lik = Gaussian(L)
    x = np.full([4000, 1, 1, 1], 8.0, np.float32)
    params = np.concatenate([np.full_like(x, loc), np.full_like(x, log_scale)], axis=-1)
    targets = lik.prepare_targets(x, seed=tf.constant([5, 6]))
    estimate = float(np.mean(-lik.log_prob(params, targets).numpy())) + lik.nats_offset_per_dim()
    scale = math.exp(log_scale)
    cell_mass = norm.cdf((9 / L - loc) / scale) - norm.cdf((8 / L - loc) / scale)
    # (a wide Gaussian is flat on the cell: the bound is then tight up to Monte Carlo error)
    assert estimate >= -math.log(cell_mass) - 1e-3
    assert estimate >= 0.0


@pytest.mark.parametrize("spec", [
    "poisson", None, "", "Bernoulli", {"name": "laplace"}, {"scale": 0.1},
    {"name": "bernoulli", "scale": 0.1}, {"name": "gaussian", "width": 0.1},
    {"name": "discretized_logistic", "scale": 1.0},
    {"name": "gaussian", "scale": 0}, {"name": "gaussian", "scale": -0.5},
    {"name": "gaussian", "scale": "wide"},
])
def test_bad_likelihood_specs(spec):
    with pytest.raises(ValueError, match="`likelihood"):
        get_likelihood(spec, L)


@pytest.mark.parametrize("spec", [5, ["bernoulli"]])
def test_likelihood_spec_of_wrong_type(spec):
    with pytest.raises(ValueError, match="`likelihood`"):
        get_likelihood(spec, L)


def test_base_class_is_abstract():
    lik = Likelihood(L)
    with pytest.raises(NotImplementedError):
        lik.prepare_targets(np.zeros(SHAPE))
    with pytest.raises(NotImplementedError):
        lik.mean(np.zeros(SHAPE))
