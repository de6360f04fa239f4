"""Training-step time: kerasgen's conv VAE against a plain keras-io-style VAE of the same layers.

Both models see the same MNIST batches; each is timed over whole `fit` epochs of fixed length
after a warm-up epoch (tracing), alternating A/B/A/B to cancel drift, with and without XLA
(`jit_compile=True`). kerasgen's step also binarizes each batch afresh (dynamic binarization) and
keeps three trackers; the baseline uses the keras-io recipe (continuous targets, BCE + KL).

    python benchmarks/train_step_vae.py                 # MNIST from $KERASGEN_DATA_DIR
    python benchmarks/train_step_vae.py --data digits   # no files needed

Prints ms/step and ratios (kerasgen / baseline; aim <= 1.1) and writes
benchmarks/results/train_step_vae.json.
"""

import argparse
import json
import os
import pathlib

import keras
import tensorflow as tf

import kerasgen
from timing import time_epochs

RESULTS = pathlib.Path(__file__).resolve().parent / "results"
FILTERS, HIDDEN, LATENT = (32, 64), 16, 16


class KerasIOVAE(keras.Model):
    """The keras-io "Variational AutoEncoder" example, with kerasgen's exact layer stack."""

    def __init__(self, image_shape, **kwargs):
        super().__init__(**kwargs)
        h, w, c = image_shape
        self.encoder = keras.Sequential([
            keras.Input(image_shape),
            keras.layers.Conv2D(FILTERS[0], 3, strides=2, padding="same", activation="relu"),
            keras.layers.Conv2D(FILTERS[1], 3, strides=2, padding="same", activation="relu"),
            keras.layers.Flatten(),
            keras.layers.Dense(HIDDEN, activation="relu"),
            keras.layers.Dense(2 * LATENT),
        ])
        self.decoder = keras.Sequential([
            keras.Input((LATENT,)),
            keras.layers.Dense(HIDDEN, activation="relu"),
            keras.layers.Dense(h // 4 * w // 4 * FILTERS[1], activation="relu"),
            keras.layers.Reshape((h // 4, w // 4, FILTERS[1])),
            keras.layers.Conv2DTranspose(FILTERS[1], 3, strides=2, padding="same",
                                         activation="relu"),
            keras.layers.Conv2DTranspose(FILTERS[0], 3, strides=2, padding="same",
                                         activation="relu"),
            keras.layers.Conv2D(c, 3, padding="same"),
        ])
        self.loss_tracker = keras.metrics.Mean(name="loss")

    @property
    def metrics(self):
        return [self.loss_tracker]

    def train_step(self, data):
        x = tf.cast(data[0], tf.float32) / 255.0
        with tf.GradientTape() as tape:
            z_mean, z_log_var = tf.split(self.encoder(x), 2, axis=-1)
            z = z_mean + tf.exp(0.5 * z_log_var) * tf.random.normal(tf.shape(z_mean))
            logits = self.decoder(z)
            reconstruction = tf.reduce_sum(
                tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=logits), [1, 2, 3])
            kl = -0.5 * tf.reduce_sum(1 + z_log_var - z_mean**2 - tf.exp(z_log_var), 1)
            loss = tf.reduce_mean(reconstruction + kl)
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}


def make_models(info, jit):
    ours = kerasgen.models.VAE(image_shape=info.image_shape, num_levels=info.num_levels,
                               network="conv", filters=FILTERS, hidden_units=(HIDDEN,),
                               latent_dim=LATENT)
    baseline = KerasIOVAE(info.image_shape)
    for model in (ours, baseline):
        model.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=jit)
    return {"kerasgen": ours, "keras_io": baseline}




def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="mnist")
    parser.add_argument("--data-dir", default=os.environ.get("KERASGEN_DATA_DIR"))
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    info = kerasgen.data.dataset_info(args.data)
    data = kerasgen.data.load(args.data, "train", data_dir=args.data_dir,
                              batch_size=args.batch_size, drop_remainder=True, repeat=True)
    result = {"data": args.data, "batch_size": args.batch_size, "steps": args.steps,
              "repeats": args.repeats, "threads": os.cpu_count()}
    for jit in (False, True):
        ms = time_epochs(make_models(info, jit), data, args.steps, args.repeats)
        key = "xla" if jit else "no_xla"
        result[key] = {"ms_per_step": ms, "ratio_kerasgen_over_keras_io":
                       ms["kerasgen"] / ms["keras_io"]}
        print(f"{key:7s} kerasgen {ms['kerasgen']:.2f} ms/step, keras-io {ms['keras_io']:.2f} "
              f"ms/step, ratio {ms['kerasgen'] / ms['keras_io']:.3f}")
    result["xla_speedup_kerasgen"] = (result["no_xla"]["ms_per_step"]["kerasgen"]
                                      / result["xla"]["ms_per_step"]["kerasgen"])
    print(f"XLA speed-up for kerasgen: {result['xla_speedup_kerasgen']:.2f}x")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "train_step_vae.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
