"""Sampling and training-step time: kerasgen's PixelCNN++ and PixelCNN against tfd.PixelCNN.

At 28x28x1 with 256 levels, the same filters, residual blocks per resolution, hierarchies and
logistic components, in one process:

- sampling (batches 1 and 16): kerasgen PixelCNN++ cached (per-position down-right stream,
  down stream once per row) and naive (one network pass per pixel), `tfd.PixelCNN.sample`
  (one pass per pixel), and kerasgen's PixelCNN cached vs naive (per-layer caches);
- a training step: kerasgen `fit` against a tf.function loop minimizing
  `-tfd.PixelCNN.log_prob` with Adam.

Each measurement is the median of `--repeats` interleaved runs after one untimed warm-up run.
Prints seconds and ratios and writes benchmarks/results/sample_pixelcnn.json.

    python benchmarks/sample_pixelcnn.py --data-dir ../shared/data
    python benchmarks/sample_pixelcnn.py --filters 16 --repeats 2      # a quicker look
"""

import argparse
import json
import os
import pathlib
import statistics
import time

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

import kerasgen

RESULTS = pathlib.Path(__file__).resolve().parent / "results"


def median_seconds(functions, repeats):
    """Median wall seconds of each callable, after one warm-up call each, interleaved."""
    for function in functions.values():
        function()
    times = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            start = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=os.environ.get("KERASGEN_DATA_DIR"))
    parser.add_argument("--filters", type=int, default=32)
    parser.add_argument("--num-resnet", type=int, default=1)
    parser.add_argument("--num-hierarchies", type=int, default=2)
    parser.add_argument("--num-mixtures", type=int, default=5)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--train-steps", type=int, default=20)
    args = parser.parse_args()
    shape = (28, 28, 1)
    config = {k: getattr(args, k) for k in ("filters", "num_resnet", "num_hierarchies",
                                            "num_mixtures", "repeats", "train_steps")}

    ours = kerasgen.models.PixelCNNPlusPlus(
        image_shape=shape, num_levels=256, filters=args.filters, num_resnet=args.num_resnet,
        num_hierarchies=args.num_hierarchies, num_mixtures=args.num_mixtures, dropout=0.0)
    masked = kerasgen.models.PixelCNN(image_shape=shape, num_levels=256, filters=args.filters,
                                      num_layers=2 * args.num_resnet * args.num_hierarchies)
    reference = tfp.distributions.PixelCNN(
        image_shape=shape, num_resnet=args.num_resnet, num_hierarchies=args.num_hierarchies,
        num_filters=args.filters, num_logistic_mix=args.num_mixtures, dropout_p=0.0,
        use_weight_norm=False)
    reference_sample = tf.function(lambda n: reference.sample(n, seed=0))

    results = {"config": config, "sampling_seconds": {}, "ratios": {}}
    for batch in args.batches:
        uniforms = ours._uniforms(batch, 0)
        masked_uniforms = masked._uniforms(batch, 0)
        seconds = median_seconds({
            "kerasgen_pixelcnn_pp_cached": lambda: ours._draw_graph(uniforms, None, 1.0, True),
            "kerasgen_pixelcnn_pp_naive": lambda: ours._draw_graph(uniforms, None, 1.0, False),
            "tfd_pixelcnn": lambda: reference_sample(batch),
            "kerasgen_pixelcnn_cached": lambda: masked._draw_graph(masked_uniforms, None, 1.0,
                                                                   True),
            "kerasgen_pixelcnn_naive": lambda: masked._draw_graph(masked_uniforms, None, 1.0,
                                                                  False),
        }, args.repeats)
        results["sampling_seconds"][batch] = seconds
        ratios = {
            "tfd / kerasgen_pixelcnn_pp_cached": seconds["tfd_pixelcnn"]
            / seconds["kerasgen_pixelcnn_pp_cached"],
            "kerasgen_pixelcnn_pp naive / cached": seconds["kerasgen_pixelcnn_pp_naive"]
            / seconds["kerasgen_pixelcnn_pp_cached"],
            "tfd / kerasgen_pixelcnn_pp_naive": seconds["tfd_pixelcnn"]
            / seconds["kerasgen_pixelcnn_pp_naive"],
            "kerasgen_pixelcnn naive / cached": seconds["kerasgen_pixelcnn_naive"]
            / seconds["kerasgen_pixelcnn_cached"],
        }
        results["ratios"][batch] = ratios
        print(f"batch {batch}: " + ", ".join(f"{k} {v:.2f}s" for k, v in seconds.items()))
        print("   ratios: " + ", ".join(f"{k} = {v:.2f}" for k, v in ratios.items()))

    images, _ = kerasgen.data.load_arrays("mnist", "train", data_dir=args.data_dir,
                                          max_examples=16 * args.train_steps)
    ours.compile(optimizer="adam")
    optimizer = tf.keras.optimizers.Adam()  # tf_keras: tfd.PixelCNN is a Keras 2 network

    @tf.function
    def reference_step(batch):
        with tf.GradientTape() as tape:
            loss = -tf.reduce_mean(reference.log_prob(batch))
        variables = reference.network.trainable_variables
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    batches = [tf.constant(images[i:i + 16], tf.float32) for i in range(0, len(images), 16)]
    reference_step(batches[0])

    def reference_epoch():
        for batch in batches:
            reference_step(batch)

    seconds = median_seconds({
        "kerasgen_fit": lambda: ours.fit(images, batch_size=16, epochs=1, verbose=0,
                                         shuffle=False),
        "tfd_log_prob_loop": reference_epoch,
    }, args.repeats)
    step_ms = {k: 1000 * v / len(batches) for k, v in seconds.items()}
    results["train_step_ms"] = step_ms
    results["ratios"]["train kerasgen / tfd"] = step_ms["kerasgen_fit"] / step_ms[
        "tfd_log_prob_loop"]
    print("train step (batch 16): " + ", ".join(f"{k} {v:.1f} ms" for k, v in step_ms.items())
          + f", ratio {results['ratios']['train kerasgen / tfd']:.3f}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "sample_pixelcnn.json").write_text(json.dumps(results, indent=2, default=float))


if __name__ == "__main__":
    np.random.seed(0)
    main()
