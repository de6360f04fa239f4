"""`kerasgen train --data folder`: a colour folder of the user's own images, end to end."""

import json
import os
import shutil

import numpy as np
import pytest
from PIL import Image

from kerasgen.cli import main
from tests.conftest import shared_data_dir

TRAIN = ["--epochs", "1", "--batch-size", "8", "--verbose", "0", "--image-size", "8"]


@pytest.fixture(scope="module")
def emoji_copy(tmp_path_factory):
    """Six emoji of each of three categories, as a user keeps them (class = subfolder)."""
    source = shared_data_dir() / "emoji"
    if not source.is_dir():
        pytest.skip(f"the emoji folder is not at {source}")
    target = tmp_path_factory.mktemp("pictures") / "my_emoji"
    for name in ("flags", "food_drink", "symbols"):
        (target / name).mkdir(parents=True)
        for file in sorted(os.listdir(source / name))[:6]:
            shutil.copy(source / name / file, target / name / file)
    return target


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KERASGEN_CACHE_DIR", str(tmp_path / "cache"))


def test_conditional_vae_on_a_colour_folder_trains_samples_and_evaluates(
        emoji_copy, tmp_path, capsys):
    out = tmp_path / "runs"
    assert main(["train", "cvae", "--data", "folder", "--data-dir", str(emoji_copy),
                 "--out", str(out), *TRAIN, "--set", "hidden_units=(16,)"]) == 0
    run = out / "cvae-my_emoji"  # named after the folder
    info = json.loads((run / "run.json").read_text())
    assert info["data"] == "folder" and info["data_options"] == {"image_size": 8}
    assert Image.open(run / "samples.png").mode == "RGB"
    for name in ("model.keras", "model.tflite", "1/saved_model.pb"):
        assert (run / name).is_file(), name
    capsys.readouterr()

    grid = tmp_path / "grid.png"
    assert main(["sample", str(run), "--num", "3", "--labels", "0", "1", "2",
                 "--out", str(grid)]) == 0
    pixels = np.asarray(Image.open(grid))
    assert pixels.ndim == 3 and pixels.shape[-1] == 3
    capsys.readouterr()

    assert main(["evaluate", str(run), "--importance-samples", "5"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["data"] == "folder" and report["num_examples"] == 3  # 10% of 6, per class
    assert np.isfinite(report["nll_nats"])


@pytest.mark.slow
def test_conditional_gan_on_a_colour_folder_is_judged_by_a_classifier_of_its_classes(
        emoji_copy, tmp_path, capsys):
    """`kerasgen evaluate` of a GAN on a folder: the evaluation classifier is trained on the
    folder's own three classes (as it was read: 8x8 colour), so label agreement and mode
    coverage speak of them."""
    out = tmp_path / "runs"
    assert main(["train", "cgan", "--data", "folder", "--data-dir", str(emoji_copy),
                 "--out", str(out), *TRAIN]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(out / "cgan-my_emoji")]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["classifier_task"] == "classes" and report["num_modes"] <= 3
    assert 0 <= report["label_agreement"] <= 1 and np.isfinite(report["frechet_distance"])
    cached = list((tmp_path / "cache").glob("classifier-folder-*.keras"))
    assert len(cached) == 1


def test_grayscale_and_padding_options_reach_the_model(emoji_copy, tmp_path, capsys):
    out = tmp_path / "runs"
    assert main(["train", "vae", "--data", "folder", "--data-dir", str(emoji_copy),
                 "--out", str(out), *TRAIN, "--channels", "1", "--aspect-ratio", "pad",
                 "--image-size", "6x10", "--no-export", "--set", "hidden_units=(8,)"]) == 0
    import kerasgen

    model = kerasgen.load_model(out / "vae-my_emoji" / "model.keras")
    assert model.image_shape == (6, 10, 1) and model.num_levels == 256


@pytest.mark.parametrize("argv, needle", [
    (["--data", "folder"], "`data_dir`"),
    (["--data", "folder", "--data-dir", "/no/such/folder"], "does not exist"),
    (["--data", "folder", "--data-dir", "EMOJI", "--image-size", "0"], "--image-size"),
    (["--data", "folder", "--data-dir", "EMOJI", "--image-size", "8x"], "--image-size"),
    (["--data", "folder", "--data-dir", "EMOJI", "--channels", "4"], "--channels"),
    (["--data", "tfds:surely_not_prepared", "--data-dir", "TMP"], "`data`"),
    (["--data", "cifar"], "`--data`"),
])
def test_bad_folder_arguments_exit_2_with_one_line(argv, needle, emoji_copy, tmp_path, capsys,
                                                   monkeypatch):
    monkeypatch.delenv("KERASGEN_DATA_DIR", raising=False)
    argv = [{"EMOJI": str(emoji_copy), "TMP": str(tmp_path)}.get(a, a) for a in argv]
    code = main(["train", "vae", "--out", str(tmp_path), *argv, "--epochs", "1"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and needle in err, err


def test_a_folder_is_never_guessed_from_the_data_directory(emoji_copy, tmp_path, capsys,
                                                          monkeypatch):
    # $KERASGEN_DATA_DIR names where the named datasets live: even when it holds pictures,
    # --data folder trains on the folder the user names with --data-dir, never on it.
    monkeypatch.setenv("KERASGEN_DATA_DIR", str(emoji_copy))
    code = main(["train", "vae", "--data", "folder", "--out", str(tmp_path), "--epochs", "1"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "`data_dir`" in err, err
    assert not (tmp_path / "vae-folder").exists()


def test_a_conditional_model_refuses_an_unlabeled_folder(tmp_path, capsys):
    for i in range(4):
        Image.fromarray(np.full([8, 8, 3], 40 * i, np.uint8)).save(tmp_path / f"{i}.png")
    code = main(["train", "cgan", "--data", "folder", "--data-dir", str(tmp_path),
                 "--out", str(tmp_path / "runs"), *TRAIN])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "`--data`" in err and "class" in err, err
