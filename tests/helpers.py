"""Shared helpers for the model-family tests: tiny data, tiny models, saving and resume checks.

Family tests stay declarative (keras-hub style)::

    model = make_model(VAE, likelihood="gaussian")
    model.fit(dataset(*digits(64)), epochs=1, verbose=0)
    run_model_saving_test(model, train_data, probe_images, tmp_path=tmp_path)
    assert_resumes_exactly(lambda **kw: make_model(VAE, **kw), train_data, tmp_path)

Everything is sized for a 2-core machine: 8x8 digits, one small hidden layer, latent 2-4.
"""

import functools
import json
import math

import keras
import numpy as np
import tensorflow as tf

from kerasgen import data as kdata
from kerasgen import models
from kerasgen.models.registry import MODELS

DIGITS_SHAPE = (8, 8, 1)
DIGITS_LEVELS = 17
DIGITS_DIMS = 64

# Rows of the tests' table: the first rows of UCI Adult's training split, eight of its columns
# (fnlwgt read as continuous, discrete numbers, categories, missing values in workclass), its
# transformer fitted on them. Few columns keep every graph over them small (CI time).
TABLE_ROWS = 64
TABLE_COLUMNS = ("age", "workclass", "fnlwgt", "education", "race", "sex", "hours-per-week",
                 "Y")


@functools.lru_cache(maxsize=None)
def tiny_table():
    """``(Table, transformer config)``: the first `TABLE_ROWS` rows of Adult (train)."""
    from tests.conftest import shared_data_dir

    adult = kdata.load_table("adult", split="train", data_dir=str(shared_data_dir()),
                             max_rows=TABLE_ROWS, continuous=["fnlwgt"])
    table = kdata.Table(adult.frame[list(TABLE_COLUMNS)],
                        tuple(adult.column(name) for name in TABLE_COLUMNS), adult.target,
                        adult.name)
    return table, kdata.TableTransformer.fit(table).get_config()


def test_data(kind):
    """What the tests' data gives a model of `kind`: 8x8 digits (17 levels, 10 classes for
    conditional presets), 8-bit audio windows (the presets' own defaults), or the tiny
    table's transformer (`tiny_table`)."""
    if kind == "images":
        return dict(image_shape=DIGITS_SHAPE, num_levels=DIGITS_LEVELS)
    if kind == "tables":
        return dict(transformer=tiny_table()[1])
    return {}


def table_rows(n):
    """Codes ``[n, C]`` of the tiny table's rows (repeated past `TABLE_ROWS`)."""
    table, config = tiny_table()
    codes = kdata.TableTransformer.from_config(config).codes(table.frame)
    return codes[np.arange(n) % len(codes)]


def tiny_preset_model(name, **overrides):
    """Registry preset `name` in the tiny configuration its family declares, for the tests'
    data of its kind (`test_data`), with `overrides` (``image_shape=(8, 8, 3)`` for colour)."""
    preset = MODELS[name]
    kwargs = dict(preset.tiny_kwargs(), **test_data(preset.data_kind))
    if preset.conditional is True:
        kwargs["num_classes"] = 10
    return preset.cls(**{**kwargs, **overrides})


# One tiny model of every registered preset, by name (the conformance battery, report
# options, the bad-input table): registering a preset puts it under all of them. Variants
# beside the presets: the RBM with persistent chains (their state must resume too).
TINY_FAMILIES = {name: functools.partial(tiny_preset_model, name)
                 for name in MODELS}
TINY_FAMILIES["rbm-pcd"] = functools.partial(tiny_preset_model, "rbm", persistent=True,
                                             num_chains=8)
# One preset per model class (the first by name) and the persistent RBM: what exact resume,
# the NaN guard and two replicas walk (for CI time). Presets of one class differ in arguments
# only; each of them goes through the conformance battery.
_FIRST_OF_CLASS = {}
for _name in sorted(MODELS):
    _FIRST_OF_CLASS.setdefault(MODELS[_name].cls, _name)
PER_CLASS_FAMILIES = {name: TINY_FAMILIES[name]
                      for name in sorted([*_FIRST_OF_CLASS.values(), "rbm-pcd"])}
