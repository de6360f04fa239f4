"""Example inputs for checking an `Endpoint` (warm-up records, TFLite comparisons).

`Endpoint` itself (how a model names one exported function) is defined in
`kerasgen.core.endpoints`, below the models that build endpoints; it is re-exported here.

Inputs are recognized by name when example inputs are made:

    images       random integer pixels in [0, num_levels - 1]    labels   random classes
    audio, previous  random integer levels (16 steps)            length   16
    features     standard normal, 16 frames
    latents      standard normal                                 noise    standard normal
    num_samples  the batch size                                  seed     0
    gibbs_steps, langevin_steps  3
    temperature  1.0                                             uniforms  uniform in (0, 1)
    known_mask   random booleans
"""

import numpy as np

from kerasgen.core.endpoints import Endpoint  # noqa: F401  (kerasgen.export.endpoints.Endpoint)


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
