"""Diffusion, in one process: kerasgen's training step against a keras-io-style DDPM loop over
the same U-Net, then sampling seconds and Frechet classifier distance of DDIM in 10, 25, 50
and 100 steps against DDPM's ancestral sampler over all T steps, and against PixelCNN++'s
cached sampler at the same image size. Prints ratios and writes JSON.

    python benchmarks/diffusion.py --minutes 3                   # digits
    python benchmarks/diffusion.py --data mnist --data-dir ../shared/data --minutes 10

The keras-io-style loop (its DDIM example's train step, written out): t uniform, x_t =
sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps, mean squared error of the U-Net's eps, Adam, the
weight average updated after each step; the same U-Net (`kerasgen.networks.unet.build_unet`),
batch and optimizer. Both are timed through ``fit``: the median time between batch ends within
an epoch of 20 steps (``fit``'s own set-up left out), after a warm-up epoch, interleaved
`--repeats` times.
"""

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import kerasgen  # noqa: E402
from kerasgen.evaluation.classifier import sample_quality  # noqa: E402
from kerasgen.networks.unet import build_unet  # noqa: E402
from kerasgen.training import TimeLimit  # noqa: E402


class KerasIoDDPM(keras.Model):
    """The tutorial's loop over a given U-Net (no checks, no trackers beyond the loss)."""

    def __init__(self, network, ema_network, alphas_cumprod, num_levels, ema=0.999):
        super().__init__()
        self.network, self.ema_network, self.ema = network, ema_network, ema
        self.abar = tf.constant(alphas_cumprod, tf.float32)
        self.num_levels = num_levels
        self.loss_tracker = keras.metrics.Mean(name="loss")

    @property
    def metrics(self):
        return [self.loss_tracker]

    def train_step(self, images):
        x0 = tf.cast(images, tf.float32) * (2.0 / (self.num_levels - 1)) - 1.0
        batch = tf.shape(x0)[0]
        t = tf.random.uniform([batch], 0, tf.shape(self.abar)[0], dtype=tf.int32)
        abar = tf.reshape(tf.gather(self.abar, t), [-1, 1, 1, 1])
        eps = tf.random.normal(tf.shape(x0))
        xt = tf.sqrt(abar) * x0 + tf.sqrt(1.0 - abar) * eps
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(eps - self.network([xt, tf.cast(t, tf.float32)],
                                                               training=True)))
        gradients = tape.gradient(loss, self.network.trainable_weights)
        self.optimizer.apply_gradients(zip(gradients, self.network.trainable_weights))
        for average, weight in zip(self.ema_network.weights, self.network.weights):
            average.assign(self.ema * average + (1 - self.ema) * weight)
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}


class StepTimes(keras.callbacks.Callback):
    """Seconds between consecutive batch ends of one ``fit`` (its set-up excluded)."""

    def on_train_begin(self, logs=None):
        self.ends = []

    def on_train_batch_end(self, batch, logs=None):
        self.ends.append(time.perf_counter())