# The smallest sensible network of each model class (constructor keyword arguments for
# `make_model`): the tiny configuration declared by its plain preset (the one without
# defaults of its own, else its first), and 10 classes for conditional models.
_PLAIN_OF_CLASS = dict(_FIRST_OF_CLASS)
for _name in sorted(MODELS):
    if not MODELS[_name].kwargs:
        _PLAIN_OF_CLASS[MODELS[_name].cls] = _name
_TINY = {cls: dict(MODELS[name].tiny,
                   **({"num_classes": 10} if MODELS[name].conditional is True else {}))
         for cls, name in _PLAIN_OF_CLASS.items()}

# One preset per training style, the DBN (greedy RBMs, then fine-tuning) and the audio kind:
# what the multi-worker check (two worker processes per family) trains.
PER_STYLE_FAMILIES = {name: TINY_FAMILIES[name]
                      for name in ("vae", "dcgan", "rbm-pcd", "dbn", "wavenet")}


def family_class(name):
    """The model class of `TINY_FAMILIES` entry `name`."""
    return MODELS[TINY_FAMILIES[name].args[0]].cls


def tiny_wavenet(**kwargs):
    """A WaveNet with a receptive field of 16 samples."""
    return models.WaveNet(**{"residual_channels": 8, "skip_channels": 8,
                             "layers_per_stack": 3, "stacks": 2, **kwargs})


def family_elements(model, n):
    """`n` training examples for a model of `TINY_FAMILIES`: 8-bit audio windows
    ``[n, 24, 1]`` for audio models, table codes for table models, ``(digits, labels)`` for conditional models, digits
    otherwise (a DBN's ``fit`` takes the digits as an array)."""
    if model.data_kind.name == "audio":
        return np.random.default_rng(0).integers(0, 256, size=(n, 24, 1))
    if model.data_kind.name == "tables":
        return table_rows(n)
    images, labels = digits(n)
    return (images, labels) if model.is_conditional else images


METRIC_NAMES = {
    "autoencoder": {"loss", "reconstruction_mse"},
    "vae": {"loss", "reconstruction", "kl"},
}


def tiny_kwargs(cls, **overrides):
    """Constructor arguments of a tiny `cls` for 8x8 digits (17 levels), with `overrides`."""
    kwargs = dict(image_shape=DIGITS_SHAPE, num_levels=DIGITS_LEVELS)
    kwargs.update(_TINY[cls])
    if overrides.get("network") == "conv":
        kwargs.update(hidden_units=(), filters=(8,))
    kwargs.update(overrides)
    return kwargs


def make_model(cls, learning_rate=1e-3, compile=True, **overrides):
    """A tiny, compiled (Adam) instance of `cls`."""
    model = cls(**tiny_kwargs(cls, **overrides))
    if compile:
        model.compile(optimizer=keras.optimizers.Adam(learning_rate))
    return model


@functools.lru_cache(maxsize=None)
def _digits(split):
    images, labels = kdata.load_arrays("digits", split=split)
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def digits(n=None, split="train", classes=None, offset=0):
    """``(images uint8 [n, 8, 8, 1], labels int32 [n])`` of scikit-learn digits (copies).

    `classes` keeps only those digit classes; `offset` skips the first examples.
    """
    images, labels = _digits(split)
    if classes is not None:
        keep = np.isin(labels, list(classes))
        images, labels = images[keep], labels[keep]
    stop = None if n is None else offset + n
    images, labels = images[offset:stop], labels[offset:stop]
    if n is not None and len(images) < n:
        raise AssertionError(f"only {len(images)} digits available, {n} asked")
    return images.copy(), labels.copy()


def dataset(images, labels=None, batch_size=32):
    """An unshuffled (fixed-order) batched dataset of images, or of (images, labels)."""
    elements = images if labels is None else (images, labels)
    return tf.data.Dataset.from_tensor_slices(elements).batch(batch_size)


def num_batches(ds):
    return int(ds.reduce(0, lambda count, _: count + 1))


def training_data(model, n=64, batch_size=32):
    """A fixed-order dataset of `n` digits with labels when `model` is conditional."""
    images, labels = digits(n)
    return dataset(images, labels if model.is_conditional else None, batch_size)


def probe_inputs(model, n=8):
    """``(images, labels or None)`` held-out digits to compare deterministic outputs on."""
    images, labels = digits(n, split="test")
    return images, (labels if model.is_conditional else None)


