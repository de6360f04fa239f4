"""Offline sample-quality metrics from a small classifier trained on the real data.

No network here, so no Inception network: each image dataset gets a small convolutional
classifier, trained by the package on the real training split and cached to disk
(``$KERASGEN_CACHE_DIR`` or ``~/.cache/kerasgen``), keyed on the data it learnt from (a built-in
dataset's name; for a folder or a TFDS dataset a fingerprint of its files and of how they are
read, so an edited folder or another image size trains a new one). Its penultimate layer gives
features and its softmax gives class probabilities p(y | x), from which:

#### Mathematical details

    Frechet classifier distance  |mu_a - mu_b|^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2))
                                 (Gaussian fits of the two feature sets; Heusel et al. 2017)
    kernel classifier distance   unbiased MMD^2 with k(x, y) = (x.y / d + 1)^3 (Binkowski 2018)
    classifier score             exp(E_x KL(p(y|x) || p(y)))  in [1, num_classes]
                                 (the Inception-score form; Salimans et al. 2016)
    mode coverage                classes receiving at least `min_share` of the expected count
                                 of samples, and KL(histogram of generated || histogram of data)
    label agreement              fraction of conditional samples classified as requested

Data without labels (a flat folder) has no classes to learn: its classifier learns to tell
which of four rotations (0, 90, 180, 270 degrees; for images that are not square: identity,
the two flips and the half turn) was applied to an image, a self-supervised task whose
features still separate what the images show (Gidaris et al. 2018, "Unsupervised
representation learning by predicting image rotations"). Its report holds the two feature
distances only: classifier score and mode coverage need the data's own classes.

Example:
    >>> import tempfile
    >>> from kerasgen import data
    >>> images, labels = data.load_arrays("digits", "test")
    >>> judge = get_classifier("digits", directory=tempfile.mkdtemp(), epochs=2)
    >>> report = sample_quality(judge, images[:100], images[100:])
    >>> sorted(report)[:4]
    ['class_kl', 'classifier_score', 'classifier_task', 'collapsed']
    >>> report["frechet_distance"] < frechet_distance(
    ...     judge.features(np.clip(images[:100] + 6, 0, 16)), judge.features(images[100:]))
    True
"""

import os
import pathlib
import warnings

import keras
import numpy as np
from scipy import linalg

from kerasgen.core.keras_files import load_keras
from kerasgen.data import transforms
from kerasgen.utils.files import write_whole
from kerasgen.utils.validation import check_positive_int, fail

FEATURES_LAYER = "features"


def cache_dir(path=None):
    path = path or os.environ.get("KERASGEN_CACHE_DIR") or pathlib.Path.home() / ".cache" / \
        "kerasgen"
    return pathlib.Path(path)


def build_classifier(image_shape, num_classes, feature_dim=64):
    """A small convnet: two conv stages, a `features` layer, a softmax head."""
    inputs = keras.Input(image_shape, name="images")
    h = keras.layers.Conv2D(32, 3, padding="same", activation="relu")(inputs)
    h = keras.layers.Conv2D(64, 3, strides=2, padding="same", activation="relu")(h)
    h = keras.layers.Conv2D(64, 3, strides=2, padding="same", activation="relu")(h)
    h = keras.layers.Flatten()(h)
    h = keras.layers.Dropout(0.3)(h)
    features = keras.layers.Dense(feature_dim, activation="relu", name=FEATURES_LAYER)(h)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="probabilities")(
        features)
    return keras.Model(inputs, outputs, name="classifier")


TASKS = ("classes", "rotations")


