"""MultiWorkerMirroredStrategy: two worker processes on 127.0.0.1 (a TF_CONFIG each) train
every family to identical weights, resume from their backups, and run the command line.

Under several workers Keras all-reduces across processes; kerasgen's losses, noise and state
are the same code as under MirroredStrategy (tests/test_distribute.py), so these tests check
that every family *runs* there and that the workers stay in step.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import REPO_ROOT
from tests.helpers import PER_STYLE_FAMILIES

pytestmark = pytest.mark.slow  # README: what `-m "not slow"` leaves out


def _free_ports(count):
    import socket

    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _run_workers(argv, timeout=600):
    """Start `argv` as two workers of one cluster (TF_CONFIG per process); their stdouts."""
    workers = [f"127.0.0.1:{port}" for port in _free_ports(2)]
    processes = []
    for index in range(2):
        config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
        env = dict(os.environ, TF_CONFIG=json.dumps(config), TF_CPP_MIN_LOG_LEVEL="3")
        processes.append(subprocess.Popen(argv, env=env, cwd=REPO_ROOT, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True))
    outputs = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=timeout)
        assert process.returncode == 0, stderr[-3000:]
        outputs.append(stdout)
    return outputs


WORKER_SCRIPT = r"""
import hashlib, json, os, sys
from kerasgen.training.distribute import make_strategy
strategy = make_strategy("multi-worker")
import numpy as np, tensorflow as tf
from kerasgen.models import DBN
from tests.helpers import PER_STYLE_FAMILIES, digits, family_elements
images, _ = digits(128)


def digest(weights):
    return hashlib.sha256(b"".join(w.tobytes() for w in weights)).hexdigest()


out = {}
for name, make in PER_STYLE_FAMILIES.items():  # one per training style, the DBN, WaveNet
    with strategy.scope():
        model = make()
        model.compile_with_defaults()
    start = [w.copy() for w in model.get_weights()]
    elements = family_elements(model, 128)
    if isinstance(model, DBN):  # greedy: arrays
        model.fit(elements, batch_size=32, epochs=2, shuffle=False, verbose=0)
    else:
        data = tf.data.Dataset.from_tensor_slices(elements).batch(48)  # a smaller last batch
        model.fit(data, epochs=2, verbose=0)
    weights = model.get_weights()
    out[name] = {"hash": digest(weights),
                 "moved": max(float(np.abs(a - b).max()) for a, b in zip(weights, start))}

# Resume (Keras' own, epoch-level, under multi-worker strategies): both workers interrupted
# after the first of two epochs, restarted on fresh models from their backup folders, against
# the run never interrupted. The data is not reshuffled: Keras' epoch loop would replay a fresh
# dataset's first order.
import keras
from kerasgen.models import VAE


class Interrupt(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        raise KeyboardInterrupt


def new_vae():
    with strategy.scope():
        model = VAE(latent_dim=2, hidden_units=(16,))
        model.compile_with_defaults()
    return model


def vae_run(initial, folder, interrupt=False):
    model = new_vae()
    model.set_weights(initial)
    data = tf.data.Dataset.from_tensor_slices(images).batch(32, drop_remainder=True)
    callbacks = [keras.callbacks.BackupAndRestore(folder)] + [Interrupt()] * interrupt
    try:
        model.fit(data, epochs=2, verbose=0, callbacks=callbacks)
    except KeyboardInterrupt:
        return None
    return model


folder = f"{sys.argv[1]}/worker-{json.loads(os.environ['TF_CONFIG'])['task']['index']}"
initial = new_vae().get_weights()
straight = vae_run(initial, folder + "/straight")
assert vae_run(initial, folder + "/backup", interrupt=True) is None
assert os.path.exists(folder + "/backup")
resumed = vae_run(initial, folder + "/backup")
out["vae-resume"] = {"straight": digest(straight.get_weights()),
                     "resumed": digest(resumed.get_weights()),
                     "moved": max(float(np.abs(a - b).max())
                                  for a, b in zip(straight.get_weights(), initial))}
print("RESULT " + json.dumps(out))
"""


def test_two_local_workers_end_with_identical_weights_and_resume(tmp_path):
    outputs = _run_workers([sys.executable, "-c", WORKER_SCRIPT, str(tmp_path)])
    results = [json.loads(line[len("RESULT "):]) for out in outputs
               for line in out.splitlines() if line.startswith("RESULT ")]
    assert len(results) == 2
    assert len(results[0]) == len(PER_STYLE_FAMILIES) + 1  # each family and the resume check
    for family in results[0]:
        if family == "vae-resume":
            continue
        assert results[0][family]["moved"] > 1e-3, family
        assert results[0][family]["hash"] == results[1][family]["hash"], family
    for worker in results:  # interrupted after epoch 1 and resumed == never interrupted
        resume = worker["vae-resume"]
        assert resume["moved"] > 1e-3 and resume["resumed"] == resume["straight"]
    assert results[0]["vae-resume"]["resumed"] == results[1]["vae-resume"]["resumed"]


def test_command_line_trains_on_two_workers(tmp_path):
    """The run's data yields (images, labels); the unconditional VAE ignores the labels."""
    from kerasgen.models import load_model

    outputs = _run_workers([sys.executable, "-m", "kerasgen.cli", "train", "vae", "--strategy",
                            "multi-worker", "--epochs", "2", "--max-examples", "256",
                            "--no-export", "--verbose", "0", "--out", str(tmp_path)])
    runs = [json.loads(out[out.index("{"):]) for out in outputs]
    chief, worker = sorted(runs, key=lambda run: "worker" in run)
    assert chief["run_dir"] == str(tmp_path / "vae-digits") and "worker" not in chief
    assert worker["worker"] and worker["run_dir"] != chief["run_dir"]
    models = [load_model(f"{run['run_dir']}/model.keras") for run in (chief, worker)]
    for a, b in zip(*(m.get_weights() for m in models)):
        np.testing.assert_array_equal(a, b)
    assert "strategy" in (tmp_path / "vae-digits" / "run.json").read_text()


def test_multi_worker_option_without_tf_config_is_a_one_line_error(capsys, monkeypatch):
    from kerasgen.cli import main

    monkeypatch.delenv("TF_CONFIG", raising=False)
    assert main(["train", "vae", "--strategy", "multi-worker", "--epochs", "1"]) == 2
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and "TF_CONFIG" in error
    assert main(["train", "vae", "--strategy", "parameter-server"]) == 2
    assert "--strategy" in capsys.readouterr().err
