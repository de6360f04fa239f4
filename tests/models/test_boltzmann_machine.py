"""The general Boltzmann machine: the classic learning rule on fixed phases, an exact
likelihood that normalizes, learning a small distribution, Gibbs samples that follow p(v),
save/load with its chains, bad input."""

import itertools

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgen.models import BoltzmannMachine
from kerasgen.utils.noise import StatelessNoise
from kerasgen.utils.noise import step_seed

PATTERNS = np.array(list(itertools.product([0, 1], repeat=4)), np.float32)


def _random(hidden=2, visible=4, scale=1.0, seed=0, **kwargs):
    model = BoltzmannMachine(image_shape=(1, visible, 1), num_levels=2, hidden_units=hidden,
                             **kwargs)
    rng = np.random.default_rng(seed)
    for weight in model.trainable_weights:
        weight.assign(rng.normal(0, scale, weight.shape).astype(np.float32))
    return model


def test_one_sgd_step_is_the_classic_rule():
    """dU_ij = <s_i s_j>_clamped - <s_i s_j>_free (i < j), db = <s>_clamped - <s>_free."""
    model = _random(num_chains=6, gibbs_steps=2)
    model.compile(optimizer=keras.optimizers.SGD(1.0))
    images = PATTERNS[[3, 5, 12, 15, 0, 9]].reshape(-1, 1, 4, 1)
    seed = step_seed(model.seed, model.optimizer.iterations)
    fold = tf.random.experimental.stateless_fold_in
    clamped = model.positive_states(tf.constant(images), fold(seed, 0)).numpy()
    free = model.gibbs(model.chains, 2, 0, StatelessNoise(fold(seed, 1))).numpy()
    assert np.array_equal(clamped[:, :4], images.reshape(-1, 4))  # v stays clamped
    upper, bias = model.upper.numpy(), model.bias.numpy()
    model.train_step(tf.constant(images))
    expected = clamped.T @ clamped / len(clamped) - free.T @ free / len(free)
    mask = np.triu(np.ones_like(upper), 1)
    np.testing.assert_allclose((model.upper.numpy() - upper) * mask, expected * mask,
                               atol=1e-6)
    np.testing.assert_allclose(model.bias.numpy() - bias,
                               clamped.mean(0) - free.mean(0), atol=1e-6)
    np.testing.assert_array_equal(model.chains.numpy(), free)  # the chains persist
    assert np.abs(expected * mask).max() > 0.1


def test_exact_likelihood_sums_to_one_and_learning_raises_it():
    model = _random(hidden=2, scale=0.5)
    total = np.exp(model.log_prob(PATTERNS.reshape(-1, 1, 4, 1)).numpy().astype(np.float64))
    assert total.sum() == pytest.approx(1.0, abs=1e-5)
    # Two patterns only: a fitted machine puts most of its mass on them.
    data = PATTERNS[[3, 12]].repeat(32, 0).reshape(-1, 1, 4, 1)
    model = BoltzmannMachine(image_shape=(1, 4, 1), num_levels=2, hidden_units=2,
                             gibbs_steps=2, num_chains=64, seed=1)
    model.compile(optimizer=keras.optimizers.SGD(0.2))
    model.fit(data, batch_size=16, epochs=40, verbose=0)
    mass = np.exp(model.log_prob(PATTERNS[[3, 12]].reshape(-1, 1, 4, 1)).numpy()).sum()
    assert mass > 0.6, mass  # 2 / 16 = 0.125 for the untrained machine


def test_gibbs_samples_follow_the_exact_distribution():
    model = _random(hidden=2, scale=0.8, seed=3)
    exact = np.exp(model.log_prob(PATTERNS.reshape(-1, 1, 4, 1)).numpy())
    samples = model.sample(3000, gibbs_steps=30, seed=0).numpy().reshape(-1, 4)
    index = (samples @ np.array([8, 4, 2, 1])).astype(int)
    empirical = np.bincount(index, minlength=16) / len(index)
    assert 0.5 * np.abs(empirical - exact).sum() < 0.04, (empirical, exact)


def test_save_and_load_keep_weights_and_chains(tmp_path):
    model = BoltzmannMachine(image_shape=(1, 4, 1), num_levels=2, hidden_units=3,
                             num_chains=8)
    model.compile_with_defaults()
    model.fit(PATTERNS.reshape(-1, 1, 4, 1), batch_size=8, epochs=2, verbose=0)
    model.save(tmp_path / "bm.keras")
    loaded = keras.models.load_model(tmp_path / "bm.keras", safe_mode=True)
    np.testing.assert_array_equal(loaded.chains.numpy(), model.chains.numpy())
    np.testing.assert_array_equal(loaded.upper.numpy(), model.upper.numpy())
    np.testing.assert_array_equal(loaded.sample(4, gibbs_steps=3, seed=1),
                                  model.sample(4, gibbs_steps=3, seed=1))


@pytest.mark.parametrize("make, match", [
    (lambda: BoltzmannMachine(hidden_units=-1), "hidden_units"),
    (lambda: BoltzmannMachine(gibbs_steps=0), "gibbs_steps"),
    (lambda: BoltzmannMachine(num_classes=2), "num_classes"),
    (lambda: BoltzmannMachine(image_shape=(4, 4, 1), hidden_units=8).log_prob(
        np.zeros([1, 4, 4, 1])), "hidden_units"),
    (lambda: _random().log_prob(np.full([1, 1, 4, 1], 0.5)), "images"),
    (lambda: _random().log_prob(np.full([1, 1, 4, 1], np.nan)), "images"),
    (lambda: _random().sample(2, gibbs_steps=0), "gibbs_steps"),
])
def test_bad_input_names_the_argument(make, match):
    with pytest.raises(ValueError, match=f"`{match}`"):
        make()
