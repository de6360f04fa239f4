"""`DiffusionModel`: DDPM (Ho et al. 2020) trained with ``fit``, sampled by DDPM or DDIM, with
its variational bound in bits/dim.

#### Mathematical details

Pixels of L levels are scaled to x_0 = 2 k / (L - 1) - 1 in [-1, 1]. The forward process and
its coefficients are `kerasgen.models.diffusion.process.NoiseSchedule` (linear or cosine):

    q(x_t | x_0) = N(sqrt(abar_t) x_0, (1 - abar_t) I)

A U-Net (`kerasgen.networks.unet`) predicts the noise, eps_theta(x_t, t[, y]), trained with
the simple loss of a uniformly drawn step t and noise eps:

    L_simple = || eps - eps_theta(sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps, t) ||^2 / D

With `learn_variance` the network also outputs v in [-1, 1] per pixel, the log variance of
p(x_{t-1} | x_t) interpolates log beta_t and log beta~_t (improved DDPM), and the hybrid loss
adds `hybrid_weight` * T * L_t (the bound's term at t in bits per dimension, gradients to
the variance only).

The bound on -log p(x_0) (nats, over all T terms, each with its own draw of x_t):

    L = KL(q(x_T | x_0) || N(0, I))
      + sum_{t=2}^T KL(q(x_{t-1} | x_t, x_0) || p(x_{t-1} | x_t))
      - log p(x_0 | x_1)         (a discretized Gaussian on the L levels: a probability)

Sampling runs the reverse process over `steps` of the T steps (t_S > ... > t_1, then x_0),
the DDIM update (Song et al. 2021) with x0 = the clipped prediction of x_0:

    x_prev = sqrt(abar_prev) x0 + sqrt(1 - abar_prev - s^2) eps + sqrt(v) * temperature * z
    s^2 = eta^2 beta~,  v = eta^2 beta~ (fixed variances) or eta^2 exp(learned log variance)

(beta~ the posterior variance between the two steps): eta = 1 over all T steps is DDPM's
ancestral sampler, eta = 0 the deterministic DDIM. Class-conditional models drop the label
(to the extra class K) with probability `label_dropout` in training, and sample with
classifier-free guidance: eps = eps(x, t) + guidance * (eps(x, t, y) - eps(x, t)).
The network that samples is an exponential moving average of the trained weights
(`ema_decay`), which the ``.keras`` file keeps.

Example:
    >>> import kerasgen
    >>> data = kerasgen.data.load("digits", batch_size=64)
    >>> model = DiffusionModel(image_shape=(8, 8, 1), num_levels=17, num_steps=20,
    ...                        schedule="cosine", filters=8, channel_multipliers=(1,),
    ...                        num_res_blocks=1, attention_levels=0, groups=4)
    >>> model.compile_with_defaults()
    >>> _ = model.fit(data, epochs=1, steps_per_epoch=2, verbose=0)
    >>> model.sample(2, seed=0, steps=5).shape
    TensorShape([2, 8, 8, 1])

References:
    Ho, Jain & Abbeel 2020, "Denoising Diffusion Probabilistic Models".
    Nichol & Dhariwal 2021, "Improved Denoising Diffusion Probabilistic Models".
    Song, Meng & Ermon 2021, "Denoising Diffusion Implicit Models".
    Ho & Salimans 2021, "Classifier-Free Diffusion Guidance".
"""

import math

import keras
import numpy as np
import tensorflow as tf

from kerasgen.models.base import ImageGenerativeModel, strict_options
from kerasgen.models.diffusion.process import (
    SCHEDULES,
    NoiseSchedule,
    discretized_gaussian_log_likelihood,
    normal_kl,
    prior_kl,
)
from kerasgen.networks.unet import build_unet, check_unet
from kerasgen.training.maximum_likelihood import MaximumLikelihoodTraining
from kerasgen.utils import noise
from kerasgen.utils import validation as v
from kerasgen.utils.noise import fixed_seed

