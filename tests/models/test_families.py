"""Every model family: trains on digits, reports its documented metrics, saves and resumes."""

import keras
import numpy as np
import pytest

from kerasgen.models import (
    VAE,
    Autoencoder,
    ConditionalVAE,
    ConvAutoencoder,
    DenoisingAutoencoder,
)
from tests.helpers import (
    METRIC_NAMES,
    assert_finite_history,
    assert_resumes_exactly,
    dataset,
    digits,
    make_model,
    probe_inputs,
    run_model_saving_test,
    training_data,
)

VARIANTS = {
    "ae_mse": (Autoencoder, {}),
    "ae_bce": (Autoencoder, {"loss": "bce"}),
    "conv_ae": (ConvAutoencoder, {}),
    "conv_ae_upsample": (ConvAutoencoder, {"upsampling": "upsample"}),
    "dae_gaussian": (DenoisingAutoencoder, {"corruption": "gaussian"}),
    "dae_masking": (DenoisingAutoencoder, {"corruption": "masking", "noise_level": 0.25}),
    "dae_salt_and_pepper": (DenoisingAutoencoder, {"corruption": "salt_and_pepper",
                                                   "noise_level": 0.1}),
    "vae_bernoulli": (VAE, {"likelihood": "bernoulli"}),
    "vae_gaussian_learned": (VAE, {"likelihood": "gaussian"}),
    "vae_gaussian_fixed": (VAE, {"likelihood": {"name": "gaussian", "scale": 0.2}}),
    "vae_discretized_logistic": (VAE, {"likelihood": "discretized_logistic"}),
    "vae_conv_bernoulli": (VAE, {"network": "conv"}),
    "vae_conv_logistic": (VAE, {"network": "conv", "likelihood": "discretized_logistic",
                                "upsampling": "upsample"}),
    "cvae": (ConditionalVAE, {}),
    "cvae_conv": (ConditionalVAE, {"network": "conv", "likelihood": "gaussian"}),
}


# One variant per family and network kind also goes through the full saving test (the others
# share its code paths; this keeps the suite fast on two cores).
SAVING = {"ae_mse", "conv_ae_upsample", "dae_masking", "vae_gaussian_learned",
          "vae_conv_logistic", "cvae"}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_trains_reports_metrics_and_saves(variant, tmp_path):
    cls, overrides = VARIANTS[variant]
    model = make_model(cls, **overrides)
    data = training_data(model, n=96)
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(data, epochs=1, verbose=0)
    family = "vae" if isinstance(model, VAE) else "autoencoder"
    assert_finite_history(history, METRIC_NAMES[family])
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    if family == "vae":
        assert history.history["kl"][0] >= 0
    images, labels = probe_inputs(model)
    codes = np.asarray(model.encode(images, labels))
    assert codes.shape == (len(images), model.latent_dim)
    out = np.asarray(model.reconstruct(images, labels))
    assert out.shape == images.shape and out.min() >= 0 and out.max() <= 16
    np.testing.assert_allclose(np.asarray(model(images if labels is None else (images, labels))),
                               out, atol=1e-5)
    if variant in SAVING:
        run_model_saving_test(model, data, images, labels, tmp_path=tmp_path)


