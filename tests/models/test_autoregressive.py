"""PixelCNN and PixelCNN++: causality by gradients (from the first call), likelihoods that sum
to one over every image, cached sampling equal to naive sampling, completion, training,
save/load/resume and bad input."""

import itertools

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgen.models import PixelCNN, PixelCNNPlusPlus
from tests.helpers import (
    coarse_maps,
    dataset,
    digits,
    output_dependence,
    run_model_saving_test,
)


def _pixelcnn(**kwargs):
    kwargs = {"image_shape": (8, 8, 1), "num_levels": 17, "filters": 12, "num_layers": 2,
              "first_kernel_size": 5, **kwargs}
    return PixelCNN(**kwargs)


def _pixelcnn_pp(**kwargs):
    kwargs = {"image_shape": (8, 8, 1), "num_levels": 17, "filters": 8, "num_resnet": 1,
              "num_hierarchies": 1, "num_mixtures": 2, "dropout": 0.0, **kwargs}
    return PixelCNNPlusPlus(**kwargs)


def _later(position, width):
    """Boolean [H*W] over pixels: True at and after `position` in raster order."""
    return np.arange(64).reshape(8, 8) >= position[0] * width + position[1]


@pytest.mark.parametrize("make", [_pixelcnn, lambda **k: _pixelcnn(num_classes=10, **k),
                                  lambda **k: _pixelcnn(likelihood="bernoulli", **k)],
                         ids=["plain", "class-conditional", "bernoulli"])
def test_pixelcnn_is_causal_from_the_first_call(make):
    model = make()
    labels = [3] if model.is_conditional else None
    dependence = output_dependence(model, labels=labels)[..., 0]
    for i, j in itertools.product(range(8), range(8)):
        grad = dependence[i, j]
        assert np.all(grad[_later((i, j), 8)] == 0.0), (i, j)
        for earlier in [(i, j - 1), (i - 1, j), (i - 1, j + 1)]:  # immediate neighbours before
            if 0 <= earlier[0] < 8 and 0 <= earlier[1] < 8:
                assert grad[earlier] > 0, ((i, j), earlier)


def test_pixelcnn_masks_the_channels_of_a_pixel():
    """RGB: channel c's logits see channels < c of the own pixel, never c or later."""
    model = _pixelcnn(image_shape=(8, 8, 3), num_levels=4, filters=24)
    levels = model.num_levels
    for c in range(3):
        dependence = output_dependence(model, slice(c * levels, (c + 1) * levels))
        for i, j in itertools.product(range(8), range(8)):
            own = dependence[i, j, i, j]
            assert np.all(own[c:] == 0.0) and np.all(own[:c] > 0), ((i, j), c, own)
            later = _later((i, j), 8).copy()
            later[i, j] = False
            assert np.all(dependence[i, j][later] == 0.0), ((i, j), c)


@pytest.mark.parametrize("kwargs", [{"num_hierarchies": 2}, {"num_classes": 10}, {"image_shape": (8, 8, 3),
                                                             "num_levels": 256},
                                    {"num_hierarchies": 3, "num_resnet": 2},
                                    {"num_hierarchies": 4, "num_resnet": 1},
                                    {"condition_shape": (8, 8, 2)}],
                         ids=["gray", "class-conditional", "rgb", "deeper", "deepest",
                              "map-conditional"])
def test_pixelcnn_pp_is_causal_and_sees_the_past_at_every_pixel(kwargs):
    """Every output position, so that each offset of the stride-2 down and up paths (even
    and odd rows and columns, image borders) is covered."""
    model = _pixelcnn_pp(**kwargs)
    labels = None
    if model.num_classes:
        labels = [3]
    elif model.condition_shape:
        labels = np.random.default_rng(0).normal(size=[1, 8, 8, 2]).astype(np.float32)
    dependence = output_dependence(model, labels=labels).sum(-1)
    for i, j in itertools.product(range(8), range(8)):
        grad = dependence[i, j]
        later = _later((i, j), 8)
        assert np.all(grad[later] == 0.0), (i, j)  # own pixel (all channels), all after
        for earlier in [(i, j - 1), (i - 1, j - 1), (i - 1, j), (i - 1, j + 1)]:
            if 0 <= earlier[0] < 8 and 0 <= earlier[1] < 8:
                assert grad[earlier] > 0, ((i, j), earlier)
        if model.num_hierarchies >= 3 and model.num_resnet >= 2:  # sees all rows above
            assert np.all(grad[:i] > 0.0), (i, j)


