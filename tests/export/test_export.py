"""Exports give the Keras model's outputs: SavedModel in a fresh process, warm-up replay, TFLite."""

import json
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from kerasgen import data
from kerasgen.export import (
    Endpoint,
    TFLiteMismatchError,
    example_inputs,
    export_serving,
    export_tflite,
    read_warmup_requests,
    replay_warmup_requests,
    run_tflite,
    synthesize,
)
from kerasgen.models import (
    BEGAN,
    GAN,
    VAE,
    VAEGAN,
    ConditionalGAN,
    ConditionalVAE,
    DenoisingAutoencoder,
    PixelCNN,
    DBN,
    RBM,
    BoltzmannMachine,
    EnergyModel,
    GaussianRBM,
    PixelCNNPlusPlus,
    PixelRNN,
    WaveNet,
)
from tests.helpers import coarse_maps

FRESH_PROCESS = r"""
import json, sys
import numpy as np, tensorflow as tf
path, inputs_file, out_file = sys.argv[1:]
loaded = tf.saved_model.load(path)
inputs = np.load(inputs_file, allow_pickle=False)
calls = json.loads(str(inputs["__calls__"]))
results = {}
for signature, names in calls.items():
    fn = loaded.signatures[signature]
    outputs = fn(**{n: tf.constant(inputs[signature + "/" + n]) for n in names})
    for key, value in outputs.items():
        results[signature + "/" + key] = value.numpy()
np.savez(out_file, **results)
"""


def _trained(cls, **kwargs):
    images, labels = data.load_arrays("digits", max_examples=256)
    model = cls(latent_dim=4, hidden_units=(32,), filters=(8, 16), **kwargs)
    model.compile_with_defaults()
    model.fit(images, labels if model.is_conditional else None, batch_size=64, epochs=1,
              verbose=0)
    return model


def _conditions(model, images, labels):
    """What `model` is conditioned on: class labels, coarse maps, or None."""
    if model.condition_shape:
        return coarse_maps(images)
    return labels if model.is_conditional else None


def _fitted(model):
    images, labels = data.load_arrays("digits", max_examples=128)
    model.compile(optimizer="adam")
    model.fit(images, _conditions(model, images, labels), batch_size=64, epochs=1, verbose=0)
    return model


MODELS = {
    "vae": lambda: _trained(VAE, likelihood="gaussian"),  # a density: dequantized scores
    "conv-cvae-logistic": lambda: _trained(ConditionalVAE, num_classes=10, network="conv",
                                           likelihood="discretized_logistic"),
    "dae": lambda: _trained(DenoisingAutoencoder, corruption="masking", noise_level=0.25),
    "dcgan": lambda: _trained(GAN, network="conv", normalization="batch"),
    "cgan": lambda: _trained(ConditionalGAN, num_classes=10, label_conditioning="projection"),
    "vae-gan": lambda: _trained(VAEGAN, network="conv", normalization="batch"),
    "began": lambda: _trained(BEGAN, code_dim=8),
    "pixelcnn": lambda: _fitted(PixelCNN(filters=8, num_layers=1, first_kernel_size=3)),
    "pixelcnn++-conditional": lambda: _fitted(PixelCNNPlusPlus(
        num_classes=10, filters=8, num_resnet=1, num_hierarchies=1, num_mixtures=2)),
    "pixelcnn++-map": lambda: _fitted(PixelCNNPlusPlus(
        condition_shape=(8, 8, 1), filters=8, num_resnet=1, num_hierarchies=2,
        num_mixtures=2)),
    "rbm": lambda: _fitted(RBM(hidden_units=12, persistent=True, num_chains=8)),
    "gaussian-rbm": lambda: _fitted(GaussianRBM(hidden_units=6)),
    "boltzmann-machine": lambda: _fitted(BoltzmannMachine(hidden_units=3, num_chains=8)),
    "dbn": lambda: _fitted(DBN(hidden_units=(12, 6))),
    "ebm": lambda: _fitted(EnergyModel(hidden_units=(8,), langevin_steps=3, buffer_size=16)),
    "pixelrnn-diagonal-conditional": lambda: _fitted(PixelRNN(
        num_classes=10, hidden_units=3, num_layers=1, first_kernel_size=3)),
    "wavenet-global": lambda: _fitted_wavenet(num_classes=3),
    "wavenet-local": lambda: _fitted_wavenet(local_condition="log_mel", num_mels=4,
                                             upsample_factors=(4,)),
}


