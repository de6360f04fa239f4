"""The maximum-likelihood training style, shared by autoencoders, VAEs and autoregressive models.

A family implements one method::

    per_example_losses(images, labels, seed, training) -> {"loss": [B], other_name: [B], ...}

and lists the keys in `loss_names`. The skeleton does the rest, the same way for every family:

    loss      = sum_i loss_i / global_batch_size          (correct gradients on N replicas:
                                                            the optimizer sums replica gradients)
    gradients = d loss / d weights ;  optimizer.apply(gradients)
    trackers  <- every per-example value                   (reads the same on 1 or N replicas)

`seed` is a stateless seed derived from (model seed, optimizer step); families draw with it
through `kerasgen.utils.noise`, per example of the global batch, so noise is reproducible,
resumes exactly, differs across replicas and is the same on one device and on N.

The style is a mixin that a model class combines with `kerasgen.models.base.GenerativeModel`,
style first:

    class WaveNet(MaximumLikelihoodTraining, GenerativeModel)

Like Keras' ``Trainer`` below ``Model``, it sits below the models and never imports them; it
uses the model's trackers (``report``), ``optimizer`` and ``seed``.
"""

import tensorflow as tf

from kerasgen.training.batches import unpack
from kerasgen.utils.noise import step_seed

# test_step draws from a separate stream, so validation never repeats a training draw.
_VALIDATION_SALT = 100


class MaximumLikelihoodTraining:
    """Training style of models trained by minimizing a per-example negative log-likelihood
    (a mixin combined with `GenerativeModel`; see the module docstring)."""

    loss_names = ("loss",)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.create_trackers(self.loss_names)

    def per_example_losses(self, images, labels, seed, training):
        raise NotImplementedError

    def _step_seed(self, salt=0):
        return step_seed(self.seed, self.optimizer.iterations, salt)

    def train_step(self, data):
        images, labels = unpack(data)
        with tf.GradientTape() as tape:
            losses = self.per_example_losses(images, labels, self._step_seed(), training=True)
            loss = tf.nn.compute_average_loss(losses["loss"])
            if self.losses:
                loss += tf.nn.scale_regularization_loss(tf.add_n(self.losses))
        gradients = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply(gradients, self.trainable_variables)
        return self.report(losses)

    def test_step(self, data):
        images, labels = unpack(data)
        losses = self.per_example_losses(images, labels, self._step_seed(_VALIDATION_SALT),
                                         training=False)
        return self.report(losses)
