"""RBMs: the CD update against the textbook formula, free energy against its closed form,
log Z by enumeration against a brute-force sum, AIS against the exact value within its error
bar, persistent chains across batches and save/load, bad input."""

import itertools
import math

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasgen
from kerasgen.evaluation import ais_log_partition, exact_log_partition
from kerasgen.models import RBM, GaussianRBM
from kerasgen.utils.noise import step_seed


def _randomized(model, scale=1.0, seed=0):
    """Weights far from the zero-ish initialization, so every check below is non-trivial."""
    rng = np.random.default_rng(seed)
    for weight in model.trainable_weights:
        values = rng.normal(0.0, scale, weight.shape).astype(np.float32)
        if weight.name == "log_sigma":
            values = np.log(rng.uniform(0.5, 1.5, weight.shape)).astype(np.float32)
        weight.assign(values)
    return model


def _tiny(visible="bernoulli", shape=(2, 3, 1), hidden=4, scale=1.0, **kwargs):
    cls = RBM if visible == "bernoulli" else GaussianRBM
    return _randomized(cls(image_shape=shape, num_levels=2, hidden_units=hidden, **kwargs),
                       scale)


def _energy(v, h, model):
    kernel, b, c, sigma = (None if t is None else np.float64(t) for t in model.parameters())
    if sigma is None:
        return -(v @ b) - (h @ c) - np.einsum("...i,ij,...j->...", v, kernel, h)
    return np.sum((v - b) ** 2 / (2 * sigma**2), -1) - h @ c \
        - np.einsum("...i,ij,...j->...", v / sigma**2, kernel, h)


