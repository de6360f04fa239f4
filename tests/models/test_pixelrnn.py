"""PixelRNN (Row LSTM and Diagonal BiLSTM): skewing, causality by gradients (shown to catch
leaks), likelihoods that sum to one over every image, sampling, completion, save/load
(exact resume: tests/training/test_resume.py) and bad input. Tiny non-square images, so that
rows and columns are not confused."""

import itertools

import numpy as np
import pytest
import tensorflow as tf

import kerasgen.layers.conv_lstm
import kerasgen.layers.diagonal_lstm
from kerasgen.data import dataset_info
from kerasgen.export import export_tflite
from kerasgen.layers import (
    DiagonalBiLSTM,
    MaskedConvLSTM1D,
    RowLSTM,
    causal_mask,
    skew,
    unskew,
)
from kerasgen.models import PixelRNN
from kerasgen.models.registry import create_model
from tests.helpers import (
    dataset,
    digits,
    output_dependence,
    run_model_saving_test,
)

LAYERS = ["row", "diagonal"]


def _pixelrnn(**kwargs):
    kwargs = {"image_shape": (5, 4, 1), "num_levels": 4, "layer": "diagonal",
              "hidden_units": 6, "num_layers": 2, "first_kernel_size": 3, **kwargs}
    return PixelRNN(**kwargs)


def _randomized(model, scale=0.5):
    """Random weights and biases: far from the flat initial output, no tied logits."""
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(size=w.shape) * scale for w in model.get_weights()])
    return model


# ---------------------------------------------------------------- skewing


@pytest.mark.parametrize("shape", [(1, 4), (3, 3), (5, 2), (2, 6)])
def test_skew_moves_row_i_right_by_i_and_unskew_inverts_it_exactly(shape):
    height, width = shape
    x = np.random.default_rng(0).normal(size=[2, height, width, 3]).astype(np.float32)
    expected = np.zeros([2, height, width + height - 1, 3], np.float32)
    for i in range(height):
        expected[:, i, i:i + width] = x[:, i]
    skewed = skew(x).numpy()
    np.testing.assert_array_equal(skewed, expected)
    np.testing.assert_array_equal(unskew(skewed, width).numpy(), x)
    np.testing.assert_array_equal(skew(unskew(expected, width)).numpy(), expected)


def test_unskew_refuses_a_width_that_does_not_fit():
    with pytest.raises(ValueError, match="`y`"):
        unskew(tf.zeros([1, 3, 5, 1]), width=4)


@pytest.mark.parametrize("layer", LAYERS)
def test_each_layer_sees_the_field_its_docstring_states(layer):
    """Layer alone (no mask A before it), output (3, 4) of a 5 x 9 map: the Row LSTM (k = 3,
    r = 1) sees row 3 - d at columns 4 - (d + 1) .. 4 + d; the Diagonal BiLSTM sees every row
    above and row 3 up to column 4."""
    x = tf.random.stateless_normal([2, 5, 9, 2], [0, 1])
    recurrent = RowLSTM(3, kernel_size=3) if layer == "row" else DiagonalBiLSTM(3)
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = tf.reduce_sum(recurrent(x)[:, 3, 4])
    seen = np.abs(tape.gradient(out, x).numpy()).sum(axis=(0, 3)) > 0
    rows, columns = np.meshgrid(np.arange(5), np.arange(9), indexing="ij")
    if layer == "row":
        d = 3 - rows
        expected = (d >= 0) & (columns >= 4 - (d + 1)) & (columns <= 4 + d)
    else:
        expected = (rows < 3) | ((rows == 3) & (columns <= 4))
    np.testing.assert_array_equal(seen, expected)


# ---------------------------------------------------------------- causality


def _dependence_report(model, labels=None):
    """``(leaks, seen)``: leaks lists every (i, j, c, a, b, d) where output channel c of pixel
    (i, j) depends on input channel d of pixel (a, b) although (a, b) is later, or is (i, j)
    with d >= c; ``seen[i, j, c]`` is the ``[H, W, C]`` boolean map of inputs it depends on."""
    height, width, channels = model.image_shape
    per_channel = model.num_params // channels
    order = np.arange(height * width).reshape(height, width)
    leaks, seen = [], np.zeros([height, width, channels, height, width, channels], bool)
    for c in range(channels):
        dependence = output_dependence(model, slice(c * per_channel, (c + 1) * per_channel),
                                       labels)
        for i, j in itertools.product(range(height), range(width)):
            grad = dependence[i, j]
            seen[i, j, c] = grad > 0
            forbidden = np.broadcast_to((order > order[i, j])[..., None], grad.shape).copy()
            forbidden[i, j, c:] = True
            leaks += [(i, j, c, *where) for where in zip(*np.nonzero(grad * forbidden))]
    return leaks, seen


