"""A denoising diffusion model (DDPM) on digits (or MNIST): its bound in bits/dim beside the
sample metrics of the GANs, DDPM's ancestral sampler against DDIM in few steps, completion,
classifier-free guidance, and export for TF Serving and TFLite.

    python examples/diffusion.py                                   # digits, a few minutes
    python examples/diffusion.py --data mnist --data-dir ../shared/data --minutes 20
    python examples/diffusion.py --quick                           # seconds (used by the tests)

Everything here is public kerasgen API; outputs go to saved_models/examples/diffusion/.
"""

import argparse
import json
import pathlib
import time

import numpy as np

import kerasgen
from kerasgen.training import NaNGuard, TimeLimit
from kerasgen.utils.images import save_image_grid


def timed(function):
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="digits")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--minutes", type=float, default=None,
                        help="wall-clock training budget per model (epochs then cap it)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default="saved_models/examples/diffusion")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    epochs = args.epochs or (1 if args.quick else 1000 if args.minutes else 100)
    budget = [TimeLimit(args.minutes)] if args.minutes else []
    limit = 128 if args.quick else None

    info = kerasgen.data.dataset_info(args.data)
    train, train_labels = kerasgen.data.load_arrays(args.data, "train", data_dir=args.data_dir,
                                                    max_examples=limit)
    test, test_labels = kerasgen.data.load_arrays(args.data, "test", data_dir=args.data_dir,
                                                  max_examples=limit or 2000)
    size = dict(num_steps=10, schedule="cosine", filters=8, channel_multipliers=(1,),
                num_res_blocks=1, attention_levels=0, groups=4) if args.quick \
        else dict(num_steps=1000)
    shape = dict(image_shape=info.image_shape, num_levels=info.num_levels)
    models = {"ddpm": kerasgen.models.DiffusionModel(**size, **shape)}
    if not args.quick:  # (the tests' quick run: one model)
        # The same model with labels dropped a tenth of the time: guidance when sampling.
        models["guided"] = kerasgen.models.ConditionalDiffusionModel(
            num_classes=info.num_classes, guidance=2.0, **size, **shape)
    classifier = kerasgen.evaluation.get_classifier(args.data, data_dir=args.data_dir)
    few = 4 if args.quick else 50
    figures = {"data": args.data, "num_test_images": int(len(test))}
    for name, model in models.items():
        model.compile_with_defaults()
        labels = train_labels if model.num_classes else None
        start, cpu = time.perf_counter(), time.process_time()
        history = model.fit(train, labels, batch_size=64, epochs=epochs, verbose=0,
                            callbacks=[NaNGuard(), *budget])
        report = model.evaluation_report(test, test_labels if model.num_classes else None,
                                         classifier=classifier,
                                         bound_examples=16 if args.quick else 200)
        report.update(epochs=len(history.history["loss"]),
                      train_minutes=round((time.perf_counter() - start) / 60, 2),
                      cpu_minutes=round((time.process_time() - cpu) / 60, 2))
        grid_labels = np.arange(16) % info.num_classes if model.num_classes else None
        # DDPM's ancestral sampler over all T steps against deterministic DDIM in `few`.
        ancestral, seconds = timed(lambda m=model: m.sample(16, seed=0, labels=grid_labels,
                                                            steps=m.schedule.num_steps,
                                                            eta=1.0))
        ddim, ddim_seconds = timed(lambda m=model: m.sample(16, seed=0, labels=grid_labels,
                                                            steps=few, eta=0.0))
        report.update(ddpm_sample_seconds_16=round(seconds, 2),
                      ddim_sample_seconds_16=round(ddim_seconds, 2), ddim_steps=few)
        save_image_grid(ancestral, out / f"{name}_ddpm_samples.png", info.num_levels, columns=8)
        save_image_grid(ddim, out / f"{name}_ddim_samples.png", info.num_levels, columns=8)
        figures[name] = report
        print(f"{name:7s} bound {report['bits_per_dim']:.3f} bits/dim; FCD "
              f"{report.get('frechet_classifier_distance', float('nan')):.2f}; sampling 16: "
              f"DDPM {seconds:.1f} s, DDIM-{few} {ddim_seconds:.1f} s", flush=True)

    # Completion: the bottom half of test digits filled in, the top half never changed.
    model = models["ddpm"]
    mask = np.arange(info.image_shape[0])[:, None] < info.image_shape[0] // 2
    mask = np.broadcast_to(mask, info.image_shape[:2])
    completed = model.complete(test[:8], mask, seed=1, steps=few, eta=0.0)
    save_image_grid(np.concatenate([test[:8], completed]), out / "completions.png",
                    info.num_levels, columns=8)

    # Export: TF Serving (sample, bits_per_dim, denoise) and TFLite (denoise, sample; checked).
    print("SavedModel:", kerasgen.export.export_serving(model, out, name="ddpm"))
    _, report = kerasgen.export.export_tflite(model, out / "ddpm.tflite")
    print("TFLite max abs error per signature:", report)
    (out / "figures.json").write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
