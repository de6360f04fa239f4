"""A TF Serving model repository: ``<directory>/<name>/<version>/`` with named signatures.

Every endpoint a model names (``model.serving_endpoints()``) becomes one SavedModel signature
with named inputs and a dict of named outputs; the first is also ``serving_default``. Warm-up
requests (one ``PredictRequest`` per signature) go to
``assets.extra/tf_serving_warmup_requests``, which TF Serving replays when it loads the model.

    kerasgen.export.export_serving(vae, "saved_models", name="vae", version=1)
    # tensorflow_model_server --model_base_path=$PWD/saved_models/vae --model_name=vae
    # POST /v1/models/vae:predict {"signature_name": "sample",
    #                              "inputs": {"num_samples": 4, "seed": 0}}

Example:
    >>> import tempfile
    >>> import numpy as np
    >>> import tensorflow as tf
    >>> import kerasgen
    >>> vae = kerasgen.models.VAE(latent_dim=2, hidden_units=(8,))
    >>> folder = tempfile.mkdtemp()
    >>> path = export_serving(vae, folder, name="vae", version=1)
    >>> path.relative_to(folder).as_posix(), sorted(p.name for p in path.iterdir())
    ('vae/1', ['assets', 'assets.extra', 'fingerprint.pb', 'saved_model.pb', 'variables'])
    >>> loaded = tf.saved_model.load(str(path))
    >>> sorted(loaded.signatures)
    ['decode', 'encode', 'log_prob', 'reconstruct', 'sample', 'serving_default']
    >>> images = loaded.signatures["sample"](num_samples=tf.constant(4),
    ...                                      seed=tf.constant(0))["images"]
    >>> images.shape, np.array_equal(images, vae.sample(4, seed=0))
    (TensorShape([4, 8, 8, 1]), True)
    >>> [name for name, outputs in replay_warmup_requests(path)]  # what TF Serving replays
    ['sample', 'encode', 'decode', 'reconstruct', 'log_prob']
"""

import pathlib
import shutil
import tempfile

import keras
import tensorflow as tf

from kerasgen.export.endpoints import example_inputs
from kerasgen.utils.files import replace_folder
from kerasgen.utils.validation import (
    check_bool,
    check_existing_path,
    check_folder_name,
    check_output_path,
    check_positive_int,
    fail,
)

WARMUP_FILE = "tf_serving_warmup_requests"


def check_exportable(model, method):
    """`model` must be a kerasgen model that names its endpoints with `method`."""
    if not callable(getattr(model, method, None)):
        fail("model", f"a {type(model).__name__}, which has no {method}()",
             "a kerasgen model (which names its export endpoints)")


def write_archive(model, endpoints, path):
    """Write `endpoints` of `model` as a SavedModel at `path` with ``ExportArchive``."""
    archive = keras.export.ExportArchive()
    archive.track(model)
    for endpoint in endpoints:
        archive.add_endpoint(endpoint.name, endpoint.positional(),
                             input_signature=list(endpoint.input_signature))
    archive.write_out(str(path), verbose=False)
    return pathlib.Path(path)


def export_serving(model, directory="saved_models", name=None, version=1, warmup=True,
                   overwrite=True):
    """Export `model` to ``directory/name/version`` for TF Serving; returns that path.

    Args:
        model: a kerasgen model (anything with ``serving_endpoints()``).
        directory: the model base directory's parent (``saved_models`` by default).
        name: the model name in the repository (default: the model's class name, lowercased).
        version: a positive integer version; TF Serving serves the highest.
        warmup: write ``assets.extra/tf_serving_warmup_requests``.
        overwrite: replace an existing version directory (else a ValueError).
    """
    check_exportable(model, "serving_endpoints")
    version = check_positive_int("version", version)
    directory = check_output_path("directory", directory, kind="folder")
    if name is not None:
        check_folder_name("name", name, "None or a model name that is one folder name (no '/')")
    name = name or type(model).__name__.lower()
    warmup, overwrite = check_bool("warmup", warmup), check_bool("overwrite", overwrite)
    path = check_output_path("directory", directory / name / str(version), kind="folder")
    if path.exists() and not overwrite:
        fail("version", f"{version}, which already exists at {path}",
             "a new version number (or overwrite=True)")
    # Written next to the version under a name TF Serving ignores (not a number), then moved
    # into place: a failed export leaves an existing version as it was, and a server never
    # sees a half-written one.
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = pathlib.Path(tempfile.mkdtemp(prefix=f".{version}-staging-", dir=path.parent))
    try:
        endpoints = model.serving_endpoints()
        write_archive(model, endpoints, staging)
        if warmup:
            write_warmup_requests(staging, model, endpoints, name)
        replace_folder(staging, path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return path


def write_warmup_requests(path, model, endpoints, name):
    """One ``PredictionLog`` per endpoint, with example inputs, in TFRecord format."""
    from tensorflow_serving.apis import model_pb2, predict_pb2, prediction_log_pb2

    target = pathlib.Path(path) / "assets.extra" / WARMUP_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    with tf.io.TFRecordWriter(str(target)) as writer:
        for endpoint in endpoints:
            request = predict_pb2.PredictRequest(
                model_spec=model_pb2.ModelSpec(name=name, signature_name=endpoint.name))
            for key, value in example_inputs(endpoint, model, batch_size=1).items():
                request.inputs[key].CopyFrom(tf.make_tensor_proto(value))
            log = prediction_log_pb2.PredictionLog(
                predict_log=prediction_log_pb2.PredictLog(request=request))
            writer.write(log.SerializeToString())
    return target


def read_warmup_requests(path):
    """The ``PredictRequest``s stored in a version directory's warm-up file."""
    from tensorflow_serving.apis import prediction_log_pb2

    target = check_existing_path("path", path, "folder", f"assets.extra/{WARMUP_FILE}") \
        / "assets.extra" / WARMUP_FILE
    requests = []
    for record in tf.data.TFRecordDataset(str(target)):
        log = prediction_log_pb2.PredictionLog.FromString(record.numpy())
        requests.append(log.predict_log.request)
    return requests


def replay_warmup_requests(path):
    """Run each warm-up request against the SavedModel at `path`, as TF Serving does at load.

    Returns ``[(signature_name, outputs)]``.
    """
    check_existing_path("path", path, "folder", "saved_model.pb")
    loaded = tf.saved_model.load(str(path))
    results = []
    for request in read_warmup_requests(path):
        inputs = {k: tf.constant(tf.make_ndarray(v)) for k, v in request.inputs.items()}
        signature = loaded.signatures[request.model_spec.signature_name]
        results.append((request.model_spec.signature_name, signature(**inputs)))
    return results
