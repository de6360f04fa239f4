"""The `kerasgen` command on tables: a CSV file in, CSV rows out (with conditions), the
synthetic-data report from `evaluate`, SavedModel and TFLite exports with vocabularies."""

import json

import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from kerasgen.cli import main
from kerasgen.data import load_table

TRAIN = ["--epochs", "2", "--batch-size", "64", "--verbose", "0"]


@pytest.fixture(scope="module")
def wine_csv(tmp_path_factory):
    """scikit-learn's wine table written as a user's CSV file (with a missing value)."""
    frame = load_table("wine").frame.copy()
    frame.loc[3, "ash"] = None
    path = tmp_path_factory.mktemp("tables") / "wine.csv"
    frame.to_csv(path, index=False)
    return path


def test_a_csv_trains_samples_rows_with_its_header_and_is_evaluated(wine_csv, tmp_path, capsys):
    out = tmp_path / "runs"
    assert main(["train", "tvae", "--data", "csv", "--data-dir", str(wine_csv), "--out",
                 str(out), "--target", "class", "--no-export", "--set", "latent_dim=8",
                 *TRAIN]) == 0
    capsys.readouterr()
    run = out / "tvae-wine"
    header = list(pd.read_csv(wine_csv, nrows=0).columns)
    assert list(pd.read_csv(run / "samples.csv").columns) == header
    rows_file = tmp_path / "rows.csv"
    assert main(["sample", str(run), "--num", "25", "--out", str(rows_file), "--condition",
                 "class=class_1"]) == 0
    rows = pd.read_csv(rows_file)
    assert list(rows.columns) == header and len(rows) == 25
    assert (rows["class"] == "class_1").all()
    capsys.readouterr()
    assert main(["evaluate", str(run)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert np.isfinite(report["nll_nats"]) and report["nll_nats_standard_error"] > 0
    assert report["elbo_nats"] >= report["nll_nats"] - 0.05  # the bound, and tighter with K
    for side in ("model", "independent_marginals"):
        scores = report["synthetic"][side]
        assert 0 <= scores["quality"] <= 1
        assert scores["efficacy"]["metric"] == "accuracy"
        assert 0 <= scores["privacy"]["exact_copy_share"] <= 1


@pytest.mark.slow
def test_a_table_model_exports_named_columns_and_vocabularies(tmp_path, capsys):
    out = tmp_path / "runs"
    assert main(["train", "ctgan", "--data", "iris", "--out", str(out), "--set", "pac=2",
                 *TRAIN]) == 0
    run = out / "ctgan-iris"
    vocabularies = json.loads((run / "model.vocabularies.json").read_text())["vocabularies"]
    assert vocabularies == {"class": ["setosa", "versicolor", "virginica"]}
    loaded = tf.saved_model.load(str(run / "1"))
    rows = loaded.signatures["sample"](num_samples=tf.constant(4), seed=tf.constant(0))
    assert rows["class"].dtype == tf.string
    assert set(rows["class"].numpy().astype(str)) <= set(vocabularies["class"])
    assert rows["sepal_length_cm_0"].shape == (4,)  # "sepal length (cm)", cleaned
