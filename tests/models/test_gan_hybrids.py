"""VAE-GAN and BEGAN: each network minimizes its own loss, the losses match their formulas,
k_t follows the equilibrium controller, save/load/resume is exact, bad input is refused."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgen.models import BEGAN, VAEGAN
from kerasgen.models.registry import create_model
from kerasgen import data
from kerasgen.training.adversarial import SALT_GENERATOR
from kerasgen.utils.noise import step_seed
from tests.helpers import assert_resumes_exactly, dataset, digits, tiny_kwargs


def _model(cls, **overrides):
    model = cls(**tiny_kwargs(cls, **overrides))
    model.compile_with_defaults()
    return model


def _real(model, n=16):
    return model.to_model_space(tf.constant(digits(n)[0]))


# ---------------------------------------------------------------------------- VAE-GAN
def test_vaegan_each_network_follows_its_own_loss():
    """One step with SGD and a frozen discriminator: the encoder moves by -lr * grad of
    encoder_loss, the generator by -lr * grad of g_loss (not of each other's loss)."""
    model = VAEGAN(**tiny_kwargs(VAEGAN, feature_weight=0.5, kl_weight=2.0))
    lr = 0.1
    model.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.SGD(lr))
    real = _real(model)
    seed = step_seed(model.seed, tf.constant(0, tf.int64), SALT_GENERATOR)
    before = {name: [w.numpy() for w in getattr(model, name).trainable_weights]
              for name in ("encoder", "generator")}
    with tf.GradientTape(persistent=True) as tape:
        losses = model.generator_losses(real, None, seed)
        encoder_loss = tf.reduce_mean(losses["encoder_loss"])
        generator_loss = tf.reduce_mean(losses["g_loss"])
    expected = {"encoder": tape.gradient(encoder_loss, model.encoder.trainable_weights),
                "generator": tape.gradient(generator_loss, model.generator.trainable_weights)}
    wrong = tape.gradient(generator_loss, model.encoder.trainable_weights)
    model.train_on_batch(digits(16)[0])
    for name in ("encoder", "generator"):
        for w0, w, g in zip(before[name], getattr(model, name).trainable_weights,
                            expected[name]):
            np.testing.assert_allclose(w.numpy(), w0 - lr * g.numpy(), atol=1e-5)
    moved = [w.numpy() - w0 for w0, w in zip(before["encoder"], model.encoder.trainable_weights)]
    assert max(np.abs(m + lr * g.numpy()).max() for m, g in zip(moved, wrong)) > 1e-4


def test_vaegan_losses_match_their_formulas():
    model = _model(VAEGAN, feature_weight=0.3, kl_weight=1.5)
    real, seed = _real(model, 8), tf.constant([4, 2])
    losses = model.generator_losses(real, None, seed, training=False)
    posterior, reconstructions, samples = model._fakes(real, None, seed, training=False)
    mu, sigma = posterior.mean().numpy(), posterior.stddev().numpy()
    kl = 0.5 * np.sum(mu**2 + sigma**2 - 1 - np.log(sigma**2), -1)
    f_real = model.discriminator_features(real).numpy()
    f_rec = model.discriminator_features(reconstructions).numpy()
    feature = 0.5 * np.sum((f_real - f_rec) ** 2, -1)

    def g_term(x):  # non-saturating: -log sigmoid(D(x))
        return np.logaddexp(0, -model.discriminator(x).numpy()[:, 0])

    adversarial = 0.5 * (g_term(samples) + g_term(reconstructions))
    np.testing.assert_allclose(losses["kl"], kl, rtol=1e-4)
    np.testing.assert_allclose(losses["feature_reconstruction"], feature, rtol=1e-4)
    np.testing.assert_allclose(losses["encoder_loss"], 1.5 * kl + feature, rtol=1e-4)
    np.testing.assert_allclose(losses["g_loss"], 0.3 * feature + adversarial, rtol=1e-4)
    d_losses = model.discriminator_losses(real, None, seed, training=False)
    real_term = np.logaddexp(0, -model.discriminator(real).numpy()[:, 0])

    def fake_term(x):
        return np.logaddexp(0, model.discriminator(x).numpy()[:, 0])

    np.testing.assert_allclose(
        d_losses["d_loss"],
        real_term + 0.5 * (fake_term(samples) + fake_term(reconstructions)), rtol=1e-4)


