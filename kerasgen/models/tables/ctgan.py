"""`TabularGAN` (CTGAN, Xu et al. 2019): a conditional WGAN-GP over table rows.

#### Mathematical details

Rows enter as the transformer's encoding (`kerasgen.data.TableTransformer`). The generator
maps noise z ~ N(0, I) and a conditional vector c to raw outputs, activated per segment:

    value parts      tanh                          (alpha in [-1, 1])
    one-hot parts    Gumbel-softmax, temperature 0.2, while training; a draw (Gumbel-max)
                     when sampling

The conditional vector c is the one-hot of one category of one categorical column (zeros
elsewhere). Training by sampling: a batch of real rows is drawn as CTGAN draws it
(`training_rows`: a column uniformly, a category with probability proportional to
log(1 + its frequency), then a row holding it), so rare categories are seen; each row's
condition is the category it was drawn for. Rows given to ``fit`` directly (arrays or a
DataFrame, the plain Keras path) take one column per row, uniformly, and the row's own
category there.

    critic    D(pack(x, c)): PacGAN packing, `pac` rows (and their conditions) concatenated
              into one critic input; dense layers with leaky ReLU
    d_loss    mean D(fake pack) - mean D(real pack) + gp_weight * (||grad D(x_hat)|| - 1)^2
    g_loss    -mean D(fake pack) + cross-entropy(generated logits of the conditioned column,
              the asked category)

Sampling without conditions draws the column uniformly and the category by its training
frequency (what the generator saw, reweighted to the data's marginal); ``sample(n,
conditions={"column": value})`` puts that category in c (and, as every table model, keeps
only rows carrying every asked value). SDV's CTGAN defaults: embedding 128, generator and
critic (256, 256), Adam 2e-4 (beta_1 0.5, beta_2 0.9), batch 500, pac 10. The critic here has
no dropout (CTGAN's 0.5): its stateful noise would not resume exactly.

Example:
    >>> from kerasgen.data import TableTransformer, load_table
    >>> table = load_table("iris", split="train")
    >>> gan = TabularGAN(transformer=TableTransformer.fit(table), latent_dim=8,
    ...                  generator_units=(32,), critic_units=(32,), pac=4)
    >>> gan.compile_with_defaults()
    >>> _ = gan.fit(table.frame, batch_size=40, epochs=1, verbose=0)
    >>> gan.sample(4, seed=0, conditions={"class": "virginica"})["class"].tolist()
    ['virginica', 'virginica', 'virginica', 'virginica']

References:
    Xu, Skoularidou, Cuesta-Infante & Veeramachaneni 2019, "Modeling Tabular Data using
    Conditional GAN".
    Lin, Khetan, Fanti & Oh 2018, "PacGAN: The power of two samples in generative
    adversarial networks".
    Gulrajani et al. 2017, "Improved Training of Wasserstein GANs".
"""

import keras
import numpy as np
import tensorflow as tf

from kerasgen.distributions.categorical import gumbel_argmax
from kerasgen.models.base import strict_options
from kerasgen.models.tables.base import TableGenerativeModel
from kerasgen.training.adversarial import AdversarialTraining
from kerasgen.training.adversarial_losses import gradient_penalty
from kerasgen.utils import noise
from kerasgen.utils import validation as v
from kerasgen.utils.noise import SALT_LATENT, fixed_seed

SALT_CONDITION = 21
SALT_GUMBEL = 22
SALT_PENALTY = 23
GUMBEL_TEMPERATURE = 0.2


def _categorical_segments(transformer):
    """The "category" segments the conditional vector covers, and their offsets in it."""
    segments, start = [], 0
    for segment in transformer.segments:
        if segment.part == "category":
            segments.append((segment, start))
            start += segment.width
    return segments, start


