"""Exact resume for every family: a run interrupted mid-epoch and restarted with Keras'
``BackupAndRestore`` ends with the weights of a run that was never interrupted.

The data is reshuffled every epoch (seeded), the interruption falls in the middle of the second
epoch, and the restart is a fresh model object that only sees the backup folder: weights,
optimizer state (both optimizers of a GAN), persistent chains, replay buffers, BEGAN's k and the
noise stream (keyed on the step counter) all have to come back.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgen import models
from tests.helpers import PER_CLASS_FAMILIES, TINY_FAMILIES, assert_weights_equal, family_elements

BATCHES_PER_EPOCH = 3
INTERRUPT_AT_STEP = 4  # the second batch of the second epoch
FAMILIES = PER_CLASS_FAMILIES  # one preset per model class (tests.helpers)
pytestmark = pytest.mark.slow  # README: what `-m "not slow"` leaves out

class Interrupt(keras.callbacks.Callback):
    """Raise after the training step numbered `at_step` (counted over the whole run)."""

    def __init__(self, at_step):
        super().__init__()
        self.at_step = at_step

    def on_train_batch_end(self, batch, logs=None):
        steps = int(keras.ops.convert_to_numpy(self.model.optimizer.iterations))
        if steps >= self.at_step:
            raise KeyboardInterrupt(f"interrupted after step {steps}")


def _data(model):
    count = 32 * BATCHES_PER_EPOCH
    return tf.data.Dataset.from_tensor_slices(family_elements(model, count)).shuffle(
        count, seed=7, reshuffle_each_iteration=True).batch(32)


def _make(family):
    model = TINY_FAMILIES[family]()
    model.compile_with_defaults()
    return model


def _fit(model, callbacks=()):
    if isinstance(model, models.DBN):  # greedy: arrays, one epoch per RBM
        images = family_elements(model, 32 * BATCHES_PER_EPOCH)
        return model.fit(images, epochs=2, batch_size=32, verbose=0, callbacks=list(callbacks))
    return model.fit(_data(model), epochs=2, verbose=0, callbacks=list(callbacks))


# Which of a DBN's fits the interruption falls in: the second RBM's (the first completes), or
# the up-down fine-tuning after both RBMs (its tiny configuration fine-tunes one epoch).
DBN_INTERRUPTED_FIT = {"dbn": 2, "dbn-fine-tuning": 3}


@pytest.mark.parametrize("family", sorted(FAMILIES) + ["dbn-fine-tuning"])
def test_interrupted_and_resumed_equals_uninterrupted(family, tmp_path):
    keras.utils.set_random_seed(0)
    interrupted_fit = DBN_INTERRUPTED_FIT.get(family)
    family = "dbn" if interrupted_fit else family
    straight = _make(family)  # the same command, never interrupted
    initial = straight.get_weights()
    _fit(straight, [keras.callbacks.BackupAndRestore(str(tmp_path / "unused"), save_freq=1)])

    backup = tmp_path / "backup"
    interrupted = _make(family)
    interrupted.set_weights(initial)
    # DBN: the first RBM's 6 steps finish, the second RBM is interrupted at its step 4;
    # or both RBMs finish and fine-tuning is interrupted at its step 2 (of 3).
    at_step = INTERRUPT_AT_STEP if interrupted_fit != 3 else 2
    with pytest.raises(KeyboardInterrupt):
        _fit(interrupted, [keras.callbacks.BackupAndRestore(str(backup), save_freq=1),
                           _DbnAwareInterrupt(at_step, interrupted_fit) if interrupted_fit
                           else Interrupt(at_step)])
    assert backup.exists()

    resumed = _make(family)  # a fresh object: everything must come from the backup
    history = _fit(resumed, [keras.callbacks.BackupAndRestore(str(backup), save_freq=1)])
    assert not backup.exists()  # deleted once training completed
    moved = max(np.abs(a - b).max() for a, b in zip(straight.get_weights(), initial))
    assert moved > 1e-3
    assert_weights_equal(straight, resumed, atol=1e-6)
    if family != "dbn":
        steps = int(keras.ops.convert_to_numpy(resumed.optimizer.iterations))
        assert steps == 2 * BATCHES_PER_EPOCH
        assert history.epoch == [1]  # only the rest of the interrupted epoch ran here


def test_a_resumed_run_interrupted_again_still_resumes(tmp_path):
    """Resuming mid-epoch runs two fits (the rest of the epoch, then the later epochs); Keras
    deletes the backup when a fit ends, so a second interruption early in the second fit found
    no backup and the third run started over. Backups every 2 steps, 3 epochs of 3 steps:
    interrupted after step 4, resumed and interrupted after step 7 (before the second fit's
    first backup), resumed again: the weights of the uninterrupted run."""
    def run(model, *extra):
        backup = keras.callbacks.BackupAndRestore(str(tmp_path / "backup"), save_freq=2)
        return model.fit(_data(model), epochs=3, verbose=0, callbacks=[backup, *extra])

    keras.utils.set_random_seed(0)
    straight = _make("vae")
    initial = straight.get_weights()
    straight.fit(_data(straight), epochs=3, verbose=0, callbacks=[
        keras.callbacks.BackupAndRestore(str(tmp_path / "unused"), save_freq=2)])
    for at_step in (4, 7):
        interrupted = _make("vae")
        interrupted.set_weights(initial)
        with pytest.raises(KeyboardInterrupt):
            run(interrupted, Interrupt(at_step))
        assert (tmp_path / "backup").exists(), f"no backup after the interruption at {at_step}"
    resumed = _make("vae")
    history = run(resumed)
    assert history.epoch == [2]  # only the rest of the third epoch ran here
    assert int(keras.ops.convert_to_numpy(resumed.optimizer.iterations)) == 9
    assert_weights_equal(straight, resumed, atol=1e-6)


def test_a_trained_model_fit_again_trains_its_epochs_anew_and_resumes(tmp_path):
    """A second ``fit`` of a trained model with a ``BackupAndRestore`` trains its epochs (as
    Keras' own resume does: the stream counts this run's steps, not the optimizer's), and
    interrupted mid-epoch it resumes exactly. The DBN's ``fine_tune`` after ``fit`` too."""
    def run(model, folder, *extra):
        backup = keras.callbacks.BackupAndRestore(str(tmp_path / folder), save_freq=1)
        return model.fit(_data(model), epochs=2, verbose=0, callbacks=[backup, *extra])

    def steps(model):
        return int(keras.ops.convert_to_numpy(model.optimizer.iterations))

    keras.utils.set_random_seed(0)
    straight = _make("vae")
    initial = straight.get_weights()
    run(straight, "first")
    run(straight, "second")
    assert steps(straight) == 4 * BATCHES_PER_EPOCH
    interrupted = _make("vae")
    interrupted.set_weights(initial)
    run(interrupted, "first")
    with pytest.raises(KeyboardInterrupt):
        run(interrupted, "second", Interrupt(2 * BATCHES_PER_EPOCH + INTERRUPT_AT_STEP))
    resumed = _make("vae")  # a fresh object: weights, optimizer and this run's start
    history = run(resumed, "second")
    assert history.epoch == [1] and steps(resumed) == 4 * BATCHES_PER_EPOCH
    assert_weights_equal(straight, resumed, atol=1e-6)

    dbn = _make("dbn")
    _fit(dbn, [keras.callbacks.BackupAndRestore(str(tmp_path / "dbn"), save_freq=1)])
    assert steps(dbn) == BATCHES_PER_EPOCH  # fine_tune_epochs=1 in the tiny configuration
    before = dbn.get_weights()
    history = dbn.fine_tune(family_elements(dbn, 32 * BATCHES_PER_EPOCH), batch_size=32,
                            verbose=0, callbacks=[keras.callbacks.BackupAndRestore(
                                str(tmp_path / "tune"), save_freq=1)])
    assert history.epoch == [0] and steps(dbn) == 2 * BATCHES_PER_EPOCH
    assert max(np.abs(a - b).max() for a, b in zip(dbn.get_weights(), before)) > 0


class _DbnAwareInterrupt(keras.callbacks.Callback):
    """Interrupt the DBN's `fit_call`-th fit (2: the second RBM, 3: fine-tuning) after its
    step `at_step` (the fits before it complete)."""

    def __init__(self, at_step, fit_call=2):
        super().__init__()
        self.at_step, self.fit_call, self.calls = at_step, fit_call, 0

    def on_train_begin(self, logs=None):
        self.calls += 1

    def on_train_batch_end(self, batch, logs=None):
        steps = int(keras.ops.convert_to_numpy(self.model.optimizer.iterations))
        if self.calls >= self.fit_call and steps >= self.at_step:
            raise KeyboardInterrupt(f"interrupted fit {self.calls} after step {steps}")