def _all_images(shape, levels):
    size = int(np.prod(shape))
    values = np.array(list(itertools.product(range(levels), repeat=size)), np.int32)
    return values.reshape(-1, *shape)


@pytest.mark.parametrize("make, shape, levels", [
    (lambda s, L: _pixelcnn(image_shape=s, num_levels=L, first_kernel_size=3), (2, 2, 1), 4),
    (lambda s, L: _pixelcnn(image_shape=s, num_levels=L, first_kernel_size=3, filters=6),
     (2, 2, 3), 2),
    (lambda s, L: _pixelcnn(image_shape=s, num_levels=L, first_kernel_size=3,
                            likelihood="bernoulli"), (3, 3, 1), 2),
    (lambda s, L: _pixelcnn_pp(image_shape=s, num_levels=L), (2, 2, 1), 4),
    (lambda s, L: _pixelcnn_pp(image_shape=s, num_levels=L), (2, 2, 3), 2),
    (lambda s, L: _pixelcnn_pp(image_shape=s, num_levels=L, likelihood="categorical"),
     (2, 2, 1), 3),
    # 2x4 with two resolutions: the stride-2 down and up paths meet odd columns.
    (lambda s, L: _pixelcnn_pp(image_shape=s, num_levels=L, num_resnet=2), (2, 4, 1), 2),
], ids=["pixelcnn", "pixelcnn-rgb", "pixelcnn-bernoulli", "pp", "pp-rgb", "pp-categorical",
        "pp-two-resolutions"])
def test_likelihood_sums_to_one_over_every_image(make, shape, levels):
    model = make(shape, levels)
    # Random, not just initial, weights: scale them up so the distribution is far from flat.
    model.set_weights([w * 3.0 for w in model.get_weights()])
    images = _all_images(shape, levels)
    total = tf.reduce_logsumexp(model._log_prob(tf.constant(images, tf.float32)))
    assert float(total) == pytest.approx(0.0, abs=2e-4)


@pytest.mark.parametrize("make", [
    _pixelcnn,
    lambda: _pixelcnn(image_shape=(8, 8, 3), num_levels=5),
    lambda: _pixelcnn(likelihood="bernoulli"),
    lambda: _pixelcnn(num_classes=10),
    _pixelcnn_pp,
    pytest.param(lambda: _pixelcnn_pp(num_hierarchies=3, num_resnet=2), marks=pytest.mark.slow),
    lambda: _pixelcnn_pp(num_hierarchies=1),
    lambda: _pixelcnn_pp(num_classes=10),
    pytest.param(lambda: _pixelcnn_pp(condition_shape=(8, 8, 1), num_hierarchies=3),
                 marks=pytest.mark.slow),
    lambda: _pixelcnn_pp(image_shape=(8, 8, 3), num_levels=256),
    lambda: _pixelcnn_pp(likelihood="categorical", image_shape=(4, 8, 1)),
], ids=["gray", "rgb", "bernoulli", "conditional", "pp", "pp-3-resolutions",
        "pp-1-resolution", "pp-conditional", "pp-map-conditional", "pp-rgb",
        "pp-categorical-4x8"])
