"""The maximum-likelihood style under MirroredStrategy: two replicas train like one device.

Runs in a subprocess because logical CPU devices must be configured before TensorFlow starts.
The autoencoder draws no noise, so one device and two replicas must reach the same losses and
weights (loss scaled by the global batch, gradients summed across replicas, metrics aggregated
over all examples). The VAE's per-replica noise differs by design, so its losses agree only up
to Monte Carlo noise while its weights stay finite.
"""

import json
import subprocess
import sys

import numpy as np
import pytest

SCRIPT = r"""
import json, sys
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras, numpy as np
import kerasgen

images, _ = kerasgen.data.load_arrays("digits", max_examples=256)
family = sys.argv[1]

def run(strategy):
    keras.utils.set_random_seed(0)
    with strategy.scope():
        if family == "autoencoder":
            model = kerasgen.models.Autoencoder(latent_dim=4, hidden_units=(16,))
        else:
            model = kerasgen.models.VAE(latent_dim=4, hidden_units=(16,))
        model.compile(optimizer=keras.optimizers.SGD(0.05))
    data = tf.data.Dataset.from_tensor_slices(images).batch(64, drop_remainder=True)
    history = model.fit(data, epochs=2, verbose=0).history
    return {"history": {k: [float(x) for x in v] for k, v in history.items()},
            "weights": [w.numpy().tolist() for w in model.trainable_weights],
            "replicas": strategy.num_replicas_in_sync}

one = run(tf.distribute.OneDeviceStrategy("/cpu:0"))
two = run(tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]))
print(json.dumps({"one": one, "two": two}))
"""


def _run(family):
    result = subprocess.run([sys.executable, "-c", SCRIPT, family], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_two_replicas_train_exactly_like_one_device_without_noise():
    out = _run("autoencoder")
    assert out["one"]["replicas"] == 1 and out["two"]["replicas"] == 2
    for key, values in out["one"]["history"].items():
        np.testing.assert_allclose(out["two"]["history"][key], values, rtol=1e-5, err_msg=key)
    for a, b in zip(out["one"]["weights"], out["two"]["weights"]):
        np.testing.assert_allclose(np.asarray(b), np.asarray(a), atol=1e-5)


@pytest.mark.slow
def test_vae_metrics_read_the_same_on_two_replicas():
    out = _run("vae")
    one, two = out["one"]["history"], out["two"]["history"]
    assert set(one) == set(two) == {"loss", "reconstruction", "kl"}
    # Mean over 256 examples, not a per-replica sum: a bug here doubles the value.
    for key in one:
        assert abs(two[key][0] - one[key][0]) < 0.05 * abs(one[key][0]) + 0.5, key
    assert all(np.all(np.isfinite(np.asarray(w))) for w in out["two"]["weights"])
