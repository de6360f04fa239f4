"""Sanity of the offline sample-quality metrics on real digits (the classifier is trained once,
into a temporary cache)."""

import numpy as np
import pytest
from scipy import ndimage

from kerasgen import data
from kerasgen.evaluation.classifier import (
    classifier_score,
    frechet_distance,
    get_classifier,
    kernel_distance,
    label_agreement,
    mode_coverage,
    sample_quality,
)


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    return get_classifier("digits", directory=tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def real():
    train, train_labels = data.load_arrays("digits", "train")
    test, test_labels = data.load_arrays("digits", "test")
    return train, train_labels, test, test_labels


@pytest.mark.slow
def test_classifier_is_accurate_and_cached(classifier, tmp_path_factory):
    assert classifier.test_accuracy > 0.9 and classifier.num_classes == 10
    cached = list(tmp_path_factory.getbasetemp().glob("cache*/classifier-digits.keras"))
    assert cached, "the trained classifier was not cached to disk"


def test_frechet_distance_formula_on_gaussians():
    rng = np.random.default_rng(0)
    a = rng.normal(0.0, 1.0, size=[20000, 2])
    b = rng.normal([3.0, 0.0], [2.0, 1.0], size=[20000, 2])
    # |mu_a - mu_b|^2 + tr(Sa + Sb - 2 sqrt(Sa Sb)) = 9 + (1 + 4 - 2*2) + 0 = 10
    assert frechet_distance(a, b) == pytest.approx(10.0, rel=0.03)
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)


@pytest.mark.slow
def test_real_against_real_is_near_zero_and_noise_grows_it(classifier, real):
    train, _, test, _ = real
    reference = classifier.features(test)
    same = frechet_distance(classifier.features(train[:720]), reference)
    rng = np.random.default_rng(0)
    noisy = [frechet_distance(classifier.features(
        np.clip(train[:720] + rng.normal(0, level, train[:720].shape), 0, 16)), reference)
        for level in (1.0, 3.0, 6.0, 10.0)]
    assert same < noisy[0] < noisy[1] < noisy[2] < noisy[3]
    assert same < 0.2 * noisy[-1]
    kernels = [kernel_distance(classifier.features(
        np.clip(train[:720] + rng.normal(0, level, train[:720].shape), 0, 16)), reference)
        for level in (0.0, 3.0, 10.0)]
    assert abs(kernels[0]) < kernels[1] < kernels[2]


@pytest.mark.slow
def test_blur_grows_the_distance_monotonically(classifier, real):
    train, _, test, _ = real
    reference = classifier.features(test)
    distances = [frechet_distance(classifier.features(ndimage.gaussian_filter(
        train[:720].astype(float), sigma=(0, s, s, 0))), reference) for s in (0.0, 0.6, 1.2)]
    assert distances[0] < distances[1] < distances[2]


@pytest.mark.slow
def test_real_data_scores_near_the_class_count(classifier, real):
    score = classifier_score(classifier.probabilities(real[2]))
    assert 8.0 < score <= 10.0


@pytest.mark.slow
def test_one_class_generator_is_reported_collapsed(classifier, real):
    train, train_labels, test, _ = real
    reference = classifier.probabilities(test)
    only_threes = classifier.probabilities(train[train_labels == 3])
    collapsed = mode_coverage(only_threes, reference)
    assert collapsed["collapsed"] and collapsed["modes_covered"] <= 2
    assert classifier_score(only_threes) < 2.0
    healthy = mode_coverage(classifier.probabilities(train), reference)
    assert not healthy["collapsed"] and healthy["modes_covered"] == 10
    assert healthy["class_kl"] < 0.1 < collapsed["class_kl"]


@pytest.mark.slow
def test_label_agreement_and_report(classifier, real):
    train, train_labels, test, _ = real
    probabilities = classifier.probabilities(train[:300])
    assert label_agreement(probabilities, train_labels[:300]) > 0.9
    assert label_agreement(probabilities, (train_labels[:300] + 1) % 10) < 0.1
    report = sample_quality(classifier, train[:200], test, generated_labels=train_labels[:200])
    assert {"frechet_distance", "kernel_distance", "classifier_score", "modes_covered",
            "class_kl", "label_agreement"} <= set(report)


@pytest.mark.parametrize("call, name", [
    (lambda: frechet_distance(np.zeros([1, 3]), np.zeros([5, 3])), "`features_a`"),
    (lambda: kernel_distance(np.zeros([5, 3]), np.full([5, 3], np.nan)), "`features_b`"),
    (lambda: label_agreement(np.ones([4, 10]) / 10, [1, 2]), "`labels`"),
])
def test_bad_input(call, name):
    with pytest.raises(ValueError, match=name):
        call()
