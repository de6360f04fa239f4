"""GANs on digits (or MNIST): DCGAN, WGAN-GP and a conditional GAN, measured offline.

    python examples/gan.py                                      # digits, a few minutes
    python examples/gan.py --data mnist --data-dir ../shared/data --epochs 5
    python examples/gan.py --data mnist --data-dir ../shared/data --minutes 10   # CPU budget
    python examples/gan.py --quick                              # seconds (used by the tests)

"There is no way of telling how well a GAN is doing except by looking" - so we measure: a small
classifier trained on the real data gives a Frechet distance, a classifier score, mode coverage
and, for the conditional GAN, how often samples are the digit that was asked for. Everything here
is public kerasgen API; outputs go to saved_models/examples/gan/.
"""

import argparse
import json
import pathlib
import time

import numpy as np

import kerasgen
from kerasgen.evaluation import get_classifier, sample_quality
from kerasgen.sampling import interpolate
from kerasgen.training import NaNGuard, SampleGrid, TimeLimit
from kerasgen.utils.images import save_image_grid


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="digits")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--minutes", type=float, default=None,
                        help="wall-clock training budget per model (epochs then cap it)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default="saved_models/examples/gan")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    epochs = args.epochs or (2 if args.quick else 1000 if args.minutes else 150)
    budget = [TimeLimit(args.minutes)] if args.minutes else []
    figures = {"data": args.data, "minutes_per_model": args.minutes}
    limit = 256 if args.quick else None

    info = kerasgen.data.dataset_info(args.data)
    train = kerasgen.data.load(args.data, "train", data_dir=args.data_dir, batch_size=64,
                               max_examples=limit)
    # Generated images are compared with `test_images`; the reference "real" figures compare
    # other real images with them: the rest of the test split where it is large enough (MNIST),
    # else training images (digits' test split has 360 images).
    all_test, all_test_labels = kerasgen.data.load_arrays(args.data, "test",
                                                          data_dir=args.data_dir)
    count = min(limit or 2000, len(all_test) // 2) if len(all_test) >= 4000 else \
        min(limit or 2000, len(all_test))
    test_images, test_labels = all_test[:count], all_test_labels[:count]
    if len(all_test) >= 2 * count:
        reference, reference_name = all_test[count:2 * count], "real_test_images"
    else:
        reference = kerasgen.data.load_arrays(args.data, "train", data_dir=args.data_dir,
                                              max_examples=count)[0]
        reference_name = "real_train_images"
    shape = dict(image_shape=info.image_shape, num_levels=info.num_levels)

    # 1. The judge: a classifier trained once on the real training split, cached on disk.
    classifier = get_classifier(args.data, data_dir=args.data_dir,
                                epochs=1 if args.quick else None)
    print(f"classifier test accuracy: {classifier.test_accuracy:.3f}")
    figures["classifier_test_accuracy"] = classifier.test_accuracy
    figures[reference_name] = _short(sample_quality(classifier, reference, test_images))
    print(reference_name, figures[reference_name])

    # 2. DCGAN and WGAN-GP: the same networks, two losses. The NaN guard watches d_loss and
    #    g_loss; SampleGrid writes a grid per epoch from fixed noise and progress.png.
    models = {
        "dcgan": kerasgen.models.GAN(network="conv", normalization="batch", latent_dim=32,
                                     filters=(32, 64), hidden_units=(128,), **shape),
        "wgan-gp": kerasgen.models.GAN(network="conv", normalization="layer", latent_dim=32,
                                       filters=(32, 64), hidden_units=(128,),
                                       loss="wasserstein", gradient_penalty=10.0, d_steps=5,
                                       **shape),
    }
    for name, gan in models.items():
        gan.compile_with_defaults()
        figures[name] = _fit(gan, train, epochs, [NaNGuard(), *budget,
                                                  SampleGrid(out / name, num_samples=64,
                                                             every=10)])
        generated = gan.sample(len(test_images), seed=0).numpy()
        figures[name].update(_short(sample_quality(classifier, generated, test_images)))
        print(f"{name:8s}", figures[name])

    # 3. A conditional GAN: ask for each digit, and check it is what we asked for.
    cgan = kerasgen.models.ConditionalGAN(num_classes=info.num_classes, network="conv",
                                          normalization="batch", latent_dim=16,
                                          label_conditioning="projection",
                                          filters=(32, 64), hidden_units=(128,), **shape)
    cgan.compile_with_defaults()
    figures["cgan"] = _fit(cgan, train, epochs, [NaNGuard(), *budget])
    wanted = test_labels
    generated = cgan.sample(len(wanted), seed=0, labels=wanted).numpy()
    figures["cgan"].update(_short(sample_quality(classifier, generated, test_images, wanted)))
    print("cgan    ", figures["cgan"])
    grid_labels = np.repeat(np.arange(info.num_classes), 8)
    save_image_grid(cgan.sample(len(grid_labels), seed=1, labels=grid_labels),
                    out / "cgan_by_class.png", info.num_levels, columns=8)

    # 4. Truncation trades variety for fidelity; interpolation walks between two noises.
    dcgan = models["dcgan"]
    save_image_grid(dcgan.sample(64, seed=2, truncation=0.5), out / "truncated.png",
                    info.num_levels, columns=8)
    rng = np.random.default_rng(0)
    path = interpolate(rng.standard_normal(32), rng.standard_normal(32), steps=10,
                       method="spherical")
    save_image_grid(dcgan.generate(path), out / "interpolation.png", info.num_levels,
                    columns=10)

    # 5. The discriminator as a product: how well does it tell real digits from generated?
    real_scores = dcgan.discriminate(test_images)
    fake_scores = dcgan.discriminate(dcgan.sample(len(test_images), seed=3).numpy())
    auc = np.mean(real_scores[:, None] > fake_scores[None, :])
    figures["dcgan_discriminator_auc"] = float(auc)
    print(f"discriminator real-vs-generated AUC: {auc:.3f}")
    out.mkdir(parents=True, exist_ok=True)
    (out / "figures.json").write_text(json.dumps(figures, indent=2))

    # 6. Export: TF Serving (sample, generate, discriminate) and TFLite, checked against Keras.
    print("SavedModel:", kerasgen.export.export_serving(cgan, out, name="cgan"))
    _, report = kerasgen.export.export_tflite(cgan, out / "cgan.tflite")
    print("TFLite max abs error per signature:", report)


def _fit(model, train, epochs, callbacks):
    start, cpu_start = time.perf_counter(), time.process_time()
    history = model.fit(train, epochs=epochs, verbose=0, callbacks=callbacks)
    return {"epochs": len(history.history["g_loss"]),
            "generator_steps": int(model.optimizer.iterations),
            "train_minutes": round((time.perf_counter() - start) / 60, 2),
            "cpu_minutes": round((time.process_time() - cpu_start) / 60, 2)}


def _short(report):
    keys = ("frechet_distance", "classifier_score", "modes_covered", "class_kl",
            "label_agreement")
    return {k: round(report[k], 3) for k in keys if k in report}


if __name__ == "__main__":
    main()
