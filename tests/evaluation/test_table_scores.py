"""Synthetic-table scores: SDMetrics' quality report as the package computes it, TSTR beside
TRTR, distances to the closest record, and the independent-marginals baseline, on real Adult
rows."""

import numpy as np
import pytest
import scipy.stats

from kerasgen.data import load_table
from kerasgen.evaluation.tables import (
    efficacy,
    independent_marginals,
    privacy,
    quality_report,
    synthetic_data_report,
)


@pytest.fixture(scope="module")
def adult(data_dir):
    train = load_table("adult", split="train", data_dir=str(data_dir), max_rows=3000)
    test = load_table("adult", split="test", data_dir=str(data_dir), max_rows=1500)
    return train, test


@pytest.mark.filterwarnings("ignore:The single table quality report is deprecated")
def test_quality_equals_sdmetrics_own_report_and_its_definitions(adult):
    from sdmetrics.reports.single_table import QualityReport

    train, test = adult
    ours = quality_report(train.frame, test.frame, train.columns)
    # The package's single-table report, given the frames with missing values as a label.
    metadata = {"columns": {c.name: {"sdtype": "numerical" if c.is_number else "categorical"}
                            for c in train.columns}}
    prepared = [f.apply(lambda s: s.fillna("<missing>") if s.dtype == object else s)
                for f in (train.frame, test.frame)]
    report = QualityReport()
    report.generate(*prepared, metadata, verbose=False)
    assert ours["quality"] == pytest.approx(report.get_score(), abs=1e-12)
    shapes = report.get_details("Column Shapes").set_index("Column")["Score"]
    # KSComplement = 1 - the two-sample Kolmogorov-Smirnov statistic.
    ks = scipy.stats.ks_2samp(train.frame["age"], test.frame["age"]).statistic
    assert shapes["age"] == pytest.approx(1 - ks, abs=1e-9)
    # TVComplement = 1 - (1/2) sum_k |p_real(k) - p_synthetic(k)|.
    p = train.frame["sex"].value_counts(normalize=True)
    q = test.frame["sex"].value_counts(normalize=True)
    assert shapes["sex"] == pytest.approx(1 - 0.5 * (p - q).abs().sum(), abs=1e-9)
    assert ours["quality"] == pytest.approx((ours["column_shapes"]
                                             + ours["column_pair_trends"]) / 2)


def test_independent_marginals_keep_shapes_and_lose_pair_trends(adult):
    train, test = adult
    baseline = independent_marginals(train.frame, 3000, seed=0)
    real = quality_report(train.frame, test.frame, train.columns)
    fake = quality_report(train.frame, baseline, train.columns)
    assert fake["column_shapes"] > 0.95
    assert fake["column_pair_trends"] < real["column_pair_trends"] - 0.05
    for name in train.names:  # each column holds only its own training values
        assert set(baseline[name].dropna()) <= set(train.frame[name].dropna())


def test_efficacy_trains_on_the_given_rows_and_tests_on_real_ones(adult):
    train, test = adult
    real = efficacy(train.frame, test.frame, train.frame, "Y", train.columns)
    assert real["metric"] == "accuracy" and real["tstr"] == real["trtr"] > 0.8
    baseline = efficacy(train.frame, test.frame, independent_marginals(train.frame, 3000),
                        "Y", train.columns)
    majority = test.frame["Y"].value_counts(normalize=True).max()
    assert baseline["tstr"] <= majority + 0.01  # no dependence: no better than the majority


def test_copies_of_training_rows_are_found_by_the_closest_record_distance(adult):
    train, test = adult
    copies = privacy(train.frame, test.frame, train.frame.sample(500, random_state=0),
                     train.columns)
    assert copies["exact_copy_share"] == 1.0 and copies["dcr_synthetic_median"] < 1e-6
    assert copies["dcr_holdout_median"] > 0.0 and copies["holdout_exact_copy_share"] < 0.05


def test_the_report_puts_the_baseline_beside_the_model(adult):
    train, test = adult
    report = synthetic_data_report(train.frame, test.frame, test.frame[:300], train.columns,
                                   target="Y")
    assert set(report) == {"model", "independent_marginals", "num_synthetic_rows"}
    for scores in (report["model"], report["independent_marginals"]):
        assert {"quality", "column_shapes", "column_pair_trends", "efficacy",
                "privacy"} <= set(scores)


def test_rows_without_the_columns_are_refused(adult):
    train, test = adult
    with pytest.raises(ValueError, match="`synthetic` must be rows with the columns"):
        quality_report(train.frame, test.frame.drop(columns=["age"]), train.columns)
    with pytest.raises(ValueError, match="`target` must be a column"):
        efficacy(train.frame, test.frame, test.frame, "salary", train.columns)
