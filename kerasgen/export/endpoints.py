"""Example inputs for checking an `Endpoint` (warm-up records, TFLite comparisons).

`Endpoint` itself (how a model names one exported function) is defined in
`kerasgen.core.endpoints`, below the models that build endpoints; it is re-exported here.
What an example of each input is, the model says (``model.example_input``: its data kind
draws its examples, each family adds the inputs of its own endpoints); this module only
seeds the draw and collects one value per input.

Example:
    >>> from kerasgen.models import PixelCNN
    >>> model = PixelCNN(filters=8, num_layers=1, first_kernel_size=3)
    >>> endpoint = model.serving_endpoints()[0]
    >>> {name: value.shape for name, value in example_inputs(endpoint, model, 2).items()}
    {'num_samples': (), 'seed': ()}
"""

import numpy as np

from kerasgen.core.endpoints import Endpoint  # noqa: F401  (kerasgen.export.endpoints.Endpoint)


def example_inputs(endpoint, model, batch_size=2, seed=0):
    """A dict of NumPy example inputs for `endpoint`, drawn from `seed`."""
    rng = np.random.default_rng(seed)
    return {spec.name: model.example_input(spec, batch_size, rng)
            for spec in endpoint.input_signature}
