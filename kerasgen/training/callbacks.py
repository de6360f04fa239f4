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
        images = self.model.sample(self.num_samples, seed=self.seed, **self.sample_kwargs)
        path = self.directory / f"epoch_{epoch + 1:03d}.png"
        self.paths.append(save_image_grid(images, path, self.model.num_levels))
        self._rows.append(np.asarray(images)[:self.progress_columns])
        save_image_grid(np.concatenate(self._rows), self.directory / "progress.png",
                        self.model.num_levels, columns=len(self._rows[0]))


class NaNGuard(keras.callbacks.Callback):
    """Stop training on the first non-finite value of any reported loss.

    Unlike ``keras.callbacks.TerminateOnNaN`` (which reads only ``logs["loss"]``), this watches
    every key that contains "loss" (a GAN's ``d_loss`` and ``g_loss``) plus any `keys` given.
    After a stop, `stopped_on` is ``(key, value, batch)`` for the value that tripped it.
    """

    def __init__(self, keys=None):
        super().__init__()
        self.keys = tuple(keys or ())
        self.stopped_on = None

    def _watched(self, logs):
        return [k for k in logs if "loss" in k or k in self.keys]

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        for key in self._watched(logs):
            value = float(np.ravel(logs[key])[0])  # rank-1 under multi-worker strategies
            if not math.isfinite(value):
                self.stopped_on = (key, value, batch)
                print(f"NaNGuard: non-finite {key} = {value} at batch {batch}; stopping.")
                self.model.stop_training = True
                return


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
