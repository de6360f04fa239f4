"""`kerasgen.models.load_model`: real saved files load with safe_mode=True, and every file it
must refuse (missing, truncated, not a zip, not kerasgen, newer format, holding code) gets a
ValueError naming `path`, what it holds and what was expected. (Every preset's own file
loads through it in the conformance battery, tests/test_conformance.py.)"""

import json
import zipfile

import keras
import numpy as np
import pytest

import kerasgen
from kerasgen.cli import main
from kerasgen.models import GAN, RBM, VAE, PixelCNN, loading
from kerasgen.models.base import FORMAT_VERSION
from tests.helpers import assert_weights_equal, make_model, training_data


def _trained(model):
    """`model` after one step on 32 digits (so the optimizer has state to restore)."""
    model.compile_with_defaults()
    model.fit(training_data(model, n=32), epochs=1, verbose=0)
    return model


@pytest.fixture(scope="module")
def saved_vae(tmp_path_factory):
    path = tmp_path_factory.mktemp("vae") / "vae.keras"
    _trained(make_model(VAE, compile=False)).save(path)
    return path


@pytest.fixture
def spy(monkeypatch):
    """The keyword arguments of every `keras.saving.load_model` call."""
    calls, original = [], keras.saving.load_model

    def load_model(*args, **kwargs):
        calls.append(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(keras.saving, "load_model", load_model)
    return calls


def _rewrite(source, target, config=None, drop=()):
    """Copy the .keras zip `source` to `target`, with config.json replaced by `config` and
    the members in `drop` left out."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            if name in drop:
                continue
            data = json.dumps(config) if name == "config.json" and config else old.read(name)
            new.writestr(name, data)
    return target


def _refused(path, *needles):
    with pytest.raises(ValueError) as info:
        kerasgen.models.load_model(path)
    message = str(info.value)
    assert message.startswith("`path` must be"), message
    for needle in (str(path), *needles):
        assert needle in message, (needle, message)
    return message


# ---------------------------------------------------------------- round trips


FAMILIES = {
    "vae": lambda: make_model(VAE, compile=False),
    "gan": lambda: make_model(GAN, compile=False),
    "rbm": lambda: RBM(hidden_units=8),
    "pixelcnn": lambda: PixelCNN(filters=8, num_layers=1, first_kernel_size=3),
}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_round_trip_loads_equal_weights_in_safe_mode(family, tmp_path, spy):
    model = _trained(FAMILIES[family]())
    model.save(tmp_path / "m.keras")
    loaded = kerasgen.load_model(tmp_path / "m.keras")
    assert spy == [{"compile": True, "safe_mode": True}]
    assert type(loaded) is type(model) and loaded.get_config() == model.get_config()
    assert loaded.get_config()["format_version"] == FORMAT_VERSION
    assert_weights_equal(model, loaded, atol=0)
    assert int(loaded.optimizer.iterations) == int(model.optimizer.iterations) == 1


def test_a_file_from_before_format_versions_loads_as_version_1(saved_vae, tmp_path):
    with zipfile.ZipFile(saved_vae) as archive:
        config = json.loads(archive.read("config.json"))
    del config["config"]["format_version"]
    loaded = kerasgen.load_model(_rewrite(saved_vae, tmp_path / "old.keras", config))
    assert isinstance(loaded, VAE) and loaded.latent_dim == 2


# ---------------------------------------------------------------- refusals


def test_missing_path_and_directory(tmp_path):
    _refused(tmp_path / "nosuch.keras", "does not exist", "an existing .keras file")
    _refused(tmp_path, "directory", "a .keras file")
    with pytest.raises(ValueError, match="`path` must be the path of a .keras file"):
        kerasgen.load_model(42)


def test_truncated_file(saved_vae, tmp_path):
    data = saved_vae.read_bytes()
    path = tmp_path / "truncated.keras"
    path.write_bytes(data[: len(data) // 2])
    _refused(path, "truncated", "a .keras archive (a zip holding config.json and "
             "model.weights.h5)")


@pytest.mark.parametrize("content, needle", [
    (np.random.default_rng(0).bytes(4096), "not a .keras archive (not a zip"),
    ("a text file, not a model\n".encode(), "it starts b'a te'"),
    (b"", "empty"),
], ids=["random-bytes", "text", "empty"])
def test_not_a_zip(content, needle, tmp_path):
    path = tmp_path / "model.keras"
    path.write_bytes(content)
    _refused(path, needle, "a .keras archive")


def test_zip_without_weights(saved_vae, tmp_path):
    path = _rewrite(saved_vae, tmp_path / "no-weights.keras", drop=("model.weights.h5",))
    _refused(path, "a zip without model.weights.h5", "a .keras archive")


def test_a_config_that_unpacks_huge_is_refused_before_it_is_read(saved_vae, tmp_path):
    """A zip bomb: a config.json of 65 MB of spaces (65 KB packed) is refused from its
    declared size, before anything unpacks it into memory."""
    path = tmp_path / "bomb.keras"
    with zipfile.ZipFile(saved_vae) as old, \
            zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as new:
        new.writestr("config.json", b" " * (loading.MAX_CONFIG_BYTES + 1))
        new.writestr("model.weights.h5", old.read("model.weights.h5"))
    assert path.stat().st_size < 2**20
    _refused(path, f"whose config.json unpacks to {loading.MAX_CONFIG_BYTES + 1} bytes")


def test_plain_keras_model_is_not_a_kerasgen_model(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.save(tmp_path / "plain.keras")
    _refused(tmp_path / "plain.keras", "holds a keras.Sequential", "a saved kerasgen model")
    # load_keras (the classifier cache's loader) takes any Keras model, still checked and safe.
    assert isinstance(loading.load_keras(tmp_path / "plain.keras"), keras.Sequential)


def test_unknown_kerasgen_class(saved_vae, tmp_path):
    with zipfile.ZipFile(saved_vae) as archive:
        config = json.loads(archive.read("config.json"))
    config.update(class_name="FutureModel", registered_name="kerasgen>FutureModel")
    _refused(_rewrite(saved_vae, tmp_path / "future.keras", config),
             "kerasgen>FutureModel, a class this kerasgen does not know")


@pytest.mark.parametrize("version, needles", [
    (99, ["saved by a newer kerasgen (format 99)", f"format <= {FORMAT_VERSION}",
          "upgrade kerasgen"]),
    ("2", ["format_version is '2'", "positive integer format_version"]),
], ids=["newer", "not-an-integer"])
def test_format_version(version, needles, saved_vae, tmp_path):
    with zipfile.ZipFile(saved_vae) as archive:
        config = json.loads(archive.read("config.json"))
    config["config"]["format_version"] = version
    _refused(_rewrite(saved_vae, tmp_path / "v.keras", config), *needles)


def test_lambda_layer_is_refused_by_safe_mode(tmp_path, spy):
    decoder = keras.Sequential([
        keras.Input((2,)), keras.layers.Lambda(lambda z: 2.0 * z), keras.layers.Dense(128),
        keras.layers.Reshape((8, 8, 2))])
    make_model(VAE, likelihood="gaussian", decoder=decoder).save(tmp_path / "lambda.keras")
    _refused(tmp_path / "lambda.keras", "Python code that safe mode refuses", "Lambda",
             "a .keras file without Lambda layers or pickled functions")
    assert spy == [{"compile": True, "safe_mode": True}]
    plain = keras.Sequential([keras.Input((3,)), keras.layers.Lambda(lambda x: x + 1)])
    plain.save(tmp_path / "plain-lambda.keras")
    with pytest.raises(ValueError, match="`path` must be .* safe mode refuses"):
        loading.load_keras(tmp_path / "plain-lambda.keras")


def test_command_line_refuses_a_truncated_model_in_one_line(saved_vae, tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    data = saved_vae.read_bytes()
    (run / "model.keras").write_bytes(data[: len(data) // 2])
    assert main(["sample", str(run), "--num", "4"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kerasgen: error: `DIR`"), lines
    assert "truncated" in lines[0] and str(run / "model.keras") in lines[0]


def test_classifier_cache_is_written_whole_and_read_back_safely(tmp_path, spy):
    from kerasgen.evaluation.classifier import get_classifier

    trained = get_classifier("digits", directory=tmp_path, epochs=1)
    assert [p.name for p in tmp_path.iterdir()] == ["classifier-digits-epochs1.keras"]
    cached = get_classifier("digits", directory=tmp_path, epochs=1)
    assert spy == [{"compile": True, "safe_mode": True}]
    assert_weights_equal(trained.model, cached.model, atol=0)
    path = tmp_path / "classifier-digits-epochs1.keras"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(ValueError, match="`path` .* which is truncated"):
        get_classifier("digits", directory=tmp_path, epochs=1)