def standard_error(values, axis=0):
    values = np.asarray(values, np.float64)
    return values.std(axis=axis, ddof=1) / math.sqrt(values.shape[axis])


def assert_finite_history(history, names):
    """Every documented metric is reported, and nothing else, with finite values."""
    assert set(history.history) == set(names), sorted(history.history)
    for name, values in history.history.items():
        assert np.all(np.isfinite(values)), (name, values)


def assert_weights_equal(a, b, atol=1e-6):
    weights_a, weights_b = a.get_weights(), b.get_weights()
    assert len(weights_a) == len(weights_b)
    for index, (wa, wb) in enumerate(zip(weights_a, weights_b)):
        assert wa.shape == wb.shape, index
        np.testing.assert_allclose(wa, wb, rtol=0, atol=atol, err_msg=f"weight {index}")


def json_config(model):
    """`model.get_config()` as it reads after a JSON round trip (tuples become lists), the
    form in which a ``.keras`` file stores it."""
    return json.loads(json.dumps(model.get_config()))


def optimizer_steps(model):
    """How many steps `model`'s optimizer has taken."""
    return int(keras.ops.convert_to_numpy(model.optimizer.iterations))


def run_model_saving_test(model, train_data, probe_images, probe_labels=None, *, tmp_path):
    """Config round trip, ``.keras`` save/load with equal outputs, and training that continues.

    `model` must be compiled and already trained (so the optimizer has state to restore).
    """
    cls = type(model)
    config = model.get_config()

    # 1. The config alone rebuilds an equal-config model, also through Keras' registry.
    clone = cls.from_config(config)
    assert type(clone) is cls
    assert clone.get_config() == config
    assert json_config(clone) == json_config(model)
    registered = keras.saving.get_registered_object(f"kerasgen>{cls.__name__}")
    assert registered is cls
    assert len(clone.get_weights()) == len(model.get_weights())

    # 2. Save and load: same class, config, weights, deterministic outputs and step counter.
    path = tmp_path / f"{cls.__name__.lower()}.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is cls
    assert json_config(loaded) == json_config(model)
    assert_weights_equal(model, loaded, atol=0)
    inputs = tf.constant(probe_images, tf.float32)
    inputs = inputs if probe_labels is None else (inputs, tf.constant(probe_labels))
    np.testing.assert_allclose(np.asarray(loaded(inputs, training=False)),
                               np.asarray(model(inputs, training=False)), rtol=0, atol=1e-6)
    steps_before = optimizer_steps(model)
    assert steps_before > 0, "train the model before the saving test"
    assert optimizer_steps(loaded) == steps_before

    # 3. The loaded model trains on, counting steps from where it was.
    history = loaded.fit(train_data, epochs=1, verbose=0)
    assert optimizer_steps(loaded) == steps_before + num_batches(train_data)
    assert_finite_history(history, [t.name for t in loaded.trackers])
    return loaded


def assert_resumes_exactly(make, train_data, tmp_path, first_epochs=1, total_epochs=2,
                           atol=1e-6, noisy=True):
    """Train `total_epochs` straight vs `first_epochs`, save .keras, load, train the rest:
    the weights must agree. `make(**overrides)` builds a fresh compiled model and must accept
    ``seed=`` (for `noisy` models, to show that the noise stream matters, so that the
    equality is not vacuous).

    `train_data` must have a fixed order (no shuffling).
    """
    straight = make()
    initial = straight.get_weights()
    straight.fit(train_data, epochs=total_epochs, verbose=0, shuffle=False)

    first = make()
    first.set_weights(initial)
    first.fit(train_data, epochs=first_epochs, verbose=0, shuffle=False)
    path = tmp_path / "resume.keras"
    first.save(path)
    resumed = keras.models.load_model(path)
    resumed.fit(train_data, epochs=total_epochs - first_epochs, verbose=0, shuffle=False)

    assert optimizer_steps(resumed) == optimizer_steps(straight) == total_epochs * num_batches(
        train_data)
    moved = max(np.abs(w - w0).max() for w, w0 in zip(straight.get_weights(), initial))
    assert moved > 1e-4, "training did not change the weights"
    assert_weights_equal(straight, resumed, atol=atol)

    if not noisy:
        return resumed
    # The same run with another noise seed ends elsewhere: the noise stream is part of what
    # the equality above checks.
    other = make(seed=straight.seed + 1)
    other.set_weights(initial)
    other.fit(train_data, epochs=total_epochs, verbose=0, shuffle=False)
    differences = [np.abs(a - b).max() for a, b in zip(straight.get_weights(),
                                                        other.get_weights())]
    assert max(differences) > 10 * atol
    return resumed


