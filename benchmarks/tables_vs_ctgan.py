"""kerasgen's TVAE and CTGAN against SDV's `ctgan` package (PyTorch) on Adult, from one script.

Both sides get the same training rows, epochs and batch size (500; CTGAN pac 10, SDV's
defaults on both sides), both use the CPU threads of this machine (`--threads`: PyTorch's;
TensorFlow takes them all), and every
synthetic table (as many rows as the training split) is judged by the same calls of
`kerasgen.evaluation.tables`: quality (SDMetrics' report), TSTR accuracy (TRTR beside) and the
share of exact copies. Prints the fit seconds and their ratio (ctgan / kerasgen), writes JSON.

    pip install ctgan            # benchmark only: it brings PyTorch (a CPU wheel will do)
    python benchmarks/tables_vs_ctgan.py --data-dir ../shared/data --epochs 10

The package side runs in a child process (with TensorFlow and PyTorch in one process, ctgan's
fit died of a segmentation fault, whichever was imported first); each side's fit time is
measured in its own process around ``fit`` (the package's includes its transformer, ours
includes `TableTransformer.fit`); each side's transformer is also timed alone, so the JSON
splits the fit into that fixed cost and seconds per epoch (the package fits its transformer
once alone before its timed fit, for that). The `ctgan` package cannot read missing categories: they are
given to it as the category "<missing>" and read back as missing.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from kerasgen.data import TableTransformer, load_table  # noqa: E402
from kerasgen.evaluation.tables import efficacy, privacy, quality_report  # noqa: E402
from kerasgen.models.registry import MODELS  # noqa: E402

MISSING = "<missing>"


def scores(train, test, synthetic, target):
    quality = quality_report(train.frame, synthetic, train.columns)
    ml = efficacy(train.frame, test.frame, synthetic, target, train.columns)
    copies = privacy(train.frame, test.frame, synthetic, train.columns)
    return {"quality": quality["quality"], "column_pair_trends": quality["column_pair_trends"],
            "tstr": ml["tstr"], "trtr": ml["trtr"],
            "exact_copy_share": copies["exact_copy_share"]}


def fit_kerasgen(name, train, epochs, batch_size):
    """``(fit seconds, transformer seconds, synthetic rows)``."""
    start = time.perf_counter()
    transformer = TableTransformer.fit(train)
    transformer_seconds = time.perf_counter() - start
    preset = MODELS[name]
    model = preset.cls(transformer=transformer, **preset.kwargs)
    model.compile_with_defaults()
    x, y = model.training_data(train.frame, seed=0)
    model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0, shuffle=True)
    seconds = time.perf_counter() - start
    return seconds, transformer_seconds, model.sample(len(train), seed=0)


PACKAGE_SIDE = r"""
import json, sys, time
import pandas as pd, torch
import ctgan
name, rows_csv, out_csv, epochs, batch_size, threads = sys.argv[1:]
torch.set_num_threads(int(threads))
frame = pd.read_csv(rows_csv, keep_default_na=False, na_values=[])
categorical = json.loads(sys.stdin.read())
from ctgan.data_transformer import DataTransformer  # what fit starts with, timed alone
start = time.perf_counter()
DataTransformer().fit(frame, categorical)
transformer_seconds = time.perf_counter() - start
start = time.perf_counter()
model = ctgan.TVAE(epochs=int(epochs), batch_size=int(batch_size)) if name == "tvae" else \
    ctgan.CTGAN(epochs=int(epochs), batch_size=int(batch_size), pac=10)
model.fit(frame, discrete_columns=categorical)
seconds = time.perf_counter() - start
model.sample(len(frame)).to_csv(out_csv, index=False)
print(json.dumps({"seconds": seconds, "transformer_seconds": transformer_seconds}))
"""


def fit_package(name, train, epochs, batch_size, threads, folder):
    """The ctgan package's model, fitted in a child process: PyTorch and TensorFlow in one
    process crashed (a segmentation fault in ctgan's fit, whichever was imported first)."""
    import pandas as pd

    categorical = [c.name for c in train.columns if not c.is_number]
    frame = train.frame.copy()
    frame[categorical] = frame[categorical].fillna(MISSING)
    rows_csv, out_csv = os.path.join(folder, "train.csv"), os.path.join(folder, f"{name}.csv")
    frame.to_csv(rows_csv, index=False)
    result = subprocess.run([sys.executable, "-c", PACKAGE_SIDE, name, rows_csv, out_csv,
                             str(epochs), str(batch_size), str(threads)],
                            input=json.dumps(categorical), capture_output=True, text=True,
                            check=True)
    timings = json.loads(result.stdout.strip().splitlines()[-1])
    synthetic = pd.read_csv(out_csv, keep_default_na=False, na_values=[])
    for name_ in categorical:
        synthetic[name_] = synthetic[name_].astype(str).replace(MISSING, None)
    return timings["seconds"], timings["transformer_seconds"], synthetic


def per_epoch(seconds, transformer_seconds, epochs):
    """Seconds per epoch once the fixed costs (the transformer) are paid."""
    return round((seconds - transformer_seconds) / epochs, 3)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--models", default="tvae,ctgan")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--out", default="tables_vs_ctgan.json")
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    train = load_table("adult", split="train", data_dir=args.data_dir)
    test = load_table("adult", split="test", data_dir=args.data_dir)
    results = []
    for name in args.models.split(","):
        ours_s, ours_t, ours_rows = fit_kerasgen(name, train, args.epochs, args.batch_size)
        theirs_s, theirs_t, theirs_rows = fit_package(name, train, args.epochs,
                                                      args.batch_size, args.threads, folder)
        result = {"model": name, "epochs": args.epochs, "batch_size": args.batch_size,
                  "kerasgen_fit_seconds": round(ours_s, 1),
                  "ctgan_package_fit_seconds": round(theirs_s, 1),
                  "time_ratio_package_over_kerasgen": round(theirs_s / ours_s, 2),
                  "kerasgen_transformer_seconds": round(ours_t, 1),
                  "ctgan_package_transformer_seconds": round(theirs_t, 1),
                  "kerasgen_seconds_per_epoch": per_epoch(ours_s, ours_t, args.epochs),
                  "ctgan_package_seconds_per_epoch": per_epoch(theirs_s, theirs_t, args.epochs),
                  "kerasgen": scores(train, test, ours_rows, train.target),
                  "ctgan_package": scores(train, test, theirs_rows, train.target)}
        results.append(result)
        k, p = result["kerasgen"], result["ctgan_package"]
        print(f"{name}: fit kerasgen {ours_s:.1f} s, ctgan package {theirs_s:.1f} s (ratio "
              f"{theirs_s / ours_s:.2f}; transformer {ours_t:.1f} vs {theirs_t:.1f} s, per epoch "
              f"{result['kerasgen_seconds_per_epoch']:.3f} vs "
              f"{result['ctgan_package_seconds_per_epoch']:.3f} s); quality {k['quality']:.3f} vs {p['quality']:.3f}; "
              f"TSTR {k['tstr']:.3f} vs {p['tstr']:.3f} (TRTR {k['trtr']:.3f}); copies "
              f"{k['exact_copy_share']:.3f} vs {p['exact_copy_share']:.3f}", flush=True)
    with open(args.out, "w") as file:
        json.dump(results, file, indent=2)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
