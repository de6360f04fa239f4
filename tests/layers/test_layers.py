"""Causal layers: config round trips, masks and shifts checked by gradients, the one-position
computation used by cached sampling, conditions of the gated block, bad arguments."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgen.layers import (
    DownRightShiftedConv2D,
    DownRightShiftedConv2DTranspose,
    DownShiftedConv2D,
    DownShiftedConv2DTranspose,
    GatedResidual,
    MaskedConv2D,
)

LAYERS = [
    lambda: MaskedConv2D(6, 3, "A", image_channels=3),
    lambda: DownShiftedConv2D(4, (2, 3)),
    lambda: DownRightShiftedConv2D(4, (2, 2), strides=2),
    lambda: DownShiftedConv2DTranspose(4),
    lambda: DownRightShiftedConv2DTranspose(4),
    lambda: GatedResidual(3, "down_right", dropout=0.1, auxiliary=True, conditional=True),
]


@pytest.mark.parametrize("make", LAYERS, ids=lambda f: type(f()).__name__)
def test_config_round_trip_through_the_registry(make):
    layer = make()
    config = keras.layers.serialize(layer)
    clone = keras.layers.deserialize(config)
    assert type(clone) is type(layer) and clone.get_config() == layer.get_config()
    assert keras.saving.get_registered_object(f"kerasgen>{type(layer).__name__}") is type(layer)


def _dependence(layer, x, i, j):
    """|d out[0, i, j, :] / d x[0]| summed over features: [H, W]."""
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = tf.reduce_sum(layer(x)[0, i, j])
    return np.abs(tape.gradient(out, x)[0].numpy()).sum(-1)


def test_shifted_convolutions_see_only_rows_above_and_columns_left():
    x = np.random.default_rng(0).normal(size=[1, 6, 6, 2]).astype(np.float32)
    down = _dependence(DownShiftedConv2D(3, (2, 3)), x, 3, 3)
    expected = np.zeros([6, 6], bool)
    expected[2:4, 2:5] = True  # rows i-1..i, columns j-1..j+1
    np.testing.assert_array_equal(down > 0, expected)
    right = _dependence(DownRightShiftedConv2D(3, (2, 2)), x, 3, 3)
    expected = np.zeros([6, 6], bool)
    expected[2:4, 2:4] = True  # rows i-1..i, columns j-1..j
    np.testing.assert_array_equal(right > 0, expected)


def test_transposed_shifted_convolutions_double_the_size_and_stay_causal():
    x = np.random.default_rng(1).normal(size=[1, 3, 3, 2]).astype(np.float32)
    layer = DownRightShiftedConv2DTranspose(3)
    assert layer(x).shape == (1, 6, 6, 3)
    assert layer.compute_output_shape((None, 3, 3, 2)) == (None, 6, 6, 3)
    # Down-right: output (i, j) reads input (i // 2, j // 2) only, at every offset (a later
    # low-resolution column would have seen pixels after (i, j) at the finer resolution).
    for i, j in np.ndindex(6, 6):
        expected = np.zeros([3, 3], bool)
        expected[i // 2, j // 2] = True
        np.testing.assert_array_equal(_dependence(layer, x, i, j) > 0, expected, str((i, j)))
    # Down: row i // 2 only, columns around j / 2 (any column of the rows above is allowed).
    down = DownShiftedConv2DTranspose(3)
    assert down(x).shape == (1, 6, 6, 3)
    for i, j in np.ndindex(6, 6):
        rows = np.nonzero((_dependence(down, x, i, j) > 0).any(-1))[0]
        np.testing.assert_array_equal(rows, [i // 2], str((i, j)))


def test_masked_conv_call_at_equals_the_full_convolution():
    layer = MaskedConv2D(5, 3, "B", image_channels=1)
    x = np.random.default_rng(2).normal(size=[2, 6, 6, 4]).astype(np.float32)
    full = layer(x).numpy()
    padded = np.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]])
    for i, j in [(0, 0), (2, 3), (5, 5)]:
        at = layer.call_at(tf.constant(padded[:, i:i + 3, j:j + 3])).numpy()
        np.testing.assert_allclose(at, full[:, i, j], atol=1e-5)


@pytest.mark.parametrize("condition", [np.eye(4, dtype=np.float32)[[1, 2]],
                                       np.ones([2, 8, 8, 5], np.float32)],
                         ids=["class", "map"])
def test_gated_residual_takes_a_class_or_a_map_condition(condition):
    block = GatedResidual(3, "down", conditional=True)
    x = np.random.default_rng(3).normal(size=[2, 4, 4, 3]).astype(np.float32)
    out = block(x, condition=tf.constant(condition))
    assert out.shape == x.shape
    other = block(x, condition=tf.constant(condition * 0.0))
    assert np.max(np.abs(out - other)) > 1e-4  # the condition changes the output


def test_gated_residual_dropout_is_stateless_and_training_only():
    block = GatedResidual(3, "down", dropout=0.5)
    x = np.random.default_rng(4).normal(size=[2, 4, 4, 3]).astype(np.float32)
    seed = tf.constant([1, 2])
    a = block(x, training=True, seed=seed)
    np.testing.assert_array_equal(a, block(x, training=True, seed=seed))
    assert np.max(np.abs(a - block(x, training=True, seed=seed + 1))) > 1e-4
    np.testing.assert_array_equal(block(x, training=False, seed=seed), block(x))


@pytest.mark.parametrize("make, name", [
    (lambda: MaskedConv2D(4, 4), "kernel_size"),
    (lambda: MaskedConv2D(4, 3, "C"), "mask_type"),
    (lambda: MaskedConv2D(2, 3, image_channels=3), "filters"),
    (lambda: DownShiftedConv2D(4, (2, 2)), "kernel_size"),
    (lambda: GatedResidual(4, "up"), "direction"),
    (lambda: GatedResidual(4, dropout=1.0), "dropout"),
])
def test_bad_arguments_name_the_argument(make, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        make()


@pytest.mark.parametrize("kernel_size, dilation", [(1, 1), (2, 1), (2, 4), (3, 2)])
def test_causal_conv_queue_and_ring_steps_equal_the_full_convolution(kernel_size, dilation):
    """Output t from an ordinary queue (`call_at`) and from a ring buffer (`ring_call_at`)
    equals the whole-sequence convolution, and the ring read back as a queue equals the
    queue, at every step (the ring wraps several times over 20 steps)."""
    from kerasgen.layers.causal import CausalConv1D

    layer = CausalConv1D(5, kernel_size, dilation)
    x = tf.random.stateless_normal([2, 20, 3], seed=[1, 2])
    full = layer(x).numpy()
    queue = ring = tf.zeros([2, layer.history, 3])
    for t in range(20):
        np.testing.assert_allclose(layer.call_at(queue, x[:, t]), full[:, t], atol=1e-5)
        out, ring = layer.ring_call_at(ring, x[:, t], tf.constant(t))
        np.testing.assert_allclose(out, full[:, t], atol=1e-5)
        queue = tf.concat([queue, x[:, t:t + 1]], axis=1)[:, 1:]
        np.testing.assert_array_equal(layer.ring_to_queue(ring, tf.constant(t + 1)), queue)
