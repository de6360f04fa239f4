"""Callbacks every family can use: sample grids from fixed noise, and a NaN guard.

Example:
    >>> guard = NaNGuard()
    >>> # model.fit(data, callbacks=[guard, SampleGrid("samples/")])
"""

import math
import pathlib

import keras
import numpy as np

from kerasgen.utils.images import save_image_grid
from kerasgen.utils.validation import check_positive_int, fail


class SampleGrid(keras.callbacks.Callback):
    """Write ``model.sample(num_samples, seed=seed)`` as ``epoch_XXX.png`` after each epoch,
    and ``progress.png``: the first `progress_columns` samples of every grid so far, one row
    per written epoch, top to bottom.

    The same `seed` every epoch means the same noise, so the grids show training progress.
    """

    def __init__(self, directory, num_samples=64, seed=0, every=1, progress_columns=8,
                 **sample_kwargs):
        super().__init__()
        self.directory = pathlib.Path(directory)
        self.num_samples = check_positive_int("num_samples", num_samples)
        self.every = check_positive_int("every", every)
        self.seed = seed
        self.progress_columns = check_positive_int("progress_columns", progress_columns)
        self.sample_kwargs = sample_kwargs
        self.paths = []
        self._rows = []

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        kwargs = dict(self.sample_kwargs)
        if getattr(self.model, "num_classes", None) and "labels" not in kwargs:
            # a conditional model needs labels: the classes in turn, one per sample
            kwargs["labels"] = np.arange(self.num_samples) % self.model.num_classes
        images = self.model.sample(self.num_samples, seed=self.seed, **kwargs)
        path = self.directory / f"epoch_{epoch + 1:03d}.png"
        self.paths.append(save_image_grid(images, path, self.model.num_levels))
        self._rows.append(np.asarray(images)[:self.progress_columns])
        save_image_grid(np.concatenate(self._rows), self.directory / "progress.png",
                        self.model.num_levels, columns=len(self._rows[0]))


class NaNGuard(keras.callbacks.Callback):
    """Stop training on the first non-finite value of any reported loss, and say which one.

    Every value a kerasgen model reports is a loss or a term of one (``d_loss``, ``g_loss``,
    ``encoder_loss``, ``kl``, ``bits_per_dim``, ``gradient_penalty``, BEGAN's ``k``...), so every
    key of the batch logs is watched; `keys` restricts the watch to those names. (Keras'
    ``TerminateOnNaN`` reads only ``logs["loss"]``, which a GAN does not report.)

    The step that reports a NaN loss has usually applied NaN gradients too. With
    `rollback_every` = N, the guard copies every model and optimizer variable to host memory
    when training starts and after every N-th finite batch, and a non-finite value restores the
    last copy before stopping, so the model is left as it was at most N steps earlier instead
    of full of NaN (each copy costs one device-to-host transfer of the weights).

    After a stop, `stopped_on` is ``(key, value, batch)`` for the value that tripped it and
    `rolled_back_to` the optimizer step of the restored copy (None without rollback).

    Example:
        >>> guard = NaNGuard(rollback_every=50)
        >>> # model.fit(data, callbacks=[guard]); guard.stopped_on -> ("d_loss", nan, 412)
    """

    def __init__(self, keys=None, rollback_every=None):
        super().__init__()
        if isinstance(keys, str) or not (keys is None or all(isinstance(k, str) for k in keys)):
            fail("keys", repr(keys), 'None (every reported value) or a list of names, such as '
                 '["d_loss", "g_loss"]')
        self.keys = None if keys is None else tuple(keys)
        self.rollback_every = None if rollback_every is None else check_positive_int(
            "rollback_every", rollback_every)
        self.stopped_on = None
        self.rolled_back_to = None
        self._copy = None
        self._finite_batches = 0

    def _watched(self, logs):
        return [k for k in logs if self.keys is None or k in self.keys]

    def _state(self):
        """Every variable training changes: the model's and each of its optimizers'."""
        optimizers = {id(o): o for o in [self.model.optimizer, *vars(self.model).values()]
                      if isinstance(o, keras.optimizers.Optimizer)}
        variables = list(self.model.variables)
        for optimizer in optimizers.values():
            variables += optimizer.variables
        return variables

    def _take_copy(self):
        self._copy = [(v, keras.ops.convert_to_numpy(v)) for v in self._state()]

    def on_train_begin(self, logs=None):
        self.stopped_on = self.rolled_back_to = None
        self._finite_batches = 0
        if self.rollback_every:
            self._take_copy()

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        for key in self._watched(logs):
            value = float(np.ravel(logs[key])[0])  # rank-1 under multi-worker strategies
            if not math.isfinite(value):
                self.stopped_on = (key, value, batch)
                message = f"NaNGuard: non-finite {key} = {value} at batch {batch}; stopping"
                if self._copy is not None:
                    for variable, saved in self._copy:
                        variable.assign(saved)
                    self.rolled_back_to = int(keras.ops.convert_to_numpy(
                        self.model.optimizer.iterations))
                    message += f" and rolling back to step {self.rolled_back_to}"
                print(message + ".")
                self.model.stop_training = True
                return
        self._finite_batches += 1
        if self.rollback_every and self._finite_batches % self.rollback_every == 0:
            self._take_copy()


class TimeLimit(keras.callbacks.Callback):
    """Stop training once `minutes` of wall time have passed (checked after each batch), and
    anneal the learning rate along a cosine over that budget if `cosine_decay` is set:

        lr(t) = lr0 * (floor + (1 - floor) * (1 + cos(pi * t / budget)) / 2)
    """

    def __init__(self, minutes, cosine_decay=False, floor=0.05):
        super().__init__()
        if isinstance(minutes, bool) or not isinstance(minutes, (int, float)) \
                or not 0 <= minutes < float("inf"):
            fail("minutes", repr(minutes), "a finite non-negative number")
        self.seconds = float(minutes) * 60.0
        self.cosine_decay, self.floor = cosine_decay, floor
        self.start = self.initial_lr = None
        self.elapsed = 0.0

    def on_train_begin(self, logs=None):
        import time

        self._clock = time.perf_counter
        self.start = self._clock()
        if self.cosine_decay and isinstance(self.model.optimizer._learning_rate,
                                            keras.optimizers.schedules.LearningRateSchedule):
            fail("cosine_decay", "True with an optimizer that already has a learning-rate "
                 "schedule", "cosine_decay=False, or an optimizer with a constant rate")
        self.initial_lr = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))

    def on_train_batch_end(self, batch, logs=None):
        self.elapsed = self._clock() - self.start
        if self.elapsed >= self.seconds:
            self.model.stop_training = True
        elif self.cosine_decay and batch % 50 == 0:
            fraction = self.elapsed / self.seconds
            scale = self.floor + (1 - self.floor) * 0.5 * (1 + math.cos(math.pi * fraction))
            self.model.optimizer.learning_rate = self.initial_lr * scale
