"""Every bad input raises ValueError naming the argument, before any work is done."""

import numpy as np
import pytest
import tensorflow as tf

from kerasgen.models import (
    VAE,
    Autoencoder,
    ConditionalVAE,
    ConvAutoencoder,
    DenoisingAutoencoder,
)
from tests.helpers import dataset, digits, make_model, tiny_kwargs


@pytest.fixture(scope="module")
def models():
    return {
        "vae": make_model(VAE),
        "cvae": make_model(ConditionalVAE),
        "ae": make_model(Autoencoder),
        "dae": make_model(DenoisingAutoencoder),
    }


@pytest.fixture(scope="module")
def arrays():
    images, labels = digits(16)
    return images, labels


def _build(cls, **overrides):
    return lambda models, arrays: cls(**tiny_kwargs(cls, **overrides))


def _fit(name, x=None, y=None, **kwargs):
    def run(models, arrays):
        images, labels = arrays
        args = {"images": images, "labels": labels}
        x_value = x(images, labels) if callable(x) else args.get(x, x)
        y_value = y(images, labels) if callable(y) else args.get(y, y)
        return models[name].fit(x_value, y_value, epochs=1, verbose=0, **kwargs)
    return run


def _call(name, method, *args, **kwargs):
    def run(models, arrays):
        images, labels = arrays
        resolved = [a(images, labels) if callable(a) else a for a in args]
        return getattr(models[name], method)(*resolved, **kwargs)
    return run


CASES = [
    # ------------------------------------------------------------ constructors
    ("latent_dim=0", _build(VAE, latent_dim=0), "latent_dim"),
    ("latent_dim=2.5", _build(Autoencoder, latent_dim=2.5), "latent_dim"),
    ("network=rnn", _build(VAE, network="rnn"), "network"),
    ("hidden_units=[-1]", _build(VAE, hidden_units=[-1]), "hidden_units"),
    ("hidden_units=7", _build(Autoencoder, hidden_units=7), "hidden_units"),
    ("filters too deep vae", _build(VAE, network="conv", filters=(4, 4, 4, 4)), "filters"),
    ("filters too deep ae", _build(ConvAutoencoder, filters=(4, 4, 4, 4)), "filters"),
    ("filters=[]", _build(ConvAutoencoder, filters=()), "filters"),
    ("upsampling=bilinear", _build(VAE, upsampling="bilinear"), "upsampling"),
    ("likelihood=poisson", _build(VAE, likelihood="poisson"), "likelihood"),
    ("beta=-1", _build(VAE, beta=-1), "beta"),
    ("beta=str", _build(VAE, beta="1"), "beta"),
    ("num_levels=1", _build(VAE, num_levels=1), "num_levels"),
    ("num_levels=2.0", _build(Autoencoder, num_levels=2.0), "num_levels"),
    ("image_shape=(8,8)", _build(VAE, image_shape=(8, 8)), "image_shape"),
    ("image_shape=(8,0,1)", _build(Autoencoder, image_shape=(8, 0, 1)), "image_shape"),
    ("seed=x", _build(VAE, seed="x"), "seed"),
    ("seed=1.5", _build(DenoisingAutoencoder, seed=1.5), "seed"),
    ("corruption=blur", _build(DenoisingAutoencoder, corruption="blur"), "corruption"),
    ("noise_level=0", _build(DenoisingAutoencoder, noise_level=0), "noise_level"),
    ("noise_level=1 masking", _build(DenoisingAutoencoder, corruption="masking",
                                     noise_level=1.0), "noise_level"),
    ("noise_level=2 s&p", _build(DenoisingAutoencoder, corruption="salt_and_pepper",
                                 noise_level=2.0), "noise_level"),
    ("ae loss=l1", _build(Autoencoder, loss="l1"), "loss"),
    ("cvae num_classes=None", _build(ConditionalVAE, num_classes=None), "num_classes"),
    ("cvae num_classes=0", _build(ConditionalVAE, num_classes=0), "num_classes"),
    # ------------------------------------------------------------ fit
    ("fit wrong shape", _fit("vae", lambda x, y: x[..., 0]), "x"),
    ("fit 28x28", _fit("vae", lambda x, y: np.zeros([4, 28, 28, 1], np.uint8)), "x"),
    ("fit value 17", _fit("vae", lambda x, y: np.where(x == 16, 17, x)), "x"),
    ("fit negative", _fit("ae", lambda x, y: x.astype(np.int16) - 1), "x"),
    ("fit NaN", _fit("vae", lambda x, y: np.where(x > 8, np.nan, x)), "x"),
    ("fit inf", _fit("dae", lambda x, y: np.where(x > 8, np.inf, x)), "x"),
    ("fit strings", _fit("vae", lambda x, y: x.astype(str)), "x"),
    ("fit None", _fit("vae", None), "x"),
    ("fit empty dataset", _fit("vae", lambda x, y: dataset(x[:0])), "x"),
    ("fit unbatched dataset", _fit("vae", lambda x, y: tf.data.Dataset.from_tensor_slices(x)),
     "x"),
    ("fit out of range dataset", _fit("ae", lambda x, y: dataset(x * 2)), "x"),
    ("fit bad validation", _fit("vae", "images", validation_data=(np.full([4, 8, 8, 1], 20),)),
     "validation_data"),
    ("fit bad validation dataset", _fit("vae", "images",
                                        validation_data=dataset(np.zeros([4, 8, 8], np.uint8))),
     "validation_data"),
    ("cvae fit without labels", _fit("cvae", "images"), "x labels"),
    ("cvae fit dataset without labels", _fit("cvae", lambda x, y: dataset(x)), "x labels"),
    ("cvae fit labels out of range", _fit("cvae", "images", lambda x, y: y + 10), "x labels"),
    ("cvae fit negative labels", _fit("cvae", "images", lambda x, y: y - y.min() - 1), "x labels"),
    ("cvae fit fractional labels", _fit("cvae", "images", lambda x, y: y + 0.5), "x labels"),
    ("cvae fit too few labels", _fit("cvae", "images", lambda x, y: y[:3]), "x labels"),
    ("cvae validation without labels", _fit("cvae", "images", "labels",
                                            validation_data=dataset(np.zeros([4, 8, 8, 1]))),
     "validation_data labels"),
    # ------------------------------------------------------------ sampling and codecs
    ("sample(0)", _call("vae", "sample", 0), "num_samples"),
    ("sample(-3)", _call("vae", "sample", -3), "num_samples"),
    ("sample(2.0)", _call("vae", "sample", 2.0), "num_samples"),
    ("sample(temperature=0)", _call("vae", "sample", 4, temperature=0), "temperature"),
    ("sample(temperature=-1)", _call("vae", "sample", 4, temperature=-1.0), "temperature"),
    ("cvae sample without labels", _call("cvae", "sample", 3), "labels"),
    ("cvae sample label count", _call("cvae", "sample", 3, labels=[1, 2]), "labels"),
    ("cvae sample label range", _call("cvae", "sample", 2, labels=[1, 10]), "labels"),
    ("cvae sample 2-D labels", _call("cvae", "sample", 2, labels=[[1], [2]]), "labels"),
    ("decode wrong width", _call("vae", "decode", np.zeros([3, 5])), "latents"),
    ("decode rank 1", _call("vae", "decode", np.zeros(2)), "latents"),
    ("decode NaN", _call("vae", "decode", np.array([[0.0, np.nan]])), "latents"),
    ("ae decode wrong width", _call("ae", "decode", np.zeros([3, 2])), "latents"),
    ("encode wrong rank", _call("vae", "encode", lambda x, y: x[0]), "images"),
    ("ae encode wrong rank", _call("ae", "encode", lambda x, y: x[..., 0]), "images"),
    ("encode out of range", _call("vae", "encode", lambda x, y: x + 1), "images"),
    ("reconstruct empty", _call("ae", "reconstruct", lambda x, y: x[:0]), "images"),
    ("cvae encode without labels", _call("cvae", "encode", lambda x, y: x), "labels"),
    ("log_prob num_samples=0", _call("vae", "log_prob", lambda x, y: x, num_samples=0),
     "num_samples"),
    ("log_prob out of range", _call("vae", "log_prob", lambda x, y: x * 3), "images"),
    ("anomaly_score out of range", _call("ae", "anomaly_score", lambda x, y: x + 16), "images"),
    ("corrupt out of range", _call("dae", "corrupt", lambda x, y: -x - 1.0), "images"),
]


