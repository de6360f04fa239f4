"""Diffusion maths (DDPM / improved DDPM / DDIM): each closed form against a direct computation."""

import json

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp
from scipy.special import logsumexp
from scipy.stats import norm

from kerasgen.models.diffusion.process import (
    SCHEDULES,
    NoiseSchedule,
    discretized_gaussian_log_likelihood,
    normal_kl,
    prior_kl,
)

SMALL = {kind: NoiseSchedule(kind, num_steps=50) for kind in SCHEDULES}
STEPS = np.array([0, 1, 7, 24, 48, 49], np.int32)  # indices, t = index + 1


def test_closed_form_forward_marginal_matches_iterated_kernel():
    x0 = 0.7
    for kind, schedule in SMALL.items():
        # Compose q(x_t | x_{t-1}) = N(sqrt(1 - beta_t) x_{t-1}, beta_t) step by step.
        mean, var, means, variances = x0, 0.0, [], []
        for beta in schedule.betas:
            mean, var = np.sqrt(1.0 - beta) * mean, (1.0 - beta) * var + beta
            means.append(mean)
            variances.append(var)
        means, variances = np.array(means)[STEPS], np.array(variances)[STEPS]
        got_mean, got_var, got_log_var = schedule.q_mean_variance(
            np.full([len(STEPS), 2, 3], x0, np.float32), STEPS)
        assert got_var.shape == (len(STEPS), 2, 3), kind
        np.testing.assert_allclose(got_mean[:, 0, 0], means, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(got_var[:, 1, 2], variances, rtol=1e-5)
        np.testing.assert_allclose(got_log_var[:, 0, 1], np.log(variances), rtol=1e-5, atol=1e-6)

        # q_sample with many noise draws has that mean and variance.
        n = 20000
        noise = np.random.default_rng(0).standard_normal([len(STEPS), n]).astype(np.float32)
        xt = schedule.q_sample(np.full([len(STEPS), n], x0, np.float32), STEPS, noise).numpy()
        se = np.sqrt(variances / n)
        assert np.all(np.abs(xt.mean(1) - means) < 4 * se), kind
        np.testing.assert_allclose(xt.var(1), variances, rtol=0.05)


@pytest.mark.parametrize("kind", SCHEDULES)
def test_posterior_matches_bayes_rule_on_a_grid(kind):
    schedule = SMALL[kind]
    x0, xt = 0.6, -0.3
    grid = np.linspace(-5.0, 5.0, 400001)  # x_{t-1}
    for i in (1, 5, 30, 49):
        abar_prev, alpha, beta = schedule.alphas_cumprod[i - 1], schedule.alphas[i], \
            schedule.betas[i]
        log_joint = norm.logpdf(grid, np.sqrt(abar_prev) * x0, np.sqrt(1.0 - abar_prev)) \
            + norm.logpdf(xt, np.sqrt(alpha) * grid, np.sqrt(beta))
        weights = np.exp(log_joint - logsumexp(log_joint))
        mean = np.sum(weights * grid)
        var = np.sum(weights * (grid - mean) ** 2)
        got_mean, got_var, got_log_var = (a.numpy()[0, 0] for a in schedule.q_posterior(
            np.full([1, 1], x0, np.float32), np.full([1, 1], xt, np.float32), [i]))
        np.testing.assert_allclose(got_mean, mean, rtol=1e-3, atol=1e-5)
        np.testing.assert_allclose(got_var, var, rtol=1e-3)
        np.testing.assert_allclose(got_log_var, np.log(var), atol=1e-3)


def test_normal_kl_closed_form_and_monte_carlo():
    rng = np.random.default_rng(1)
    m1, m2 = rng.normal(size=[2, 200]).astype(np.float32)
    lv1, lv2 = rng.normal(scale=2.0, size=[2, 200]).astype(np.float32)
    kl = normal_kl(m1, lv1, m2, lv2).numpy()
    reference = tfp.distributions.Normal(m1, np.exp(0.5 * lv1)).kl_divergence(
        tfp.distributions.Normal(m2, np.exp(0.5 * lv2))).numpy()
    np.testing.assert_allclose(kl, reference, rtol=1e-5, atol=1e-6)
    assert np.all(kl >= 0)
    np.testing.assert_array_equal(normal_kl(m1, lv1, m1, lv1).numpy(), 0.0)
    # Nearly equal Gaussians: small and non-negative, no cancellation to a negative number.
    near = normal_kl(m1, lv1, m1, lv1 + 1e-4).numpy()
    np.testing.assert_allclose(near, 0.5 * (1e-4) ** 2 / 2, rtol=1e-2)

    # E_q[log q - log p] for one pair, estimated.
    z = rng.normal(m1[0], np.exp(0.5 * lv1[0]), size=200000)
    log_ratio = norm.logpdf(z, m1[0], np.exp(0.5 * lv1[0])) \
        - norm.logpdf(z, m2[0], np.exp(0.5 * lv2[0]))
    se = log_ratio.std() / np.sqrt(len(z))
    assert abs(log_ratio.mean() - kl[0]) < 4 * se + 1e-4


def test_prior_term_is_near_zero_for_full_schedules():
    x0 = np.linspace(-1.0, 1.0, 21, dtype=np.float32).reshape([21, 1])
    for kind in SCHEDULES:
        schedule = NoiseSchedule(kind)
        kl = prior_kl(schedule, x0).numpy()
        abar = schedule.alphas_cumprod[-1]
        closed = 0.5 * (abar * x0.astype(np.float64) ** 2 - abar - np.log1p(-abar))
        np.testing.assert_allclose(kl, closed, rtol=1e-3, atol=1e-9)
        assert np.all(kl >= 0) and kl.max() < 1e-4, (kind, kl.max())
    # A schedule that does not reach noise has a clear prior term.
    short = NoiseSchedule("linear", beta_start=1e-4, beta_end=1e-3)
    assert prior_kl(short, x0).numpy().max() > 0.1


def _all_levels(num_levels, means, log_scales):
    x = 2.0 * np.arange(num_levels, dtype=np.float32) / (num_levels - 1) - 1.0
    return discretized_gaussian_log_likelihood(
        x[None], np.float32(means)[:, None], np.float32(log_scales)[:, None], num_levels).numpy()


@pytest.mark.parametrize("num_levels", [256, 17])
def test_discretized_gaussian_is_a_distribution_over_levels(num_levels):
    means = [0.0, 0.31, -0.99, 1.0, 1.7, -3.0, 0.5, 0.02]
    log_scales = [0.0, -2.0, -12.0, -5.0, -1.0, 0.5, 1.0, -8.0]
    log_probs = _all_levels(num_levels, means, log_scales)
    assert np.all(np.isfinite(log_probs)) and np.all(log_probs <= 0)
    np.testing.assert_allclose(np.exp(log_probs).sum(1), 1.0, atol=1e-5)

    # Against float64 CDF differences where the probability is not clamped.
    x = 2.0 * np.arange(num_levels) / (num_levels - 1) - 1.0
    d = 1.0 / (num_levels - 1)
    upper = np.where(x > 1 - d, np.inf, x + d)
    lower = np.where(x < -1 + d, -np.inf, x - d)
    m, s = np.array(means)[:, None], np.exp(np.array(log_scales))[:, None]
    reference = np.log(np.maximum(norm.cdf((upper - m) / s) - norm.cdf((lower - m) / s), 1e-300))
    kept = reference > np.log(1e-10)
    np.testing.assert_allclose(log_probs[kept], reference[kept], atol=2e-3, rtol=1e-3)

    # A tiny scale centred on a level puts all the mass there.
    level = num_levels // 3
    centre = 2.0 * level / (num_levels - 1) - 1.0
    tiny = _all_levels(num_levels, [centre], [-10.0])[0]
    assert tiny[level] > -1e-6 and np.all(np.delete(tiny, level) <= np.log(1e-12) + 1e-3)


def test_discretized_gaussian_gradients_are_finite_at_the_edges():
    x = tf.constant([-1.0, 1.0, 0.0])
    mean, log_scale = tf.Variable([0.3, -0.2, 5.0]), tf.Variable([-1.0, 0.5, -3.0])
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(discretized_gaussian_log_likelihood(x, mean, log_scale, 256))
    for grad in tape.gradient(total, [mean, log_scale]):
        assert np.all(np.isfinite(grad.numpy()))


@pytest.mark.parametrize("kind", SCHEDULES)
def test_ddim_with_eta_one_is_ddpm_and_eta_zero_is_deterministic(kind):
    schedule = SMALL[kind]
    rng = np.random.default_rng(2)
    xt = rng.normal(size=[len(STEPS), 3]).astype(np.float32)
    eps = rng.normal(size=[len(STEPS), 3]).astype(np.float32)
    zeros, ones = np.zeros_like(xt), np.ones_like(xt)
    t, t_prev = STEPS, STEPS - 1
    step = lambda eta, noise: schedule.ddim_step(xt, t, t_prev, eps, eta, noise).numpy()  # noqa
    sigma = step(1.0, ones) - step(1.0, zeros)
    np.testing.assert_allclose(sigma ** 2, np.repeat(schedule.posterior_variance[STEPS, None],
                                                     3, 1), rtol=1e-4, atol=1e-9)
    mean, _, x0 = schedule.p_mean_variance(xt, t, eps)
    np.testing.assert_allclose(step(1.0, zeros), mean, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(step(0.0, ones), step(0.0, 5 * eps))
    np.testing.assert_allclose(schedule.ddim_step(xt, t, np.full_like(t, -1), eps, 0.7, ones),
                               x0, atol=1e-6)  # t' = -1: the predicted x_0


def test_timesteps():
    schedule = NoiseSchedule("linear", num_steps=1000)
    np.testing.assert_array_equal(schedule.timesteps(1000), np.arange(999, -1, -1))
    ten = schedule.timesteps(10)
    assert ten.dtype == np.int32 and len(ten) == 10 and ten[0] == 999 and ten[-1] == 0
    assert np.all(np.diff(ten) < 0)
    for n in (2, 3, 333, 999):
        steps = schedule.timesteps(n)
        assert len(steps) == n and steps[-1] == 0 and np.all(np.diff(steps) < 0)
    for bad in (0, 1001, 2.0):
        with pytest.raises(ValueError, match="num_sampling_steps"):
            schedule.timesteps(bad)


def test_schedules():
    linear, cosine = NoiseSchedule("linear"), NoiseSchedule("cosine")
    np.testing.assert_allclose(linear.betas, np.linspace(1e-4, 0.02, 1000))
    np.testing.assert_allclose(SMALL["linear"].betas, np.linspace(2e-3, 0.4, 50))
    assert np.all(np.diff(linear.betas) > 0) and 0 < linear.betas[0] and linear.betas[-1] < 1
    f = lambda u: np.cos((u + 0.008) / 1.008 * np.pi / 2) ** 2  # noqa: E731
    steps = np.arange(1, 1000)
    np.testing.assert_allclose(cosine.alphas_cumprod[:-2], (f(steps / 1000) / f(0))[:-1],
                               rtol=1e-6)
    assert np.all(np.diff(cosine.alphas_cumprod) < 0) and cosine.betas[-1] == 0.999
    assert cosine.alphas_cumprod[0] > 0.9999 and cosine.alphas_cumprod[-1] < 1e-6
    for s in (linear, cosine, *SMALL.values()):
        T = s.num_steps
        assert all(a.shape == (T,) and a.dtype == np.float64 for a in (
            s.betas, s.alphas, s.alphas_cumprod, s.alphas_cumprod_prev, s.posterior_variance,
            s.posterior_log_variance_clipped, s.posterior_mean_coef1, s.posterior_mean_coef2))
        assert s.alphas_cumprod_prev[0] == 1.0
        np.testing.assert_array_equal(s.alphas_cumprod_prev[1:], s.alphas_cumprod[:-1])
        np.testing.assert_allclose(s.alphas_cumprod, np.cumprod(1 - s.betas))
        np.testing.assert_allclose(s.posterior_variance[1:], s.betas[1:] * (
            1 - s.alphas_cumprod[:-1]) / (1 - s.alphas_cumprod[1:]))
        assert s.posterior_variance[0] == 0
        np.testing.assert_allclose(s.posterior_log_variance_clipped,
                                   np.log(np.append(s.posterior_variance[1],
                                                    s.posterior_variance[1:])))
        config = json.loads(json.dumps(s.get_config()))
        np.testing.assert_array_equal(NoiseSchedule(**config).betas, s.betas)
        assert NoiseSchedule(**config).kind == s.kind


@pytest.mark.parametrize("kwargs, name", [
    ({"kind": "quadratic"}, "kind"),
    ({"num_steps": 0}, "num_steps"),
    ({"num_steps": 2.5}, "num_steps"),
    ({"beta_start": 0.0}, "beta_start"),
    ({"beta_start": 0.03, "beta_end": 0.02}, "beta_start"),
    ({"beta_end": 1.5}, "beta_end"),
    ({"num_steps": 10}, "beta_end"),  # 0.02 * 1000 / 10 = 2
    ({"kind": "cosine", "cosine_offset": -0.1}, "cosine_offset"),
])
def test_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        NoiseSchedule(**kwargs)


@pytest.mark.parametrize("kind", SCHEDULES)
def test_predictions_invert_each_other_and_recover_x0(kind):
    schedule = SMALL[kind]
    rng = np.random.default_rng(3)
    x0 = rng.uniform(-1, 1, size=[len(STEPS), 4, 4, 2]).astype(np.float32)
    noise = rng.normal(size=x0.shape).astype(np.float32)
    xt = schedule.q_sample(x0, STEPS, noise)
    tol = 1e-5 / np.sqrt(schedule.alphas_cumprod[STEPS])[:, None, None, None]
    assert np.all(np.abs(schedule.predict_x0(xt, STEPS, noise) - x0) <= tol)
    eps = schedule.predict_eps(xt, STEPS, x0)
    np.testing.assert_allclose(eps, noise, atol=1e-4)
    np.testing.assert_allclose(schedule.predict_x0(xt, STEPS, eps), x0, atol=tol.max())


def test_reverse_mean_and_variances():
    schedule = SMALL["linear"]
    rng = np.random.default_rng(4)
    x0 = rng.uniform(-1, 1, size=[len(STEPS), 5]).astype(np.float32)
    noise = rng.normal(size=x0.shape).astype(np.float32)
    xt = schedule.q_sample(x0, STEPS, noise)
    mean, log_var, x0_hat = schedule.p_mean_variance(xt, STEPS, noise, clip_x0=False)
    true_mean, _, true_log_var = schedule.q_posterior(x0, xt, STEPS)
    np.testing.assert_allclose(mean, true_mean, atol=1e-4)
    np.testing.assert_allclose(log_var, true_log_var)
    np.testing.assert_allclose(log_var[:, 0], schedule.posterior_log_variance_clipped[STEPS],
                               rtol=1e-6)
    # Clipping: a prediction far outside [-1, 1] is clipped before the posterior mean.
    _, _, clipped = schedule.p_mean_variance(xt, STEPS, -100 * np.ones_like(noise))
    assert np.all(np.abs(clipped) <= 1)
    given = np.full(x0.shape, -3.0, np.float32)
    assert np.all(schedule.p_mean_variance(xt, STEPS, noise, log_variance=given)[1] == -3.0)

    v = np.array([-1.0, 0.0, 1.0, 0.5, -0.5, 1.0], np.float32)[:, None]
    got = schedule.learned_log_variance(STEPS, v).numpy()[:, 0]
    low, high = schedule.posterior_log_variance_clipped[STEPS], np.log(schedule.betas[STEPS])
    frac = (v[:, 0] + 1) / 2
    np.testing.assert_allclose(got, frac * high + (1 - frac) * low, rtol=1e-5)
    assert np.all(high >= low - 1e-12)  # beta_t >= beta~_t


def test_graph_safe_with_unknown_batch():
    schedule = SMALL["cosine"]
    image = tf.TensorSpec([None, 4, 4, 1], tf.float32)
    index = tf.TensorSpec([None], tf.int32)

    @tf.function(input_signature=[image, index, image])
    def step(x, t, eps):
        xt = schedule.q_sample(x, t, eps)
        return schedule.ddim_step(xt, t, t - 1, eps, 1.0, eps), prior_kl(schedule, x)

    x = tf.zeros([3, 4, 4, 1])
    out, kl = step(x, tf.constant([0, 10, 49]), tf.ones_like(x))
    assert out.shape == (3, 4, 4, 1) and kl.shape == (3, 4, 4, 1)
    assert np.all(np.isfinite(out.numpy()))
