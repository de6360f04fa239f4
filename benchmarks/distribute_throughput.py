"""Throughput of `fit` under tf.distribute: one device against two logical devices and two workers.

A dense VAE and a DCGAN are trained on the same global batches (split across replicas) with
TensorFlow's own strategies, and the examples per second of each set-up are compared:

- one_device:  `OneDeviceStrategy("/cpu:0")`;
- two_devices: `MirroredStrategy(["/cpu:0", "/cpu:1"])` over two logical CPU devices;
- two_workers: `MultiWorkerMirroredStrategy` (`make_strategy("multi-worker")`), two local worker
  processes on 127.0.0.1, one replica each, described by TF_CONFIG.

One device and two logical devices run in one child process (logical devices must be configured
before TensorFlow starts), taking turns epoch by epoch (A/B, then B/A) so drift of the machine
hits both alike. The two workers are two further processes started afterwards (a strategy that
talks to other workers must be built before any other TensorFlow work), so their figure is not
interleaved with the others. Each timed epoch is `--steps` steps of `--batch-size` examples
(the global batch), after one untimed warm-up epoch (tracing); a callback times its steps after
the first (`fit`'s set-up and the start of the input iterator are left out), and the median of
`--repeats` epochs is kept.

    export TF_CPP_MIN_LOG_LEVEL=3               # the children default to it anyway
    python benchmarks/distribute_throughput.py --out /tmp/distribute_throughput.json
    python benchmarks/distribute_throughput.py --data mnist --data-dir ../shared/data --steps 20

Prints examples per second and the ratios two_devices / one_device and two_workers / one_device,
and writes them as JSON to --out. On a machine with a single CPU every replica shares the same
cores, so more replicas only add synchronization: expect ratios at or below 1 there.
"""

import argparse
import json
import os
import pathlib
import socket
import statistics
import subprocess
import sys
import time

# TensorFlow, Keras and kerasgen are imported inside the measuring functions: this process only
# starts the others, and each child must configure its devices or strategy before TF starts.

RESULTS = pathlib.Path(__file__).resolve().parent / "results"
MODELS = {
    "vae": dict(latent_dim=16, hidden_units=(256, 256)),
    "dcgan": dict(latent_dim=32, network="conv", normalization="batch", filters=(32, 64)),
}
SINGLE = ("one_device", "two_devices")


# ---------------------------------------------------------------------------- in the children
def build(name, strategy, info):
    import kerasgen

    with strategy.scope():
        cls = kerasgen.models.VAE if name == "vae" else kerasgen.models.GAN
        model = cls(image_shape=info.image_shape, num_levels=info.num_levels, **MODELS[name])
        model.compile_with_defaults()
    return model


def dataset(args):
    """The training images, repeated and batched by the global batch (no labels: both models
    are unconditional); each worker keeps its share of every global batch."""
    import kerasgen
    import tensorflow as tf

    images, _ = kerasgen.data.load_arrays(args.data, data_dir=args.data_dir)
    data = tf.data.Dataset.from_tensor_slices(images).repeat()
    data = data.batch(args.batch_size, drop_remainder=True).prefetch(2)
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return data.with_options(options)


