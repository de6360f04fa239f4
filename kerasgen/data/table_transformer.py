"""`TableTransformer`: table rows <-> the vectors table networks read and write (CTGAN's).

Fitted once on the training rows, it keeps every fitted number in its config (JSON: the column
dicts of `kerasgen.core.table_rows`), which a table model's config holds, so a ``.keras`` file
carries it without pickles and loads in safe mode (as Keras' own ``Normalization(mean=...)``
and ``StringLookup(vocabulary=...)`` keep their statistics in their configs).

#### Mathematical details

A continuous or discrete column is normalized per mode (Xu et al. 2019): a variational
Gaussian mixture (scikit-learn's ``BayesianGaussianMixture``, a Dirichlet-process prior, at
most `max_modes` components) is fitted to its values and the modes of weight above
`weight_threshold` are kept (weights renormalized). A value x is encoded by its most
responsible mode k and its offset within that mode:

    k(x)     = argmax_k  log w_k + log N(x; mu_k, sigma_k^2)
    alpha(x) = (x - mu_k) / (4 sigma_k)                       (mostly in [-1, 1])
    encoded  = [alpha, one_hot(k, M)]

and decoded as x = mu_k + 4 sigma_k alpha, clipped to the training range [minimum, maximum]
and rounded for discrete columns. A categorical or boolean column of K values is one-hot(K);
a missing value is one more category (or, for a number, a two-way indicator
[present, missing] after the value). Constant columns (one value) take no width and decode
to their value. CTGAN draws k from the responsibilities; the argmax keeps the encoding a
function of the row, so encode -> decode is the identity up to float rounding.

Example:
    >>> import kerasgen
    >>> table = kerasgen.data.load_table("iris", split="train")
    >>> transformer = TableTransformer.fit(table)
    >>> encoded = transformer.encode(transformer.codes(table.frame))
    >>> encoded.shape[0], encoded.shape[1] == transformer.encoded_width
    (120, True)
    >>> back = transformer.frame(transformer.decode(encoded))
    >>> bool((back["class"] == table.frame["class"]).all())
    True

References:
    Xu, Skoularidou, Cuesta-Infante & Veeramachaneni 2019, "Modeling Tabular Data using
    Conditional GAN" (mode-specific normalization).
"""

import dataclasses
import warnings

import numpy as np
import tensorflow as tf

from kerasgen.core.table_rows import CATEGORY_KINDS, NUMBER_KINDS, TableRows
from kerasgen.utils import validation as v

MAX_MODES = 10
WEIGHT_THRESHOLD = 0.005
MAX_FIT_ROWS = 20000  # rows a column's mixture is fitted on (a seeded subset of larger tables)


@dataclasses.dataclass(frozen=True)
class Segment:
    """One part of the encoded vector: column `column` (its index), its `part` ("value",
    "mode", "missing" or "category"), `start` and `width` in the encoded vector."""

    column: int
    part: str
    start: int
    width: int


