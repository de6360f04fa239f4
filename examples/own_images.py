"""Your own pictures: a GAN, a conditional GAN, a VAE and PixelCNN++ on any folder of images.

    python examples/own_images.py --data-dir ~/Pictures/icons              # flat or class folders
    python examples/own_images.py --data-dir ../shared/data/emoji --image-size 32 --minutes 4
    python examples/own_images.py --quick                                  # seconds (the tests)

The folder is read by `kerasgen.data.load("folder", ...)`: one subfolder per class gives labels
(then a conditional GAN is trained too, and asked for each class), a flat folder is unlabeled;
images are centre-cropped to squares, resized to ``--image-size``, composited on white, in
colour. Each model trains for ``--minutes`` of wall time (or ``--epochs``), then:

- the GANs are judged offline by a classifier trained on the folder itself (its classes, or
  for a flat folder which rotation an image was turned by): Frechet classifier distance,
  classifier score and modes covered, next to the same figures for other real images (what
  a perfect generator would get), and label agreement for the conditional GAN;
- the VAE and PixelCNN++ report bits per dimension of the held-out images (lower is better;
  8 bits/dim is a uniform guess over 256 levels);
- every model writes a sample grid, the GAN and VAE are exported to TF Serving and TFLite
  (both checked against Keras), and figures.json holds every number.

Outputs go to saved_models/examples/own_images/ (``--out``). With ``--quick`` and no
``--data-dir`` it reads the emoji of ``$KERASGEN_DATA_DIR/emoji``.
"""

import argparse
import json
import os
import pathlib
import time

import numpy as np

