"""WaveNet generation speed: cached (queues) against naive (the receptive field per sample) as
the number of dilated layers grows, and the TFLite streaming step against real time.

In one process, for L = 4, 6, ..., 12 layers per stack (2 stacks, 32 residual and 64 skip
channels, mu-law head, random weights): seconds per generated sample at batch 1 for both
generators (the naive one reruns the network on R = 2 + 2 (2^L - 1) samples per step, so its
cost should double per layer; the cached one grows linearly). Then the TFLite `step` model of
the L = 10 network, looped by `kerasgen.export.synthesize` at batch 1 on one thread:
samples per second against real time at 8 kHz and 16 kHz.

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

RESULTS = pathlib.Path(__file__).resolve().parent / "results"


def seconds_per_sample(model, samples, cached, repeats):
    uniforms = model._uniforms_for(1, samples, 0)
    model._generate_graph(uniforms, None, None, None, 1.0, cached)  # trace and warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        model._generate_graph(uniforms, None, None, None, 1.0, cached)
        times.append(time.perf_counter() - start)
    return float(np.median(times)) / samples


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--layers", type=int, nargs="+", default=[4, 6, 8, 10, 12])
    parser.add_argument("--samples", type=int, default=400, help="generated per timing")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tflite-layers", type=int, default=10)
    parser.add_argument("--tflite-samples", type=int, default=4000)
    args = parser.parse_args()
    results = {"config": vars(args), "per_layers": {}}

    def make(layers):
        return kerasgen.models.WaveNet(residual_channels=32, skip_channels=64,
                                       layers_per_stack=layers, stacks=2)

    for layers in args.layers:
        model = make(layers)
        cached = seconds_per_sample(model, args.samples, True, args.repeats)
        naive = seconds_per_sample(model, args.samples, False, args.repeats)
        row = {"receptive_field": model.receptive_field, "cached_ms_per_sample": 1e3 * cached,
               "naive_ms_per_sample": 1e3 * naive, "naive / cached": naive / cached}
        results["per_layers"][layers] = row
        print(f"L={layers:2d} x 2 stacks (R={model.receptive_field:5d}): cached "
              f"{1e3 * cached:.3f} ms/sample, naive {1e3 * naive:.3f} ms/sample, "
              f"ratio {naive / cached:.1f}")

    model = make(args.tflite_layers)
    with tempfile.TemporaryDirectory() as tmp:
        path, _ = export_tflite(model, pathlib.Path(tmp) / "wavenet.tflite")
        content = path.read_bytes()
    synthesize(content, model.num_levels, 50)  # warm up
    start = time.perf_counter()
    synthesize(content, model.num_levels, args.tflite_samples)
    rate = args.tflite_samples / (time.perf_counter() - start)
    results["tflite_step"] = {"layers_per_stack": args.tflite_layers, "samples_per_second": rate,
                              "x real time at 8 kHz": rate / 8000,
                              "x real time at 16 kHz": rate / 16000}
    print(f"TFLite step (L={args.tflite_layers} x 2, batch 1): {rate:.0f} samples/s = "
          f"{rate / 8000:.2f}x real time at 8 kHz, {rate / 16000:.2f}x at 16 kHz")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "generate_wavenet.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.config.threading.set_intra_op_parallelism_threads(1)
    main()
