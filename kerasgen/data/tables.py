"""Tables: rows of typed columns from a CSV file, a pandas DataFrame or a named dataset.

    table = load_table("adult", data_dir="../shared/data")          # the official train split
    table = load_table("measurements.csv", target="class", categorical=["site"])
    table = load_table(frame, split="test", test_fraction=0.2, split_seed=0)
    table.columns[0]          # Column(name='age', kind='discrete', minimum=17.0, maximum=90.0)

What one column holds is inferred from its values and can be overridden by name:

    continuous    numbers with a fractional part
    discrete      whole numbers (ages, counts): numbers, rounded when generated
    categorical   text, or any column named in ``categorical=[...]``
    boolean       two values true/false (any letter case) or a boolean column

Missing values (``?``, an empty field, NaN) are kept as information: the column's
``has_missing`` says so, numbers hold NaN and categories ``None`` there, so a model gives them
a category (or an indicator) of their own; no row is dropped. A column whose values are all
missing, or a number column holding some text (``3.5, 4.1, n/a``), is a ``ValueError`` naming
the column: declare it ``categorical=[...]`` or write its missing values as ``?``.

The split is the dataset's own where it has one (Adult's ``adult.data`` / ``adult.test``),
otherwise a seeded held-out `test_fraction` of the rows, stratified by a categorical target
(``sklearn.model_selection.train_test_split``). Kinds and vocabularies are read from every
row, so both splits describe their columns alike.

Named tables: ``adult`` (UCI census income; ``adult/adult.data.csv`` and ``adult.test.csv``
under `data_dir` or ``$KERASGEN_DATA_DIR``) and scikit-learn's bundled ``wine``, ``iris``,
``breast_cancer`` (target ``class``, categorical) and ``diabetes`` (target ``progression``,
continuous), which need no file.

Example:
    >>> table = load_table("iris", split="train")
    >>> len(table), table.target, [c.kind for c in table.columns][-2:]
    (120, 'class', ['continuous', 'categorical'])
    >>> table.column("class").categories
    ('setosa', 'versicolor', 'virginica')
"""

import csv
import dataclasses
import io
import os

import numpy as np

from kerasgen.data.folders import data_folder
from kerasgen.utils.validation import check_positive_int, fail

COLUMN_KINDS = ("continuous", "discrete", "categorical", "boolean")
MISSING_TOKENS = ("?", "")
SPLITS = ("train", "test")
SKLEARN_TABLES = {  # name: (loader, target column, target is categorical)
    "wine": ("load_wine", "class", True),
    "iris": ("load_iris", "class", True),
    "breast_cancer": ("load_breast_cancer", "class", True),
    "diabetes": ("load_diabetes", "progression", False),
}
NAMED_TABLES = ("adult", *SKLEARN_TABLES)
_BOOLEAN_WORDS = {"true", "false"}
_TEXT_SHARE_FOR_A_NUMBER_COLUMN = 0.9  # this share of numbers and some text: a typo, not text


@dataclasses.dataclass(frozen=True)
class Column:
    """One column: its `name`, `kind` (one of `COLUMN_KINDS`), the sorted `categories` of a
    categorical or boolean column, the `minimum` and `maximum` of a number column, and
    whether it `has_missing` values."""

    name: str
    kind: str
    categories: tuple = ()
    minimum: float = None
    maximum: float = None
    has_missing: bool = False

    @property
    def is_number(self):
        return self.kind in ("continuous", "discrete")


@dataclasses.dataclass(frozen=True)
class Table:
    """Rows of typed `columns` (`Column`), as a pandas DataFrame `frame`: number columns
    float64 with NaN where missing, the others strings with None where missing. `target` is
    the column to predict (or None); `name` says where the rows came from."""

    frame: object
    columns: tuple
    target: str = None
    name: str = "table"

    def __len__(self):
        return len(self.frame)

    @property
    def names(self):
        return tuple(column.name for column in self.columns)

    def column(self, name):
        """The `Column` called `name` (a ``ValueError`` naming `name` if there is none)."""
        for column in self.columns:
            if column.name == name:
                return column
        fail("name", repr(name), f"a column of {self.name}: {', '.join(self.names)}")

    def describe(self):
        kinds = ", ".join(f"{sum(c.kind == k for c in self.columns)} {k}" for k in COLUMN_KINDS
                          if any(c.kind == k for c in self.columns))
        return f"{self.name}: {len(self)} rows, {len(self.columns)} columns ({kinds})"


