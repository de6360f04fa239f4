"""The `kerasgen` command end to end: train -> sample -> evaluate -> export, and bad input."""

import json
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from kerasgen.cli import main

TRAIN = ["--epochs", "1", "--batch-size", "32", "--max-examples", "128", "--verbose", "0"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs")
    for model, extra in [("vae", ["--set", "latent_dim=3", "--set", "hidden_units=(16,)"]),
                         ("cvae", []), ("denoising-autoencoder", [])]:
        assert main(["train", model, "--out", str(out), *TRAIN, *extra]) == 0
    return out


def test_train_writes_model_preview_and_exports(runs, capsys):
    run = runs / "vae-digits"
    for name in ("model.keras", "run.json", "samples.png", "model.tflite",
                 "1/saved_model.pb", "1/assets.extra/tf_serving_warmup_requests"):
        assert (run / name).is_file(), name
    info = json.loads((run / "run.json").read_text())
    assert info["model"] == "vae" and info["epochs"] == 1
    assert info["overrides"] == {"latent_dim": 3, "hidden_units": [16]} or \
        info["overrides"] == {"latent_dim": 3, "hidden_units": (16,)}
    import kerasgen

    assert kerasgen.load_model(run / "model.keras").latent_dim == 3
    assert (runs / "denoising-autoencoder-digits" / "reconstructions.png").is_file()
    loaded = tf.saved_model.load(str(run / "1"))
    images = loaded.signatures["sample"](num_samples=tf.constant(2), seed=tf.constant(0))
    assert images["images"].shape == (2, 8, 8, 1)


def test_sample_writes_a_grid(runs, tmp_path, capsys):
    out = tmp_path / "grid.png"
    assert main(["sample", str(runs / "vae-digits"), "--num", "9", "--seed", "2",
                 "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    assert Image.open(out).size == (4 * (3 * 9 + 1),) * 2
    assert main(["sample", str(runs / "cvae-digits"), "--num", "3", "--labels", "1", "2", "3",
                 "--out", str(tmp_path / "c.png")]) == 0


def test_evaluate_prints_one_json_object(runs, capsys):
    assert main(["evaluate", str(runs / "vae-digits"), "--importance-samples", "20",
                 "--max-examples", "50"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["num_examples"] == 50 and report["importance_samples"] == 20
    assert report["nll_nats"] <= report["elbo_nats"] + 1e-3
    assert np.isclose(report["bits_per_dim"], report["nll_nats"] / (64 * np.log(2)))
    assert main(["evaluate", str(runs / "denoising-autoencoder-digits")]) == 0
    assert 0 < json.loads(capsys.readouterr().out)["reconstruction_mse"] < 1
    # An option the model's report does not take is refused, not ignored.
    assert main(["evaluate", str(runs / "denoising-autoencoder-digits"),
                 "--importance-samples", "20"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "`--importance-samples`" in err and "20" in err, err


@pytest.mark.slow
def test_gan_runs_sample_evaluate_and_serve(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("KERASGEN_CACHE_DIR", str(tmp_path / "cache"))
    assert main(["train", "wgan-gp", "--out", str(tmp_path), *TRAIN, "--set", "filters=(8,16)",
                 "--set", "d_steps=2"]) == 0
    run = tmp_path / "wgan-gp-digits"
    record = json.loads((run / "run.json").read_text())
    assert record["final"]["gradient_penalty"] >= 0
    assert record["epochs"] == 1  # a GAN logs no "loss"; the epochs are counted all the same
    # Training finished: model.keras is written whole and the backup is gone.
    assert not (run / "backup").exists() and not list(run.glob(".*partial*"))
    monkeypatch.chdir(run)  # "." names the run folder, whose name is the model's
    assert main(["export", ".", "--format", "saved_model", "--version", "2"]) == 0
    assert (run / "2" / "saved_model.pb").is_file()
    assert main(["sample", str(run), "--num", "4", "--truncation", "1.5",
                 "--out", str(tmp_path / "g.png")]) == 0
    assert main(["sample", str(run), "--temperature", "0.5"]) == 2
    assert "`--temperature`" in capsys.readouterr().err
    assert main(["evaluate", str(run), "--max-examples", "20"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"discriminator_score_real", "discriminator_score_generated", "frechet_distance",
            "kernel_distance", "classifier_score", "modes_covered", "class_kl",
            "classifier_test_accuracy"} <= set(report)
    assert report["classifier_test_accuracy"] > 0.9 and 1.0 <= report["classifier_score"] <= 10
    assert (tmp_path / "cache" / "classifier-digits.keras").is_file()
    loaded = tf.saved_model.load(str(run / "1"))
    assert {"sample", "generate", "discriminate"} <= set(loaded.signatures)


@pytest.mark.slow
@pytest.mark.parametrize("model", ["pixelcnn", "pixelcnn++"])
def test_autoregressive_models_train_sample_and_evaluate(model, tmp_path, capsys):
    tiny = {"pixelcnn": ["--set", "filters=8", "--set", "num_layers=1"],
            "pixelcnn++": ["--set", "filters=8", "--set", "num_resnet=1",
                           "--set", "num_hierarchies=1", "--set", "num_mixtures=2"]}[model]
    assert main(["train", model, "--out", str(tmp_path), *TRAIN, *tiny]) == 0
    run = tmp_path / f"{model}-digits"
    assert (run / "samples.png").is_file() and (run / "model.tflite").is_file()
    capsys.readouterr()
    assert main(["sample", str(run), "--num", "4", "--temperature", "0.8",
                 "--out", str(tmp_path / "s.png")]) == 0
    assert main(["evaluate", str(run), "--max-examples", "30"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["num_examples"] == 30
    assert np.isclose(report["bits_per_dim"], report["nll_nats"] / (64 * np.log(2)))
    loaded = tf.saved_model.load(str(run / "1"))
    assert {"sample", "log_prob", "bits_per_dim", "complete"} <= set(loaded.signatures)


@pytest.mark.slow
def test_rbm_trains_samples_evaluates_with_ais_and_exports(tmp_path, capsys):
    assert main(["train", "rbm", "--out", str(tmp_path), *TRAIN, "--set", "hidden_units=8",
                 "--set", "persistent=True", "--set", "num_chains=16"]) == 0
    run = tmp_path / "rbm-digits"
    assert (run / "samples.png").is_file() and (run / "model.tflite").is_file()
    capsys.readouterr()
    assert main(["sample", str(run), "--num", "4", "--temperature", "0.8",
                 "--out", str(tmp_path / "s.png")]) == 0
    assert main(["evaluate", str(run), "--max-examples", "30",
                 "--importance-samples", "20"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    low, high = report["log_likelihood_interval"]
    assert low <= report["log_likelihood"] <= high < 0
    assert report["pseudo_log_likelihood"] < 0
    loaded = tf.saved_model.load(str(run / "1"))
    assert {"sample", "free_energy", "transform"} <= set(loaded.signatures)


@pytest.mark.slow
def test_dbn_trains_greedily_samples_evaluates_and_exports(tmp_path, capsys):
    assert main(["train", "dbn", "--out", str(tmp_path), *TRAIN,
                 "--set", "hidden_units=[16, 8]"]) == 0
    run = tmp_path / "dbn-digits"
    assert (run / "samples.png").is_file() and (run / "model.tflite").is_file()
    assert {"rbm_0_loss", "rbm_1_loss"} <= set(json.loads((run / "run.json").read_text())["final"])
    assert main(["sample", str(run), "--num", "4", "--out", str(tmp_path / "s.png")]) == 0
    assert main(["evaluate", str(run), "--max-examples", "30"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["num_examples"] == 30 and report["reconstruction_error"] > 0
    assert {"sample", "transform"} <= set(tf.saved_model.load(str(run / "1")).signatures)


def test_export_new_version(runs, capsys):
    assert main(["export", str(runs / "cvae-digits"), "--format", "saved_model",
                 "--version", "2"]) == 0
    assert (runs / "cvae-digits" / "2" / "saved_model.pb").is_file()
    assert json.loads(capsys.readouterr().out)["saved_model"].endswith("2")


@pytest.mark.parametrize("argv, needle", [
    (["train", "nosuch"], "`model`"),
    (["train", "vae", "--epochs", "0"], "--epochs"),
    (["train", "vae", "--set", "latent_dim=0"], "`latent_dim`"),
    (["train", "vae", "--set", "nosuch=1"], "nosuch"),
    (["train", "vae", "--set", "novalue"], "`--set`"),
    (["train", "vae", "--data", "mnist", "--data-dir", "/nonexistent/dir"], "/nonexistent/dir"),
    (["train", "vae", "--data", "cifar"], "cifar"),
    (["train", "wavenet"], "`--data`"),
    (["train", "vae", "--data", "spoken_digit"], "`--data`"),
    (["train", "wavenet", "--data", "wav", "--data-dir", "/nonexistent/wavs"],
     "/nonexistent/wavs"),
    (["sample", "/nonexistent/run"], "`DIR`"),
    (["export", "/nonexistent/run", "--format", "onnx"], "--format"),
    ([], "command"),
])
def test_bad_arguments_exit_2_with_one_line(argv, needle, capsys):
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kerasgen: error:") and needle in lines[0]


WAVENET = ["--set", "layers_per_stack=3", "--set", "residual_channels=8",
           "--set", "skip_channels=8", "--epochs", "1", "--batch-size", "8", "--verbose", "0"]


@pytest.mark.slow
def test_wavenet_on_spoken_digits_trains_samples_wavs_evaluates_and_exports(
        tmp_path, capsys, data_dir):
    from kerasgen.data import audio

    assert main(["train", "wavenet", "--data", "spoken_digit", "--data-dir", str(data_dir),
                 "--max-examples", "20", "--out", str(tmp_path), *WAVENET]) == 0
    printed = json.loads(capsys.readouterr().out)
    run = tmp_path / "wavenet-spoken_digit"
    assert len(printed["wav_files"]) == 10 and printed["tflite_max_abs_error"]["step"] < 1e-5
    assert (run / "model.tflite").is_file() and (run / "1" / "saved_model.pb").is_file()
    waveform, rate = audio.read_wav(printed["wav_files"][3])
    assert rate == 8000 and waveform.shape == (8000,)
    assert main(["sample", str(run), "--num", "2", "--length", "300", "--labels", "4", "9",
                 "--out", str(tmp_path / "wavs")]) == 0
    files = json.loads(capsys.readouterr().out)["wav_files"]
    assert [f.split("/")[-1] for f in files] == ["sample_0_label4.wav", "sample_1_label9.wav"]
    assert audio.read_wav(files[1])[0].shape == (300,)
    assert main(["evaluate", str(run), "--max-examples", "3"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["num_recordings"] == 3 and 0 < report["nats_per_sample"] < np.log(256) + 0.1


@pytest.mark.slow
def test_wavenet_on_a_wav_folder(tmp_path, capsys):
    from kerasgen.data import audio

    folder = tmp_path / "wavs"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(4):
        tone = 0.5 * np.sin(np.arange(900) * (0.05 + 0.02 * i)) + 0.01 * rng.normal(size=900)
        audio.write_wav(folder / f"tone_{i}.wav", tone, 16000)
    assert main(["train", "wavenet", "--data", "wav", "--data-dir", str(folder),
                 "--out", str(tmp_path), "--no-export", *WAVENET]) == 0
    assert len(json.loads(capsys.readouterr().out)["wav_files"]) == 4  # unconditional
    assert main(["evaluate", str(tmp_path / "wavenet-wav"), "--data-dir", str(folder)]) == 0
    assert json.loads(capsys.readouterr().out)["num_recordings"] == 1  # the last tenth


def test_autoencoder_cannot_sample(runs, capsys):
    assert main(["sample", str(runs / "denoising-autoencoder-digits")]) == 2
    assert "no prior" in capsys.readouterr().err


@pytest.mark.slow
def test_console_script_is_installed():
    result = subprocess.run([sys.executable, "-m", "kerasgen.cli", "list"], capture_output=True,
                            text=True, check=True)
    assert "conv-vae" in result.stdout and "mnist" in result.stdout


def test_a_diverging_run_is_rolled_back_saved_and_named(tmp_path, capsys):
    """A learning rate of 1e30 turns the VAE's losses to NaN in its first steps: the run
    exits with status 1 and one line naming the loss, and the saved model is finite."""
    from kerasgen.models import load_model

    assert main(["train", "vae", "--out", str(tmp_path), *TRAIN, "--learning-rate", "1e30"]) == 1
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and error.startswith("kerasgen: error: training diverged: ")
    assert "--learning-rate" in error and "rolled back to step 0" in error
    model = load_model(tmp_path / "vae-digits" / "model.keras")
    assert all(np.isfinite(w).all() for w in model.get_weights())
    assert not (tmp_path / "vae-digits" / "1").exists()  # not exported
