"""kerasgen's RBM against scikit-learn's BernoulliRBM on digits, in one process.

Both models see the 1797 digits scaled to [0, 1], with the same hidden units, learning rate
(plain SGD, no momentum), batch size, epochs and persistent CD-1 (scikit-learn's only
method; ours with ``persistent=True, num_chains=batch_size``). For batch 10 and 100:

- seconds per epoch (the median of every epoch after the first, which traces our graph and
  initializes scikit-learn's model), and the ratio kerasgen / scikit-learn (< 1: kerasgen is
  faster). Ours is one ``fit`` call with ``steps_per_execution`` = the steps of an epoch, so
  an epoch is one compiled call; scikit-learn's is its own minibatch loop in NumPy;
- the floor of a Keras epoch: the same ``fit`` call (same dataset, epochs and
  ``steps_per_execution``) for a model whose ``train_step`` only sums its batch. It is what
  any model trained with ``model.fit`` pays per epoch before doing any work (the iterator,
  the compiled loop, metric resets and results, callbacks); ours minus the floor is what our
  contrastive-divergence update itself costs per epoch;
- scikit-learn's update transcribed op for op into a Keras ``train_step`` (`TextbookPCD`:
  five products, two Bernoulli draws, assign_add; no optimizer, no metrics, no checks): the
  least a TensorFlow graph run by ``fit`` could spend on this algorithm, so the ratio says
  whether the aim is reachable through ``model.fit`` at all on this data;
- the exact pseudo-log-likelihood of the thresholded digits after training, computed by one
  estimator for both (`RBM.pseudo_log_likelihood`, scikit-learn's weights copied into an
  RBM): sum_i log p(v_i | v_-i), in nats per image (higher is better).

    python benchmarks/rbm_sklearn.py        # writes benchmarks/results/rbm_sklearn_digits.json
    python benchmarks/rbm_sklearn.py --data mnist --data-dir ../shared/data --hidden 500 \
        --epochs 3 --batch-sizes 100               # the same at MNIST size (784 x 500)
    python benchmarks/rbm_sklearn.py --epochs 3 --batch-sizes 100      # a quick look
"""

import argparse
import json
import pathlib
import time

import keras
import numpy as np
import tensorflow as tf
from sklearn.datasets import load_digits
from sklearn.neural_network import BernoulliRBM

import kerasgen

RESULTS = pathlib.Path(__file__).resolve().parent / "results"


def pseudo_likelihood(rbm, images):
    return float(np.mean(rbm.pseudo_log_likelihood(images)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="digits", help="digits (scikit-learn) or mnist")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--max-examples", type=int, default=None)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=0.05)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--jit-compile", action="store_true", help="XLA for our train step")
    args = parser.parse_args()
    if args.data == "digits":
        images, levels = load_digits().images.astype(np.float32)[..., None], 17  # 0..16
    else:
        images, _ = kerasgen.data.load_arrays(args.data, "train", data_dir=args.data_dir,
                                              max_examples=args.max_examples)
        images, levels = images.astype(np.float32), 256
    shape = images.shape[1:]
    flat = images.reshape(len(images), -1) / (levels - 1)
    # Our input pipeline: the images batched once and cached (numpy arrays handed to fit are
    # re-sliced every epoch, which costs more than an epoch of this small model).

    results = {"config": vars(args), "runs": {}}
    for batch in args.batch_sizes:
        dataset = tf.data.Dataset.from_tensor_slices(images).batch(batch).cache()
        ours = kerasgen.models.RBM(image_shape=shape, num_levels=levels,
                                   hidden_units=args.hidden, persistent=True,
                                   num_chains=batch, seed=0)
        # One compiled call per epoch (steps_per_execution): Keras' per-step Python cost would
        # otherwise dominate a model this small.
        steps = -(-len(images) // batch)
        ours.compile(optimizer=keras.optimizers.SGD(args.learning_rate),
                     steps_per_execution=steps, jit_compile=args.jit_compile)
        theirs = BernoulliRBM(n_components=args.hidden, learning_rate=args.learning_rate,
                              batch_size=batch, n_iter=1, random_state=0)
        timer = EpochTimer()
        ours.fit(dataset, epochs=args.epochs, verbose=0, callbacks=[timer])
        our_times, their_times = timer.seconds[1:], []
        floor_timer, textbook_timer = EpochTimer(), EpochTimer()
        for reference, reference_timer in (
                (FitFloor(), floor_timer),
                (TextbookPCD(flat.shape[1], args.hidden, batch, levels, args.learning_rate),
                 textbook_timer)):
            reference.compile(steps_per_execution=steps, jit_compile=args.jit_compile)
            reference.fit(dataset, epochs=args.epochs, verbose=0, shuffle=False,
                          callbacks=[reference_timer])
        for epoch in range(args.epochs):
            start = time.perf_counter()
            if epoch == 0:
                theirs.fit(flat)  # initializes, then one epoch (n_iter=1)
                rng = np.random.RandomState(1)
            else:
                _one_more_epoch(theirs, flat, batch, rng)
            if epoch:
                their_times.append(time.perf_counter() - start)
        copy = kerasgen.models.RBM(image_shape=shape, num_levels=levels,
                                   hidden_units=args.hidden)
        copy.kernel.assign(theirs.components_.T.astype(np.float32))
        copy.hidden_bias.assign(theirs.intercept_hidden_.astype(np.float32))
        copy.visible_bias.assign(theirs.intercept_visible_.astype(np.float32))
        row = {"kerasgen_seconds_per_epoch": float(np.median(our_times)),
               "sklearn_seconds_per_epoch": float(np.median(their_times)),
               "keras_fit_floor_seconds_per_epoch": float(np.median(floor_timer.seconds[1:])),
               "textbook_pcd_in_keras_seconds_per_epoch": float(
                   np.median(textbook_timer.seconds[1:])),
               "kerasgen_pseudo_log_likelihood": pseudo_likelihood(ours, images[:2000]),
               "sklearn_pseudo_log_likelihood": pseudo_likelihood(copy, images[:2000])}
        row["time_ratio kerasgen / sklearn"] = row["kerasgen_seconds_per_epoch"] \
            / row["sklearn_seconds_per_epoch"]
        row["time_ratio keras_fit_floor / sklearn"] = row["keras_fit_floor_seconds_per_epoch"] \
            / row["sklearn_seconds_per_epoch"]
        row["time_ratio textbook_pcd_in_keras / sklearn"] = \
            row["textbook_pcd_in_keras_seconds_per_epoch"] / row["sklearn_seconds_per_epoch"]
        row["time_ratio (kerasgen - floor) / sklearn"] = (
            row["kerasgen_seconds_per_epoch"] - row["keras_fit_floor_seconds_per_epoch"]) \
            / row["sklearn_seconds_per_epoch"]
        results["runs"][f"{args.data} batch {batch}"] = row
        print(f"batch {batch:4d}: seconds/epoch kerasgen {row['kerasgen_seconds_per_epoch']:.4f}"
              f" sklearn {row['sklearn_seconds_per_epoch']:.4f} ratio "
              f"{row['time_ratio kerasgen / sklearn']:.2f}; Keras fit floor "
              f"{row['keras_fit_floor_seconds_per_epoch']:.4f} (ratio "
              f"{row['time_ratio keras_fit_floor / sklearn']:.2f}; ours above the floor "
              f"{row['time_ratio (kerasgen - floor) / sklearn']:.2f}); scikit-learn's update "
              f"in Keras {row['textbook_pcd_in_keras_seconds_per_epoch']:.4f} (ratio "
              f"{row['time_ratio textbook_pcd_in_keras / sklearn']:.2f}); "
              f"pseudo-log-likelihood kerasgen "
              f"{row['kerasgen_pseudo_log_likelihood']:.2f} sklearn "
              f"{row['sklearn_pseudo_log_likelihood']:.2f} nats/image")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"rbm_sklearn_{args.data}.json").write_text(json.dumps(results, indent=2))


