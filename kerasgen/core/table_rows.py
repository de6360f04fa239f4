"""`TableRows`: the kind of example of the table models, one row of typed columns.

A model sees a row as a vector of *codes*, one float per column:

    continuous, discrete     the number itself (NaN where missing, if the column has missing
                             values)
    categorical, boolean     the index of the value in the column's `categories` (a missing
                             value is a category of its own: None, the last one)

A column is a JSON-ready dict, the form in which a model's config (and so its ``.keras`` file)
keeps it, written by `kerasgen.data.TableTransformer.fit`:

    {"name": "age", "kind": "discrete", "minimum": 17.0, "maximum": 90.0,
     "has_missing": False, "categories": [], "modes": {"means": [...], "stds": [...],
     "weights": [...]}}
    {"name": "sex", "kind": "categorical", "categories": ["Female", "Male"],
     "has_missing": False, "frequencies": [10771.0, 21790.0]}

`codes` turns a pandas DataFrame with those columns into codes (refusing unknown values,
missing values where the training data had none, text in a number column), `frame` turns codes
back into a DataFrame with the training header, and `check` is the ``ValueError`` of bad input
every table model's ``fit``, ``log_prob`` and exports read.

Example:
    >>> import numpy as np, pandas as pd
    >>> kind = TableRows([{"name": "size", "kind": "continuous", "minimum": 0.0,
    ...                    "maximum": 5.0},
    ...                   {"name": "colour", "kind": "categorical",
    ...                    "categories": ["blue", "red", None], "has_missing": True}])
    >>> codes = kind.codes(pd.DataFrame({"size": [1.5, 4.0], "colour": ["red", None]}))
    >>> codes.tolist()
    [[1.5, 1.0], [4.0, 2.0]]
    >>> kind.frame(codes).to_dict("list")
    {'size': [1.5, 4.0], 'colour': ['red', None]}
    >>> kind.codes(pd.DataFrame({"size": [1.0], "colour": ["green"]}))
    Traceback (most recent call last):
    ...
    ValueError: `colour` must be one of its training values: blue, red, or missing; received 'green' (row 0).
"""

import dataclasses
import numbers

import numpy as np
import tensorflow as tf

from kerasgen.utils import validation as v

NUMBER_KINDS = ("continuous", "discrete")
CATEGORY_KINDS = ("categorical", "boolean")


def normalized_column(column):
    """A column dict with every key present and JSON-ready values (checked)."""
    if not isinstance(column, dict) or not isinstance(column.get("name"), str):
        v.fail("columns", repr(column)[:80], "column dicts with a 'name' (see "
               "kerasgen.data.TableTransformer)")
    name, kind = column["name"], column.get("kind")
    if kind not in NUMBER_KINDS + CATEGORY_KINDS:
        v.fail(f"columns[{name!r}]['kind']", repr(kind),
               f"one of {', '.join(NUMBER_KINDS + CATEGORY_KINDS)}")
    result = {"name": name, "kind": kind, "has_missing": bool(column.get("has_missing", False))}
    if kind in NUMBER_KINDS:
        low, high = column.get("minimum"), column.get("maximum")
        if not all(isinstance(x, numbers.Real) and np.isfinite(x) for x in (low, high)) \
                or low > high:
            v.fail(f"columns[{name!r}] minimum and maximum", f"{low!r}, {high!r}",
                   "finite numbers, minimum <= maximum")
        modes = column.get("modes") or {"means": [], "stds": [], "weights": []}
        modes = {key: [float(x) for x in modes.get(key, [])]
                 for key in ("means", "stds", "weights")}
        if len({len(x) for x in modes.values()}) != 1 or any(s <= 0 for s in modes["stds"]):
            v.fail(f"columns[{name!r}]['modes']", repr(modes)[:80],
                   "means, stds (> 0) and weights of equal length")
        result.update(minimum=float(low), maximum=float(high), categories=[], modes=modes)
    else:
        categories = list(column.get("categories", []))
        if not categories or any(c is not None and not isinstance(c, str) for c in categories):
            v.fail(f"columns[{name!r}]['categories']", repr(categories)[:80],
                   "a non-empty list of strings (None last: the missing value)")
        if None in categories[:-1] or (None in categories) != result["has_missing"]:
            v.fail(f"columns[{name!r}]['categories']", repr(categories)[:80],
                   "None as the last category exactly when the column has missing values")
        result.update(categories=categories)
        frequencies = column.get("frequencies")
        if frequencies is not None:  # training counts per category (CTGAN's sampling)
            if len(frequencies) != len(categories) or any(
                    not isinstance(f, numbers.Real) or not f >= 0 for f in frequencies):
                v.fail(f"columns[{name!r}]['frequencies']", repr(frequencies)[:80],
                       "a non-negative count per category")
            result["frequencies"] = [float(f) for f in frequencies]
    return result


