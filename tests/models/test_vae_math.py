"""VAE maths: the KL term, the per-example loss, beta, and log p(x) / bits-per-dim units."""

import math

import numpy as np
import pytest
import tensorflow as tf
from scipy.special import expit, log_expit
from scipy.stats import norm

from kerasgen.data import transforms
from kerasgen.evaluation import nats_to_bits_per_dim
from kerasgen.models import VAE
from kerasgen.utils.noise import SALT_BINARIZE, step_seed
from tests.distributions.test_discretized_logistic import reference_log_probs
from tests.helpers import DIGITS_DIMS, digits, make_model, standard_error


def softplus(x):
    return np.logaddexp(0.0, np.asarray(x, np.float64))


def closed_form_kl(mu, sigma):
    return 0.5 * np.sum(mu**2 + sigma**2 - 1.0 - np.log(sigma**2), axis=-1)


def test_kl_matches_closed_form_and_monte_carlo():
    model = make_model(VAE, latent_dim=3, hidden_units=(16,), compile=False)
    images, _ = digits(6)
    targets = model.likelihood.prepare_targets(images)
    posterior = model.posterior(targets)
    kl = model.kl_divergence(posterior).numpy().astype(np.float64)

    # The documented parameterization, read from the raw encoder output.
    raw = model.encoder(targets).numpy().astype(np.float64)
    mu, sigma = raw[:, :3], softplus(raw[:, 3:]) + 1e-4
    np.testing.assert_allclose(posterior.mean().numpy(), mu, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(posterior.stddev().numpy(), sigma, rtol=1e-5)
    np.testing.assert_allclose(kl, closed_form_kl(mu, sigma), rtol=1e-4, atol=1e-5)

    # KL = E_q[log q(z) - log p(z)], estimated with NumPy densities.
    z = posterior.sample(20000, seed=[7, 8]).numpy().astype(np.float64)      # [S, B, d]
    log_ratio = (norm.logpdf(z, mu, sigma) - norm.logpdf(z)).sum(-1)
    estimate, se = log_ratio.mean(0), standard_error(log_ratio)
    assert np.all(np.abs(estimate - kl) <= 4 * se + 1e-3), (estimate, kl, se)


def _near_deterministic(model, mu):
    """Make q(z|x) = N(mu, (softplus(-30) + 1e-4)^2) for every x via the encoder's last layer."""
    last = model.encoder.layers[-1]
    kernel, bias = last.get_weights()
    d = len(mu)
    last.set_weights([np.zeros_like(kernel),
                      np.concatenate([mu, np.full(d, -30.0)]).astype(np.float32)])
    return softplus(-30.0) + 1e-4


def _reference_reconstruction(lik_spec, params, images):
    """-log p(x | decoder params), in NumPy."""
    params = params.astype(np.float64)
    if lik_spec == "bernoulli":
        targets = images / 16.0                          # images are binary: 0 or 16
        return -(targets * log_expit(params) + (1 - targets) * log_expit(-params)).sum(
            axis=(1, 2, 3))
    if isinstance(lik_spec, dict):                       # fixed-scale Gaussian
        # a density over the dequantized levels (x + u) / 17 (`transforms.dequantize`, the
        # training step's own draw; the draw itself is tested in test_likelihoods.py)
        targets = transforms.dequantize(images, 17, step_seed(0, 3) + SALT_BINARIZE).numpy()
        assert np.all(np.floor(targets * 17) == images)
        return -norm.logpdf(targets, params, lik_spec["scale"]).sum(axis=(1, 2, 3))
    loc = (params[..., :1] + 1) * 8.0                    # discretized logistic
    scale = np.exp(np.maximum(params[..., 1:], -7.0)) * 8.0
    total = np.zeros(len(images))
    for index in np.ndindex(*images.shape):
        table = reference_log_probs(loc[index], scale[index], 17)
        total[index[0]] -= table[int(images[index])]
    return total


@pytest.mark.parametrize("likelihood", [
    "bernoulli", {"name": "gaussian", "scale": 0.25}, "discretized_logistic"])
@pytest.mark.parametrize("beta", [0.0, 0.5, 1.0])
def test_per_example_loss_is_reconstruction_plus_beta_kl(likelihood, beta):
    model = make_model(VAE, likelihood=likelihood, beta=beta, latent_dim=2, compile=False)
    mu = np.array([0.7, -1.2])
    sigma = _near_deterministic(model, mu)
    images, _ = digits(4)
    if likelihood == "bernoulli":   # binary images: dynamic binarization leaves them as they are
        images = np.where(images >= 8, 16, 0).astype(np.uint8)
    losses = model.per_example_losses(tf.constant(images), None, step_seed(0, 3),
                                      training=True)
    losses = {k: v.numpy().astype(np.float64) for k, v in losses.items()}
    assert set(losses) == {"loss", "reconstruction", "kl"}

    kl = closed_form_kl(mu, np.full(2, sigma))
    np.testing.assert_allclose(losses["kl"], kl, rtol=1e-4)
    params = model.decoder(mu[None].astype(np.float32)).numpy()
    params = np.repeat(params, len(images), 0)
    expected = _reference_reconstruction(likelihood, params, images.astype(np.float64))
    np.testing.assert_allclose(losses["reconstruction"], expected, rtol=1e-3)
    np.testing.assert_allclose(losses["loss"], expected + beta * kl, rtol=1e-3)
    if beta == 0.0:
        np.testing.assert_array_equal(losses["loss"], losses["reconstruction"])


def test_beta_zero_removes_the_kl_from_training():
    """Same weights and draw: beta = 0 leaves the reconstruction alone as the loss, beta = 1
    adds exactly the (positive) KL; the KL still gets reported at beta = 0."""
    a = make_model(VAE, beta=0.0, compile=False)
    b = make_model(VAE, beta=1.0, compile=False)
    b.set_weights(a.get_weights())
    images, _ = digits(8)
    seed = step_seed(0, 11)
    la = {k: v.numpy() for k, v in a.per_example_losses(images, None, seed, True).items()}
    lb = {k: v.numpy() for k, v in b.per_example_losses(images, None, seed, True).items()}
    np.testing.assert_allclose(la["reconstruction"], lb["reconstruction"], rtol=1e-6)
    np.testing.assert_allclose(la["kl"], lb["kl"], rtol=1e-6)
    np.testing.assert_allclose(la["loss"], la["reconstruction"], rtol=1e-6)
    np.testing.assert_allclose(lb["loss"] - la["loss"], lb["kl"], rtol=1e-4, atol=1e-3)
    assert np.all(lb["kl"] > 0)


def test_training_loss_is_an_unbiased_negative_elbo():
    """The one-sample training loss (analytic KL) and the all-Monte-Carlo ELBO of
    `evaluate_log_likelihood` estimate the same quantity."""
    model = make_model(VAE, likelihood="discretized_logistic", compile=False)
    images, _ = digits(16)
    train = np.array([
        -model.per_example_losses(images, None, step_seed(5, s), True)["loss"].numpy().mean()
        for s in range(60)])
    from kerasgen.evaluation import evaluate_log_likelihood

    evaluated = np.array([evaluate_log_likelihood(model, images, seed=s)["elbo"].mean()
                          for s in range(60)])
    gap = abs(train.mean() - evaluated.mean())
    assert gap <= 4 * math.hypot(standard_error(train), standard_error(evaluated)) + 1e-3


def test_log_prob_at_one_sample_is_the_elbo_and_bits_per_dim_converts_units():
    model = make_model(VAE, likelihood="gaussian", compile=False)
    images, _ = digits(5)
    log_prob = np.asarray(model.log_prob(images, seed=3))
    from kerasgen.evaluation import evaluate_log_likelihood

    result = evaluate_log_likelihood(model, images, seed=3)
    np.testing.assert_allclose(log_prob, result["elbo"], rtol=1e-6)
    bits = np.asarray(model.bits_per_dim(images, seed=3))
    expected = (-log_prob.astype(np.float64) / DIGITS_DIMS + math.log(17)) / math.log(2)
    np.testing.assert_allclose(bits, expected, rtol=1e-5)
    np.testing.assert_allclose(nats_to_bits_per_dim(-log_prob, DIGITS_DIMS, math.log(17)),
                               expected, rtol=1e-5)
    # Discrete likelihoods need no offset: bits/dim is -log2 p / D.
    discrete = make_model(VAE, likelihood="discretized_logistic", compile=False)
    nats = -np.asarray(discrete.log_prob(images, seed=1), np.float64)
    np.testing.assert_allclose(np.asarray(discrete.bits_per_dim(images, seed=1)),
                               nats / DIGITS_DIMS / math.log(2), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(discrete.anomaly_score(images)),
                               -np.asarray(discrete.log_prob(images)), rtol=1e-6)


def test_bernoulli_log_prob_scores_the_thresholded_images_by_default():
    model = make_model(VAE, likelihood="bernoulli", compile=False)
    images, _ = digits(6)
    thresholded = np.where(images >= 8, 16, 0).astype(np.uint8)
    np.testing.assert_allclose(np.asarray(model.log_prob(images, num_samples=4, seed=2)),
                               np.asarray(model.log_prob(thresholded, num_samples=4, seed=2)),
                               rtol=1e-6)
    drawn = [np.asarray(model.log_prob(images, num_samples=4, seed=2, binarization_seed=s))
             for s in (0, 0, 1)]
    np.testing.assert_array_equal(drawn[0], drawn[1])
    assert not np.allclose(drawn[0], drawn[2])
    # A binarization drawn with a seed is the transform's draw with the documented stream.
    from kerasgen.utils.noise import SALT_BINARIZE, fixed_seed

    binary = transforms.binarize(images, 17, seed=fixed_seed(0, SALT_BINARIZE)).numpy() * 16
    np.testing.assert_allclose(drawn[0], np.asarray(model.log_prob(
        binary.astype(np.uint8), num_samples=4, seed=2)), rtol=1e-6)


def test_encode_decode_use_posterior_mean_and_likelihood_mean():
    model = make_model(VAE, likelihood="bernoulli", compile=False)
    images, _ = digits(4)
    codes = np.asarray(model.encode(images))
    raw = model.encoder(transforms.binarize(images, 17)).numpy()
    np.testing.assert_allclose(codes, raw[:, :2], rtol=1e-5, atol=1e-6)
    decoded = np.asarray(model.decode(codes))
    logits = model.decoder(codes).numpy().astype(np.float64)
    np.testing.assert_allclose(decoded, expit(logits) * 16, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(model.reconstruct(images)), decoded, atol=1e-5)


def test_discrete_likelihoods_refuse_fractional_pixels_and_the_others_take_them():
    """The discretized logistic gives each integer level a probability; a pixel of 6.75
    would be floored to level 6 and scored as such, so it is refused before any work."""
    images, _ = digits(4)
    fractional = images * 0.75
    with pytest.raises(ValueError, match="images"):
        make_model(VAE, likelihood="discretized_logistic", compile=False).log_prob(fractional)
    for likelihood in ("bernoulli", "gaussian"):
        model = make_model(VAE, likelihood=likelihood, compile=False)
        assert np.all(np.isfinite(model.log_prob(fractional)))


def test_discretized_logistic_vae_trains_on_8_bit_colour_images():
    """Raw levels 0..255 overflowed a fresh encoder (KL ~1e4 and an infinite reconstruction
    loss at the first step); the encoder now sees the levels scaled to [0, 1]."""
    from kerasgen.models import VAE

    images = np.random.default_rng(0).integers(0, 256, (32, 8, 8, 3)).astype(np.uint8)
    for network in ("dense", "conv"):
        model = VAE(image_shape=(8, 8, 3), num_levels=256, latent_dim=2, network=network,
                    hidden_units=(16,) if network == "dense" else (), filters=(8,),
                    likelihood="discretized_logistic")
        model.compile_with_defaults()
        history = model.fit(images, batch_size=8, epochs=2, verbose=0)
        assert np.all(np.isfinite(history.history["loss"])), (network, history.history)
        assert history.history["kl"][0] < 100, history.history["kl"]
        samples = np.asarray(model.sample(4, seed=0))
        assert samples.shape == (4, 8, 8, 3) and np.all(np.isfinite(samples))


def test_a_vae_file_from_before_scaled_encoder_inputs_loads_as_it_was_trained():
    from kerasgen.models import VAE

    model = VAE(likelihood="discretized_logistic", latent_dim=2, hidden_units=(8,))
    config = model.get_config()
    assert config["scale_encoder_inputs"] is True
    del config["scale_encoder_inputs"]  # a format-1 file written before the option
    old = VAE.from_config(config)
    assert old.scale_encoder_inputs is False
    old.set_weights(model.get_weights())
    images = np.random.default_rng(1).integers(0, 17, (4, 8, 8, 1))
    unscaled = np.asarray(old.encode(images))
    np.testing.assert_allclose(unscaled, model.run_encoder(images.astype(np.float32))[:, :2],
                               atol=1e-5)
    assert not np.allclose(unscaled, np.asarray(model.encode(images)), atol=1e-3)
