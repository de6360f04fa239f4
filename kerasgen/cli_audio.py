"""The audio side of the ``kerasgen`` command (WaveNet on spoken digits or a WAV folder).

    kerasgen train wavenet --data spoken_digit --data-dir ../shared/data --epochs 5
    kerasgen train wavenet --data wav --data-dir my_recordings/ --set stacks=1
    kerasgen sample saved_models/wavenet-spoken_digit --num 10 --length 8000   # WAV files
    kerasgen evaluate saved_models/wavenet-spoken_digit                       # nats/sample

`kerasgen.cli` picks this side for families that declare ``"audio"`` data (see
`kerasgen.cli_images` for the functions every side offers). ``spoken_digit`` models are
conditioned on the digit (``--labels`` picks them when sampling);
``wav`` models are unconditional, and the last tenth of the folder's files (sorted by name) is
their test split. Training windows hold the receptive field plus
`TARGET_LENGTH` samples; shorter recordings are left-padded with silence.
"""

import json
import pathlib

import numpy as np

from kerasgen.cli_errors import UsageError

AUDIO_DATA = ("spoken_digit", "wav")
TARGET_LENGTH = 1024


def check_data(name):
    if name not in AUDIO_DATA:
        raise UsageError(f"`--data` must be spoken_digit or wav (with --data-dir) for an audio "
                         f"model; received {name!r}.")
    return name


def data_options(args):
    """Audio takes none of the image reading options."""
    from kerasgen.cli_images import refuse_image_options, refuse_table_options

    refuse_table_options(args, "audio")
    refuse_image_options(args, "audio")
    return {}


def dataset_info(args):
    """The `AudioDatasetInfo` of ``--data`` (a WAV folder's: its sample rate, no labels)."""
    from kerasgen.data import audio

    check_data(args.data)
    data_options(args)
    if args.data == "spoken_digit":
        return audio.audio_dataset_info("spoken_digit")
    _, _, rate = _clips(args.data, "train", args.data_dir, max_examples=1)
    return audio.AudioDatasetInfo("wav", rate, 0, None, (),
                                  f"WAV folder {args.data_dir} at {rate} Hz")


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


def datasets(args, model):
    """Train and test windows of the recordings, and the preview writer (WAV files)."""
    train = windows(model, args.data, "train", args.data_dir, args.batch_size,
                    args.max_examples, args.seed)
    test = windows(model, args.data, "test", args.data_dir, args.batch_size,
                   args.max_examples)

    def preview(directory):
        if model.local_condition:
            return {"wav_files": []}
        return {"wav_files": _write_wavs(model, directory / "samples",
                                         model.num_classes or 4, args.seed)}

    return train, test, preview


def windows(model, name, split, data_dir, batch_size, max_examples=None, seed=0):
    """A dataset of ``(levels [T, 1], digit)`` (or levels alone) windows for `model`."""
    from kerasgen.data import audio

    clips, labels, _ = _clips(name, split, data_dir, max_examples)
    length = model.receptive_field + TARGET_LENGTH
    return audio.audio_windows(clips, length, labels=labels if model.is_conditional else None,
                               encoding=model.encoding,
                               quantization_channels=model.quantization_channels, pad=True,
                               batch_size=batch_size, shuffle=split == "train", seed=seed)


def write_samples(model, args, directory, labels, options):
    """``kerasgen sample``: WAV files in ``--out`` (a folder); prints their paths.
    `options`: the sampling options given (checked against ``model.sample`` by
    `kerasgen.cli`)."""
    from kerasgen.utils.validation import check_output_path

    if args.out:
        check_output_path("--out", args.out, kind="folder")
    out = pathlib.Path(args.out) if args.out else directory / f"samples_seed{args.seed}"
    paths = _write_wavs(model, out, args.num, args.seed, options.get("length"), labels,
                        options.get("temperature", 1.0))
    print(json.dumps({"wav_files": paths}, indent=2))


def _write_wavs(model, directory, num, seed, length=None, labels=None, temperature=1.0):
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


def evaluate(model, run, args):
    """Exact nats per sample over whole test recordings (silence before each)."""
    from kerasgen.evaluation.audio import recording_nats_per_sample

    name = check_data(args.data or run.get("data", "spoken_digit"))
    data_dir = args.data_dir or run.get("data_dir")
    clips, labels, _ = _clips(name, "test", data_dir, args.max_examples)
    return {"data": name, "split": "test",
            **recording_nats_per_sample(model, clips, labels)}


def list_datasets():
    """``(name, description)`` of the audio data ``--data`` takes."""
    from kerasgen import data

    rows = [(name, data.audio_dataset_info(name).description)
            for name in data.list_audio_datasets()]
    rows.append(("wav", "any folder of 16-bit PCM mono WAV files (--data-dir)"))
    return rows
