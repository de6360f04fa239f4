"""Export: a TF Serving model repository and TFLite files, each checked against Keras."""

from kerasgen.export.endpoints import Endpoint, example_inputs
from kerasgen.export.serving import (
    export_serving,
    read_warmup_requests,
    replay_warmup_requests,
    write_archive,
)
from kerasgen.export.streaming import synthesize
from kerasgen.export.tflite import (
    TFLiteMismatchError,
    compare_with_keras,
    export_tflite,
    run_tflite,
)
