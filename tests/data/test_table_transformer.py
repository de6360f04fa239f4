"""The table transformer (mode-specific normalization, one-hot categories) and the per-column
likelihood over its encoding: round trips on real rows, the mixture against scikit-learn,
constant columns, enforced ranges, probabilities that sum to 1 and densities that integrate."""

import itertools
import json

import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from kerasgen.data import TableTransformer, load_table
from kerasgen.distributions.tables import TableLikelihood


@pytest.fixture(scope="module")
def adult(data_dir):
    """2000 rows of Adult's training split (missing values in three category columns)."""
    return load_table("adult", split="train", data_dir=str(data_dir), max_rows=2000)


@pytest.fixture(scope="module")
def adult_transformer(adult):
    return TableTransformer.fit(adult)


def test_round_trip_on_adult_is_exact_for_categories_and_close_for_numbers(adult,
                                                                          adult_transformer):
    transformer = adult_transformer
    codes = transformer.codes(adult.frame)
    back = transformer.frame(transformer.decode(transformer.encode(codes)).numpy())
    assert list(back.columns) == list(adult.frame.columns)
    missing_seen = 0
    for column in adult.columns:
        original, restored = adult.frame[column.name], back[column.name]
        if column.is_number:
            span = column.maximum - column.minimum
            np.testing.assert_allclose(restored.to_numpy(float), original.to_numpy(float),
                                       atol=1e-5 * span, err_msg=column.name)
            if column.kind == "discrete":
                assert np.all(restored == original), column.name
        else:
            assert restored.isna().equals(original.isna()), column.name
            missing_seen += int(original.isna().sum())
            assert (restored.dropna() == original.dropna()).all(), column.name
    assert missing_seen > 0  # workclass, occupation, native-country hold '?'


def test_every_number_column_keeps_at_most_ten_modes_above_the_threshold(adult_transformer):
    for column in adult_transformer.columns:
        if column["kind"] in ("continuous", "discrete"):
            weights = column["modes"]["weights"]
            assert 1 <= len(weights) <= 10, column["name"]
            assert abs(sum(weights) - 1) < 1e-9
            assert np.all(np.diff(column["modes"]["means"]) > 0)  # sorted by mean


@pytest.mark.filterwarnings("ignore:Best performing initialization")
def test_modes_are_scikit_learns_bayesian_mixture(adult):
    """The kept modes are the components of sklearn's BayesianGaussianMixture (CTGAN's
    settings) whose weight is above 0.005."""
    from sklearn.mixture import BayesianGaussianMixture

    values = adult.frame["age"].to_numpy(float).reshape(-1, 1)
    mixture = BayesianGaussianMixture(n_components=10, weight_concentration_prior=0.001,
                                      weight_concentration_prior_type="dirichlet_process",
                                      max_iter=100, n_init=1, random_state=0).fit(values)
    keep = mixture.weights_ > 0.005
    column = TableTransformer.fit(adult).kind.columns[0]
    assert column["name"] == "age"
    np.testing.assert_allclose(column["modes"]["means"],
                               np.sort(mixture.means_.ravel()[keep]), rtol=1e-9)


def test_a_two_mode_column_is_encoded_by_the_mode_it_came_from():
    rng = np.random.default_rng(0)
    values = np.concatenate([rng.normal(-10, 1, 500), rng.normal(10, 1, 500)])
    transformer = TableTransformer.fit(pd.DataFrame({"x": values}))
    modes = transformer.columns[0]["modes"]
    assert len(modes["means"]) == 2
    np.testing.assert_allclose(modes["means"], [-10, 10], atol=0.3)
    mode, alpha, _ = transformer.mode_offsets(transformer.codes(pd.DataFrame({"x": values})), 0)
    np.testing.assert_array_equal(mode.numpy(), (values > 0).astype(int))
    assert np.all(np.abs(alpha.numpy()) < 1.5)  # within ~6 sigma of its own mode


def test_constant_columns_take_no_width_and_decode_to_their_value():
    frame = pd.DataFrame({"x": np.linspace(0, 1, 20), "always": [3.0] * 20,
                          "one_category": ["a"] * 20})
    transformer = TableTransformer.fit(frame)
    widths = {transformer.columns[s.column]["name"]: s.width for s in transformer.segments}
    assert "always" not in widths and "one_category" not in widths
    back = transformer.frame(transformer.decode(transformer.encode(transformer.codes(frame))))
    assert (back["always"] == 3.0).all() and (back["one_category"] == "a").all()


def test_decoding_enforces_the_training_range_rounding_and_vocabulary():
    frame = pd.DataFrame({"count": [1, 2, 3, 4, 5, 6, 7, 8] * 4,
                          "kind": ["a", "b", "c", "d"] * 8})
    transformer = TableTransformer.fit(frame)
    encoded = transformer.encode(transformer.codes(frame)).numpy()
    value = next(s for s in transformer.segments if s.part == "value")
    encoded[:4, value.start] = [100.0, -100.0, 0.123, 0.377]  # far outside, and between
    decoded = transformer.decode(encoded).numpy()
    counts = decoded[:, 0]
    assert counts.max() <= 8 and counts.min() >= 1
    assert counts[0] == 8 and counts[1] == 1
    np.testing.assert_array_equal(counts, np.round(counts))
    assert set(transformer.frame(decoded)["kind"]) <= {"a", "b", "c", "d"}


