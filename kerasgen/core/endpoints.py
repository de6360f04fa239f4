"""`Endpoint`: how a model names one exported function.

A model's ``serving_endpoints()`` / ``tflite_endpoints()`` return lists of these;
`kerasgen.export` turns each into a named SavedModel signature (named inputs, dict outputs) for
every family alike. It lives below the models, which build endpoints, and below the export code,
which reads them (`kerasgen.export.Endpoint` is the same class).
"""

import collections.abc
import dataclasses
import inspect
from typing import Callable, Sequence

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
