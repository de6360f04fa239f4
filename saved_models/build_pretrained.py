"""Rebuild the small pretrained digits models kept in this folder, and their reference outputs.

    python saved_models/build_pretrained.py

Each model is trained with the `kerasgen train` command (the line is stored in its run.json),
then `reference.json` records outputs of fixed inputs; `tests/test_pretrained.py` loads every
model here and checks them, so a change that breaks old saved models is caught.
"""

import json
import pathlib
import sys

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
PRETRAINED = {
    "digits-vae": ["vae", "--epochs", "150", "--set", "latent_dim=8"],
    "digits-denoising-autoencoder": ["denoising-autoencoder", "--epochs", "100",
                                     "--set", "corruption='salt_and_pepper'",
                                     "--set", "noise_level=0.2"],
    "digits-cgan": ["cgan", "--epochs", "200", "--set", "latent_dim=16",
                    "--set", "filters=(32,64)", "--set", "hidden_units=(128,)"],
    "digits-pixelcnn-pp": ["pixelcnn++", "--epochs", "40", "--set", "filters=16",
                           "--set", "num_hierarchies=2", "--set", "dropout=0.2"],
    "digits-pixelrnn": ["pixelrnn", "--epochs", "20", "--set", "hidden_units=8",
                        "--set", "num_layers=2"],
    "digits-rbm": ["rbm", "--epochs", "100", "--set", "hidden_units=64",
                   "--set", "persistent=True"],
    # scikit-learn's wine table (no file needed): synthetic rows by TVAE.
    "wine-tvae": ["tvae", "--data", "wine", "--epochs", "300", "--batch-size", "32"],
    # Free Spoken Digit Dataset recordings from --data-dir (default $KERASGEN_DATA_DIR).
    "spoken-digit-wavenet": ["wavenet", "--data", "spoken_digit", "--epochs", "3",
                             "--set", "residual_channels=16", "--set", "skip_channels=32",
                             "--set", "layers_per_stack=7", "--set", "stacks=2"],
}


def reference_inputs(model):
    from kerasgen import data

    images, labels = data.load_arrays("digits", "test", max_examples=4)
    latents = np.random.default_rng(0).standard_normal(
        [4, getattr(model, "latent_dim", 1)]).astype(np.float32)
    return images, latents, (labels if model.is_conditional else None)


def reference_audio(model):
    """Four 1000-sample tones (110-880 Hz at the model's rate), mu-law levels, and labels."""
    from kerasgen.data import audio

    t = np.arange(1000) / model.sample_rate
    tones = [0.5 * np.sin(2 * np.pi * f * t) for f in (110.0, 220.0, 440.0, 880.0)]
    levels = np.stack([audio.encode_audio(x.astype(np.float32), model.encoding,
                                          model.quantization_channels) for x in tones])
    labels = np.arange(4) % model.num_classes if model.is_conditional else None
    return levels[..., None], labels


def reference_outputs(model):
    """Deterministic outputs of fixed inputs: codes and decoded images (autoencoders, VAEs),
    generated images and discriminator scores (GANs), log-likelihoods (autoregressive models
    and WaveNets), and samples for a fixed seed."""
    if model.data_kind.name == "tables":  # log-likelihoods of four test rows, sampled codes
        from kerasgen.data import load_table

        rows = load_table("wine", split="test").frame[:4]
        return {"log_prob": np.asarray(model.log_prob(rows, num_samples=20, seed=0)),
                "sample_seed0": np.asarray(model.sample_codes(4, seed=0))}
    if model.data_kind.name == "audio":
        levels, labels = reference_audio(model)
        return {"log_prob": np.asarray(model.log_prob(levels, labels)),
                "sample_seed0": np.asarray(model.sample(4, 400, seed=0, labels=labels))}
    images, latents, labels = reference_inputs(model)
    if hasattr(model, "free_energy"):  # RBMs: free energies and hidden features
        outputs = {"free_energy": np.asarray(model.free_energy(images)),
                   "transform": np.asarray(model.transform(images))}
    elif hasattr(model, "complete"):  # autoregressive: exact log-likelihoods
        outputs = {"log_prob": np.asarray(model.log_prob(images, labels))}
    elif hasattr(model, "generate"):
        outputs = {"generate": np.asarray(model.generate(latents, labels)),
                   "discriminate": np.asarray(model.discriminate(images, labels))}
    else:
        outputs = {"encode": np.asarray(model.encode(images, labels)),
                   "decode": np.asarray(model.decode(latents, labels))}
    if model.can_sample:
        outputs["sample_seed0"] = np.asarray(model.sample(4, seed=0, labels=labels))
    return outputs


def build(name, argv):
    import kerasgen
    from kerasgen.cli import main

    command = ["train", *argv, "--out", str(HERE), "--name", name, "--no-export", "--verbose", "0"]
    if main(command) != 0:
        sys.exit(f"training {name} failed")
    model = kerasgen.load_model(HERE / name / "model.keras")
    reference = {k: v.round(6).tolist() for k, v in reference_outputs(model).items()}
    (HERE / name / "reference.json").write_text(json.dumps(reference))
    run = json.loads((HERE / name / "run.json").read_text())
    run["command"] = "kerasgen " + " ".join(command)
    if hasattr(model, "free_energy"):  # an RBM: its AIS test log-likelihood
        from kerasgen import data

        test_images, _ = data.load_arrays("digits", "test")
        run["evaluation"] = model.evaluation_report(test_images, importance_samples=100,
                                                    seed=0, dataset="digits")
    (HERE / name / "run.json").write_text(json.dumps(run, indent=2))


if __name__ == "__main__":
    names = sys.argv[1:] or list(PRETRAINED)  # rebuild some: build_pretrained.py digits-cgan
    for model_name in names:
        build(model_name, PRETRAINED[model_name])
        print("built", model_name)
