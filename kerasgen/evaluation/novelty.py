"""Novelty detection: a per-example score and a threshold set on held-out normal data.

A threshold for false-positive rate `f` is the (1 - f) quantile of the scores of normal data:
about a fraction `f` of normal examples score above it and are flagged.

Example:
    >>> import numpy as np
    >>> calibrate_threshold(np.arange(100.0), false_positive_rate=0.05)
    94.05
"""

import numpy as np

from kerasgen.utils.validation import check_probability, fail


def calibrate_threshold(scores, false_positive_rate=0.05):
    scores = np.asarray(scores, np.float64)
    if scores.ndim != 1 or scores.size == 0 or not np.all(np.isfinite(scores)):
        fail("scores", f"an array of shape {scores.shape}", "a non-empty vector of finite scores")
    rate = check_probability("false_positive_rate", false_positive_rate)
    return float(np.quantile(scores, 1.0 - rate))


class NoveltyDetector:
    """Flags inputs whose ``model.anomaly_score`` is above a calibrated threshold.

    Args:
        model: any kerasgen model with ``anomaly_score(images, labels)`` (VAE: negative
            log-likelihood bound; autoencoder: reconstruction error).
        false_positive_rate: the fraction of normal data allowed to be flagged.
        **score_kwargs: further arguments of ``anomaly_score`` shared by every call (e.g.
            ``num_samples``); per-image labels of conditional models go to `fit`,
            `score` and `predict` with their images.
    """

    def __init__(self, model, false_positive_rate=0.05, **score_kwargs):
        self.model = model
        self.false_positive_rate = check_probability("false_positive_rate", false_positive_rate)
        if "labels" in score_kwargs:
            fail("labels", "labels given to the constructor",
                 "labels passed with their images to fit, score and predict")
        self.score_kwargs = score_kwargs
        self.threshold = None

    def score(self, images, labels=None):
        return np.asarray(self.model.anomaly_score(images, labels=labels, **self.score_kwargs))

    def fit(self, normal_images, labels=None):
        self.threshold = calibrate_threshold(self.score(normal_images, labels),
                                             self.false_positive_rate)
        return self

    def predict(self, images, labels=None):
        """True where an image is flagged as novel."""
        if self.threshold is None:
            fail("threshold", "None", "a calibrated threshold: call fit(normal_images) first")
        return self.score(images, labels) > self.threshold
