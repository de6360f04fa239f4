"""Training-step time: kerasgen's DCGAN, conditional GAN and WGAN-GP against plain keras-io-style
training loops over the very same generator and discriminator networks.

Each baseline is a `keras.Model` with a hand-written `train_step` in the style of the keras-io
examples ("DCGAN to generate face images", "Conditional GAN", "WGAN-GP overriding
Model.train_step"): `tf.random.normal` noise, `reduce_mean` losses, `apply_gradients`. The networks
are taken from the kerasgen model itself, so the comparison isolates the training-loop overhead
(stateless noise, global-batch loss scaling, trackers, clipping/penalty plumbing).

    python benchmarks/train_step_gan.py                   # MNIST from $KERASGEN_DATA_DIR
    python benchmarks/train_step_gan.py --data digits

Prints ms/step and ratios (kerasgen / keras-io; aim <= 1.1) and writes
benchmarks/results/train_step_gan.json.
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
NETWORKS = dict(network="conv", filters=(64, 128), hidden_units=(), latent_dim=64)


class KerasIOGAN(keras.Model):
    """keras-io-style GAN loops (non-saturating BCE, or WGAN-GP) over given networks."""

    def __init__(self, generator, discriminator, num_levels, num_classes=None, wgan_gp=False,
                 d_steps=1, **kwargs):
        super().__init__(**kwargs)
        self.generator, self.discriminator = generator, discriminator
        self.num_levels, self.num_classes = num_levels, num_classes
        self.wgan_gp, self.d_steps = wgan_gp, d_steps
        self.latent_dim = generator.inputs[0].shape[-1]
        self.bce = keras.losses.BinaryCrossentropy(from_logits=True)
        self.d_tracker, self.g_tracker = keras.metrics.Mean("d_loss"), keras.metrics.Mean("g_loss")

    @property
    def metrics(self):
        return [self.d_tracker, self.g_tracker]

    def compile(self, d_optimizer, g_optimizer):
        super().compile()
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer

    def _g(self, z, y, training=True):
        return tf.tanh(self.generator(z if y is None else [z, y], training=training))

    def _d(self, x, y, training=True):
        return self.discriminator(x if y is None else [x, y], training=training)

    def train_step(self, data):
        images, labels = data
        real = tf.cast(images, tf.float32) / (self.num_levels - 1) * 2.0 - 1.0
        y = None if self.num_classes is None else tf.one_hot(labels, self.num_classes)
        batch = tf.shape(real)[0]
        for _ in range(self.d_steps):
            z = tf.random.normal([batch, self.latent_dim])
            with tf.GradientTape() as tape:
                fake = self._g(z, y)
                real_logits, fake_logits = self._d(real, y), self._d(fake, y)
                if self.wgan_gp:
                    d_loss = tf.reduce_mean(fake_logits) - tf.reduce_mean(real_logits)
                    alpha = tf.random.uniform([batch, 1, 1, 1])
                    mixed = real + alpha * (fake - real)
                    with tf.GradientTape() as gp_tape:
                        gp_tape.watch(mixed)
                        scores = self._d(mixed, y)
                    grads = gp_tape.gradient(scores, [mixed])[0]
                    norm = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]))
                    d_loss += 10.0 * tf.reduce_mean((norm - 1.0) ** 2)
                else:
                    d_loss = self.bce(tf.ones_like(real_logits), real_logits) + \
                        self.bce(tf.zeros_like(fake_logits), fake_logits)
            grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
            self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))
        z = tf.random.normal([batch, self.latent_dim])
        with tf.GradientTape() as tape:
            fake_logits = self._d(self._g(z, y), y)
            g_loss = -tf.reduce_mean(fake_logits) if self.wgan_gp else \
                self.bce(tf.ones_like(fake_logits), fake_logits)
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
        self.d_tracker.update_state(d_loss)
        self.g_tracker.update_state(g_loss)
        return {"d_loss": self.d_tracker.result(), "g_loss": self.g_tracker.result()}


def pair(kind, info):
    common = dict(image_shape=info.image_shape, num_levels=info.num_levels, **NETWORKS)
    if kind == "dcgan":
        ours = kerasgen.models.GAN(normalization="batch", **common)
    elif kind == "cgan":
        ours = kerasgen.models.ConditionalGAN(num_classes=info.num_classes,
                                              normalization="batch", **common)
    else:
        ours = kerasgen.models.GAN(normalization="layer", loss="wasserstein",
                                   gradient_penalty=10.0, d_steps=5, **common)
    ours.compile_with_defaults()
    # The baseline trains its own copies of the same networks (same layers, fresh weights).
    generator = keras.models.clone_model(ours.generator)
    discriminator = keras.models.clone_model(ours.discriminator)
    baseline = KerasIOGAN(generator, discriminator, info.num_levels,
                          num_classes=ours.num_classes, wgan_gp=kind == "wgan-gp",
                          d_steps=ours.d_steps)
    adam = lambda: keras.optimizers.Adam(2e-4, beta_1=0.5)  # noqa: E731
    baseline.compile(d_optimizer=adam(), g_optimizer=adam())
    return {"kerasgen": ours, "keras_io": baseline}




def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="mnist")
    parser.add_argument("--data-dir", default=os.environ.get("KERASGEN_DATA_DIR"))
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--models", nargs="+", default=["dcgan", "cgan", "wgan-gp"],
                        choices=["dcgan", "cgan", "wgan-gp"])
    args = parser.parse_args()

    info = kerasgen.data.dataset_info(args.data)
    data = kerasgen.data.load(args.data, "train", data_dir=args.data_dir,
                              batch_size=args.batch_size, drop_remainder=True, repeat=True)
    result = {"data": args.data, "batch_size": args.batch_size, "steps": args.steps,
              "repeats": args.repeats, "networks": {k: list(v) if isinstance(v, tuple) else v
                                                    for k, v in NETWORKS.items()}}
    for kind in args.models:
        ms = time_epochs(pair(kind, info), data, args.steps, args.repeats)
        ratio = ms["kerasgen"] / ms["keras_io"]
        result[kind] = {"ms_per_step": ms, "ratio_kerasgen_over_keras_io": ratio}
        print(f"{kind:8s} kerasgen {ms['kerasgen']:.1f} ms/step, keras-io "
              f"{ms['keras_io']:.1f} ms/step, ratio {ratio:.3f}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "train_step_gan.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
