"""A neural energy-based model trained by contrastive divergence with Langevin samples from a
replay buffer (Du & Mordatch 2019).

#### Mathematical details

p(x) = exp(-E(x)) / Z for x in [0, 1]^(H W C) (the image as units), E a network with one
output. The gradient of the average log-likelihood is E_model[dE] - E_data[dE]; the model's
samples come from Langevin dynamics, clipped to [0, 1]:

    x_{k+1} = clip(x_k - step_size * dE/dx(x_k) + noise_scale * eps_k, 0, 1),  eps ~ N(0, I)

started from a replay buffer of earlier chains' ends (fresh uniform noise with probability
``reinit``) and written back after ``langevin_steps`` steps, so chains grow long across
training steps. The chain's stationary law is about exp(-2 step_size E(x) / noise_scale^2), so
sampling at temperature T (exp(-E / T)) multiplies the noise by sqrt(T).

The skeleton (`kerasgen.training.contrastive_divergence`) minimizes

    mean E(x_data) - mean E(x~) + energy_l2 * (mean E(x_data)^2 + mean E(x~)^2)

the last term keeping energies near zero (Du & Mordatch's regularizer). The buffer is a model
variable, saved and restored with the weights. `sample` runs the chain from uniform noise.

Example:
    >>> import kerasgen
    >>> images, _ = kerasgen.data.load_arrays("digits", max_examples=64)
    >>> ebm = EnergyModel(image_shape=(8, 8, 1), num_levels=17, hidden_units=(16,),
    ...                   langevin_steps=5, buffer_size=64)
    >>> ebm.compile_with_defaults()
    >>> _ = ebm.fit(images, batch_size=32, epochs=1, verbose=0)
    >>> ebm.sample(2, langevin_steps=10, seed=0).shape
    TensorShape([2, 8, 8, 1])
"""

import keras
import tensorflow as tf

from kerasgen.data import transforms
from kerasgen.models.base import ImageGenerativeModel, strict_options
from kerasgen.models.boltzmann.chains import (
    ChainSampling,
    START_STEP,
    check_chain_request,
    sample_endpoints,
)
from kerasgen.networks.builders import NETWORK_KINDS, build_encoder
from kerasgen.training.contrastive_divergence import ContrastiveDivergenceTraining
from kerasgen.utils import validation as val
from kerasgen.utils import noise as noise_lib
from kerasgen.utils.noise import StatelessNoise
from kerasgen.utils.replicas import gather_rows, global_rows