class Classifier:
    """A trained classifier for one dataset: `features(images)` and `probabilities(images)`
    of integer images in the data's range. `task`: ``"classes"`` (the data's labels) or
    ``"rotations"`` (unlabeled data: which rotation was applied; module docstring)."""

    def __init__(self, model, num_levels, test_accuracy=None, task="classes"):
        if task not in TASKS:
            fail("task", repr(task), f"one of {', '.join(TASKS)}")
        self.model, self.num_levels, self.test_accuracy = model, num_levels, test_accuracy
        self.task = task
        self._features = keras.Model(model.inputs, model.get_layer(FEATURES_LAYER).output)

    @property
    def num_classes(self):
        return self.model.output_shape[-1]

    def _inputs(self, images):
        return transforms.scale_to_unit(np.asarray(images, np.float32), self.num_levels)

    def features(self, images, batch_size=512):
        return self._features.predict(self._inputs(images), batch_size=batch_size, verbose=0)

    def probabilities(self, images, batch_size=512):
        return self.model.predict(self._inputs(images), batch_size=batch_size, verbose=0)


def rotation_task(images):
    """``(images, labels)`` of the self-supervised task of unlabeled data: every image four
    times, turned by k quarter turns with label k (``[4N, H, W, C]``, ``[4N]``); images that
    are not square get the identity, the up-down flip, the left-right flip and the half turn."""
    images = np.asarray(images)
    if images.shape[1] == images.shape[2]:
        turned = [np.rot90(images, k, axes=(1, 2)) for k in range(4)]
    else:
        turned = [images, images[:, ::-1], images[:, :, ::-1], images[:, ::-1, ::-1]]
    labels = np.repeat(np.arange(4, dtype=np.int32), len(images))
    return np.concatenate(turned), labels


def get_classifier(dataset="digits", data_dir=None, directory=None, epochs=None, seed=0,
                   **options):
    """The cached classifier for `dataset`, trained on its training split on first use.

    Args:
        dataset, data_dir, **options: the data, as `kerasgen.data.load` reads it (a folder or
            TFDS dataset takes ``image_size``, ``channels``, ``aspect_ratio``...).
        directory: the cache folder (default: `cache_dir`).
        epochs: training epochs (default: 30 on fewer than 10 000 examples, else 3; a
            rotation task, four times the data, a third of that).
        seed: initialization and batch order.

    The cache file is keyed on everything that shapes the classifier (the data's
    fingerprint, epochs, seed), so a quick run with few `epochs` never stands in for the
    default judge, nor a classifier of an earlier state of a folder for the current one.
    Labelled data trains on its labels; unlabeled data on `rotation_task`.
    """
    from kerasgen.data.images import ImageOptions, open_images

    if epochs is not None:
        epochs = check_positive_int("epochs", epochs)
    source = open_images(dataset, data_dir, ImageOptions(**options))
    info = source.info
    # One class folder teaches nothing (a one-way softmax): judged as unlabeled data.
    task = "classes" if (info.num_classes or 0) >= 2 else "rotations"
    suffix = "".join(f"-{name}{value}" for name, value in (("epochs", epochs), ("seed", seed))
                     if value not in (None, 0))
    path = cache_dir(directory) / f"classifier-{source.fingerprint()}{suffix}.keras"
    if path.is_file():
        model = load_keras(path)  # checked, safe_mode=True
    else:
        images, labels = source.arrays("train")
        default = 30 if len(images) < 10_000 else 3  # by the images, before any rotation
        if task == "rotations":
            images, labels = rotation_task(images)
            default = max(1, default // 3)
        keras.utils.set_random_seed(seed)
        model = build_classifier(info.image_shape, info.num_classes if task == "classes" else 4)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        epochs = epochs or default
        model.fit(transforms.scale_to_unit(images, info.num_levels).numpy(), labels,
                  batch_size=128, epochs=epochs, verbose=0)
        write_whole(path, model.save)  # an interrupted save never leaves a truncated cache
    classifier = Classifier(model, info.num_levels, task=task)
    test_images, test_labels = source.arrays("test", 2000)
    if task == "rotations":
        test_images, test_labels = rotation_task(test_images)
    if len(test_images):
        classifier.test_accuracy = label_agreement(classifier.probabilities(test_images),
                                                   test_labels)
    return classifier


def _check_matrix(name, x, min_rows=2):
    x = np.asarray(x, np.float64)
    if x.ndim != 2 or x.shape[0] < min_rows or not np.all(np.isfinite(x)):
        fail(name, f"an array of shape {x.shape}",
             f"a finite [N >= {min_rows}, D] matrix of features or probabilities")
    return x


def frechet_distance(features_a, features_b):
    a, b = _check_matrix("features_a", features_a), _check_matrix("features_b", features_b)
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    with warnings.catch_warnings():  # dead ReLU features make covariances singular
        warnings.simplefilter("ignore")
        root = linalg.sqrtm(cov_a @ cov_b)
    if not np.all(np.isfinite(root)):  # near-singular product: regularize, as is standard
        offset = np.eye(len(cov_a)) * 1e-6
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            root = linalg.sqrtm((cov_a + offset) @ (cov_b + offset))
    value = np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a + cov_b - 2 * np.real(root))
    return float(max(value, 0.0))