@pytest.mark.slow
def test_vaegan_learns_to_reconstruct():
    """Held-out reconstructions end far closer than the mean training image is."""
    images, _ = data.load_arrays("digits")
    test, _ = data.load_arrays("digits", "test", max_examples=128)
    model = VAEGAN(**tiny_kwargs(VAEGAN, network="conv", filters=(16, 32), hidden_units=(),
                                 normalization="batch",
                                 latent_dim=8))
    model.compile_with_defaults(1e-3)
    history = model.fit(dataset(images, batch_size=64), epochs=8, verbose=0)
    mean_image_mse = np.mean(np.square(images.mean(0) - test))
    mse = np.mean(np.square(model.reconstruct(test) - test))
    assert mse < 0.5 * mean_image_mse
    assert history.history["feature_reconstruction"][-1] < \
        history.history["feature_reconstruction"][0]
    assert model.encode(test[:3]).shape == (3, 8)


# ---------------------------------------------------------------------------- BEGAN
def test_began_losses_match_their_formulas():
    model = _model(BEGAN, diversity_ratio=0.4)
    model.k.assign(0.3)
    real, seed = _real(model, 8), tf.constant([1, 9])
    fake = model.generate_model_space(model._noise(8, seed), None, False)

    def error(x):
        return np.mean(np.abs(x.numpy() - model.discriminator(x).numpy()), axis=(1, 2, 3))

    d = model.discriminator_losses(real, None, seed, training=False)
    np.testing.assert_allclose(d["d_loss"], error(real) - 0.3 * error(fake), rtol=1e-4)
    g = model.generator_losses(real, None, seed, training=False)
    balance = 0.4 * error(real) - error(fake)
    np.testing.assert_allclose(g["g_loss"], error(fake), rtol=1e-4)
    # M uses the balance of the batch means (per example, |.| would add the errors' spread)
    np.testing.assert_allclose(g["convergence"], error(real) + np.abs(np.mean(balance)),
                               rtol=1e-4)
    assert balance.min() < 0 < balance.max()  # mixed signs: the two formulas differ here
    np.testing.assert_allclose(model.discriminate(digits(8)[0]), -error(real), rtol=1e-4)


@pytest.mark.parametrize("k, balance, expected", [(0.2, [2.0, 4.0], 0.5), (0.9, [5.0], 1.0),
                                                   (0.1, [-3.0, -1.0], 0.0)])
def test_began_k_controller_steps_and_clips(k, balance, expected):
    model = _model(BEGAN, k_learning_rate=0.1)
    model.k.assign(k)
    logs = model.after_generator_step({}, {"balance": tf.constant(balance)})
    assert float(model.k) == pytest.approx(expected, abs=1e-6)
    assert float(logs["k"]) == pytest.approx(expected, abs=1e-6)


def test_began_trains_k_and_converges():
    images, _ = digits(512)
    model = _model(BEGAN, k_learning_rate=0.01)
    history = model.fit(dataset(images, batch_size=64), epochs=12, verbose=0)
    ks = history.history["k"]
    assert all(0.0 <= k <= 1.0 for k in ks) and float(model.k) > 0
    convergence = history.history["convergence"]
    assert convergence[-1] < 0.8 * convergence[0]
    assert set(history.history) == {"d_loss", "g_loss", "convergence", "k"}


@pytest.mark.slow
def test_began_resumes_exactly_with_its_k(tmp_path):
    images, _ = digits(96)
    resumed = assert_resumes_exactly(lambda **kw: _model(BEGAN, k_learning_rate=0.05, **kw),
                                     dataset(images), tmp_path)
    assert float(resumed.k) > 0  # k moved, and (being a weight) was compared above


def test_hybrid_presets_build_from_the_registry():
    info = data.dataset_info("digits")
    for name, cls in [("vae-gan", VAEGAN), ("began", BEGAN)]:
        model = create_model(name, info, {"latent_dim": 4, "filters": (8,)})
        assert type(model) is cls and model.network == "conv"


@pytest.mark.parametrize("cls, kwargs, name", [
    (BEGAN, {"num_classes": 10}, "num_classes"),
    (BEGAN, {"loss": "hinge"}, "loss"),
    (BEGAN, {"gradient_penalty": 10.0}, "gradient_penalty"),
    (BEGAN, {"diversity_ratio": 1.5}, "diversity_ratio"),
    (BEGAN, {"k_learning_rate": -1.0}, "k_learning_rate"),
    (BEGAN, {"code_dim": 0}, "code_dim"),
    (VAEGAN, {"feature_weight": -1.0}, "feature_weight"),
    (VAEGAN, {"kl_weight": float("nan")}, "kl_weight"),
])
def test_bad_constructor_arguments(cls, kwargs, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        cls(**tiny_kwargs(cls, **kwargs))


def test_vaegan_bad_images_name_the_argument():
    model = _model(VAEGAN)
    with pytest.raises(ValueError, match="`images`"):
        model.encode(np.zeros([2, 9, 8, 1]))
    with pytest.raises(ValueError, match="`images`"):
        model.reconstruct(np.full([2, 8, 8, 1], np.nan))