CAUSAL_CASES = {
    "row-gray": dict(layer="row"),
    "row-rgb": dict(layer="row", image_shape=(4, 3, 3), hidden_units=12),
    "diagonal-gray": dict(layer="diagonal"),
    "diagonal-rgb": dict(layer="diagonal", image_shape=(4, 3, 3), hidden_units=12),
    "diagonal-class-conditional": dict(layer="diagonal", num_classes=3, num_layers=1),
}


@pytest.mark.parametrize("case", list(CAUSAL_CASES))
def test_outputs_see_earlier_pixels_and_channels_only(case):
    """Every output position (the borders included), every channel: zero gradient from later
    pixels and from the own pixel's channels >= c; nonzero from its channels < c and from the
    earlier neighbours (Row LSTM) or from every earlier pixel but one (Diagonal BiLSTM: the
    last pixel of the row above reaches only the last r + 1 pixels of a row, through the
    first layer's window, r = first_kernel_size // 2; see `kerasgen.layers.diagonal_lstm`)."""
    model = _pixelrnn(**CAUSAL_CASES[case])
    leaks, seen = _dependence_report(model, labels=[1] if model.num_classes else None)
    assert leaks == []
    height, width, channels = model.image_shape
    r = model.first_kernel_size // 2
    for i, j, c in itertools.product(range(height), range(width), range(channels)):
        here = seen[i, j, c].any(axis=-1)
        assert np.all(seen[i, j, c][i, j, :c]), (i, j, c)
        if model.layer == "diagonal":
            earlier = np.arange(height * width).reshape(height, width) < i * width + j
            blind = np.zeros_like(earlier)
            blind[i - 1, width - 1] = i >= 1 and j < width - 1 - r
            assert np.all(here[earlier & ~blind]), (i, j, c)
            if channels == 1:  # exactly that one pixel unseen
                assert not np.any(here[blind]), (i, j, c)
        else:
            for a, b in [(i, j - 1), (i - 1, j - 1), (i - 1, j), (i - 1, j + 1)]:
                if 0 <= a < height and 0 <= b < width:
                    assert here[a, b], ((i, j, c), (a, b))


def _naive_gate_mask(kernel_size, in_features, units, image_channels=1):
    """The bug the gate layout avoids: mask B over 4u gate features grouped as one block."""
    r = kernel_size // 2
    return causal_mask(kernel_size, in_features, 4 * units, "B", image_channels)[r:r + 1]


@pytest.mark.parametrize("mutant", ["unshifted-right-direction", "naive-gate-groups"])
def test_the_causality_check_catches_leaks(mutant, monkeypatch):
    """The check above is not vacuous: without the right direction's down shift, or with gate
    features grouped without regard to their unit, it finds leaks."""
    if mutant == "unshifted-right-direction":
        monkeypatch.setattr(kerasgen.layers.diagonal_lstm, "down_shift", lambda x: x)
        model = _pixelrnn(layer="diagonal")
    else:
        monkeypatch.setattr(kerasgen.layers.conv_lstm, "gate_mask", _naive_gate_mask)
        model = _pixelrnn(layer="row", image_shape=(4, 3, 3))
    leaks, _ = _dependence_report(model)
    assert leaks
    if mutant == "unshifted-right-direction":  # reads the pixel to its right
        assert (0, 0, 0, 0, 1, 0) in leaks
    else:  # channel c of a pixel reads its own channel c
        assert any(i == a and j == b and c == d for i, j, c, a, b, d in leaks)


# ---------------------------------------------------------------- likelihood


def _all_images(shape, levels):
    values = itertools.product(range(levels), repeat=int(np.prod(shape)))
    return np.array(list(values), np.float32).reshape(-1, *shape)


@pytest.mark.parametrize("layer", LAYERS)
@pytest.mark.parametrize("shape, levels, likelihood", [
    ((2, 3, 1), 3, "categorical"),
    ((2, 2, 3), 2, "categorical"),
    ((3, 2, 1), 2, "bernoulli"),
], ids=["gray-3-levels", "rgb-binary", "bernoulli"])
def test_likelihood_sums_to_one_over_every_image(layer, shape, levels, likelihood):
    model = _randomized(_pixelrnn(layer=layer, image_shape=shape, num_levels=levels,
                                  likelihood=likelihood, hidden_units=3))
    log_probs = model._log_prob(tf.constant(_all_images(shape, levels)))
    assert float(tf.reduce_logsumexp(log_probs)) == pytest.approx(0.0, abs=2e-4)
    assert float(tf.reduce_max(log_probs) - tf.reduce_min(log_probs)) > 1.0  # not flat


# ---------------------------------------------------------------- sampling and completion


