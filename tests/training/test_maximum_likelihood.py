"""The maximum-likelihood train step: one SGD step is the gradient of the mean per-example
loss (plus regularization) at the step's seed, and the metrics are the per-example means."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgen.models import VAE, DenoisingAutoencoder
from kerasgen.utils.noise import step_seed
from tests.helpers import digits, make_model


def _regularized_decoder(latent_dim, channels):
    return keras.Sequential([
        keras.Input((latent_dim,)),
        keras.layers.Dense(16, activation="relu", kernel_regularizer=keras.regularizers.L2(0.05)),
        keras.layers.Dense(64 * channels), keras.layers.Reshape((8, 8, channels))])


@pytest.mark.parametrize("cls, overrides, regularized", [
    (VAE, {"likelihood": "bernoulli"}, False),
    (VAE, {"likelihood": "gaussian"}, True),
    (DenoisingAutoencoder, {"corruption": "masking"}, False),
], ids=["vae", "vae_regularized", "dae"])
def test_one_step_is_the_gradient_of_the_mean_loss(cls, overrides, regularized):
    if regularized:
        overrides = dict(overrides, decoder=_regularized_decoder(2, 2))
    model = make_model(cls, compile=False, seed=3, **overrides)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1))
    images, _ = digits(16)
    variables = model.trainable_variables
    before = [v.numpy().copy() for v in variables]

    with tf.GradientTape() as tape:
        losses = model.per_example_losses(tf.constant(images), None, step_seed(3, 0),
                                          training=True)
        objective = tf.reduce_mean(losses["loss"])
        if regularized:
            assert model.losses
            objective += tf.add_n(model.losses)
    gradients = tape.gradient(objective, variables)
    expected = [w - 0.1 * g.numpy() for w, g in zip(before, gradients)]

    history = model.fit(images, batch_size=16, epochs=1, shuffle=False, verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 1
    for index, (variable, want) in enumerate(zip(variables, expected)):
        np.testing.assert_allclose(variable.numpy(), want, rtol=1e-4, atol=1e-5,
                                   err_msg=f"variable {index}")
    for name, values in losses.items():
        assert history.history[name][0] == pytest.approx(float(np.mean(values)), rel=1e-5)


def test_metrics_average_over_batches_of_unequal_size():
    """Trackers average per example: a last, smaller batch counts by its size."""
    model = make_model(VAE, compile=False)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0))     # weights stay put
    images, _ = digits(20)
    history = model.fit(images, batch_size=16, epochs=1, shuffle=False, verbose=0)
    per_batch = [model.per_example_losses(tf.constant(images[a:b]), None, step_seed(0, step),
                                          training=True)["kl"].numpy()
                 for step, (a, b) in enumerate([(0, 16), (16, 20)])]
    assert history.history["kl"][0] == pytest.approx(float(np.concatenate(per_batch).mean()),
                                                      rel=1e-5)
