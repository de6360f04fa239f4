"""Run an exported WaveNet step model the way an app would: a loop of single-sample calls.

The TFLite file from `kerasgen.export.export_tflite(wavenet, path)` has a ``step`` signature
(see `WaveNet.step_endpoint`): the last sample's level, uniforms and every layer's queue in;
the next sample's distribution, its level and the new queues out. `synthesize` starts from
silence (level (L - 1) / 2, zero queues) and feeds each output back, so on a phone the same
loop, in Kotlin or Swift, produces audio with no TensorFlow beyond the LiteRT interpreter.

Example:
    >>> # levels = synthesize("wavenet.tflite", 256, length=8000, seed=0)   # [1, 8000, 1]
    >>> # write_wav("digit.wav", model.to_audio(levels)[0], 8000)
"""

import numpy as np

from kerasgen.export.tflite import interpreter
from kerasgen.utils.validation import check_positive_int, fail


def synthesize(path_or_bytes, num_levels, length, num_samples=1, seed=0, uniforms=None,
               labels=None, local=None):
    """Levels ``[num_samples, length, 1]`` (float32) from the ``step`` signature.

    Args:
        num_levels: the model's levels (256 mu-law, 65536 pcm16): silence, the state before
            the first sample, is level (num_levels - 1) / 2.
        length: samples to generate.
        uniforms: ``[num_samples, length, U]`` noise in (0, 1) (drawn from `seed` if None);
            the same uniforms as `WaveNet.sample` uses give the same audio.
        labels: class ids ``[num_samples]`` for globally conditioned models.
        local: the upsampled local condition ``[num_samples, length, M]`` for vocoders.
    """
    length = check_positive_int("length", length)
    num_samples = check_positive_int("num_samples", num_samples)
    runner = interpreter(path_or_bytes).get_signature_runner("step")
    details = runner.get_input_details()
    width = int(details["uniforms"]["shape"][-1])
    if uniforms is None:
        uniforms = np.random.default_rng(seed).uniform(1e-6, 1 - 1e-6,
                                                       size=(num_samples, length, width))
    uniforms = np.asarray(uniforms, np.float32)
    if uniforms.shape != (num_samples, length, width):
        fail("uniforms", f"an array of shape {uniforms.shape}",
             f"({num_samples}, {length}, {width})")
    queues = {name: np.zeros([num_samples, *d["shape"][1:]], np.float32)
              for name, d in details.items() if name.startswith("queue_")}
    num_levels = check_positive_int("num_levels", num_levels)
    previous = np.full([num_samples, 1], (num_levels - 1) / 2.0, np.float32)
    extra = {}
    if "labels" in details:
        extra["labels"] = np.asarray(labels, np.int32)
    out = np.zeros([num_samples, length, 1], np.float32)
    for t in range(length):
        if "local" in details:
            extra["local"] = np.asarray(local[:, t], np.float32)
        result = runner(previous=previous, uniforms=uniforms[:, t], **queues, **extra)
        previous = result["sample"].astype(np.float32)
        out[:, t] = previous
        queues = {name: result[name] for name in queues}
    return out

