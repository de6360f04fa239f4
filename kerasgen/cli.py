"""The ``kerasgen`` command: train, sample, evaluate, export, list.

    kerasgen train vae                                  # digits, writes saved_models/vae-digits/
    kerasgen train conv-vae --data mnist --data-dir ../shared/data --epochs 5 --set latent_dim=16
    kerasgen train dcgan --data folder --data-dir my_pictures/ --image-size 32 --channels 3
    kerasgen train pixelcnn++ --data tfds:cifar10 --data-dir ~/tensorflow_datasets
    kerasgen sample saved_models/vae-digits --num 64 --seed 1
    kerasgen evaluate saved_models/vae-digits
    kerasgen export saved_models/vae-digits --format all --version 2
    kerasgen list

A training run directory holds ``model.keras``, ``samples.png`` (or ``reconstructions.png``),
``run.json``, the TF Serving versions ``<N>/`` and ``model.tflite``; the directory itself is a
TF Serving ``model_base_path``. Bad arguments exit with status 2 and one line on stderr; a run
whose losses turn non-finite is rolled back (at most ROLLBACK_EVERY steps), saved unexported,
and exits with status 1 and one line naming the loss.
"""

import argparse
import ast
import contextlib
import inspect
import json
import os
import pathlib
import shutil
import sys
import time

ROLLBACK_EVERY = 50  # steps between the NaN guard's host copies of the weights


class UsageError(ValueError):
    pass


class TrainingDiverged(RuntimeError):
    """A reported loss turned non-finite; the model was rolled back and saved."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(f"{self.prog}: {message}")


def _parse_set(items):
    """``["latent_dim=4", "network=conv"]`` -> ``{"latent_dim": 4, "network": "conv"}``."""
    overrides = {}
    for item in items or ():
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise UsageError(f"`--set` must be key=value; received {item!r}.")
        try:
            overrides[key] = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            overrides[key] = raw
    return overrides


def _run_dir(path):
    path = pathlib.Path(path)
    if not (path / "model.keras").is_file():
        raise UsageError(f"`DIR` must be a training run directory holding model.keras; "
                         f"received {str(path)!r}.")
    return path.resolve()  # "." names its folder (the export's model name)


def _image_dataset(name):
    """Check that ``--data`` `name` names image data (a one-line error naming ``--data``)."""
    from kerasgen import data

    if not data.is_image_dataset(name):
        raise UsageError(f"`--data` must be one of {', '.join(data.list_datasets())}, folder "
                         "(with --data-dir) or tfds:NAME for an image model (spoken_digit or "
                         f"wav for wavenet); received {name!r}.")
    return name


def _image_options(args):
    """The reading options of a folder or TFDS dataset given on the command line (only those
    given: the built-in datasets take none)."""
    options = {"image_size": args.image_size, "channels": args.channels,
               "aspect_ratio": args.aspect_ratio}
    return {key: value for key, value in options.items() if value is not None}


def _data_label(args):
    """The data part of the default run name: the folder's name for ``--data folder``."""
    if args.data == "folder" and args.data_dir:
        return pathlib.Path(args.data_dir).resolve().name or "folder"
    return args.data.replace(":", "-").replace("/", "-")


def _check_run_name(args):
    """``--out`` and ``--name`` name a folder that can be written, checked before training."""
    from kerasgen.utils.validation import check_folder_name, check_output_path

    if args.name is not None:
        check_folder_name("--name", args.name)
    check_output_path("--out", args.out, kind="folder")
    check_output_path("--out", pathlib.Path(args.out) / (args.name or f"{args.model}-"
                                                          f"{_data_label(args)}"),
                      kind="folder")


def _load_run(path):
    from kerasgen.models import load_model

    run = json.loads((path / "run.json").read_text()) if (path / "run.json").is_file() else {}
    try:
        model = load_model(path / "model.keras")
    except ValueError as error:  # say which command-line argument it is about
        raise UsageError(f"`DIR` {str(path)!r} holds no model this kerasgen loads: {error}")
    return model, run