import kerasgen
from kerasgen.evaluation import get_classifier, sample_quality
from kerasgen.training import NaNGuard, TimeLimit
from kerasgen.utils.images import save_image_grid


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help="the folder of images")
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--channels", type=int, default=3, choices=(1, 3))
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--minutes", type=float, default=None,
                        help="wall-clock training budget per model")
    parser.add_argument("--models", default="dcgan,cgan,vae,pixelcnn++")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default="saved_models/examples/own_images")
    args = parser.parse_args()
    data_dir = args.data_dir or os.path.join(os.environ.get("KERASGEN_DATA_DIR", "."), "emoji")
    out = pathlib.Path(args.out)
    size = 8 if args.quick else args.image_size
    options = dict(data_dir=data_dir, image_size=size, channels=args.channels)
    epochs = args.epochs or (1 if args.quick else 10_000 if args.minutes else 50)
    budget = [TimeLimit(args.minutes)] if args.minutes else []
    limit = 64 if args.quick else None

    info = kerasgen.data.dataset_info("folder", **options)
    print(info.description)
    train = kerasgen.data.load("folder", "train", batch_size=64, shuffle=True,
                               max_examples=limit, **options)
    test, test_labels = kerasgen.data.load_arrays("folder", "test", max_examples=limit and 32,
                                                  **options)
    real, _ = kerasgen.data.load_arrays("folder", "train", max_examples=len(test), **options)
    shape = dict(image_shape=info.image_shape, num_levels=info.num_levels)
    labelled = info.num_classes is not None
    figures = {"data": info.description, "image_size": size,
               "minutes_per_model": args.minutes, "num_test": int(len(test)),
               "num_classes": info.num_classes}

    # 1. The judge: a classifier trained once on this folder (cached under its fingerprint).
    classifier = get_classifier("folder", epochs=1 if args.quick else None, **options)
    figures["classifier"] = {"task": classifier.task, "test_accuracy": classifier.test_accuracy}
    figures["real_vs_real"] = _short(sample_quality(classifier, real, test))
    print("classifier", figures["classifier"], "\nreal vs real", figures["real_vs_real"])

    wanted = [name.strip() for name in args.models.split(",")]
    small = dict(filters=(16, 32), hidden_units=()) if args.quick else \
        dict(filters=(64, 128, 256), hidden_units=())
    if "dcgan" in wanted:
        dcgan = kerasgen.models.GAN(network="conv", normalization="batch", latent_dim=64,
                                    **small, **shape)
        figures["dcgan"] = _train(dcgan, train, epochs, budget)
        generated = dcgan.sample(len(test), seed=0).numpy()
        figures["dcgan"].update(_short(sample_quality(classifier, generated, test)))
        _finish(dcgan, "dcgan", out, info)
        print("dcgan", figures["dcgan"])
    if "cgan" in wanted and labelled:
        cgan = kerasgen.models.ConditionalGAN(num_classes=info.num_classes, network="conv",
                                              normalization="batch", latent_dim=64,
                                              label_conditioning="projection", **small,
                                              **shape)
        figures["cgan"] = _train(cgan, train, epochs, budget)
        generated = cgan.sample(len(test), seed=0, labels=test_labels).numpy()
        figures["cgan"].update(_short(sample_quality(classifier, generated, test,
                                                     generated_labels=test_labels)))
        grid_labels = np.repeat(np.arange(info.num_classes), 8)
        save_image_grid(cgan.sample(len(grid_labels), seed=1, labels=grid_labels),
                        out / "cgan_by_class.png", info.num_levels, columns=8)
        print("cgan", figures["cgan"])
    if "vae" in wanted:
        vae = kerasgen.models.VAE(network="conv", likelihood="discretized_logistic",
                                  latent_dim=8 if args.quick else 64, **small, **shape)
        figures["vae"] = _train(vae, train, epochs, budget)
        figures["vae"].update(_rounded(vae.evaluation_report(
            test, importance_samples=2 if args.quick else 100)))
        _finish(vae, "vae", out, info)
        print("vae", figures["vae"])
    if "pixelcnn++" in wanted:
        pixelcnn = kerasgen.models.PixelCNNPlusPlus(
            filters=8 if args.quick else 64, num_resnet=1 if args.quick else 2,
            num_hierarchies=1 if args.quick else 3, num_mixtures=2 if args.quick else 5,
            dropout=0.5, **shape)
        figures["pixelcnn++"] = _train(pixelcnn, train, epochs, budget)
        figures["pixelcnn++"].update(_rounded(pixelcnn.evaluation_report(test)))
        save_image_grid(pixelcnn.sample(16, seed=0), out / "pixelcnn++.png", info.num_levels,
                        columns=4)
        print("pixelcnn++", figures["pixelcnn++"])
    out.mkdir(parents=True, exist_ok=True)
    (out / "figures.json").write_text(json.dumps(figures, indent=2))
    print("figures:", out / "figures.json")


def _train(model, train, epochs, budget):
    model.compile_with_defaults()
    start, cpu_start = time.perf_counter(), time.process_time()
    history = model.fit(train, epochs=epochs, verbose=0, callbacks=[NaNGuard(), *budget])
    return {"epochs": len(history.epoch), "steps": int(model.optimizer.iterations),
            "train_minutes": round((time.perf_counter() - start) / 60, 2),
            "cpu_minutes": round((time.process_time() - cpu_start) / 60, 2)}


def _finish(model, name, out, info):
    """A sample grid, and exports to TF Serving and TFLite (checked against Keras)."""
    save_image_grid(model.sample(64, seed=0), out / f"{name}.png", info.num_levels, columns=8)
    kerasgen.export.export_serving(model, out, name=name)
    kerasgen.export.export_tflite(model, out / f"{name}.tflite")


def _short(report):
    keys = ("frechet_distance", "kernel_distance", "classifier_score", "modes_covered",
            "num_modes", "label_agreement")
    return {k: round(float(report[k]), 3) for k in keys if k in report}


def _rounded(report):
    return {k: round(float(v), 3) for k, v in report.items() if k in ("bits_per_dim",
                                                                     "nll_nats")}


if __name__ == "__main__":
    main()
