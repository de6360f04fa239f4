"""The maximum-likelihood training style, shared by autoencoders, VAEs and autoregressive models.

A family implements one method::

    per_example_losses(images, labels, seed, training) -> {"loss": [B], other_name: [B], ...}

and lists the keys in `loss_names`. The skeleton does the rest, the same way for every family:

    loss      = sum_i w_i loss_i / global_batch_size      (correct gradients on N replicas:
                                                            the optimizer sums replica gradients)
    gradients = d loss / d weights ;  optimizer.apply(gradients)
    trackers  <- every per-example value, weighted by w_i  (reads the same on 1 or N replicas)

w_i is the batch's sample weight of example i (``(x, y, sample_weight)`` batches,
``fit(x, sample_weight=w)``), 1 without one. As in Keras' losses the weighted sum is divided by
the batch size, not by the sum of the weights, so a weight acts on the data set's objective
like a repetition count: weight 2 on an example gives the loss and gradient of that example
taken twice (up to the batch size dividing them), and the reported means are the weighted
means, sum_i w_i v_i / sum_i w_i, exactly those of the repeated data.

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
    sample_weight_refusal = None  # sample weights weight the per-example losses

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.create_trackers(self.loss_names)

    def per_example_losses(self, images, labels, seed, training):
        raise NotImplementedError

    def _step_seed(self, salt=0):
        return step_seed(self.seed, self.optimizer.iterations, salt)

    def objective(self, images, labels, sample_weight, seed, training):
        """``(loss, per-example losses)``: the loss the optimizer minimizes (module
        docstring: weighted, divided by the global batch, plus the regularization losses)."""
        losses = self.per_example_losses(images, labels, seed, training=training)
        loss = tf.nn.compute_average_loss(losses["loss"], sample_weight=sample_weight)
        if self.losses:
            loss += tf.nn.scale_regularization_loss(tf.add_n(self.losses))
        return loss, losses

    def train_step(self, data):
        images, labels, weights = unpack(data)
        weights = _as_vector(weights)
        with tf.GradientTape() as tape:
            loss, losses = self.objective(images, labels, weights, self._step_seed(),
                                          training=True)
        gradients = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply(gradients, self.trainable_variables)
        self.after_update()
        return self.report(losses, weights)

    def after_update(self):
        """Called after each optimizer step (a diffusion model's weight average)."""

    def test_step(self, data):
        images, labels, weights = unpack(data)
        weights = _as_vector(weights)
        losses = self.per_example_losses(images, labels, self._step_seed(_VALIDATION_SALT),
                                         training=False)
        return self.report(losses, weights)


def _as_vector(weights):
    """Sample weights as float32 ``[B]`` (a ``[B, 1]`` column flattened), or None."""
    return None if weights is None else tf.reshape(tf.cast(weights, tf.float32), [-1])
