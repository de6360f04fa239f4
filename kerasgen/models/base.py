"""`GenerativeModel`: what every kerasgen model shares; `ImageGenerativeModel`: the image families'.

- the kind of example a model declares (``data_kind``, `kerasgen.core.kinds`): integer images
  ``[H, W, C]`` in ``[0, num_levels - 1]`` (`ImageGenerativeModel`), audio levels ``[T, 1]``
  (WaveNet); every input check and the data contract read it;
- the data contract: batches of examples of that kind, optional labels
  and per-example sample weights (``(x, y, sample_weight)`` batches, ``fit(x,
  sample_weight=w)``), which the training style weights or refuses (`sample_weight_refusal`);
- input checks that raise ``ValueError`` before any work (``fit`` checks the first batch);
- the config every family extends (``num_classes``, ``seed``, ``image_shape`` and ``num_levels``
  for images,
  and the ``format_version`` that `kerasgen.models.load_model` checks);
- ``serving_endpoints()`` / ``tflite_endpoints()``: the one place a model names what it exports,
  read by ``kerasgen.export`` for every family alike;
- ``evaluation_report(images, labels=None, ...)``: each family's test metrics, its options
  declared as keyword parameters and checked by `strict_options` (a misspelt one is refused).

A family combines it with one training style from `kerasgen.training` (a mixin placed first:
``class GAN(AdversarialTraining, GenerativeModel)``), which gives ``train_step`` and
``test_step``; the styles sit below the models and never import them.
"""

import functools
import inspect
import math
import numbers

import keras
import numpy as np
import tensorflow as tf

from kerasgen.core.endpoints import Endpoint
from kerasgen.core.kinds import Images
from kerasgen.training import resume
from kerasgen.training.batches import check_sample_weight, unpack
from kerasgen.training.distribute import is_multi_worker
from kerasgen.utils import validation as v

# Version of the saved-model format (the config layout) this kerasgen writes. Raise it when a
# change to a config would be misread by an older kerasgen: `kerasgen.models.load_model` refuses
# files of a larger version. Files written before it existed count as version 1.
FORMAT_VERSION = 1


def strict_options(report):
    """Decorator of a family's ``evaluation_report``, whose options are its explicit keyword
    parameters (no ``**kwargs``): an unknown keyword, a misspelt option, is a ``ValueError``
    naming it and listing the accepted ones. The signature stays readable with
    ``inspect.signature``, so a generic caller (``kerasgen evaluate``) passes only the options
    a report accepts."""
    parameters = list(inspect.signature(report).parameters.values())[1:]  # after self
    if any(p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL) for p in parameters):
        raise TypeError(f"{report.__qualname__} must declare its options as explicit keyword "
                        "parameters (no *args or **kwargs)")
    accepted = [p.name for p in parameters]

    @functools.wraps(report)
    def checked(self, *args, **options):
        unknown = [name for name in options if name not in accepted]
        if unknown:
            where = f"{type(self).__name__}.{report.__name__}"
            value = repr(options[unknown[0]])
            v.fail(unknown[0], f"{unknown[0]}={value if len(value) <= 60 else '...'}, which "
                   f"{where} does not take", f"an option of {where} ({', '.join(accepted)})")
        return report(self, *args, **options)

    return checked


def _one_replica(value):
    """This process's first replica's part of a distributed value (the value otherwise)."""
    if isinstance(value, tf.distribute.DistributedValues):
        return value.values[0]
    return value


