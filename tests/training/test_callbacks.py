"""Callbacks: NaNGuard watches every loss, SampleGrid writes PNG grids, TimeLimit stops."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from kerasgen.models import VAE
from kerasgen.training import NaNGuard, SampleGrid, TimeLimit
from tests.helpers import digits, make_model


class TwoLosses(keras.Model):
    """Reports a GAN-like pair of losses; `d_loss` turns NaN from step `bad_step` on."""

    def __init__(self, bad_step=3, bad_key="d_loss"):
        super().__init__()
        self.dense = keras.layers.Dense(1)
        self.bad_step, self.bad_key = bad_step, bad_key
        self.steps = tf.Variable(0, trainable=False)

    def call(self, x):
        return self.dense(x)

    def train_step(self, data):
        self.steps.assign_add(1)
        bad = tf.where(self.steps >= self.bad_step, float("nan"), 1.0)
        logs = {"d_loss": tf.constant(0.5), "g_loss": tf.constant(1.0), "kl": tf.constant(2.0)}
        logs[self.bad_key] = bad
        return logs


def _fit(model, callbacks, epochs=2):
    model.compile(optimizer="sgd")
    return model.fit(np.zeros((40, 1), np.float32), batch_size=4, epochs=epochs, verbose=0,
                     callbacks=callbacks)


def test_nan_guard_stops_on_any_loss_key():
    model = TwoLosses(bad_step=3)
    guard = NaNGuard()
    _fit(model, [guard])
    assert int(model.steps.numpy()) == 3          # stopped right after the third batch
    key, value, batch = guard.stopped_on
    assert key == "d_loss" and math.isnan(value) and batch == 2


def test_terminate_on_nan_misses_it():
    """Keras' TerminateOnNaN reads only logs["loss"]: all 20 steps run (the contrast)."""
    model = TwoLosses(bad_step=3)
    _fit(model, [keras.callbacks.TerminateOnNaN()])
    assert int(model.steps.numpy()) == 20


def test_nan_guard_watches_every_key_unless_told_which():
    everything = TwoLosses(bad_step=2, bad_key="kl")
    guard = NaNGuard()
    _fit(everything, [guard])
    assert guard.stopped_on[0] == "kl" and int(everything.steps.numpy()) == 2
    chosen = TwoLosses(bad_step=2, bad_key="kl")
    guard = NaNGuard(keys=["d_loss", "g_loss"])
    _fit(chosen, [guard])
    assert guard.stopped_on is None and int(chosen.steps.numpy()) == 20


def test_nan_guard_arguments_are_checked():
    for bad in (0, -1, 1.5, "2"):
        with pytest.raises(ValueError, match="rollback_every"):
            NaNGuard(rollback_every=bad)
    for bad in ("d_loss", [1, 2]):  # a string would watch its letters
        with pytest.raises(ValueError, match="keys"):
            NaNGuard(keys=bad)


def test_nan_guard_on_infinite_loss_of_a_real_model():
    model = make_model(VAE)
    guard = NaNGuard()
    images, _ = digits(64)
    model.fit(images, batch_size=16, epochs=1, verbose=0, callbacks=[guard])
    assert guard.stopped_on is None
    # Simulate the log of a diverged step.
    guard.on_train_batch_end(7, {"loss": float("inf"), "kl": 1.0})
    assert guard.stopped_on == ("loss", float("inf"), 7) and model.stop_training


