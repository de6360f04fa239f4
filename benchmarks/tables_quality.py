"""TVAE and CTGAN on real tables, each beside the independent-marginals baseline, in one process.

For each table (`--tables`, default wine and Adult) and model, trains the preset's defaults
(SDV's: TVAE 128 latents, 128-128; CTGAN embedding 128, 256-256, pac 10, Adam 2e-4) for
`--epochs` epochs at `--batch-size`, then samples as many rows as the training split holds and
scores them with `kerasgen.evaluation.tables.synthetic_data_report`: quality (SDMetrics'
report), TSTR beside TRTR, distance to the closest record and exact copies; the baseline's
scores come from the same call. Prints one line per run and writes everything as JSON.

    python benchmarks/tables_quality.py --out /tmp/tables_quality.json
    python benchmarks/tables_quality.py --tables adult --epochs 30 --data-dir ../shared/data
"""

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import kerasgen  # noqa: E402
from kerasgen.data import TableTransformer, load_table  # noqa: E402
from kerasgen.models.registry import MODELS  # noqa: E402


def run(table_name, model_name, epochs, batch_size, data_dir, seed):
    train = load_table(table_name, split="train", data_dir=data_dir)
    test = load_table(table_name, split="test", data_dir=data_dir)
    start = time.perf_counter()
    transformer = TableTransformer.fit(train)
    transform_seconds = time.perf_counter() - start
    preset = MODELS[model_name]
    model = preset.cls(transformer=transformer, seed=seed, **preset.kwargs)
    model.compile_with_defaults()
    x, y = model.training_data(train.frame, seed=seed)
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0, shuffle=True)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    report = model.synthetic_report(train.frame, test.frame, target=train.target, seed=seed)
    return {"table": table_name, "synthesizer": model_name, "epochs": epochs,
            "batch_size": batch_size, "train_rows": len(train), "test_rows": len(test),
            "transformer_seconds": round(transform_seconds, 2),
            "fit_seconds": round(fit_seconds, 2),
            "report_seconds": round(time.perf_counter() - start, 2), **report}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tables", default="wine,adult")
    parser.add_argument("--models", default="tvae,ctgan")
    parser.add_argument("--epochs", type=int, default=None,
                        help="default: 300 for wine, 20 for Adult")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="default: 32 for wine (142 rows), 500 for Adult (CTGAN's)")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="tables_quality.json")
    args = parser.parse_args()
    results = []
    for table in args.tables.split(","):
        epochs = args.epochs or (300 if table == "wine" else 20)
        for model in args.models.split(","):
            batch_size = args.batch_size or (32 if table == "wine" else 500)
            result = run(table, model, epochs, batch_size, args.data_dir, args.seed)
            results.append(result)
            m, b = result["model"], result["independent_marginals"]  # scores
            print(f"{table} {model}: fit {result['fit_seconds']} s; quality {m['quality']:.3f} "
                  f"(baseline {b['quality']:.3f}); pair trends "
                  f"{m['column_pair_trends']:.3f} ({b['column_pair_trends']:.3f}); TSTR "
                  f"{m['efficacy']['tstr']:.3f} ({b['efficacy']['tstr']:.3f}; TRTR "
                  f"{m['efficacy']['trtr']:.3f}); DCR median "
                  f"{m['privacy']['dcr_synthetic_median']:.3f} (holdout "
                  f"{m['privacy']['dcr_holdout_median']:.3f}); copies "
                  f"{m['privacy']['exact_copy_share']:.3f}", flush=True)
    with open(args.out, "w") as file:
        json.dump({"kerasgen": kerasgen.__version__ if hasattr(kerasgen, "__version__")
                   else None, "results": results}, file, indent=2)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
