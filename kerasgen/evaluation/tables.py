"""Synthetic tables judged as the field judges them, each beside a baseline with no dependence.

- quality (`quality_report`): SDMetrics' Quality Report, computed by the ``sdmetrics`` package
  itself: Column Shapes (KSComplement = 1 - Kolmogorov-Smirnov statistic for numbers,
  TVComplement = 1 - total variation distance for categories) and Column Pair Trends
  (CorrelationSimilarity = 1 - |r_real - r_synthetic| / 2 for number pairs,
  ContingencySimilarity for the others); the score is the mean of the two;
- machine-learning efficacy (`efficacy`): a gradient-boosted model (scikit-learn's
  ``HistGradientBoosting*``) predicting the target, trained on synthetic rows and tested on
  real held-out rows (TSTR), next to the same model trained on the real training rows (TRTR):
  accuracy for a categorical target, R^2 for a number;
- privacy (`privacy`): the distance from each synthetic row to its closest training row
  (DCR), next to the same distance for real held-out rows (a synthesizer that copies rows
  sits below the holdout), and the share of synthetic rows that copy a training row exactly;
- `independent_marginals`: every column drawn from its own training values, independently
  of the others: what a table synthesizer must beat on pair trends and efficacy.

Distances use one feature space: numbers scaled to [0, 1] by their training range (a missing
number: the median, and an indicator), categories one-hot (a missing one: its own category).

Example:
    >>> from kerasgen.data import load_table
    >>> train, test = load_table("iris", split="train"), load_table("iris", split="test")
    >>> baseline = independent_marginals(train.frame, 100, seed=0)
    >>> round(quality_report(train.frame, baseline, train.columns)["column_shapes"], 2) > 0.8
    True
    >>> sorted(efficacy(train.frame, test.frame, baseline, "class", train.columns))
    ['metric', 'trtr', 'tstr']
"""

import numpy as np

from kerasgen.utils.validation import fail

MAX_DISTANCE_ROWS = 2000  # synthetic and holdout rows whose closest training row is found
MISSING = "<missing>"
EXACT_COPY = 1e-6  # a distance this small is a copy (neighbour search rounds zero to ~1e-8)


def _is_number(column):
    return getattr(column, "is_number", None) if not isinstance(column, dict) \
        else column["kind"] in ("continuous", "discrete")


def _name(column):
    return column["name"] if isinstance(column, dict) else column.name


def _check_frames(columns, **frames):
    names = [_name(c) for c in columns]
    for argument, frame in frames.items():
        absent = [n for n in names if n not in frame.columns]
        if absent or len(frame) == 0:
            fail(argument, f"a table of {len(frame)} rows without {', '.join(absent) or '-'}",
                 f"rows with the columns {', '.join(names)}")
    return names


def _prepared(frame, columns):
    """The frame as sdmetrics reads it: numbers float, categories text (missing: a label)."""
    out = frame[[_name(c) for c in columns]].copy()
    for column in columns:
        name = _name(column)
        if _is_number(column):
            out[name] = out[name].astype(float)
        else:
            out[name] = out[name].astype(object).where(out[name].notna(), MISSING).astype(str)
    return out


def quality_report(real, synthetic, columns):
    """``{"quality", "column_shapes", "column_pair_trends"}`` of `synthetic` rows against
    `real` ones (DataFrames with `columns`: `kerasgen.data.Column`s or column dicts), by
    ``sdmetrics.reports.QualityReport``."""
    from sdmetrics.reports import QualityReport

    _check_frames(columns, real=real, synthetic=synthetic)
    metadata = {"tables": {"table": {"columns": {
        _name(c): {"sdtype": "numerical" if _is_number(c) else "categorical"}
        for c in columns}}}}
    report = QualityReport()
    report.generate({"table": _prepared(real, columns)},
                    {"table": _prepared(synthetic, columns)}, metadata, verbose=False)
    properties = report.get_properties().set_index("Property")["Score"]
    return {"quality": float(report.get_score()),
            "column_shapes": float(properties["Column Shapes"]),
            "column_pair_trends": float(properties["Column Pair Trends"])}


