"""Autoencoders: the documented losses, the corruptions' statistics, denoising, custom nets."""

import keras
import numpy as np
import pytest
from scipy.special import expit

from kerasgen.models import VAE, Autoencoder, DenoisingAutoencoder
from kerasgen.utils.noise import step_seed
from tests.helpers import digits, make_model, run_model_saving_test, training_data


@pytest.mark.parametrize("loss", ["mse", "bce"])
def test_per_example_loss_matches_numpy(loss):
    model = make_model(Autoencoder, loss=loss, compile=False)
    images, _ = digits(5)
    x = images.astype(np.float64) / 16
    logits = model.decoder(model.encoder(x.astype(np.float32))).numpy().astype(np.float64)
    x_hat = expit(logits)
    mse = np.mean((x - x_hat) ** 2, axis=(1, 2, 3))
    bce = -np.mean(x * np.log(x_hat) + (1 - x) * np.log1p(-x_hat), axis=(1, 2, 3))
    losses = model.per_example_losses(images, None, step_seed(0, 0), training=True)
    np.testing.assert_allclose(losses["reconstruction_mse"].numpy(), mse, rtol=1e-4)
    np.testing.assert_allclose(losses["loss"].numpy(), mse if loss == "mse" else bce, rtol=1e-4)
    # Reconstructions are in the data's units; the anomaly score is the per-image MSE in [0, 1].
    np.testing.assert_allclose(np.asarray(model.reconstruct(images)), x_hat * 16, rtol=1e-4,
                               atol=1e-4)
    np.testing.assert_allclose(model.anomaly_score(images), mse, rtol=1e-4)
    assert model.reconstruction_error(images) == pytest.approx(mse.mean(), rel=1e-4)


def _flat(images):
    return np.asarray(images, np.float64).ravel()


def test_gaussian_corruption_statistics():
    model = make_model(DenoisingAutoencoder, corruption="gaussian", noise_level=0.1,
                       compile=False)
    images = np.full([64, 8, 8, 1], 8, np.uint8)                  # mid-grey: clipping is rare
    noise = _flat(model.corrupt(images, seed=0)) - 8.0
    assert abs(noise.mean()) < 4 * 1.6 / np.sqrt(noise.size)
    assert noise.std() == pytest.approx(0.1 * 16, rel=0.05)
    # Clipped to the data range.
    extreme = make_model(DenoisingAutoencoder, noise_level=2.0, compile=False)
    out = _flat(extreme.corrupt(images, seed=0))
    assert out.min() == 0.0 and out.max() == 16.0


def test_masking_corruption_statistics():
    model = make_model(DenoisingAutoencoder, corruption="masking", noise_level=0.3,
                       compile=False)
    images = np.full([64, 8, 8, 1], 16, np.uint8)
    out = _flat(model.corrupt(images, seed=1))
    assert set(np.unique(out)) == {0.0, 16.0}
    se = np.sqrt(0.3 * 0.7 / out.size)
    assert abs(np.mean(out == 0) - 0.3) < 4 * se


def test_salt_and_pepper_corruption_statistics():
    model = make_model(DenoisingAutoencoder, corruption="salt_and_pepper", noise_level=0.3,
                       compile=False)
    images = np.full([64, 8, 8, 1], 8, np.uint8)
    out = _flat(model.corrupt(images, seed=2))
    assert set(np.unique(out)) == {0.0, 8.0, 16.0}
    hit = out != 8
    assert abs(hit.mean() - 0.3) < 4 * np.sqrt(0.3 * 0.7 / out.size)
    salt = np.mean(out[hit] == 16)
    assert abs(salt - 0.5) < 4 * np.sqrt(0.25 / hit.sum())


@pytest.mark.parametrize("corruption", ["gaussian", "masking", "salt_and_pepper"])
def test_corrupt_is_seeded(corruption):
    model = make_model(DenoisingAutoencoder, corruption=corruption, compile=False)
    images, _ = digits(8)
    a, b = model.corrupt(images, seed=5), model.corrupt(images, seed=5)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, model.corrupt(images, seed=6))
    assert not np.array_equal(np.asarray(a), images.astype(np.float32))