def load_table(source, split=None, data_dir=None, target=None, categorical=(), continuous=(),
               discrete=(), test_fraction=0.2, split_seed=0, max_rows=None):
    """The `Table` of `source`: a CSV path, a pandas DataFrame or one of `NAMED_TABLES`.

    Args:
        source: a ``.csv`` file (a header row, then one row per example), a DataFrame, or a
            name (``adult``, ``wine``, ``iris``, ``breast_cancer``, ``diabetes``).
        split: None (every row), ``"train"`` or ``"test"`` (module docstring).
        data_dir: where ``adult`` lives (default ``$KERASGEN_DATA_DIR``).
        target: the column to predict (named tables have their own).
        categorical, continuous, discrete: column names whose kind is given, not inferred.
        test_fraction, split_seed: the held-out share and its seed, for sources without a split.
        max_rows: keep the first rows of the split only.
    """
    if split is not None and split not in SPLITS:
        fail("split", repr(split), f"None or one of {', '.join(SPLITS)}")
    if not (isinstance(test_fraction, (int, float)) and 0 < test_fraction < 1):
        fail("test_fraction", repr(test_fraction), "a number strictly between 0 and 1")
    frame, given_test, name, target, overrides = _read_source(
        source, data_dir, target, dict(categorical=categorical, continuous=continuous,
                                       discrete=discrete))
    frame, columns = _typed(frame, overrides)
    if target is not None and target not in frame.columns:
        fail("target", repr(target), f"a column of {name}: {', '.join(map(str, frame.columns))}")
    if split is not None:
        if given_test is not None:
            rows = given_test if split == "test" else ~given_test
        else:
            rows = _held_out(frame, target, columns, test_fraction, split_seed) == (
                split == "test")
        frame = frame[np.asarray(rows)].reset_index(drop=True)
    if max_rows is not None:
        frame = frame.iloc[:check_positive_int("max_rows", max_rows)].reset_index(drop=True)
    return Table(frame, columns, target, name if split is None else f"{name} ({split})")


# ------------------------------------------------------------------ reading
def _read_source(source, data_dir, target, overrides):
    """``(frame of raw values, test-row mask or None, name, target, overrides)``."""
    import pandas as pd

    if isinstance(source, pd.DataFrame):
        if source.empty:
            fail("source", "an empty DataFrame", "a table with columns and at least one row")
        return source.copy(), None, "DataFrame", target, overrides
    if not isinstance(source, (str, os.PathLike)):
        fail("source", f"a {type(source).__name__}",
             f"a CSV path, a pandas DataFrame or one of {', '.join(NAMED_TABLES)}")
    text = os.fspath(source)
    if text in SKLEARN_TABLES:
        return _sklearn_table(text, target, overrides)
    if text == "adult":
        return _adult(data_dir, target, overrides)
    return _read_csv(text), None, os.path.basename(text), target, overrides


def _read_csv(path):
    """The rows of the CSV file at `path`, all as text, after checking its shape."""
    import pandas as pd

    if not os.path.isfile(path):
        fail("source", repr(path), f"an existing CSV file or one of {', '.join(NAMED_TABLES)}")
    with open(path, newline="", encoding="utf-8-sig") as file:
        content = file.read()
    rows = [row for row in csv.reader(io.StringIO(content), skipinitialspace=True) if row]
    if len(rows) < 2:
        fail("source", f"{path!r}, which holds {'no header' if not rows else 'no rows'}",
             "a CSV file with a header row and at least one row of values")
    header = [name.strip() for name in rows[0]]
    if "" in header or len(set(header)) != len(header):
        fail("source", f"{path!r}, whose header {header} has empty or repeated names",
             "a CSV file with one distinct name per column")
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            fail("source", f"{path!r}, whose row {number} has {len(row)} fields",
                 f"a CSV file with {len(header)} fields in every row, as its header has")
    return pd.read_csv(io.StringIO(content), skipinitialspace=True, dtype=str,
                       keep_default_na=False, skip_blank_lines=True).rename(columns=str.strip)


def _sklearn_table(name, target, overrides):
    import sklearn.datasets

    loader, own_target, categorical_target = SKLEARN_TABLES[name]
    bunch = getattr(sklearn.datasets, loader)(as_frame=True)
    frame = bunch.data.copy()
    values = bunch.target.to_numpy()
    frame[own_target] = np.asarray(bunch.target_names)[values] if categorical_target else values
    named = overrides["categorical"]
    named = [named] if isinstance(named, str) else list(named)
    if categorical_target and own_target not in named:
        overrides = dict(overrides, categorical=(*named, own_target))
    return frame, None, name, target or own_target, overrides


