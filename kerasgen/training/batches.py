"""What ``fit`` yields, taken apart the same way by every training style and by
`GenerativeModel.fit`'s checks, and the check of per-example sample weights.

A batch is ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``: images, labels (None for
unconditional data) and one weight per example. A training style that weights examples
(maximum likelihood) reads the weights; the others refuse them with a ``ValueError`` naming
``sample_weight`` before any training (never ignore them).
"""

import numpy as np

from kerasgen.utils.validation import as_array, describe, fail

BATCH_FORMS = "x, (x,), (x, y) or (x, y, sample_weight)"
WEIGHTS = "per-example weights: a vector of finite numbers >= 0, one per example"


def unpack(data):
    """``(images, labels, sample_weight)`` from a batch (module docstring); None for each
    part the batch does not have. Any other tuple is a ``ValueError`` naming `data`."""
    if isinstance(data, (tuple, list)):
        if not 1 <= len(data) <= 3:
            fail("data", f"a tuple of {len(data)} elements", f"a batch {BATCH_FORMS}")
        return tuple(data) + (None,) * (3 - len(data))
    return data, None, None


def check_sample_weight(name, weights, count=None, refusal=None):
    """`weights` as a float32 vector ``[count]`` of finite numbers >= 0 (a ``[count, 1]``
    column is flattened), or None for None.

    `refusal`: why the model's training cannot weight examples; any weights are then refused
    (a ``ValueError`` naming `name`), whatever their values."""
    if weights is None:
        return None
    if refusal is not None:
        shape = getattr(weights, "shape", None)  # a symbolic tensor in a traced step has one
        received = f"shape {tuple(shape)}" if shape is not None else describe(weights)
        fail(name, f"sample weights ({received})", f"None: {refusal}")
    array = as_array(name, weights, WEIGHTS)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        fail(name, f"an array of shape {array.shape}", WEIGHTS)
    if count is not None and len(array) != count:
        fail(name, f"{len(array)} weights", f"{count} weights, one per example")
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        fail(name, f"an array of dtype {array.dtype}", WEIGHTS)
    array = array.astype(np.float32)
    if not np.all(np.isfinite(array)):
        fail(name, "NaN or infinite weights", WEIGHTS)
    if array.size and array.min() < 0:
        fail(name, f"a negative weight ({array.min():g})", WEIGHTS)
    return array