def test_denoising_autoencoder_denoises():
    """With a code as wide as the input, the DAE still cannot learn the identity: after
    training, its reconstruction of a corrupted test image is closer to the clean image than
    the corrupted image is."""
    keras.utils.set_random_seed(0)
    model = make_model(DenoisingAutoencoder, corruption="gaussian", noise_level=0.3,
                       latent_dim=64, hidden_units=(64,), learning_rate=3e-3)
    images, _ = digits(1024)
    model.fit(images, batch_size=32, epochs=6, verbose=0)
    test, _ = digits(200, split="test")
    corrupted = np.asarray(model.corrupt(test, seed=1))
    denoised = np.asarray(model.reconstruct(corrupted))
    noisy_error = np.mean((corrupted - test) ** 2)
    denoised_error = np.mean((denoised - test) ** 2)
    assert denoised_error < 0.7 * noisy_error, (denoised_error, noisy_error)
    per_image = np.mean((denoised - test) ** 2, axis=(1, 2, 3)) < np.mean(
        (corrupted - test) ** 2, axis=(1, 2, 3))
    assert per_image.mean() > 0.8


# ---------------------------------------------------------------- custom networks


def _custom_networks(latent_dim, encoder_outputs, decoder_channels):
    encoder = keras.Sequential([
        keras.Input((8, 8, 1)), keras.layers.Flatten(),
        keras.layers.Dense(12, activation="tanh"), keras.layers.Dense(encoder_outputs)],
        name="my_encoder")
    decoder = keras.Sequential([
        keras.Input((latent_dim,)), keras.layers.Dense(12, activation="elu"),
        keras.layers.Dense(64 * decoder_channels), keras.layers.Reshape((8, 8, decoder_channels))],
        name="my_decoder")
    return encoder, decoder


@pytest.mark.parametrize("cls, overrides, sizes", [
    (VAE, {"likelihood": "gaussian"}, (4, 2)),          # 2 * latent, 2 params per pixel
    (Autoencoder, {}, (2, 1)),
], ids=["vae", "autoencoder"])
def test_custom_networks_train_and_survive_saving(cls, overrides, sizes, tmp_path):
    encoder, decoder = _custom_networks(2, *sizes)
    model = make_model(cls, latent_dim=2, encoder=encoder, decoder=decoder, **overrides)
    assert model.encoder is encoder and model.decoder is decoder
    data = training_data(model, n=64)
    history = model.fit(data, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    config = model.get_config()
    assert config["encoder"] is not None and config["decoder"] is not None
    images, _ = digits(4, split="test")
    loaded = run_model_saving_test(model, data, images, tmp_path=tmp_path)
    assert loaded.encoder.name == "my_encoder"
    assert [type(layer).__name__ for layer in loaded.decoder.layers] == [
        "Dense", "Dense", "Reshape"]
    assert loaded.encoder.layers[1].activation.__name__ == "tanh"


class _Mode(keras.layers.Layer):
    """Passes its input through and records the training flag it was called with
    (1 training, 0 inference): a real layer, where dropout or batch norm would look."""

    def build(self, shape):
        self.mode = self.add_weight(shape=(), initializer=keras.initializers.Constant(-1.0),
                                    trainable=False, name="mode")

    def call(self, x, training=False):
        self.mode.assign(1.0 if training else 0.0)
        return x


@pytest.mark.parametrize("cls, overrides, sizes", [
    (VAE, {"likelihood": "gaussian"}, (4, 2)), (Autoencoder, {}, (2, 1))],
    ids=["vae", "autoencoder"])
def test_networks_train_in_training_mode_and_evaluate_in_inference_mode(cls, overrides,
                                                                        sizes):
    """A train step calls the networks directly, so the flag must be passed on: dropout and
    batch norm in a given encoder or decoder would otherwise never train."""
    encoder, decoder = _custom_networks(2, *sizes)
    spy = _Mode()
    decoder = keras.Sequential([keras.Input((2,)), spy, *decoder.layers], name="my_decoder")
    model = make_model(cls, latent_dim=2, encoder=encoder, decoder=decoder, **overrides)
    data = training_data(model, n=32)
    model.fit(data, epochs=1, verbose=0)
    assert float(spy.mode) == 1.0
    model.evaluate(data, verbose=0)
    assert float(spy.mode) == 0.0


def test_denoising_autoencoder_corrupts_for_training_only():
    """Training compares the reconstruction of the corrupted input with the clean image;
    validation reports the clean reconstruction error, the number anomaly_score gives."""
    model = make_model(DenoisingAutoencoder, corruption="masking", noise_level=0.5)
    images, _ = digits(8)
    seed = step_seed(0, 1)
    clean = model.per_example_losses(images, None, seed, training=False)
    np.testing.assert_allclose(clean["reconstruction_mse"], model.anomaly_score(images),
                               rtol=1e-5)
    noisy = model.per_example_losses(images, None, seed, training=True)
    assert not np.allclose(noisy["reconstruction_mse"], clean["reconstruction_mse"])