def _fitted_wavenet(**kwargs):
    model = WaveNet(residual_channels=8, skip_channels=8, layers_per_stack=3, stacks=2,
                    **kwargs)
    windows = np.random.default_rng(0).integers(96, 160, size=(16, 40, 1))
    labels = np.arange(16) % 3 if model.is_conditional else None
    model.compile(optimizer="adam")
    model.fit(windows, labels, batch_size=8, epochs=1, verbose=0)
    return model


# The serving tests below walk the variants beside the registry's presets (other likelihoods,
# corruptions and conditions); every preset itself is exported by the conformance battery
# (tests/test_conformance_exports.py). Warm-up records are checked here only.
SERVING_VARIANTS = ["vae", "conv-cvae-logistic", "pixelcnn++-conditional", "pixelcnn++-map",
                    "pixelrnn-diagonal-conditional", "wavenet-global", "wavenet-local"]


@pytest.fixture(scope="module", params=SERVING_VARIANTS)
def model(request):
    return MODELS[request.param]()


@pytest.fixture(scope="module")
def exported(model, tmp_path_factory):
    """``(folder, path)``: the model's SavedModel, exported once for the serving tests."""
    folder = tmp_path_factory.mktemp("serving")
    return folder, export_serving(model, folder, name="m", version=3)


@pytest.mark.slow
def test_saved_model_in_fresh_process_equals_keras(model, exported, tmp_path):
    folder, path = exported
    assert path == folder / "m" / "3" and (path / "saved_model.pb").is_file()
    endpoints = model.serving_endpoints()
    arrays, calls = {}, {}
    for endpoint in endpoints:
        inputs = example_inputs(endpoint, model, batch_size=5, seed=1)
        calls[endpoint.name] = sorted(inputs)
        arrays.update({f"{endpoint.name}/{k}": v for k, v in inputs.items()})
    np.savez(tmp_path / "inputs.npz", __calls__=json.dumps(calls), **arrays)
    subprocess.run([sys.executable, "-c", FRESH_PROCESS, str(path), str(tmp_path / "inputs.npz"),
                    str(tmp_path / "out.npz")], check=True, capture_output=True)
    served = np.load(tmp_path / "out.npz")
    for endpoint in endpoints:
        inputs = {k: tf.constant(arrays[f"{endpoint.name}/{k}"]) for k in calls[endpoint.name]}
        expected = endpoint.function(**inputs)
        for key, value in expected.items():
            np.testing.assert_allclose(served[f"{endpoint.name}/{key}"], value.numpy(),
                                       rtol=1e-5, atol=1e-5, err_msg=endpoint.name)


@pytest.mark.slow
def test_signatures_are_named_and_default_is_first(model, exported):
    _, path = exported
    loaded = tf.saved_model.load(str(path))
    names = [e.name for e in model.serving_endpoints()]
    assert set(names) | {"serving_default"} == set(loaded.signatures)
    default = loaded.signatures["serving_default"]
    first = loaded.signatures[names[0]]
    assert default.structured_input_signature == first.structured_input_signature
    for endpoint in model.serving_endpoints():
        _, kwargs = loaded.signatures[endpoint.name].structured_input_signature
        assert set(kwargs) == {spec.name for spec in endpoint.input_signature}