def step_seconds(model, images, batch_size, skip=3):
    """Median seconds per training step of one epoch of ``fit``, the first `skip` steps
    (tracing, warm-up) left out."""
    times = StepTimes()
    model.fit(images, batch_size=batch_size, epochs=1, verbose=0, shuffle=True,
              callbacks=[times])
    return float(np.median(np.diff(times.ends[skip:])))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="digits")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--minutes", type=float, default=3.0,
                        help="training budget of each model judged by its samples")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--steps", default="10,25,50,100")
    parser.add_argument("--out", default="benchmarks/results/diffusion.json")
    parser.add_argument("--train-step-only", action="store_true")
    args = parser.parse_args()
    info = kerasgen.data.dataset_info(args.data)
    train, _ = kerasgen.data.load_arrays(args.data, "train", data_dir=args.data_dir)
    test, _ = kerasgen.data.load_arrays(args.data, "test", data_dir=args.data_dir,
                                        max_examples=args.samples)
    shape = dict(image_shape=info.image_shape, num_levels=info.num_levels)
    results = {"data": args.data, "batch_size": args.batch_size}

    # ---------------------------------------------------------------- training step
    ours = kerasgen.models.DiffusionModel(dropout=0.0, **shape)
    ours.compile_with_defaults()
    theirs = KerasIoDDPM(
        build_unet(info.image_shape, info.image_shape[-1], dropout=0.0),
        build_unet(info.image_shape, info.image_shape[-1], dropout=0.0),
        ours.schedule.alphas_cumprod, info.num_levels)
    theirs.compile(optimizer=keras.optimizers.Adam(2e-4))
    subset = train[:args.batch_size * 20]
    for model in (ours, theirs):  # warm-up: tracing
        model.fit(subset[:args.batch_size], batch_size=args.batch_size, epochs=1, verbose=0)
    timings = {"kerasgen": [], "keras_io_style": []}
    for _ in range(args.repeats):
        timings["kerasgen"].append(step_seconds(ours, subset, args.batch_size))
        timings["keras_io_style"].append(step_seconds(theirs, subset, args.batch_size))
    ms = {k: 1000 * float(np.median(v)) for k, v in timings.items()}
    results["train_step_ms"] = ms
    results["train_step_ratio"] = ms["kerasgen"] / ms["keras_io_style"]
    print(f"train step: kerasgen {ms['kerasgen']:.1f} ms, keras-io style "
          f"{ms['keras_io_style']:.1f} ms, ratio {results['train_step_ratio']:.3f}", flush=True)
    if args.train_step_only:
        print(json.dumps(results))
        return

    # ---------------------------------------------------------------- sampling
    classifier = kerasgen.evaluation.get_classifier(args.data, data_dir=args.data_dir)

    def judge(name, draw):
        start = time.perf_counter()
        samples = np.asarray(draw())
        seconds = time.perf_counter() - start
        quality = sample_quality(classifier, samples, test)
        row = {"seconds": round(seconds, 2),
               "frechet_classifier_distance": round(quality["frechet_distance"], 3),
               "classifier_score": round(quality["classifier_score"], 3),
               "modes": quality["modes_covered"]}
        print(f"{name}: {seconds:.1f} s for {len(samples)}; FCD "
              f"{row['frechet_classifier_distance']}; score {row['classifier_score']}; modes "
              f"{row['modes']}", flush=True)
        return row

    start = time.perf_counter()
    ours.fit(train, batch_size=args.batch_size, epochs=10_000, verbose=0,
             callbacks=[TimeLimit(args.minutes)])
    results["diffusion_train_minutes"] = round((time.perf_counter() - start) / 60, 2)
    results["diffusion_epochs"] = int(ours.optimizer.iterations.numpy()) * args.batch_size \
        // len(train)
    sampling = {}
    ours.sample(2, seed=0, steps=2)  # trace once
    for steps in [int(s) for s in args.steps.split(",")]:
        sampling[f"ddim_{steps}"] = judge(f"DDIM {steps} steps", lambda s=steps: ours.sample(
            args.samples, seed=0, steps=s, eta=0.0))
    sampling["ddpm_ancestral"] = judge(
        f"DDPM {ours.schedule.num_steps} steps",
        lambda: ours.sample(args.samples, seed=0, steps=ours.schedule.num_steps, eta=1.0))
    pixelcnn = kerasgen.models.PixelCNNPlusPlus(dropout=0.2, **shape)
    pixelcnn.compile(optimizer="adam")
    pixelcnn.fit(train, batch_size=args.batch_size, epochs=10_000, verbose=0,
                 callbacks=[TimeLimit(args.minutes)])
    pixelcnn.sample(2, seed=0)
    sampling["pixelcnn_pp_cached"] = judge("PixelCNN++ cached", lambda: pixelcnn.sample(
        args.samples, seed=0))
    results["sampling"] = sampling
    results["bits_per_dim"] = {
        "diffusion_bound": float(np.mean(ours.bits_per_dim(test[:64]))),
        "pixelcnn_pp_exact": float(np.mean(pixelcnn.bits_per_dim(test[:64])))}
    print("bits/dim on 64 test images: diffusion bound "
          f"{results['bits_per_dim']['diffusion_bound']:.3f}, PixelCNN++ "
          f"{results['bits_per_dim']['pixelcnn_pp_exact']:.3f}", flush=True)
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w") as file:
        json.dump(results, file, indent=2)
    print("wrote", args.out)


if __name__ == "__main__":
    main()