@pytest.mark.parametrize("layer", LAYERS)
def test_samples_are_levels_in_range_and_follow_seed_and_temperature(layer):
    model = _randomized(_pixelrnn(layer=layer, image_shape=(4, 3, 3), num_levels=5))
    a = model.sample(3, seed=1).numpy()
    np.testing.assert_array_equal(a, model.sample(3, seed=1))
    assert not np.array_equal(a, model.sample(3, seed=2))
    assert a.shape == (3, 4, 3, 3) and a.min() >= 0 and a.max() <= 4
    assert np.array_equal(a, np.round(a)) and len(np.unique(a)) > 1
    # Near zero temperature every seed gives the same (greedy) image.
    np.testing.assert_array_equal(model.sample(2, seed=1, temperature=1e-4),
                                  model.sample(2, seed=9, temperature=1e-4))
    binary = _randomized(_pixelrnn(layer=layer, likelihood="bernoulli", num_levels=17))
    assert set(np.unique(binary.sample(2, seed=0))) <= {0.0, 16.0}


@pytest.mark.parametrize("layer", LAYERS)
def test_completion_never_changes_known_pixels(layer):
    model = _randomized(_pixelrnn(layer=layer, num_levels=5))
    rng = np.random.default_rng(0)
    images = rng.integers(0, 5, size=(3, 5, 4, 1))
    completed = model.complete(images, known_rows=2, seed=0).numpy()
    np.testing.assert_array_equal(completed[:, :2], images[:, :2])
    assert not np.array_equal(completed[:, 2:], images[:, 2:])
    mask = rng.random((3, 5, 4)) < 0.5
    completed = model.complete(images, known_mask=mask, seed=1).numpy()
    np.testing.assert_array_equal(completed[mask], images[mask])


# ---------------------------------------------------------------- training, saving, registry


@pytest.mark.slow
def test_save_load_continue(tmp_path):
    model = _pixelrnn(image_shape=(8, 8, 1), num_levels=17, hidden_units=4, num_layers=1,
                      num_classes=10)
    model.compile(optimizer="adam")
    images, labels = digits(64)
    history = model.fit(dataset(images, labels), epochs=1, verbose=0)
    assert set(history.history) == {"loss", "bits_per_dim"}
    run_model_saving_test(model, dataset(images, labels), images[:4], labels[:4],
                          tmp_path=tmp_path)


@pytest.mark.slow
def test_row_lstm_converts_to_tflite_builtins(tmp_path):
    """log_prob and the exact sampler (uniforms in) equal Keras; the Diagonal BiLSTM is
    checked by the family-wide export tests (tests/export)."""
    model = _randomized(_pixelrnn(layer="row", hidden_units=3, num_layers=1), 0.3)
    _, report = export_tflite(model, tmp_path / "row.tflite")
    assert report["log_prob"] < 1e-4 and report["sample_with_noise"] == 0.0


def test_registry_builds_the_layer_set_on_the_command_line():
    model = create_model("pixelrnn", dataset_info("digits"),
                         {"layer": "row", "hidden_units": 2, "num_layers": 1})
    assert isinstance(model, PixelRNN) and model.layer == "row"
    assert model.get_config()["layer"] == "row"


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("make, name", [
    (lambda: _pixelrnn(layer="column"), "layer"),
    (lambda: _pixelrnn(hidden_units=0), "hidden_units"),
    (lambda: _pixelrnn(hidden_units=2, image_shape=(4, 3, 3)), "hidden_units"),
    (lambda: _pixelrnn(num_layers=0), "num_layers"),
    (lambda: _pixelrnn(first_kernel_size=4), "first_kernel_size"),
    (lambda: _pixelrnn(kernel_size=2), "kernel_size"),
    (lambda: _pixelrnn(likelihood="logistic_mixture"), "likelihood"),
    (lambda: MaskedConvLSTM1D(4, recurrent_padding="valid"), "recurrent_padding"),
    (lambda: MaskedConvLSTM1D(4, recurrent_kernel_size=2), "recurrent_kernel_size"),
    (lambda: MaskedConvLSTM1D(2, image_channels=3), "units"),
])
def test_bad_constructor_arguments(make, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        make()


@pytest.fixture(scope="module")
def shared_model():
    return _pixelrnn(num_layers=1)


@pytest.mark.parametrize("call, name", [
    (lambda m: m.log_prob(np.zeros([2, 4, 5, 1])), "images"),
    (lambda m: m.log_prob(np.full([2, 5, 4, 1], 4)), "images"),
    (lambda m: m.log_prob(np.full([2, 5, 4, 1], 0.5)), "images"),
    (lambda m: m.sample(0), "num_samples"),
    (lambda m: m.sample(2, temperature=-1.0), "temperature"),
    (lambda m: m.complete(np.zeros([2, 5, 4, 1]), known_rows=6), "known_rows"),
])
def test_bad_input_names_the_argument(call, name, shared_model):
    with pytest.raises(ValueError, match=f"`{name}`"):
        call(shared_model)
