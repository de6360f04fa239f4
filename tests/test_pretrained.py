"""Every committed pretrained model still loads (checked, safe_mode=True; files from before
format versions count as version 1) and gives its stored outputs."""

import importlib.util
import json

import numpy as np
import pytest

import kerasgen
from kerasgen.cli import main
from tests.conftest import REPO_ROOT

SAVED = REPO_ROOT / "saved_models"
RUNS = sorted(p.parent for p in SAVED.glob("*/reference.json"))


def _builder():
    spec = importlib.util.spec_from_file_location("build_pretrained",
                                                  SAVED / "build_pretrained.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_each_family_so_far_has_a_pretrained_model():
    assert {p.name for p in RUNS} >= {"digits-vae", "digits-denoising-autoencoder",
                                      "digits-cgan", "digits-pixelcnn-pp",
                                      "spoken-digit-wavenet", "digits-rbm",
                                      "digits-pixelrnn", "wine-tvae"}


@pytest.mark.parametrize("run", RUNS, ids=[p.name for p in RUNS])
def test_pretrained_outputs_match_reference(run):
    model = kerasgen.load_model(run / "model.keras")  # keras' load_model with safe_mode=True
    reference = json.loads((run / "reference.json").read_text())
    outputs = _builder().reference_outputs(model)
    assert set(outputs) == set(reference)
    for key, value in outputs.items():
        np.testing.assert_allclose(value, np.asarray(reference[key]), atol=1e-4, err_msg=key)


def test_pretrained_vae_samples_from_command_line(tmp_path):
    assert main(["sample", str(SAVED / "digits-vae"), "--num", "4",
                 "--out", str(tmp_path / "s.png")]) == 0
    assert (tmp_path / "s.png").is_file()


def test_pretrained_wavenet_writes_one_wav_per_digit_from_command_line(tmp_path):
    assert main(["sample", str(SAVED / "spoken-digit-wavenet"), "--num", "10", "--length",
                 "400", "--out", str(tmp_path)]) == 0
    written = sorted(p.name for p in tmp_path.glob("*.wav"))
    assert written == [f"sample_{d}_label{d}.wav" for d in range(10)]
