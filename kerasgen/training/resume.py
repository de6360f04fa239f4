"""Exact resume with ``keras.callbacks.BackupAndRestore``, also from the middle of an epoch.

Keras restores the weights and optimizer of the last backup but restarts the interrupted epoch
from its first batch (and a fresh dataset replays its first shuffle order), so a resumed run
sees other batches than an uninterrupted one. kerasgen models fit with a ``BackupAndRestore``
in their callbacks go through `fit_resumably` instead, which reads the data as one stream:

    stream = x.repeat()             epoch e is the e-th pass (its e-th shuffle order)
    step   = optimizer.iterations   batches this run trained on (restored with the backup,
             - the run's first step    less the step the run began at, kept beside it)
    resume = stream.skip(step)      the rest of the interrupted epoch, then whole epochs

(A seeded ``shuffle`` keeps its reshuffling state in the dataset object: the e-th pass over a
fresh dataset has the same order in every process, which is what makes this exact. Keras'
own epoch loop opens its passes differently, so a shuffled dataset is seen in another order
with a ``BackupAndRestore`` than without one: the reference for a resumed run is the same
command left uninterrupted.)

Every noise draw is keyed on the step counter (`kerasgen.utils.noise`) and persistent chains are
model variables, so weights, optimizer state, chains and noise all continue exactly where the
backup left them. Arrays are turned into a dataset shuffled by the model's seed (Keras would
shuffle them with the unseeded global generator). Datasets of unknown length, fits with
``validation_split`` or ``steps_per_epoch``, and multi-worker runs get Keras' own (epoch-level)
resume.

Example:
    >>> import os, tempfile
    >>> import keras
    >>> import numpy as np
    >>> import kerasgen
    >>> images, _ = kerasgen.data.load_arrays("digits", max_examples=96)  # 3 batches of 32
    >>> folder = tempfile.mkdtemp()
    >>> def fit(model, backup, *callbacks):
    ...     backup = keras.callbacks.BackupAndRestore(os.path.join(folder, backup), save_freq=1)
    ...     return model.fit(images, batch_size=32, epochs=2, verbose=0,
    ...                      callbacks=[backup, *callbacks])
    >>> def make():
    ...     model = kerasgen.models.RBM(hidden_units=8)
    ...     model.compile_with_defaults()
    ...     return model
    >>> class Interrupt(keras.callbacks.Callback):
    ...     def on_train_batch_end(self, batch, logs=None):
    ...         if int(self.model.optimizer.iterations) == 4:  # the second epoch's second batch
    ...             raise RuntimeError("interrupted after step 4")
    >>> straight = make()  # the same command, never interrupted
    >>> initial = straight.get_weights()
    >>> _ = fit(straight, "unused")
    >>> interrupted = make()
    >>> interrupted.set_weights(initial)
    >>> fit(interrupted, "ckpt", Interrupt())
    Traceback (most recent call last):
    ...
    RuntimeError: interrupted after step 4
    >>> resumed = make()  # a fresh object: weights, optimizer and step come from the backup
    >>> history = fit(resumed, "ckpt")
    >>> history.epoch, int(resumed.optimizer.iterations)  # only the rest of epoch 1 ran
    ([1], 6)
    >>> all(np.allclose(a, b, atol=1e-6)
    ...     for a, b in zip(straight.get_weights(), resumed.get_weights()))
    True
"""

import json
import os

import keras
import tensorflow as tf

from kerasgen.training.distribute import is_multi_worker

RUN_START_FILE = "kerasgen_run_start.json"  # beside Keras' backup: the step a run began at


def find_backup(callbacks):
    """The ``BackupAndRestore`` among `callbacks`, or None."""
    found = [c for c in callbacks or () if isinstance(c, keras.callbacks.BackupAndRestore)]
    return found[0] if found else None


