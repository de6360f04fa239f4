"""Importance-weighted bounds: K = 1 is the ELBO, the bound tightens with K towards log p(x)
(computed independently by quadrature over a 2-D latent), chunking, metrics and units."""

import math

import keras
import numpy as np
import pytest
from scipy.special import logsumexp

from kerasgen.evaluation import evaluate_log_likelihood, likelihood_metrics, nats_to_bits_per_dim
from kerasgen.models import VAE
from tests.helpers import DIGITS_DIMS, digits, make_model, standard_error


@pytest.fixture(scope="module")
def vae():
    """A 2-D latent VAE with a discrete likelihood (deterministic targets), briefly trained."""
    keras.utils.set_random_seed(0)
    model = make_model(VAE, likelihood="discretized_logistic", learning_rate=3e-3)
    images, _ = digits(512)
    model.fit(images, batch_size=32, epochs=3, verbose=0)
    return model


@pytest.fixture(scope="module")
def test_images():
    return digits(32, split="test")[0]


def _mean_over_seeds(model, images, num_samples, seeds, **kwargs):
    return np.array([evaluate_log_likelihood(model, images, num_samples=num_samples, seed=s,
                                             **kwargs)["log_likelihood"]
                     for s in seeds])                                  # [seeds, N]


def test_shapes_and_determinism(vae, test_images):
    result = evaluate_log_likelihood(vae, test_images[:5], num_samples=3, seed=4)
    assert set(result) == {"log_likelihood", "elbo"}
    for value in result.values():
        assert isinstance(value, np.ndarray) and value.shape == (5,)
        assert np.all(np.isfinite(value)) and np.all(value < 0)
    again = evaluate_log_likelihood(vae, test_images[:5], num_samples=3, seed=4)
    np.testing.assert_array_equal(result["log_likelihood"], again["log_likelihood"])
    other = evaluate_log_likelihood(vae, test_images[:5], num_samples=3, seed=5)
    assert not np.allclose(result["log_likelihood"], other["log_likelihood"])
    # Jensen, per draw: log mean exp(w) >= mean(w).
    assert np.all(result["log_likelihood"] >= result["elbo"] - 1e-4)


def test_one_sample_bound_is_the_elbo(vae, test_images):
    for seed in range(3):
        result = evaluate_log_likelihood(vae, test_images, num_samples=1, seed=seed)
        np.testing.assert_allclose(result["log_likelihood"], result["elbo"], rtol=1e-6)


def test_elbo_does_not_depend_on_k_in_expectation(vae, test_images):
    """The ELBO column is the mean of K weights: unbiased for the same ELBO at any K."""
    def elbo(k, seed):
        return evaluate_log_likelihood(vae, test_images, num_samples=k, seed=seed)["elbo"].mean()

    one = np.array([elbo(1, s) for s in range(20)])
    many = np.array([elbo(50, s) for s in range(20)])
    gap = abs(one.mean() - many.mean())
    assert gap <= 4 * math.hypot(standard_error(one), standard_error(many)) + 1e-3


def test_bound_increases_with_k(vae, test_images):
    seeds = range(16)
    bounds = {k: _mean_over_seeds(vae, test_images, k, seeds).mean(1) for k in (1, 10, 100)}
    for low, high in ((1, 10), (10, 100)):
        difference = bounds[high] - bounds[low]                 # paired by seed
        # E[L_high] >= E[L_low]: allow only Monte Carlo noise below zero.
        assert difference.mean() >= -3 * standard_error(difference), (low, high, difference)
    # For this (imperfect) model the improvement is large, well beyond the noise.
    total = bounds[100] - bounds[1]
    assert total.mean() > 5 * standard_error(total)


def _quadrature_log_px(model, image, points=300):
    """log p(x) = log of the integral of p(x|z) p(z) over a fine grid around the posterior."""
    targets = model.likelihood.prepare_targets(image[None])
    posterior = model.posterior(targets)
    mu, sd = posterior.mean().numpy()[0], posterior.stddev().numpy()[0]
    half = np.maximum(12 * sd, 1.5)
    axes = [np.linspace(m - h, m + h, points) for m, h in zip(mu, half)]
    z = np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, 2)
    params = model.decoder.predict(z.astype(np.float32), batch_size=len(z), verbose=0)
    log_px_z = model.likelihood.log_prob(
        params, np.repeat(targets.numpy(), len(z), 0)).numpy().astype(np.float64)
    log_pz = -0.5 * np.sum(z**2, axis=1) - math.log(2 * math.pi)
    cell = (axes[0][1] - axes[0][0]) * (axes[1][1] - axes[1][0])
    return logsumexp(log_px_z + log_pz) + math.log(cell)