def epoch_seconds(model, data, steps):
    """Seconds of the last ``steps - 1`` steps of one `fit` epoch of `steps` steps: from the
    start of the second step to the end of the epoch, so `fit`'s set-up, the creation of the
    (distributed) input iterator and the first batch are left out. A batch-begin hook keeps
    Keras' asynchronous batch-end callbacks (a batch-end hook would make them synchronous)."""
    import keras

    class Timer(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if batch == 1:
                self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds = time.perf_counter() - self.start

    timer = Timer()
    model.fit(data, epochs=1, steps_per_epoch=steps, verbose=0, callbacks=[timer])
    return timer.seconds


def time_interleaved(models, data, steps, repeats):
    """Epoch seconds of each model (name -> compiled model): one untimed warm-up epoch each,
    then `repeats` rounds in which they take turns, the order reversed every other round."""
    for model in models.values():
        model.fit(data, epochs=1, steps_per_epoch=steps, verbose=0)
    seconds = {name: [] for name in models}
    names = list(models)
    for round_ in range(repeats):
        for name in names if round_ % 2 == 0 else names[::-1]:
            seconds[name].append(epoch_seconds(models[name], data, steps))
    return seconds


def measure_single(args):
    """One device against two logical CPU devices, in this one process."""
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import kerasgen

    # One object of each strategy for every model (several MirroredStrategy objects in one
    # process do not work reliably).
    strategies = {"one_device": tf.distribute.OneDeviceStrategy("/cpu:0"),
                  "two_devices": tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])}
    info = kerasgen.data.dataset_info(args.data)
    data = dataset(args)
    out = {"replicas": {k: s.num_replicas_in_sync for k, s in strategies.items()}}
    for name in args.models:
        models = {key: build(name, strategy, info) for key, strategy in strategies.items()}
        out[name] = time_interleaved(models, data, args.steps, args.repeats)
    return out


def measure_worker(args):
    """This process's share of the two-worker run (TF_CONFIG set by the parent)."""
    from kerasgen.training.distribute import make_strategy

    strategy = make_strategy("multi-worker")  # before any other TensorFlow work
    import kerasgen

    info = kerasgen.data.dataset_info(args.data)
    data = dataset(args)
    out = {"worker": args.worker, "replicas": strategy.num_replicas_in_sync}
    for name in args.models:
        out[name] = time_interleaved({"two_workers": build(name, strategy, info)}, data,
                                     args.steps, args.repeats)["two_workers"]
    return out


# ---------------------------------------------------------------------------- in the parent
def child_command(args, *extra):
    command = [sys.executable, str(pathlib.Path(__file__).resolve()), "--data", args.data,
               "--batch-size", str(args.batch_size), "--steps", str(args.steps),
               "--repeats", str(args.repeats), "--models", *args.models, *extra]
    if args.data_dir:
        command += ["--data-dir", str(args.data_dir)]
    return command


def child_env(tf_config=None):
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.pop("TF_CONFIG", None)
    if tf_config is not None:
        env["TF_CONFIG"] = json.dumps(tf_config)
    return env


