"""One seedable source for every random draw made while training.

Training noise is drawn with stateless ops keyed on ``(seed, step, salt)``:

    key = [seed * 1_000_003 + salt * 7_919, optimizer.iterations]

so a run resumed from a checkpoint draws exactly the noise it would have drawn (the optimizer's
step counter is saved). Under ``tf.distribute`` every replica uses the same key and keeps its own
rows of the global batch's draw (`uniform`, `normal`: see `kerasgen.utils.replicas`), so example
i gets the same noise on one device and on N replicas, and replicas draw different noise.
(``keras.random`` with a ``SeedGenerator`` repeats the same noise on every replica and is not
restored by ``BackupAndRestore``.)

Markov chains (Gibbs, Langevin) draw through a noise object keyed on a step and a salt:
`StatelessNoise` (a stateless seed, reproducible, per-row like `uniform`) or `BuiltinNoise`
(TFLite's builtin stateful random ops, for on-device samplers).

Example:
    >>> import tensorflow as tf
    >>> key = step_seed(seed=0, step=tf.constant(5, tf.int64), salt=1)
    >>> key.shape
    TensorShape([2])
    >>> normal([3, 2], key).shape
    TensorShape([3, 2])
    >>> StatelessNoise(key).uniform([3], step=0, salt=0).shape
    TensorShape([3])
"""

import tensorflow as tf

from kerasgen.utils.replicas import global_rows

# Salts keep the draws of one step independent of each other.
SALT_LATENT = 1
SALT_BINARIZE = 2
SALT_CORRUPT = 3
SALT_DROPOUT = 4
SALT_DEQUANTIZE = 6


_INT32_RANGE = 2**31 - 1


def _as_seed(key, step):
    # TFP and tf.random.stateless_* take int32 seeds; keys are computed in int64 then folded.
    return tf.cast(tf.stack([key % _INT32_RANGE, tf.cast(step, tf.int64) % _INT32_RANGE]),
                   tf.int32)


def step_seed(seed, step, salt=0):
    """A stateless seed ``[2]`` (int32) for draw `salt` at training `step` of run `seed`."""
    return _as_seed(tf.cast(seed, tf.int64) * 1_000_003 + salt * 7_919, step)


def fixed_seed(seed, salt=0):
    """A stateless seed ``[2]`` for a user-given integer `seed` (sampling, evaluation)."""
    return _as_seed(tf.cast(seed, tf.int64) * 1_000_003 + salt * 7_919, 0)


def uniform(shape, seed, minval=0.0, maxval=1.0, dtype=tf.float32):
    """``tf.random.stateless_uniform`` whose axis 0 is the (global) batch: each example's noise
    depends on the seed and its row, not on how the batch is split across replicas."""
    return global_rows(lambda full: tf.random.stateless_uniform(
        full, seed=seed, minval=minval, maxval=maxval, dtype=dtype), shape)


def normal(shape, seed):
    """``tf.random.stateless_normal`` with axis 0 the (global) batch, like `uniform`."""
    return global_rows(lambda full: tf.random.stateless_normal(full, seed=seed), shape)


class StatelessNoise:
    """Uniforms and normals keyed on a stateless seed, a step index and a salt, for Markov
    chains (Gibbs, Langevin): reproducible in Keras and TF Serving."""

    def __init__(self, seed):
        self.seed = seed

    def uniform(self, shape, step, salt):
        return uniform(shape, tf.random.experimental.stateless_fold_in(self.seed, step * 2 + salt))

    def normal(self, shape, step, salt):
        return normal(shape, tf.random.experimental.stateless_fold_in(self.seed, step * 2 + salt))


class BuiltinNoise:
    """The stateful random ops TFLite has as builtins (RandomUniform, RandomStandardNormal)."""

    def uniform(self, shape, step, salt):
        return tf.random.uniform(shape)

    def normal(self, shape, step, salt):
        return tf.random.normal(shape)