def _write_preview(model, directory, images, seed=0, num=64):
    from kerasgen.utils.images import save_image_grid

    if hasattr(model, "sample"):
        sample_labels = [i % model.num_classes for i in range(num)] if model.is_conditional \
            else None
        grid = model.sample(num, seed=seed, labels=sample_labels)
        return save_image_grid(grid, directory / "samples.png", model.num_levels, columns=8)
    batch = images[:num]
    pairs = [x for pair in zip(batch, model.reconstruct(batch).numpy()) for x in pair]
    return save_image_grid(pairs, directory / "reconstructions.png", model.num_levels,
                           columns=16)


def _export(model, directory, name, fmt, version):
    from kerasgen.export import export_serving, export_tflite

    written = {}
    if fmt in ("saved_model", "all"):
        written["saved_model"] = str(export_serving(model, directory.parent, name=name,
                                                    version=version))
    if fmt in ("tflite", "all"):
        path, report = export_tflite(model, directory / "model.tflite")
        written["tflite"] = str(path)
        written["tflite_max_abs_error"] = report
    return written


def cmd_train(args):
    from kerasgen import cli_audio
    from kerasgen.models.registry import MODELS

    from kerasgen.training.distribute import make_strategy

    _check_run_name(args)
    strategy = make_strategy(args.strategy)  # before any other TensorFlow work
    with strategy.scope() if strategy else contextlib.nullcontext():
        if cli_audio.is_audio(args.data) or getattr(MODELS.get(args.model), "audio", False):
            model, train, test, preview = _audio_run(args)
        else:
            model, train, test, preview = _image_run(args)
        model.compile_with_defaults(args.learning_rate)
    _fit_and_write(args, model, train, test, preview)


def _image_run(args):
    """Model, train and test datasets and the preview writer of an image run."""
    from kerasgen import data
    from kerasgen.models.registry import create_model

    options = _image_options(args)
    info = data.dataset_info(_image_dataset(args.data), args.data_dir, **options)
    model = create_model(args.model, info, _parse_set(args.set))
    train = data.load(args.data, "train", data_dir=args.data_dir, batch_size=args.batch_size,
                      max_examples=args.max_examples, seed=args.seed, **options)
    test_images, _ = data.load_arrays(args.data, "test", data_dir=args.data_dir,
                                      max_examples=args.max_examples, **options)
    test = data.load(args.data, "test", data_dir=args.data_dir, batch_size=args.batch_size,
                     max_examples=args.max_examples, **options) if len(test_images) else None

    def preview(directory):
        return {"preview": str(_write_preview(model, directory, test_images, seed=args.seed))}

    return model, train, test, preview


def _audio_run(args):
    """The same for audio models: windows of the recordings, WAV files as the preview."""
    from kerasgen import cli_audio
    from kerasgen.models.registry import MODELS

    if not getattr(MODELS.get(args.model), "audio", False):
        raise UsageError(f"`--data` {args.data} is audio; received model {args.model!r}, "
                         "expected an audio model (wavenet)")
    if not cli_audio.is_audio(args.data):
        raise UsageError(f"`--data` must be spoken_digit or wav for {args.model}; received "
                         f"{args.data!r}.")
    model = cli_audio.create(args.model, args.data, args.data_dir, _parse_set(args.set))
    train = cli_audio.windows(model, args.data, "train", args.data_dir, args.batch_size,
                              args.max_examples, args.seed)
    test = cli_audio.windows(model, args.data, "test", args.data_dir, args.batch_size,
                             args.max_examples)

    def preview(directory):
        if model.local_condition:
            return {"wav_files": []}
        return {"wav_files": cli_audio.write_samples(model, directory / "samples",
                                                     model.num_classes or 4, args.seed)}

    return model, train, test, preview


