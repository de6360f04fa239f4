"""Sample-by-sample generation for WaveNet-style sequence models.

A stepper gives the output distribution's parameters at time t and takes the sample drawn:

    state = stepper.init_state(batch, length)
    params, state = stepper.params_at(state, t)         # [B, P]
    state = stepper.write(state, t, units)               # the new sample, network units [B, 1]

`NaiveWaveStepper` reruns the whole network on the last R samples (R = receptive field) for
every t: O(R * layers) per sample, doubling with every dilated layer. `CachedWaveStepper` runs
`WaveNetNetwork.step` from one queue per causal convolution: O(layers) per sample. `generate`
drives either with the same uniforms, so both give the same audio.

Example:
    >>> import tensorflow as tf
    >>> from kerasgen.models import WaveNet
    >>> model = WaveNet(residual_channels=8, skip_channels=8, layers_per_stack=3, stacks=1)
    >>> model.receptive_field, model.num_levels
    (9, 256)
    >>> uniforms = model.generation_noise(2, 20, seed=0)  # [B, T, U]: what sample() uses
    >>> levels = generate(CachedWaveStepper(model.network), model.head, uniforms,
    ...                   model.to_units)
    >>> levels.shape, levels.dtype
    (TensorShape([2, 20, 1]), tf.float32)
    >>> naive = generate(NaiveWaveStepper(model.network), model.head, uniforms, model.to_units)
    >>> bool(tf.reduce_all(naive == levels))  # the same uniforms: the same audio
    True
    >>> bool(tf.reduce_all(model.sample(2, length=20, seed=0, cached=False) == levels))
    True
"""

import tensorflow as tf

from kerasgen.utils.inplace import update_slice


class NaiveWaveStepper:
    """The network on x_{t-R} .. x_{t-1} (from x_0 while t < R) for every step.

    The window starts at the clip's start while t < R because the network pads every layer
    with zeros before the clip, which a window of silent inputs would not reproduce; from
    t = R on, the window is exactly the receptive field."""

    def __init__(self, network, global_condition=None, local_sequence=None):
        self.network, self.condition, self.local = network, global_condition, local_sequence
        self.window = network.receptive_field

    def init_state(self, batch, length):
        return tf.zeros([batch, length, 1])

    def params_at(self, samples, t):
        start = tf.maximum(t - self.window, 0)
        inputs = samples[:, start:t + 1]  # position t is not drawn yet: its output ignores it
        local = None if self.local is None else self.local[:, start:t + 1]
        return self.network(inputs, self.condition, local)[:, -1], samples

    def write(self, samples, t, units):
        where = tf.one_hot(t, tf.shape(samples)[1])[tf.newaxis, :, tf.newaxis]
        return samples * (1.0 - where) + units[:, tf.newaxis] * where


class CachedWaveStepper:
    """`WaveNetNetwork.step` with its queues (Fast WaveNet). With ``ring`` they are kept as
    ring buffers while generating (one row written per step: in place under XLA and in
    TFLite): step t of the loop is ring position t, so the state must start from ordinary
    queues at t = 0; `queues_after` gives them back as ordinary queues. Without, each queue
    is shifted by one per step (cheaper in plain TensorFlow graphs, which copy on write)."""

    def __init__(self, network, global_condition=None, local_sequence=None, ring=True):
        self.network, self.condition, self.local = network, global_condition, local_sequence
        self.ring = ring

    def init_state(self, batch, length):
        return tf.zeros([batch, 1]), self.network.initial_queues(batch)

    def params_at(self, state, t):
        previous, queues = state
        local = None if self.local is None else self.local[:, t]
        params, queues = self.network.step(previous, queues, self.condition, local,
                                           position=t if self.ring else None)
        return params, (previous, queues)

    def write(self, state, t, units):
        return units, state[1]

    def queues_after(self, state, steps):
        """The ordinary queues of ``state`` after ``steps`` steps from t = 0."""
        if not self.ring:
            return state[1]
        return self.network.rings_to_queues(state[1], steps)


def generate(stepper, head, uniforms, to_units, temperature=1.0, prime=None):
    """Levels ``[B, T, 1]`` (float32) drawn in time order from the stepper's initial state.

    Args:
        stepper: see the module docstring.
        head: a `kerasgen.distributions` head with ``sample_from_flat_uniforms``.
        uniforms: ``[B, T, head.num_uniforms(1)]`` noise in (0, 1); T = samples to draw.
        to_units: levels -> network units.
        prime: levels ``[B, P]`` kept as the first P samples (P <= T), or None.
    """
    state = stepper.init_state(tf.shape(uniforms)[0], tf.shape(uniforms)[1])
    return generate_from(stepper, state, head, uniforms, to_units, temperature, prime)[0]


def generate_from(stepper, state, head, uniforms, to_units, temperature=1.0, prime=None):
    """`generate` from a given stepper ``state``; returns ``(levels, final_state)``, so a
    stream can be generated block by block (the final state starts the next block)."""
    batch, length = tf.shape(uniforms)[0], tf.shape(uniforms)[1]
    prime_length = 0 if prime is None else tf.shape(prime)[1]

    def body(t, samples, state):
        params, state = stepper.params_at(state, t)
        level = head.sample_from_flat_uniforms(params, uniforms[:, t], temperature)  # [B, 1]
        if prime is not None:
            given = tf.cast(prime[:, tf.minimum(t, prime_length - 1)], tf.float32)[:, None]
            level = tf.where(t < prime_length, given, level)
        # Not a TensorArray: TFLite cannot lower the TensorArray of this loop.
        samples = update_slice(samples, level[:, tf.newaxis], tf.stack([0, t, 0]))
        return t + 1, samples, stepper.write(state, t, to_units(level))

    _, samples, state = tf.while_loop(
        lambda t, *_: t < length, body,
        (tf.constant(0), tf.zeros([batch, length, 1]), state))
    return samples, state