def test_free_energy_equals_minus_log_sum_over_hidden_states():
    model = _tiny()
    v = np.array(list(itertools.product([0.0, 1.0], repeat=6)))
    hidden = np.array(list(itertools.product([0.0, 1.0], repeat=4)))
    brute = -np.log(np.exp(-_energy(v[:, None], hidden[None], model)).sum(1))
    ours = model.free_energy(v.reshape(-1, 2, 3, 1)).numpy()
    np.testing.assert_allclose(ours, brute, rtol=1e-5, atol=1e-5)
    gaussian = _tiny("gaussian")
    v = np.random.default_rng(1).uniform(0, 1, (5, 6))
    brute = -np.log(np.exp(-_energy(v[:, None], hidden[None], gaussian)).sum(1))
    ours = gaussian.free_energy(v.reshape(-1, 2, 3, 1)).numpy()
    np.testing.assert_allclose(ours, brute, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("hidden", [3, 8], ids=["enumerate-hidden", "enumerate-visible"])
def test_exact_log_partition_equals_the_brute_force_sum(hidden):
    model = _tiny(hidden=hidden)
    v = np.array(list(itertools.product([0.0, 1.0], repeat=6)))
    h = np.array(list(itertools.product([0.0, 1.0], repeat=hidden)))
    brute = np.log(np.exp(-_energy(v[:, None], h[None], model)).sum())
    assert exact_log_partition(model) == pytest.approx(brute, abs=1e-9)
    # p(v) sums to one over every visible state.
    log_p = model.log_prob(v.reshape(-1, 2, 3, 1), exact_log_partition(model)).numpy()
    assert np.exp(log_p.astype(np.float64)).sum() == pytest.approx(1.0, abs=1e-5)


def test_gaussian_exact_log_partition_equals_numerical_integration():
    model = _tiny("gaussian", shape=(1, 2, 1), hidden=3)
    grid = np.linspace(-12, 12, 1201)
    v = np.stack(np.meshgrid(grid, grid, indexing="ij"), -1).reshape(-1, 2)
    f = model.free_energy_with(tf.constant(v, tf.float32), model.parameters()).numpy()
    integral = np.log(np.exp(-f.astype(np.float64)).sum() * (grid[1] - grid[0]) ** 2)
    assert exact_log_partition(model) == pytest.approx(integral, abs=1e-3)


@pytest.mark.parametrize("visible", ["bernoulli", "gaussian"])
def test_ais_agrees_with_the_exact_log_partition_within_its_error_bar(visible):
    # Gaussian units with strong weights (W / s^2) make a much harder target.
    model = _tiny(visible, shape=(3, 4, 1), hidden=6,
                  scale=1.0 if visible == "bernoulli" else 0.3)
    exact = exact_log_partition(model)
    data = np.random.default_rng(0).integers(0, 2, (20, 3, 4, 1))
    result = ais_log_partition(model, data=data, num_chains=200, num_betas=1000, seed=3)
    assert result.log_z_low <= exact <= result.log_z_high, (result, exact)
    assert result.log_z_high - result.log_z_low < 0.5  # a bar narrow enough to mean something


def test_cd1_update_equals_the_textbook_formula():
    """One SGD step (lr 1, no momentum) of train_step changes W, b, c by exactly
    E_data[v p(h|v)] - E_model[v~ p(h|v~)] (and the bias analogues) on the step's samples."""
    model = _tiny(shape=(2, 3, 1), hidden=4)
    model.compile(optimizer=keras.optimizers.SGD(1.0))
    images = np.random.default_rng(2).integers(0, 2, (8, 2, 3, 1)).astype(np.float32)
    v = images.reshape(8, 6)
    seed = step_seed(model.seed, model.optimizer.iterations)
    negatives = model.negative_states(tf.constant(v),
                                       tf.random.experimental.stateless_fold_in(seed, 1))
    kernel, b, c = (np.float64(t) for t in model.parameters()[:3])
    ph_data = 1 / (1 + np.exp(-(c + v @ kernel)))
    neg = np.float64(negatives)
    ph_model = 1 / (1 + np.exp(-(c + neg @ kernel)))
    model.train_step(tf.constant(images))
    np.testing.assert_allclose(model.kernel.numpy() - kernel,
                               v.T @ ph_data / 8 - neg.T @ ph_model / len(neg), atol=1e-5)
    np.testing.assert_allclose(model.visible_bias.numpy() - b,
                               v.mean(0) - neg.mean(0), atol=1e-5)
    np.testing.assert_allclose(model.hidden_bias.numpy() - c,
                               ph_data.mean(0) - ph_model.mean(0), atol=1e-5)
    assert np.any(np.abs(v.T @ ph_data / 8 - neg.T @ ph_model / len(neg)) > 1e-2)


def test_persistent_chains_move_across_batches_and_survive_save_and_load(tmp_path):
    images, _ = kerasgen.data.load_arrays("digits", max_examples=60)
    model = RBM(image_shape=(8, 8, 1), num_levels=17, hidden_units=8, persistent=True,
                num_chains=10, cd_steps=2)
    model.compile_with_defaults()
    start = model.chains.numpy().copy()
    model.fit(images, batch_size=20, epochs=1, verbose=0, shuffle=False)
    after_one = model.chains.numpy().copy()
    assert not np.array_equal(start, after_one)
    assert set(np.unique(after_one)) <= {0.0, 1.0}  # sampled states, not means
    path = tmp_path / "rbm.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(loaded.chains.numpy(), after_one)
    assert loaded.get_config() == model.get_config()
    # Resumed training continues from the saved chains, exactly as the original does.
    loaded.fit(images, batch_size=20, epochs=1, verbose=0, shuffle=False)
    model.fit(images, batch_size=20, epochs=1, verbose=0, shuffle=False)
    np.testing.assert_array_equal(loaded.chains.numpy(), model.chains.numpy())
    np.testing.assert_allclose(loaded.kernel.numpy(), model.kernel.numpy(), atol=1e-6)


@pytest.mark.parametrize("persistent", [False, True], ids=["cd1", "pcd"])
def test_gaussian_rbm_learns_the_standard_deviation_of_each_pixel(persistent):
    """Independent Gaussian pixels N(mu_i, s_i^2): the maximum-likelihood Gaussian RBM has
    W h constant and sigma_i = s_i. The learned sigma must reach s from its start at 0.5 (a
    CD negative taken as the mean b + W h instead of a draw drops s_i^2 from the model's
    E[(v_i - b_i)^2], and sigma then grows without end: 0.64 instead of 0.05 here)."""
    rng = np.random.default_rng(0)
    mean, spread = np.array([0.3, 0.5, 0.6, 0.7]), np.array([0.05, 0.1, 0.15, 0.1])
    units = mean + spread * rng.standard_normal((2000, 4))
    images = np.clip(np.round(255 * units), 0, 255).reshape(-1, 2, 2, 1).astype(np.float32)
    rbm = GaussianRBM(image_shape=(2, 2, 1), num_levels=256, hidden_units=2,
                      persistent=persistent, num_chains=100, seed=0)
    rbm.compile(optimizer=keras.optimizers.Adam(0.01))
    rbm.fit(images, batch_size=100, epochs=20, verbose=0)
    data_spread = (images.reshape(-1, 4) / 255).std(axis=0)
    np.testing.assert_allclose(np.exp(rbm.log_sigma.numpy()), data_spread, rtol=0.1)


def test_training_on_digits_lowers_the_reconstruction_error_and_raises_pseudo_likelihood():
    images, _ = kerasgen.data.load_arrays("digits", max_examples=400)
    model = RBM(image_shape=(8, 8, 1), num_levels=17, hidden_units=32, seed=1)
    model.compile_with_defaults(0.1)
    before = (float(tf.reduce_mean(model.reconstruction_error(images))),
              float(tf.reduce_mean(model.pseudo_log_likelihood(images))))
    history = model.fit(images, batch_size=20, epochs=5, verbose=0)
    after = (float(tf.reduce_mean(model.reconstruction_error(images))),
             float(tf.reduce_mean(model.pseudo_log_likelihood(images))))
    assert after[0] < 0.6 * before[0], (before, after)
    assert after[1] > before[1] + 5.0, (before, after)
    assert history.history["reconstruction_error"][-1] < history.history[
        "reconstruction_error"][0]


def test_sampling_shapes_ranges_and_seeds():
    model = _tiny()
    a = model.sample(3, gibbs_steps=5, seed=4).numpy()
    assert a.shape == (3, 2, 3, 1) and a.min() >= 0 and a.max() <= 1
    np.testing.assert_array_equal(a, model.sample(3, gibbs_steps=5, seed=4).numpy())
    assert not np.array_equal(a, model.sample(3, gibbs_steps=5, seed=5).numpy())
    hot = model.sample(3, gibbs_steps=5, seed=4, temperature=50.0).numpy()
    assert np.abs(hot - 0.5).max() < 0.2  # a hot chain's means approach 1/2
    gaussian = _tiny("gaussian").sample(2, gibbs_steps=3, seed=0)
    assert gaussian.shape == (2, 2, 3, 1)


def test_gibbs_samples_follow_the_exact_distribution():
    """Long chains from a tiny RBM visit visible states with the exact p(v) (total variation
    distance small): the sampler is correct, not only shaped right."""
    model = _randomized(RBM(image_shape=(1, 3, 1), num_levels=2, hidden_units=2), 0.8)
    states = np.array(list(itertools.product([0.0, 1.0], repeat=3)))
    exact = np.exp(model.log_prob(states.reshape(-1, 1, 3, 1),
                                  exact_log_partition(model)).numpy())
    v, _ = model.gibbs_with(tf.zeros([4000, 3]), 30, model.parameters(),
                            kerasgen.utils.noise.StatelessNoise(tf.constant([1, 2])),
                            mean_last=False)
    index = (v.numpy() @ np.array([4, 2, 1])).astype(int)
    empirical = np.bincount(index, minlength=8) / len(index)
    assert 0.5 * np.abs(empirical - exact).sum() < 0.03, (empirical, exact)


@pytest.mark.parametrize("make, match", [
    (lambda: RBM(hidden_units=0), "hidden_units"),
    (lambda: RBM(visible="poisson"), "visible"),
    (lambda: RBM(cd_steps=0), "cd_steps"),
    (lambda: RBM(persistent="yes"), "persistent"),
    (lambda: RBM(num_classes=10), "num_classes"),
    (lambda: _tiny().free_energy(np.full([2, 2, 3, 1], 1.5)), "images"),
    (lambda: _tiny().free_energy(np.full([2, 2, 3, 1], np.nan)), "images"),
    (lambda: _tiny().transform(np.zeros([2, 6])), "images"),
    (lambda: _tiny().sample(0), "num_samples"),
    (lambda: _tiny().log_prob(np.full([1, 2, 3, 1], 0.5), 1.0), "images"),
    (lambda: _tiny().sample(2, gibbs_steps=0), "gibbs_steps"),
    (lambda: _tiny("gaussian").pseudo_log_likelihood(np.zeros([1, 2, 3, 1])), "visible"),
    (lambda: exact_log_partition(RBM(image_shape=(5, 5, 1), hidden_units=21)), "rbm"),
    (lambda: ais_log_partition(_tiny(), betas=[0.0, 0.5]), "betas"),
])
def test_bad_input_names_the_argument(make, match):
    with pytest.raises(ValueError, match=f"`{match}`"):
        make()


def test_log_partition_of_the_zero_model_is_known():
    """W = 0, b = c = 0: Z = 2^(D + H) exactly, and AIS has zero variance."""
    model = RBM(image_shape=(2, 2, 1), num_levels=2, hidden_units=3)
    for weight in model.trainable_weights:
        weight.assign(tf.zeros_like(weight))
    assert exact_log_partition(model) == pytest.approx(7 * math.log(2))
    assert ais_log_partition(model, num_betas=10).log_z == pytest.approx(7 * math.log(2),
                                                                         abs=1e-5)
