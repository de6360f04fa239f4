"""`AutoregressiveImageModel`: what PixelCNN and PixelCNN++ share.

#### Mathematical details

The image is a sequence in raster order (row by row, left to right; channels in order where the
network masks them). The network maps the image to the parameters of every conditional at once,
each output seeing only earlier pixels (tested by gradients), so

    log p(x) = sum_{i, j} log p(x_ij | x_<ij)          exact, in nats, one network pass
    bits/dim = -log p(x) / (H W C ln 2)

Heads (`kerasgen.distributions`): ``"categorical"`` (a softmax over the levels per channel),
``"bernoulli"`` (binarized images; targets drawn afresh each step while training),
``"logistic_mixture"`` (PixelCNN++'s discretized logistic mixture, channels of a pixel coupled
linearly). The network sees the pixels scaled to [-1, 1].

Sampling runs `kerasgen.sampling.autoregressive.sample_pixels` with uniforms drawn once from the
seed, either naively (a full pass per step) or from per-layer caches (`cached=True`, where the
model has a cached stepper): the same noise gives the same image both ways. Completion keeps
the known pixels and samples the others in raster order, given every earlier pixel.
"""

import math

import numpy as np
import tensorflow as tf

from kerasgen.data import transforms
from kerasgen.distributions import BernoulliHead, Categorical, DiscretizedLogisticMixture
from kerasgen.evaluation.likelihood import nats_to_bits_per_dim
from kerasgen.models.base import ImageGenerativeModel, strict_options
from kerasgen.sampling.autoregressive import NaiveStepper, sample_pixels
from kerasgen.training.maximum_likelihood import MaximumLikelihoodTraining
from kerasgen.utils import validation as v
from kerasgen.utils.noise import SALT_BINARIZE, SALT_DROPOUT, SALT_LATENT, fixed_seed

HEADS = ("categorical", "bernoulli", "logistic_mixture")


def make_head(name, num_levels, num_mixtures):
    if name == "categorical":
        return Categorical(num_levels)
    if name == "bernoulli":
        return BernoulliHead(num_levels)
    return DiscretizedLogisticMixture(num_levels, num_mixtures)