def test_bounds_approach_the_exact_log_likelihood(vae, test_images):
    images = test_images[:3]
    exact = np.array([_quadrature_log_px(vae, image) for image in images])
    seeds = range(4)
    l1 = _mean_over_seeds(vae, images, 1, seeds)
    l1000 = _mean_over_seeds(vae, images, 1000, seeds)
    for bound in (l1, l1000):
        # E[L_K] <= log p(x), up to Monte Carlo and quadrature error.
        assert np.all(bound.mean(0) <= exact + 3 * standard_error(bound) + 0.05), (
            bound.mean(0), exact)
    gap_1, gap_1000 = exact - l1.mean(0), exact - l1000.mean(0)
    assert gap_1000.mean() < 0.8 * gap_1.mean(), (gap_1, gap_1000)


@pytest.mark.slow
def test_chunked_evaluation_agrees_within_monte_carlo_error(vae, test_images):
    """Small decoder batches split the K samples into chunks drawn with other seeds, so the
    draws differ; the estimates must agree within their Monte Carlo error."""
    images = test_images[:16]
    seeds = range(6)
    whole = _mean_over_seeds(vae, images, 40, seeds)
    # batch 16, max_decoder_batch 80: chunks of 5 samples, 8 chunks.
    chunked = _mean_over_seeds(vae, images, 40, seeds, batch_size=16, max_decoder_batch=80)
    # Several image batches too (batch 5 -> 4 batches, chunks of 3).
    split = _mean_over_seeds(vae, images, 40, seeds, batch_size=5, max_decoder_batch=16)
    assert split.shape == whole.shape == chunked.shape == (6, 16)
    for other in (chunked, split):
        assert not np.allclose(other[0], whole[0])
        # Pooled over images (many degrees of freedom) for the average, looser per image.
        variance = (whole.var(0, ddof=1) + other.var(0, ddof=1)) / len(seeds)
        pooled = math.sqrt(variance.mean() / images.shape[0])
        assert abs(other.mean() - whole.mean()) <= 4 * pooled + 0.01
        assert np.all(np.abs(other.mean(0) - whole.mean(0)) <= 6 * np.sqrt(variance) + 0.02)


def test_likelihood_metrics(vae, test_images):
    metrics = likelihood_metrics(vae, test_images[:8], num_samples=20, seed=1)
    result = evaluate_log_likelihood(vae, test_images[:8], num_samples=20, seed=1,
                                     binarization_seed=0)
    assert metrics["nll_nats"] == pytest.approx(-result["log_likelihood"].mean(), rel=1e-6)
    assert metrics["elbo_nats"] == pytest.approx(-result["elbo"].mean(), rel=1e-6)
    assert metrics["elbo_nats"] >= metrics["nll_nats"]
    assert metrics["bits_per_dim"] == pytest.approx(
        metrics["nll_nats"] / DIGITS_DIMS / math.log(2), rel=1e-6)
    assert metrics["importance_samples"] == 20 and metrics["num_examples"] == 8


def test_nats_to_bits_per_dim():
    # 64 pixels, uniform over 17 levels: exactly log2(17) bits per pixel.
    nats = 64 * math.log(17)
    assert nats_to_bits_per_dim(nats, 64) == pytest.approx(math.log2(17))
    np.testing.assert_allclose(nats_to_bits_per_dim([nats, 2 * nats], 64, math.log(2)),
                               [math.log2(17) + 1, 2 * math.log2(17) + 1])


@pytest.mark.parametrize("kwargs, name", [
    ({"num_samples": 0}, "num_samples"), ({"num_samples": 2.5}, "num_samples"),
    ({"batch_size": 0}, "batch_size"),
])
def test_bad_arguments(vae, test_images, kwargs, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        evaluate_log_likelihood(vae, test_images[:2], **kwargs)


def _collected_after_use(use):
    import gc
    import weakref

    # Objects from the worker's earlier tests are frozen out of the collection: a full
    # collection over them took 60-90 s late in a suite run. Only cycles among the objects
    # made here are looked for (a frozen object still keeps alive what it references).
    gc.freeze()
    try:
        model = make_model(VAE, compile=False)
        use(model)
        ref = weakref.ref(model)
        del model
        gc.collect()
        return ref() is None
    finally:
        gc.unfreeze()


def test_unused_models_are_garbage_collected():
    """Control for the test below: a model that was only sampled from is freed."""
    assert _collected_after_use(lambda model: model.sample(2, seed=0))


def test_evaluated_models_are_garbage_collected(test_images):
    images = test_images[:2]
    assert _collected_after_use(
        lambda model: evaluate_log_likelihood(model, images, num_samples=2))
