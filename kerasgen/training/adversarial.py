"""The adversarial training style, shared by the GAN family.

A family implements

    discriminator_losses(real, condition, seed) -> {"d_loss": [B], ...}
    generator_losses(real, condition, seed) -> {"g_loss": [B], ...}   (real: statistics terms)

and exposes `generator` and `discriminator` networks. One step of the skeleton:

    repeat d_steps times (fresh noise each time, the same real batch):
        d_loss = sum_i d_loss_i / global_batch ;  d_optimizer.apply(d gradients)
        if clip_value: clip every discriminator weight to [-clip_value, clip_value]
    g_loss = sum_i g_loss_i / global_batch ;      g_optimizer.apply(g gradients)
    after_generator_step(d_losses, g_losses)      state updates (BEGAN's k_t), extra logs

`generator_objectives` says which network minimizes which loss on the generator side: the
generator alone by default; VAE-GAN adds its encoder with a loss of its own (both applied by
the generator's optimizer in one step).

``compile(d_optimizer=..., g_optimizer=...)`` builds both optimizers at once, so ``.keras`` saving
and ``BackupAndRestore`` keep their state; the generator's optimizer is ``model.optimizer`` and
its step counter keys every noise draw (stateless), so a resumed run is exact.

The style is a mixin that a model class combines with `kerasgen.models.base.GenerativeModel`,
style first:

    class GAN(AdversarialTraining, GenerativeModel)

Like Keras' ``Trainer`` below ``Model``, it sits below the models and never imports them; it
uses the model's trackers (``report``), ``optimizer`` and ``seed``.

Example:
    >>> import keras
    >>> import kerasgen
    >>> images, _ = kerasgen.data.load_arrays("digits", max_examples=200)
    >>> gan = kerasgen.models.GAN(latent_dim=4, hidden_units=(8,), d_steps=2)
    >>> isinstance(gan, AdversarialTraining)
    True
    >>> gan.compile(d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
    ...             g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
    >>> history = gan.fit(images, batch_size=50, epochs=1, verbose=0)
    >>> sorted(history.history)
    ['d_loss', 'g_loss']
    >>> # 4 batches: 4 generator steps (model.optimizer), 2 discriminator steps for each
    >>> int(gan.optimizer.iterations), int(gan.d_optimizer.iterations)
    (4, 8)
"""

import keras
import tensorflow as tf

from kerasgen.training.batches import unpack
from kerasgen.utils import validation as v
from kerasgen.utils.noise import step_seed

SALT_DISCRIMINATOR = 10   # + the discriminator step index
SALT_GENERATOR = 5
SALT_VALIDATION = 1000


def default_gan_optimizer():
    """Adam(2e-4, beta_1=0.5), the DCGAN recipe."""
    return keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5)


