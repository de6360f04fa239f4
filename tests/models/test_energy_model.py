"""EnergyModel: the Langevin update against its formula (a linear energy), training lowers the
data's energy below noise's, the replay buffer persists across steps and save/load, export,
bad input."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasgen
from kerasgen.export import export_tflite, run_tflite
from kerasgen.models import EnergyModel
from kerasgen.utils.noise import StatelessNoise


def _digits(n=256):
    return kerasgen.data.load_arrays("digits", max_examples=n)[0]


def test_langevin_follows_its_formula_on_a_linear_energy():
    """With no hidden layer E(x) = w.x + b, so dE/dx = w and (no noise)
    x_K = clip(x_0 - K step w, 0, 1); with noise, one step adds noise_scale * eps."""
    model = EnergyModel(hidden_units=(), step_size=0.01, noise_scale=0.0)
    w = model.energy_network.layers[-1].kernel.numpy().reshape(8, 8, 1)
    x0 = np.random.default_rng(0).uniform(0.2, 0.8, [3, 8, 8, 1]).astype(np.float32)
    out = model.langevin(tf.constant(x0), 7, StatelessNoise(tf.constant([1, 2]))).numpy()
    np.testing.assert_allclose(out, np.clip(x0 - 7 * 0.01 * w, 0, 1), atol=1e-6)
    noise = StatelessNoise(tf.constant([3, 4]))
    noisy = model.langevin(tf.constant(x0), 1, noise, noise_scale=0.05).numpy()
    eps = noise.normal(tf.shape(x0), tf.constant(0), 0).numpy()
    np.testing.assert_allclose(noisy, np.clip(x0 - 0.01 * w + 0.05 * eps, 0, 1), atol=1e-6)


def test_temperature_scales_the_langevin_noise_by_its_square_root():
    """Sampling exp(-E / T): for x - a dE + s eps the stationary law is about
    exp(-2 a E / s^2), so T multiplies the noise by sqrt(T). With a constant energy and one
    step from the same start and noise, x_T - x_1 = (sqrt(T) - 1) s eps wherever no clip
    acts: (x_9 - x_1) / (x_4 - x_1) = 2 (a noise linear in T would give 8 / 3)."""
    model = EnergyModel(hidden_units=(), noise_scale=0.01)
    for weight in model.energy_network.weights:
        weight.assign(tf.zeros_like(weight))
    at = {t: model.sample(64, langevin_steps=1, seed=5, temperature=t).numpy() / 16.0
          for t in (1.0, 4.0, 9.0)}
    inside = np.all([(x > 0.0) & (x < 1.0) for x in at.values()], axis=0)
    assert inside.mean() > 0.9
    np.testing.assert_allclose((at[9.0] - at[1.0])[inside],
                               2.0 * (at[4.0] - at[1.0])[inside], atol=1e-5)


def test_training_gives_data_lower_energy_than_noise_and_moves_the_buffer(tmp_path):
    images = _digits()
    model = EnergyModel(image_shape=(8, 8, 1), num_levels=17, hidden_units=(32, 32),
                        langevin_steps=10, buffer_size=128, seed=0)
    model.compile_with_defaults(1e-3)
    start_buffer = model.buffer.numpy().copy()
    model.fit(images, batch_size=32, epochs=8, verbose=0)
    assert not np.array_equal(model.buffer.numpy(), start_buffer)
    noise = np.random.default_rng(1).uniform(0, 16, images.shape)
    data_energy = float(tf.reduce_mean(model.energy(images)))
    noise_energy = float(tf.reduce_mean(model.energy(noise)))
    assert data_energy < noise_energy - 0.1, (data_energy, noise_energy)
    path = tmp_path / "ebm.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(loaded.buffer.numpy(), model.buffer.numpy())
    np.testing.assert_allclose(loaded.energy(images[:4]), model.energy(images[:4]), atol=1e-6)
    np.testing.assert_array_equal(loaded.sample(2, langevin_steps=5, seed=3),
                                  model.sample(2, langevin_steps=5, seed=3))


def test_a_training_step_writes_each_chain_to_its_own_buffer_row():
    """32 chains into a 64-row buffer: 32 distinct rows change (rows drawn with replacement
    would collide, about 7 times on average, and the write order of the collisions is undefined)."""
    model = EnergyModel(hidden_units=(8,), langevin_steps=2, buffer_size=64, reinit=0.0)
    model.compile_with_defaults()
    before = model.buffer.numpy().copy()
    model.fit(_digits(32), batch_size=32, epochs=1, verbose=0)
    changed = np.any(model.buffer.numpy() != before, axis=(1, 2, 3))
    assert changed.sum() == 32


@pytest.mark.slow
def test_tflite_energy_equals_keras(tmp_path):
    model = EnergyModel(hidden_units=(16,), network="conv", filters=(4,))
    path, report = export_tflite(model, tmp_path / "ebm.tflite")
    assert report["energy"] < 1e-5
    images = _digits(5).astype(np.float32)
    np.testing.assert_allclose(run_tflite(path, "energy", images=images)["energy"],
                               model.energy(images).numpy(), atol=1e-5)


@pytest.mark.parametrize("make, match", [
    (lambda: EnergyModel(network="mlp"), "network"),
    (lambda: EnergyModel(langevin_steps=0), "langevin_steps"),
    (lambda: EnergyModel(step_size=-1.0), "step_size"),
    (lambda: EnergyModel(reinit=1.5), "reinit"),
    (lambda: EnergyModel(energy_l2="a lot"), "energy_l2"),
    (lambda: EnergyModel(num_classes=3), "num_classes"),
    (lambda: EnergyModel().energy(np.full([1, 8, 8, 1], -1.0)), "images"),
    (lambda: EnergyModel().sample(2, langevin_steps=0), "langevin_steps"),
])
def test_bad_input_names_the_argument(make, match):
    with pytest.raises(ValueError, match=f"`{match}`"):
        make()