def test_cached_sampling_equals_naive_sampling(make):
    model = make()
    rng = np.random.default_rng(0)  # perturbed weights: far from the flat initial output
    model.set_weights([w + rng.normal(0.0, 0.3, w.shape) for w in model.get_weights()])
    labels = tf.constant([1, 2, 3]) if model.num_classes else None
    if model.condition_shape:
        labels = tf.constant(coarse_maps(digits(3)[0]))
    uniforms = model._uniforms(3, 5)
    naive = model._draw(uniforms, labels, cached=False).numpy()
    cached = model._draw(uniforms, labels, cached=True).numpy()
    np.testing.assert_array_equal(cached, naive)
    assert np.all(np.isfinite(naive)) and len(np.unique(naive)) > 1  # not degenerate


def test_pixelcnn_pp_cached_step_equals_the_full_network_at_every_pixel():
    """The stepper's parameters at (i, j) equal the network's on the finished image, at
    every position (both stride-2 offsets of every resolution), for a class condition."""
    model = _randomized(_pixelcnn_pp(num_hierarchies=3, num_resnet=2, num_classes=10), 0.2)
    x = tf.random.stateless_uniform([2, 8, 8, 1], [3, 4], -1.0, 1.0)
    condition = model.condition_of([4, 7])
    full = model.network(x, condition).numpy()
    stepper = model.cached_stepper(condition)
    state = stepper.init_state(2)
    for i, j in itertools.product(range(8), range(8)):
        params, state = stepper.params_at(state, tf.constant(i), tf.constant(j))
        np.testing.assert_allclose(params.numpy(), full[:, i, j], rtol=1e-4, atol=1e-4,
                                   err_msg=str((i, j)))
        state = stepper.write(state, i, j, x[:, i, j])


def _randomized(model, scale=0.3):
    """Random weights and biases (initial biases are zero, which ties the first logits)."""
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(size=w.shape) * scale for w in model.get_weights()])
    return model


def test_samples_are_levels_in_range_and_follow_seed_and_temperature():
    model = _randomized(_pixelcnn())
    a, b = model.sample(4, seed=1), model.sample(4, seed=1)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, model.sample(4, seed=2))
    a = a.numpy()
    assert a.shape == (4, 8, 8, 1) and a.min() >= 0 and a.max() <= 16
    assert np.array_equal(a, np.round(a))
    # Near zero temperature every seed gives the same (greedy) image.
    np.testing.assert_array_equal(model.sample(2, seed=1, temperature=1e-4),
                                  model.sample(2, seed=9, temperature=1e-4))
    pp = _pixelcnn_pp()
    drawn = pp.sample(3, seed=0).numpy()
    assert drawn.min() >= 0 and drawn.max() <= 16 and np.array_equal(drawn, np.round(drawn))


@pytest.mark.parametrize("make", [_pixelcnn, _pixelcnn_pp,
                                  lambda: _pixelcnn(image_shape=(8, 8, 3), num_levels=5)],
                         ids=["pixelcnn", "pixelcnn++", "pixelcnn-rgb"])
def test_completion_never_changes_known_pixels(make):
    model = make()
    channels = model.image_shape[-1]
    rng = np.random.default_rng(0)
    images = rng.integers(0, model.num_levels, size=(3, 8, 8, channels))
    completed = model.complete(images, known_rows=3, seed=0).numpy()
    np.testing.assert_array_equal(completed[:, :3], images[:, :3])
    assert not np.array_equal(completed[:, 3:], images[:, 3:])
    mask = rng.random((3, 8, 8)) < 0.5
    completed = model.complete(images, known_mask=mask, seed=1).numpy()
    np.testing.assert_array_equal(completed[mask], images[mask])
    everything = model.complete(images, known_mask=np.ones((8, 8), bool)).numpy()
    np.testing.assert_array_equal(everything, images)


