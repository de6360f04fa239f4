"""`GenerativeModel`: what every kerasgen model shares.

- the data contract: integer images ``[H, W, C]`` in ``[0, num_levels - 1]``, optional labels;
- input checks that raise ``ValueError`` before any work (``fit`` checks the first batch);
- the config every family extends (``image_shape``, ``num_levels``, ``num_classes``, ``seed``,
  and the ``format_version`` that `kerasgen.models.load_model` checks);
- ``serving_endpoints()`` / ``tflite_endpoints()``: the one place a model names what it exports,
  read by ``kerasgen.export`` for every family alike.

A family combines it with one training style from `kerasgen.training` (a mixin placed first:
``class GAN(AdversarialTraining, GenerativeModel)``), which gives ``train_step`` and
``test_step``; the styles sit below the models and never import them.
"""

import numbers

import keras
import numpy as np
import tensorflow as tf

from kerasgen.core.endpoints import Endpoint
from kerasgen.training import resume
from kerasgen.training.batches import unpack
from kerasgen.training.distribute import is_multi_worker
from kerasgen.utils import validation as v

# Version of the saved-model format (the config layout) this kerasgen writes. Raise it when a
# change to a config would be misread by an older kerasgen: `kerasgen.models.load_model` refuses
# files of a larger version. Files written before it existed count as version 1.
FORMAT_VERSION = 1


def _one_replica(value):
    """This process's first replica's part of a distributed value (the value otherwise)."""
    if isinstance(value, tf.distribute.DistributedValues):
        return value.values[0]
    return value


