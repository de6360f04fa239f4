"""`transforms.binarize`: thresholding without a seed, seeded Bernoulli draws with one."""

import numpy as np
import pytest
import tensorflow as tf

from kerasgen.data import transforms

L = 17


def _levels():
    return np.arange(L, dtype=np.float32).reshape(1, L, 1, 1)


def test_threshold_at_one_half():
    binary = transforms.binarize(_levels(), L).numpy().ravel()
    # x / 16 >= 0.5  <=>  x >= 8
    np.testing.assert_array_equal(binary, (np.arange(L) >= 8).astype(np.float32))
    assert binary.dtype == np.float32


def test_seeded_draws_are_bernoulli_with_the_pixel_probability():
    images = np.tile(_levels(), (4000, 1, 1, 1))               # 4000 draws per level
    draws = transforms.binarize(images, L, seed=tf.constant([3, 4])).numpy()
    assert set(np.unique(draws)) <= {0.0, 1.0}
    means = draws.mean(axis=(0, 2, 3))
    probs = np.arange(L) / (L - 1)
    se = np.sqrt(probs * (1 - probs) / 4000)
    assert np.all(np.abs(means - probs) <= 4 * se + 1e-9), means - probs
    # Levels 0 and L-1 are certain.
    assert means[0] == 0.0 and means[-1] == 1.0


def test_same_seed_same_draw_other_seed_other_draw():
    images = np.full([64, 8, 8, 1], 8.0, np.float32)
    a = transforms.binarize(images, L, seed=tf.constant([1, 2])).numpy()
    b = transforms.binarize(images, L, seed=tf.constant([1, 2])).numpy()
    c = transforms.binarize(images, L, seed=tf.constant([1, 3])).numpy()
    np.testing.assert_array_equal(a, b)
    assert np.mean(a != c) > 0.3          # independent draws at p = 1/2 differ half the time


@pytest.mark.parametrize("seed", [None, [5, 6]])
def test_binary_images_are_unchanged(seed):
    rng = np.random.default_rng(0)
    images = (rng.uniform(size=[8, 8, 8, 1]) < 0.4).astype(np.float32) * (L - 1)
    seed = None if seed is None else tf.constant(seed)
    np.testing.assert_array_equal(transforms.binarize(images, L, seed=seed).numpy(),
                                  images / (L - 1))


def test_unit_conversions_round_trip():
    x = _levels()
    np.testing.assert_allclose(transforms.scale_to_unit(x, L).numpy(), x / 16)
    np.testing.assert_allclose(transforms.scale_to_symmetric(x, L).numpy(), x / 8 - 1)
    np.testing.assert_allclose(
        transforms.unit_to_levels(transforms.scale_to_unit(x, L), L).numpy(), x, atol=1e-5)
    np.testing.assert_allclose(transforms.unit_to_levels(np.array([-0.5, 1.5]), L).numpy(),
                               [0.0, 16.0])