def test_completion_refuses_part_of_a_pixel_where_the_head_draws_channels_together():
    """PixelCNN++'s mixture draws a pixel's channels jointly (G given the drawn R), so it
    cannot draw G and B given a known R: such a mask is refused; whole pixels still work, and
    channel-by-channel models (PixelCNN) take per-channel masks."""
    images = np.random.default_rng(0).integers(0, 5, size=(2, 8, 8, 3))
    red_only = np.zeros((2, 8, 8, 3), bool)
    red_only[:, :2, :, 0] = True
    with pytest.raises(ValueError, match="known_mask.*every channel of a pixel"):
        _pixelcnn_pp(image_shape=(8, 8, 3), num_levels=5).complete(images, known_mask=red_only)
    whole = np.broadcast_to(red_only[..., :1], red_only.shape)
    completed = _pixelcnn_pp(image_shape=(8, 8, 3), num_levels=5).complete(
        images, known_mask=whole, seed=0).numpy()
    np.testing.assert_array_equal(completed[whole], images[whole])
    completed = _pixelcnn(image_shape=(8, 8, 3), num_levels=5).complete(
        images, known_mask=red_only, seed=0).numpy()
    np.testing.assert_array_equal(completed[red_only], images[red_only])


def test_bernoulli_completion_keeps_the_given_pixels():
    model = _pixelcnn(likelihood="bernoulli")
    images, _ = digits(2)
    completed = model.complete(images, known_rows=4, seed=0).numpy()
    np.testing.assert_array_equal(completed[:, :4], images[:, :4])
    assert set(np.unique(completed[:, 4:])) <= {0.0, 16.0}


@pytest.mark.slow
@pytest.mark.parametrize("make", [_pixelcnn, lambda: _pixelcnn_pp(dropout=0.3)],
                         ids=["pixelcnn", "pixelcnn++"])
def test_training_reports_bits_per_dim_and_learns(make):
    images, _ = digits(512)
    test, _ = digits(128, split="test")
    model = make()
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    before = float(np.mean(model.bits_per_dim(test)))
    history = model.fit(dataset(images, batch_size=64), validation_data=dataset(test),
                        epochs=4, verbose=0)
    for key in ("bits_per_dim", "val_bits_per_dim", "loss", "val_loss"):
        assert key in history.history
    after = float(np.mean(model.bits_per_dim(test)))
    assert after < before - 0.5
    assert history.history["val_bits_per_dim"][-1] == pytest.approx(after, rel=1e-3)
    nll_map = model.nll_map(test[:2])
    assert nll_map.shape == (2, 8, 8)
    np.testing.assert_allclose(nll_map.sum(axis=(1, 2)), -model.log_prob(test[:2]), rtol=1e-4)


@pytest.mark.slow
@pytest.mark.parametrize("make", [_pixelcnn, lambda: _pixelcnn_pp(num_classes=10),
                                  lambda: _pixelcnn_pp(condition_shape=(8, 8, 1))],
                         ids=["pixelcnn", "pixelcnn++-conditional", "pixelcnn++-map"])
def test_save_load_continue(make, tmp_path):
    model = make()
    model.compile(optimizer="adam")
    images, labels = digits(64)
    labels = coarse_maps(images) if model.condition_shape else \
        labels if model.is_conditional else None
    model.fit(dataset(images, labels), epochs=1, verbose=0)
    run_model_saving_test(model, dataset(images, labels), images[:4],
                          labels[:4] if labels is not None else None, tmp_path=tmp_path)


@pytest.mark.parametrize("call, name", [
    (lambda m: m.log_prob(np.zeros([2, 9, 8, 1])), "images"),
    (lambda m: m.log_prob(np.full([2, 8, 8, 1], 17)), "images"),
    (lambda m: m.log_prob(np.full([2, 8, 8, 1], 1.5)), "images"),
    (lambda m: m.log_prob(np.full([2, 8, 8, 1], np.nan)), "images"),
    (lambda m: m.sample(0), "num_samples"),
    (lambda m: m.sample(2, temperature=0.0), "temperature"),
    (lambda m: m.complete(np.zeros([2, 8, 8, 1])), "known_mask"),
    (lambda m: m.complete(np.zeros([2, 8, 8, 1]), known_rows=9), "known_rows"),
    (lambda m: m.complete(np.zeros([2, 8, 8, 1]), known_rows=-1), "known_rows"),
    (lambda m: m.complete(np.zeros([2, 8, 8, 1]), known_rows="3"), "known_rows"),
    (lambda m: m.complete(np.zeros([2, 8, 8, 1]), known_mask=np.ones([8, 8])), "known_mask"),
    (lambda m: m.complete(np.zeros([2, 8, 8, 1]), known_mask=np.ones([3, 8, 8], bool)),
     "known_mask"),
])
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        call(_pixelcnn())