class TableTransformer:
    """The encoding of rows of `columns` (column dicts, see `kerasgen.core.table_rows`).

    Build one with `fit`; a model keeps ``transformer.get_config()`` and rebuilds it with
    `from_config`.
    """

    def __init__(self, columns):
        self.kind = TableRows(columns)
        self.columns = self.kind.columns
        self.segments = self._layout()
        self.encoded_width = sum(s.width for s in self.segments)

    # ------------------------------------------------------------------ fitting
    @classmethod
    def fit(cls, table, max_modes=MAX_MODES, weight_threshold=WEIGHT_THRESHOLD, seed=0,
            max_fit_rows=MAX_FIT_ROWS):
        """A transformer fitted on `table` (a `kerasgen.data.Table`, or a DataFrame read
        with `kerasgen.data.load_table`'s inference)."""
        from kerasgen.data.tables import Table, load_table

        if not isinstance(table, Table):
            table = load_table(table)
        max_modes = v.check_positive_int("max_modes", max_modes)
        if not (isinstance(weight_threshold, (int, float)) and 0 <= weight_threshold < 1):
            v.fail("weight_threshold", repr(weight_threshold), "a number in [0, 1)")
        v.check_int("seed", seed)
        columns = []
        for column in table.columns:
            spec = {"name": column.name, "kind": column.kind,
                    "has_missing": column.has_missing}
            if column.is_number:
                values = table.frame[column.name].to_numpy(float)
                values = values[np.isfinite(values)]
                spec.update(minimum=column.minimum, maximum=column.maximum,
                            modes=_fit_modes(values, max_modes, weight_threshold, seed,
                                             v.check_positive_int("max_fit_rows",
                                                                  max_fit_rows)))
            else:
                spec["categories"] = list(column.categories) + (
                    [None] if column.has_missing else [])
                values = table.frame[column.name]
                spec["frequencies"] = [float((values == c).sum()) for c in column.categories] \
                    + ([float(values.isna().sum())] if column.has_missing else [])
            columns.append(spec)
        return cls(columns)

    def get_config(self):
        return {"columns": [dict(c) for c in self.columns]}

    @classmethod
    def from_config(cls, config):
        return cls(config["columns"])

    # ------------------------------------------------------------------ layout
    def _layout(self):
        segments, start = [], 0
        for j, column in enumerate(self.columns):
            if column["kind"] in NUMBER_KINDS:
                modes = len(column["modes"]["means"])
                parts = [("value", 1), ("mode", modes)] if modes else []
                if column["has_missing"]:
                    parts.append(("missing", 2))
            else:
                count = len(column["categories"])
                parts = [("category", count)] if count > 1 else []
            for part, width in parts:
                segments.append(Segment(j, part, start, width))
                start += width
        return tuple(segments)

    def codes(self, frame, name="rows"):
        """Codes ``[N, C]`` of a DataFrame (see `kerasgen.core.table_rows.TableRows.codes`)."""
        return self.kind.codes(frame, name)

    def frame(self, codes):
        """The DataFrame of codes, with the training header."""
        return self.kind.frame(np.asarray(codes))

    # ------------------------------------------------------------------ TensorFlow maps
    def mode_offsets(self, codes, column):
        """``(mode index [N] int32, alpha [N], missing [N] bool)`` of number column index
        `column` (module docstring); a missing value takes mode 0 and alpha 0."""
        spec = self.columns[column]
        x = tf.gather(tf.convert_to_tensor(codes, tf.float32), column, axis=1)
        missing = tf.math.is_nan(x)
        means = tf.constant(spec["modes"]["means"], tf.float32)
        stds = tf.constant(spec["modes"]["stds"], tf.float32)
        log_weights = tf.math.log(tf.constant(spec["modes"]["weights"], tf.float32))
        x = tf.where(missing, means[0], x)
        z = (x[:, None] - means) / stds
        responsibility = log_weights - 0.5 * tf.square(z) - tf.math.log(stds)
        mode = tf.argmax(responsibility, axis=1, output_type=tf.int32)
        alpha = (x - tf.gather(means, mode)) / (4.0 * tf.gather(stds, mode))
        return mode, tf.where(missing, 0.0, alpha), missing

    def encode(self, codes):
        """The encoded vectors ``[N, encoded_width]`` of codes ``[N, C]``."""
        codes = tf.convert_to_tensor(codes, tf.float32)
        parts = []
        for segment in self.segments:
            j = segment.column
            if segment.part == "category":
                index = tf.cast(tf.gather(codes, j, axis=1), tf.int32)
                parts.append(tf.one_hot(index, segment.width))
            elif segment.part == "missing":
                missing = tf.math.is_nan(tf.gather(codes, j, axis=1))
                parts.append(tf.one_hot(tf.cast(missing, tf.int32), 2))
            elif segment.part == "value":
                _, alpha, _ = self.mode_offsets(codes, j)
                parts.append(alpha[:, None])
            else:  # mode
                mode, _, _ = self.mode_offsets(codes, j)
                parts.append(tf.one_hot(mode, segment.width))
        if not parts:
            return tf.zeros([tf.shape(codes)[0], 0])
        return tf.concat(parts, axis=1)

    def number_value(self, column, mode, alpha):
        """x = mu_k + 4 sigma_k alpha, clipped to the training range, rounded if discrete."""
        spec = self.columns[column]
        means = tf.constant(spec["modes"]["means"], tf.float32)
        stds = tf.constant(spec["modes"]["stds"], tf.float32)
        x = tf.gather(means, mode) + 4.0 * tf.gather(stds, mode) * alpha
        return self.enforce_range(column, x)

    def enforce_range(self, column, x):
        spec = self.columns[column]
        x = tf.clip_by_value(x, spec["minimum"], spec["maximum"])
        return tf.round(x) if spec["kind"] == "discrete" else x

    def decode_parts(self, batch, parts):
        """Codes ``[N, C]`` from the decoded `parts`: ``{(column, part): tensor [N]}`` with
        the mode index (int), alpha, missing (bool) and category index (int) of each segment;
        constant columns take their value."""
        columns = []
        for j, spec in enumerate(self.columns):
            if spec["kind"] in NUMBER_KINDS:
                if (j, "mode") in parts:
                    value = self.number_value(j, parts[j, "mode"], parts[j, "value"])
                else:
                    value = tf.fill([batch], tf.constant(spec["minimum"], tf.float32))
                if (j, "missing") in parts:
                    value = tf.where(parts[j, "missing"], float("nan"), value)
            else:
                value = tf.cast(parts[j, "category"], tf.float32) if (j, "category") in parts \
                    else tf.zeros([batch])
            columns.append(value)
        return tf.stack(columns, axis=1)

    def decode(self, encoded):
        """Codes ``[N, C]`` of encoded vectors (or of a generator's soft ones): the largest
        entry of each one-hot part, the value of each mode."""
        encoded = tf.convert_to_tensor(encoded, tf.float32)
        parts = {}
        for s in self.segments:
            piece = encoded[:, s.start:s.start + s.width]
            if s.part == "value":
                parts[s.column, s.part] = piece[:, 0]
            elif s.part == "missing":
                parts[s.column, s.part] = tf.argmax(piece, axis=1, output_type=tf.int32) > 0
            else:
                parts[s.column, s.part] = tf.argmax(piece, axis=1, output_type=tf.int32)
        return self.decode_parts(tf.shape(encoded)[0], parts)


