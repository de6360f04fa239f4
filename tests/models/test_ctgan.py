"""CTGAN beyond the conformance battery: the conditional vector, training by sampling, PacGAN
packing, the condition's cross-entropy and conditional samples."""

import numpy as np
import pytest
import tensorflow as tf

from kerasgen.data import TableTransformer, load_table
from kerasgen.models import TabularGAN


def _gan(table, **kwargs):
    kwargs = {"latent_dim": 8, "generator_units": (32,), "critic_units": (32,), "pac": 4,
              **kwargs}
    gan = TabularGAN(transformer=TableTransformer.fit(table), **kwargs)
    gan.compile_with_defaults()
    return gan


@pytest.fixture(scope="module")
def adult(data_dir):
    return load_table("adult", split="train", data_dir=str(data_dir), max_rows=3000)


def test_the_conditional_vector_is_one_category_of_one_column(adult):
    gan = _gan(adult)
    codes = gan.check_rows(adult.frame[:50])
    encoded = gan.transformer.encode(codes)
    columns = np.arange(50) % len(gan.condition_segments)
    conditions = gan.conditions_of_rows(encoded, tf.constant(columns, tf.int32)).numpy()
    np.testing.assert_array_equal(conditions.sum(axis=1), 1.0)
    for row, index in enumerate(columns):
        segment, offset = gan.condition_segments[index]
        asked = np.argmax(conditions[row, offset:offset + segment.width])
        assert asked == codes[row, segment.column]


def test_the_vocabulary_file_names_each_entry_of_the_conditional_vector(adult):
    """A TFLite user builds `generate`'s conditional vector from the file's ``conditions``:
    entry p of the vector a row's own category sets is the (column, category) listed at p."""
    gan = _gan(adult)
    listed = gan.vocabulary_file()["conditions"]
    assert len(listed) == gan.condition_width
    codes = gan.check_rows(adult.frame[:40])
    columns = np.arange(40) % len(gan.condition_segments)
    conditions = gan.conditions_of_rows(gan.transformer.encode(codes),
                                        tf.constant(columns, tf.int32)).numpy()
    rows = gan.transformer.frame(codes)
    for row, index in enumerate(columns):
        column, category = listed[int(np.argmax(conditions[row]))]
        assert column == gan.transformer.columns[gan.condition_segments[index][0].column]["name"]
        assert category == rows[column].iloc[row] or (category is None
                                                      and rows[column].isna().iloc[row])


def test_training_by_sampling_draws_categories_by_log_frequency(adult):
    gan = _gan(adult)
    codes, columns = gan.training_rows(adult.frame, seed=0)
    names = [gan.transformer.columns[s.column]["name"] for s, _ in gan.condition_segments]
    race = names.index("race")
    segment, _ = gan.condition_segments[race]
    drawn = codes[columns == race, segment.column].astype(int)
    original = gan.check_rows(adult.frame)[:, segment.column].astype(int)
    counts = np.bincount(original, minlength=segment.width)
    expected = np.log1p(counts) / np.log1p(counts).sum()
    share = np.bincount(drawn, minlength=segment.width) / len(drawn)
    np.testing.assert_allclose(share, expected, atol=0.04)
    assert share.min() > counts.min() / counts.sum() * 5  # the rarest race is over-sampled


def test_packs_fill_the_batch_up_to_a_multiple_of_pac(adult):
    gan = _gan(adult, pac=4)
    encoded = gan.transformer.encode(gan.check_rows(adult.frame[:10]))
    losses = gan.discriminator_losses(encoded, None, tf.constant([1, 2]), training=False)
    assert losses["d_loss"].shape == (3,)  # 10 rows -> 12 -> 3 packs
    assert gan.discriminator.input_shape[-1] == 4 * (gan.transformer.encoded_width
                                                     + gan.condition_width)


def test_the_generator_loss_adds_the_conditions_cross_entropy(adult):
    gan = _gan(adult, pac=1)
    encoded = gan.transformer.encode(gan.check_rows(adult.frame[:6]))
    seed = tf.constant([3, 4])
    columns = tf.zeros([6], tf.int32)  # every row conditioned on the first category column
    losses = gan.generator_losses(encoded, columns, seed, training=False)
    _, conditions, raw, _ = gan._fake(encoded, columns, seed, False)
    segment, offset = gan.condition_segments[0]
    logits = raw.numpy()[:, segment.start:segment.start + segment.width]
    log_softmax = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    asked = conditions.numpy()[:, offset:offset + segment.width]
    np.testing.assert_allclose(losses["condition_cross_entropy"],
                               -(asked * log_softmax).sum(axis=1), rtol=1e-5)


def test_the_generator_learns_to_honour_its_condition():
    """Trained on wine, rows generated for class_2 (before the rejection that guarantees it)
    carry class_2 far more often than its share of the data (60 epochs, ~3 s)."""
    table = load_table("wine", split="train")
    gan = _gan(table, pac=2)
    gan.compile_with_defaults(learning_rate=1e-3)
    codes, columns = gan.training_rows(table.frame, seed=0)
    gan.fit(codes, columns, batch_size=32, epochs=60, verbose=0)
    condition = gan.check_conditions({"class": "class_2"})
    drawn = gan._sample_codes(500, 1, condition=condition).numpy()
    share = np.mean(drawn[:, -1] == 2)
    assert share > 0.8, share  # 0.976 measured (class_2: 27% of the rows)
    rows = gan.sample(30, seed=2, conditions={"class": "class_2"})
    assert (rows["class"] == "class_2").all()


def test_the_serving_sample_given_draws_rows_with_the_asked_category(adult):
    gan = _gan(adult)
    endpoint = {e.name: e for e in gan.serving_endpoints()}["sample_given"]
    rows = endpoint.function(num_samples=tf.constant(20), seed=tf.constant(1),
                             column=tf.constant("sex"), value=tf.constant("Female"))
    assert bool(rows["condition_found"])
    assert set(rows["sex"].numpy().astype(str)) == {"Female"}
    unknown = endpoint.function(num_samples=tf.constant(5), seed=tf.constant(1),
                                column=tf.constant("sex"), value=tf.constant("Other"))
    assert not bool(unknown["condition_found"]) and unknown["sex"].shape == (5,)
