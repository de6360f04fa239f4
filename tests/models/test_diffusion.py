"""The diffusion model beyond the conformance battery: its samplers against DDPM's ancestral
loop, the bound's terms, completion, guidance, the weight average and learned variances
(the process maths itself: `tests/models/test_diffusion_process.py`)."""

import numpy as np
import pytest
import tensorflow as tf

from kerasgen import data
from kerasgen.models import ConditionalDiffusionModel, DiffusionModel
from kerasgen.models.diffusion.model import SALT_BOUND
from kerasgen.models.diffusion.process import discretized_gaussian_log_likelihood
from kerasgen.utils.noise import fixed_seed

TINY = dict(image_shape=(8, 8, 1), num_levels=17, num_steps=12, schedule="cosine", filters=8,
            channel_multipliers=(1,), num_res_blocks=1, attention_levels=0, groups=4,
            dropout=0.0)


def _trained(cls=DiffusionModel, steps=30, **kwargs):
    images, labels = data.load_arrays("digits", "train", max_examples=256)
    model = cls(**{**TINY, **kwargs})
    model.compile_with_defaults(learning_rate=2e-3)
    y = labels if model.num_classes is not None else None
    model.fit(images, y, batch_size=64, epochs=max(1, steps // 4), verbose=0)
    return model, images, labels


@pytest.fixture(scope="module")
def trained():
    return _trained(ema_decay=0.5)


def _draws(shape, seed=0):
    """A fixed noise source ``draw(i, salt)`` (the sampler's contract)."""
    key = tf.constant([seed, 7])
    return lambda i, salt: tf.random.stateless_normal(
        shape, tf.random.experimental.stateless_fold_in(key, i * 4 + salt))


def test_eta_one_over_all_steps_is_ddpms_ancestral_sampler(trained):
    """DDPM: x_{t-1} = mean of q(x_{t-1} | x_t, x0_hat) + sqrt(beta~_t) z (no noise at t = 1),
    written out here from the schedule's posterior, against the model's sampler."""
    model = trained[0]
    schedule, shape = model.schedule, [3, 8, 8, 1]
    draw = _draws(shape)
    x = draw(-1, 0)
    for i, t in enumerate(range(schedule.num_steps - 1, -1, -1)):
        ts = tf.fill([3], t)
        eps, _ = model._predict(model.ema_network, x, ts)
        mean, log_variance, _ = schedule.p_mean_variance(x, ts, eps)
        z = draw(i, 35) if t > 0 else tf.zeros(shape)  # the sampler's salt
        x = mean + tf.exp(0.5 * log_variance) * z
    expected = model.to_levels(x)
    actual = model._reverse(draw(-1, 0), None, tf.constant(schedule.num_steps),
                            tf.constant(1.0), tf.constant(1.0), 1.0, draw)
    np.testing.assert_allclose(actual.numpy(), expected.numpy(), atol=1.0)
    assert np.mean(actual.numpy() == expected.numpy()) > 0.97  # float rounding at bin edges


def test_ddim_with_eta_zero_is_deterministic_and_takes_any_number_of_steps(trained):
    model = trained[0]
    a = model.sample(4, seed=1, steps=3, eta=0.0).numpy()
    b = model.sample(4, seed=1, steps=3, eta=0.0).numpy()
    np.testing.assert_array_equal(a, b)
    # eta = 0: the per-step noise is unused, so the temperature changes nothing.
    np.testing.assert_array_equal(
        model.sample(4, seed=1, steps=3, eta=0.0, temperature=0.3).numpy(), a)
    assert not np.array_equal(model.sample(4, seed=1, steps=5, eta=0.0).numpy(), a)
    assert a.min() >= 0 and a.max() <= 16 and np.all(a == np.round(a))


def test_every_term_of_the_bound_is_non_negative_and_the_prior_term_near_zero(trained):
    model, images, _ = trained
    key = fixed_seed(0, SALT_BOUND)  # the draws of log_prob(seed=0)
    terms = model._bound(tf.constant(images[:8], tf.float32), None, key).numpy()
    assert terms.shape == (8, model.schedule.num_steps + 1)
    assert np.all(terms >= -1e-4)
    assert np.all(terms[:, -1] < 1e-2 * model.num_dims)  # cosine, T = 12: a small prior KL
    nats = -model.log_prob(images[:8])
    np.testing.assert_allclose(nats, terms.sum(1), rtol=1e-5)


@pytest.mark.slow
def test_training_lowers_the_bound():
    images, _ = data.load_arrays("digits", "test", max_examples=32)
    untrained = DiffusionModel(**TINY)
    trained, _, _ = _trained(steps=40, ema_decay=0.0)
    before, after = untrained.bits_per_dim(images).mean(), trained.bits_per_dim(images).mean()
    assert after < before - 0.3, (before, after)


def test_completion_never_changes_the_known_pixels_and_conditions_on_them(trained):
    model, images, _ = trained
    mask = np.zeros([8, 8], bool)
    mask[:4] = True  # the top half known
    filled = model.complete(images[:5], mask, seed=3, steps=4).numpy()
    np.testing.assert_array_equal(filled[:, :4], images[:5, :4])
    assert not np.array_equal(filled[:, 4:], images[:5, 4:])
    assert filled.min() >= 0 and filled.max() <= 16
    # The reverse process itself ends on the known pixels (the replacement at every step,
    # the last one at t_prev = -1: x_0 exactly), and the unknown half depends on them.
    known = np.broadcast_to(mask[None, :, :, None], images[:5].shape)
    options = (tf.constant(4), tf.constant(0.0), tf.constant(1.0), tf.constant(1.0), None)
    raw = model._complete_graph(tf.constant(images[:5]), tf.constant(known), tf.constant(3),
                                *options).numpy()
    np.testing.assert_array_equal(raw[:, :4], images[:5, :4])
    other = model._complete_graph(tf.constant(images[5:10]), tf.constant(known),
                                  tf.constant(3), *options).numpy()
    assert not np.array_equal(raw[:, 4:], other[:, 4:])


def test_the_weight_average_follows_its_formula():
    """ema <- d ema + (1 - d) w after each step: after two steps from w0,
    ema = d^2 w0 + d (1 - d) w1 + (1 - d) w2."""
    images, _ = data.load_arrays("digits", "train", max_examples=32)
    model = DiffusionModel(**TINY, ema_decay=0.75)
    model.compile_with_defaults(learning_rate=1e-2)
    weights = lambda: [w.numpy() for w in model.network.weights]  # noqa: E731
    w0 = weights()
    model.fit(images[:16], batch_size=16, epochs=1, verbose=0)  # one step each
    w1 = weights()
    model.fit(images[:16], batch_size=16, epochs=1, verbose=0)
    w2 = weights()
    d = 0.75
    for average, a, b, c in zip(model.ema_network.weights, w0, w1, w2):
        np.testing.assert_allclose(average.numpy(), d * d * a + d * (1 - d) * b + (1 - d) * c,
                                   atol=1e-6)
    assert not all(np.allclose(a, c) for a, c in zip(w0, w2))


def test_guidance_mixes_the_conditional_and_unconditional_predictions():
    model = ConditionalDiffusionModel(**TINY, num_classes=3)
    rng = np.random.default_rng(0)  # random weights: the zero-initialized output predicts 0
    model.ema_network.set_weights([rng.normal(0, 0.2, w.shape).astype(np.float32)
                                   for w in model.ema_network.get_weights()])
    x = tf.random.stateless_normal([4, 8, 8, 1], [1, 2])
    t, labels = tf.fill([4], 5), tf.constant([0, 1, 2, 0])
    conditional, _ = model._predict(model.ema_network, x, t, labels)
    unconditional, _ = model._predict(model.ema_network, x, t, tf.fill([4], 3))
    assert not np.allclose(conditional.numpy(), unconditional.numpy())
    for scale in (0.0, 1.0, 2.5):
        guided, _ = model._guided(x, t, labels, tf.constant(scale))
        np.testing.assert_allclose(guided.numpy(), (unconditional + scale * (
            conditional - unconditional)).numpy(), atol=1e-5)


def test_labels_are_dropped_with_the_label_dropout_rate():
    model = ConditionalDiffusionModel(**TINY, num_classes=3, label_dropout=0.3)
    seen = []
    original = model._predict

    def spy(network, xt, t, labels=None, training=False):
        seen.append(labels)
        return original(network, xt, t, labels, training)

    model._predict = spy
    images = np.zeros([2000, 8, 8, 1], np.float32)
    model.per_example_losses(images, np.zeros(2000, np.int32), tf.constant([3, 4]), False)
    dropped = np.mean(seen[0].numpy() == 3)
    assert 0.26 < dropped < 0.34, dropped


@pytest.mark.slow
def test_learned_variances_train_with_the_hybrid_loss():
    model, images, _ = _trained(steps=8, learn_variance=True)
    history = model.history.history
    assert {"loss", "mse", "vlb"} <= set(history)
    assert np.all(np.isfinite(history["vlb"]))
    bits = model.bits_per_dim(images[:4])
    assert np.all(np.isfinite(bits)) and np.all(bits > 0)
    # v = 1 gives beta' and v = -1 the posterior variance between the two steps.
    schedule, x = model.schedule, tf.zeros([1, 2, 2, 1])
    t, t_prev, eps = tf.constant([6]), tf.constant([5]), tf.zeros([1, 2, 2, 1])
    z = tf.ones([1, 2, 2, 1])
    mean = schedule.reverse_step(x, t, t_prev, eps, 1.0, tf.zeros_like(z), tf.ones_like(z))
    for v, variance in ((1.0, schedule.betas[6]), (-1.0, schedule.posterior_variance[6])):
        step = schedule.reverse_step(x, t, t_prev, eps, 1.0, z, tf.fill([1, 2, 2, 1], v))
        np.testing.assert_allclose((step - mean).numpy(), np.sqrt(variance), rtol=1e-4)


def test_the_bound_is_at_least_the_exact_negative_log_likelihood_of_one_pixel():
    """A one-pixel model with the closed-form optimal denoiser of a 5-level distribution,
    eps(x_t) = (x_t - sqrt(abar_t) E[x_0 | x_t]) / sqrt(1 - abar_t), is a chain of 1-D
    Gaussians: its exact p(level) comes from carrying the density of x_t down a fine grid,
    x_T ~ N(0, 1) to x_1, then the discretized decoder (the bound's own p(x_{t-1} | x_t),
    unclipped). The bound, averaged over many draws of its x_t, must lie above -log p(level)
    for every level, and the p(level) must sum to 1."""
    model = DiffusionModel(image_shape=(1, 1, 1), num_levels=5, num_steps=6, schedule="cosine",
                           filters=4, channel_multipliers=(1,), num_res_blocks=1, groups=2,
                           dropout=0.0)
    schedule = model.schedule
    values = tf.constant(np.arange(5) / 2 - 1, tf.float32)           # the levels in [-1, 1]
    log_p = tf.math.log(tf.constant([0.1, 0.2, 0.4, 0.2, 0.1]))
    abar_table = tf.constant(schedule.alphas_cumprod, tf.float32)

    def optimal(network, xt, t, labels=None, training=False):
        abar = tf.reshape(tf.gather(abar_table, t), [-1, 1, 1, 1, 1])
        logits = log_p - tf.square(xt[..., None] - tf.sqrt(abar) * values) / (2 * (1 - abar))
        x0 = tf.reduce_sum(tf.nn.softmax(logits) * values, -1)
        return (xt - tf.sqrt(abar[..., 0]) * x0) / tf.sqrt(1 - abar[..., 0]), None

    model._predict = optimal  # what the bound and the sampler call
    grid = np.linspace(-10, 10, 8001).astype(np.float32)
    dx = float(grid[1] - grid[0])
    x = tf.constant(grid.reshape(-1, 1, 1, 1))

    def transition(t):
        """mean [G] and std [G] of p(x_{t-1} | x_t = grid), as the bound has them."""
        ts = tf.fill([len(grid)], t)
        eps, _ = model._predict(None, x, ts)
        mean, log_variance, _ = schedule.p_mean_variance(x, ts, eps, clip_x0=False)
        return (mean.numpy().ravel().astype(np.float64),
                np.exp(0.5 * log_variance.numpy().ravel().astype(np.float64)))

    density = np.exp(-0.5 * grid.astype(np.float64) ** 2) / np.sqrt(2 * np.pi)   # x_T
    for t in range(schedule.num_steps - 1, 0, -1):                                # to x_1
        mean, std = transition(t)
        kernel = np.exp(-0.5 * ((grid[:, None] - mean[None]) / std[None]) ** 2) \
            / (np.sqrt(2 * np.pi) * std[None])
        density = kernel @ density * dx
    mean, std = transition(0)
    decoder = np.exp(discretized_gaussian_log_likelihood(
        tf.constant(np.repeat(values.numpy(), len(grid))[:, None]),
        tf.constant(np.tile(mean, 5)[:, None], tf.float32),
        tf.constant(np.tile(np.log(std), 5)[:, None], tf.float32), 5).numpy())
    exact = decoder.reshape(5, len(grid)) @ density * dx
    assert exact.sum() == pytest.approx(1.0, abs=2e-3)  # (grid error: 1.0e-3 measured)
    exact = exact / exact.sum()
    draws = 4000
    for level in range(5):
        bound = -model.log_prob(np.full([draws, 1, 1, 1], level, np.float32),
                                batch_size=draws)                   # draws of x_t each
        average, error = bound.mean(), bound.std() / np.sqrt(draws)
        assert average >= -np.log(exact[level]) - 3 * error - 1e-3, (
            level, average, -np.log(exact[level]))