class GenerativeModel(keras.Model):
    """Base class of every kerasgen model.

    Args:
        image_shape: ``(height, width, channels)`` of the images.
        num_levels: number of integer pixel values (17 for digits, 256 for 8-bit images).
        num_classes: number of label classes for conditional models, else None.
        seed: integer seed of every random draw made while training.
    """

    def __init__(self, image_shape=(8, 8, 1), num_levels=17, num_classes=None, seed=0, **kwargs):
        kwargs.pop("format_version", None)  # written by get_config, checked by load_model
        super().__init__(**kwargs)
        self.image_shape = v.check_image_shape("image_shape", image_shape)
        if isinstance(num_levels, bool) or not isinstance(num_levels, numbers.Integral) \
                or num_levels < 2:
            v.fail("num_levels", repr(num_levels), "an integer >= 2")
        self.num_levels = int(num_levels)
        self.num_classes = None if num_classes is None else v.check_positive_int(
            "num_classes", num_classes)
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
            v.fail("seed", repr(seed), "an integer")
        self.seed = int(seed)

    # ------------------------------------------------------------------ reported metrics
    def create_trackers(self, names):
        """One ``Mean`` per reported per-example value; `metrics` lists them (Keras resets
        them each epoch), and `report` updates them and returns the logs."""
        self.trackers = [keras.metrics.Mean(name=name) for name in names]

    @property
    def metrics(self):
        return list(getattr(self, "trackers", []))

    def report(self, values):
        for tracker in self.trackers:
            tracker.update_state(values[tracker.name])
        logs = {tracker.name: tracker.result() for tracker in self.trackers}
        if is_multi_worker():  # the strategy of the running train step
            # Keras 3 fails to reduce scalar logs across workers (keras-team/keras#20585);
            # rank-1 logs go through (History then holds one-element arrays).
            logs = {name: tf.reshape(value, [1]) for name, value in logs.items()}
        return logs

    condition_shape = None  # (H, W, D) for models conditioned on a map per image

    @property
    def example_rank(self):
        """Rank of one example (without the batch axis): 3 for images."""
        return len(self.image_shape)

    @property
    def is_conditional(self):
        return self.num_classes is not None or self.condition_shape is not None

    @property
    def num_dims(self):
        return int(np.prod(self.image_shape))

    def get_config(self):
        config = super().get_config()
        config.update(image_shape=list(self.image_shape), num_levels=self.num_levels,
                      num_classes=self.num_classes, seed=self.seed,
                      format_version=FORMAT_VERSION)
        return config

    # ------------------------------------------------------------------ input checks
    integer_images = False  # True: refuse non-integer pixels (discrete likelihoods)

    def check_images(self, images, name="images"):
        return v.check_images(name, images, self.image_shape, self.num_levels,
                              integers=self.integer_images)

    def check_labels(self, labels, count, name="labels"):
        """Class labels ``[N]``, or condition maps ``[N, *condition_shape]`` for models
        conditioned on a tensor; None for unconditional models."""
        if not self.is_conditional:
            if labels is not None:
                v.fail(name, f"labels ({v.describe(labels)})",
                       f"None: this {type(self).__name__} is unconditional")
            return None
        if self.condition_shape is not None:
            return v.check_condition_maps(name, labels, self.condition_shape, count=count)
        if labels is None:
            v.fail(name, "None", f"{count} class labels: this model is conditional "
                   f"on {self.num_classes} classes")
        return v.check_labels(name, labels, self.num_classes, count=count)

    def check_num_samples(self, num_samples):
        return v.check_positive_int("num_samples", num_samples)

    def resolve_seed(self, seed):
        """The user's integer seed, or a fresh random one for ``seed=None``."""
        if seed is None:
            return int(np.random.randint(2**31 - 1))
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
            v.fail("seed", repr(seed), "an integer or None")
        return int(seed)

    def condition_of(self, labels):
        """What the networks are conditioned on: one-hot class labels, the condition maps
        (float32), or None for unconditional models."""
        if self.condition_shape is not None:
            return tf.cast(labels, tf.float32)
        if not self.is_conditional:
            return None
        return tf.one_hot(tf.cast(labels, tf.int32), self.num_classes)

    def _check_fit_data(self, x, y, name):
        """Check the first batch of `x` (a dataset or an array) before any training."""
        if isinstance(x, tf.data.Dataset):
            first = next(iter(x.take(1)), None)
            if first is None:
                v.fail(name, "an empty dataset", "at least one batch of images")
            images, labels = unpack(first)
            images, labels = np.asarray(images), None if labels is None else np.asarray(labels)
            if images.ndim == self.example_rank:
                v.fail(name, f"unbatched elements of shape {images.shape}",
                       "a batched dataset (call .batch(batch_size))")
        elif x is None:
            v.fail(name, "None", "images as an array or a tf.data.Dataset")
        else:
            images, labels = x, y
        images = self.check_images(images, name)
        if self.is_conditional:  # unconditional models ignore the labels of (x, y) data
            self.check_labels(labels, len(images), name=f"{name} labels")

    def fit(self, x=None, y=None, validation_data=None, **kwargs):
        if kwargs.get("batch_size") is not None:
            v.check_positive_int("batch_size", kwargs["batch_size"])
        if "epochs" in kwargs:
            v.check_positive_int("epochs", kwargs["epochs"])
        if kwargs.get("validation_split"):
            v.check_probability("validation_split", kwargs["validation_split"])
        self._check_fit_data(x, y, "x")
        if validation_data is not None:
            vx, vy = unpack(validation_data) if isinstance(validation_data, (tuple, list)) \
                else (validation_data, None)
            self._check_fit_data(vx, vy, "validation_data")
        if isinstance(x, tf.data.Dataset):
            kwargs.setdefault("shuffle", False)  # a dataset shuffles itself; avoid Keras' warning
        backup = resume.find_backup(kwargs.get("callbacks"))
        if backup is not None and resume.can_resume_exactly(self, x, kwargs):
            if not isinstance(x, tf.data.Dataset):
                x = resume.as_dataset(self, x, y, kwargs.pop("batch_size", None),
                                      kwargs.pop("shuffle", True))
            kwargs.pop("shuffle", None)
            return resume.fit_resumably(self, super().fit, x, backup,
                                        validation_data=validation_data, **kwargs)
        return super().fit(x, y, validation_data=validation_data, **kwargs)

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        # Keras builds from the first batch all-reduced (MEAN) across replicas; under
        # MultiWorkerMirroredStrategy that fails on (images, labels) batches (a PerReplica
        # conversion error). Building needs shapes only: one replica's part of the batch.
        if iterator is not None and is_multi_worker(self.distribute_strategy):
            for _, _, batches in iterator:
                data_batch = tf.nest.map_structure(_one_replica, next(batches))
                break
            iterator = None
        return super()._maybe_symbolic_build(iterator=iterator, data_batch=data_batch)

    def compile_with_defaults(self, learning_rate=None):
        """Compile with the optimizer this training style is tuned for (Adam, 1e-3)."""
        self.compile(optimizer=keras.optimizers.Adam(learning_rate or 1e-3))

    # ------------------------------------------------------------------ export contract
    def endpoint(self, name, function, specs, deterministic=True):
        """An `Endpoint` whose inputs are `specs`, plus ``labels`` for conditional models."""
        if self.condition_shape is not None:
            labels = [tf.TensorSpec([None, *self.condition_shape], tf.float32, name="labels")]
        else:
            labels = [tf.TensorSpec([None], tf.int32, name="labels")] \
                if self.is_conditional else []
        return Endpoint(name, function, list(specs) + labels, deterministic=deterministic)

    def serving_endpoints(self):
        """Ordered list of `kerasgen.export.Endpoint`s for TF Serving (first = default)."""
        raise NotImplementedError(f"{type(self).__name__} defines no serving endpoints")

    def tflite_endpoints(self):
        """Endpoints that convert with TFLite builtin ops (noise as input or builtin RNG)."""
        raise NotImplementedError(f"{type(self).__name__} defines no TFLite endpoints")
