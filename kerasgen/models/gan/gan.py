"""Generative adversarial networks: GAN, DCGAN, WGAN, WGAN-GP and the conditional GAN.

#### Mathematical details

A generator G maps noise z ~ N(0, I) (and a one-hot label y for the conditional GAN) to images
in [-1, 1] (tanh output); a discriminator D scores images (and the label). Training alternates
`d_steps` discriminator updates and one generator update on the chosen loss
(`kerasgen.training.adversarial_losses`):

    min_G max_D  E_x[log D(x, y)] + E_z[log(1 - D(G(z, y), y))]       (minimax, conditional)

The presets of the family differ only in networks and loss:

    GAN      dense networks, non-saturating loss
    DCGAN    network="conv", normalization="batch" (strided convs, transposed convs + BN)
    WGAN     loss="wasserstein", clip_value=0.01, d_steps=5
    WGAN-GP  loss="wasserstein", gradient_penalty=10, d_steps=5 (layer norm in the critic)

Example:
    >>> import kerasgen
    >>> images, _ = kerasgen.data.load_arrays("digits")
    >>> gan = GAN(image_shape=(8, 8, 1), num_levels=17, latent_dim=8, hidden_units=(64,))
    >>> gan.compile()
    >>> _ = gan.fit(images, batch_size=64, epochs=1, verbose=0)
    >>> gan.sample(4, seed=0).shape
    TensorShape([4, 8, 8, 1])

References:
    Goodfellow et al. 2014, "Generative Adversarial Nets".
    Radford, Metz & Chintala 2016, "Unsupervised Representation Learning with Deep
    Convolutional Generative Adversarial Networks".
    Arjovsky, Chintala & Bottou 2017, "Wasserstein GAN"; Gulrajani et al. 2017, "Improved
    Training of Wasserstein GANs".
    Mirza & Osindero 2014, "Conditional Generative Adversarial Nets".
"""

import keras
import numpy as np
import tensorflow as tf

from kerasgen.data import transforms
from kerasgen.models.base import ImageGenerativeModel, strict_options
from kerasgen.networks import NETWORK_KINDS, NORMALIZATIONS, build_decoder, build_encoder
from kerasgen.networks import given_or_built
from kerasgen.training.adversarial import AdversarialTraining
from kerasgen.training.adversarial_losses import ADVERSARIAL_LOSSES, gradient_penalty
from kerasgen.utils import noise as noise_lib
from kerasgen.utils import validation as v
from kerasgen.utils.noise import SALT_LATENT, fixed_seed

SALT_PENALTY = 41  # the gradient penalty's mixing weights, folded into the step's seed


def _has_batch_norm(layer):
    if isinstance(layer, keras.layers.BatchNormalization):
        return True
    return any(_has_batch_norm(inner) for inner in getattr(layer, "layers", []))


