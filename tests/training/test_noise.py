"""Stateless training noise: seeds keyed on (seed, step, salt); per-example draws.

How replicas split the draws is tested in tests/test_distribute.py (own process).
"""

import numpy as np
import pytest
import tensorflow as tf

from kerasgen.utils.noise import (
    SALT_BINARIZE,
    SALT_CORRUPT,
    SALT_DROPOUT,
    SALT_LATENT,
    StatelessNoise,
    fixed_seed,
    normal,
    step_seed,
    uniform,
)


def _seed(*args, **kwargs):
    value = step_seed(*args, **kwargs)
    assert value.dtype == tf.int32 and value.shape == (2,)
    return tuple(value.numpy().tolist())


def test_step_seed_shape_dtype_and_determinism():
    assert _seed(3, tf.constant(10, tf.int64), 1) == _seed(3, tf.constant(10, tf.int64), 1)
    assert _seed(3, 10, 1) == _seed(3, tf.constant(10, tf.int64), 1)


def test_step_seed_differs_for_steps_salts_and_seeds():
    seeds = {_seed(seed, step, salt) for seed in (0, 1, 12345) for step in (0, 1, 2, 10**6)
             for salt in (0, SALT_LATENT, SALT_BINARIZE, SALT_CORRUPT, SALT_DROPOUT, 100)}
    assert len(seeds) == 3 * 4 * 6
    # The documented key: [seed * 1_000_003 + salt * 7_919, step].
    assert _seed(2, 5, 3) == (2 * 1_000_003 + 3 * 7_919, 5)


def test_step_seed_folds_large_values_into_int32():
    for seed, step in ((2**40, 2**40), (10**6, 2**31 + 5), (-7, 3)):
        value = step_seed(seed, tf.constant(step, tf.int64), 1).numpy()
        assert np.all(value >= 0) and np.all(value < 2**31 - 1)
    assert _seed(0, 2**31 - 1 + 4) == _seed(0, 4)


def test_stateless_draws_follow_the_seed():
    a = tf.random.stateless_normal([100], seed=step_seed(0, 7, SALT_LATENT))
    b = tf.random.stateless_normal([100], seed=step_seed(0, 7, SALT_LATENT))
    c = tf.random.stateless_normal([100], seed=step_seed(0, 8, SALT_LATENT))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_fixed_seed():
    assert tuple(fixed_seed(4, 1).numpy()) == (4 * 1_000_003 + 7_919, 0)
    assert tuple(fixed_seed(4).numpy()) != tuple(fixed_seed(5).numpy())


def test_per_example_draws_are_the_plain_stateless_draws_without_a_strategy():
    seed = step_seed(1, 2, SALT_LATENT)
    np.testing.assert_array_equal(uniform([5, 3], seed),
                                  tf.random.stateless_uniform([5, 3], seed=seed))
    np.testing.assert_array_equal(uniform([6], seed, 0, 10, tf.int32),
                                  tf.random.stateless_uniform([6], seed, 0, 10, tf.int32))
    np.testing.assert_array_equal(normal([4, 2], seed),
                                  tf.random.stateless_normal([4, 2], seed=seed))
    # A prefix of the batch gets the same noise as the longer batch's first rows, which is
    # what lets a replica keep its rows of the global draw.
    np.testing.assert_array_equal(normal([2, 2], seed), normal([4, 2], seed)[:2])


def test_chain_noise_differs_by_step_and_salt():
    chain = StatelessNoise(step_seed(0, 3))
    draws = [chain.uniform([8], step, salt).numpy() for step in (0, 1) for salt in (0, 1)]
    assert len({tuple(d) for d in draws}) == 4
    np.testing.assert_array_equal(chain.normal([8], 1, 0), chain.normal([8], 1, 0))