@pytest.mark.slow
def test_warmup_records_cover_every_signature_and_replay(model, exported):
    _, path = exported
    requests = read_warmup_requests(path)
    assert [r.model_spec.signature_name for r in requests] == \
        [e.name for e in model.serving_endpoints()]
    assert all(r.model_spec.name == "m" for r in requests)
    for name, outputs in replay_warmup_requests(path):
        assert outputs and all(np.all(np.isfinite(v.numpy())) for v in outputs.values()), name


@pytest.mark.slow
@pytest.mark.parametrize("name", ["vae", "conv-cvae-logistic", "dae"])
def test_tflite_encoder_decoder_equals_keras(name, tmp_path):
    """Models with a decoder (GANs and autoregressive models have their own tests below)."""
    model = MODELS[name]()
    path, report = export_tflite(model, tmp_path / "m.tflite")
    deterministic = [e.name for e in model.tflite_endpoints() if e.deterministic]
    assert deterministic and all(report[name] is not None for name in deterministic)
    # Checked directly too: decoder from the same noise, encoder means, within 1e-5 on the
    # [0, 1] pixel scale the issue states.
    latents = np.random.default_rng(0).standard_normal([6, model.latent_dim]).astype(np.float32)
    images, labels = data.load_arrays("digits", "test", max_examples=6)
    extra = {"labels": labels} if model.is_conditional else {}
    keras_images = model.decode(latents, **extra).numpy()
    lite_images = run_tflite(path, "decode", latents=latents, **extra)["images"]
    np.testing.assert_allclose(lite_images / 16.0, keras_images / 16.0, atol=1e-5)
    keras_codes = model.encode(images, **extra).numpy()
    lite_codes = run_tflite(path, "encode", images=images.astype(np.float32), **extra)["latents"]
    np.testing.assert_allclose(lite_codes, keras_codes, atol=1e-5)


def test_tflite_sampler_draws_from_the_prior(tmp_path):
    model = MODELS["vae"]()
    path, report = export_tflite(model, tmp_path / "m.tflite")
    assert report["sample"] is None  # random: compared in distribution below
    lite = run_tflite(path, "sample", num_samples=np.int32(2000))["images"]
    keras_images = model.sample(2000, seed=0).numpy()
    assert lite.shape == keras_images.shape
    # Two independent 2000-sample means of the same distribution agree to a few std errors.
    stderr = np.sqrt(keras_images.var(0) / 2000 + lite.var(0) / 2000) + 1e-6
    assert np.max(np.abs(lite.mean(0) - keras_images.mean(0)) / stderr) < 5.0
    assert not np.allclose(lite[:1000].mean(0), lite[1000:].mean(0), atol=0)


def test_tflite_rbm_free_energy_equals_keras_and_its_gibbs_sampler_is_exact(tmp_path):
    """free_energy and transform within 1e-5 of Keras; the on-device Gibbs chain (builtin
    random ops) of a tiny RBM gives each pixel's exact marginal E[v_i] (enumerated) within a
    few standard errors."""
    import itertools

    from kerasgen.evaluation import exact_log_partition

    model = RBM(image_shape=(1, 4, 1), num_levels=2, hidden_units=3)
    rng = np.random.default_rng(0)
    for weight in model.trainable_weights:
        weight.assign(rng.normal(0, 1.0, weight.shape).astype(np.float32))
    path, report = export_tflite(model, tmp_path / "rbm.tflite")
    assert report["free_energy"] < 1e-5 and report["transform"] < 1e-5
    assert report["sample"] is None
    states = np.array(list(itertools.product([0.0, 1.0], repeat=4))).reshape(-1, 1, 4, 1)
    np.testing.assert_allclose(run_tflite(path, "free_energy", images=states.astype(np.float32))[
        "free_energy"], model.free_energy(states).numpy(), atol=1e-5)
    exact_p = np.exp(model.log_prob(states, exact_log_partition(model)).numpy())
    marginals = (exact_p[:, None] * states.reshape(-1, 4)).sum(0)
    lite = run_tflite(path, "sample", num_samples=np.int32(4000),
                      gibbs_steps=np.int32(20))["images"].reshape(-1, 4)
    stderr = np.sqrt(lite.var(0) / len(lite)) + 1e-6
    assert np.max(np.abs(lite.mean(0) - marginals) / stderr) < 5.0, (lite.mean(0), marginals)