@dataclasses.dataclass(frozen=True, eq=False)
class TableRows:
    """Rows of the typed `columns` (dicts, see the module docstring), as codes ``[C]``."""

    columns: tuple
    name = "tables"
    input_name = "rows"

    def __post_init__(self):
        columns = tuple(normalized_column(c) for c in (self.columns or ()))
        if not columns:
            v.fail("columns", repr(self.columns), "at least one column")
        names = [c["name"] for c in columns]
        if len(set(names)) != len(names):
            v.fail("columns", f"names {names}", "distinct column names")
        object.__setattr__(self, "columns", columns)

    @property
    def rank(self):
        return 1

    @property
    def names(self):
        return [c["name"] for c in self.columns]

    def spec(self, name=None):
        return tf.TensorSpec([None, len(self.columns)], tf.float32,
                             name=name or self.input_name)

    # ------------------------------------------------------------------ frames <-> codes
    def codes(self, frame, name="rows"):
        """Codes ``[N, C]`` (float32) of a DataFrame holding these columns (extra columns are
        ignored); a ``ValueError`` naming the column for a value the model cannot take."""
        import pandas as pd

        if not isinstance(frame, pd.DataFrame):
            v.fail(name, v.describe(frame), "a pandas DataFrame")
        absent = [n for n in self.names if n not in frame.columns]
        if absent:
            v.fail(name, f"a table without column(s) {', '.join(absent)}",
                   f"the columns {', '.join(self.names)}")
        codes = np.zeros([len(frame), len(self.columns)], np.float32)
        for j, column in enumerate(self.columns):
            codes[:, j] = _column_codes(column, frame[column["name"]])
        return codes

    def value_code(self, column, value, name):
        """The code of one `value` of column index `column` (a ``ValueError`` naming `name`
        for a value the column cannot take)."""
        import pandas as pd

        return float(_column_codes(self.columns[column], pd.Series([value], dtype=object),
                                   name)[0])

    def frame(self, codes):
        """The DataFrame of codes ``[N, C]``: numbers as float64 within the training range
        (NaN where missing; whole numbers for discrete columns), categories as their strings
        (None where missing)."""
        import pandas as pd

        codes = np.asarray(codes, np.float64)
        data = {}
        for j, column in enumerate(self.columns):
            if column["kind"] in NUMBER_KINDS:
                # float32 codes may stray past a float64 bound by a rounding error.
                data[column["name"]] = np.clip(codes[:, j], column["minimum"],
                                               column["maximum"])
            else:
                index = np.clip(np.rint(codes[:, j]), 0, len(column["categories"]) - 1)
                data[column["name"]] = pd.Series([column["categories"][int(i)] for i in index],
                                                 dtype=object)
        return pd.DataFrame(data)

    # ------------------------------------------------------------------ the kind's contract
    def check(self, name, rows, integers=False):
        """Float32 codes ``[N, C]`` of `rows` (codes, or a DataFrame: see `codes`)."""
        import pandas as pd

        if isinstance(rows, pd.DataFrame):
            return self.codes(rows, name)
        expected = f"table rows: a DataFrame, or codes [rows, {len(self.columns)}]"
        array = v.as_array(name, rows, expected)
        if array.ndim != 2 or array.shape[1] != len(self.columns) or len(array) == 0:
            v.fail(name, f"an array of shape {array.shape}", f"{expected}, non-empty")
        if not np.issubdtype(array.dtype, np.number):
            v.fail(name, f"an array of dtype {array.dtype}", expected)
        array = array.astype(np.float32)
        for j, column in enumerate(self.columns):
            values = array[:, j]
            if column["kind"] in CATEGORY_KINDS:
                count = len(column["categories"])
                bad = ~np.isfinite(values) | (values < 0) | (values >= count) \
                    | (np.mod(values, 1) != 0)
                expected_values = f"category indices in [0, {count - 1}]"
            else:
                bad = np.isinf(values) | (np.isnan(values) & (not column["has_missing"]))
                expected_values = "finite numbers" + (" or NaN (missing)"
                                                      if column["has_missing"] else "")
            if bad.any():
                row = int(np.argmax(bad))
                v.fail(name, f"{values[row]!r} in column {j} ({column['name']!r}), row {row}",
                       expected_values)
        return array

    def random(self, rng, batch_size, length=None):
        """Valid codes: categories uniformly, numbers uniformly in their range (no missing
        values, so exported outputs compare without NaN)."""
        columns = []
        for column in self.columns:
            if column["kind"] in CATEGORY_KINDS:
                columns.append(rng.integers(0, len(column["categories"]), size=batch_size))
            else:
                values = rng.uniform(column["minimum"], column["maximum"], size=batch_size)
                columns.append(np.rint(values) if column["kind"] == "discrete" else values)
        return np.stack(columns, axis=1)

    def describe(self):
        kinds = [c["kind"] for c in self.columns]
        counts = ", ".join(f"{kinds.count(k)} {k}" for k in NUMBER_KINDS + CATEGORY_KINDS
                           if k in kinds)
        return f"table rows of {len(self.columns)} columns ({counts})"