def _fit_modes(values, max_modes, weight_threshold, seed, max_fit_rows):
    """``{"means", "stds", "weights"}`` of the kept modes of a number column's values (none
    for a constant column)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import BayesianGaussianMixture

    if len(values) == 0 or np.ptp(values) == 0:
        return {"means": [], "stds": [], "weights": []}
    if len(values) > max_fit_rows:
        values = np.random.default_rng(seed).choice(values, max_fit_rows, replace=False)
    components = min(max_modes, len(np.unique(values)))
    mixture = BayesianGaussianMixture(
        n_components=components, weight_concentration_prior_type="dirichlet_process",
        weight_concentration_prior=0.001, max_iter=100, n_init=1, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mixture.fit(values.reshape(-1, 1))
    weights = mixture.weights_
    keep = weights > weight_threshold
    if not keep.any():
        keep = weights == weights.max()
    # A floor on the spread: a mode on one repeated value (a spike) would have sigma ~ 0.
    floor = 1e-3 * max(float(np.std(values)), 1e-12)
    stds = np.maximum(np.sqrt(mixture.covariances_.reshape(-1)), floor)
    order = np.argsort(mixture.means_.reshape(-1)[keep])
    return {"means": mixture.means_.reshape(-1)[keep][order].tolist(),
            "stds": stds[keep][order].tolist(),
            "weights": (weights[keep] / weights[keep].sum())[order].tolist()}