def can_resume_exactly(model, x, fit_kwargs):
    """Arrays, or a dataset of known finite length, without ``validation_split`` or
    ``steps_per_epoch``, outside multi-worker strategies (the rest get Keras' own epoch-level
    resume)."""
    if fit_kwargs.get("validation_split") or fit_kwargs.get("steps_per_epoch"):
        return False
    if is_multi_worker(model.distribute_strategy):
        # The stream runs there, but auto-sharding rewrites the pipeline under the skip: a
        # resumed worker trained on other batches than an uninterrupted one (measured).
        return False
    return not isinstance(x, tf.data.Dataset) or int(x.cardinality()) > 0


def as_dataset(model, x, y, batch_size, shuffle, sample_weight=None):
    """Arrays ``x`` (and labels ``y``, sample weights) as a batched dataset of ``x``, ``(x,
    y)`` or ``(x, y, sample_weight)`` (``y`` may be None there), reshuffled every epoch in an
    order fixed by ``model.seed``."""
    elements = (x, y, sample_weight) if sample_weight is not None else x if y is None \
        else (x, y)
    data = tf.data.Dataset.from_tensor_slices(elements)
    if shuffle:
        data = data.shuffle(len(x), seed=model.seed, reshuffle_each_iteration=True)
    return data.batch(batch_size or 32)


def fit_resumably(model, fit, x, backup, epochs=1, initial_epoch=0, **kwargs):
    """``fit(x, epochs, ...)`` restored from `backup` and continued on the batches the run had
    not trained on (module docstring). `fit` is Keras' own ``Model.fit``."""
    batches = int(x.cardinality())
    restored = os.path.exists(backup._weights_path)
    if restored:
        backup.set_model(model)
        with model.distribute_strategy.scope():  # it may build the optimizer's variables
            backup._load_model()
    step = _steps_of_this_run(model, backup, restored)
    epoch, batch = divmod(step, batches)
    epoch = max(epoch, initial_epoch)
    # A seeded shuffle draws each pass's order from state kept in the dataset object, so
    # passes are counted, not recomputed: skipping through the first `step` batches advances
    # that state exactly as the interrupted run did, and the second call's stream starts at
    # the next pass.
    history = None
    skip = step
    if batch and epoch < epochs:  # finish the interrupted epoch
        history = _fit_from(model, fit, backup, x.repeat().skip(skip).take(batches - batch),
                            epoch, epoch + 1, more_follows=epoch + 1 < epochs, **kwargs)
        epoch, skip = epoch + 1, 0
    if epoch < epochs and not model.stop_training:
        later = _fit_from(model, fit, backup, x.repeat().skip(skip), epoch, epochs,
                          steps_per_epoch=batches, **kwargs)
        history = _merged(history, later)
    return history if history is not None else keras.callbacks.History()


def _steps_of_this_run(model, backup, restored):
    """How many batches this run has trained on: the optimizer's step less the step it
    started from, which the first call of a run records beside the backup (so an already
    trained model fit again trains its `epochs` anew, as with Keras' own resume)."""
    step = int(keras.ops.convert_to_numpy(model.optimizer.iterations))
    path = os.path.join(backup.backup_dir, RUN_START_FILE)
    if restored:  # a backup written before the start was recorded began at step 0
        if not os.path.exists(path):
            return step
        with open(path) as file:
            return step - json.load(file)["step"]
    os.makedirs(backup.backup_dir, exist_ok=True)
    with open(path, "w") as file:
        json.dump({"step": step}, file)
    return 0


def _fit_from(model, fit, backup, data, first_epoch, epochs, more_follows=False, **kwargs):
    model._initial_epoch = None  # Keras would start from a stale restored epoch
    backup._current_epoch = first_epoch  # the epoch its mid-epoch backups record
    deletes = backup.delete_checkpoint
    if more_follows:  # Keras would delete the backup when this fit ends: a crash in the next
        backup.delete_checkpoint = False  # fit, before its first backup, would lose the run
    try:
        history = fit(data, epochs=epochs, initial_epoch=first_epoch, shuffle=False, **kwargs)
    finally:
        backup.delete_checkpoint = deletes
    if os.path.exists(backup.backup_dir):  # kept: back up the end state
        backup._save_model()
    return history


def _merged(first, second):
    if first is None:
        return second
    for key, values in second.history.items():
        first.history.setdefault(key, []).extend(values)
    first.epoch += second.epoch
    return first