def test_tflite_gaussian_rbm_equals_keras_and_boltzmann_machine_sampler_is_exact(tmp_path):
    """GaussianRBM free_energy / transform within 1e-5 of Keras; a tiny BoltzmannMachine's
    on-device sequential Gibbs chain gives the enumerated marginals of its visible units."""
    import itertools

    _, report = export_tflite(_fitted(GaussianRBM(hidden_units=6)), tmp_path / "g.tflite")
    assert report["free_energy"] < 1e-5 and report["transform"] < 1e-5
    model = BoltzmannMachine(image_shape=(1, 3, 1), num_levels=2, hidden_units=2)
    rng = np.random.default_rng(0)
    for weight in model.trainable_weights:
        weight.assign(rng.normal(0, 1.0, weight.shape).astype(np.float32))
    path, report = export_tflite(model, tmp_path / "bm.tflite")
    assert report["sample"] is None
    states = np.array(list(itertools.product([0.0, 1.0], repeat=3))).reshape(-1, 1, 3, 1)
    exact_p = np.exp(model.log_prob(states).numpy())
    marginals = (exact_p[:, None] * states.reshape(-1, 3)).sum(0)
    lite = run_tflite(path, "sample", num_samples=np.int32(4000),
                      gibbs_steps=np.int32(20))["images"].reshape(-1, 3)
    assert set(np.unique(lite)) <= {0.0, 1.0}
    stderr = np.sqrt(lite.var(0) / len(lite)) + 1e-6
    assert np.max(np.abs(lite.mean(0) - marginals) / stderr) < 5.0, (lite.mean(0), marginals)


def test_existing_version_without_overwrite_is_refused(tmp_path):
    model = MODELS["dae"]()
    export_serving(model, tmp_path, name="m", version=1)
    with pytest.raises(ValueError, match="`version`"):
        export_serving(model, tmp_path, name="m", version=1, overwrite=False)
    with pytest.raises(ValueError, match="`version`"):
        export_serving(model, tmp_path, name="m", version=0)


class BrokenExports(RBM):
    """An RBM whose Serving export fails and whose one TFLite endpoint claims to be
    deterministic but draws noise (so TFLite and Keras really differ)."""

    def serving_endpoints(self):
        raise RuntimeError("an endpoint that cannot be traced")

    def tflite_endpoints(self):
        images = tf.TensorSpec([None, *self.image_shape], tf.float32, name="images")
        return [self.endpoint("noisy", lambda images: {
            "values": tf.random.uniform(tf.shape(images))}, [images])]


def test_a_failed_export_leaves_the_existing_one_as_it_was(tmp_path):
    """The SavedModel is written beside the version and moved into place, the TFLite file is
    checked before it is written: a failing export keeps what was there."""
    model = _fitted(RBM(hidden_units=4))
    path = export_serving(model, tmp_path, name="m", version=1)
    before = sorted(p.relative_to(path) for p in path.rglob("*"))
    broken = BrokenExports(hidden_units=4)
    with pytest.raises(RuntimeError, match="cannot be traced"):
        export_serving(broken, tmp_path, name="m", version=1)
    assert sorted(p.relative_to(path) for p in path.rglob("*")) == before
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["1"]  # no staging left
    assert tf.saved_model.load(str(path)).signatures  # still loads
    export_serving(model, tmp_path, name="m", version=1)  # overwriting works
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["1"]

    lite, _ = export_tflite(model, tmp_path / "m.tflite")
    content = lite.read_bytes()
    with pytest.raises(TFLiteMismatchError, match="noisy/values"):
        export_tflite(broken, lite)
    assert lite.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m", "m.tflite"]


