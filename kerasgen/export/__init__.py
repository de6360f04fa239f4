"""Export: a TF Serving model repository and TFLite files, each checked against Keras."""

from kerasgen.export.endpoints import Endpoint, example_inputs
