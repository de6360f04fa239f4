"""Where this replica's rows lie in the global batch, under any ``tf.distribute`` strategy.

A strategy splits each global batch of B examples into N consecutive per-replica batches
(replica r holds rows r*B/N .. (r+1)*B/N - 1). Two things in kerasgen follow that split:

- Noise (`kerasgen.utils.noise`): every replica draws the noise of the whole global batch from
  one key and keeps its own rows, so example i gets the same noise on 1 or N replicas:

      global_rows(draw, [b, ...]) = draw([N * b, ...])[r * b : (r + 1) * b]

  One device and two replicas then train to the same weights (up to float summation order),
  and replicas still draw different noise (different rows).

- Model state with one row per chain (an RBM's persistent chains, an EBM's replay buffer):
  replica r advances rows r*M/N .. (r+1)*M/N - 1 (`local_rows`), and `assign_rows` gathers
  every replica's new rows (in replica order) and writes the same full value on every copy,
  so the copies never drift apart and a checkpoint holds all M chains.

Without a strategy (or with one replica) every function is the identity.

Example:
    >>> import tensorflow as tf
    >>> global_rows(lambda shape: tf.zeros(shape), [4, 2]).shape
    TensorShape([4, 2])
"""

import tensorflow as tf

from kerasgen.utils.validation import fail


def replica_index_and_count():
    """``(replica id (int32 tensor), number of replicas in sync (int))``: (0, 1) outside a
    strategy or in cross-replica context."""
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return tf.constant(0, tf.int32), 1
    return tf.cast(context.replica_id_in_sync_group, tf.int32), context.num_replicas_in_sync


def global_rows(draw, shape):
    """``draw(shape)`` for this replica's rows of a global batch: row i of the result is row
    ``r * shape[0] + i`` of ``draw([N * shape[0], ...])``. Exact for equal per-replica batches
    (the last, smaller batch of an epoch may split unevenly; its noise is then still random
    but not the one-device noise)."""
    index, count = replica_index_and_count()
    if count == 1:
        return draw(shape)
    shape = tf.convert_to_tensor(shape, tf.int32)
    local = shape[0]
    full = draw(tf.concat([[local * count], shape[1:]], 0))
    return full[index * local:(index + 1) * local]


def _check_divisible(variable, rows, count, argument):
    if rows % count:
        fail(argument, repr(rows), f"a multiple of the {count} replicas in sync "
             f"(each replica advances an equal share of `{variable.name}`)")


def local_rows(variable, argument):
    """This replica's share of a state variable with one row per chain ``[M, ...]``.
    `argument` names the constructor argument that sets M (for the error when N does not
    divide it)."""
    index, count = replica_index_and_count()
    if count == 1:
        return tf.convert_to_tensor(variable)
    rows = int(variable.shape[0])
    _check_divisible(variable, rows, count, argument)
    share = rows // count
    return tf.convert_to_tensor(variable)[index * share:(index + 1) * share]


def gather_rows(value):
    """Every replica's `value` concatenated along axis 0 in replica order (the identity with
    one replica)."""
    _, count = replica_index_and_count()
    if count == 1:
        return value
    return tf.distribute.get_replica_context().all_gather(value, axis=0)


def global_mean(values):
    """The mean of ``values`` over the whole global batch (every replica's rows), the same on
    every replica: a batch statistic that does not depend on how the batch is split."""
    total, count = tf.reduce_sum(values), tf.cast(tf.size(values), values.dtype)
    _, replicas = replica_index_and_count()
    if replicas > 1:
        total, count = tf.distribute.get_replica_context().all_reduce("sum", [total, count])
    return total / count


def assign_rows(variable, value):
    """Write this replica's new rows `value` (from `local_rows`) back: all replicas' rows are
    gathered and every copy of `variable` gets the same full value."""
    variable.assign(gather_rows(value))
    return value
