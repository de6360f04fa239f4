"""The image side of the ``kerasgen`` command: the families whose ``data_kind`` is images.

    kerasgen train vae                                  # digits, writes saved_models/vae-digits/
    kerasgen train dcgan --data folder --data-dir my_pictures/ --image-size 32 --channels 3
    kerasgen sample saved_models/dcgan-my_pictures --num 64 --truncation 2   # a PNG grid
    kerasgen evaluate saved_models/vae-digits                                 # test metrics

`kerasgen.cli` picks a side by the kind a family declares (`kerasgen.models.family`); every
side offers the same functions: `check_data`, `dataset_info`, `data_options`, `datasets`,
`write_samples`, `evaluate` and `list_datasets`.
"""

import inspect
import os
import pathlib

from kerasgen.cli_errors import UsageError

OPTION_FLAGS = {"image_size": "--image-size", "channels": "--channels",
                "aspect_ratio": "--aspect-ratio"}


def check_data(name):
    """Check that ``--data`` `name` names image data (a one-line error naming ``--data``)."""
    from kerasgen import data

    if not data.is_image_dataset(name):
        raise UsageError(f"`--data` must be one of {', '.join(data.list_datasets())}, folder "
                         "(with --data-dir) or tfds:NAME for an image model (spoken_digit or "
                         f"wav for wavenet); received {name!r}.")
    return name


def data_options(args):
    """The reading options of a folder or TFDS dataset given on the command line (only those
    given: the built-in datasets take none)."""
    refuse_table_options(args, "image")
    options = {key: getattr(args, key) for key in OPTION_FLAGS}
    return {key: value for key, value in options.items() if value is not None}


def refuse_image_options(args, kind):
    """A one-line error for image reading options given to a model of another `kind`."""
    for key, flag in OPTION_FLAGS.items():
        if getattr(args, key, None) is not None:
            raise UsageError(f"`{flag}` is an option of image data; received "
                             f"{getattr(args, key)!r} for {kind} model {args.model}.")


def refuse_table_options(args, kind):
    for flag in ("categorical", "target"):
        if getattr(args, flag, None) is not None:
            raise UsageError(f"`--{flag}` is an option of table data; received "
                             f"{getattr(args, flag)!r} for {kind} model {args.model}.")


def dataset_info(args):
    from kerasgen import data

    return data.dataset_info(check_data(args.data), args.data_dir, **data_options(args))


def datasets(args, model):
    """Train and test datasets of an image run, and its preview writer."""
    from kerasgen import data

    options = data_options(args)
    train = data.load(args.data, "train", data_dir=args.data_dir, batch_size=args.batch_size,
                      max_examples=args.max_examples, seed=args.seed, **options)
    test_images, _ = data.load_arrays(args.data, "test", data_dir=args.data_dir,
                                      max_examples=args.max_examples, **options)
    test = data.load(args.data, "test", data_dir=args.data_dir, batch_size=args.batch_size,
                     max_examples=args.max_examples, **options) if len(test_images) else None

    def preview(directory):
        return {"preview": str(_write_preview(model, directory, test_images, seed=args.seed))}

    return train, test, preview


def _write_preview(model, directory, images, seed=0, num=64):
    """A grid of samples, or of (image, reconstruction) pairs for models without a prior."""
    from kerasgen.utils.images import save_image_grid

    if model.can_sample:
        sample_labels = [i % model.num_classes for i in range(num)] if model.is_conditional \
            else None
        grid = model.sample(num, seed=seed, labels=sample_labels)
        return save_image_grid(grid, directory / "samples.png", model.num_levels, columns=8)
    batch = images[:num]
    pairs = [x for pair in zip(batch, model.reconstruct(batch).numpy()) for x in pair]
    return save_image_grid(pairs, directory / "reconstructions.png", model.num_levels,
                           columns=16)


def write_samples(model, args, directory, labels, options):
    """``kerasgen sample``: a PNG grid; prints its path. `options`: the sampling options
    given (checked against ``model.sample`` by `kerasgen.cli`)."""
    from kerasgen.utils.images import save_image_grid
    from kerasgen.utils.validation import check_output_path

    if args.out:
        check_output_path("--out", args.out, kind="file")
    images = model.sample(args.num, seed=args.seed, labels=labels, **options)
    out = pathlib.Path(args.out) if args.out else directory / f"samples_seed{args.seed}.png"
    save_image_grid(images, out, model.num_levels)
    print(str(out))


def evaluate(model, run, args):
    """``kerasgen evaluate``: the family's report on the test split, read as it was trained
    on (size, channels, crop)."""
    from kerasgen import data

    name = args.data or run.get("data", "digits")
    check_data(name)
    data_dir = args.data_dir or run.get("data_dir") or os.environ.get("KERASGEN_DATA_DIR")
    options = run.get("data_options", {}) if name == run.get("data") else {}
    images, labels = data.load_arrays(name, "test", data_dir=data_dir,
                                      max_examples=args.max_examples, **options)
    # Every family's report declares its options; each gets those of these it accepts.
    offered = dict(seed=0, dataset=name, data_dir=data_dir, data_options=options)
    if args.importance_samples is not None:  # else the report's own default
        offered["importance_samples"] = args.importance_samples
    accepted = inspect.signature(model.evaluation_report).parameters
    report = model.evaluation_report(images, labels if model.is_conditional else None,
                                     **{k: v for k, v in offered.items() if k in accepted})
    return {"data": name, "split": "test", **report}


def list_datasets():
    """``(name, description)`` of the image data ``--data`` takes."""
    from kerasgen import data

    rows = [(name, data.dataset_info(name).description) for name in data.list_datasets()]
    rows.append(("folder", "your own images: --data-dir DIR (one subfolder per class, or "
                           "flat), --image-size, --channels"))
    rows.append(("tfds:NAME", "an image dataset TFDS has prepared on disk (--data-dir: its "
                              "data folder)"))
    return rows
