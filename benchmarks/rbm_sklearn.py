"""kerasgen's RBM against scikit-learn's BernoulliRBM on digits, in one process.

Both models see the 1797 digits scaled to [0, 1], with the same hidden units, learning rate
(plain SGD, no momentum), batch size, epochs and persistent CD-1 (scikit-learn's only
method; ours with ``persistent=True, num_chains=batch_size``). For batch 10 and 100:

- seconds per epoch (the median of the timed epochs, after one untimed epoch that traces
  our graph), and the ratio kerasgen / scikit-learn (< 1: kerasgen is faster);
- the exact pseudo-log-likelihood of the thresholded digits after training, computed by one
  estimator for both (`RBM.pseudo_log_likelihood`, scikit-learn's weights copied into an
  RBM): sum_i log p(v_i | v_-i), in nats per image (higher is better).

    python benchmarks/rbm_sklearn.py           # writes benchmarks/results/rbm_sklearn.json
    python benchmarks/rbm_sklearn.py --epochs 3 --batch-sizes 100      # a quick look
"""

import argparse
import json
import pathlib
import time

import keras
import numpy as np
from sklearn.datasets import load_digits
from sklearn.neural_network import BernoulliRBM

import kerasgen

RESULTS = pathlib.Path(__file__).resolve().parent / "results"


def pseudo_likelihood(rbm, images):
    return float(np.mean(rbm.pseudo_log_likelihood(images)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=0.05)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[10, 100])
    args = parser.parse_args()
    digits = load_digits()
    images = digits.images.astype(np.float32)[..., None]  # levels 0..16
    flat = images.reshape(len(images), -1) / 16.0
    results = {"config": vars(args), "runs": {}}
    for batch in args.batch_sizes:
        ours = kerasgen.models.RBM(image_shape=(8, 8, 1), num_levels=17,
                                   hidden_units=args.hidden, persistent=True,
                                   num_chains=batch, seed=0)
        ours.compile(optimizer=keras.optimizers.SGD(args.learning_rate))
        theirs = BernoulliRBM(n_components=args.hidden, learning_rate=args.learning_rate,
                              batch_size=batch, n_iter=1, random_state=0)
        our_times, their_times = [], []
        for epoch in range(args.epochs):
            start = time.perf_counter()
            ours.fit(images, batch_size=batch, epochs=1, verbose=0)
            if epoch:
                our_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            if epoch == 0:
                theirs.fit(flat)  # initializes, then one epoch (n_iter=1)
                rng = np.random.RandomState(1)
            else:
                _one_more_epoch(theirs, flat, batch, rng)
            if epoch:
                their_times.append(time.perf_counter() - start)
        copy = kerasgen.models.RBM(image_shape=(8, 8, 1), num_levels=17,
                                   hidden_units=args.hidden)
        copy.kernel.assign(theirs.components_.T.astype(np.float32))
        copy.hidden_bias.assign(theirs.intercept_hidden_.astype(np.float32))
        copy.visible_bias.assign(theirs.intercept_visible_.astype(np.float32))
        row = {"kerasgen_seconds_per_epoch": float(np.median(our_times)),
               "sklearn_seconds_per_epoch": float(np.median(their_times)),
               "kerasgen_pseudo_log_likelihood": pseudo_likelihood(ours, images),
               "sklearn_pseudo_log_likelihood": pseudo_likelihood(copy, images)}
        row["time_ratio kerasgen / sklearn"] = row["kerasgen_seconds_per_epoch"] \
            / row["sklearn_seconds_per_epoch"]
        results["runs"][batch] = row
        print(f"batch {batch:4d}: seconds/epoch kerasgen {row['kerasgen_seconds_per_epoch']:.4f}"
              f" sklearn {row['sklearn_seconds_per_epoch']:.4f} ratio "
              f"{row['time_ratio kerasgen / sklearn']:.2f}; pseudo-log-likelihood kerasgen "
              f"{row['kerasgen_pseudo_log_likelihood']:.2f} sklearn "
              f"{row['sklearn_pseudo_log_likelihood']:.2f} nats/image")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "rbm_sklearn.json").write_text(json.dumps(results, indent=2))


def _one_more_epoch(rbm, data, batch, rng):
    """One more epoch of scikit-learn's own minibatch loop (what ``fit`` runs per
    iteration), continuing its persistent chains."""
    for start in range(0, len(data), batch):
        rbm._fit(data[start:start + batch], rng)


if __name__ == "__main__":
    main()
