"""Exact likelihood of whole recordings under a WaveNet (nats and bits per sample).

#### Mathematical details

Each recording x_1..x_T is scored from silence (every layer's padding is zeros before its
first sample, as in generation) by the chain rule, log p(x) = sum_t log p(x_t | x_<t, c);
the figure is the total over all recordings divided by their total number of samples:

    nats per sample = - sum_recordings log p(x) / sum_recordings T,   bits = nats / ln 2

Recordings are scored one at a time, so they may have any lengths.

Example:
    >>> import math
    >>> import numpy as np
    >>> import kerasgen
    >>> model = kerasgen.models.WaveNet(residual_channels=8, skip_channels=8,
    ...                                 layers_per_stack=3, stacks=1)
    >>> clips = [np.sin(np.linspace(0.0, 60.0, 400)) / 2, np.zeros(100)]  # any lengths
    >>> result = recording_nats_per_sample(model, clips)
    >>> result["num_recordings"], result["num_samples"]
    (2, 500)
    >>> round(result["bits_per_sample"] * math.log(2) / result["nats_per_sample"], 6)
    1.0
    >>> abs(result["nats_per_sample"] - math.log(256)) < 0.5  # untrained: about uniform
    True
    >>> silence = kerasgen.data.audio.encode_audio(clips[1])[None, :, None]  # [1, 100, 1]
    >>> one = recording_nats_per_sample(model, clips[1:])["nats_per_sample"]
    >>> abs(one - float(model.nats_per_sample(silence)[0])) < 1e-5
    True
"""

import math

import numpy as np

from kerasgen.data import audio
from kerasgen.utils.validation import fail


def recording_nats_per_sample(model, clips, labels=None):
    """``{"nats_per_sample", "bits_per_sample", "num_recordings", "num_samples"}``.

    Args:
        model: a `kerasgen.models.WaveNet`.
        clips: `AudioClips` or a list of float 1-D waveforms in [-1, 1].
        labels: one class id per clip for a class-conditional model (ignored otherwise).
    """
    waveforms = list(clips.clips if isinstance(clips, audio.AudioClips) else clips)
    if not waveforms:
        fail("clips", "no recordings", "at least one recording")
    if model.is_conditional and (labels is None or len(labels) != len(waveforms)):
        fail("labels", "None" if labels is None else f"{len(labels)} labels",
             f"one class id per recording ({len(waveforms)}) for a class-conditional model")
    total_nats, total_samples = 0.0, 0
    for i, waveform in enumerate(waveforms):
        levels = audio.encode_audio(waveform, model.encoding, model.quantization_channels)
        levels = np.asarray(levels)[None, :, None]
        label = [int(labels[i])] if model.is_conditional else None
        features = model.features(levels) if model.local_condition else None
        total_nats -= float(model.log_prob(levels, label, features)[0])
        total_samples += levels.shape[1]
    per_sample = total_nats / total_samples
    return {"nats_per_sample": per_sample, "bits_per_sample": per_sample / math.log(2.0),
            "num_recordings": len(waveforms), "num_samples": total_samples}
