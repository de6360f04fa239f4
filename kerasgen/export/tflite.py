"""TFLite (LiteRT) files with builtin ops only, checked against the Keras model.

The model's ``tflite_endpoints()`` (noise as an input, or builtin random ops: stateless random
ops do not convert) are written with ``ExportArchive``, converted from that SavedModel with
``supported_ops=[TFLITE_BUILTINS]`` (pip's LiteRT cannot run Flex ops), and each signature is
run through ``ai_edge_litert`` and compared with the same function in TensorFlow: deterministic
signatures must agree within ``atol * max(1, max |output|)`` (images are in the data's units, up
to 255); random ones must give outputs of the same shape, finite.

Example:
    >>> import os, tempfile
    >>> import numpy as np
    >>> import kerasgen
    >>> vae = kerasgen.models.VAE(latent_dim=2, hidden_units=(8,))
    >>> path, report = export_tflite(vae, os.path.join(tempfile.mkdtemp(), "vae.tflite"))
    >>> sorted(report), report["sample"], report["decode"] < 1e-5  # sample is random
    (['decode', 'encode', 'sample'], None, True)
    >>> latents = np.zeros([1, 2], np.float32)
    >>> images = run_tflite(path, "decode", latents=latents)["images"]
    >>> images.shape, images.dtype
    ((1, 8, 8, 1), dtype('float32'))
    >>> bool(np.allclose(images, vae.decode(latents), atol=1e-4))
    True
    >>> run_tflite(path, "sample", num_samples=np.int32(3))["images"].shape
    (3, 8, 8, 1)
"""

import pathlib
import tempfile

import numpy as np
import tensorflow as tf

from kerasgen.export.endpoints import example_inputs
from kerasgen.export.serving import check_exportable, write_archive
from kerasgen.utils.files import write_whole
from kerasgen.utils.validation import (
    as_array,
    check_bool,
    check_existing_path,
    check_int,
    check_output_path,
    check_positive_float,
    check_positive_int,
    fail,
)


class TFLiteMismatchError(AssertionError):
    """A converted signature disagrees with the Keras model."""


def convert(saved_model_dir, signature_keys):
    converter = tf.lite.TFLiteConverter.from_saved_model(str(saved_model_dir),
                                                         signature_keys=list(signature_keys))
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    return converter.convert()


def interpreter(path_or_bytes, num_threads=None):
    """A LiteRT interpreter for a file or its bytes (``num_threads``: None = LiteRT's
    default)."""
    from ai_edge_litert.interpreter import Interpreter

    if num_threads is not None:
        num_threads = check_positive_int("num_threads", num_threads)
    expected = "a TFLite file (or its bytes)"
    if isinstance(path_or_bytes, (bytes, bytearray)):
        content = bytes(path_or_bytes)
    else:
        path = check_existing_path("path_or_bytes", path_or_bytes, "file")
        content = path.read_bytes()
    # A TFLite flatbuffer carries the identifier "TFL3" at bytes 4..8.
    if content[4:8] != b"TFL3":
        shown = repr(path_or_bytes) if not isinstance(path_or_bytes, (bytes, bytearray)) \
            else f"{len(content)} bytes"
        fail("path_or_bytes", f"{shown}, which is not a TFLite flatbuffer", expected)
    return Interpreter(model_content=content, num_threads=num_threads)


def check_signature_inputs(runner, signature, inputs):
    """The `inputs` of one signature as arrays: every input named, of its rank and fixed
    sizes (a ValueError naming the input otherwise, instead of the interpreter's)."""
    details = runner.get_input_details()
    unknown, missing = sorted(set(inputs) - set(details)), sorted(set(details) - set(inputs))
    if unknown or missing:
        fail("inputs", f"{sorted(inputs)} for signature {signature!r}",
             f"exactly its inputs {sorted(details)}")
    arrays = {}
    for key, value in inputs.items():
        expected_shape = [int(d) for d in details[key]["shape_signature"]]
        shown = ", ".join("N" if d < 0 else str(d) for d in expected_shape)
        array = as_array(key, value, f"an array of shape [{shown}]")
        if array.ndim != len(expected_shape) or any(
                d >= 0 and d != a for d, a in zip(expected_shape, array.shape)):
            fail(key, f"an array of shape {array.shape}", f"an array of shape [{shown}] "
                 f"(input of signature {signature!r})")
        arrays[key] = array.astype(details[key]["dtype"]) if np.can_cast(
            array.dtype, details[key]["dtype"], "same_kind") else array
        if arrays[key].dtype != details[key]["dtype"]:
            fail(key, f"an array of dtype {array.dtype}",
                 f"dtype {np.dtype(details[key]['dtype']).name} (input of {signature!r})")
    return arrays