def _fit_and_write(args, model, train, test, preview):
    """Train, then write model.keras, the preview, run.json and (unless --no-export) the
    TF Serving and TFLite exports under ``OUT/NAME``; print what was written as JSON."""
    import keras
    import numpy as np

    from kerasgen.training import NaNGuard
    from kerasgen.training.distribute import is_chief, writable_directory
    from kerasgen.utils.files import write_whole

    name = args.name or f"{args.model}-{_data_label(args)}"
    # Other workers of a multi-worker run write their copies to a scratch folder.
    directory = writable_directory(pathlib.Path(args.out) / name, model.distribute_strategy)
    directory.mkdir(parents=True, exist_ok=True)
    # An interrupted run started again with the same command resumes from its last backup.
    # The backup is deleted only once model.keras is written whole (a crash while saving
    # must still find it).
    backup = keras.callbacks.BackupAndRestore(
        str(directory / "backup"), save_freq=args.backup_every or "epoch",
        delete_checkpoint=False)
    # A diverged run is left as it was at most ROLLBACK_EVERY steps before the NaN.
    guard = NaNGuard(rollback_every=ROLLBACK_EVERY)
    start = time.perf_counter()
    history = model.fit(train, validation_data=test, epochs=args.epochs,
                        callbacks=[backup, guard], verbose=args.verbose)
    seconds = time.perf_counter() - start
    write_whole(directory / "model.keras", model.save)  # whole, or the old one
    shutil.rmtree(directory / "backup", ignore_errors=True)
    if guard.stopped_on:
        key, value, batch = guard.stopped_on
        raise TrainingDiverged(
            f"training diverged: {key} = {value} at batch {batch} of epoch "
            f"{len(history.epoch) or 1}; the weights were rolled back to step "
            f"{guard.rolled_back_to} and saved to {directory / 'model.keras'} (not exported); "
            "try a lower --learning-rate.")
    if not is_chief(model.distribute_strategy):
        print(json.dumps({"run_dir": str(directory), "worker": True}))
        return
    previews = preview(directory)
    run = {"model": args.model, "data": args.data, "data_dir": args.data_dir,
           "data_options": _image_options(args),
           "epochs": len(history.epoch), "batch_size": args.batch_size,
           "train_seconds": round(seconds, 2), "overrides": _parse_set(args.set),
           "strategy": args.strategy,
           "final": {k: float(np.ravel(v[-1])[0]) for k, v in history.history.items()}}
    (directory / "run.json").write_text(json.dumps(run, indent=2))
    written = _export(model, directory, name, "all", 1) if args.export else {}
    print(json.dumps({"run_dir": str(directory), **previews, **written,
                      "final": run["final"]}, indent=2))


def cmd_sample(args):
    from kerasgen import cli_audio
    from kerasgen.utils.images import save_image_grid

    directory = _run_dir(args.dir)
    model, _ = _load_run(directory)
    if not hasattr(model, "sample"):
        raise UsageError(f"`DIR` holds a {type(model).__name__}, which has no prior to sample "
                         "from; use `kerasgen evaluate` or a VAE.")
    labels = None
    if model.is_conditional:
        labels = args.labels if args.labels else [i % model.num_classes for i in range(args.num)]
        if len(labels) != args.num:
            raise UsageError(f"`--labels` must give {args.num} labels; received {len(labels)}.")
    elif args.labels:
        raise UsageError(f"`--labels` must be left out: `DIR` holds an unconditional "
                         f"{type(model).__name__}; received {args.labels}.")
    if args.length is not None and not cli_audio.is_audio_model(model):
        raise UsageError(f"`--length` is an option of audio models; `DIR` holds a "
                         f"{type(model).__name__}; received {args.length}.")
    if args.out:
        from kerasgen.utils.validation import check_output_path

        check_output_path("--out", args.out,
                          kind="folder" if cli_audio.is_audio_model(model) else "file")
    if cli_audio.is_audio_model(model):  # WAV files
        out = pathlib.Path(args.out) if args.out else directory / f"samples_seed{args.seed}"
        paths = cli_audio.write_samples(model, out, args.num, args.seed, args.length, labels,
                                        1.0 if args.temperature is None else args.temperature)
        print(json.dumps({"wav_files": paths}, indent=2))
        return
    options = {k: getattr(args, k) for k in ("temperature", "truncation")
               if getattr(args, k) is not None}
    accepted = inspect.signature(model.sample).parameters
    for key in options:
        if key not in accepted:
            raise UsageError(f"`--{key}` is not an option of {type(model).__name__}.sample; "
                             f"received {options[key]}.")
    images = model.sample(args.num, seed=args.seed, labels=labels, **options)
    out = pathlib.Path(args.out) if args.out else directory / f"samples_seed{args.seed}.png"
    save_image_grid(images, out, model.num_levels)
    print(str(out))


