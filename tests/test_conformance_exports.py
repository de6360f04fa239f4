"""The conformance battery's exports (see ``tests/test_conformance.py``): every registered
preset, in its tiny configuration after two training steps on the tests' 8x8 digits or audio
windows, exported

- to a SavedModel that a fresh Python process loads (one process for all of them), with a
  signature per endpoint, the first one the default, each giving the Keras endpoint's
  outputs on the same inputs (deterministic endpoints: equal values; random ones: the same
  output names, shapes and finite values);
- to TFLite, whose every signature is run by the real interpreter against the Keras endpoint
  (`kerasgen.export.export_tflite` checks it and raises on a difference); image presets in
  colour too (trained on RGB emoji): TFLite's conversion exports a SavedModel of its own
  endpoints first, so colour models go through both.
"""

import json
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from kerasgen.export import example_inputs, export_serving, export_tflite
from kerasgen.models.registry import MODELS
from tests.helpers import trained_preset

PRESETS = sorted(MODELS)
IMAGE_PRESETS = [name for name in PRESETS if MODELS[name].data_kind == "images"]
GREY = [(name, False) for name in PRESETS]
VARIANTS = GREY + [(name, True) for name in IMAGE_PRESETS]

FRESH_PROCESS = r"""
import json, sys
import numpy as np, tensorflow as tf
manifest, out_file = sys.argv[1:]
results = {}
for path, calls in json.load(open(manifest)).items():
    loaded = tf.saved_model.load(path)
    results[f"{path}|signatures"] = np.array(sorted(loaded.signatures))
    _, default_inputs = loaded.signatures["serving_default"].structured_input_signature
    results[f"{path}|default_inputs"] = np.array(sorted(default_inputs))
    for signature, inputs_file in calls.items():
        inputs = np.load(inputs_file, allow_pickle=False)
        outputs = loaded.signatures[signature](**{k: tf.constant(inputs[k]) for k in inputs})
        for key, value in outputs.items():
            value = value.numpy()
            if value.dtype == object:  # strings (a table's categories): no pickles in npz
                value = np.char.decode(value.astype(bytes), "utf-8")
            results[f"{path}|{signature}|{key}"] = value
np.savez(out_file, **results)
"""


def _trained(name, colour, data_dir):
    model, _ = trained_preset(name, data_dir / "emoji" if colour else None)
    return model


def _label(name, colour):
    return name.replace("+", "p") + ("-colour" if colour else "")


@pytest.mark.slow
def test_saved_models_in_a_fresh_process_equal_keras(data_dir, tmp_path):
    manifest, expected, deterministic = {}, {}, {}
    for name, colour in GREY:
        model = _trained(name, colour, data_dir)
        path = str(export_serving(model, tmp_path / "serving", name=_label(name, colour),
                                  version=1, warmup=False))
        manifest[path] = {}
        for endpoint in model.serving_endpoints():
            inputs = example_inputs(endpoint, model, batch_size=3, seed=1)
            inputs_file = tmp_path / f"{_label(name, colour)}-{endpoint.name}.npz"
            np.savez(inputs_file, **inputs)
            manifest[path][endpoint.name] = str(inputs_file)
            outputs = endpoint.function(**{k: tf.constant(v) for k, v in inputs.items()})
            for key, value in outputs.items():
                value = np.asarray(value)
                if value.dtype == object:  # strings, as the fresh process writes them
                    value = np.char.decode(value.astype(bytes), "utf-8")
                expected[f"{path}|{endpoint.name}|{key}"] = value
                deterministic[f"{path}|{endpoint.name}|{key}"] = endpoint.deterministic
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    subprocess.run([sys.executable, "-c", FRESH_PROCESS, str(tmp_path / "manifest.json"),
                    str(tmp_path / "served.npz")], check=True, capture_output=True,
                   timeout=900)
    served = dict(np.load(tmp_path / "served.npz"))
    for path, calls in manifest.items():  # named signatures, the first one the default
        assert list(served.pop(f"{path}|signatures")) == sorted([*calls, "serving_default"])
        first = next(iter(calls))
        assert list(served.pop(f"{path}|default_inputs")) == sorted(np.load(calls[first]).files)
    assert set(served) == set(expected)
    for key, value in expected.items():
        assert served[key].shape == value.shape, key
        if value.dtype.kind == "U":
            if deterministic[key]:
                np.testing.assert_array_equal(served[key], value, err_msg=key)
            continue
        assert np.all(np.isfinite(served[key])), key
        if deterministic[key]:
            np.testing.assert_allclose(served[key], value, rtol=1e-5, atol=1e-5, err_msg=key)


@pytest.mark.slow
@pytest.mark.parametrize("name, colour", VARIANTS, ids=[_label(*v) for v in VARIANTS])
def test_tflite_equals_keras(name, colour, data_dir, tmp_path):
    model = _trained(name, colour, data_dir)
    path, report = export_tflite(model, tmp_path / "model.tflite")  # raises on a mismatch
    assert path.is_file()
    assert set(report) == {e.name for e in model.tflite_endpoints()}
    deterministic = {e.name for e in model.tflite_endpoints() if e.deterministic}
    assert all(report[signature] is not None and np.isfinite(report[signature])
               for signature in deterministic), report  # compared, each within tolerance