def _adult(data_dir, target, overrides):
    import pandas as pd

    folder, _ = data_folder(data_dir, "a folder holding adult/adult.data.csv")
    folder = os.path.join(folder, "adult") if os.path.isdir(os.path.join(folder, "adult")) \
        else folder
    parts = []
    for file in ("adult.data.csv", "adult.test.csv"):
        path = os.path.join(folder, file)
        if not os.path.isfile(path):
            fail("data_dir", repr(folder), f"a folder holding {file} (UCI Adult)")
        parts.append(_read_csv(path))
    train, test = parts
    label = train.columns[-1]
    test[label] = test[label].str.rstrip(".")  # adult.test writes '<=50K.' for '<=50K'
    frame = pd.concat([train, test], ignore_index=True)
    is_test = np.arange(len(frame)) >= len(train)
    return frame, is_test, "adult", target or label, overrides


# ------------------------------------------------------------------ column kinds
def _typed(frame, overrides):
    """The frame with number columns as float64 (NaN where missing) and the others as
    strings (None where missing), and its `Column`s."""
    given = {}
    for argument, names in overrides.items():
        if isinstance(names, str):
            names = [names]
        for name in names:
            if name not in frame.columns:
                fail(argument, repr(name), f"a column name: {', '.join(map(str, frame.columns))}")
            if name in given:
                fail(argument, repr(name), f"a column named once (it is in {given[name]} too)")
            given[name] = argument
    frame = frame.copy()
    frame.columns = [str(name) for name in frame.columns]
    columns = []
    for name in frame.columns:
        values, column = _typed_column(name, frame[name], given.get(name))
        frame[name] = values
        columns.append(column)
    return frame, tuple(columns)


def _typed_column(name, values, declared):
    import pandas as pd

    raw = values.astype(object)
    missing = raw.isna().to_numpy() | np.array([isinstance(v, str) and v.strip()
                                                in MISSING_TOKENS for v in raw])
    present = raw[~missing]
    if len(present) == 0:
        fail(name, "a column whose every value is missing",
             "at least one value (drop the column from the table)")
    numbers = pd.to_numeric(present, errors="coerce")
    parsed = numbers.notna().to_numpy()
    kind = declared
    if kind is None:
        text = {str(v).strip().lower() for v in present}
        if values.dtype == bool or text <= _BOOLEAN_WORDS and len(text) == 2:
            kind = "boolean"
        elif parsed.all():
            kind = "discrete" if np.all(np.mod(numbers.to_numpy(float), 1) == 0) \
                else "continuous"
        elif parsed.mean() >= _TEXT_SHARE_FOR_A_NUMBER_COLUMN:
            odd = sorted({str(v) for v in present[~parsed]})[:3]
            fail(name, f"a number column holding text ({', '.join(map(repr, odd))})",
                 "numbers (write missing values as '?'), or name the column in "
                 "categorical=[...]")
        else:
            kind = "categorical"
    if kind in ("continuous", "discrete"):
        if not parsed.all():
            odd = sorted({str(v) for v in present[~parsed]})[:3]
            fail(name, f"text ({', '.join(map(repr, odd))}) in a column declared {kind}",
                 "numbers only (missing values as '?')")
        floats = np.full(len(raw), np.nan)
        floats[~missing] = numbers.to_numpy(float)
        return floats, Column(name, kind, minimum=float(np.nanmin(floats)),
                              maximum=float(np.nanmax(floats)), has_missing=bool(missing.any()))
    strings = pd.Series([None if m else str(v).strip() for v, m in zip(raw, missing)],
                        index=values.index, dtype=object)
    categories = tuple(sorted({s for s in strings if s is not None}))
    return strings, Column(name, kind, categories=categories, has_missing=bool(missing.any()))


def _held_out(frame, target, columns, test_fraction, seed):
    """A boolean mask of the held-out rows: seeded, stratified by a categorical target
    whose every class has two rows or more (else plain)."""
    from sklearn.model_selection import train_test_split

    rows = np.arange(len(frame))
    if len(rows) < 2:
        fail("source", f"a table of {len(rows)} row", "at least two rows to split")
    strata = None
    if target is not None and not next(c for c in columns if c.name == target).is_number:
        labels = frame[target].fillna("<missing>").to_numpy()
        _, counts = np.unique(labels, return_counts=True)
        strata = labels if counts.min() >= 2 else None
    _, test_rows = train_test_split(rows, test_size=test_fraction, random_state=seed,
                                    stratify=strata)
    mask = np.zeros(len(rows), bool)
    mask[test_rows] = True
    return mask