@pytest.mark.parametrize("call", [
    lambda m, x: m.log_prob(x),                                     # maps missing
    lambda m, x: m.log_prob(x, np.zeros([2, 8, 8, 2])),             # wrong depth
    lambda m, x: m.log_prob(x, np.zeros([2, 4, 4, 1])),             # not aligned
    lambda m, x: m.log_prob(x, np.zeros([3, 8, 8, 1])),             # count
    lambda m, x: m.log_prob(x, np.full([2, 8, 8, 1], np.nan)),      # NaN
    lambda m, x: m.sample(2, labels=np.array(["a", "b"])),          # dtype
    lambda m, x: m.fit(x, np.zeros([2, 8, 8, 3]), verbose=0),       # fit data
], ids=["missing", "depth", "size", "count", "nan", "dtype", "fit"])
def test_bad_condition_maps_name_the_argument(call):
    model = _pixelcnn_pp(condition_shape=(8, 8, 1))
    model.compile(optimizer="adam")
    with pytest.raises(ValueError, match="labels"):
        call(model, np.zeros([2, 8, 8, 1]))


def test_map_conditioning_is_used_for_likelihood_and_sampling():
    """A super-resolution PixelCNN++: conditioned on each digit's 2x2 block means, the
    held-out likelihood with the right maps beats the same images with shuffled maps, and
    samples follow their maps (their own block means are closer to the given ones)."""
    images, _ = digits(1024)
    test, _ = digits(128, split="test")
    model = _pixelcnn_pp(condition_shape=(8, 8, 1), filters=16)
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    model.fit(dataset(images, coarse_maps(images), batch_size=64), epochs=6, verbose=0)
    maps = coarse_maps(test)
    shuffled = maps[np.random.default_rng(0).permutation(len(maps))]
    right = float(np.mean(model.bits_per_dim(test, maps)))
    wrong = float(np.mean(model.bits_per_dim(test, shuffled)))
    assert right < wrong - 0.3, (right, wrong)
    drawn = model.sample(32, seed=0, labels=maps[:32])
    error = np.mean((coarse_maps(drawn) - maps[:32]) ** 2)
    error_shuffled = np.mean((coarse_maps(drawn) - shuffled[:32]) ** 2)
    assert error < 0.5 * error_shuffled, (error, error_shuffled)


@pytest.mark.parametrize("make, name", [
    (lambda: _pixelcnn(first_kernel_size=4), "first_kernel_size"),
    (lambda: _pixelcnn(likelihood="logistic_mixture"), "likelihood"),
    (lambda: _pixelcnn(filters=2, image_shape=(8, 8, 3)), "filters"),
    (lambda: _pixelcnn_pp(num_hierarchies=5), "num_hierarchies"),
    (lambda: _pixelcnn_pp(dropout=1.0), "dropout"),
    (lambda: _pixelcnn_pp(likelihood="gaussian"), "likelihood"),
    (lambda: _pixelcnn_pp(num_mixtures=0), "num_mixtures"),
    (lambda: _pixelcnn_pp(condition_shape=(4, 4, 1)), "condition_shape"),
    (lambda: _pixelcnn_pp(condition_shape=(8, 8)), "condition_shape"),
    (lambda: _pixelcnn_pp(condition_shape=(8, 8, 1), num_classes=10), "condition_shape"),
])
def test_bad_constructor_arguments(make, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        make()
