"""An RBM on binarized MNIST (or digits) with a real likelihood: persistent CD within a CPU
budget, log Z by annealed importance sampling, the test log-likelihood in nats with its
interval, pseudo-likelihood, samples from long Gibbs chains, and Serving/TFLite export.

    python examples/rbm.py --data mnist --data-dir ../shared/data --minutes 20   # the figure
    python examples/rbm.py                                  # digits (binarized), a few minutes
    python examples/rbm.py --quick                          # seconds (used by the tests)

MNIST is binarized once, stochastically, with a fixed seed (pixel p -> Bernoulli(p)), train and
test alike, as in Salakhutdinov & Murray (2008), whose CD-25 RBM with 500 hidden units scores
about -86 nats. Everything here is public kerasgen API; outputs go to
saved_models/examples/rbm/.
"""

import argparse
import json
import pathlib
import time

import keras
import numpy as np

import kerasgen
from kerasgen.data import transforms
from kerasgen.evaluation import ais_log_partition, base_rate_visible_bias
from kerasgen.training import NaNGuard, TimeLimit
from kerasgen.utils.images import save_image_grid


def binarized(name, split, data_dir, limit, seed):
    images, _ = kerasgen.data.load_arrays(name, split, data_dir=data_dir, max_examples=limit)
    info = kerasgen.data.dataset_info(name)
    salt = {"train": 0, "test": 1}[split]
    binary = transforms.binarize(images, info.num_levels, seed=np.array([seed, salt]))
    return np.asarray(binary, np.uint8)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="digits")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--hidden", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--minutes", type=float, default=None, help="wall-clock budget")
    parser.add_argument("--ais-chains", type=int, default=None)
    parser.add_argument("--ais-betas", type=int, default=None)
    parser.add_argument("--dbn-minutes", type=float, default=None,
                        help="wall-clock budget of the DBN (split over its layers)")
    parser.add_argument("--skip-rbm", action="store_true", help="only the DBN part")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default="saved_models/examples/rbm")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    limit = 300 if args.quick else None
    train = binarized(args.data, "train", args.data_dir, limit, seed=0)
    test = binarized(args.data, "test", args.data_dir, limit, seed=0)
    shape = train.shape[1:]
    hidden = args.hidden or (16 if args.quick else 500 if args.data != "digits" else 100)
    epochs = args.epochs or (1 if args.quick else 1000 if args.minutes else 100)

    figures = {}
    if not args.skip_rbm:
        figures["rbm"] = train_rbm(args, train, test, shape, hidden, epochs, out)
    figures["dbn"] = train_dbn(args, train, test, shape, out)
    (out / ("figures_dbn.json" if args.skip_rbm else "figures.json")).write_text(
        json.dumps(figures, indent=2))


def train_dbn(args, train, test, shape, out):
    """A DBN (greedy RBMs, then up-down fine-tuning) and its samples."""
    units = (16, 8) if args.quick else (500, 500) if args.data != "digits" else (100, 50)
    # Every layer trained like the RBM above (persistent CD): CD-1 leaves a top RBM whose
    # Gibbs chains from noise wander far from the data.
    dbn = kerasgen.models.DBN(image_shape=shape, num_levels=2, hidden_units=units,
                              persistent=True, num_chains=100, seed=0)
    dbn.compile(optimizer=keras.optimizers.SGD(0.01, momentum=0.9))
    minutes = args.dbn_minutes
    budget = [TimeLimit(minutes / len(units), cosine_decay=True)] if minutes else []
    start, cpu = time.perf_counter(), time.process_time()
    dbn.fit(train, batch_size=100, epochs=1 if args.quick else 1000 if minutes else 30,
            verbose=0, callbacks=[NaNGuard(), *budget])
    before = float(np.mean(dbn.reconstruction_error(test)))
    # Up-down fine-tuning runs through Keras' fit with the DBN's own optimizer (callbacks,
    # metrics, strategies as for any model), at a tenth of pretraining's learning rate.
    dbn.optimizer.learning_rate = 0.001
    tuned = dbn.fine_tune(train, epochs=1 if args.quick else 3, batch_size=100, verbose=0,
                          callbacks=[NaNGuard()])
    gaps = tuned.history["free_energy_gap"]
    after = float(np.mean(dbn.reconstruction_error(test)))
    steps = 20 if args.quick else 1000
    save_image_grid(dbn.sample(64, gibbs_steps=steps, seed=0), out / "dbn_samples.png", 2,
                    columns=8)
    dbn.save(out / "dbn.keras")
    figures = {"hidden_units": list(units), "test_reconstruction_error_pretrained": before,
               "test_reconstruction_error_fine_tuned": after, "fine_tune_gaps": gaps,
               "train_minutes": round((time.perf_counter() - start) / 60, 2),
               "cpu_minutes": round((time.process_time() - cpu) / 60, 2)}
    print(f"DBN {units}: test reconstruction error {before:.3f} -> {after:.3f} after up-down "
          f"fine-tuning; samples in {out / 'dbn_samples.png'}")
    return figures