def output_dependence(model, output_slice=slice(None), labels=None, seed=0):
    """``[H, W, H, W, C]`` for an autoregressive image model: entry (i, j, a, b, c) sums over 4
    random inputs |d sum(params[i, j, output_slice]) / d input[a, b, c]|, for every output
    position at once (one copy of the inputs per output position)."""
    height, width, channels = model.image_shape
    positions = height * width
    x = tf.random.stateless_uniform([4, height, width, channels], [seed, 1], -1.0, 1.0)
    x = tf.repeat(x, positions, axis=0)  # [4 * P, ...]: copy k*P + p selects position p
    select = tf.tile(tf.eye(positions), [4, 1])[:, :, None]
    condition = None if labels is None else \
        model.condition_of(np.repeat(np.asarray(labels)[:1], 4 * positions, axis=0))
    with tf.GradientTape() as tape:
        tape.watch(x)
        params = model.network(x, condition)[..., output_slice]
        flat = tf.reshape(params, [4 * positions, positions, -1])
        out = tf.reduce_sum(flat * select)
    grad = np.abs(tape.gradient(out, x).numpy()).reshape(4, positions, height, width,
                                                          channels).sum(0)
    return grad.reshape(height, width, height, width, channels)


def coarse_maps(images, num_levels=17, factor=2):
    """A condition map per image, aligned with it: the means of its factor x factor blocks
    (scaled to [0, 1]) repeated back to full size, ``[N, H, W, 1]``: what a super-resolution
    model conditions on."""
    images = np.asarray(images, np.float32) / (num_levels - 1)
    n, height, width, channels = images.shape
    blocks = images.reshape(n, height // factor, factor, width // factor, factor, channels)
    means = blocks.mean(axis=(2, 4), keepdims=True)
    return np.broadcast_to(means, blocks.shape).reshape(images.shape)[..., :1].copy()


# ------------------------------------------------------------------ the conformance battery
# Colour data of the battery: 32 Noto emoji at 8x8, RGB, 256 levels, 9 category folders.
COLOUR = dict(image_shape=(8, 8, 3), num_levels=256)
CONFORMANCE_EXAMPLES = 32
CONFORMANCE_BATCH = 16


def emoji_batches(data_dir):
    """Batches of 32 Noto emoji at 8x8 in colour, with their category labels, as a user's
    folder reaches ``fit`` (`kerasgen.data.load`: decoded, converted, batched)."""
    return kdata.load("folder", "train", data_dir=str(data_dir), image_size=8, channels=3,
                      batch_size=CONFORMANCE_BATCH, max_examples=CONFORMANCE_EXAMPLES)


def conformance_elements(model):
    """``(x, y)`` of the battery's training data for `model`: digits or audio windows
    (`family_elements`); y None unless conditional."""
    elements = family_elements(model, CONFORMANCE_EXAMPLES)
    return elements if isinstance(elements, tuple) else (elements, None)


@functools.lru_cache(maxsize=None)
def trained_preset(name, emoji_dir=None):
    """``(model, history)``: registry preset `name` in its tiny configuration, compiled with
    its defaults and trained one epoch (two steps) on the battery's data; in colour (`COLOUR`)
    on emoji when `emoji_dir` is given. Cached: each process trains a preset once."""
    keras.utils.set_random_seed(0)
    model = tiny_preset_model(name, **(COLOUR if emoji_dir is not None else {}))
    model.compile_with_defaults()
    if emoji_dir is not None:  # a dataset of (images, labels): unconditional models ignore y
        return model, model.fit(emoji_batches(emoji_dir), epochs=1, verbose=0)
    x, y = conformance_elements(model)
    history = model.fit(x, y, batch_size=CONFORMANCE_BATCH, epochs=1, shuffle=False, verbose=0)
    return model, history
