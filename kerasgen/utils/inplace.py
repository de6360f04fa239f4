"""Write a slice of a tensor at a dynamic position: the one home of XLA's DynamicUpdateSlice.

    update_slice(buffer, update, start)  ==  buffer with buffer[start : start + update.shape]
                                             replaced by update

Loops that fill a buffer one row at a time (generation queues, recurrent lines) use it
because it is a TFLite builtin (DYNAMIC_UPDATE_SLICE; TensorArray ops and scatter updates at a
dynamic batch size are not), updates in place under XLA, and has a CPU kernel in TensorFlow.
TensorFlow registers no gradient for it, so this module does:

    d buffer = d out with the written slice zeroed        d update = d out[start : start + n]

Example:
    >>> import tensorflow as tf
    >>> update_slice(tf.zeros([4]), tf.ones([2]), tf.constant([1])).numpy().tolist()
    [0.0, 1.0, 1.0, 0.0]
"""

import tensorflow as tf
from tensorflow.compiler.tf2xla.python import xla


def update_slice(buffer, update, start):
    """``buffer`` with ``update`` written at ``start`` (an int32 vector, one entry per axis)."""
    return xla.dynamic_update_slice(buffer, update, start)


def _update_slice_gradient(op, grad):
    update, start = op.inputs[1], op.inputs[2]
    d_buffer = xla.dynamic_update_slice(grad, tf.zeros_like(update), start)
    d_update = tf.slice(grad, start, tf.shape(update))
    return d_buffer, d_update, None


try:
    tf.RegisterGradient("XlaDynamicUpdateSlice")(_update_slice_gradient)
except KeyError:  # a TensorFlow version that registers its own
    pass