def kernel_distance(features_a, features_b):
    """Unbiased MMD^2 with the cubic polynomial kernel (can be slightly negative)."""
    a, b = _check_matrix("features_a", features_a), _check_matrix("features_b", features_b)
    d = a.shape[1]
    k_aa, k_bb, k_ab = ((x @ y.T / d + 1) ** 3 for x, y in ((a, a), (b, b), (a, b)))
    m, n = len(a), len(b)
    return float((k_aa.sum() - np.trace(k_aa)) / (m * (m - 1))
                 + (k_bb.sum() - np.trace(k_bb)) / (n * (n - 1)) - 2 * k_ab.mean())


def classifier_score(probabilities, eps=1e-12):
    p = _check_matrix("probabilities", probabilities, min_rows=1)
    marginal = p.mean(0, keepdims=True)
    kl = np.sum(p * (np.log(p + eps) - np.log(marginal + eps)), axis=1)
    return float(np.exp(kl.mean()))


def class_histogram(probabilities):
    p = _check_matrix("probabilities", probabilities, min_rows=1)
    return np.bincount(p.argmax(1), minlength=p.shape[1]) / len(p)


def mode_coverage(probabilities, reference_probabilities, min_share=0.2, eps=1e-6):
    """``{"modes_covered", "num_modes", "class_kl", "collapsed"}``: a class counts as covered
    when it gets at least `min_share` of the samples the data's histogram would give it."""
    generated = class_histogram(probabilities)
    reference = class_histogram(reference_probabilities)
    covered = int(np.sum(generated >= min_share * reference))
    kl = float(np.sum(generated * (np.log(generated + eps) - np.log(reference + eps))))
    return {"modes_covered": covered, "num_modes": int(np.sum(reference > 0)),
            "class_kl": kl, "collapsed": covered < int(np.sum(reference > 0))}


def label_agreement(probabilities, labels):
    p = _check_matrix("probabilities", probabilities, min_rows=1)
    labels = np.asarray(labels)
    if labels.shape != (len(p),):
        fail("labels", f"shape {labels.shape}", f"({len(p)},), one label per sample")
    return float(np.mean(p.argmax(1) == labels))


def sample_quality(classifier, generated, real, generated_labels=None):
    """All metrics of `generated` images against `real` ones (integer images, data range):
    the feature distances, and with a classifier of the data's classes the classifier
    score, mode coverage and (given `generated_labels`) label agreement."""
    check_positive_int("number of generated images", len(generated))
    gen_f, real_f = classifier.features(generated), classifier.features(real)
    report = {"frechet_distance": frechet_distance(gen_f, real_f),
              "kernel_distance": kernel_distance(gen_f, real_f),
              "num_generated": int(len(generated)), "num_real": int(len(real)),
              "classifier_task": classifier.task}
    if classifier.task != "classes":
        if generated_labels is not None:
            fail("generated_labels", f"labels of {len(generated_labels)} samples",
                 "None: this classifier learnt rotations of unlabeled data, not classes")
        return report
    gen_p, real_p = classifier.probabilities(generated), classifier.probabilities(real)
    report.update(classifier_score=classifier_score(gen_p), **mode_coverage(gen_p, real_p))
    if generated_labels is not None:
        report["label_agreement"] = label_agreement(gen_p, generated_labels)
    return report
