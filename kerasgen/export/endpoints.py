"""`Endpoint`: how a model names one exported function, and example inputs for checking it.

A model's ``serving_endpoints()`` / ``tflite_endpoints()`` return lists of these; the export code
turns each into a named SavedModel signature (named inputs, dict outputs) for every family alike.

Inputs are recognized by name when example inputs are made (warm-up records, TFLite checks):

    images       random integer pixels in [0, num_levels - 1]    labels   random classes
    audio, previous  random integer levels (16 steps)            length   16
    features     standard normal, 16 frames
    latents      standard normal                                 noise    standard normal
    num_samples  the batch size                                  seed     0
    gibbs_steps, langevin_steps  3
    temperature  1.0
"""

import collections.abc
import dataclasses
import inspect
from typing import Callable, Sequence

import numpy as np
import tensorflow as tf

from kerasgen.utils.validation import fail


@dataclasses.dataclass
class Endpoint:
    """One exported function.

    Args:
        name: signature name (``"sample"``, ``"encode"``...).
        function: takes the inputs as keyword arguments named like `input_signature`,
            returns a dict of output tensors.
        input_signature: ``tf.TensorSpec``s, each with a `name`.
        deterministic: False when outputs depend on random ops (compared by shape only).
    """

    name: str
    function: Callable
    input_signature: Sequence[tf.TensorSpec]
    deterministic: bool = True

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.isidentifier():
            fail("name", repr(self.name), "a signature name such as 'sample' (a Python "
                 "identifier)")
        if not callable(self.function):
            fail("function", repr(self.function), "a callable returning a dict of tensors")
        if isinstance(self.input_signature, (str, bytes)) \
                or not isinstance(self.input_signature, collections.abc.Sequence):
            fail("input_signature", repr(self.input_signature), "a list of named tf.TensorSpecs")
        names = []
        for spec in self.input_signature:
            if not isinstance(spec, tf.TensorSpec):
                fail("input_signature", f"{spec!r} in endpoint {self.name!r}",
                     "a list of named tf.TensorSpecs")
            if not spec.name:
                fail("input_signature", f"an unnamed spec {spec} in endpoint {self.name!r}",
                     "named tf.TensorSpecs: every input needs a name")
            names.append(spec.name)
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            fail("input_signature", f"inputs named {', '.join(map(repr, repeated))} more than "
                 f"once in endpoint {self.name!r}", "one input per name")

    def positional(self):
        """The function with positional arguments, as ``ExportArchive`` calls it: each
        input reaches the argument of its spec's name, whichever optional inputs (labels,
        features) a model has."""
        names = [spec.name for spec in self.input_signature]

        def call(*args):
            return self.function(**dict(zip(names, args)))

        call.__signature__ = inspect.Signature(
            [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names])
        return call


def example_inputs(endpoint, model, batch_size=2, seed=0):
    """A dict of NumPy example inputs for `endpoint`, drawn from `seed`."""
    rng = np.random.default_rng(seed)
    inputs = {}
    for spec in endpoint.input_signature:
        shape = [batch_size if d is None else d for d in spec.shape.as_list()]
        if spec.name in ("audio", "features") and spec.shape[1] is None:
            shape[1] = 16  # time steps (features: frames, enough for `length` = 16)
        dtype = spec.dtype.as_numpy_dtype
        if spec.name in ("images", "audio", "previous"):
            value = rng.integers(0, model.num_levels, size=shape)
        elif spec.name == "length":
            value = np.full(shape, 16)
        elif spec.name in ("gibbs_steps", "langevin_steps"):
            value = np.full(shape, 3)
        elif spec.name == "labels" and spec.dtype.is_integer:
            value = rng.integers(0, model.num_classes or 1, size=shape)
        elif spec.name == "num_samples":
            value = np.full(shape, batch_size)
        elif spec.name == "temperature":
            value = np.ones(shape)
        elif spec.name == "seed":
            value = np.zeros(shape)
        elif spec.name == "uniforms":
            value = rng.uniform(1e-6, 1 - 1e-6, size=shape)
        elif spec.name == "known_mask":
            value = rng.random(shape) < 0.5
        else:
            value = rng.standard_normal(shape)
        inputs[spec.name] = np.asarray(value, dtype=dtype)
    return inputs