@keras.saving.register_keras_serializable(package="kerasgen")
class TabularGAN(AdversarialTraining, TableGenerativeModel):
    """CTGAN: conditional generator, packed WGAN-GP critic (module docstring).

    Args:
        latent_dim: size of the noise z (CTGAN's ``embedding_dim``).
        generator_units: the generator's residual dense layers (each output concatenated
            to its input, batch-normalized, ReLU).
        critic_units: the critic's dense layers (leaky ReLU 0.2).
        pac: rows per critic input (PacGAN); batches are filled up to a multiple of it by
            repeating rows.
        gradient_penalty: weight of the WGAN-GP term.
        transformer, seed: see `TableGenerativeModel`; d_steps: see `AdversarialTraining`.
    """

    def __init__(self, latent_dim=128, generator_units=(256, 256), critic_units=(256, 256),
                 pac=10, gradient_penalty=10.0, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = v.check_positive_int("latent_dim", latent_dim)
        self.generator_units = v.check_int_list("generator_units", generator_units)
        self.critic_units = v.check_int_list("critic_units", critic_units)
        self.pac = v.check_positive_int("pac", pac)
        self.gradient_penalty = v.check_positive_float("gradient_penalty", gradient_penalty)
        self.condition_segments, self.condition_width = _categorical_segments(self.transformer)
        self.create_trackers(["d_loss", "wasserstein", "g_loss", "condition_cross_entropy"])
        width = self.transformer.encoded_width
        self.generator = _residual_generator(self.latent_dim + self.condition_width, width,
                                             self.generator_units)
        self.discriminator = _packed_critic(self.pac * (width + self.condition_width),
                                            self.critic_units)
        self.built = True

    def get_config(self):
        config = super().get_config()
        config.update(latent_dim=self.latent_dim, generator_units=list(self.generator_units),
                      critic_units=list(self.critic_units), pac=self.pac,
                      gradient_penalty=self.gradient_penalty)
        return config

    def compile_with_defaults(self, learning_rate=None):
        """CTGAN's optimizers: Adam(2e-4, beta_1=0.5, beta_2=0.9) for both networks."""
        def make():
            return keras.optimizers.Adam(learning_rate or 2e-4, beta_1=0.5, beta_2=0.9)
        self.compile(d_optimizer=make(), g_optimizer=make())

    # ------------------------------------------------------------------ conditions
    def condition_of(self, labels):
        """The conditioned column of each row (an index among `condition_segments`), as
        `training_rows` gives it, or None (each row draws one)."""
        return None if labels is None else tf.cast(tf.reshape(labels, [-1]), tf.int32)

    def conditions_of_rows(self, encoded, columns):
        """Conditional vectors ``[B, condition_width]``: the one-hot, in the segment of
        condition column ``columns[i]``, of row i's own category there."""
        parts = []
        for index, (segment, _) in enumerate(self.condition_segments):
            chosen = tf.cast(tf.equal(columns, index), tf.float32)[:, None]
            parts.append(encoded[:, segment.start:segment.start + segment.width] * chosen)
        return tf.concat(parts, axis=1)

    def training_data(self, rows, seed=0):
        return self.training_rows(rows, seed)

    def training_rows(self, rows, seed=0):
        """``(codes, condition columns)`` of a resample of `rows` (as many rows) drawn by
        CTGAN's training by sampling: a condition column uniformly, a category of it with
        probability proportional to log(1 + its count), a row holding it uniformly. Feed
        them to ``fit(codes, columns)``; the resample is drawn once (seeded), so training
        on it resumes exactly and splits across replicas like any array."""
        codes = self.check_rows(rows)
        if not self.condition_segments:
            return codes, None
        rng = np.random.default_rng(v.check_int("seed", seed))
        columns = rng.integers(0, len(self.condition_segments), size=len(codes))
        picked = np.empty(len(codes), np.int64)
        for index, (segment, _) in enumerate(self.condition_segments):
            where = np.flatnonzero(columns == index)
            values = codes[:, segment.column].astype(np.int64)
            present = np.unique(values)
            counts = np.array([(values == k).sum() for k in present])
            weights = np.log1p(counts) / np.log1p(counts).sum()
            categories = rng.choice(present, size=len(where), p=weights)
            for k in present:
                chosen = where[categories == k]
                picked[chosen] = rng.choice(np.flatnonzero(values == k), size=len(chosen))
        return codes[picked], columns.astype(np.int32)

    def _random_columns(self, batch, seed):
        count = len(self.condition_segments)
        uniforms = noise.uniform(tf.stack([batch]), seed)
        return tf.minimum(tf.cast(uniforms * count, tf.int32), count - 1)

    def sampling_conditions(self, num_samples, seed, condition=None):
        """Conditional vectors for sampling: the asked category of the first condition on a
        categorical column, else a column uniformly and a category by its frequency."""
        if not self.condition_segments:
            return tf.zeros([num_samples, 0])
        asked = self._native_condition(condition)
        if asked is not None:
            offset, width, index = asked
            row = np.zeros([self.condition_width], np.float32)
            row[offset + index] = 1.0
            return tf.tile(tf.constant(row)[None], [num_samples, 1])
        key = fixed_seed(seed, SALT_CONDITION)
        columns = tf.random.stateless_uniform([num_samples], key, 0,
                                              len(self.condition_segments), dtype=tf.int32)
        return self._frequency_conditions(columns, lambda logits, index: (
            tf.random.stateless_categorical(
                logits, 1, tf.random.experimental.stateless_fold_in(key, index + 1))[:, 0]))

    def _frequency_conditions(self, columns, draw):
        """Conditional vectors for condition columns `columns` ``[N]``, each category drawn
        by its training frequency with ``draw(logits [N, K], segment index) -> [N]``."""
        parts = []
        for index, (segment, _) in enumerate(self.condition_segments):
            logits = tf.math.log(tf.constant(self._frequencies(segment), tf.float32))
            categories = draw(tf.tile(logits[None], tf.stack([tf.shape(columns)[0], 1])), index)
            chosen = tf.cast(tf.equal(columns, index), tf.float32)[:, None]
            parts.append(tf.one_hot(categories, segment.width) * chosen)
        return tf.concat(parts, axis=1)

    def _frequencies(self, segment):
        column = self.transformer.columns[segment.column]
        counts = np.asarray(column.get("frequencies") or np.ones(segment.width), np.float64)
        return (counts / counts.sum()).tolist()

    def _native_condition(self, condition):
        """``(offset, width, category index)`` of the first asked categorical value the
        conditional vector can carry, or None."""
        if condition is None:
            return None
        for column, code in zip(*condition):
            for segment, offset in self.condition_segments:
                if segment.column == column:
                    return offset, segment.width, int(code)
        return None

    # ------------------------------------------------------------------ the networks' maths
    def to_model_space(self, rows):
        return self.transformer.encode(rows)

    def activate(self, raw, seed=None):
        """Generator outputs as an encoded row: tanh on values, Gumbel-softmax (training,
        `seed` given) on one-hot parts."""
        parts = []
        for index, segment in enumerate(self.transformer.segments):
            piece = raw[:, segment.start:segment.start + segment.width]
            if segment.part == "value":
                parts.append(tf.tanh(piece))
                continue
            uniforms = noise.uniform(tf.shape(piece), tf.random.experimental.stateless_fold_in(
                seed, index)) * (1 - 2e-7) + 1e-7
            gumbel = -tf.math.log(-tf.math.log(uniforms))
            parts.append(tf.nn.softmax((piece + gumbel) / GUMBEL_TEMPERATURE, axis=-1))
        if not parts:
            return raw
        return tf.concat(parts, axis=1)

    def generate_raw(self, latents, conditions, training=False):
        return self.generator(tf.concat([latents, conditions], axis=1), training=training)

    def critic(self, encoded, conditions, training=False):
        """One score per pack of `pac` rows: ``[B / pac]``."""
        return self.discriminator(self._pack(encoded, conditions), training=training)[:, 0]

    def _packable(self, real, columns):
        """`real` and its condition columns filled up to a multiple of `pac` rows by
        repeating rows from the start."""
        batch = tf.shape(real)[0]
        size = (batch + self.pac - 1) // self.pac * self.pac
        rows = tf.range(size) % batch
        return tf.gather(real, rows), None if columns is None else tf.gather(columns, rows)

    def _fake(self, real, columns, seed, training):
        real, columns = self._packable(real, columns)
        if columns is None:
            columns = self._random_columns(tf.shape(real)[0],
                                           tf.random.experimental.stateless_fold_in(seed, 1))
        conditions = self.conditions_of_rows(real, columns) if self.condition_segments \
            else tf.zeros([tf.shape(real)[0], 0])
        latents = noise.normal(tf.stack([tf.shape(real)[0], self.latent_dim]),
                               tf.random.experimental.stateless_fold_in(seed, SALT_LATENT))
        raw = self.generate_raw(latents, conditions, training)
        fake = self.activate(raw, tf.random.experimental.stateless_fold_in(seed, SALT_GUMBEL))
        return real, conditions, raw, fake

    def discriminator_losses(self, real, condition, seed, training=True):
        real, conditions, _, fake = self._fake(real, condition, seed, training)
        fake = tf.stop_gradient(fake)
        real_scores = self.critic(real, conditions, training)
        fake_scores = self.critic(fake, conditions, training)
        penalty = gradient_penalty(
            lambda packed: self.discriminator(packed, training=training)[:, 0],
            self._pack(real, conditions), self._pack(fake, conditions),
            tf.random.experimental.stateless_fold_in(seed, SALT_PENALTY))
        return {"d_loss": fake_scores - real_scores + self.gradient_penalty * penalty,
                "wasserstein": real_scores - fake_scores}

    def _pack(self, encoded, conditions):
        """Rows and their conditions, `pac` consecutive rows per critic input."""
        return tf.reshape(tf.concat([encoded, conditions], axis=1),
                          [-1, self.pac * (self.transformer.encoded_width
                                           + self.condition_width)])

    def generator_losses(self, real, condition, seed, training=True):
        real, conditions, raw, fake = self._fake(real, condition, seed, training)
        adversarial = -self.critic(fake, conditions, training)
        per_row = tf.zeros(tf.shape(real)[:1])
        for segment, offset in self.condition_segments:
            asked = conditions[:, offset:offset + segment.width]
            logits = raw[:, segment.start:segment.start + segment.width]
            per_row += tf.nn.softmax_cross_entropy_with_logits(asked, logits) \
                * tf.reduce_sum(asked, axis=1)
        cross_entropy = tf.reduce_mean(tf.reshape(per_row, [-1, self.pac]), axis=1)
        return {"g_loss": adversarial + cross_entropy, "condition_cross_entropy": cross_entropy}

    # ------------------------------------------------------------------ sampling
    def _decode_raw(self, raw, uniforms):
        """Codes of raw generator outputs: tanh values, one-hot parts drawn by Gumbel-max."""
        parts, u = {}, 0
        for segment in self.transformer.segments:
            piece = raw[:, segment.start:segment.start + segment.width]
            if segment.part == "value":
                parts[segment.column, "value"] = tf.tanh(piece[:, 0])
                continue
            index = gumbel_argmax(piece, uniforms[:, u:u + segment.width])
            u += segment.width
            parts[segment.column, segment.part] = index > 0 if segment.part == "missing" \
                else index
        return self.transformer.decode_parts(tf.shape(raw)[0], parts)

    def _sample_codes(self, num_samples, seed, temperature=1.0, condition=None):
        return self._generate_codes(self.sampling_conditions(num_samples, seed, condition),
                                    seed, temperature)

    def _generate_codes(self, conditions, seed, temperature=1.0):
        """Codes of rows generated for `conditions` ``[N, condition_width]``, the noise and
        Gumbel uniforms drawn from `seed`."""
        num_samples = tf.shape(conditions)[0]
        latents = tf.random.stateless_normal(tf.stack([num_samples, self.latent_dim]),
                                             fixed_seed(seed, SALT_LATENT)) * temperature
        uniforms = tf.random.stateless_uniform(tf.stack([num_samples, self.likelihood.uniform_size]),
                                               fixed_seed(seed, SALT_GUMBEL), minval=1e-7,
                                               maxval=1.0)
        return self._decode_raw(self.generate_raw(latents, conditions), uniforms)

    def call(self, rows, training=False):
        """Critic scores of packs of `rows` (each with a condition drawn for it)."""
        encoded = self.transformer.encode(rows)
        columns = self._random_columns(tf.shape(encoded)[0], fixed_seed(0, SALT_CONDITION))
        encoded, columns = self._packable(encoded, columns)
        return self.critic(encoded, self.conditions_of_rows(encoded, columns)
                           if self.condition_segments else tf.zeros([tf.shape(encoded)[0], 0]))

    # ------------------------------------------------------------------ checked user API
    def anomaly_score(self, rows):
        """Novelty of each row: minus the critic's score of the row packed with copies of
        itself (the critic scores packs; higher: less like the training rows)."""
        codes = self.check_rows(rows)
        encoded = self.transformer.encode(codes)
        columns = self._random_columns(tf.shape(encoded)[0], fixed_seed(0, SALT_CONDITION))
        conditions = self.conditions_of_rows(encoded, columns) if self.condition_segments \
            else tf.zeros([len(codes), 0])
        repeat = lambda t: tf.repeat(t, self.pac, axis=0)  # noqa: E731
        return -self.critic(repeat(encoded), repeat(conditions)).numpy()

    @strict_options
    def evaluation_report(self, rows, labels=None, seed=0, train_rows=None, target=None):
        """Test metrics (``kerasgen evaluate``): the critic's mean score gap between real test
        rows and as many generated rows (an estimate of the Wasserstein distance); given
        `train_rows`, ``synthetic``: quality, efficacy and privacy beside the
        independent-marginals baseline (`synthetic_report`)."""
        codes = self.check_rows(rows)
        fake = self._sample_codes(len(codes), seed)
        real_score = float(np.mean(-self.anomaly_score(codes)))
        fake_score = float(np.mean(-self.anomaly_score(fake.numpy())))
        report = {"critic_gap": real_score - fake_score, "num_examples": int(len(codes))}
        if train_rows is not None:
            report["synthetic"] = self.synthetic_report(train_rows, codes, target, seed=seed)
        return report

    # ------------------------------------------------------------------ export
    def serving_endpoints(self):
        """``sample`` (default): one output per column, categories as strings; and
        ``sample_given`` (`column`, `value`: strings): rows drawn for that category of that
        categorical column, which every row carries (``condition_found`` False, and
        unconditioned rows, for a column or value the model does not know)."""
        scalar = lambda name, dtype=tf.int32: tf.TensorSpec([], dtype, name=name)  # noqa: E731
        endpoints = [self.endpoint("sample", lambda num_samples, seed: self.column_outputs(
            self._sample_codes(num_samples, seed)), [scalar("num_samples"), scalar("seed")])]
        if self.condition_segments:
            endpoints.append(self.endpoint(
                "sample_given", self._sample_given,
                [scalar("num_samples"), scalar("seed"), scalar("column", tf.string),
                 scalar("value", tf.string)]))
        return endpoints

    def _sample_given(self, num_samples, seed, column, value):
        """Graph-safe conditional sampling on one (column name, category) pair: the
        conditional vector holds it, and the asked column is set to it (the generator models
        p(row | column = value))."""
        found, index, code = self.category_code(column, value)
        starts, conditioned = np.zeros(self.num_columns, np.int32), np.zeros(self.num_columns, bool)
        for segment, start in self.condition_segments:
            starts[segment.column], conditioned[segment.column] = start, True
        asked = tf.one_hot(tf.gather(starts, index) + tf.cast(code, tf.int32),
                           self.condition_width)
        conditions = tf.where(tf.logical_and(found, tf.gather(conditioned, index)),
                              tf.tile(asked[None], tf.stack([num_samples, 1])),
                              self.sampling_conditions(num_samples, seed))
        codes = self._generate_codes(conditions, seed)
        asked_column = tf.logical_and(found, tf.equal(tf.range(self.num_columns), index))
        codes = tf.where(asked_column[None], code, codes)
        return {**self.column_outputs(codes), "condition_found": found}

    def tflite_endpoints(self):
        """``generate`` (noise and conditions in, the most likely row of each output) and
        ``sample`` (builtin random ops)."""
        latents = tf.TensorSpec([None, self.latent_dim], tf.float32, name="latents")
        conditions = tf.TensorSpec([None, self.condition_width], tf.float32,
                                   name="conditions")

        def generate(latents, conditions):
            raw = self.generate_raw(latents, conditions)
            return self.column_outputs(self._decode_raw(raw, tf.fill(
                tf.stack([tf.shape(raw)[0], self.likelihood.uniform_size]), 0.5)), strings=False)

        def sample(num_samples):
            noise_ = tf.random.normal(tf.stack([num_samples, self.latent_dim]))
            count = max(len(self.condition_segments), 1)  # (integer uniforms: no builtin)
            columns = tf.minimum(tf.cast(tf.random.uniform(tf.stack([num_samples])) * count,
                                         tf.int32), count - 1)
            conditions_ = self._frequency_conditions(
                columns, lambda logits, index: tf.random.categorical(logits, 1)[:, 0]) \
                if self.condition_segments else tf.zeros([num_samples, 0])
            uniforms = tf.random.uniform(tf.stack([num_samples, self.likelihood.uniform_size]),
                                         minval=1e-7, maxval=1.0)
            return self.column_outputs(self._decode_raw(self.generate_raw(noise_, conditions_),
                                                        uniforms), strings=False)

        return [self.endpoint("generate", generate, [latents, conditions]),
                self.endpoint("sample", sample, [tf.TensorSpec([], tf.int32, "num_samples")],
                              deterministic=False)]


    def vocabulary_file(self):
        """The base file, plus ``conditions``: the (column, category) of each entry of
        `generate`'s conditional vector (a one-hot there asks for that category)."""
        conditions = [[self.transformer.columns[segment.column]["name"], category]
                      for segment, _ in self.condition_segments
                      for category in self.transformer.columns[segment.column]["categories"]]
        return {**super().vocabulary_file(), "conditions": conditions}


def _residual_generator(input_dim, output_dim, units):
    """CTGAN's generator: per layer h <- concat(h, relu(batchnorm(dense(h)))), then a dense
    output of `output_dim` raw values."""
    x = keras.Input(shape=(input_dim,), name="noise_and_condition")
    h = x
    for u in units:
        step = keras.layers.Dense(u)(h)
        step = keras.layers.BatchNormalization(synchronized=True)(step)
        h = keras.layers.Concatenate()([h, keras.layers.ReLU()(step)])
    return keras.Model(x, keras.layers.Dense(output_dim)(h), name="generator")


def _packed_critic(input_dim, units):
    x = keras.Input(shape=(input_dim,), name="packed_rows")
    h = x
    for u in units:
        h = keras.layers.LeakyReLU(0.2)(keras.layers.Dense(u)(h))
    return keras.Model(x, keras.layers.Dense(1)(h), name="critic")
