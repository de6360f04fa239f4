"""What every Markov-chain sampler of the family shares: its noise and its sampling requests.

Chains draw uniforms and normals from a noise object keyed on a step index and a salt
(`kerasgen.utils.noise`): `StatelessNoise` (a stateless seed: Keras and TF Serving,
reproducible) or `BuiltinNoise` (TFLite's builtin stateful random ops, for on-device
samplers). `check_chain_request` checks
``sample(num_samples, <steps>, seed, temperature, labels)`` of every unconditional chain
sampler, and `sample_endpoints` exports one: Serving ``sample`` (num_samples, steps, seed) and
TFLite ``sample`` (num_samples, steps) with builtin noise.

Example:
    >>> from kerasgen.models import RBM
    >>> num_samples, steps, noise, temperature = check_chain_request(
    ...     RBM(), 4, "gibbs_steps", 10, seed=0, temperature=1.0, labels=None)
    >>> noise.uniform([num_samples, 2], 0, 0).shape
    TensorShape([4, 2])
"""

import numpy as np
import tensorflow as tf

from kerasgen.utils import validation as val
from kerasgen.utils.noise import BuiltinNoise, StatelessNoise, fixed_seed


START_STEP = 10**6  # the step index of a chain's starting noise, apart from its own steps


def check_chain_request(model, num_samples, steps_name, steps, seed, temperature, labels):
    """``(num_samples, steps, noise, temperature)``: the request checked before any work
    (labels must be None) and the chain's `StatelessNoise` from the user's ``seed`` (None: a
    fresh one)."""
    num_samples = model.check_num_samples(num_samples)
    steps = val.check_positive_int(steps_name, steps)
    temperature = val.check_positive_float("temperature", temperature)
    if labels is not None:
        val.fail("labels", f"labels of shape {np.shape(labels)}",
                 f"None: a {type(model).__name__} is unconditional")
    noise = StatelessNoise(fixed_seed(model.resolve_seed(seed)))
    return num_samples, steps, noise, temperature


class ChainSampling:
    """Mixin of the chain samplers' models: example inputs (`example_input`) of their step
    counts (``gibbs_steps``, ``langevin_steps``) are `EXAMPLE_STEPS`, few (they are checks)."""

    EXAMPLE_STEPS = 3
    STEP_INPUTS = ("gibbs_steps", "langevin_steps")

    def example_input(self, spec, batch_size, rng):
        if spec.name in self.STEP_INPUTS:
            return np.full(spec.shape.as_list(), self.EXAMPLE_STEPS, spec.dtype.as_numpy_dtype)
        return super().example_input(spec, batch_size, rng)


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
