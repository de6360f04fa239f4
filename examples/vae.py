"""Variational autoencoders on digits (or MNIST): train, score, sample, walk the latent space,
condition on labels, detect novelty, and export for TF Serving and TFLite.

    python examples/vae.py                                       # digits, a minute or two
    python examples/vae.py --data mnist --data-dir ../shared/data
    python examples/vae.py --quick                               # seconds (used by the tests)

Everything here is public kerasgen API; outputs go to saved_models/examples/vae/.
"""

import argparse
import pathlib

import numpy as np

import kerasgen
from kerasgen.evaluation import NoveltyDetector, likelihood_metrics
from kerasgen.sampling import attribute_vector, interpolate, manifold_image
from kerasgen.utils.images import save_image_grid, save_png


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="digits")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default="saved_models/examples/vae")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    epochs = 2 if args.quick else (100 if args.data == "digits" else 10)
    limit = 512 if args.quick else None
    k = 10 if args.quick else 1000

    info = kerasgen.data.dataset_info(args.data)
    train = kerasgen.data.load(args.data, "train", data_dir=args.data_dir, batch_size=64,
                               max_examples=limit)
    test_images, test_labels = kerasgen.data.load_arrays(args.data, "test",
                                                         data_dir=args.data_dir,
                                                         max_examples=limit or 1000)
    shape = dict(image_shape=info.image_shape, num_levels=info.num_levels)

    # 1. A VAE with a Bernoulli decoder: pixels are binarized afresh at every step.
    vae = kerasgen.models.VAE(latent_dim=16, hidden_units=(256, 128), **shape)
    vae.compile(optimizer="adam")
    vae.fit(train, validation_data=kerasgen.data.load(args.data, "test", data_dir=args.data_dir,
                                                      batch_size=256, max_examples=limit),
            epochs=epochs, verbose=2)

    # 2. Likelihood: the ELBO is a bound; K importance samples tighten it (Burda et al. 2016).
    metrics = likelihood_metrics(vae, test_images, num_samples=k, binarization_seed=0)
    print(f"test -ELBO {metrics['elbo_nats']:.2f} nats, NLL (K={k}) {metrics['nll_nats']:.2f} "
          f"nats, {metrics['bits_per_dim']:.3f} bits/dim")

    # 3. Samples at two temperatures, and a spherical interpolation between two test digits.
    save_image_grid(vae.sample(64, seed=0), out / "samples.png", info.num_levels, columns=8)
    save_image_grid(vae.sample(64, seed=0, temperature=0.7), out / "samples_t0.7.png",
                    info.num_levels, columns=8)
    codes = vae.encode(test_images).numpy()
    path = interpolate(codes[0], codes[1], steps=10, method="spherical")
    save_image_grid(vae.decode(path), out / "interpolation.png", info.num_levels, columns=10)

    # 4. Latent arithmetic: the vector from the mean "1" to the mean "7", added to some 1s.
    ones, sevens = test_labels == 1, test_labels == 7
    if ones.any() and sevens.any():
        keep = ones | sevens
        toward_seven = attribute_vector(codes[keep], sevens[keep])
        moved = vae.decode(codes[ones][:8] + toward_seven)
        save_image_grid(np.concatenate([vae.decode(codes[ones][:8]), moved]),
                        out / "one_to_seven.png", info.num_levels, columns=8)

    # 5. A 2-D latent space drawn as a manifold (Kingma & Welling, fig. 4).
    flat = kerasgen.models.VAE(latent_dim=2, hidden_units=(128,), **shape)
    flat.compile(optimizer="adam")
    flat.fit(train, epochs=epochs, verbose=0)
    save_png(manifold_image(flat, size=12), out / "manifold.png", upscale=4)

    # 6. A conditional VAE: ask for each digit class.
    cvae = kerasgen.models.ConditionalVAE(num_classes=info.num_classes, latent_dim=8,
                                          network="conv", **shape)
    cvae.compile(optimizer="adam")
    cvae.fit(train, epochs=epochs, verbose=0)
    labels = np.repeat(np.arange(info.num_classes), 8)
    save_image_grid(cvae.sample(len(labels), seed=0, labels=labels), out / "conditional.png",
                    info.num_levels, columns=8)

    # 7. Novelty: score = negative ELBO; threshold at 5% false positives on held-out data.
    half = len(test_images) // 2
    detector = NoveltyDetector(vae, false_positive_rate=0.05).fit(test_images[:half])
    print(f"flagged: normal {detector.predict(test_images[half:]).mean():.1%}, inverted "
          f"{detector.predict(info.num_levels - 1 - test_images[half:]).mean():.1%}")

    # 8. Export: TF Serving (sample, encode, decode, reconstruct, log_prob) and TFLite.
    print("SavedModel:", kerasgen.export.export_serving(vae, out, name="vae"))
    _, report = kerasgen.export.export_tflite(vae, out / "vae.tflite")
    print("TFLite max abs error per signature:", report)


if __name__ == "__main__":
    main()
