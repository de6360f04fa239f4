"""Running `model.fit` on several devices or machines with TensorFlow's own strategies.

    strategy = make_strategy("mirrored")        # every GPU (or the CPU) of this machine
    strategy = make_strategy("multi-worker")    # several machines, described by TF_CONFIG
    with strategy.scope():
        model = kerasgen.models.VAE(...)
        model.compile_with_defaults()
    model.fit(data)                             # data batched by the *global* batch size

What makes every kerasgen training style correct under a strategy lives with the styles:
losses are divided by the global batch (`tf.nn.compute_average_loss`), metrics are Keras
``Mean`` trackers (aggregated over all replicas), noise is drawn per example of the global
batch (`kerasgen.utils.noise`), and chain state is split across replicas and gathered back
(`kerasgen.utils.replicas`). This module only builds strategies and says who writes files.

A multi-worker run starts the same command on every machine, each with its own TF_CONFIG:

    TF_CONFIG='{"cluster": {"worker": ["host1:12345", "host2:12345"]},
                "task": {"type": "worker", "index": 0}}'

Worker 0 is the chief: it writes the run directory; the others write to a scratch folder
(every worker must still call ``save``, because saving reads distributed variables).

Example:
    >>> make_strategy("none") is None
    True
"""

import json
import os
import pathlib
import tempfile

import tensorflow as tf

from kerasgen.utils.validation import fail

STRATEGIES = ("none", "mirrored", "multi-worker")


def _cluster_task():
    """``(worker addresses, this task's index)`` from TF_CONFIG, checked."""
    raw = os.environ.get("TF_CONFIG")
    if not raw:
        fail("TF_CONFIG", "nothing (the variable is not set)",
             'a JSON cluster spec, e.g. {"cluster": {"worker": ["host1:port", "host2:port"]}, '
             '"task": {"type": "worker", "index": 0}}')
    try:
        config = json.loads(raw)
        workers = config["cluster"]["worker"]
        task = config["task"]
        index = int(task["index"])
    except (ValueError, KeyError, TypeError):
        fail("TF_CONFIG", repr(raw)[:200], 'JSON with "cluster": {"worker": [...]} and '
             '"task": {"type": "worker", "index": N}')
    if task.get("type") != "worker" or not 0 <= index < len(workers):
        fail("TF_CONFIG", repr(task), f"a worker task with index in [0, {len(workers)})")
    return workers, index


def make_strategy(name):
    """The strategy `name` (one of `STRATEGIES`), or None for "none". Build it before any
    other TensorFlow work: a multi-worker strategy configures the runtime's collectives."""
    if name not in STRATEGIES:
        fail("strategy", repr(name), "one of " + ", ".join(STRATEGIES))
    if name == "none":
        return None
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    _cluster_task()
    return tf.distribute.MultiWorkerMirroredStrategy()


def is_multi_worker(strategy=None):
    strategy = strategy or tf.distribute.get_strategy()
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)


def is_chief(strategy=None):
    """True unless this process is a non-chief worker of a multi-worker strategy."""
    if not is_multi_worker(strategy):
        return True
    _, index = _cluster_task()
    return index == 0


def writable_directory(directory, strategy=None):
    """`directory` for the chief; a scratch folder for the other workers (their copies of
    models and checkpoints must go somewhere, and two writers of one file collide)."""
    if is_chief(strategy):
        return pathlib.Path(directory)
    _, index = _cluster_task()
    return pathlib.Path(tempfile.mkdtemp(prefix=f"kerasgen-worker{index}-"))