class GenerativeModel(keras.Model):
    """Base class of every kerasgen model, whatever kind of example it models.

    A subclass declares `data_kind` (a `kerasgen.core.kinds` value: `Images`,
    `AudioSequences`), which the input checks, ``fit``'s data contract, the command line and
    the exports read; image families derive from `ImageGenerativeModel`, which declares
    ``Images(image_shape, num_levels)``.

    Args:
        num_classes: number of label classes for conditional models, else None.
        seed: integer seed of every random draw made while training.
    """

    data_kind = None  # set by each subclass (an instance attribute, from its config)
    can_sample = True  # False: no prior to sample from (autoencoders reconstruct instead)

    def __init__(self, num_classes=None, seed=0, **kwargs):
        kwargs.pop("format_version", None)  # written by get_config, checked by load_model
        super().__init__(**kwargs)
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

    def report(self, values, sample_weight=None):
        """Update the trackers with the per-example `values` (weighted by `sample_weight`,
        ``[B]``, when the training style weights examples) and return the logs."""
        for tracker in self.trackers:
            tracker.update_state(values[tracker.name], sample_weight=sample_weight)
        logs = {tracker.name: tracker.result() for tracker in self.trackers}
        if is_multi_worker():  # the strategy of the running train step
            # Keras 3 fails to reduce scalar logs across workers (keras-team/keras#20585);
            # rank-1 logs go through (History then holds one-element arrays).
            logs = {name: tf.reshape(value, [1]) for name, value in logs.items()}
        return logs

    condition_shape = None  # (H, W, D) for models conditioned on a map per image

    @property
    def example_rank(self):
        """Rank of one example (without the batch axis): 3 for images, 2 for audio."""
        return self.data_kind.rank

    @property
    def is_conditional(self):
        return self.num_classes is not None or self.condition_shape is not None

    def get_config(self):
        config = super().get_config()
        config.update(num_classes=self.num_classes, seed=self.seed,
                      format_version=FORMAT_VERSION)
        return config

    # ------------------------------------------------------------------ input checks
    integer_images = False  # True: refuse non-integer values (discrete likelihoods)

    def check_examples(self, examples, name=None):
        """A batch of this model's examples, checked against its `data_kind` (a
        ``ValueError`` naming `name` otherwise); float32."""
        return self.data_kind.check(name or self.data_kind.input_name, examples,
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

    # Why this model's training cannot weight examples (named when sample weights are
    # refused), or None when it weights them. Each training style sets it.
    sample_weight_refusal = "this model's training does not weight examples"

    def check_sample_weight(self, weights, count, name="sample_weight"):
        """Per-example weights ``[count]`` as float32 (finite, >= 0), or None for None. A
        model whose training cannot weight examples refuses any (`sample_weight_refusal`)."""
        return check_sample_weight(name, weights, count, refusal=self.sample_weight_refusal)

    def check_weight_arguments(self, kwargs):
        """``fit``'s `sample_weight` (checked as above, its length later against the data)
        and `class_weight` (which Keras turns into sample weights: refused when the model
        cannot weight examples)."""
        if kwargs.get("class_weight") is not None and self.sample_weight_refusal:
            v.fail("class_weight", f"class weights {kwargs['class_weight']!r}",
                   f"None: {self.sample_weight_refusal}")
        return self.check_sample_weight(kwargs.get("sample_weight"), None)

    def _check_fit_data(self, x, y, name, weights=None):
        """Check the first batch of `x` (a dataset or an array; `y` and `weights`: its labels
        and sample weights beside it) before any training."""
        weights_name = "sample_weight" if name == "x" else f"{name} sample_weight"
        if isinstance(x, tf.data.Dataset):
            if weights is not None:
                v.fail(weights_name, f"an array ({v.describe(weights)}) beside a dataset",
                       "None: a dataset carries its weights in its batches, "
                       "(images, labels, sample_weight), labels None when there are none")
            first = next(iter(x.take(1)), None)
            if first is None:
                v.fail(name, "an empty dataset", f"at least one batch of {self.data_kind.name}")
            images, labels, weights = unpack(first)
            weights_name = f"{name} sample_weight"
            images, labels = np.asarray(images), None if labels is None else np.asarray(labels)
            if images.ndim == self.example_rank:
                v.fail(name, f"unbatched elements of shape {images.shape}",
                       "a batched dataset (call .batch(batch_size))")
        elif x is None:
            v.fail(name, "None", f"{self.data_kind.name} as an array or a tf.data.Dataset")
        else:
            images, labels = x, y
        images = self.check_examples(images, name)
        if self.is_conditional:  # unconditional models ignore the labels of (x, y) data
            self.check_labels(labels, len(images), name=f"{name} labels")
        self.check_sample_weight(weights, len(images), name=weights_name)

    def fit(self, x=None, y=None, validation_data=None, **kwargs):
        if kwargs.get("batch_size") is not None:
            v.check_positive_int("batch_size", kwargs["batch_size"])
        if "epochs" in kwargs:
            v.check_positive_int("epochs", kwargs["epochs"])
        if kwargs.get("validation_split"):
            v.check_probability("validation_split", kwargs["validation_split"])
        self.check_weight_arguments(kwargs)
        self._check_fit_data(x, y, "x", kwargs.get("sample_weight"))
        if validation_data is not None:
            vx, vy, vw = unpack(validation_data) \
                if isinstance(validation_data, (tuple, list)) else (validation_data, None, None)
            self._check_fit_data(vx, vy, "validation_data", vw)
            if vw is not None and vy is None and not isinstance(vx, tf.data.Dataset):
                validation_data = self._weighted_dataset(
                    vx, vw, kwargs.get("validation_batch_size") or kwargs.get("batch_size"))
        if kwargs.get("sample_weight") is not None and y is None:
            x, validation_data = self._weighted_split(x, validation_data, kwargs)
        if isinstance(x, tf.data.Dataset):
            kwargs.setdefault("shuffle", False)  # a dataset shuffles itself; avoid Keras' warning
        backup = resume.find_backup(kwargs.get("callbacks"))
        if backup is not None and resume.can_resume_exactly(self, x, kwargs):
            if not isinstance(x, tf.data.Dataset):
                x = resume.as_dataset(self, x, y, kwargs.pop("batch_size", None),
                                      kwargs.pop("shuffle", True),
                                      kwargs.pop("sample_weight", None))
            kwargs.pop("shuffle", None)
            return resume.fit_resumably(self, super().fit, x, backup,
                                        validation_data=validation_data, **kwargs)
        return super().fit(x, y, validation_data=validation_data, **kwargs)

    # Keras packs arrays given without labels as x alone and drops their sample weights:
    # weighted arrays without labels go in as a dataset of (x, None, sample_weight) batches.
    def _weighted_dataset(self, images, weights, batch_size, shuffle=False):
        return resume.as_dataset(self, np.asarray(images), None, batch_size, shuffle,
                                 self.check_sample_weight(weights, len(images)))

    def _weighted_split(self, x, validation_data, kwargs):
        """``fit(x, sample_weight=w)`` without labels: x as a weighted dataset, and Keras'
        `validation_split` (the last fraction of the arrays) done here."""
        images = np.asarray(x)
        weights = self.check_sample_weight(kwargs.pop("sample_weight"), len(images))
        split = kwargs.pop("validation_split", None)
        if split and validation_data is None:
            cut = int(math.floor(len(images) * (1.0 - split)))
            validation_data = self._weighted_dataset(
                images[cut:], weights[cut:],
                kwargs.get("validation_batch_size") or kwargs.get("batch_size"))
            images, weights = images[:cut], weights[:cut]
        x = self._weighted_dataset(images, weights, kwargs.pop("batch_size", None),
                                   kwargs.pop("shuffle", True))
        return x, validation_data

    def evaluate(self, x=None, y=None, sample_weight=None, **kwargs):
        """Keras' ``evaluate``; sample weights of arrays are checked (refused when the
        training does not weight examples) and kept without labels too."""
        if sample_weight is not None and not isinstance(x, tf.data.Dataset):
            self.check_sample_weight(sample_weight, len(self.check_examples(x, "x")))
            if y is None:
                x, sample_weight = self._weighted_dataset(x, sample_weight,
                                                          kwargs.pop("batch_size", None)), None
        return super().evaluate(x, y, sample_weight=sample_weight, **kwargs)

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

    def example_input(self, spec, batch_size, rng):
        """An example value (NumPy) of input `spec` of this model's endpoints, drawn from the
        NumPy generator `rng`: what export checks, TFLite comparisons and warm-up records feed.

        Unknown dimensions are `batch_size` (`example_shape`). The data kind draws the
        model's own examples (``images``, ``audio``), integer ``labels`` are classes,
        ``num_samples`` is the batch size, ``seed`` 0, ``temperature`` 1, the ``uniforms`` of
        exact samplers lie in (0, 1); anything else (``latents``, ``noise``, condition maps)
        is standard normal. A family whose endpoints take inputs of its own extends this and
        calls ``super()`` for the rest, so the export code never reads input names.
        """
        shape = self.example_shape(spec, batch_size)
        if spec.name == self.data_kind.input_name:
            value = self.data_kind.random(rng, batch_size)
        elif spec.name == "labels" and spec.dtype.is_integer:
            value = rng.integers(0, self.num_classes or 1, size=shape)
        elif spec.name == "num_samples":
            value = np.full(shape, batch_size)
        elif spec.name == "seed":
            value = np.zeros(shape)
        elif spec.name == "temperature":
            value = np.ones(shape)
        elif spec.name == "uniforms":
            value = rng.uniform(1e-6, 1 - 1e-6, size=shape)
        else:
            value = rng.standard_normal(shape)
        return np.asarray(value, dtype=spec.dtype.as_numpy_dtype)

    @staticmethod
    def example_shape(spec, batch_size):
        """The shape of `spec` with its unknown dimensions set to `batch_size`."""
        return [batch_size if d is None else d for d in spec.shape.as_list()]

    def serving_endpoints(self):
        """Ordered list of `kerasgen.export.Endpoint`s for TF Serving (first = default)."""
        raise NotImplementedError(f"{type(self).__name__} defines no serving endpoints")

    def tflite_endpoints(self):
        """Endpoints that convert with TFLite builtin ops (noise as input or builtin RNG)."""
        raise NotImplementedError(f"{type(self).__name__} defines no TFLite endpoints")

    def tflite_assets(self):
        """``{name: text}`` of files an app needs beside the TFLite file (none by default)."""
        return {}


class ImageGenerativeModel(GenerativeModel):
    """Base class of the image families: examples are ``Images(image_shape, num_levels)``.

    Args:
        image_shape: ``(height, width, channels)`` of the images.
        num_levels: number of integer pixel values (17 for digits, 256 for 8-bit images).
        num_classes, seed: see `GenerativeModel`.
    """

    def __init__(self, image_shape=(8, 8, 1), num_levels=17, num_classes=None, seed=0,
                 **kwargs):
        super().__init__(num_classes=num_classes, seed=seed, **kwargs)
        self.data_kind = Images(image_shape, num_levels)
        self.image_shape, self.num_levels = self.data_kind.shape, self.data_kind.num_levels

    @property
    def num_dims(self):
        return int(np.prod(self.image_shape))

    def get_config(self):
        config = super().get_config()
        config.update(image_shape=list(self.image_shape), num_levels=self.num_levels)
        return config

    def check_images(self, images, name="images"):
        return self.check_examples(images, name)