class AutoregressiveImageModel(MaximumLikelihoodTraining, ImageGenerativeModel):
    """Base of models with an exact raster-order likelihood.

    Subclasses build ``self.network`` (a layer: network inputs [B, H, W, C] in [-1, 1] and a
    condition -> parameters [B, H, W, head.num_params(C)]) in ``build_network`` and may give a
    cached stepper in ``cached_stepper``.

    Args:
        likelihood: ``"categorical"``, ``"bernoulli"`` or ``"logistic_mixture"``.
        num_mixtures: mixture components of the logistic mixture head.
        image_shape, num_levels, num_classes, seed: see `ImageGenerativeModel`.
    """

    loss_names = ("loss", "bits_per_dim")
    integer_images = True
    channel_sequential = False  # True where the network masks the channels of a pixel

    def __init__(self, likelihood="categorical", num_mixtures=5, **kwargs):
        super().__init__(**kwargs)
        self.likelihood = v.check_choice("likelihood", likelihood, HEADS)
        self.num_mixtures = v.check_positive_int("num_mixtures", num_mixtures)
        self.head = make_head(likelihood, self.num_levels, self.num_mixtures)
        # Bernoulli models see (and sample) binary pixels.
        self.input_levels = 2 if likelihood == "bernoulli" else self.num_levels

    def finish_building(self):
        """Create every weight with one call, so the model is built (and causal) at once."""
        height, width, channels = self.image_shape
        labels = None
        if self.condition_shape is not None:
            labels = tf.zeros([1, *self.condition_shape])
        elif self.num_classes is not None:
            labels = tf.zeros([1], tf.int32)
        self.network(tf.zeros([1, height, width, channels]), self.condition_of(labels))
        self.built = True

    def get_config(self):
        config = super().get_config()
        config.update(likelihood=self.likelihood, num_mixtures=self.num_mixtures)
        return config

    @property
    def num_params(self):
        return self.head.num_params(self.image_shape[-1])

    # ------------------------------------------------------------------ the model
    def to_units(self, targets):
        """Targets (levels, or {0, 1} for Bernoulli) -> [-1, 1]."""
        return transforms.scale_to_symmetric(targets, self.input_levels)

    def params(self, targets, condition=None, training=False, seed=None):
        """Head parameters; `seed` keys the network's training noise (dropout)."""
        return self.network(self.to_units(targets), condition, training=training, seed=seed)

    def call(self, inputs, training=False):
        """Head parameters ``[B, H, W, P]`` of ``images`` or ``(images, labels)``."""
        images, labels = inputs if isinstance(inputs, (tuple, list)) else (inputs, None)
        targets = self.head.prepare_targets(images)
        return self.params(targets, self.condition_of(labels), training)

    def per_example_losses(self, images, labels, seed, training):
        targets = self.head.prepare_targets(images, seed=seed + SALT_BINARIZE)
        params = self.params(targets, self.condition_of(labels), training, seed + SALT_DROPOUT)
        nll = -self.head.log_prob(params, targets)
        return {"loss": nll, "bits_per_dim": nll / (self.num_dims * math.log(2.0))}

    # ------------------------------------------------------------------ graph-safe API
    def _targets(self, images, binarization_seed=None):
        seed = None if binarization_seed is None else fixed_seed(binarization_seed,
                                                                 SALT_BINARIZE)
        return self.head.prepare_targets(images, seed=seed)

    def _per_dim_log_prob(self, images, labels=None, binarization_seed=None):
        targets = self._targets(images, binarization_seed)
        params = self.params(targets, self.condition_of(labels))
        return self.head.per_dim_log_prob(params, targets)

    def _log_prob(self, images, labels=None, binarization_seed=None):
        per_dim = self._per_dim_log_prob(images, labels, binarization_seed)
        return tf.reduce_sum(per_dim, axis=[1, 2, 3])

    def naive_stepper(self, condition):
        return NaiveStepper(lambda x: self.network(x, condition), self.image_shape)

    has_cached_sampler = False

    def cached_stepper(self, condition):
        """A stepper that reuses per-layer caches (models with ``has_cached_sampler``)."""
        raise NotImplementedError

    def _uniforms(self, num_samples, seed):
        height, width, channels = self.image_shape
        shape = tf.stack([num_samples, height, width, self.head.num_uniforms(channels)])
        # Strictly inside (0, 1): the samplers take logs of u and 1 - u.
        return tf.random.stateless_uniform(shape, fixed_seed(seed, SALT_LATENT),
                                           minval=1e-6, maxval=1.0 - 1e-6)

    def _draw(self, uniforms, labels=None, temperature=1.0, cached=False, known=None,
              known_mask=None):
        condition = self.condition_of(labels)
        stepper = self.cached_stepper(condition) if cached else self.naive_stepper(condition)
        levels = sample_pixels(stepper, self.head, self.image_shape, uniforms, self.to_units,
                               temperature, self.channel_sequential, known, known_mask)
        return self.from_targets(levels)

    def from_targets(self, levels):
        """Sampled targets -> the data's units (Bernoulli: {0, L-1})."""
        if self.likelihood == "bernoulli":
            return transforms.unit_to_levels(levels, self.num_levels)
        return levels

    # ------------------------------------------------------------------ checked user API
    def log_prob(self, images, labels=None, binarization_seed=None):
        """Exact log p(x) in nats per image. Bernoulli models score a binarization: at the
        threshold, or drawn with `binarization_seed`."""
        images = self.check_images(images)
        labels = self.check_labels(labels, len(images))
        v.check_int("binarization_seed", binarization_seed, allow_none=True)
        return self._log_prob(images, labels, binarization_seed).numpy()

    def bits_per_dim(self, images, labels=None, binarization_seed=None):
        return nats_to_bits_per_dim(-self.log_prob(images, labels, binarization_seed),
                                    self.num_dims)

    def nll_map(self, images, labels=None, binarization_seed=None):
        """Per-pixel negative log-likelihood ``[N, H, W]`` in nats (summed over channels):
        where the model finds an image surprising."""
        images = self.check_images(images)
        labels = self.check_labels(labels, len(images))
        v.check_int("binarization_seed", binarization_seed, allow_none=True)
        per_dim = self._per_dim_log_prob(images, labels, binarization_seed)
        return -tf.reduce_sum(per_dim, axis=-1).numpy()

    def anomaly_score(self, images, labels=None):
        """Negative log-likelihood in nats: higher means less like the training data."""
        return -self.log_prob(images, labels)

    def _check_temperature(self, temperature):
        return v.check_positive_float("temperature", temperature)

    def sample(self, num_samples, seed=None, temperature=1.0, labels=None, cached=True):
        """Images ``[num_samples, H, W, C]`` in the data's units, drawn pixel by pixel;
        `cached` uses the per-layer caches where the model has them (same result)."""
        num_samples = self.check_num_samples(num_samples)
        temperature = self._check_temperature(temperature)
        labels = self.check_labels(labels, num_samples)
        cached = v.check_bool("cached", cached)
        uniforms = self._uniforms(num_samples, self.resolve_seed(seed))
        return self._draw_graph(uniforms, labels, temperature,
                                cached and self.has_cached_sampler)

    def complete(self, images, known_mask=None, known_rows=None, seed=None, temperature=1.0,
                 labels=None, cached=True):
        """Fill the unknown pixels of `images` by sampling each, in raster order, given every
        pixel before it (known or already filled). Known pixels are never changed.

        Args:
            known_mask: booleans ``[N, H, W]``, ``[H, W]`` or ``[N, H, W, C]``: True = known.
            known_rows: instead of a mask, the number of top rows that are known.
        """
        images = self.check_images(images)
        height, width, channels = self.image_shape
        if (known_mask is None) == (known_rows is None):
            v.fail("known_mask", "both or neither of known_mask and known_rows",
                   "exactly one of them")
        if known_rows is not None:
            rows = v.check_non_negative_int("known_rows", known_rows)
            if rows > height:
                v.fail("known_rows", repr(known_rows), f"a number of rows in [0, {height}]")
            known_mask = np.arange(height)[:, None] < rows
            known_mask = np.broadcast_to(known_mask, (height, width))
        mask = np.asarray(known_mask)
        if mask.dtype != bool:
            v.fail("known_mask", f"dtype {mask.dtype}", "booleans (True = known)")
        if mask.ndim == 2:
            mask = np.broadcast_to(mask, (len(images), height, width))
        if mask.ndim == 3:
            mask = np.broadcast_to(mask[..., None], (*mask.shape, channels))
        if mask.shape != images.shape:
            v.fail("known_mask", f"shape {np.asarray(known_mask).shape}",
                   f"[H, W], [N, H, W] or [N, H, W, C] matching images {images.shape}")
        partial = np.any(mask != mask[..., :1], axis=-1)
        if self.head.couples_channels and np.any(partial):
            v.fail("known_mask", f"some channels of {int(partial.sum())} pixels known and "
                   "others not", "the same value for every channel of a pixel: this head "
                   "draws a pixel's channels together, so it cannot draw some given the others")
        temperature = self._check_temperature(temperature)
        labels = self.check_labels(labels, len(images))
        cached = v.check_bool("cached", cached)
        known = self._targets(images)
        uniforms = self._uniforms(len(images), self.resolve_seed(seed))
        filled = self._draw_graph(uniforms, labels, temperature,
                                  cached and self.has_cached_sampler, known, tf.constant(mask))
        # Known pixels come back exactly as given (Bernoulli models keep the originals).
        return tf.where(mask, tf.cast(images, tf.float32), filled)

    @tf.function(reduce_retracing=True)
    def _draw_graph(self, uniforms, labels, temperature, cached, known=None, known_mask=None):
        return self._draw(uniforms, labels, temperature, cached, known, known_mask)

    @strict_options
    def evaluation_report(self, images, labels=None, seed=0):
        """``nll_nats`` and ``bits_per_dim`` of the test images (exact)."""
        nll = -self.log_prob(images, labels,
                             binarization_seed=seed if self.likelihood == "bernoulli" else None)
        return {"nll_nats": float(np.mean(nll)),
                "bits_per_dim": float(np.mean(nats_to_bits_per_dim(nll, self.num_dims))),
                "num_examples": int(len(nll))}

    # ------------------------------------------------------------------ export
    def _exported_log_prob(self, images, labels=None):
        log_prob = self._log_prob(images, labels)
        return {"log_prob": log_prob,
                "bits_per_dim": -log_prob / (self.num_dims * math.log(2.0))}

    def example_input(self, spec, batch_size, rng):
        """Adds ``known_mask`` (random booleans) to `GenerativeModel.example_input`."""
        if spec.name == "known_mask":
            return rng.random(self.example_shape(spec, batch_size)) < 0.5
        return super().example_input(spec, batch_size, rng)

    def _uniforms_spec(self):
        height, width, channels = self.image_shape
        return tf.TensorSpec([None, height, width, self.head.num_uniforms(channels)],
                             tf.float32, name="uniforms")

    def _sample_with_noise(self, uniforms, labels=None):
        return {"images": self._draw(uniforms, labels, cached=self.has_cached_sampler)}

    def serving_endpoints(self):
        """``sample`` (default; num_samples, seed), ``log_prob`` (log_prob and bits_per_dim),
        ``bits_per_dim``, ``complete`` (images, known_mask [N, H, W], seed) and
        ``sample_with_noise`` (uniforms in, the exact sampler)."""
        scalar = lambda name: tf.TensorSpec([], tf.int32, name=name)  # noqa: E731
        height, width, channels = self.image_shape
        images = tf.TensorSpec([None, height, width, channels], tf.float32, name="images")
        mask = tf.TensorSpec([None, height, width], tf.bool, name="known_mask")

        def sample(num_samples, seed, labels=None):
            return self._sample_with_noise(self._uniforms(num_samples, seed), labels)

        def complete(images, known_mask, seed, labels=None):
            known_mask = tf.broadcast_to(known_mask[..., tf.newaxis], tf.shape(images))
            filled = self._draw(self._uniforms(tf.shape(images)[0], seed), labels,
                                cached=self.has_cached_sampler,
                                known=self._targets(images), known_mask=known_mask)
            return {"images": tf.where(known_mask, images, filled)}

        return [
            self.endpoint("sample", sample, [scalar("num_samples"), scalar("seed")]),
            self.endpoint("log_prob", self._exported_log_prob, [images]),
            self.endpoint("bits_per_dim", lambda images, labels=None: {
                "bits_per_dim": self._exported_log_prob(images, labels)["bits_per_dim"]},
                [images]),
            self.endpoint("complete", complete, [images, mask, scalar("seed")]),
            self.endpoint("sample_with_noise", self._sample_with_noise,
                          [self._uniforms_spec()]),
        ]

    def tflite_endpoints(self):
        """``log_prob``, ``sample_with_noise`` (uniforms in: comparable with Keras) and an
        on-device ``sample`` whose noise comes from the builtin RandomUniform; the pixel loop
        is a TFLite WHILE."""
        height, width, channels = self.image_shape
        images = tf.TensorSpec([None, height, width, channels], tf.float32, name="images")

        def sample(num_samples, labels=None):
            shape = tf.stack([num_samples, height, width, self.head.num_uniforms(channels)])
            return self._sample_with_noise(tf.random.uniform(shape, 1e-6, 1.0 - 1e-6), labels)

        return [
            self.endpoint("log_prob", self._exported_log_prob, [images]),
            self.endpoint("sample_with_noise", self._sample_with_noise,
                          [self._uniforms_spec()]),
            self.endpoint("sample", sample, [tf.TensorSpec([], tf.int32, "num_samples")],
                          deterministic=False),
        ]