def test_endpoint_inputs_must_be_named():
    with pytest.raises(ValueError, match="needs a name"):
        Endpoint("f", lambda x: {"y": x}, [tf.TensorSpec([None], tf.float32)])


# Every preset's TFLite signatures are compared with Keras by the conformance battery
# (tests/test_conformance_exports.py); here the conditioned variants, with direct checks.
@pytest.mark.slow
@pytest.mark.parametrize("name", ["pixelcnn++-conditional", "pixelcnn++-map",
                                  "pixelrnn-diagonal-conditional"])
def test_tflite_autoregressive_equals_keras(name, tmp_path):
    """log_prob and the exact sampler (uniforms in, a WHILE loop over pixels) equal Keras;
    the on-device sampler draws its own noise."""
    model = MODELS[name]()
    path, report = export_tflite(model, tmp_path / "ar.tflite")
    assert report["log_prob"] is not None and report["sample_with_noise"] == 0.0
    images, labels = data.load_arrays("digits", "test", max_examples=4)
    extra = {"labels": _conditions(model, images, labels)} if model.is_conditional else {}
    lite = run_tflite(path, "log_prob", images=images.astype(np.float32), **extra)
    np.testing.assert_allclose(lite["log_prob"], model.log_prob(images, **extra), rtol=1e-5)
    uniforms = model._uniforms(4, 3)
    np.testing.assert_array_equal(
        run_tflite(path, "sample_with_noise", uniforms=uniforms.numpy(), **extra)["images"],
        model._draw(uniforms, extra.get("labels"), cached=model.has_cached_sampler).numpy())
    drawn = run_tflite(path, "sample", num_samples=np.int32(4), **extra)["images"]
    assert drawn.shape == (4, 8, 8, 1) and np.all((drawn >= 0) & (drawn <= 16))
    assert np.array_equal(drawn, np.round(drawn))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["wavenet-global", "wavenet-local"])
def test_tflite_wavenet_step_loop_equals_the_keras_cached_generator(name, tmp_path):
    """The streaming step, looped by `synthesize` as an app would, gives the audio of
    `WaveNet.sample` (its cached generator) for the same uniforms; log_prob equals Keras."""
    model = MODELS[name]()
    path, report = export_tflite(model, tmp_path / "wavenet.tflite")
    assert report["step"] < 1e-5 and report["block"] < 1e-5 and report["log_prob"] is not None
    length = 120
    uniforms = model.generation_noise(2, length, 7)
    labels = np.array([0, 2], np.int32) if model.num_classes else None
    features, local = None, None
    if model.local_condition:
        features = model.features(np.random.default_rng(1).integers(0, 256, (2, length, 1)))
        local = model._local_sequence(None, features, length).numpy()
    keras_audio = model._generate(uniforms, labels, features).numpy()
    # One sample per call (`step`), and blocks of 7 (`block`; the last block is shorter).
    for block_size in (1, 7):
        lite_audio = synthesize(path, model.num_levels, length, num_samples=2,
                                uniforms=uniforms.numpy(), labels=labels, local=local,
                                block_size=block_size)
        np.testing.assert_array_equal(lite_audio, keras_audio)
    wrong = {"labels": None} if labels is not None else {"local": local[:, :5]}
    with pytest.raises(ValueError, match="labels|local"):
        synthesize(path, model.num_levels, length, num_samples=2, **wrong)
    audio = keras_audio.astype(np.int32)
    extra = {"labels": labels} if labels is not None else {"features": features.numpy()}
    np.testing.assert_allclose(
        run_tflite(path, "log_prob", audio=audio.astype(np.float32), **extra)["log_prob"],
        model.log_prob(audio, **extra), rtol=1e-5)
