"""Stateless training noise: seeds keyed on (seed, step, salt, replica)."""

import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import tensorflow as tf

from kerasgen.utils.noise import (
    SALT_BINARIZE,
    SALT_CORRUPT,
    SALT_DROPOUT,
    SALT_LATENT,
    fixed_seed,
    replica_id,
    step_seed,
)

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]


def _seed(*args, **kwargs):
    value = step_seed(*args, **kwargs)
    assert value.dtype == tf.int32 and value.shape == (2,)
    return tuple(value.numpy().tolist())


def test_step_seed_shape_dtype_and_determinism():
    assert _seed(3, tf.constant(10, tf.int64), 1) == _seed(3, tf.constant(10, tf.int64), 1)
    assert _seed(3, 10, 1) == _seed(3, tf.constant(10, tf.int64), 1)
    assert int(replica_id().numpy()) == 0


def test_step_seed_differs_for_steps_salts_and_seeds():
    seeds = {_seed(seed, step, salt) for seed in (0, 1, 12345) for step in (0, 1, 2, 10**6)
             for salt in (0, SALT_LATENT, SALT_BINARIZE, SALT_CORRUPT, SALT_DROPOUT, 100)}
    assert len(seeds) == 3 * 4 * 6
    # The documented key: [seed * 1_000_003 + salt * 7_919 + replica, step].
    assert _seed(2, 5, 3) == (2 * 1_000_003 + 3 * 7_919, 5)


def test_step_seed_folds_large_values_into_int32():
    for seed, step in ((2**40, 2**40), (10**6, 2**31 + 5), (-7, 3)):
        value = step_seed(seed, tf.constant(step, tf.int64), 1).numpy()
        assert np.all(value >= 0) and np.all(value < 2**31 - 1)
    assert _seed(0, 2**31 - 1 + 4) == _seed(0, 4)


def test_stateless_draws_follow_the_seed():
    a = tf.random.stateless_normal([100], seed=step_seed(0, 7, SALT_LATENT))
    b = tf.random.stateless_normal([100], seed=step_seed(0, 7, SALT_LATENT))
    c = tf.random.stateless_normal([100], seed=step_seed(0, 8, SALT_LATENT))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_fixed_seed():
    assert tuple(fixed_seed(4, 1).numpy()) == (4 * 1_000_003 + 7_919, 0)
    assert tuple(fixed_seed(4).numpy()) != tuple(fixed_seed(5).numpy())


_MIRRORED = textwrap.dedent("""
    import os
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import numpy as np
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from kerasgen.utils.noise import step_seed
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    assert strategy.num_replicas_in_sync == 2

    @tf.function
    def draw():
        seed = step_seed(7, tf.constant(5, tf.int64), 1)
        return seed, tf.random.stateless_normal([4], seed=seed)

    seeds, noise = zip(*[(s.numpy(), n.numpy()) for s, n in zip(
        *[strategy.experimental_local_results(v) for v in strategy.run(draw)])])
    print("SEEDS", [s.tolist() for s in seeds])
    base = step_seed(7, tf.constant(5, tf.int64), 1).numpy().tolist()
    assert seeds[0].tolist() == base, (seeds, base)
    assert seeds[1].tolist() == [base[0] + 1, base[1]], seeds
    assert not np.allclose(noise[0], noise[1])
    print("OK")
""")


def test_replicas_draw_different_noise_under_mirrored_strategy():
    """Two logical CPU devices must be set up before TensorFlow starts: own process."""
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT) + os.pathsep + os.environ.get(
        "PYTHONPATH", ""))
    result = subprocess.run([sys.executable, "-c", _MIRRORED], capture_output=True, text=True,
                            timeout=120, env=env, cwd=REPO_ROOT)
    if result.returncode != 0:
        pytest.fail(f"subprocess failed:\n{result.stdout}\n{result.stderr[-3000:]}")
    assert "OK" in result.stdout
