"""NaN safety for every family: a non-finite value in any key a model reports stops training
at that batch and is named, and a real divergence (NaN weights) can be rolled back.

Two kinds of injection, both on real models training on real digits:

* per key: the family's own ``train_step`` runs, and one of its reported values (``d_loss``,
  ``g_loss``, ``encoder_loss``, ``kl``, ``bits_per_dim``, ``gradient_penalty``, BEGAN's ``k``...)
  is replaced by NaN from the second batch on; every key the family reports is tried in turn;
* real: the weights are set to NaN after the second batch, so the third step computes non-finite
  losses (and applies NaN gradients); ``NaNGuard(rollback_every=1)`` must stop and restore the
  model and optimizers as they were after the second batch.
"""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgen.models import DBN
from kerasgen.training import NaNGuard
from tests.helpers import PER_CLASS_FAMILIES, TINY_FAMILIES, family_elements

pytestmark = pytest.mark.slow  # README: what `-m "not slow"` leaves out

FAMILIES = PER_CLASS_FAMILIES  # one preset per model class (tests.helpers)


def _model_and_data(family):
    keras.utils.set_random_seed(0)
    model = TINY_FAMILIES[family]()
    model.compile_with_defaults()
    return model, family_elements(model, 64)


def _fit(model, data, callbacks):
    if isinstance(data, tuple):
        return model.fit(*data, batch_size=16, epochs=1, verbose=0, shuffle=False,
                         callbacks=callbacks)
    return model.fit(data, batch_size=16, epochs=1, verbose=0, shuffle=False,
                     callbacks=callbacks)


def _trained_models(model):
    """The models whose own ``train_step`` runs: a DBN trains its RBMs one after another."""
    return list(model.rbms) if isinstance(model, DBN) else [model]


def _inject_nan(model, keys):
    """Wrap each trained model's real ``train_step``: from the second call on, the reported
    value ``keys[poison]`` becomes NaN. Returns the (poison, calls) variables."""
    poison, calls = tf.Variable(-1), tf.Variable(0)
    for trained in _trained_models(model):
        real_step = trained.train_step

        def train_step(data, real_step=real_step):
            logs = dict(real_step(data))
            calls.assign_add(1)
            for index, key in enumerate(keys):
                bad = tf.logical_and(tf.equal(poison, index), calls >= 2)
                logs[key] = tf.where(bad, tf.constant(float("nan"), logs[key].dtype), logs[key])
            return logs

        trained.train_step = train_step
        trained.train_function = None  # traced again, with the wrapper
    return poison, calls


class PoisonWeight(keras.callbacks.Callback):
    """After batch `at_batch`, remember every weight, then set the trainable ones to NaN (a
    divergence; one NaN kernel alone can vanish behind a ReLU, which maps NaN to 0)."""

    def __init__(self, at_batch=1):
        super().__init__()
        self.at_batch, self.before = at_batch, None

    def on_train_batch_end(self, batch, logs=None):
        if batch == self.at_batch and self.before is None:
            self.before = self.model.get_weights()
            for variable in self.model.trainable_variables:
                variable.assign(np.full(variable.shape, np.nan, variable.dtype))


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_divergence_is_rolled_back_and_nan_in_every_reported_value_is_named(family):
    model, data = _model_and_data(family)
    # A real divergence: NaN weights from the third step on.
    guard, poison = NaNGuard(rollback_every=1), PoisonWeight(at_batch=1)
    history = _fit(model, data, [guard, poison])  # the guard copies the state first
    assert guard.stopped_on is not None, "the divergence was not caught"
    key, value, batch = guard.stopped_on
    assert not math.isfinite(value) and batch == 2
    trained = _trained_models(model)[0]
    assert guard.rolled_back_to == 2
    assert int(keras.ops.convert_to_numpy(trained.optimizer.iterations)) == 2
    for restored, before in zip(trained.get_weights(), poison.before):
        np.testing.assert_array_equal(restored, before)
    if isinstance(model, DBN):  # the layers above never trained on NaN features
        upper = model.rbms[1]
        assert int(keras.ops.convert_to_numpy(upper.optimizer.iterations)) == 0

    # Then NaN in each reported value in turn, the rest of the step being the family's own.
    keys = sorted({k.split("_", 2)[2] if k.startswith("rbm_") else k  # a DBN's: rbm_0_loss
                   for k in history.history})
    assert "loss" in keys or {"d_loss", "g_loss"} <= set(keys), keys
    poison, calls = _inject_nan(model, keys)
    for index, key in enumerate(keys):
        poison.assign(index)
        calls.assign(0)
        guard = NaNGuard()
        _fit(model, data, [guard])
        assert guard.stopped_on is not None, f"NaN in {key!r} was not caught"
        caught, value, batch = guard.stopped_on
        assert caught == key and math.isnan(value) and batch == 1
        assert int(calls.numpy()) == 2, "training went on after the NaN"
    # Without a NaN the guard lets the whole epoch run.
    poison.assign(-1)
    calls.assign(0)
    guard = NaNGuard()
    _fit(model, data, [guard])
    assert guard.stopped_on is None
    assert int(calls.numpy()) == 4 * len(_trained_models(model))
