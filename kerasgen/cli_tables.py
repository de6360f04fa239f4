"""The table side of the ``kerasgen`` command: the families whose ``data_kind`` is tables.

    kerasgen train tvae --data adult --data-dir ../shared/data --epochs 50
    kerasgen train tvae --data csv --data-dir measurements.csv --categorical site,batch
    kerasgen train table-autoencoder --data wine
    kerasgen sample saved_models/tvae-adult --num 1000 --out rows.csv --condition sex=Female
    kerasgen evaluate saved_models/tvae-adult

``--data`` names a CSV file (``csv`` with ``--data-dir FILE.csv``), UCI Adult (``adult``,
under ``--data-dir`` or ``$KERASGEN_DATA_DIR``) or a scikit-learn table (``wine``, ``iris``,
``breast_cancer``, ``diabetes``); `kerasgen.data.load_table` reads them (its seeded split for
a CSV file). The model's transformer is fitted on the training split. Samples are written as
CSV with the training header. See `kerasgen.cli_images` for the functions every side offers.
"""

import functools
import inspect
import pathlib

from kerasgen.cli_errors import UsageError

TABLE_DATA = ("csv", "adult", "wine", "iris", "breast_cancer", "diabetes")
OPTION_FLAGS = {"categorical": "--categorical", "target": "--target"}
PREVIEW_ROWS = 100
CSV_FLOATS = "%.7g"  # the precision of the float32 rows a model draws


def check_data(name):
    if name not in TABLE_DATA:
        raise UsageError(f"`--data` must be one of {', '.join(TABLE_DATA)} for a table "
                         f"model (csv with --data-dir FILE.csv); received {name!r}.")
    return name


def data_options(args):
    """The table reading options given on the command line: ``categorical`` (a list of
    column names) and ``target``; image options are refused."""
    from kerasgen.cli_images import refuse_image_options

    refuse_image_options(args, "table")
    options = {}
    if getattr(args, "categorical", None):
        options["categorical"] = [n.strip() for n in args.categorical.split(",") if n.strip()]
    if getattr(args, "target", None):
        options["target"] = args.target
    return options


def _source(name, data_dir):
    if name == "csv":
        if not data_dir:
            raise UsageError("`--data-dir` must name a CSV file for --data csv; received "
                             "none.")
        return data_dir
    return name


@functools.lru_cache(maxsize=8)
def _table(name, data_dir, split, categorical=(), target=None, max_rows=None):
    from kerasgen.data import load_table

    return load_table(_source(name, data_dir), split=split, data_dir=data_dir,
                      categorical=categorical, target=target, max_rows=max_rows)


def _read(name, data_dir, split, options, max_rows=None):
    return _table(name, data_dir, split, tuple(options.get("categorical", ())),
                  options.get("target"), max_rows)


class TableDatasetInfo:
    """What a table gives a model: its fitted transformer."""

    data_kind = "tables"
    num_classes = None

    def __init__(self, name, table):
        from kerasgen.data import TableTransformer

        self.name = name
        self.table = table
        self.description = table.describe()
        self.transformer = TableTransformer.fit(table)

    def model_kwargs(self):
        return {"transformer": self.transformer.get_config()}


def dataset_info(args):
    check_data(args.data)
    table = _read(args.data, args.data_dir, "train", data_options(args), args.max_examples)
    return TableDatasetInfo(args.data, table)


def _dataset(rows, batch_size, shuffle, seed=0):
    """Batches of ``(codes, labels)`` (``model.training_data``; labels None: codes alone)."""
    import tensorflow as tf

    codes, labels = rows
    dataset = tf.data.Dataset.from_tensor_slices(codes if labels is None else (codes, labels))
    if shuffle:
        dataset = dataset.shuffle(len(codes), seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size)


def datasets(args, model):
    """Train and test datasets of table codes, and the preview writer (a CSV of samples,
    or of reconstructions for the autoencoder)."""
    options = data_options(args)
    train = _read(args.data, args.data_dir, "train", options, args.max_examples)
    test = _read(args.data, args.data_dir, "test", options, args.max_examples)
    train_rows = model.training_data(train.frame, seed=args.seed)
    test_rows = model.training_data(test.frame, seed=args.seed) if len(test) else None

    def preview(directory):
        if model.can_sample:
            rows = model.sample(PREVIEW_ROWS, seed=args.seed)
            path = directory / "samples.csv"
        else:
            rows = model.reconstruct(test.frame[:PREVIEW_ROWS] if len(test)
                                     else train.frame[:PREVIEW_ROWS])
            path = directory / "reconstructions.csv"
        rows.to_csv(path, index=False, float_format=CSV_FLOATS)
        return {"preview": str(path)}

    return (_dataset(train_rows, args.batch_size, True, args.seed),
            None if test_rows is None else _dataset(test_rows, args.batch_size, False),
            preview)


def _conditions(model, items):
    """``["sex=Female", "age=40"]`` -> ``{"sex": "Female", "age": 40.0}`` (numbers for
    number columns)."""
    conditions = {}
    kinds = {c["name"]: c["kind"] for c in model.transformer.columns}
    for item in items or ():
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UsageError(f"`--condition` must be column=value; received {item!r}.")
        if kinds.get(name) in ("continuous", "discrete"):
            try:
                value = float(value)
            except ValueError:
                raise UsageError(f"`--condition` {name} is a number column; received "
                                 f"{item!r}.")
        conditions[name] = value
    return conditions


def write_samples(model, args, directory, labels, options):
    """``kerasgen sample``: a CSV file of ``--num`` rows with the training header (only rows
    carrying every ``--condition``); prints its path."""
    from kerasgen.utils.validation import check_output_path

    if args.out:
        check_output_path("--out", args.out, kind="file")
    conditions = _conditions(model, args.condition)
    rows = model.sample(args.num, seed=args.seed, conditions=conditions or None, **options)
    out = pathlib.Path(args.out) if args.out else directory / f"samples_seed{args.seed}.csv"
    rows.to_csv(out, index=False, float_format=CSV_FLOATS)
    print(str(out))


def evaluate(model, run, args):
    """``kerasgen evaluate``: the family's report on the test split, read as it was
    trained on (the run's data options)."""
    import os

    name = check_data(args.data or run.get("data", "adult"))
    data_dir = args.data_dir or run.get("data_dir") or os.environ.get("KERASGEN_DATA_DIR")
    options = run.get("data_options", {}) if name == run.get("data") else {}
    test = _read(name, data_dir, "test", options, args.max_examples)
    train = _read(name, data_dir, "train", options, args.max_examples)
    offered = dict(seed=0, train_rows=train.frame, target=test.target)
    if args.importance_samples is not None:
        offered["importance_samples"] = args.importance_samples
    accepted = inspect.signature(model.evaluation_report).parameters
    report = model.evaluation_report(test.frame, **{k: v for k, v in offered.items()
                                                    if k in accepted})
    return {"data": name, "split": "test", **report}


def list_datasets():
    """``(name, description)`` of the table data ``--data`` takes."""
    return [("csv", "your own table: --data-dir FILE.csv (a header row; --categorical a,b "
                    "and --target name override the inferred kinds)"),
            ("adult", "UCI Adult census income (--data-dir: the folder holding adult/)"),
            ("wine, iris, breast_cancer, diabetes", "scikit-learn's bundled tables")]
