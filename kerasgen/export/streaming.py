"""Run an exported WaveNet the way an app would: a loop of calls that carry the queues.

The TFLite file from `kerasgen.export.export_tflite(wavenet, path)` has two streaming
signatures (see `WaveNet.step_endpoint` and `WaveNet.block_endpoint`):

    step:   previous level, uniforms [B, U],    queues, conditions -> sample, params, queues
    block:  previous level, uniforms [B, N, U], queues, conditions -> audio [B, N, 1], queues

`synthesize` starts from silence (level (L - 1) / 2, zero queues) and feeds each call's last
sample and queues into the next, so on a phone the same loop, in Kotlin or Swift, produces
audio with nothing beyond the LiteRT interpreter. One sample per call (``block_size=1``, the
``step`` signature) pays the interpreter's per-call cost every sample; a block of N samples
per call pays it once per N.

Example:
    >>> import os, tempfile
    >>> import numpy as np
    >>> import kerasgen
    >>> from kerasgen.data.audio import write_wav
    >>> model = kerasgen.models.WaveNet(residual_channels=8, skip_channels=8,
    ...                                 layers_per_stack=2, stacks=1)
    >>> folder = tempfile.mkdtemp()
    >>> path, _ = kerasgen.export.export_tflite(model, os.path.join(folder, "wavenet.tflite"))
    >>> levels = synthesize(path, model.num_levels, length=100, seed=0, block_size=10)
    >>> levels.shape, levels.dtype
    ((1, 100, 1), dtype('float32'))
    >>> uniforms = model.generation_noise(1, 40, seed=7).numpy()
    >>> one_by_one = synthesize(path, model.num_levels, 40, uniforms=uniforms, block_size=1)
    >>> blocks = synthesize(path, model.num_levels, 40, uniforms=uniforms, block_size=16)
    >>> keras_audio = model.sample(1, length=40, seed=7, cached=False)
    >>> np.array_equal(one_by_one, blocks), np.array_equal(blocks, keras_audio)
    (True, True)
    >>> wav = write_wav(os.path.join(folder, "digit.wav"), model.to_audio(levels)[0], 8000)
    >>> os.path.basename(wav)
    'digit.wav'
"""

import numpy as np

from kerasgen.export.tflite import interpreter
from kerasgen.utils.validation import check_positive_int, fail


def synthesize(path_or_bytes, num_levels, length, num_samples=1, seed=0, uniforms=None,
               labels=None, local=None, block_size=256, num_threads=None):
    """Levels ``[num_samples, length, 1]`` (float32) from the ``block`` (or ``step``)
    signature.

    Args:
        num_levels: the model's levels (256 mu-law, 65536 pcm16): silence, the state before
            the first sample, is level (num_levels - 1) / 2.
        length: samples to generate.
        uniforms: ``[num_samples, length, U]`` noise in (0, 1) (drawn from `seed` if None);
            the same uniforms as `WaveNet.sample` uses give the same audio.
        labels: class ids ``[num_samples]`` for globally conditioned models.
        local: the upsampled local condition ``[num_samples, length, M]`` for vocoders.
        block_size: samples per interpreter call; 1 uses the one-sample ``step`` signature.
        num_threads: the interpreter's threads (None: LiteRT's default).
    """
    length = check_positive_int("length", length)
    num_samples = check_positive_int("num_samples", num_samples)
    num_levels = check_positive_int("num_levels", num_levels)
    block_size = check_positive_int("block_size", block_size)
    signature = "step" if block_size == 1 else "block"
    model = interpreter(path_or_bytes, num_threads)
    if signature not in model.get_signature_list():
        fail("path_or_bytes", f"a TFLite model without a {signature!r} signature (it has "
             f"{', '.join(map(repr, model.get_signature_list()))})",
             "a WaveNet's TFLite file (kerasgen.export.export_tflite of a WaveNet)")
    runner = model.get_signature_runner(signature)
    details = runner.get_input_details()
    width = int(details["uniforms"]["shape"][-1])
    if uniforms is None:
        uniforms = np.random.default_rng(seed).uniform(1e-6, 1 - 1e-6,
                                                       size=(num_samples, length, width))
    uniforms = np.asarray(uniforms, np.float32)
    if uniforms.shape != (num_samples, length, width):
        fail("uniforms", f"an array of shape {uniforms.shape}",
             f"({num_samples}, {length}, {width})")
    if "local" in details and np.shape(local)[:2] != (num_samples, length):
        fail("local", f"an array of shape {np.shape(local)}",
             f"({num_samples}, {length}, M): the upsampled local condition")
    queues = {name: np.zeros([num_samples, *d["shape"][1:]], np.float32)
              for name, d in details.items() if name.startswith("queue_")}
    previous = np.full([num_samples, 1], (num_levels - 1) / 2.0, np.float32)
    extra = {}
    if "labels" in details:
        if labels is None or np.shape(labels) != (num_samples,):
            fail("labels", "None" if labels is None else f"an array of shape {np.shape(labels)}",
                 f"({num_samples},) class ids: this model is class-conditional")
        extra["labels"] = np.asarray(labels, np.int32)
    out = np.zeros([num_samples, length, 1], np.float32)
    for start in range(0, length, block_size):
        stop = min(start + block_size, length)
        if "local" in details:
            window = np.asarray(local[:, start:stop], np.float32)
            extra["local"] = window[:, 0] if signature == "step" else window
        chunk = uniforms[:, start] if signature == "step" else uniforms[:, start:stop]
        result = runner(previous=previous, uniforms=chunk, **queues, **extra)
        audio = result["sample"][:, None] if signature == "step" else result["audio"]
        out[:, start:stop] = audio
        previous = np.asarray(audio[:, -1], np.float32)
        queues = {name: result[name] for name in queues}
    return out