@keras.saving.register_keras_serializable(package="kerasgen")
class EnergyModel(ContrastiveDivergenceTraining, ChainSampling, ImageGenerativeModel):
    """Neural energy function with Langevin sampling (module docstring).

    Args:
        network: ``"dense"`` or ``"conv"`` energy network; ``hidden_units``, ``filters``
            size it (swish activations).
        langevin_steps: K, Langevin steps per training step.
        step_size, noise_scale: the Langevin update above.
        buffer_size: chains kept in the replay buffer.
        reinit: probability that a chain restarts from uniform noise.
        energy_l2: weight of the energy regularizer.
        image_shape, num_levels, seed: see `ImageGenerativeModel` (no labels).
    """

    def __init__(self, network="dense", hidden_units=(128, 128), filters=(16, 32),
                 langevin_steps=20, step_size=10.0, noise_scale=0.005, buffer_size=1000,
                 reinit=0.05, energy_l2=1.0, **kwargs):
        super().__init__(**kwargs)
        if self.num_classes is not None:
            val.fail("num_classes", repr(self.num_classes), "None: an EnergyModel takes no "
                     "labels")
        self.network_kind = val.check_choice("network", network, NETWORK_KINDS)
        self.hidden_units = val.check_int_list("hidden_units", hidden_units)
        self.filters = val.check_int_list("filters", filters)
        self.langevin_steps = val.check_positive_int("langevin_steps", langevin_steps)
        self.step_size = val.check_positive_float("step_size", step_size)
        self.noise_scale = 0.0 if noise_scale == 0 else val.check_positive_float(
            "noise_scale", noise_scale)
        self.buffer_size = val.check_positive_int("buffer_size", buffer_size)
        self.reinit = val.check_probability("reinit", reinit, inclusive_high=True)
        self.energy_l2 = 0.0 if energy_l2 == 0 else val.check_positive_float("energy_l2",
                                                                              energy_l2)
        self.energy_network = build_encoder(network, self.image_shape, 1, self.hidden_units,
                                            self.filters, activation="swish",
                                            name="energy_network")
        self.buffer = self.add_weight(
            name="replay_buffer", shape=(self.buffer_size, *self.image_shape),
            trainable=False,
            initializer=keras.initializers.RandomUniform(0.0, 1.0, seed=self.seed))
        self.built = True

    def energy_of(self, x):
        """E(x) ``[B]`` of units ``[B, H, W, C]`` in [0, 1]."""
        return self.energy_network(x)[:, 0]

    def energy(self, images):
        """E(x) per image ``[N]`` (log p(x) = -E(x) - log Z)."""
        return self.call(self.check_images(images))

    def langevin(self, x, steps, noise, step_size=None, noise_scale=None):
        """``steps`` clipped Langevin steps from units ``x`` (module docstring)."""
        step_size = self.step_size if step_size is None else step_size
        noise_scale = self.noise_scale if noise_scale is None else noise_scale

        def step(k, x):
            with tf.GradientTape() as tape:
                tape.watch(x)
                energy = tf.reduce_sum(self.energy_of(x))
            gradient = tape.gradient(energy, x)
            x = x - step_size * gradient + noise_scale * noise.normal(tf.shape(x), k, 0)
            return k + 1, tf.clip_by_value(x, 0.0, 1.0)

        _, x = tf.while_loop(lambda k, _: k < steps, step, (tf.constant(0), x))
        return tf.stop_gradient(x)

    # ------------------------------------------------------------------ CD style
    def positive_states(self, images, seed=None):
        return transforms.scale_to_unit(images, self.num_levels)

    def negative_states(self, x, seed):
        batch = tf.shape(x)[0]
        keys = [tf.random.experimental.stateless_fold_in(seed, i) for i in range(4)]
        index = self._buffer_rows(batch, keys[0])
        fresh = noise_lib.uniform(tf.shape(x), keys[1])
        restart = noise_lib.uniform([batch, 1, 1, 1], keys[2]) < self.reinit
        start = tf.where(restart, fresh, tf.gather(self.buffer, index))
        chains = self.langevin(start, self.langevin_steps, StatelessNoise(keys[3]))
        # Every replica writes all replicas' chains, so the buffer's copies stay equal.
        self.buffer.assign(tf.tensor_scatter_nd_update(
            self.buffer, gather_rows(index)[:, tf.newaxis], gather_rows(chains)))
        return chains

    def _buffer_rows(self, batch, key):
        """Buffer rows ``[batch]`` for this replica's chains: the first rows of one random
        permutation of the buffer for the global batch, so no two chains are written back to
        one row (rows repeat only when the global batch is larger than the buffer)."""
        def draw(shape):
            order = tf.random.experimental.stateless_shuffle(tf.range(self.buffer_size), key)
            return tf.gather(order, tf.range(shape[0]) % self.buffer_size)

        return global_rows(draw, [batch])

    def chain_from_data(self, x, seed):
        return self.langevin(x, self.langevin_steps, StatelessNoise(seed))

    def energy_penalty(self, data_energy, model_energy):
        return self.energy_l2 * (tf.nn.compute_average_loss(tf.square(data_energy))
                                 + tf.nn.compute_average_loss(tf.square(model_energy)))

    # ------------------------------------------------------------------ public API
    def sample(self, num_samples, langevin_steps=200, seed=None, temperature=1.0,
               labels=None):
        """Images ``[num_samples, H, W, C]`` (float levels) after ``langevin_steps`` steps
        from uniform noise; at ``temperature`` T the chain targets exp(-E(x) / T) (the
        Langevin noise times sqrt(T), module docstring)."""
        num_samples, langevin_steps, noise, temperature = check_chain_request(
            self, num_samples, "langevin_steps", langevin_steps, seed, temperature, labels)
        return self._draw(num_samples, langevin_steps, noise, temperature)

    def _draw(self, num_samples, steps, noise, temperature=1.0):
        start = noise.uniform(tf.stack([num_samples, *self.image_shape]), START_STEP, 1)
        x = self.langevin(start, steps, noise, noise_scale=self.noise_scale * temperature**0.5)
        return transforms.unit_to_levels(x, self.num_levels)

    def call(self, images):
        """E(x) of integer images (the Keras forward pass)."""
        return self.energy_of(transforms.scale_to_unit(images, self.num_levels))

    @strict_options
    def evaluation_report(self, images, labels=None):
        """Mean energy of the test images and of the model's own samples (equal energies
        mean the sampler reaches where the data is)."""
        images = self.check_images(images)
        samples = self.sample(min(len(images), 100), langevin_steps=self.langevin_steps * 5,
                              seed=0)
        return {"num_examples": int(len(images)),
                "mean_energy_data": float(tf.reduce_mean(self.energy(images))),
                "mean_energy_samples": float(tf.reduce_mean(self.energy(samples)))}

    def compile_with_defaults(self, learning_rate=None):
        self.compile(optimizer=keras.optimizers.Adam(learning_rate or 1e-4, beta_1=0.0,
                                                     beta_2=0.999))

    # ------------------------------------------------------------------ export contract
    def serving_endpoints(self):
        """``sample`` (num_samples, langevin_steps, seed) and ``energy`` (images)."""
        return [sample_endpoints(self, "langevin_steps", self._draw)[0],
                self._energy_endpoint()]

    def tflite_endpoints(self):
        """``energy`` only: the Langevin sampler needs gradients of the network, which
        TFLite does not compute."""
        return [self._energy_endpoint()]

    def _energy_endpoint(self):
        images = tf.TensorSpec([None, *self.image_shape], tf.float32, name="images")
        return self.endpoint("energy", lambda images: {"energy": self.call(images)}, [images])

    def get_config(self):
        config = super().get_config()
        config.update(network=self.network_kind, hidden_units=list(self.hidden_units),
                      filters=list(self.filters), langevin_steps=self.langevin_steps,
                      step_size=self.step_size, noise_scale=self.noise_scale,
                      buffer_size=self.buffer_size, reinit=self.reinit,
                      energy_l2=self.energy_l2)
        return config