def _tile(images, columns, padding=1):
    """Independent tiling: uint8 [rows*(h+p)+p, cols*(w+p)+p] of images in [0, 16]."""
    n, h, w, _ = images.shape
    rows = -(-n // columns)
    grid = np.zeros([rows * (h + padding) + padding, columns * (w + padding) + padding], np.uint8)
    for i, image in enumerate(np.clip(np.round(images[..., 0] / 16 * 255), 0, 255)):
        r, c = divmod(i, columns)
        grid[padding + r * (h + padding):][:h, padding + c * (w + padding):][:, :w] = image
    return grid


def test_sample_grid_gives_a_conditional_model_the_classes_in_turn(tmp_path):
    from kerasgen.models import ConditionalVAE

    model = make_model(ConditionalVAE, num_classes=10)
    images, labels = digits(64)
    callback = SampleGrid(tmp_path / "grids", num_samples=12, seed=5)
    model.fit(images, labels, batch_size=32, epochs=1, verbose=0, callbacks=[callback])
    assert [p.name for p in callback.paths] == ["epoch_001.png"]
    np.testing.assert_array_equal(
        callback._rows[0], model.sample(12, seed=5, labels=np.arange(12) % 10)[:8])


def test_sample_grid_writes_one_png_per_epoch(tmp_path):
    model = make_model(VAE)
    images, _ = digits(64)
    callback = SampleGrid(tmp_path / "grids", num_samples=12, seed=5)
    model.fit(images, batch_size=32, epochs=2, verbose=0, callbacks=[callback])
    names = sorted(p.name for p in (tmp_path / "grids").glob("epoch_*.png"))
    assert names == ["epoch_001.png", "epoch_002.png"]
    assert [p.name for p in callback.paths] == names
    # 12 images -> 4 columns x 3 rows of 8x8 with 1-pixel padding, enlarged 4 times.
    with Image.open(callback.paths[-1]) as png:
        assert png.size == ((4 * 9 + 1) * 4, (3 * 9 + 1) * 4)
        pixels = np.asarray(png.convert("L"))
    # The last grid shows model.sample(12, seed=5) after the last epoch.
    expected = _tile(np.asarray(model.sample(12, seed=5)), columns=4)
    np.testing.assert_allclose(pixels[::4, ::4].astype(int), expected.astype(int), atol=1)
    with Image.open(callback.paths[0]) as first:
        assert not np.array_equal(np.asarray(first.convert("L")), pixels)   # training moved on
    # progress.png: the first 8 samples of each epoch's grid, one row per epoch.
    with Image.open(tmp_path / "grids" / "progress.png") as png:
        assert png.size == ((8 * 9 + 1) * 4, (2 * 9 + 1) * 4)
        progress = np.asarray(png.convert("L"))[::4, ::4]
    last_row = _tile(np.asarray(model.sample(12, seed=5))[:8], columns=8)
    np.testing.assert_allclose(progress[9:].astype(int), last_row.astype(int), atol=1)


def test_sample_grid_every(tmp_path):
    model = make_model(VAE)
    images, _ = digits(32)
    callback = SampleGrid(tmp_path, num_samples=4, every=2)
    model.fit(images, batch_size=32, epochs=3, verbose=0, callbacks=[callback])
    assert sorted(p.name for p in tmp_path.glob("*.png")) == ["epoch_002.png", "progress.png"]


def test_time_limit_stops_training():
    model = make_model(VAE)
    images, _ = digits(64)
    limit = TimeLimit(minutes=0)
    model.fit(images, batch_size=8, epochs=5, verbose=0, callbacks=[limit])
    assert int(model.optimizer.iterations.numpy()) == 1
    generous = TimeLimit(minutes=10)
    model.fit(images, batch_size=8, epochs=2, verbose=0, callbacks=[generous])
    assert int(model.optimizer.iterations.numpy()) == 1 + 16
    assert 0 < generous.elapsed < 600


def test_time_limit_cosine_decay_follows_the_formula():
    model = make_model(VAE, learning_rate=0.01)
    limit = TimeLimit(minutes=1, cosine_decay=True, floor=0.1)
    limit.set_model(model)
    limit.on_train_begin()
    assert limit.initial_lr == pytest.approx(0.01)
    now = {"t": 0.0}
    limit.start, limit._clock = 0.0, lambda: now["t"]
    for seconds in (0.0, 15.0, 30.0, 45.0):
        now["t"] = seconds
        limit.on_train_batch_end(0)
        expected = 0.01 * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * seconds / 60)))
        lr = float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))
        assert lr == pytest.approx(expected, rel=1e-5)
        assert not model.stop_training
    # Between multiples of 50 batches the rate is left alone; at the budget, training stops.
    now["t"] = 50.0
    limit.on_train_batch_end(7)
    assert float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)) == pytest.approx(
        0.01 * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * 0.75))), rel=1e-5)
    now["t"] = 60.0
    limit.on_train_batch_end(50)
    assert model.stop_training


@pytest.mark.parametrize("make, name", [
    (lambda path: SampleGrid(path, every=0), "every"),
    (lambda path: SampleGrid(path, num_samples=0), "num_samples"),
    (lambda path: TimeLimit(minutes=-1), "minutes"),
], ids=["every=0", "num_samples=0", "minutes=-1"])
def test_callback_arguments_are_checked_up_front(make, name, tmp_path):
    with pytest.raises(ValueError, match=f"`{name}`"):
        make(tmp_path)