def train_rbm(args, train, test, shape, hidden, epochs, out):
    """The RBM, its AIS likelihood, samples and exports."""
    rbm = kerasgen.models.RBM(image_shape=shape, num_levels=2, hidden_units=hidden,
                              persistent=True, num_chains=100, seed=0)
    # Hinton's practical guide: visible biases start at the data's log-odds.
    rbm.visible_bias.assign(base_rate_visible_bias(rbm, train))
    rbm.compile(optimizer=keras.optimizers.SGD(0.01, momentum=0.9))
    budget = [TimeLimit(args.minutes, cosine_decay=True)] if args.minutes else []
    start, cpu = time.perf_counter(), time.process_time()
    history = rbm.fit(train, batch_size=100, epochs=epochs, verbose=0,
                      callbacks=[NaNGuard(), *budget])
    figures = {"data": f"binarized {args.data}", "hidden_units": hidden,
               "training": "PCD-1, 100 chains, SGD 0.01 momentum 0.9, batch 100"
                           + (", cosine decay over the budget" if args.minutes else ""),
               "epochs": len(history.history["loss"]),
               "train_minutes": round((time.perf_counter() - start) / 60, 2),
               "cpu_minutes": round((time.process_time() - cpu) / 60, 2)}

    chains = args.ais_chains or (20 if args.quick else 100)
    betas = args.ais_betas or (500 if args.quick else 14500)
    result = ais_log_partition(rbm, data=train, num_chains=chains, num_betas=betas, seed=1)
    free_energy = float(np.mean(rbm.free_energy(test)))
    figures.update(
        ais_chains=chains, ais_betas=betas, log_z=result.log_z,
        log_z_interval=[result.log_z_low, result.log_z_high],
        test_log_likelihood=-free_energy - result.log_z,
        test_log_likelihood_interval=[-free_energy - result.log_z_high,
                                      -free_energy - result.log_z_low],
        train_log_likelihood=-float(np.mean(rbm.free_energy(train[:10000]))) - result.log_z,
        test_pseudo_log_likelihood=float(np.mean(rbm.pseudo_log_likelihood(test[:2000]))),
        num_test_images=len(test))
    print(f"test log-likelihood {figures['test_log_likelihood']:.2f} nats "
          f"(log Z {result.log_z:.2f} in [{result.log_z_low:.2f}, {result.log_z_high:.2f}], "
          f"{figures['epochs']} epochs, {figures['cpu_minutes']} CPU-minutes)")

    save_image_grid(rbm.sample(64, gibbs_steps=20 if args.quick else 1000, seed=0),
                    out / "rbm_samples.png", 2, columns=8)
    print("SavedModel:", kerasgen.export.export_serving(rbm, out, name="rbm"))
    _, report = kerasgen.export.export_tflite(rbm, out / "rbm.tflite")
    print("TFLite max abs error per signature:", report)
    rbm.save(out / "rbm.keras")
    return figures


if __name__ == "__main__":
    main()