def _column_codes(column, values, name=None):
    """The codes of one column's values (a pandas Series); errors name `name` (default: the
    column's own name)."""
    import pandas as pd

    name = name or column["name"]
    raw = values.astype(object)
    missing = raw.isna().to_numpy() | np.array(
        [isinstance(x, str) and x.strip() in ("?", "") for x in raw], dtype=bool)
    if missing.any() and not column["has_missing"]:
        v.fail(name, f"a missing value (row {int(np.argmax(missing))})",
               "a value: this column had no missing values in training")
    if column["kind"] in NUMBER_KINDS:
        numbers_ = pd.to_numeric(raw.where(~missing, None), errors="coerce").to_numpy(float)
        text = ~missing & np.isnan(numbers_)
        if text.any():
            row = int(np.argmax(text))
            v.fail(name, f"{raw.iloc[row]!r} (row {row})", "a number")
        return numbers_
    categories = column["categories"]
    lookup = {c: i for i, c in enumerate(categories) if c is not None}
    codes = np.empty(len(raw), np.float32)
    for row, (value, is_missing) in enumerate(zip(raw, missing)):
        if is_missing:
            codes[row] = len(categories) - 1
            continue
        key = _category_text(value)
        if key not in lookup:
            known = ", ".join(c for c in categories if c is not None)
            v.fail(name, f"{value!r} (row {row})", f"one of its training values: {known}"
                   + (", or missing" if column["has_missing"] else ""))
        codes[row] = lookup[key]
    return codes


def _category_text(value):
    """The vocabulary key of a value: its text, stripped, as `kerasgen.data.load_table`
    reads categories (``True`` -> ``"True"``)."""
    return str(value).strip()
