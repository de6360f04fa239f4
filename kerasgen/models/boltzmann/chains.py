"""What every Markov-chain sampler of the family shares: its noise and its sampling requests.

Chains draw uniforms and normals from a noise object keyed on a step index and a salt:
`StatelessNoise` (a stateless seed: Keras and TF Serving, reproducible) or `BuiltinNoise`
(TFLite's builtin stateful random ops, for on-device samplers). `check_chain_request` checks
``sample(num_samples, <steps>, seed, temperature, labels)`` for every unconditional chain
sampler, and `sample_endpoints` exports one: Serving ``sample`` (num_samples, steps, seed) and
TFLite ``sample`` (num_samples, steps) with builtin noise.

Example:
    >>> import tensorflow as tf
    >>> StatelessNoise(tf.constant([1, 2])).uniform([2], 0, 0).shape
    TensorShape([2])
"""

import tensorflow as tf

from kerasgen.utils import validation as val
from kerasgen.utils.noise import fixed_seed


START_STEP = 10**6  # the step index of a chain's starting noise, apart from its own steps


class StatelessNoise:
    """Uniforms and normals keyed on a stateless seed and a step index (Keras, Serving)."""

    def __init__(self, seed):
        self.seed = seed

    def uniform(self, shape, step, salt):
        key = tf.random.experimental.stateless_fold_in(self.seed, step * 2 + salt)
        return tf.random.stateless_uniform(shape, seed=key)

    def normal(self, shape, step, salt):
        key = tf.random.experimental.stateless_fold_in(self.seed, step * 2 + salt)
        return tf.random.stateless_normal(shape, seed=key)


class BuiltinNoise:
    """The stateful random ops TFLite has as builtins (RandomUniform, RandomStandardNormal)."""

    def uniform(self, shape, step, salt):
        return tf.random.uniform(shape)

    def normal(self, shape, step, salt):
        return tf.random.normal(shape)


def check_chain_request(model, num_samples, steps_name, steps, temperature, labels):
    """``(num_samples, steps, temperature)`` checked, before any work; labels must be None."""
    num_samples = model.check_num_samples(num_samples)
    steps = val.check_positive_int(steps_name, steps)
    temperature = val.check_positive_float("temperature", temperature)
    if labels is not None:
        val.fail("labels", "labels", f"None: a {type(model).__name__} is unconditional")
    return num_samples, steps, temperature


def sample_endpoints(model, steps_name, draw):
    """``(serving, tflite)`` ``sample`` endpoints of ``draw(num_samples, steps, noise)`` ->
    images: Serving keyed on a seed, TFLite with builtin noise (not deterministic)."""
    scalar = lambda name: tf.TensorSpec([], tf.int32, name=name)  # noqa: E731

    def seeded(num_samples, steps, seed):
        return {"images": draw(num_samples, steps, StatelessNoise(fixed_seed(seed)))}

    def on_device(num_samples, steps):
        return {"images": draw(num_samples, steps, BuiltinNoise())}

    serving = model.endpoint("sample", lambda num_samples, seed, **steps: seeded(
        num_samples, steps[steps_name], seed),
        [scalar("num_samples"), scalar(steps_name), scalar("seed")])
    tflite = model.endpoint("sample", lambda num_samples, **steps: on_device(
        num_samples, steps[steps_name]), [scalar("num_samples"), scalar(steps_name)],
        deterministic=False)
    return serving, tflite
