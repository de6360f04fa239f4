"""The audio side of the ``kerasgen`` command (WaveNet on spoken digits or a WAV folder).

    kerasgen train wavenet --data spoken_digit --data-dir ../shared/data --epochs 5
    kerasgen train wavenet --data wav --data-dir my_recordings/ --set stacks=1
    kerasgen sample saved_models/wavenet-spoken_digit --num 10 --length 8000   # WAV files
    kerasgen evaluate saved_models/wavenet-spoken_digit                       # nats/sample

``spoken_digit`` models are conditioned on the digit (``--labels`` picks them when sampling);
``wav`` models are unconditional, and the last tenth of the folder's files (sorted by name) is
their test split. Training windows hold the receptive field plus
`TARGET_LENGTH` samples; shorter recordings are left-padded with silence.
"""

import pathlib

import numpy as np

AUDIO_DATA = ("spoken_digit", "wav")
TARGET_LENGTH = 1024


def is_audio(data_name):
    return data_name in AUDIO_DATA


def is_audio_model(model):
    from kerasgen.models import WaveNet

    return isinstance(model, WaveNet)


def _clips(name, split, data_dir, max_examples=None):
    """``(clips, labels or None, sample_rate)`` of `name`'s `split`."""
    from kerasgen.data import audio

    if name == "spoken_digit":
        clips = audio.load_spoken_digit_clips(split, data_dir, max_examples)
        return list(clips.clips), np.asarray(clips.digits), clips.sample_rate
    if data_dir is None:
        raise ValueError("`--data-dir` must name a folder of WAV files for --data wav; "
                         "received none.")
    folder = audio.load_wav_folder(data_dir)
    clips = list(folder.clips)
    held_out = max(1, len(clips) // 10)  # a WAV folder has no split: its last tenth is test
    if len(clips) > 1:
        clips = clips[-held_out:] if split == "test" else clips[:-held_out]
    count = len(clips) if max_examples is None else min(max_examples, len(clips))
    return clips[:count], None, folder.sample_rate


def create(model_name, data_name, data_dir, overrides):
    from kerasgen.models.registry import build_preset

    _, _, rate = _clips(data_name, "train", data_dir, max_examples=1)
    kwargs = {"sample_rate": rate}
    if data_name == "spoken_digit":
        kwargs["num_classes"] = 10  # conditioned on the digit
    return build_preset(model_name, kwargs, overrides)


def windows(model, name, split, data_dir, batch_size, max_examples=None, seed=0):
    """A dataset of ``(levels [T, 1], digit)`` (or levels alone) windows for `model`."""
    from kerasgen.data import audio

    clips, labels, _ = _clips(name, split, data_dir, max_examples)
    length = model.receptive_field + TARGET_LENGTH
    return audio.audio_windows(clips, length, labels=labels if model.is_conditional else None,
                               encoding=model.encoding,
                               quantization_channels=model.quantization_channels, pad=True,
                               batch_size=batch_size, shuffle=split == "train", seed=seed)


def write_samples(model, directory, num, seed, length=None, labels=None, temperature=1.0):
    """WAV files ``directory/sample_{i}[_label{y}].wav``; returns their paths."""
    from kerasgen.data.audio import write_wav

    length = length or model.sample_rate
    if model.local_condition:
        raise ValueError("`DIR` holds a locally conditioned WaveNet (a vocoder), which "
                         "needs features: call model.sample(..., features=...) from Python.")
    if model.is_conditional and labels is None:
        labels = [i % model.num_classes for i in range(num)]
    levels = model.sample(num, length, seed=seed, labels=labels, temperature=temperature)
    waveforms = model.to_audio(levels).numpy()
    directory = pathlib.Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, waveform in enumerate(waveforms):
        suffix = f"_label{labels[i]}" if labels is not None else ""
        paths.append(str(write_wav(directory / f"sample_{i}{suffix}.wav", waveform,
                                   model.sample_rate)))
    return paths


def evaluate(model, run, data_name=None, data_dir=None, max_examples=None):
    """Exact nats per sample over whole test recordings (silence before each)."""
    from kerasgen.evaluation.audio import recording_nats_per_sample

    name = data_name or run.get("data", "spoken_digit")
    data_dir = data_dir or run.get("data_dir")
    clips, labels, _ = _clips(name, "test", data_dir, max_examples)
    return {"data": name, "split": "test",
            **recording_nats_per_sample(model, clips, labels)}