def cmd_evaluate(args):
    from kerasgen import cli_audio, data

    directory = _run_dir(args.dir)
    model, run = _load_run(directory)
    if cli_audio.is_audio_model(model):
        print(json.dumps(cli_audio.evaluate(model, run, args.data, args.data_dir,
                                            args.max_examples)))
        return
    name = args.data or run.get("data", "digits")
    _image_dataset(name)
    data_dir = args.data_dir or run.get("data_dir") or os.environ.get("KERASGEN_DATA_DIR")
    # The data of the run is read as it was trained on (size, channels, crop).
    options = run.get("data_options", {}) if name == run.get("data") else {}
    images, labels = data.load_arrays(name, "test", data_dir=data_dir,
                                      max_examples=args.max_examples, **options)
    # Every family's report declares its options; each gets those of these it accepts.
    offered = dict(importance_samples=args.importance_samples, seed=0, dataset=name,
                   data_dir=data_dir)
    accepted = inspect.signature(model.evaluation_report).parameters
    report = model.evaluation_report(images, labels if model.is_conditional else None,
                                     **{k: v for k, v in offered.items() if k in accepted})
    print(json.dumps({"data": name, "split": "test", **report}))


def cmd_export(args):
    directory = _run_dir(args.dir)
    model, _ = _load_run(directory)
    print(json.dumps(_export(model, directory, directory.name, args.format, args.version),
                     indent=2))


def cmd_list(args):
    from kerasgen import data
    from kerasgen.models.registry import MODELS

    print("models:")
    for name, preset in sorted(MODELS.items()):
        print(f"  {name:24s} {preset.description}")
    print("datasets:")
    for name in data.list_datasets():
        print(f"  {name:24s} {data.dataset_info(name).description}")
    for name in data.list_audio_datasets():
        print(f"  {name:24s} {data.audio_dataset_info(name).description}")
    print(f"  {'folder':24s} your own images: --data-dir DIR (one subfolder per class, or "
          "flat), --image-size, --channels")
    print(f"  {'tfds:NAME':24s} an image dataset TFDS has prepared on disk (--data-dir: its "
          "data folder)")
    print(f"  {'wav':24s} any folder of 16-bit PCM mono WAV files (--data-dir)")


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer; received {text!r}")
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer; received {text!r}")
    return value


def _image_size(text):
    """``"32"`` -> 32, ``"48x64"`` -> (48, 64)."""
    height, sep, width = text.lower().partition("x")
    try:
        size = (_positive_int(height), _positive_int(width)) if sep else _positive_int(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"expected N or HxW (positive integers); received "
                                         f"{text!r}")
    return list(size) if sep else size


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number; received {text!r}")
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number; received {text!r}")
    return value


