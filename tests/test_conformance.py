"""The conformance battery: every preset the registry collects, through the checks every family
owes (in the spirit of keras-hub's ``TestCase``).

Each preset is built from the tiny configuration its family declares (``<folder>/family.py``)
and trained two steps on the data of its kind (`tests.helpers.trained_preset`); registering a
preset puts it under every check here, and a preset cannot be declared without a tiny
configuration. Per preset:

- it declares the kind of data it models, and its checks, training data and samples follow it;
- config round trip (``from_config``, JSON, Keras' registry) and a ``.keras`` file that loads
  with the same weights, step counter and outputs of every deterministic endpoint;
- a few ``fit`` steps report finite metrics;
- samples have the declared shape and levels in the declared range, and are
  reproducible by seed; a model without a prior (autoencoders) has no ``sample``;
- examples of the wrong shape are a ``ValueError`` naming ``x`` before any training step;
- colour: every image preset trains on RGB emoji and draws RGB samples.

Elsewhere, over the same presets (`tests.helpers.TINY_FAMILIES`): SavedModel in a fresh
process and TFLite equal to Keras, in grey and colour (``tests/test_conformance_exports.py``,
slow), exact resume (``tests/training/test_resume.py``), the NaN guard
(``tests/training/test_nan_guard.py``), two replicas and multi-worker training
(``tests/test_distribute.py``, ``tests/test_multi_worker.py``), bad-input rows of every entry
point (``tests/test_bad_input_table.py``).
"""

import inspect

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgen.export import example_inputs
from kerasgen.models import VAE
from kerasgen.models.base import GenerativeModel
from kerasgen.models.family import Family, Preset
from kerasgen.models.loading import load_model
from kerasgen.models.registry import FAMILIES, MODELS
from tests.helpers import (
    CONFORMANCE_BATCH,
    CONFORMANCE_EXAMPLES,
    TINY_FAMILIES,
    assert_weights_equal,
    conformance_elements,
    json_config,
    optimizer_steps,
    tiny_preset_model,
    trained_preset,
)

PRESETS = sorted(MODELS)
IMAGE_PRESETS = [name for name in PRESETS if MODELS[name].data_kind == "images"]
# Sampling arguments kept short for the battery, where a sampler takes them.
SAMPLE_OPTIONS = {"gibbs_steps": 4, "langevin_steps": 4, "length": 16}
EXAMPLE_STEPS = 16  # the length of audio examples (their time axis is free)


def _draw(model, seed, num_samples=3):
    options = {k: v for k, v in SAMPLE_OPTIONS.items()
               if k in inspect.signature(model.sample).parameters}
    if model.is_conditional:
        options["labels"] = np.arange(num_samples) % model.num_classes
    # As examples of the model's kind (a table model's DataFrame of rows: its codes).
    return model.data_kind.check("samples", model.sample(num_samples, seed=seed, **options),
                                 integers=False)


def _example_shape(model):
    return tuple(EXAMPLE_STEPS if d is None else d
                 for d in model.data_kind.spec().shape.as_list()[1:])


def _deterministic_outputs(model, reference):
    """Outputs of every deterministic serving endpoint of `model` on example inputs drawn for
    `reference` (the same inputs for a model and its reloaded copy)."""
    outputs = {}
    for endpoint, drawn_for in zip(model.serving_endpoints(), reference.serving_endpoints()):
        assert endpoint.name == drawn_for.name
        if not endpoint.deterministic:
            continue
        inputs = example_inputs(drawn_for, reference, batch_size=3, seed=1)
        for key, value in endpoint.function(
                **{k: tf.constant(v) for k, v in inputs.items()}).items():
            outputs[f"{endpoint.name}/{key}"] = np.asarray(value)
    return outputs


def test_every_registered_preset_is_under_the_battery():
    assert PRESETS and set(MODELS) <= set(TINY_FAMILIES)
    assert sorted(MODELS) == sorted(n for f in FAMILIES.values() for n in f.presets)
    with pytest.raises(ValueError, match="`tiny` must be"):
        Family("untested", "images", {"untested": Preset(VAE, {}, "no tiny configuration")})
    # Every model class Keras knows as kerasgen's is some preset's, so the battery's
    # `load_model` round trip (safe mode) covers them all.
    registered = {obj for name, obj in keras.saving.get_custom_objects().items()
                  if name.startswith("kerasgen>") and isinstance(obj, type)
                  and issubclass(obj, GenerativeModel)}
    assert registered and registered <= {preset.cls for preset in MODELS.values()}


