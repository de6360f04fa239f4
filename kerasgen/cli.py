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
TF Serving ``model_base_path``. What depends on the kind of data lives in one module per kind
(`kerasgen.cli_images`, `kerasgen.cli_audio`, `kerasgen.cli_tables`), picked by the kind a family declares. Bad
arguments exit with status 2 and one line on stderr; a run
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

from kerasgen.cli_errors import UsageError

ROLLBACK_EVERY = 50  # steps between the NaN guard's host copies of the weights


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


def _side(data_kind):
    """The command-line module of a kind of data: `kerasgen.cli_images`, `cli_audio` or
    `cli_tables`."""
    from kerasgen import cli_audio, cli_images, cli_tables

    return {"images": cli_images, "audio": cli_audio, "tables": cli_tables}[data_kind]


def _data_label(args):
    """The data part of the default run name: the folder's name for ``--data folder``."""
    if args.data == "folder" and args.data_dir:
        return pathlib.Path(args.data_dir).resolve().name or "folder"
    if args.data == "csv" and args.data_dir:
        return pathlib.Path(args.data_dir).stem or "csv"
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
    from kerasgen.models.registry import check_model_name, create_model
    from kerasgen.training.distribute import make_strategy

    preset = check_model_name(args.model)
    side = _side(preset.data_kind)
    side.check_data(args.data)
    _check_run_name(args)
    strategy = make_strategy(args.strategy)  # before any other TensorFlow work
    with strategy.scope() if strategy else contextlib.nullcontext():
        model = create_model(args.model, side.dataset_info(args), _parse_set(args.set))
        train, test, preview = side.datasets(args, model)
        model.compile_with_defaults(args.learning_rate)
    _fit_and_write(args, model, train, test, preview, side.data_options(args))


def _fit_and_write(args, model, train, test, preview, data_options):
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
           "data_options": data_options,
           "epochs": len(history.epoch), "batch_size": args.batch_size,
           "train_seconds": round(seconds, 2), "overrides": _parse_set(args.set),
           "strategy": args.strategy,
           "final": {k: float(np.ravel(v[-1])[0]) for k, v in history.history.items()}}
    (directory / "run.json").write_text(json.dumps(run, indent=2))
    written = _export(model, directory, name, "all", 1) if args.export else {}
    print(json.dumps({"run_dir": str(directory), **previews, **written,
                      "final": run["final"]}, indent=2))


def cmd_sample(args):
    directory = _run_dir(args.dir)
    model, _ = _load_run(directory)
    if not model.can_sample:
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
    if args.condition and "conditions" not in inspect.signature(model.sample).parameters:
        raise UsageError(f"`--condition` applies to table models; {type(model).__name__} "
                         f"takes none; received {args.condition}.")
    # Each option given must be a parameter of this model's sample (one check for every kind).
    options = {k: getattr(args, k) for k in ("temperature", "truncation", "length", "steps",
                                             "eta", "guidance")
               if getattr(args, k) is not None}
    accepted = inspect.signature(model.sample).parameters
    for key, value in options.items():
        if key not in accepted:
            raise UsageError(f"`--{key}` is not an option of {type(model).__name__}.sample; "
                             f"received {value}.")
    _side(model.data_kind.name).write_samples(model, args, directory, labels, options)


def cmd_evaluate(args):
    directory = _run_dir(args.dir)
    model, run = _load_run(directory)
    if args.importance_samples is not None and \
            "importance_samples" not in inspect.signature(model.evaluation_report).parameters:
        raise UsageError(f"`--importance-samples` applies to models whose likelihood is "
                         f"estimated by sampling (VAEs, RBMs' AIS chains); the "
                         f"{type(model).__name__} of {directory} takes none; received "
                         f"{args.importance_samples}.")
    print(json.dumps(_side(model.data_kind.name).evaluate(model, run, args)))


def cmd_export(args):
    directory = _run_dir(args.dir)
    model, _ = _load_run(directory)
    print(json.dumps(_export(model, directory, directory.name, args.format, args.version),
                     indent=2))


def cmd_list(args):
    from kerasgen.models.registry import FAMILIES

    print("models:")
    presets = [(name, preset) for family in FAMILIES.values()
               for name, preset in family.presets.items()]
    for name, preset in sorted(presets):
        print(f"  {name:24s} {preset.description}")
    print("datasets:")
    for kind in ("images", "audio", "tables"):
        for name, description in _side(kind).list_datasets():
            print(f"  {name:24s} {description}")


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

    train = sub.add_parser("train", help="train a model and write it, samples and exports")
    train.add_argument("model", help="model name (see `kerasgen list`)")
    train.add_argument("--data", default="digits")
    # No default here: a user's folder (--data folder, wav) must be named, never guessed;
    # the named datasets' loaders fall back to $KERASGEN_DATA_DIR themselves.
    train.add_argument("--data-dir", default=None,
                       help="folder with one subfolder per dataset, or one dataset's files "
                            "(named datasets default to $KERASGEN_DATA_DIR; --data folder "
                            "and wav need it)")
    train.add_argument("--image-size", type=_image_size, default=None, metavar="N|HxW",
                       help="folder and tfds data: the size images are read at (folder "
                            "default 32)")
    train.add_argument("--channels", type=int, choices=(1, 3), default=None,
                       help="folder and tfds data: 1 grayscale or 3 RGB (folder default 3)")
    train.add_argument("--aspect-ratio", choices=("crop", "pad"), default=None,
                       help="folder and tfds data: keep the aspect ratio by a centre crop "
                            "(default) or white bars")
    train.add_argument("--categorical", default=None, metavar="A,B",
                       help="table data: columns to read as categories (else inferred)")
    train.add_argument("--target", default=None,
                       help="table data: the column to predict (stratifies the split)")
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
    sample.add_argument("--steps", type=_positive_int, default=None,
                        help="diffusion models: reverse steps (default: the model's)")
    sample.add_argument("--eta", type=float, default=None,
                        help="diffusion models: DDIM's eta (1: DDPM's ancestral sampler)")
    sample.add_argument("--guidance", type=float, default=None,
                        help="conditional diffusion models: classifier-free guidance scale")
    sample.add_argument("--condition", action="append", metavar="COLUMN=VALUE",
                        help="table models: only rows with this value (repeatable)")
    sample.add_argument("--out", default=None)
    sample.set_defaults(func=cmd_sample)

    evaluate = sub.add_parser("evaluate", help="print test metrics as one JSON object")
    evaluate.add_argument("dir")
    evaluate.add_argument("--data", default=None)
    evaluate.add_argument("--data-dir", default=None,
                          help="default: the run's own, else $KERASGEN_DATA_DIR")
    evaluate.add_argument("--max-examples", type=_positive_int, default=None)
    evaluate.add_argument("--importance-samples", type=_positive_int, default=None,
                          help="VAEs: samples per example of the likelihood bound; RBMs: AIS "
                               "chains (default: the model's own)")
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
