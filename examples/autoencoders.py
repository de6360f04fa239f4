"""Autoencoders on digits: dense, convolutional and denoising, then novelty detection and export.

    python examples/autoencoders.py            # about a minute on 2 CPU cores
    python examples/autoencoders.py --quick    # a few seconds (used by the tests)

Everything here is public kerasgen API; outputs go to saved_models/examples/autoencoders/.
"""

import argparse
import pathlib

import numpy as np

import kerasgen
from kerasgen.evaluation import NoveltyDetector
from kerasgen.utils.images import save_image_grid


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default="saved_models/examples/autoencoders")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    epochs = 2 if args.quick else 60

    # 1. Data: integer 8x8 images in 0..16 with labels, as tf.data pipelines.
    info = kerasgen.data.dataset_info("digits")
    train = kerasgen.data.load("digits", "train", batch_size=64)
    test_images, test_labels = kerasgen.data.load_arrays("digits", "test")
    shape = dict(image_shape=info.image_shape, num_levels=info.num_levels)

    # 2. Three autoencoders, one fit() each. The bottleneck of the denoising one is as wide as
    #    the input (64): only the corruption stops it from learning the identity.
    models = {
        "dense": kerasgen.models.Autoencoder(latent_dim=16, **shape),
        "conv": kerasgen.models.ConvAutoencoder(latent_dim=16, **shape),
        "denoising": kerasgen.models.DenoisingAutoencoder(
            latent_dim=64, corruption="salt_and_pepper", noise_level=0.2, **shape),
    }
    for name, model in models.items():
        model.compile(optimizer="adam")
        model.fit(train, epochs=epochs, verbose=0)
        print(f"{name:10s} test reconstruction MSE: {model.reconstruction_error(test_images):.4f}")

    # 3. Denoising: corrupt test digits, then clean them up.
    dae = models["denoising"]
    noisy = dae.corrupt(test_images[:16], seed=0).numpy()
    cleaned = dae.reconstruct(noisy.round()).numpy()
    rows = np.concatenate([test_images[:16], noisy, cleaned])
    save_image_grid(rows, out / "denoising.png", info.num_levels, columns=16)
    print("noisy MSE:", float(np.mean(((noisy - test_images[:16]) / 16) ** 2)),
          "cleaned MSE:", float(np.mean(((cleaned - test_images[:16]) / 16) ** 2)))

    # 4. Novelty detection: a threshold at a 5% false-positive rate on held-out normal digits
    #    flags inverted digits (16 - x), which the model never saw.
    detector = NoveltyDetector(models["conv"], false_positive_rate=0.05).fit(test_images[:180])
    normal_flagged = detector.predict(test_images[180:]).mean()
    novel_flagged = detector.predict(16 - test_images[180:]).mean()
    print(f"flagged: normal {normal_flagged:.1%}, inverted {novel_flagged:.1%}")

    # 5. Export: a TF Serving repository (reconstruct, encode, decode, score) and TFLite.
    path = kerasgen.export.export_serving(models["conv"], out, name="conv-autoencoder")
    _, report = kerasgen.export.export_tflite(models["conv"], out / "conv-autoencoder.tflite")
    print("SavedModel:", path, "TFLite max abs error:", report)


if __name__ == "__main__":
    main()