SALT_STEP = 31
SALT_NOISE = 32
SALT_LABEL_DROP = 33
SALT_BOUND = 34
SALT_SAMPLE = 35
SALT_KNOWN = 36
BOUND_EXAMPLES = 256  # test images the reported bound averages (T network passes each)
LINEAR_MIN_STEPS = 20  # DDPM's linear betas end at 0.02 * 1000 / T


@keras.saving.register_keras_serializable(package="kerasgen")
class DiffusionModel(MaximumLikelihoodTraining, ImageGenerativeModel):
    """A denoising diffusion model of integer images (module docstring).

    Args:
        num_steps: T, the steps of the forward process.
        schedule: ``"linear"`` (DDPM's betas 1e-4..0.02, scaled to T) or ``"cosine"``.
        filters, channel_multipliers, num_res_blocks, attention_levels, groups, dropout: the
            U-Net (`kerasgen.networks.unet.build_unet`).
        learn_variance: also learn the reverse variances (improved DDPM's hybrid loss,
            weighted by `hybrid_weight`).
        ema_decay: decay of the weight average that samples and scores.
        label_dropout: probability of training a conditional model without its label.
        sampling_steps: the default number of reverse steps (None: all T).
        eta: the default DDIM eta (1: DDPM's ancestral sampler, 0: deterministic DDIM).
        guidance: the default classifier-free guidance scale (conditional models; 1: plain
            conditional sampling).
        image_shape, num_levels, num_classes, seed: see `ImageGenerativeModel`.
    """

    integer_images = True

    def __init__(self, num_steps=1000, schedule="linear", filters=32,
                 channel_multipliers=(1, 2, 2), num_res_blocks=2, attention_levels=1,
                 groups=8, dropout=0.1, learn_variance=False, hybrid_weight=0.001,
                 ema_decay=0.999, label_dropout=0.1, sampling_steps=None, eta=1.0,
                 guidance=1.0, **kwargs):
        super().__init__(**kwargs)
        v.check_choice("schedule", schedule, SCHEDULES)
        num_steps = v.check_positive_int("num_steps", num_steps)
        if schedule == "linear" and num_steps <= LINEAR_MIN_STEPS:
            v.fail("num_steps", f"{num_steps} with the linear schedule",
                   f"more than {LINEAR_MIN_STEPS} (its betas, scaled by 1000 / num_steps, reach "
                   "1 there), or schedule='cosine'")
        self.schedule = NoiseSchedule(schedule, num_steps)
        (self.filters, self.channel_multipliers, self.num_res_blocks, self.attention_levels,
         self.groups) = check_unet(self.image_shape, filters, channel_multipliers,
                                   num_res_blocks, attention_levels, groups)
        self.dropout = v.check_probability("dropout", dropout)
        self.learn_variance = v.check_bool("learn_variance", learn_variance)
        self.hybrid_weight = v.check_non_negative_float("hybrid_weight", hybrid_weight)
        self.ema_decay = v.check_probability("ema_decay", ema_decay)
        self.label_dropout = v.check_probability("label_dropout", label_dropout)
        self.sampling_steps = self._check_steps(sampling_steps)
        self.eta = v.check_non_negative_float("eta", eta)
        self.guidance = v.check_non_negative_float("guidance", guidance)
        self.loss_names = ("loss", "mse", "vlb") if self.learn_variance else ("loss", "mse")
        self.create_trackers(self.loss_names)
        channels = self.image_shape[-1]
        build = lambda name: build_unet(  # noqa: E731
            self.image_shape, channels * (2 if self.learn_variance else 1), self.filters,
            self.channel_multipliers, self.num_res_blocks, self.attention_levels, self.groups,
            self.dropout, self.num_classes, name=name)
        self.network = build("unet")
        self.ema_network = build("ema_unet")
        self.ema_network.trainable = False
        self.ema_network.set_weights(self.network.get_weights())
        self.built = True

    def _check_steps(self, steps, name="sampling_steps"):
        if steps is None:
            return None
        steps = v.check_positive_int(name, steps)
        if steps > self.schedule.num_steps:
            v.fail(name, repr(steps),
                   f"a number of steps in [1, num_steps = {self.schedule.num_steps}]")
        return steps

    def get_config(self):
        config = super().get_config()
        config.update(
            num_steps=self.schedule.num_steps, schedule=self.schedule.kind,
            filters=self.filters, channel_multipliers=list(self.channel_multipliers),
            num_res_blocks=self.num_res_blocks, attention_levels=self.attention_levels,
            groups=self.groups, dropout=self.dropout, learn_variance=self.learn_variance,
            hybrid_weight=self.hybrid_weight, ema_decay=self.ema_decay,
            label_dropout=self.label_dropout, sampling_steps=self.sampling_steps,
            eta=self.eta, guidance=self.guidance)
        return config

    def compile_with_defaults(self, learning_rate=None):
        """Adam at 2e-4 (DDPM's), or `learning_rate`."""
        self.compile(optimizer=keras.optimizers.Adam(learning_rate or 2e-4))

    # ------------------------------------------------------------------ the model
    def to_unit(self, images):
        """Levels [0, L - 1] -> x_0 in [-1, 1]."""
        return tf.cast(images, tf.float32) * (2.0 / (self.num_levels - 1)) - 1.0

    def to_levels(self, x):
        """x in [-1, 1] -> the nearest level (the discretized decoder's most likely one)."""
        return tf.round((tf.clip_by_value(x, -1.0, 1.0) + 1.0) * (self.num_levels - 1) / 2.0)

    def _predict(self, network, xt, t, labels=None, training=False):
        """The network's eps ``[B, H, W, C]`` and (learned variances) v, or None."""
        inputs = [xt, tf.cast(t, tf.float32)]
        if self.num_classes is not None:
            inputs.append(tf.cast(labels, tf.int32))
        out = network(inputs, training=training)
        channels = self.image_shape[-1]
        if not self.learn_variance:
            return out, None
        return out[..., :channels], tf.tanh(out[..., channels:])

    def _guided(self, xt, t, labels, guidance):
        """eps (and v) of the sampling network, with classifier-free guidance."""
        if self.num_classes is None:
            return self._predict(self.ema_network, xt, t)
        batch = tf.shape(xt)[0]
        null = tf.fill([batch], self.num_classes)
        eps, var = self._predict(self.ema_network, tf.concat([xt, xt], 0),
                                 tf.concat([t, t], 0), tf.concat([tf.cast(labels, tf.int32),
                                                                  null], 0))
        conditional, unconditional = eps[:batch], eps[batch:]
        guided = unconditional + guidance * (conditional - unconditional)
        return guided, None if var is None else var[:batch]

    def per_example_losses(self, images, labels, seed, training):
        x0 = self.to_unit(images)
        batch = tf.shape(x0)[0]
        t = tf.minimum(tf.cast(noise.uniform([batch], seed + SALT_STEP)
                               * self.schedule.num_steps, tf.int32), self.schedule.num_steps - 1)
        eps = noise.normal(tf.shape(x0), seed + SALT_NOISE)
        xt = self.schedule.q_sample(x0, t, eps)
        if self.num_classes is not None:
            dropped = noise.uniform([batch], seed + SALT_LABEL_DROP) < self.label_dropout
            labels = tf.where(dropped, self.num_classes, tf.cast(labels, tf.int32))
        predicted, var = self._predict(self.network, xt, t, labels, training)
        mse = tf.reduce_mean(tf.square(eps - predicted), axis=[1, 2, 3])
        if not self.learn_variance:
            return {"loss": mse, "mse": mse}
        # The bound's term at t trains the variance only (improved DDPM's stop-gradient).
        vlb = self._term(x0, xt, t, tf.stop_gradient(predicted), var) \
            / (self.num_dims * math.log(2.0))  # bits per dim, as improved DDPM's lambda
        return {"loss": mse + self.hybrid_weight * self.schedule.num_steps * vlb, "mse": mse,
                "vlb": vlb}

    def after_update(self):
        decay = self.ema_decay
        for average, weight in zip(self.ema_network.weights, self.network.weights):
            average.assign(decay * average + (1.0 - decay) * weight)

    # ------------------------------------------------------------------ the bound
    def _term(self, x0, xt, t, eps, var):
        """The bound's term L_t in nats per image ``[B]``: the KL of the posterior from
        p(x_{t-1} | x_t) (t > 0), -log p(x_0 | x_1) at t = 0."""
        log_variance = None if var is None else self.schedule.learned_log_variance(t, var)
        mean, log_variance, _ = self.schedule.p_mean_variance(xt, t, eps, log_variance,
                                                              clip_x0=False)
        true_mean, _, true_log_variance = self.schedule.q_posterior(x0, xt, t)
        kl = tf.reduce_sum(normal_kl(true_mean, true_log_variance, mean, log_variance),
                           axis=[1, 2, 3])
        decoder = -tf.reduce_sum(discretized_gaussian_log_likelihood(
            x0, mean, 0.5 * log_variance, self.num_levels), axis=[1, 2, 3])
        return tf.where(tf.equal(t, 0), decoder, kl)

    @tf.function(reduce_retracing=True)
    def _bound(self, images, labels, seed):
        """The bound's T + 1 terms ``[B, T + 1]`` in nats per image (prior term last), one
        network pass per step over the batch, each step with its own x_t."""
        x0 = self.to_unit(images)
        batch = tf.shape(x0)[0]
        steps = self.schedule.num_steps

        def term(t):
            ts = tf.fill([batch], t)
            eps = tf.random.stateless_normal(tf.shape(x0),
                                             tf.random.experimental.stateless_fold_in(seed, t))
            xt = self.schedule.q_sample(x0, ts, eps)
            predicted, var = self._predict(self.ema_network, xt, ts, labels)
            return self._term(x0, xt, ts, predicted, var)

        terms = tf.map_fn(term, tf.range(steps), fn_output_signature=tf.float32)  # [T, B]
        prior = tf.reduce_sum(prior_kl(self.schedule, x0), axis=[1, 2, 3])
        return tf.concat([tf.transpose(terms), prior[:, None]], axis=1)

    def log_prob(self, images, labels=None, seed=0, batch_size=64):
        """The variational lower bound on log p(x) in nats per image (a bound: the model's
        likelihood is at least this)."""
        images = self.check_images(images)
        labels = self.check_labels(labels, len(images))
        v.check_int("seed", seed)
        batch_size = v.check_positive_int("batch_size", batch_size)
        key = fixed_seed(seed, SALT_BOUND)
        # Each chunk its own draws (a shorter batch's draws are the first rows of a longer
        # one's: without the fold-in, image j and j + batch_size would share their x_t).
        return -np.concatenate([tf.reduce_sum(self._bound(
            tf.constant(images[i:i + batch_size]),
            None if labels is None else tf.constant(labels[i:i + batch_size]),
            key if i == 0 else tf.random.experimental.stateless_fold_in(key, i)), 1).numpy()
            for i in range(0, len(images), batch_size)])

    def bits_per_dim(self, images, labels=None, seed=0, batch_size=64):
        """The bound in bits per dimension (upper bound on the model's bits/dim)."""
        return -self.log_prob(images, labels, seed, batch_size) / (self.num_dims * math.log(2))

    def anomaly_score(self, images, labels=None):
        """The bound's negative log-likelihood: higher means less like the training data."""
        return -self.log_prob(images, labels)

    # ------------------------------------------------------------------ sampling
    def _steps_tensor(self, steps):
        """The descending step indices ``[S]`` of a run of `steps` (a tensor: Serving input),
        evenly spaced from T - 1 to 0, rounded as `NoiseSchedule.timesteps`."""
        last = float(self.schedule.num_steps - 1)
        steps = tf.clip_by_value(steps, 1, self.schedule.num_steps)  # (Serving inputs)
        return tf.cast(tf.floor(tf.linspace(last, 0.0, steps) + 0.5), tf.int32)

    def _reverse(self, xT, labels, steps, eta, guidance, temperature, draw, known=None,
                 known_mask=None):
        """Run the reverse process from x_T over `steps` steps (module docstring); `draw(i,
        salt)` gives the noise of step i. With `known` x_0 values where `known_mask`, those
        pixels are replaced by a forward draw at each step and exactly at the end."""
        ts = self._steps_tensor(steps)
        count = tf.shape(ts)[0]
        batch = tf.shape(xT)[0]

        def body(i, x):
            t = tf.fill([batch], ts[i])
            t_prev = tf.fill([batch], tf.where(i + 1 < count, ts[tf.minimum(i + 1, count - 1)],
                                               -1))
            eps, var = self._guided(x, t, labels, guidance)
            x = self.schedule.reverse_step(x, t, t_prev, eps, eta,
                                           temperature * draw(i, SALT_SAMPLE), var)
            if known is not None:
                forward = self.schedule.q_sample_or_x0(known, t_prev, draw(i, SALT_KNOWN))
                x = tf.where(known_mask, forward, x)
            return i + 1, x

        _, x0 = tf.while_loop(lambda i, x: i < count, body, (tf.constant(0), xT))
        if known is not None:
            x0 = tf.where(known_mask, known, x0)
        return self.to_levels(x0)

    def _stateless_draw(self, seed, shape):
        key = fixed_seed(seed, SALT_SAMPLE)
        return lambda i, salt: tf.random.stateless_normal(
            shape, tf.random.experimental.stateless_fold_in(key, i * 4 + salt))

    def _sample(self, num_samples, seed, steps, eta, guidance, temperature=1.0, labels=None):
        shape = tf.concat([[num_samples], self.image_shape], 0)
        draw = self._stateless_draw(seed, shape)
        return self._reverse(draw(-1, 0), labels, steps, eta, guidance, temperature, draw)

    @tf.function(reduce_retracing=True)
    def _sample_graph(self, num_samples, seed, steps, eta, guidance, temperature, labels):
        return self._sample(num_samples, seed, steps, eta, guidance, temperature, labels)

    def _sampling_options(self, steps, eta, guidance, temperature):
        steps = self._check_steps(steps, "steps") or self.sampling_steps \
            or self.schedule.num_steps
        eta = self.eta if eta is None else v.check_non_negative_float("eta", eta)
        guidance = self.guidance if guidance is None else v.check_non_negative_float(
            "guidance", guidance)
        if guidance != self.guidance and self.num_classes is None:
            v.fail("guidance", repr(guidance), "None: guidance needs a class-conditional model")
        v.check_positive_float("temperature", temperature)
        return tf.constant(steps), tf.constant(eta, tf.float32), \
            tf.constant(guidance, tf.float32), tf.constant(temperature, tf.float32)

    def sample(self, num_samples, seed=None, temperature=1.0, labels=None, steps=None,
               eta=None, guidance=None):
        """Images ``[num_samples, H, W, C]`` (levels) from the reverse process: `steps` of
        the T steps (default: the model's `sampling_steps`, else T), DDIM's `eta` (1: DDPM),
        classifier-free `guidance` for conditional models, the added noise scaled by
        `temperature`."""
        num_samples = self.check_num_samples(num_samples)
        labels = self.check_labels(labels, num_samples)
        options = self._sampling_options(steps, eta, guidance, temperature)
        return self._sample_graph(tf.constant(num_samples), tf.constant(
            self.resolve_seed(seed)), *options,
            None if labels is None else tf.constant(labels, tf.int32))

    def complete(self, images, known_mask, seed=None, temperature=1.0, labels=None,
                 steps=None, eta=None, guidance=None):
        """Fill the unknown pixels of `images` (`known_mask` booleans ``[N, H, W]`` or ``[H,
        W]``, True = known) by the reverse process, the known pixels replaced at each step by
        their forward draw (the replacement method); known pixels come back unchanged."""
        images = self.check_images(images)
        mask = np.asarray(known_mask)
        if mask.dtype != bool:
            v.fail("known_mask", f"dtype {mask.dtype}", "booleans (True = known)")
        if mask.ndim == 2:
            mask = np.broadcast_to(mask, images.shape[:3])
        if mask.shape != images.shape[:3]:
            v.fail("known_mask", f"shape {np.asarray(known_mask).shape}",
                   f"[H, W] or [N, H, W] matching images {images.shape}")
        labels = self.check_labels(labels, len(images))
        steps, eta, guidance, temperature = self._sampling_options(steps, eta, guidance,
                                                                   temperature)
        mask = np.broadcast_to(mask[..., None], images.shape)
        filled = self._complete_graph(tf.constant(images), tf.constant(mask),
                                      tf.constant(self.resolve_seed(seed)), steps, eta,
                                      guidance, temperature,
                                      None if labels is None else tf.constant(labels, tf.int32))
        return tf.where(mask, tf.constant(images), filled)

    @tf.function(reduce_retracing=True)
    def _complete_graph(self, images, mask, seed, steps, eta, guidance, temperature, labels):
        draw = self._stateless_draw(seed, tf.shape(images))
        return self._reverse(draw(-1, 0), labels, steps, eta, guidance, temperature, draw,
                             known=self.to_unit(images), known_mask=mask)

    # ------------------------------------------------------------------ evaluation
    @strict_options
    def evaluation_report(self, images, labels=None, seed=0, classifier=None, dataset=None,
                          data_dir=None, data_options=None, bound_examples=BOUND_EXAMPLES):
        """Test metrics (``kerasgen evaluate``): the bound (``nll_nats``, ``bits_per_dim``)
        over the first `bound_examples` test images (None: all; each costs T network
        passes) and, with a classifier (or the `dataset` whose cached classifier to use),
        the sample metrics of the GANs on as many samples as test images."""
        from kerasgen.evaluation.classifier import get_classifier, sample_quality

        images = self.check_images(images)
        labels = self.check_labels(labels, len(images))
        count = len(images) if bound_examples is None else min(
            v.check_positive_int("bound_examples", bound_examples), len(images))
        nll = -self.log_prob(images[:count], None if labels is None else labels[:count],
                             seed=seed)
        report = {"nll_nats": float(nll.mean()),
                  "bits_per_dim": float(nll.mean() / (self.num_dims * math.log(2))),
                  "bound_examples": int(count), "num_examples": int(len(images))}
        if classifier is None and dataset is not None:
            classifier = get_classifier(dataset, data_dir=data_dir, **(data_options or {}))
        if classifier is not None:
            generated = self.sample(len(images), seed=seed, labels=labels).numpy()
            report.update(sample_quality(classifier, generated, images, generated_labels=labels))
            report["classifier_test_accuracy"] = classifier.test_accuracy
        return report

    # ------------------------------------------------------------------ export
    def _denoise(self, noisy, step, noise, labels=None):  # noqa: F811 (the input's name)
        """One DDPM step from x_t (levels scaled to [-1, 1]) at step index `step` to
        x_{t-1} with the given noise: ``{"denoised": x_{t-1}, "x0": the prediction}``."""
        t = tf.fill([tf.shape(noisy)[0]], tf.clip_by_value(step, 0, self.schedule.num_steps - 1))
        eps, var = self._guided(noisy, t, labels, tf.constant(self.guidance))
        x = self.schedule.reverse_step(noisy, t, t - 1, eps, tf.constant(1.0), noise, var)
        return {"denoised": x, "x0": tf.clip_by_value(self.schedule.predict_x0(noisy, t, eps),
                                                      -1.0, 1.0)}

    def example_input(self, spec, batch_size, rng):
        """``step``: a step index; ``steps``: a short run; ``eta``, ``guidance``: 1."""
        if spec.name == "step":
            return np.asarray(min(3, self.schedule.num_steps - 1), np.int32)
        if spec.name == "steps":
            return np.asarray(min(4, self.schedule.num_steps), np.int32)
        if spec.name in ("eta", "guidance"):
            return np.asarray(1.0, np.float32)
        return super().example_input(spec, batch_size, rng)

    def serving_endpoints(self):
        """``sample`` (default: num_samples, seed, steps, eta[, labels, guidance]),
        ``bits_per_dim`` (the bound, seed 0) and ``denoise`` (one DDPM step: noisy in [-1,
        1], step, noise)."""
        scalar = lambda name, dtype=tf.int32: tf.TensorSpec([], dtype, name=name)  # noqa: E731
        images = tf.TensorSpec([None, *self.image_shape], tf.float32, name="images")
        field = tf.TensorSpec([None, *self.image_shape], tf.float32, name="noisy")
        noise_spec = tf.TensorSpec([None, *self.image_shape], tf.float32, name="noise")
        conditional = self.num_classes is not None

        def sample(num_samples, seed, steps, eta, labels=None, guidance=None):
            return {"images": self._sample(num_samples, seed, steps, eta,
                                           self.guidance if guidance is None else guidance,
                                           1.0, labels)}

        def bits_per_dim(images, labels=None):
            nats = tf.reduce_sum(self._bound(images, labels, fixed_seed(0, SALT_BOUND)), 1)
            return {"bits_per_dim": nats / (self.num_dims * math.log(2.0))}

        sample_specs = [scalar("num_samples"), scalar("seed"), scalar("steps"),
                        scalar("eta", tf.float32)] + (
                            [scalar("guidance", tf.float32)] if conditional else [])
        return [self.endpoint("sample", sample, sample_specs),
                self.endpoint("bits_per_dim", bits_per_dim, [images]),
                self.endpoint("denoise", self._denoise, [field, scalar("step"), noise_spec])]

    def tflite_endpoints(self):
        """``denoise`` (one step, noise in: equal to Keras) for apps that loop, and
        ``sample`` (the whole loop of the model's default steps and eta, a WHILE, noise from
        the builtin RandomStandardNormal)."""
        field = tf.TensorSpec([None, *self.image_shape], tf.float32, name="noisy")
        noise_spec = tf.TensorSpec([None, *self.image_shape], tf.float32, name="noise")
        steps = self.sampling_steps or self.schedule.num_steps

        def sample(num_samples, labels=None):
            shape = tf.concat([[num_samples], self.image_shape], 0)
            draw = lambda i, salt: tf.random.normal(shape)  # noqa: E731
            return {"images": self._reverse(draw(-1, 0), labels, tf.constant(steps),
                                            tf.constant(self.eta), tf.constant(self.guidance),
                                            1.0, draw)}

        return [self.endpoint("denoise", self._denoise,
                              [field, tf.TensorSpec([], tf.int32, "step"), noise_spec]),
                self.endpoint("sample", sample, [tf.TensorSpec([], tf.int32, "num_samples")],
                              deterministic=False)]


@keras.saving.register_keras_serializable(package="kerasgen")
class ConditionalDiffusionModel(DiffusionModel):
    """A class-conditional `DiffusionModel`, sampled with classifier-free guidance.

    Example:
        >>> model = ConditionalDiffusionModel(num_classes=10, num_steps=8, schedule="cosine",
        ...                                   filters=8, channel_multipliers=(1,),
        ...                                   num_res_blocks=1, attention_levels=0, groups=4,
        ...                                   guidance=2.0)
        >>> model.sample(3, seed=0, labels=[0, 1, 2], steps=2).shape
        TensorShape([3, 8, 8, 1])
    """

    def __init__(self, num_classes=10, **kwargs):
        if num_classes is None:
            v.fail("num_classes", "None",
                   "a positive number of classes for a conditional diffusion model")
        super().__init__(num_classes=num_classes, **kwargs)