class FitFloor(keras.Model):
    """A model whose ``train_step`` only sums its batch: its ``fit`` epochs cost what Keras
    itself spends per epoch (data iterator, compiled loop, metrics, callbacks)."""

    def __init__(self):
        super().__init__()
        self.total = self.add_weight(name="total", shape=(), initializer="zeros",
                                     trainable=False)
        self.built = True

    def train_step(self, data):
        self.total.assign_add(tf.reduce_sum(tf.cast(data, tf.float32)))
        return {"total": self.total}


class TextbookPCD(keras.Model):
    """scikit-learn's ``BernoulliRBM._fit`` (persistent CD-1 on hidden samples) in one
    ``train_step``, op for op (a timing reference only; the library's RBM is
    `kerasgen.models.RBM`)::

        h+ = sigmoid(v W + c);  v- ~ Bernoulli(sigmoid(h~ W^T + b));  h- = sigmoid(v- W + c)
        W += lr/B (v^T h+ - v-^T h-);  c += lr/B sum(h+ - h-);  b += lr/B sum(v - v-)
        h~ <- Bernoulli(h-)
    """

    def __init__(self, visible, hidden, chains, levels, learning_rate):
        super().__init__()
        self.scale, self.learning_rate = 1.0 / (levels - 1), learning_rate
        self.kernel = self.add_weight(name="kernel", shape=(visible, hidden),
                                      initializer=keras.initializers.RandomNormal(0.0, 0.01))
        self.visible_bias = self.add_weight(name="visible_bias", shape=(visible,),
                                            initializer="zeros")
        self.hidden_bias = self.add_weight(name="hidden_bias", shape=(hidden,),
                                           initializer="zeros")
        self.hidden_samples = self.add_weight(name="hidden_samples", shape=(chains, hidden),
                                              initializer="zeros", trainable=False)
        self.built = True

    def train_step(self, images):
        v = tf.reshape(images, [tf.shape(images)[0], -1]) * self.scale
        kernel, b, c = self.kernel, self.visible_bias, self.hidden_bias
        h_pos = tf.sigmoid(v @ kernel + c)
        p_neg = tf.sigmoid(self.hidden_samples @ tf.transpose(kernel) + b)
        v_neg = tf.cast(tf.random.uniform(tf.shape(p_neg)) < p_neg, tf.float32)
        h_neg = tf.sigmoid(v_neg @ kernel + c)
        rate = self.learning_rate / tf.cast(tf.shape(v)[0], tf.float32)
        kernel.assign_add(rate * (tf.transpose(v) @ h_pos - tf.transpose(v_neg) @ h_neg))
        c.assign_add(rate * (tf.reduce_sum(h_pos, 0) - tf.reduce_sum(h_neg, 0)))
        b.assign_add(rate * (tf.reduce_sum(v, 0) - tf.reduce_sum(v_neg, 0)))
        self.hidden_samples.assign(tf.cast(tf.random.uniform(tf.shape(h_neg)) < h_neg,
                                           tf.float32))
        return {"hidden_bias_norm": tf.norm(c)}


class EpochTimer(keras.callbacks.Callback):
    """Wall seconds of every epoch of one ``fit`` call."""

    def __init__(self):
        super().__init__()
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


def _one_more_epoch(rbm, data, batch, rng):
    """One more epoch of scikit-learn's own minibatch loop (what ``fit`` runs per
    iteration), continuing its persistent chains."""
    for start in range(0, len(data), batch):
        rbm._fit(data[start:start + batch], rng)


if __name__ == "__main__":
    main()