def signature_runner(path_or_bytes, signature, num_threads=None):
    """The runner of one signature, or a ValueError listing those the file has."""
    model = interpreter(path_or_bytes, num_threads)
    signatures = list(model.get_signature_list())
    if signature not in signatures:
        fail("signature", repr(signature), "one of the file's signatures: "
             + ", ".join(repr(s) for s in signatures))
    return model.get_signature_runner(signature)


def run_tflite(path_or_bytes, signature, **inputs):
    """Run one signature of a TFLite model; returns a dict of NumPy outputs."""
    runner = signature_runner(path_or_bytes, signature)
    return runner(**check_signature_inputs(runner, signature, inputs))


def export_tflite(model, path, check=True, atol=1e-5, batch_size=3):
    """Convert `model`'s TFLite endpoints into one file at `path`.

    Files the model names in ``tflite_assets()`` (a table model's category vocabularies) are
    written beside it as ``<stem>.<name>``.

    Returns ``(path, report)`` where report maps each signature to its largest absolute
    difference from TensorFlow (None for random signatures). Raises `TFLiteMismatchError`
    when `check` is set and a signature disagrees.
    """
    check_exportable(model, "tflite_endpoints")
    path = check_output_path("path", path, kind="file")
    check = check_bool("check", check)
    atol = check_positive_float("atol", atol)
    batch_size = check_positive_int("batch_size", batch_size)
    endpoints = model.tflite_endpoints()
    with tempfile.TemporaryDirectory() as tmp:
        write_archive(model, endpoints, pathlib.Path(tmp) / "tflite_source")
        content = convert(pathlib.Path(tmp) / "tflite_source", [e.name for e in endpoints])
    # Checked before it is written, and written whole (a temporary file renamed): a failed
    # check or a crash leaves an existing file at `path` as it was.
    report = compare_with_keras(model, content, endpoints, atol=atol if check else None,
                                batch_size=batch_size)
    write_whole(path, lambda staging: staging.write_bytes(content))
    for name, text in model.tflite_assets().items():  # what an app needs beside the file
        sidecar = path.with_name(f"{path.stem}.{name}")
        write_whole(sidecar, lambda staging, text=text: staging.write_text(text))
    return path, report


def compare_with_keras(model, path_or_bytes, endpoints=None, atol=1e-5, batch_size=3, seed=0):
    """Largest absolute TFLite - TensorFlow difference per signature (see `export_tflite`)."""
    check_exportable(model, "tflite_endpoints")
    if atol is not None:
        atol = check_positive_float("atol", atol)
    batch_size = check_positive_int("batch_size", batch_size)
    check_int("seed", seed)
    endpoints = endpoints or model.tflite_endpoints()
    report = {}
    for endpoint in endpoints:
        inputs = example_inputs(endpoint, model, batch_size=batch_size, seed=seed)
        expected = {k: np.asarray(t) for k, t in endpoint.function(
            **{k: tf.constant(v) for k, v in inputs.items()}).items()}
        actual = run_tflite(path_or_bytes, endpoint.name, **inputs)
        if set(actual) != set(expected):
            raise TFLiteMismatchError(f"{endpoint.name}: outputs {sorted(actual)} != "
                                      f"{sorted(expected)}")
        for key in expected:
            if actual[key].shape != expected[key].shape or not np.all(np.isfinite(actual[key])):
                raise TFLiteMismatchError(
                    f"{endpoint.name}/{key}: TFLite shape {actual[key].shape} (finite: "
                    f"{np.all(np.isfinite(actual[key]))}) vs Keras {expected[key].shape}")
        if not endpoint.deterministic:
            report[endpoint.name] = None
            continue
        # Each output against its own scale (a WaveNet step's sample levels, up to 65535,
        # must not loosen the check of its probabilities); NaN fails ("not <=").
        errors = {k: float(np.max(np.abs(actual[k] - expected[k]), initial=0.0))
                  for k in expected}
        report[endpoint.name] = max(errors.values(), default=0.0)
        for key, error in errors.items():
            tolerance = None if atol is None else atol * max(
                1.0, float(np.max(np.abs(expected[key]), initial=0.0)))
            if tolerance is not None and not error <= tolerance:
                raise TFLiteMismatchError(f"{endpoint.name}/{key}: TFLite differs from Keras "
                                          f"by {error:.3g} (tolerance {tolerance:.3g})")
    return report