def last_json_line(stdout):
    for line in reversed(stdout.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise ValueError("no JSON line in the child's output")


def run_children(commands_and_envs, timeout):
    """Start the commands together; their JSON results, or SystemExit with the stderr tail."""
    children = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
                for command, env in commands_and_envs]
    outputs = []
    try:
        for child in children:
            outputs.append(child.communicate(timeout=timeout))
    except subprocess.TimeoutExpired:
        for child in children:
            child.kill()
            child.communicate()
        raise SystemExit(f"a benchmark child process ran past {timeout} s and was stopped")
    for child, (stdout, stderr) in zip(children, outputs):
        if child.returncode != 0:
            raise SystemExit(f"benchmark child {child.args[2:]} failed "
                             f"(exit {child.returncode}):\n{stderr[-3000:]}")
    return [last_json_line(stdout) for stdout, _ in outputs]


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def summarize(args, single, workers, elapsed, load):
    examples = args.batch_size * (args.steps - 1)  # the timed steps
    speed = lambda seconds: examples / statistics.median(seconds)  # noqa: E731
    result = {
        "data": args.data, "global_batch": args.batch_size, "steps": args.steps,
        "repeats": args.repeats, "warmup_epochs": 1, "cpu_count": os.cpu_count(),
        "replicas": {**single["replicas"], "two_workers": workers[0]["replicas"]},
        "wall_seconds": round(elapsed, 1),
        # 1-minute load average before, between (after the one-process run) and after: other
        # work on the machine slows whatever set-up it overlaps.
        "load_average_1min": load,
        "notes": [
            "examples_per_second = global_batch * (steps - 1) / median seconds of those steps: "
            "each timed fit epoch of `steps` steps is timed from the start of its second step "
            "to its end, after one untimed warm-up epoch per model; epoch_seconds lists these "
            "times for every repeat.",
            "one_device and two_devices were measured in the same process, taking turns epoch "
            "by epoch (order reversed every other round): their ratio is a fair comparison.",
            "two_workers was measured afterwards in two other processes (MultiWorkerMirrored"
            "Strategy over 127.0.0.1, gRPC collectives), not interleaved with the others; its "
            "figure is worker 0's, and the ratio to one_device also carries any drift of the "
            "machine between the runs and the cost of a second TensorFlow process.",
            f"All set-ups share this machine's {os.cpu_count()} CPU cores: the two logical "
            "devices and the two workers run on the same cores as one device, so these ratios "
            "measure distribution overhead, not the speed-up of real extra devices.",
        ],
    }
    for name in args.models:
        seconds = {**single[name], "two_workers": workers[0][name],
                   "two_workers_by_worker": [w[name] for w in workers]}
        entry = {"config": {k: list(v) if isinstance(v, tuple) else v
                            for k, v in MODELS[name].items()},
                 "one_device": speed(seconds["one_device"]),
                 "two_devices": speed(seconds["two_devices"]),
                 "two_workers": speed(seconds["two_workers"])}
        entry["two_devices_over_one_device"] = entry["two_devices"] / entry["one_device"]
        entry["two_workers_over_one_device"] = entry["two_workers"] / entry["one_device"]
        entry.update(global_batch=args.batch_size, steps=args.steps, repeats=args.repeats,
                     epoch_seconds=seconds)
        result[name] = entry
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="digits")
    parser.add_argument("--data-dir", default=os.environ.get("KERASGEN_DATA_DIR"))
    parser.add_argument("--batch-size", type=int, default=128,
                        help="global batch (split across the replicas)")
    parser.add_argument("--steps", type=int, default=40, help="steps per timed epoch")
    parser.add_argument("--repeats", type=int, default=5, help="timed epochs per set-up")
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--timeout", type=int, default=900,
                        help="seconds allowed to each group of child processes")
    parser.add_argument("--out", type=pathlib.Path,
                        default=RESULTS / "distribute_throughput.json")
    parser.add_argument("--single", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.batch_size % 2:
        parser.error("--batch-size must be even (it is split across two replicas)")
    if args.steps < 2 or args.repeats < 1:
        parser.error("--steps must be at least 2 (the first is not timed), --repeats at least 1")

    if args.single or args.worker is not None:  # a child: one JSON line on stdout
        print(json.dumps(measure_single(args) if args.single else measure_worker(args)),
              flush=True)
        return

    start, load = time.perf_counter(), {"start": os.getloadavg()[0]}
    (single,) = run_children([(child_command(args, "--single"), child_env())], args.timeout)
    load["between"] = os.getloadavg()[0]
    cluster = {"worker": [f"127.0.0.1:{port}" for port in free_ports(2)]}
    workers = run_children(
        [(child_command(args, "--worker", str(i)),
          child_env({"cluster": cluster, "task": {"type": "worker", "index": i}}))
         for i in range(2)], args.timeout)
    workers.sort(key=lambda w: w["worker"])
    load["end"] = os.getloadavg()[0]
    result = summarize(args, single, workers, time.perf_counter() - start, load)

    print(f"{'model':6s} {'one device':>12s} {'two devices':>12s} {'two workers':>12s}"
          f"   (examples/s; global batch {args.batch_size}, {args.steps} steps x "
          f"{args.repeats}, {os.cpu_count()} CPUs)")
    for name in args.models:
        r = result[name]
        print(f"{name:6s} {r['one_device']:12.0f} {r['two_devices']:12.0f} "
              f"{r['two_workers']:12.0f}   two devices / one: "
              f"{r['two_devices_over_one_device']:.2f}, two workers / one: "
              f"{r['two_workers_over_one_device']:.2f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