@pytest.mark.parametrize("builder, name", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_raises_value_error_naming_it(builder, name, models, arrays):
    with pytest.raises(ValueError, match=f"`{name}`"):
        builder(models, arrays)


def test_bad_fit_does_no_work(models, arrays):
    """Input checks happen before any step: the step counter stays at zero."""
    model = make_model(VAE)
    images, _ = arrays
    with pytest.raises(ValueError):
        model.fit(np.where(images == 16, 17, images), epochs=1, verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 0


def test_beta_nan_is_rejected():
    with pytest.raises(ValueError, match="`beta`"):
        VAE(**tiny_kwargs(VAE, beta=float("nan")))


def test_likelihood_of_wrong_type_is_rejected():
    with pytest.raises(ValueError, match="`likelihood`"):
        VAE(**tiny_kwargs(VAE, likelihood=5))


def test_autoencoder_num_classes_is_rejected_or_works(arrays):
    images, labels = arrays
    try:
        model = make_model(Autoencoder, num_classes=10)
    except ValueError as error:
        assert "`num_classes`" in str(error)
        return
    model.fit(images, labels, epochs=1, verbose=0)
    assert np.asarray(model.reconstruct(images, labels)).shape == images.shape


@pytest.mark.parametrize("overrides, name", [
    ({"image_shape": (8, 8.5, 1)}, "image_shape"),
    ({"image_shape": "881"}, "image_shape"),
    ({"activation": "nope"}, "activation"),
], ids=["fractional image_shape", "string image_shape", "unknown activation"])
def test_constructor_arguments_checked_strictly(overrides, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        VAE(**tiny_kwargs(VAE, **overrides))