@pytest.mark.parametrize("name", PRESETS)
class TestConformance:
    def test_declares_the_kind_it_models(self, name):
        preset = MODELS[name]
        model, _ = trained_preset(name)
        assert isinstance(model, preset.cls)
        assert model.data_kind.name == preset.data_kind
        assert model.example_rank == model.data_kind.rank == len(_example_shape(model))
        assert model.is_conditional == (preset.conditional is True)
        x, _ = conformance_elements(model)
        declared = model.data_kind.spec().shape.as_list()[1:]  # None: a free length
        checked = model.check_examples(x)
        assert checked.shape == x.shape and checked.dtype == np.float32
        assert all(d is None or d == n for d, n in zip(declared, x.shape[1:], strict=True))

    def test_fit_reports_finite_metrics_and_counts_steps(self, name):
        model, history = trained_preset(name)
        assert history.history, "fit reported no metrics"
        for key, values in history.history.items():
            assert np.all(np.isfinite(values)), (key, values)
        if not isinstance(model, MODELS["dbn"].cls):  # greedy: one optimizer per layer
            assert optimizer_steps(model) == CONFORMANCE_EXAMPLES // CONFORMANCE_BATCH

    def test_config_round_trips(self, name):
        model, _ = trained_preset(name)
        cls = type(model)
        clone = cls.from_config(model.get_config())
        assert type(clone) is cls
        assert json_config(clone) == json_config(model)
        assert keras.saving.get_registered_object(f"kerasgen>{cls.__name__}") is cls

    def test_keras_file_loads_with_equal_weights_and_outputs(self, name, tmp_path):
        model, _ = trained_preset(name)
        path = tmp_path / "model.keras"
        model.save(path)
        loaded = load_model(path)  # kerasgen's checks, then Keras' safe mode: no code in it
        assert type(loaded) is type(model)
        assert json_config(loaded) == json_config(model)
        assert_weights_equal(model, loaded, atol=0)
        if not isinstance(model, MODELS["dbn"].cls):
            assert optimizer_steps(loaded) == optimizer_steps(model)
        expected = _deterministic_outputs(model, model)
        actual = _deterministic_outputs(loaded, model)
        assert expected and set(actual) == set(expected)
        for key in expected:
            if expected[key].dtype.kind in "OSU":  # strings (a table's categories)
                np.testing.assert_array_equal(actual[key], expected[key], err_msg=key)
            else:
                np.testing.assert_allclose(actual[key], expected[key], rtol=1e-6, atol=1e-6,
                                           err_msg=key)

    def test_samples_are_examples_of_its_kind_and_follow_the_seed(self, name):
        model, _ = trained_preset(name)
        if not model.can_sample:
            assert not callable(getattr(model, "sample", None))
            return
        first = _draw(model, seed=1)
        assert first.shape == (3, *_example_shape(model))
        # In the declared range (a VAE's samples are decoder means: levels, not whole).
        model.data_kind.check("samples", first, integers=False)
        np.testing.assert_array_equal(_draw(model, seed=1), first)
        assert not np.array_equal(_draw(model, seed=2), first)

    def test_examples_of_the_wrong_shape_are_refused_before_training(self, name):
        model = tiny_preset_model(name)
        model.compile_with_defaults()
        x, y = conformance_elements(model)
        wrong = np.concatenate([x, x], axis=-1)  # two channels where one is declared
        with pytest.raises(ValueError, match=r"^`x` must be"):
            model.fit(wrong, y, batch_size=CONFORMANCE_BATCH, epochs=1, verbose=0)
        assert not model.built or optimizer_steps(model) == 0


@pytest.mark.slow
@pytest.mark.parametrize("name", IMAGE_PRESETS)
def test_colour_trains_and_samples_colour(name, data_dir):
    model, history = trained_preset(name, data_dir / "emoji")
    assert model.image_shape == (8, 8, 3) and model.num_levels == 256
    for key, values in history.history.items():
        assert np.all(np.isfinite(values)), (key, values)
    if model.can_sample:
        samples = _draw(model, seed=1)
        assert samples.shape == (3, 8, 8, 3)
        model.data_kind.check("samples", samples, integers=False)
        # Colour, not grey in three channels: the channels of some pixel differ.
        assert np.any(samples[..., 0] != samples[..., 1])
