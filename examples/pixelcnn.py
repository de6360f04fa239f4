"""PixelCNN and PixelCNN++ on digits (or MNIST): exact likelihoods, sampling, completion,
per-pixel surprise maps, novelty detection, and export for TF Serving and TFLite.

    python examples/pixelcnn.py                                   # digits, a few minutes
    python examples/pixelcnn.py --data mnist --data-dir ../shared/data --minutes 20
    python examples/pixelcnn.py --quick                           # seconds (used by the tests)

Everything here is public kerasgen API; outputs go to saved_models/examples/pixelcnn/.
"""

import argparse
import json
import pathlib
import time

import keras
import numpy as np

import kerasgen
from kerasgen.evaluation import NoveltyDetector
from kerasgen.training import NaNGuard, TimeLimit
from kerasgen.utils.images import save_image_grid


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="digits")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--minutes", type=float, default=None,
                        help="wall-clock training budget per model (epochs then cap it)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default="saved_models/examples/pixelcnn")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    epochs = args.epochs or (1 if args.quick else 1000 if args.minutes else 60)
    limit = 256 if args.quick else None
    budget = [TimeLimit(args.minutes)] if args.minutes else []

    info = kerasgen.data.dataset_info(args.data)
    # A tenth of the training split is held out: early stopping watches its bits/dim (a
    # PixelCNN memorizes 1437 digits within minutes), and the test split stays untouched.
    train_images, _ = kerasgen.data.load_arrays(args.data, "train", data_dir=args.data_dir,
                                                max_examples=limit)
    held_out = len(train_images) // 10
    validation = train_images[-held_out:]
    train_images = train_images[:-held_out]
    test_images, _ = kerasgen.data.load_arrays(args.data, "test", data_dir=args.data_dir,
                                               max_examples=limit or 2000)
    shape = dict(image_shape=info.image_shape, num_levels=info.num_levels)
    small = args.quick
    models = {
        # Masked convolutions and a softmax over the levels; the cached sampler.
        "pixelcnn": kerasgen.models.PixelCNN(filters=16 if small else 64,
                                             num_layers=1 if small else 5, **shape),
        # Shifted-convolution U-net and a discretized logistic mixture.
        "pixelcnn++": kerasgen.models.PixelCNNPlusPlus(
            filters=8 if small else 32, num_resnet=1 if small else 2,
            num_hierarchies=1 if small else 2, num_mixtures=2 if small else 5,
            dropout=0.0 if small else 0.2, **shape),
    }
    figures = {"data": args.data, "num_test_images": int(len(test_images))}
    for name, model in models.items():
        model.compile(optimizer="adam")
        start, cpu = time.perf_counter(), time.process_time()
        stop = keras.callbacks.EarlyStopping("val_bits_per_dim", patience=10, mode="min",
                                             restore_best_weights=True)
        history = model.fit(train_images, batch_size=64, epochs=epochs, verbose=0,
                            validation_data=(validation,),
                            callbacks=[NaNGuard(), stop, *budget])
        report = model.evaluation_report(test_images)
        report.update(epochs=len(history.history["loss"]),
                      best_validation_bits_per_dim=min(history.history["val_bits_per_dim"]),
                      train_minutes=round((time.perf_counter() - start) / 60, 2),
                      cpu_minutes=round((time.process_time() - cpu) / 60, 2))
        figures[name] = report
        print(f"{name:11s} test bits/dim {report['bits_per_dim']:.4f}  "
              f"({report['nll_nats']:.2f} nats/image, {report['epochs']} epochs)")

        # Samples at two temperatures, and completions of the bottom half of test images.
        save_image_grid(model.sample(16, seed=0), out / f"{name}_samples.png",
                        info.num_levels, columns=8)
        save_image_grid(model.sample(16, seed=0, temperature=0.7),
                        out / f"{name}_samples_t0.7.png", info.num_levels, columns=8)
        half = info.image_shape[0] // 2
        completed = model.complete(test_images[:8], known_rows=half, seed=1)
        save_image_grid(np.concatenate([test_images[:8], completed]),
                        out / f"{name}_completions.png", info.num_levels, columns=8)

    # Where is an image surprising? The per-pixel NLL map of the best model.
    best = models["pixelcnn++"]
    nll = best.nll_map(test_images[:8])
    scaled = np.round(nll / max(nll.max(), 1e-9) * (info.num_levels - 1))[..., None]
    save_image_grid(np.concatenate([test_images[:8], scaled]), out / "surprise_maps.png",
                    info.num_levels, columns=8)

    # Novelty: calibrate on normal test images, flag upside-down ones.
    detector = NoveltyDetector(best, false_positive_rate=0.05).fit(test_images)
    flipped = test_images[:200, ::-1]
    figures["novelty_flag_rate_upside_down"] = float(detector.predict(flipped).mean())
    print(f"upside-down images flagged: {figures['novelty_flag_rate_upside_down']:.2f} "
          "(5% of normal ones by construction)")

    # Export: TF Serving (sample, log_prob, bits_per_dim, complete) and TFLite (checked).
    print("SavedModel:", kerasgen.export.export_serving(best, out, name="pixelcnn_pp"))
    _, report = kerasgen.export.export_tflite(best, out / "pixelcnn_pp.tflite")
    print("TFLite max abs error per signature:", report)
    (out / "figures.json").write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
