"""WaveNet generation speed: cached (queues) against naive (the receptive field per sample) as
the number of dilated layers grows, and the TFLite streaming signatures against real time.

In one process, on one thread, for L = 4, 6, ..., 12 layers per stack (2 stacks, 32 residual
and 64 skip channels, mu-law head, random weights), milliseconds per generated sample at
batch 1:

- naive: the network rerun on the last R = 2 + 2 (2^L - 1) samples for every new one, timed
  in steady state (t >= R, the window full), so its cost should double per layer;
- cached: `WaveNet.sample`'s generator (one queue per layer, compiled with XLA), and the same
  loop without XLA; both grow linearly with the layers.

Then the TFLite file of the L = 10 network, looped by `kerasgen.export.synthesize` at batch 1
on one thread, one sample per call (`step`) and blocks of samples per call (`block`): samples
per second against real time at 8 kHz and 16 kHz.

    python benchmarks/generate_wavenet.py                    # writes results/generate_wavenet.json
    python benchmarks/generate_wavenet.py --layers 4 6 --samples 100      # a quick look
"""

import argparse
import json
import pathlib
import tempfile
import time

import numpy as np
import tensorflow as tf

import kerasgen
from kerasgen.export import export_tflite, synthesize
from kerasgen.sampling.sequence import NaiveWaveStepper

RESULTS = pathlib.Path(__file__).resolve().parent / "results"


def median_seconds(function, repeats):
    function()  # trace, compile and warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def naive_steady_state(model, samples):
    """A tf.function generating `samples` naively from t = R on (a full window each step)."""
    network, head, window = model.network, model.head, model.receptive_field
    uniforms = model.generation_noise(1, samples, 0)

    @tf.function
    def run():
        stepper = NaiveWaveStepper(network)

        def body(i, state):
            t = window + i
            params, state = stepper.params_at(state, t)
            level = head.sample_from_flat_uniforms(params, uniforms[:, i])
            return i + 1, stepper.write(state, t, model.to_units(level))

        return tf.while_loop(lambda i, _: i < samples, body,
                             (tf.constant(0), stepper.init_state(1, window + samples)))[1]

    return run


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--layers", type=int, nargs="+", default=[4, 6, 8, 10, 12])
    parser.add_argument("--samples", type=int, default=1000, help="cached samples per timing")
    parser.add_argument("--naive-samples", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tflite-layers", type=int, default=10)
    parser.add_argument("--tflite-samples", type=int, default=8000)
    parser.add_argument("--blocks", type=int, nargs="+", default=[1, 64, 256, 1024])
    args = parser.parse_args()
    results = {"config": vars(args), "per_layers": {}, "tflite": {}}

    def make(layers):
        return kerasgen.models.WaveNet(residual_channels=32, skip_channels=64,
                                       layers_per_stack=layers, stacks=2)

    for layers in args.layers:
        model = make(layers)
        uniforms = model.generation_noise(1, args.samples, 0)
        xla = median_seconds(lambda: model._generate_compiled(uniforms, None, None, None, 1.0),
                             args.repeats) / args.samples
        graph = median_seconds(
            lambda: model._generate_graph(uniforms, None, None, None, 1.0, True),
            args.repeats) / args.samples
        naive = median_seconds(naive_steady_state(model, args.naive_samples),
                               args.repeats) / args.naive_samples
        row = {"receptive_field": model.receptive_field, "naive_ms": 1e3 * naive,
               "cached_ms": 1e3 * xla, "cached_without_xla_ms": 1e3 * graph,
               "naive / cached": naive / xla, "naive / cached_without_xla": naive / graph}
        results["per_layers"][layers] = row
        print(f"L={layers:2d} x 2 (R={model.receptive_field:5d}) ms/sample: naive "
              f"{1e3 * naive:8.3f}  cached {1e3 * xla:.4f} (without XLA {1e3 * graph:.3f})  "
              f"naive/cached {naive / xla:7.1f} (without XLA {naive / graph:.1f})")

    model = make(args.tflite_layers)
    with tempfile.TemporaryDirectory() as tmp:
        path, _ = export_tflite(model, pathlib.Path(tmp) / "wavenet.tflite")
        content = path.read_bytes()
    for block in args.blocks:
        seconds = median_seconds(
            lambda: synthesize(content, model.num_levels, args.tflite_samples, seed=0,
                               block_size=block, num_threads=1), 1)
        rate = args.tflite_samples / seconds
        results["tflite"][block] = {"samples_per_second": rate,
                                    "x real time at 8 kHz": rate / 8000,
                                    "x real time at 16 kHz": rate / 16000}
        print(f"TFLite L={args.tflite_layers} x 2, batch 1, one thread, {block:4d} samples per "
              f"call: {rate:7.0f} samples/s = {rate / 8000:.2f}x real time at 8 kHz, "
              f"{rate / 16000:.2f}x at 16 kHz")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "generate_wavenet.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.config.threading.set_intra_op_parallelism_threads(1)
    main()