def _features(columns, reference):
    """A fitted scikit-learn transform of rows into the distance / model feature space."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler, OneHotEncoder

    numbers = [_name(c) for c in columns if _is_number(c)]
    categories = [_name(c) for c in columns if not _is_number(c)]
    parts = []
    if numbers:
        parts.append(("numbers", make_pipeline(
            SimpleImputer(strategy="median", add_indicator=True), MinMaxScaler()), numbers))
    if categories:
        parts.append(("categories", OneHotEncoder(handle_unknown="ignore",
                                                  sparse_output=False), categories))
    transform = ColumnTransformer(parts)
    transform.fit(_prepared(reference, columns))
    return lambda frame: np.asarray(transform.transform(_prepared(frame, columns)), np.float64)


def efficacy(train, test, synthetic, target, columns, seed=0):
    """``{"tstr", "trtr", "metric"}``: the target predicted from the other columns by a model
    trained on `synthetic` (TSTR) and on `train` (TRTR) rows, scored on `test` rows."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    names = _check_frames(columns, train=train, test=test, synthetic=synthetic)
    if target not in names:
        fail("target", repr(target), f"a column of the table: {', '.join(names)}")
    target_column = next(c for c in columns if _name(c) == target)
    inputs = [c for c in columns if _name(c) != target]
    features = _features(inputs, train)
    regression = _is_number(target_column)

    def score(rows):
        model = HistGradientBoostingRegressor(random_state=seed) if regression else \
            HistGradientBoostingClassifier(random_state=seed)
        labels = rows[target].astype(float) if regression else \
            _prepared(rows, [target_column])[target]
        if not regression and labels.nunique() < 2:  # one class only: it predicts that one
            predicted = np.full(len(test), labels.iloc[0], dtype=object)
        else:
            model.fit(features(rows), labels)
            predicted = model.predict(features(test))
        truth = test[target].astype(float) if regression else \
            _prepared(test, [target_column])[target]
        if regression:
            from sklearn.metrics import r2_score
            return float(r2_score(truth, predicted))
        return float(np.mean(np.asarray(predicted) == truth.to_numpy()))

    return {"tstr": score(synthetic), "trtr": score(train),
            "metric": "r2" if regression else "accuracy"}


def privacy(train, holdout, synthetic, columns, max_rows=MAX_DISTANCE_ROWS):
    """``{"dcr_synthetic_median", "dcr_holdout_median", "exact_copy_share",
    "holdout_exact_copy_share"}``: distances to the closest training row (module docstring)
    of up to `max_rows` synthetic and held-out rows."""
    from sklearn.neighbors import NearestNeighbors

    _check_frames(columns, train=train, holdout=holdout, synthetic=synthetic)
    features = _features(columns, train)
    index = NearestNeighbors(n_neighbors=1).fit(features(train))

    def distances(rows):
        rows = rows.iloc[:max_rows]
        return index.kneighbors(features(rows))[0][:, 0]

    synthetic_d, holdout_d = distances(synthetic), distances(holdout)
    return {"dcr_synthetic_median": float(np.median(synthetic_d)),
            "dcr_holdout_median": float(np.median(holdout_d)),
            "exact_copy_share": float(np.mean(synthetic_d < EXACT_COPY)),
            "holdout_exact_copy_share": float(np.mean(holdout_d < EXACT_COPY))}


def independent_marginals(train, num_rows, seed=0):
    """`num_rows` rows whose every column is drawn (with replacement) from its own training
    values, independently: each marginal kept, every dependence lost."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    return pd.DataFrame({name: rng.choice(train[name].to_numpy(), size=num_rows)
                         for name in train.columns})


def synthetic_data_report(train, test, synthetic, columns, target=None, seed=0):
    """Every score of this module for `synthetic` rows and, beside it, for as many
    independent-marginal rows: ``{"model": {...}, "independent_marginals": {...}}``."""
    baseline = independent_marginals(train, len(synthetic), seed)
    result = {}
    for label, rows in (("model", synthetic), ("independent_marginals", baseline)):
        scores = quality_report(train, rows, columns)  # the fit to the modelled rows
        if target is not None:
            scores["efficacy"] = efficacy(train, test, rows, target, columns, seed)
        scores["privacy"] = privacy(train, test, rows, columns)
        result[label] = scores
    result["num_synthetic_rows"] = int(len(synthetic))
    return result