class AdversarialTraining:
    """Training style of models trained by a discriminator/generator game (a mixin combined
    with `GenerativeModel`; see the module docstring).

    Args:
        d_steps: discriminator updates per generator update.
        clip_value: clip discriminator weights to this magnitude after each update (WGAN).
    """

    sample_weight_refusal = (
        "adversarial training does not weight examples (its losses pair real examples with "
        "generated ones, so a weight per real example has no defined effect)")

    def __init__(self, d_steps=1, clip_value=None, **kwargs):
        super().__init__(**kwargs)
        self.d_steps = v.check_positive_int("d_steps", d_steps)
        self.clip_value = None if clip_value is None else v.check_positive_float(
            "clip_value", clip_value)

    def get_config(self):
        config = super().get_config()
        config.update(d_steps=self.d_steps, clip_value=self.clip_value)
        return config

    # ------------------------------------------------------------------ optimizers
    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        if "optimizer" in kwargs:
            v.fail("optimizer", "an `optimizer` argument",
                   "`d_optimizer` and `g_optimizer` for an adversarial model")
        super().compile(optimizer=keras.optimizers.get(g_optimizer or default_gan_optimizer()),
                        **kwargs)
        self.d_optimizer = keras.optimizers.get(d_optimizer or default_gan_optimizer())
        # Built now, so that saving and BackupAndRestore see (and restore) their variables.
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.optimizer.build(self.generator_side_variables())

    def compile_with_defaults(self, learning_rate=None):
        """Adam(2e-4, beta_1=0.5) for both networks (the DCGAN recipe), or `learning_rate`."""
        def make():
            return keras.optimizers.Adam(learning_rate=learning_rate or 2e-4, beta_1=0.5)
        self.compile(d_optimizer=make(), g_optimizer=make())

    def get_compile_config(self):
        if not getattr(self, "compiled", False):
            return None
        return {"d_optimizer": keras.optimizers.serialize(self.d_optimizer),
                "g_optimizer": keras.optimizers.serialize(self.optimizer)}

    def compile_from_config(self, config):
        self.compile(d_optimizer=keras.optimizers.deserialize(config["d_optimizer"]),
                     g_optimizer=keras.optimizers.deserialize(config["g_optimizer"]))

    # ------------------------------------------------------------------ the step
    def discriminator_losses(self, real, condition, seed, training=True):
        raise NotImplementedError

    def generator_losses(self, real, condition, seed, training=True):
        raise NotImplementedError

    def to_model_space(self, images):
        raise NotImplementedError

    def generator_objectives(self):
        """``{network attribute: loss key}`` minimized by the generator-side optimizer."""
        return {"generator": "g_loss"}

    def generator_side_variables(self):
        return [variable for network in self.generator_objectives()
                for variable in getattr(self, network).trainable_variables]

    def after_generator_step(self, d_losses, g_losses):
        """Hook for state updated once per step (after both updates); returns extra logs."""
        return {}

    def _discriminator_step(self, real, condition, seed):
        variables = self.discriminator.trainable_variables
        with tf.GradientTape() as tape:
            losses = self.discriminator_losses(real, condition, seed)
            loss = tf.nn.compute_average_loss(losses["d_loss"])
        self.d_optimizer.apply(tape.gradient(loss, variables), variables)
        if self.clip_value is not None:
            for variable in variables:
                variable.assign(tf.clip_by_value(variable, -self.clip_value, self.clip_value))
        return losses

    def train_step(self, data):
        images, labels, weights = unpack(data)
        self.check_sample_weight(weights, None)  # refused when traced, before any update
        real, condition = self.to_model_space(images), self.condition_of(labels)
        step = self.optimizer.iterations
        for index in range(self.d_steps):
            d_losses = self._discriminator_step(
                real, condition, step_seed(self.seed, step, SALT_DISCRIMINATOR + index))
        objectives = self.generator_objectives()
        with tf.GradientTape(persistent=len(objectives) > 1) as tape:
            g_losses = self.generator_losses(real, condition,
                                             step_seed(self.seed, step, SALT_GENERATOR))
            averages = {key: tf.nn.compute_average_loss(g_losses[key])
                        for key in set(objectives.values())}
        gradients, variables = [], []
        for network, key in objectives.items():
            network_variables = getattr(self, network).trainable_variables
            gradients += tape.gradient(averages[key], network_variables)
            variables += network_variables
        del tape
        self.optimizer.apply(gradients, variables)
        extra = self.after_generator_step(d_losses, g_losses)
        return self.report({**d_losses, **g_losses, **extra})

    def test_step(self, data):
        images, labels, weights = unpack(data)
        self.check_sample_weight(weights, None)
        real, condition = self.to_model_space(images), self.condition_of(labels)
        seed = step_seed(self.seed, self.optimizer.iterations, SALT_VALIDATION)
        losses = self.discriminator_losses(real, condition, seed, training=False)
        losses.update(self.generator_losses(
            real, condition, tf.random.experimental.stateless_fold_in(seed, SALT_GENERATOR),
            training=False))
        return self.report(losses)