def test_training_reduces_the_loss():
    model = make_model(VAE, likelihood="discretized_logistic", learning_rate=3e-3)
    history = model.fit(training_data(model, n=256), epochs=4, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < losses[0] - 5.0, losses


@pytest.mark.slow
def test_resumes_exactly_from_a_keras_file(tmp_path):
    """Saved to .keras, loaded and trained on: dynamic binarization and latent noise continue.
    (Interrupted runs with BackupAndRestore, every family: tests/training/test_resume.py.)"""
    def make(**kw):
        return make_model(VAE, **{"likelihood": "bernoulli", **kw})

    model = make()
    assert_resumes_exactly(make, training_data(model, n=64, batch_size=16), tmp_path)


def test_validation_data_reports_val_metrics():
    model = make_model(VAE)
    train, _ = digits(64)
    val, _ = digits(32, split="test")
    history = model.fit(train, batch_size=32, validation_data=(val,), epochs=2, verbose=0)
    assert_finite_history(history, {"loss", "reconstruction", "kl", "val_loss",
                                    "val_reconstruction", "val_kl"})
    assert history.history["val_loss"][-1] != history.history["loss"][-1]


def test_float_images_in_range_are_accepted():
    model = make_model(VAE, likelihood="gaussian")
    images, _ = digits(32)
    history = model.fit(images.astype(np.float32) * 0.75, batch_size=16, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


# ---------------------------------------------------------------- sampling


@pytest.fixture(scope="module")
def trained_vaes():
    keras.utils.set_random_seed(0)
    images, labels = digits(128)
    vae = make_model(VAE, likelihood="discretized_logistic", learning_rate=3e-3)
    vae.fit(images, batch_size=32, epochs=2, verbose=0)
    cvae = make_model(ConditionalVAE, likelihood="gaussian", learning_rate=3e-3)
    cvae.fit(images, labels, batch_size=32, epochs=2, verbose=0)
    return vae, cvae


@pytest.mark.parametrize("num_levels", [17, 5, 256])
@pytest.mark.parametrize("likelihood", ["bernoulli", "gaussian", "discretized_logistic"])
def test_sample_shape_and_range(likelihood, num_levels):
    model = make_model(VAE, likelihood=likelihood, num_levels=num_levels, compile=False)
    samples = np.asarray(model.sample(10, seed=0))
    assert samples.shape == (10, 8, 8, 1)
    assert samples.dtype == np.float32
    assert samples.min() >= 0.0 and samples.max() <= num_levels - 1


def test_sample_seeds(trained_vaes):
    vae, _ = trained_vaes
    a, b = np.asarray(vae.sample(8, seed=3)), np.asarray(vae.sample(8, seed=3))
    np.testing.assert_array_equal(a, b)
    c = np.asarray(vae.sample(8, seed=4))
    assert np.abs(a - c).mean() > 0.1
    # Without a seed, two calls draw different noise.
    assert not np.array_equal(np.asarray(vae.sample(8)), np.asarray(vae.sample(8)))
    # Samples are decoded N(0, I) noise: the decoder of a standard normal draw.
    decoded_prior_mean = np.asarray(vae.decode(np.zeros([1, vae.latent_dim])))
    cold = np.asarray(vae.sample(8, seed=3, temperature=1e-4))
    np.testing.assert_allclose(cold, np.repeat(decoded_prior_mean, 8, 0), atol=1e-2)


def test_temperature_shrinks_variety(trained_vaes):
    vae, _ = trained_vaes
    spread = {t: np.asarray(vae.sample(200, seed=1, temperature=t)).std(axis=0).mean()
              for t in (1.0, 0.3, 0.01)}
    assert spread[0.01] < 0.2 * spread[0.3] < spread[1.0], spread


def test_conditional_sampling(trained_vaes):
    _, cvae = trained_vaes
    labels = [0, 1, 2, 3, 4, 5]
    samples = np.asarray(cvae.sample(6, seed=0, labels=labels))
    assert samples.shape == (6, 8, 8, 1)
    assert samples.min() >= 0 and samples.max() <= 16
    # The label is used: same noise, other labels, other images.
    other = np.asarray(cvae.sample(6, seed=0, labels=[6, 7, 8, 9, 0, 1]))
    assert np.abs(samples - other).mean() > 0.05
    same = np.asarray(cvae.sample(6, seed=0, labels=labels))
    np.testing.assert_array_equal(samples, same)
    for bad in ([0, 1], None, [0, 1, 2, 3, 4, 10]):
        with pytest.raises(ValueError, match="`labels`"):
            cvae.sample(6, seed=0, labels=bad)
    # log_prob of a conditional model needs and uses the labels.
    images, labels = digits(4, split="test")
    scores = np.asarray(cvae.log_prob(images, labels, num_samples=3))
    assert scores.shape == (4,) and np.all(np.isfinite(scores))
    with pytest.raises(ValueError, match="`labels`"):
        cvae.log_prob(images)


def test_conditional_validation_data_and_evaluate(trained_vaes):
    _, cvae = trained_vaes
    images, labels = digits(32)
    vx, vy = digits(32, split="test")
    history = cvae.fit(images, labels, batch_size=32, validation_data=dataset(vx, vy),
                       epochs=1, verbose=0)
    assert_finite_history(history, {"loss", "reconstruction", "kl", "val_loss",
                                    "val_reconstruction", "val_kl"})
    results = cvae.evaluate(vx, vy, verbose=0, return_dict=True)
    assert set(results) == {"loss", "reconstruction", "kl"}
    assert np.isfinite(results["loss"])
