"""PixelRNN, Row LSTM and Diagonal BiLSTM, on binarized MNIST (or digits): exact test NLL in
nats within a CPU budget, samples, completions, and Serving/TFLite export.

    python examples/pixelrnn.py --data mnist --data-dir ../shared/data --minutes 15   # figures
    python examples/pixelrnn.py                                  # digits, a few minutes
    python examples/pixelrnn.py --quick                          # seconds (used by the tests)

Training binarizes every batch afresh (pixel p -> Bernoulli(p)); the test set is scored once
binarized with seed 0. The paper's Diagonal BiLSTM (7 layers, h = 16) reaches 79.20 nats on
binarized MNIST after far longer training than a CPU budget allows. Everything here is public
kerasgen API; outputs go to saved_models/examples/pixelrnn/.
"""

import argparse
import json
import pathlib
import time

import keras
import numpy as np

import kerasgen
from kerasgen.training import NaNGuard, TimeLimit
from kerasgen.utils.images import save_image_grid


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="digits")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--layers", nargs="+", default=["row", "diagonal"])
    parser.add_argument("--hidden-units", type=int, default=16)
    parser.add_argument("--num-layers", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--minutes", type=float, default=None,
                        help="wall-clock training budget per layer kind")
    parser.add_argument("--test-examples", type=int, default=None)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default="saved_models/examples/pixelrnn")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    limit = 128 if args.quick else None
    info = kerasgen.data.dataset_info(args.data)
    train, _ = kerasgen.data.load_arrays(args.data, "train", data_dir=args.data_dir,
                                         max_examples=limit)
    test, _ = kerasgen.data.load_arrays(args.data, "test", data_dir=args.data_dir,
                                        max_examples=args.test_examples or limit)
    held_out = len(train) // 20
    validation, train = train[-held_out:], train[:-held_out]
    epochs = args.epochs or (1 if args.quick else 1000 if args.minutes else 30)
    num_layers = args.num_layers or (1 if args.quick else 4)
    figures = {"data": f"binarized {args.data} (test binarized with seed 0)",
               "num_test_images": int(len(test))}
    for layer in args.layers:
        model = kerasgen.models.PixelRNN(
            image_shape=info.image_shape, num_levels=info.num_levels, likelihood="bernoulli",
            layer=layer, hidden_units=4 if args.quick else args.hidden_units,
            num_layers=num_layers, first_kernel_size=3 if args.quick else 7, seed=0)
        model.compile(optimizer=keras.optimizers.Adam(1e-3))
        budget = [TimeLimit(args.minutes, cosine_decay=True)] if args.minutes else []
        stop = keras.callbacks.EarlyStopping("val_loss", patience=5,
                                             restore_best_weights=True)
        start, cpu = time.perf_counter(), time.process_time()
        history = model.fit(train, batch_size=32, epochs=epochs, verbose=0,
                            validation_data=(validation,),
                            callbacks=[NaNGuard(), stop, *budget])
        nats = -model.log_prob(test, binarization_seed=0)
        report = {"test_nll_nats": float(np.mean(nats)),
                  "test_nll_standard_error": float(np.std(nats) / np.sqrt(len(nats))),
                  "epochs": len(history.history["loss"]), "num_layers": num_layers,
                  "hidden_units": model.get_config()["hidden_units"],
                  "train_minutes": round((time.perf_counter() - start) / 60, 2),
                  "cpu_minutes": round((time.process_time() - cpu) / 60, 2)}
        figures[layer] = report
        print(f"{layer:8s} test NLL {report['test_nll_nats']:.2f} nats "
              f"(+- {report['test_nll_standard_error']:.2f}; {report['epochs']} epochs, "
              f"{report['cpu_minutes']} CPU-minutes)")
        save_image_grid(model.sample(16, seed=0), out / f"{layer}_samples.png",
                        info.num_levels, columns=8)
        half = info.image_shape[0] // 2
        completed = model.complete(test[:8], known_rows=half, seed=1)
        save_image_grid(np.concatenate([test[:8], completed]), out / f"{layer}_completions.png",
                        info.num_levels, columns=8)
        kerasgen.export.export_serving(model, out, name=f"pixelrnn_{layer}")
        _, lite = kerasgen.export.export_tflite(model, out / f"pixelrnn_{layer}.tflite")
        print("TFLite max abs error per signature:", lite)
        model.save(out / f"pixelrnn_{layer}.keras")
    (out / "figures.json").write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
