"""The GAN family: losses against their formulas, gradient penalty against a direct computation,
d_steps, clipping, presets, two-optimizer save/load and exact resume, bad input."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgen import data
from kerasgen.models import GAN, ConditionalGAN
from kerasgen.models.registry import create_model
from kerasgen.training.adversarial_losses import ADVERSARIAL_LOSSES, gradient_penalty
from tests.helpers import assert_resumes_exactly, dataset, digits, tiny_kwargs

R = np.array([2.0, -1.0, 0.3, 0.0], np.float32)   # discriminator outputs on real images
F = np.array([-0.5, 1.5, 0.0, -3.0], np.float32)  # ... and on generated images


def _softplus(x):
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


EXPECTED = {  # (discriminator, generator) per example, written from the papers' formulas
    "minimax": (-np.log(_sigmoid(R)) - np.log(1 - _sigmoid(F)), np.log(1 - _sigmoid(F))),
    "non_saturating": (-np.log(_sigmoid(R)) - np.log(1 - _sigmoid(F)), -np.log(_sigmoid(F))),
    "least_squares": (0.5 * (R - 1) ** 2 + 0.5 * F**2, 0.5 * (F - 1) ** 2),
    "hinge": (np.maximum(0, 1 - R) + np.maximum(0, 1 + F), -F),
    "wasserstein": (F - R, -F),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_loss_matches_formula(name):
    d_fn, g_fn = ADVERSARIAL_LOSSES[name]
    expected_d, expected_g = EXPECTED[name]
    np.testing.assert_allclose(d_fn(tf.constant(R), tf.constant(F)).numpy(), expected_d,
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(g_fn(tf.constant(F)).numpy(), expected_g, rtol=1e-5, atol=1e-6)


def test_gradient_penalty_of_a_linear_critic_is_exact():
    w = tf.constant(np.random.default_rng(0).normal(size=[1, 4, 4, 1]), tf.float32)
    critic = lambda x: tf.reduce_sum(w * x, axis=[1, 2, 3])  # noqa: E731  grad = w everywhere
    real = tf.random.normal([5, 4, 4, 1])
    penalty = gradient_penalty(critic, real, tf.random.normal([5, 4, 4, 1]), seed=[1, 2])
    expected = (np.linalg.norm(w.numpy()) - 1.0) ** 2
    np.testing.assert_allclose(penalty.numpy(), np.full(5, expected), rtol=1e-5)


def test_gradient_penalty_equals_direct_computation():
    net = keras.Sequential([keras.Input((3, 3, 1)), keras.layers.Flatten(),
                            keras.layers.Dense(8, activation="tanh"), keras.layers.Dense(1)])
    critic = lambda x: tf.squeeze(net(x), -1)  # noqa: E731
    real, fake = tf.random.normal([4, 3, 3, 1]), tf.random.normal([4, 3, 3, 1])
    seed = tf.constant([3, 4])
    penalty = gradient_penalty(critic, real, fake, seed).numpy()
    mix = tf.random.stateless_uniform([4, 1, 1, 1], seed=seed)  # the same interpolation draw
    for i in range(4):
        point = tf.Variable(mix[i] * real[i] + (1 - mix[i]) * fake[i])
        with tf.GradientTape() as tape:
            score = critic(point[None])[0]
        norm = np.linalg.norm(tape.gradient(score, point).numpy())
        np.testing.assert_allclose(penalty[i], (norm - 1) ** 2, rtol=1e-4)


def _fit(model, n=128, labels=False, epochs=1):
    images, classes = digits(n)
    return model.fit(dataset(images, classes if labels else None), epochs=epochs, verbose=0)


def _gan(cls=GAN, **overrides):
    model = cls(**tiny_kwargs(cls, **overrides))
    model.compile_with_defaults()
    return model


@pytest.mark.parametrize("d_steps", [1, 3])
def test_d_steps_discriminator_updates_per_generator_update(d_steps):
    model = _gan(d_steps=d_steps)
    _fit(model)
    g_steps = int(model.optimizer.iterations)
    assert g_steps == 4 and int(model.d_optimizer.iterations) == d_steps * g_steps


def test_weight_clipping_bounds_every_discriminator_weight():
    model = _gan(loss="wasserstein", clip_value=0.01)
    _fit(model)
    for weight in model.discriminator.trainable_weights:
        assert np.max(np.abs(weight.numpy())) <= 0.01 + 1e-7
    assert any(np.max(np.abs(w.numpy())) > 0.0099 for w in model.discriminator.trainable_weights)


@pytest.mark.slow
@pytest.mark.parametrize("preset", ["gan", "dcgan", "wgan", "wgan-gp", "cgan"])
def test_presets_train_with_finite_losses(preset):
    info = data.dataset_info("digits")
    model = create_model(preset, info, {"latent_dim": 4, "hidden_units": (16,),
                                        "filters": (8, 16), "d_steps": 2})
    model.compile_with_defaults()
    history = _fit(model, labels=model.is_conditional)
    expected = {"d_loss", "g_loss"} | ({"gradient_penalty"} if preset == "wgan-gp" else set())
    assert set(history.history) == expected
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    samples = model.sample(5, seed=0, labels=[1, 2, 3, 4, 5] if model.is_conditional else None)
    assert samples.shape == (5, 8, 8, 1)
    assert 0 <= float(tf.reduce_min(samples)) and float(tf.reduce_max(samples)) <= 16


def test_two_optimizers_survive_save_and_load(tmp_path):
    model = _gan(d_steps=2)
    _fit(model)
    model.save(tmp_path / "gan.keras")
    loaded = keras.models.load_model(tmp_path / "gan.keras")
    assert type(loaded) is GAN and loaded.get_config() == model.get_config()
    for mine, theirs in [(model.optimizer, loaded.optimizer),
                         (model.d_optimizer, loaded.d_optimizer)]:
        assert int(theirs.iterations) == int(mine.iterations) > 0
        assert len(theirs.variables) == len(mine.variables)
        for a, b in zip(mine.variables, theirs.variables):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_allclose(loaded.sample(4, seed=3), model.sample(4, seed=3), atol=1e-6)
    np.testing.assert_allclose(loaded.discriminate(digits(4)[0]),
                               model.discriminate(digits(4)[0]), atol=1e-6)


@pytest.mark.slow
def test_resume_from_keras_file_is_exact(tmp_path):
    """Both optimizers, batch norm and the noise stream continue from a .keras file."""
    images, _ = digits(96)
    dcgan = {"network": "conv", "normalization": "batch"}
    assert_resumes_exactly(lambda **kw: _gan(**{**dcgan, **kw}), dataset(images), tmp_path)


def test_conditional_gan_uses_labels():
    model = _gan(ConditionalGAN)
    _fit(model, labels=True)
    noise = np.random.default_rng(0).standard_normal([4, 4]).astype(np.float32)
    a = model.generate(noise, labels=[0, 0, 0, 0])
    b = model.generate(noise, labels=[7, 7, 7, 7])
    assert float(tf.reduce_max(tf.abs(a - b))) > 1e-3
    scores = model.discriminate(digits(4)[0], labels=[0, 1, 2, 3])
    assert scores.shape == (4,) and np.all(np.isfinite(scores))
    other = model.discriminate(digits(4)[0], labels=[5, 6, 7, 8])
    assert np.max(np.abs(np.asarray(scores) - np.asarray(other))) > 1e-4


def test_truncation_narrows_the_noise():
    model = _gan()
    wide = model.sample(400, seed=0)
    narrow = model.sample(400, seed=0, truncation=0.1)
    assert float(tf.math.reduce_std(narrow, 0).numpy().mean()) < \
        float(tf.math.reduce_std(wide, 0).numpy().mean())


@pytest.mark.parametrize("call, name", [
    (lambda m: m.fit(np.zeros([8, 9, 9, 1]), verbose=0), "`x`"),
    (lambda m: m.fit(np.full([8, 8, 8, 1], np.nan), verbose=0), "`x`"),
    (lambda m: m.sample(0), "`num_samples`"),
    (lambda m: m.sample(2, truncation=-1.0), "`truncation`"),
    (lambda m: m.generate(np.zeros([2, 3])), "`noise`"),
    (lambda m: m.discriminate(np.zeros([2, 8, 8])), "`images`"),
    (lambda m: m.compile(optimizer="adam"), "`optimizer`"),
])
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call(_gan())


@pytest.mark.parametrize("call, name", [
    (lambda m: m.fit(digits(8)[0], np.full(8, 10), verbose=0), "labels"),
    (lambda m: m.fit(digits(8)[0], verbose=0), "labels"),
    (lambda m: m.sample(2, labels=[0, 12]), "`labels`"),
])
def test_conditional_bad_labels(call, name):
    with pytest.raises(ValueError, match=name):
        call(_gan(ConditionalGAN))


@pytest.mark.parametrize("kwargs, name", [
    ({"loss": "kl"}, "`loss`"), ({"d_steps": 0}, "`d_steps`"), ({"clip_value": -1.0},
                                                                 "`clip_value`"),
    ({"gradient_penalty": float("nan")}, "`gradient_penalty`"),
    ({"normalization": "group"}, "`normalization`"), ({"network": "rnn"}, "`network`"),
])
def test_bad_constructor_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        GAN(**tiny_kwargs(GAN, **kwargs))


def test_feature_and_statistics_matching_add_their_terms_to_the_generator_loss():
    real = tf.constant(np.asarray(digits(16)[0], np.float32) / 8.0 - 1.0)
    seed = tf.constant([5, 6])
    plain = _gan()
    weighted = _gan(feature_matching=2.0, statistics_matching=3.0)
    weighted.set_weights(plain.get_weights())
    base = plain.generator_losses(real, None, seed, training=False)["g_loss"].numpy()
    total = weighted.generator_losses(real, None, seed, training=False)["g_loss"].numpy()
    # The same noise -> the same fake batch; compute both terms directly in NumPy.
    fake = plain.generate_model_space(plain._noise(16, seed)).numpy()
    features = plain.discriminator_features
    fm = np.sum((features(real).numpy().mean(0) - features(fake).numpy().mean(0)) ** 2)
    r, f = real.numpy(), fake
    sm = np.mean((r.mean(0) - f.mean(0)) ** 2) + np.mean((r.std(0) - f.std(0)) ** 2)
    np.testing.assert_allclose(total - base, np.full(16, 2.0 * fm + 3.0 * sm), rtol=1e-4,
                               atol=1e-5)
    assert fm > 0 and sm > 0
    history = _fit(weighted)
    assert np.isfinite(history.history["g_loss"][-1])


@pytest.mark.parametrize("name", ["feature_matching", "statistics_matching"])
def test_matching_weights_are_checked(name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        GAN(**tiny_kwargs(GAN, **{name: -1.0}))


def test_projection_discriminator_scores_depend_on_the_label_by_an_inner_product():
    """D(x, y) = w.h + b + (V y).h: the label term is linear in the one-hot label, so the
    score difference between two labels is exactly (V[a] - V[b]).h(x)."""
    model = _gan(ConditionalGAN, label_conditioning="projection")
    assert model.discriminator.get_layer("label_projection") is not None
    images = digits(3)[0]
    a = model.discriminate(images, labels=[0, 0, 0])
    b = model.discriminate(images, labels=[5, 5, 5])
    hidden = model.discriminator_features([model.to_model_space(images),
                                           model.condition_of(np.zeros(3))]).numpy()
    projection = model.discriminator.get_layer("label_projection").kernel.numpy()
    np.testing.assert_allclose(a - b, hidden @ (projection[0] - projection[5]), atol=1e-4)
    assert np.max(np.abs(a - b)) > 1e-4


def test_projection_needs_a_one_output_network():
    from kerasgen.networks import build_encoder

    with pytest.raises(ValueError, match="`projection`"):
        build_encoder("dense", (8, 8, 1), 2, units=(8,), condition_dim=10, projection=True)
    with pytest.raises(ValueError, match="`label_conditioning`"):
        _gan(ConditionalGAN, label_conditioning="film")


def test_gradient_penalty_refuses_a_given_discriminator_with_batch_norm():
    """The penalty is per example; batch statistics would mix the examples' gradients (the
    built critic swaps batch norm for layer norm; a given one is refused)."""
    images = keras.Input((8, 8, 1))
    hidden = keras.layers.BatchNormalization()(keras.layers.Dense(4)(
        keras.layers.Flatten()(images)))
    critic = keras.Model(images, keras.layers.Dense(1)(hidden))
    with pytest.raises(ValueError, match="discriminator.*BatchNormalization"):
        GAN(image_shape=(8, 8, 1), num_levels=17, latent_dim=4, gradient_penalty=10.0,
            loss="wasserstein", discriminator=critic)
    GAN(image_shape=(8, 8, 1), num_levels=17, latent_dim=4, discriminator=critic)  # no penalty