def nonnegative_weight(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not 0 <= value < float("inf"):
        v.fail(name, repr(value), "a finite non-negative weight")
    return float(value)


def statistics_matching_term(real, fake):
    """|mean(real) - mean(fake)|^2 + |std(real) - std(fake)|^2, per pixel over the batch,
    averaged over pixels."""
    mean_gap = tf.reduce_mean(real, 0) - tf.reduce_mean(fake, 0)
    std_gap = tf.math.reduce_std(real, 0) - tf.math.reduce_std(fake, 0)
    return tf.reduce_mean(tf.square(mean_gap)) + tf.reduce_mean(tf.square(std_gap))


@keras.saving.register_keras_serializable(package="kerasgen")
class GAN(AdversarialTraining, ImageGenerativeModel):
    """A generator/discriminator pair trained with one of the adversarial losses.

    Args:
        latent_dim: size of the noise z.
        network: ``"dense"`` (MLP pair) or ``"conv"`` (DCGAN pair), sized from `image_shape`.
        hidden_units: dense layer sizes (the generator mirrors the discriminator's).
        filters: convolution filters, one stride-2 stage each.
        normalization: None, ``"batch"`` or ``"layer"``; a critic trained with a gradient
            penalty uses layer norm where batch norm is asked for (the penalty is per example).
        loss: ``"minimax"``, ``"non_saturating"``, ``"least_squares"``, ``"hinge"`` or
            ``"wasserstein"``.
        gradient_penalty: weight of the WGAN-GP penalty (0 = none).
        feature_matching: weight of |mean f(x) - mean f(G(z))|^2 added to the generator loss,
            f = the discriminator's last hidden features (Salimans et al. 2016).
        statistics_matching: weight of an L2 term pulling the generated batch's per-pixel mean
            and standard deviation toward the real batch's.
        label_conditioning: how a conditional discriminator sees the label: ``"concat"``
            (appended to its flattened features) or ``"projection"`` (an inner product with
            its last hidden features; Miyato & Koyama 2018).
        d_steps, clip_value: see `AdversarialTraining`.
        generator, discriminator: optional Keras models used instead of the built ones
            (generator: noise [and one-hot label] -> pre-tanh images; discriminator: images in
            [-1, 1] [and label] -> one score).
    """

    def __init__(self, latent_dim=64, network="dense", hidden_units=(256,), filters=(64, 128),
                 normalization=None, loss="non_saturating", gradient_penalty=0.0,
                 feature_matching=0.0, statistics_matching=0.0, label_conditioning="concat",
                 generator=None, discriminator=None, **kwargs):
        super().__init__(**kwargs)
        self.label_conditioning = v.check_choice("label_conditioning", label_conditioning,
                                                 ("concat", "projection"))
        self.latent_dim = v.check_positive_int("latent_dim", latent_dim)
        self.network = v.check_choice("network", network, NETWORK_KINDS)
        self.hidden_units = v.check_int_list("hidden_units", hidden_units)
        self.filters = v.check_int_list("filters", filters)
        self.normalization = v.check_choice("normalization", normalization, NORMALIZATIONS)
        self.loss_kind = v.check_choice("loss", loss, tuple(ADVERSARIAL_LOSSES))
        self.gradient_penalty = nonnegative_weight("gradient_penalty", gradient_penalty)
        self.feature_matching = nonnegative_weight("feature_matching", feature_matching)
        self.statistics_matching = nonnegative_weight("statistics_matching", statistics_matching)
        self._build_networks(generator, discriminator)
        self.discriminator_features = self.feature_extractor()
        self.create_trackers(self.reported_values())
        self.built = True

    def feature_extractor(self):
        """The discriminator's last hidden features h: the input of its final layer, or with
        a projection discriminator (out = w.h + b + (V y).h) the h of the inner product."""
        layers = self.discriminator.layers
        if isinstance(layers[-1], keras.layers.Add):
            dot = next(layer for layer in layers if isinstance(layer, keras.layers.Dot))
            return keras.Model(self.discriminator.input, dot.input[1])
        return keras.Model(self.discriminator.input, layers[-1].input)

    def reported_values(self):
        """Names of the per-example values logged during training."""
        return ["d_loss", "g_loss"] + (["gradient_penalty"] if self.gradient_penalty else [])

    def _build_networks(self, generator, discriminator):
        condition_dim = self.num_classes or 0
        critic_norm = "layer" if self.gradient_penalty and self.normalization == "batch" \
            else self.normalization
        self.generator, custom_g = given_or_built(generator, lambda: build_decoder(
            self.network, self.latent_dim, self.image_shape, units=self.hidden_units,
            filters=self.filters, activation="relu", condition_dim=condition_dim,
            normalization=self.normalization, name="generator"))
        self.discriminator, custom_d = given_or_built(discriminator, lambda: build_encoder(
            self.network, self.image_shape, 1, units=self.hidden_units, filters=self.filters,
            activation="leaky_relu", condition_dim=condition_dim, normalization=critic_norm,
            projection=self.label_conditioning == "projection", name="discriminator"))
        self._custom = {"generator": custom_g, "discriminator": custom_d}
        if self.gradient_penalty and custom_d and _has_batch_norm(self.discriminator):
            v.fail("discriminator", "a network with BatchNormalization",
                   "one without batch normalization when gradient_penalty > 0: the penalty is "
                   "per example and batch statistics mix the examples (use layer norm)")

    def get_config(self):
        config = super().get_config()
        config.update(latent_dim=self.latent_dim, network=self.network,
                      hidden_units=list(self.hidden_units), filters=list(self.filters),
                      normalization=self.normalization, loss=self.loss_kind,
                      gradient_penalty=self.gradient_penalty,
                      feature_matching=self.feature_matching,
                      statistics_matching=self.statistics_matching,
                      label_conditioning=self.label_conditioning)
        for name, custom in self._custom.items():
            config[name] = keras.layers.serialize(getattr(self, name)) if custom else None
        return config

    # ------------------------------------------------------------------ networks
    def to_model_space(self, images):
        return transforms.scale_to_symmetric(images, self.num_levels)

    def to_data_space(self, x):
        return transforms.unit_to_levels((x + 1.0) / 2.0, self.num_levels)

    def _run(self, network, inputs, condition, training):
        inputs = tf.convert_to_tensor(inputs, tf.float32)
        return network(inputs if condition is None else [inputs, condition], training=training)

    def generate_model_space(self, noise, condition=None, training=False):
        """G(z): images in [-1, 1]."""
        return tf.tanh(self._run(self.generator, noise, condition, training))

    def critic(self, images, condition=None, training=False):
        """D(x): one unconstrained score per image in [-1, 1] (a logit for the logistic
        losses)."""
        return tf.squeeze(self._run(self.discriminator, images, condition, training), -1)

    def _noise(self, batch_size, seed):
        return noise_lib.normal(tf.stack([batch_size, self.latent_dim]), seed)

    # ------------------------------------------------------------------ losses
    def adversarial_d_loss(self, real, fakes, condition, seed, training=True):
        """The discriminator's loss against one or more batches of fakes (averaged over
        them), plus the gradient penalty on the first: ``{"d_loss": [B], ...}``."""
        d_loss_fn, _ = ADVERSARIAL_LOSSES[self.loss_kind]
        real_scores = self.critic(real, condition, training)
        d_loss = tf.add_n([d_loss_fn(real_scores, self.critic(fake, condition, training))
                           for fake in fakes]) / len(fakes)
        if not self.gradient_penalty:
            return {"d_loss": d_loss}
        # folded, not seed + 1: other draws of the step (a VAE-GAN's latents) use seed + c
        penalty = gradient_penalty(lambda x: self.critic(x, condition, training), real, fakes[0],
                                   tf.random.experimental.stateless_fold_in(seed, SALT_PENALTY))
        return {"d_loss": d_loss + self.gradient_penalty * penalty, "gradient_penalty": penalty}

    def adversarial_g_loss(self, real, fakes, condition, training=True):
        """The generator's adversarial loss (averaged over the batches of fakes), plus the
        matching terms on the first batch: ``[B]``."""
        _, g_loss_fn = ADVERSARIAL_LOSSES[self.loss_kind]
        g_loss = tf.add_n([g_loss_fn(self.critic(fake, condition, training))
                           for fake in fakes]) / len(fakes)
        # Batch-level terms, added to every example's loss (so the batch mean gains them once).
        if self.feature_matching:
            g_loss += self.feature_matching * self.feature_matching_term(real, fakes[0],
                                                                         condition, training)
        if self.statistics_matching:
            g_loss += self.statistics_matching * statistics_matching_term(real, fakes[0])
        return g_loss

    def discriminator_losses(self, real, condition, seed, training=True):
        fake = self.generate_model_space(self._noise(tf.shape(real)[0], seed), condition,
                                         training=training)
        return self.adversarial_d_loss(real, [fake], condition, seed, training)

    def generator_losses(self, real, condition, seed, training=True):
        fake = self.generate_model_space(self._noise(tf.shape(real)[0], seed), condition,
                                         training=training)
        return {"g_loss": self.adversarial_g_loss(real, [fake], condition, training)}

    def feature_matching_term(self, real, fake, condition=None, training=False):
        """|mean f(real) - mean f(fake)|^2 over the discriminator's last hidden features."""
        def mean_features(x):
            inputs = x if condition is None else [x, condition]
            return tf.reduce_mean(self.discriminator_features(inputs, training=training), 0)
        return tf.reduce_sum(tf.square(mean_features(real) - mean_features(fake)))

    def call(self, inputs, training=False):
        """Images (data units) from ``noise`` or ``(noise, labels)``."""
        noise, labels = inputs if isinstance(inputs, (tuple, list)) else (inputs, None)
        return self.to_data_space(self.generate_model_space(noise, self.condition_of(labels),
                                                            training))

    # ------------------------------------------------------------------ graph-safe API
    def _generate(self, noise, labels=None):
        return self.to_data_space(self.generate_model_space(noise, self.condition_of(labels)))

    def _sample(self, num_samples, seed, labels=None, truncation=None):
        shape = tf.stack([num_samples, self.latent_dim])
        seed = fixed_seed(seed, SALT_LATENT)
        if truncation is None:
            noise = tf.random.stateless_normal(shape, seed=seed)
        else:
            noise = tf.random.stateless_parameterized_truncated_normal(
                shape, seed=seed, means=0.0, stddevs=1.0, minvals=-truncation,
                maxvals=truncation)
        return self._generate(noise, labels)

    def _discriminate(self, images, labels=None):
        return self.critic(self.to_model_space(images), self.condition_of(labels))

    # ------------------------------------------------------------------ checked user API
    def sample(self, num_samples, seed=None, labels=None, truncation=None):
        """Images ``[num_samples, H, W, C]`` in the data's units; `truncation` t draws z from
        a normal truncated to [-t, t] (less variety, higher fidelity)."""
        num_samples = self.check_num_samples(num_samples)
        labels = self.check_labels(labels, num_samples)
        if truncation is not None:
            truncation = v.check_positive_float("truncation", truncation)
        return self._sample(num_samples, self.resolve_seed(seed), labels, truncation)

    def generate(self, noise, labels=None):
        """Images from given noise ``[N, latent_dim]``."""
        noise = v.check_codes("noise", noise, self.latent_dim)
        return self._generate(noise, self.check_labels(labels, len(noise)))

    def discriminate(self, images, labels=None):
        """Realness scores ``[N]`` (higher = more like the training data): a fake detector."""
        images = self.check_images(images)
        return self._discriminate(images, self.check_labels(labels, len(images))).numpy()

    @strict_options
    def evaluation_report(self, images, labels=None, seed=0, classifier=None, dataset=None,
                          data_dir=None, data_options=None):
        """Test metrics (``kerasgen evaluate``): discriminator scores of the test images and
        of as many samples, and with a `kerasgen.evaluation.Classifier` (or the `dataset`,
        `data_dir` and `data_options` of `kerasgen.data.load` whose cached classifier to
        use) the sample-quality metrics: Frechet and kernel classifier distance, classifier
        score, mode coverage, and label agreement for conditional models, which sample the
        test labels (an unlabeled folder: the two distances, on rotation features)."""
        from kerasgen.evaluation.classifier import get_classifier, sample_quality

        if classifier is None and dataset is not None:
            classifier = get_classifier(dataset, data_dir=data_dir, **(data_options or {}))

        images = self.check_images(images)
        labels = self.check_labels(labels, len(images))
        generated = self._sample(len(images), seed, labels).numpy()
        report = {"discriminator_score_real": float(np.mean(self._discriminate(images, labels))),
                  "discriminator_score_generated": float(np.mean(
                      self._discriminate(generated, labels))),
                  "num_examples": int(len(images))}
        if classifier is not None:
            report.update(sample_quality(classifier, generated, images, generated_labels=labels))
            report["classifier_test_accuracy"] = classifier.test_accuracy
        return report

    # ------------------------------------------------------------------ export
    def _generate_and_discriminate(self):
        noise = tf.TensorSpec([None, self.latent_dim], tf.float32, name="noise")
        images = tf.TensorSpec([None, *self.image_shape], tf.float32, name="images")
        return [
            self.endpoint("generate", lambda noise, labels=None:
                           {"images": self._generate(noise, labels)}, [noise]),
            self.endpoint("discriminate", lambda images, labels=None:
                           {"score": self._discriminate(images, labels)}, [images]),
        ]

    def serving_endpoints(self):
        """``sample`` (default; num_samples, seed), ``generate`` (noise), ``discriminate``."""
        scalar = lambda name: tf.TensorSpec([], tf.int32, name=name)  # noqa: E731
        sample = self.endpoint("sample", lambda num_samples, seed, labels=None:
                                {"images": self._sample(num_samples, seed, labels)},
                                [scalar("num_samples"), scalar("seed")])
        return [sample, *self._generate_and_discriminate()]

    def tflite_endpoints(self):
        """``generate`` (noise in), ``discriminate`` and ``sample`` drawing its own noise with
        the builtin RandomStandardNormal."""
        def sample(num_samples, labels=None):
            noise = tf.random.normal(tf.stack([num_samples, self.latent_dim]))
            return {"images": self._generate(noise, labels)}

        return [*self._generate_and_discriminate(),
                self.endpoint("sample", sample, [tf.TensorSpec([], tf.int32, "num_samples")],
                               deterministic=False)]


@keras.saving.register_keras_serializable(package="kerasgen")
class ConditionalGAN(GAN):
    """A GAN whose generator and discriminator both see the class label (Mirza & Osindero).

    Example:
        >>> cgan = ConditionalGAN(num_classes=10, latent_dim=8, hidden_units=(32,))
        >>> cgan.sample(3, seed=0, labels=[0, 1, 2]).shape
        TensorShape([3, 8, 8, 1])
    """

    def __init__(self, num_classes=10, **kwargs):
        if num_classes is None:
            v.fail("num_classes", "None", "a positive number of classes for a conditional GAN")
        super().__init__(num_classes=num_classes, **kwargs)