def test_the_config_is_json_and_rebuilds_the_same_encoding(adult, adult_transformer):
    config = json.loads(json.dumps(adult_transformer.get_config()))
    rebuilt = TableTransformer.from_config(config)
    codes = adult_transformer.codes(adult.frame[:100])
    np.testing.assert_array_equal(rebuilt.encode(codes).numpy(),
                                  adult_transformer.encode(codes).numpy())


# ------------------------------------------------------------------ the likelihood
def _categorical_table():
    frame = pd.DataFrame({"a": list("xyxy"), "b": ["u", "v", "w", None],
                          "c": ["True", "False", "True", "True"]})
    return TableTransformer.fit(frame)


def test_row_probabilities_of_a_categorical_table_sum_to_one():
    transformer = _categorical_table()
    likelihood = TableLikelihood(transformer)
    sizes = [len(c["categories"]) for c in transformer.columns]
    assert sizes == [2, 4, 2]  # b has a missing value: a category of its own
    every_row = np.array(list(itertools.product(*[range(k) for k in sizes])), np.float32)
    params = tf.random.stateless_normal([1, likelihood.params_size], seed=[1, 2]) * 2
    log_p = likelihood.log_prob(tf.repeat(params, len(every_row), axis=0), every_row)
    np.testing.assert_allclose(np.exp(log_p.numpy()).sum(), 1.0, rtol=1e-5)


def test_a_number_columns_density_integrates_to_at_most_one_and_about_one_when_apart():
    """The density in the column's units (Jacobian of alpha included) scores the most
    responsible mode only: a lower bound, exact where modes do not overlap."""
    rng = np.random.default_rng(1)
    values = np.concatenate([rng.normal(-20, 1, 400), rng.normal(20, 1, 400)])
    transformer = TableTransformer.fit(pd.DataFrame({"x": values}))
    likelihood = TableLikelihood(transformer)
    grid = np.linspace(-40, 40, 40001, dtype=np.float32)
    # Mode logits favouring the second mode, alpha ~ N(0.1, 0.2^2).
    params = np.array([[0.1, np.log(np.expm1(0.2 - 1e-3)), -1.0, 1.0]], np.float32)
    log_p = likelihood.log_prob(np.repeat(params, len(grid), axis=0), grid[:, None]).numpy()
    mass = np.exp(log_p).sum() * (grid[1] - grid[0])
    assert mass <= 1.0 + 1e-4
    assert mass == pytest.approx(1.0, abs=1e-3)


def test_sampling_draws_categories_at_their_probabilities():
    transformer = _categorical_table()
    likelihood = TableLikelihood(transformer)
    n = 20000
    logits = np.zeros([1, likelihood.params_size], np.float32)
    logits[0, :2] = [0.0, np.log(3.0)]  # column a: p(y) = 3/4
    params = np.repeat(logits, n, axis=0)
    uniforms = tf.random.stateless_uniform([n, likelihood.uniform_size], [3, 4],
                                           minval=1e-7, maxval=1.0)
    codes = likelihood.sample(params, uniforms, tf.zeros([n, 0])).numpy()
    assert codes[:, 0].mean() == pytest.approx(0.75, abs=0.015)


def test_a_number_column_with_missing_values_gets_an_indicator_that_round_trips():
    values = np.linspace(0.0, 10.0, 40)
    values[[3, 17]] = np.nan
    frame = pd.DataFrame({"x": values, "kind": ["a", "b"] * 20})
    transformer = TableTransformer.fit(frame)
    parts = [s.part for s in transformer.segments if s.column == 0]
    assert parts == ["value", "mode", "missing"]
    back = transformer.frame(transformer.decode(transformer.encode(transformer.codes(frame))))
    np.testing.assert_array_equal(np.isnan(back["x"]), np.isnan(values))
    np.testing.assert_allclose(back["x"][~np.isnan(values)], values[~np.isnan(values)],
                               atol=1e-5)
    # A missing value is scored by the indicator alone: log p([present, missing] logits).
    likelihood = TableLikelihood(transformer)
    params = np.zeros([1, likelihood.params_size], np.float32)
    missing_logits = [s for s, start, width in likelihood.param_slices
                      if s.part == "missing"]
    assert len(missing_logits) == 1
    codes = np.array([[np.nan, 0.0]], np.float32)
    terms = likelihood.column_log_probs(params, codes)
    assert terms["x"].numpy()[0] == pytest.approx(np.log(0.5), abs=1e-6)


def test_rows_the_columns_cannot_take_are_refused_naming_the_column():
    transformer = TableTransformer.fit(pd.DataFrame({"x": [1.0, 2.5, 3.0], "c": ["a", "b", "a"]}))
    with pytest.raises(ValueError, match="`x` must be a value: this column had no missing"):
        transformer.codes(pd.DataFrame({"x": [np.nan], "c": ["a"]}))
    with pytest.raises(ValueError, match="`c` must be one of its training values: a, b;"):
        transformer.codes(pd.DataFrame({"x": [1.0], "c": ["z"]}))
    with pytest.raises(ValueError, match="`x` must be a number; received 'big'"):
        transformer.codes(pd.DataFrame({"x": ["big"], "c": ["a"]}))
