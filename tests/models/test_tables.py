"""The table models beyond the conformance battery: TVAE's bounds and probabilities,
conditional samples, novelty scores and the `.keras` file holding the transformer."""

import itertools
import json
import zipfile

import numpy as np
import pandas as pd
import pytest

from kerasgen.data import TableTransformer, load_table
from kerasgen.models import TableAutoencoder, TabularVAE, load_model


def _fitted(cls, table, epochs=30, **kwargs):
    model = cls(transformer=TableTransformer.fit(table), **kwargs)
    model.compile_with_defaults(learning_rate=1e-2)
    model.fit(table.frame, batch_size=64, epochs=epochs, verbose=0)
    return model


@pytest.fixture(scope="module")
def wine():
    return load_table("wine", split="train"), load_table("wine", split="test")


@pytest.fixture(scope="module")
def wine_vae(wine):
    return _fitted(TabularVAE, wine[0], latent_dim=4, hidden_units=(32,))


def test_importance_weighting_tightens_the_bound(wine, wine_vae):
    elbo = wine_vae.log_prob(wine[1].frame, num_samples=1).mean()
    iwae = [wine_vae.log_prob(wine[1].frame, num_samples=k).mean() for k in (10, 200)]
    assert elbo <= iwae[0] + 0.05 and iwae[0] <= iwae[1] + 0.05
    assert np.all(np.isfinite(iwae))


def test_training_raises_the_likelihood(wine):
    untrained = TabularVAE(transformer=TableTransformer.fit(wine[0]), latent_dim=4,
                           hidden_units=(32,))
    trained = _fitted(TabularVAE, wine[0], latent_dim=4, hidden_units=(32,))
    assert trained.log_prob(wine[1].frame, 50).mean() > \
        untrained.log_prob(wine[1].frame, 50).mean() + 10


def test_probabilities_of_every_row_of_a_categorical_table_sum_to_one():
    """TVAE's importance-weighted estimate exp(log p_K(row)) is unbiased for p(row): over every
    possible row of a categorical table the estimates sum to 1 (up to Monte Carlo error)."""
    frame = pd.DataFrame({"a": list("xyxyxx") * 5, "b": list("uvwuvu") * 5,
                          "c": ["p", "q", None, "p", "q", "p"] * 5})
    table = load_table(frame)
    model = _fitted(TabularVAE, table, epochs=20, latent_dim=2, hidden_units=(16,))
    sizes = [len(c["categories"]) for c in model.transformer.columns]
    every_row = np.array(list(itertools.product(*[range(k) for k in sizes])), np.float32)
    total = np.exp(model.log_prob(every_row, num_samples=2000)).sum()
    assert total == pytest.approx(1.0, abs=0.03)


def test_conditional_samples_carry_only_the_asked_values(data_dir):
    table = load_table("adult", split="train", data_dir=str(data_dir), max_rows=1000)
    model = _fitted(TabularVAE, table, epochs=3, latent_dim=4, hidden_units=(32,))
    rows = model.sample(40, seed=3, conditions={"sex": "Female", "Y": ">50K"})
    assert len(rows) == 40
    assert (rows["sex"] == "Female").all() and (rows["Y"] == ">50K").all()
    ages = model.sample(10, seed=3, conditions={"age": 40})
    assert (ages["age"] == 40).all()
    # The unconditional draw carries both sexes: the condition did the filtering.
    assert set(model.sample(200, seed=3)["sex"]) == {"Female", "Male"}


def test_the_serving_sample_given_returns_the_rows_sample_returns(data_dir):
    import tensorflow as tf

    table = load_table("adult", split="train", data_dir=str(data_dir), max_rows=1000)
    model = _fitted(TabularVAE, table, epochs=3, latent_dim=4, hidden_units=(32,))
    endpoint = {e.name: e for e in model.serving_endpoints()}["sample_given"]
    given = tf.function(endpoint.function)
    served = given(num_samples=tf.constant(25), seed=tf.constant(4),
                   column=tf.constant("Y"), value=tf.constant(">50K"))
    rows = model.sample(25, seed=4, conditions={"Y": ">50K"})
    assert bool(served["condition_found"])
    assert served["Y"].numpy().astype(str).tolist() == rows["Y"].tolist()
    np.testing.assert_allclose(served["age"].numpy(), rows["age"].to_numpy(), rtol=1e-6)
    assert served["workclass"].numpy().astype(str).tolist() == \
        rows["workclass"].fillna("").tolist()
    unknown = given(num_samples=tf.constant(5), seed=tf.constant(4),
                    column=tf.constant("Y"), value=tf.constant("rich"))
    assert not bool(unknown["condition_found"]) and unknown["Y"].shape == (5,)


def test_samples_keep_the_training_header_ranges_and_vocabularies(wine, wine_vae):
    rows = wine_vae.sample(300, seed=0)
    assert list(rows.columns) == list(wine[0].frame.columns)
    for column in wine[0].columns:
        if column.is_number:
            assert rows[column.name].between(column.minimum, column.maximum).all()
            if column.kind == "discrete":
                assert (rows[column.name] % 1 == 0).all()
        else:
            assert set(rows[column.name]) <= set(column.categories)


def test_novelty_scores_rank_shuffled_rows_above_real_ones(wine):
    """Rows whose columns are shuffled independently (marginals kept, dependence broken)
    score as more novel than held-out real rows, for both table models."""
    train, test = wine
    shuffled = test.frame.copy()
    rng = np.random.default_rng(0)
    for name in shuffled.columns:
        shuffled[name] = rng.permutation(shuffled[name].to_numpy())
    for model in (_fitted(TabularVAE, train, latent_dim=4, hidden_units=(32,)),
                  _fitted(TableAutoencoder, train, latent_dim=3, hidden_units=(32,))):
        real, fake = model.anomaly_score(test.frame), model.anomaly_score(shuffled)
        assert np.median(fake) > np.median(real), type(model).__name__


def test_the_keras_file_holds_the_transformer_as_json(wine, wine_vae, tmp_path):
    path = tmp_path / "tvae.keras"
    wine_vae.save(path)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        config = json.loads(archive.read("config.json"))
    assert not any(n.endswith((".pkl", ".pickle", ".npy")) for n in names)
    assert config["config"]["transformer"] == wine_vae.transformer.get_config()
    loaded = load_model(path)  # safe mode
    np.testing.assert_allclose(loaded.log_prob(wine[1].frame, 5), wine_vae.log_prob(
        wine[1].frame, 5), rtol=1e-5)
    pd.testing.assert_frame_equal(loaded.sample(20, seed=4), wine_vae.sample(20, seed=4))


@pytest.mark.slow
def test_tflite_names_its_category_outputs_in_a_vocabulary_file(wine_vae, tmp_path):
    from kerasgen.export import export_tflite, run_tflite

    path, report = export_tflite(wine_vae, tmp_path / "tvae.tflite")  # checked against Keras
    vocabularies = json.loads((tmp_path / "tvae.vocabularies.json").read_text())
    assert vocabularies["vocabularies"] == {"class": ["class_0", "class_1", "class_2"]}
    assert vocabularies["columns"]["od280_od315_of_diluted_wines_11"] == \
        "od280/od315_of_diluted_wines"
    rows = run_tflite(path, "sample", num_samples=np.array(50, np.int32))
    # One output per column, named by it (cleaned into a signature key where it must be).
    assert len(rows) == len(wine_vae.data_kind.names)
    assert "od280_od315_of_diluted_wines_11" in rows and "alcohol" in rows
    assert set(np.unique(rows["class"])) <= {0, 1, 2}
    assert report["decode"] < 1e-3
