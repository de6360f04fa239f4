"""Sample weights: maximum likelihood weights its per-example losses (weight 2 is the example
taken twice); the adversarial and contrastive-divergence styles refuse weights with a
ValueError naming `sample_weight` before any training. Nothing ignores them."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgen.training.batches import unpack
from tests.helpers import TINY_FAMILIES, digits


def test_unpack_reads_every_batch_form():
    x, y, w = np.zeros((2, 8, 8, 1)), np.zeros(2), np.ones(2)
    assert unpack(x) == (x, None, None)
    assert unpack((x,)) == (x, None, None)
    assert unpack((x, y)) == (x, y, None)
    assert unpack((x, y, w)) == (x, y, w)
    assert unpack((x, None, w)) == (x, None, w)
    with pytest.raises(ValueError, match=r"`data` must be a batch x, \(x,\), \(x, y\) or "
                                         r"\(x, y, sample_weight\); received a tuple of 4"):
        unpack((x, y, w, w))


def _sgd_model(family="autoencoder", learning_rate=0.5):
    model = TINY_FAMILIES[family]()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate))
    return model


def _step(model, batch):
    """One train_step on `batch`: ``(weight changes, logs)``."""
    before = [v.numpy().copy() for v in model.trainable_variables]
    logs = model.train_step(batch)
    after = [v.numpy() for v in model.trainable_variables]
    return [a - b for a, b in zip(after, before)], {k: float(v) for k, v in logs.items()}


# Deterministic likelihoods (no noise per example position), so a repeated example gets the
# same loss as the original.
@pytest.mark.parametrize("family", ["autoencoder", "pixelcnn"])
def test_weight_two_is_the_example_twice(family):
    images, _ = digits(3)
    repeated = images[[0, 0, 1, 2]]
    weights = np.array([2.0, 1.0, 1.0], np.float32)
    weighted_model, repeated_model = _sgd_model(family), _sgd_model(family)
    repeated_model.set_weights(weighted_model.get_weights())

    # The loss: the weighted sum is divided by the batch (3), the repeated one by 4.
    seed = tf.constant([0, 0])
    loss_w, _ = weighted_model.objective(tf.constant(images), None, tf.constant(weights), seed,
                                         training=False)
    loss_r, _ = repeated_model.objective(tf.constant(repeated), None, None, seed,
                                         training=False)
    assert 3 * float(loss_w) == pytest.approx(4 * float(loss_r), rel=1e-5)

    # The gradient (one SGD step through train_step), and the reported weighted means.
    delta_w, logs_w = _step(weighted_model, (tf.constant(images), None, tf.constant(weights)))
    delta_r, logs_r = _step(repeated_model, (tf.constant(repeated),))
    assert any(np.abs(d).max() > 0 for d in delta_r)
    for index, (dw, dr) in enumerate(zip(delta_w, delta_r)):
        np.testing.assert_allclose(3 * dw, 4 * dr, rtol=1e-4, atol=1e-6,
                                   err_msg=f"variable {index}")
    assert logs_w == pytest.approx(logs_r, rel=1e-5)


def test_fit_keeps_the_weights_of_arrays_without_labels():
    """Keras drops the sample weights of arrays given without labels; kerasgen does not."""
    images, _ = digits(16)
    models = [_sgd_model() for _ in range(3)]
    for model in models[1:]:
        model.set_weights(models[0].get_weights())
    before = models[0].get_weights()
    fits = dict(batch_size=16, epochs=1, shuffle=False, verbose=0)
    models[0].fit(images, **fits)
    models[1].fit(images, sample_weight=np.full(16, 2.0), **fits)
    models[2].fit(images, sample_weight=np.zeros(16), **fits)
    for b, plain, doubled, zero in zip(before, *(m.get_weights() for m in models)):
        np.testing.assert_allclose(doubled - b, 2 * (plain - b), rtol=1e-4, atol=1e-6)
        np.testing.assert_array_equal(zero, b)


def test_weighted_validation_reports_weighted_means():
    images, _ = digits(20)
    model = _sgd_model(learning_rate=0.0)  # weights stay put
    weights = np.zeros(4, np.float32)
    weights[1] = 1.0  # the validation loss is then example 1's own loss
    held_out = images[16:]
    own = model.per_example_losses(tf.constant(held_out), None, tf.constant([0, 0]),
                                   training=False)["loss"].numpy()[1]
    history = model.fit(images[:16], validation_data=(held_out, None, weights), epochs=1,
                        verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(float(own), rel=1e-5)
    # Keras' validation_split with weights and no labels (the split is done by kerasgen).
    history = model.fit(images, sample_weight=np.ones(20), validation_split=0.2, epochs=1,
                        verbose=0)
    assert np.isfinite(history.history["val_loss"][0])
    weights = np.zeros(20, np.float32)
    weights[3] = 1.0
    own = model.per_example_losses(tf.constant(images), None, tf.constant([0, 0]),
                                   training=False)["loss"].numpy()[3]
    logs = model.evaluate(images, sample_weight=weights, verbose=0, return_dict=True)
    assert logs["loss"] == pytest.approx(float(own), rel=1e-5)


@pytest.mark.parametrize("weights, message", [
    (-np.ones(8), r"`sample_weight` must be per-example weights.*received a negative weight"),
    (np.full(8, np.nan), r"`sample_weight` must be per-example weights.*NaN or infinite"),
    (np.ones(5), r"`sample_weight` must be 8 weights, one per example; received 5 weights"),
    (np.ones((8, 2)), r"`sample_weight` must be per-example weights.*shape \(8, 2\)"),
], ids=["negative", "nan", "count", "rank"])
def test_bad_weights_are_refused_before_training(weights, message):
    model = _sgd_model()
    images, _ = digits(8)
    with pytest.raises(ValueError, match=message):
        model.fit(images, sample_weight=weights, verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 0


def test_weights_beside_a_dataset_are_refused():
    model = _sgd_model()
    images, _ = digits(8)
    data = tf.data.Dataset.from_tensor_slices(images).batch(4)
    with pytest.raises(ValueError, match=r"`sample_weight` must be None: a dataset carries its "
                                         r"weights in its batches.*received an array"):
        model.fit(data, sample_weight=np.ones(8), verbose=0)


REFUSING = {
    "dcgan": "adversarial training does not weight examples",
    "rbm-pcd": "contrastive divergence does not weight examples",
    "ebm": "contrastive divergence does not weight examples",
    "dbn": "a DBN trains each layer by contrastive divergence",
}


def _fits(images, weights):
    """Every way a weight reaches fit: ``{name: (call, name the error must give)}``."""
    weighted = tf.data.Dataset.from_tensor_slices((images, None, weights)).batch(4)
    return {
        "sample_weight=": (lambda m: m.fit(images, sample_weight=weights, verbose=0),
                           "sample_weight"),
        "dataset": (lambda m: m.fit(weighted, verbose=0), "x sample_weight"),
        "validation_data": (lambda m: m.fit(images, validation_data=(images, None, weights),
                                            verbose=0), "validation_data sample_weight"),
        "class_weight": (lambda m: m.fit(images, np.zeros(len(images), np.int32),
                                         class_weight={0: 2.0}, verbose=0), "class_weight"),
    }


@pytest.mark.parametrize("family", sorted(REFUSING))
@pytest.mark.parametrize("way", ["sample_weight=", "dataset", "validation_data", "class_weight"])
def test_styles_that_cannot_weight_refuse_weights_before_training(family, way):
    model = TINY_FAMILIES[family]()
    model.compile_with_defaults()
    images, _ = digits(8)
    call, name = _fits(images, np.ones(8, np.float32))[way]
    with pytest.raises(ValueError, match=rf"`{name}` must be None: {REFUSING[family]}.*; "
                                         r"received (sample|class) weights"):
        call(model)
    steps = [model.optimizer] + [rbm.optimizer for rbm in getattr(model, "rbms", [])]
    assert all(int(opt.iterations.numpy()) == 0 for opt in steps)


def test_a_weighted_batch_is_refused_in_the_step_itself():
    """`evaluate` goes to test_step without fit's checks: the step refuses when traced."""
    model = TINY_FAMILIES["dcgan"]()
    model.compile_with_defaults()
    images, _ = digits(8)
    weighted = tf.data.Dataset.from_tensor_slices((images, None, np.ones(8))).batch(4)
    with pytest.raises(ValueError, match=r"`sample_weight` must be None: adversarial"):
        model.evaluate(weighted, verbose=0)