def build_parser():
    parser = _Parser(prog="kerasgen", description="Deep generative models for Keras 3.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    env_dir = os.environ.get("KERASGEN_DATA_DIR")

    train = sub.add_parser("train", help="train a model and write it, samples and exports")
    train.add_argument("model", help="model name (see `kerasgen list`)")
    train.add_argument("--data", default="digits")
    train.add_argument("--data-dir", default=env_dir,
                       help="folder with one subfolder per dataset, or one dataset's files "
                            "(default: $KERASGEN_DATA_DIR)")
    train.add_argument("--image-size", type=_image_size, default=None, metavar="N|HxW",
                       help="folder and tfds data: the size images are read at (folder "
                            "default 32)")
    train.add_argument("--channels", type=int, choices=(1, 3), default=None,
                       help="folder and tfds data: 1 grayscale or 3 RGB (folder default 3)")
    train.add_argument("--aspect-ratio", choices=("crop", "pad"), default=None,
                       help="folder and tfds data: keep the aspect ratio by a centre crop "
                            "(default) or white bars")
    train.add_argument("--epochs", type=_positive_int, default=10)
    train.add_argument("--batch-size", type=_positive_int, default=64)
    train.add_argument("--max-examples", type=_positive_int, default=None)
    train.add_argument("--learning-rate", type=_positive_float, default=None,
                       help="default: the training style's (1e-3 likelihood, 2e-4 GAN)")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--out", default="saved_models")
    train.add_argument("--name", default=None, help="run name (default MODEL-DATA)")
    train.add_argument("--set", action="append", metavar="KEY=VALUE",
                       help="override a hyperparameter (repeatable)")
    train.add_argument("--no-export", dest="export", action="store_false")
    train.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2))
    train.add_argument("--strategy", default="none", choices=("none", "mirrored", "multi-worker"),
                       help="tf.distribute strategy: mirrored = every device of this machine; "
                            "multi-worker = one process per machine, each with its TF_CONFIG")
    train.add_argument("--backup-every", type=_positive_int, default=None, metavar="STEPS",
                       help="back up for resume every STEPS steps (default: every epoch)")
    train.set_defaults(func=cmd_train)

    sample = sub.add_parser("sample", help="write a grid of samples from a trained model")
    sample.add_argument("dir")
    sample.add_argument("--num", type=_positive_int, default=64)
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--temperature", type=float, default=None,
                        help="VAE prior scale, or the sampling temperature of "
                             "autoregressive models")
    sample.add_argument("--truncation", type=float, default=None,
                        help="GAN noise truncated to [-t, t]")
    sample.add_argument("--labels", type=int, nargs="+", default=None)
    sample.add_argument("--length", type=_positive_int, default=None,
                        help="audio models: samples per clip (default: one second)")
    sample.add_argument("--out", default=None)
    sample.set_defaults(func=cmd_sample)

    evaluate = sub.add_parser("evaluate", help="print test metrics as one JSON object")
    evaluate.add_argument("dir")
    evaluate.add_argument("--data", default=None)
    evaluate.add_argument("--data-dir", default=None,
                          help="default: the run's own, else $KERASGEN_DATA_DIR")
    evaluate.add_argument("--max-examples", type=_positive_int, default=None)
    evaluate.add_argument("--importance-samples", type=_positive_int, default=1000)
    evaluate.set_defaults(func=cmd_evaluate)

    export = sub.add_parser("export", help="write TF Serving and/or TFLite exports")
    export.add_argument("dir")
    export.add_argument("--format", choices=("saved_model", "tflite", "all"), default="all")
    export.add_argument("--version", type=_positive_int, default=1)
    export.set_defaults(func=cmd_export)

    listing = sub.add_parser("list", help="list models and datasets")
    listing.set_defaults(func=cmd_list)
    return parser


def main(argv=None):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        args = build_parser().parse_args(argv)
        args.func(args)
    except (ValueError, FileNotFoundError) as error:
        message = " ".join(str(error).split())
        print(f"kerasgen: error: {message}", file=sys.stderr)
        return 2
    except TrainingDiverged as error:
        print(f"kerasgen: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
