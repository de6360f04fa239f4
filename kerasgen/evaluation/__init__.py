"""Evaluation: likelihood bounds, bits/dim, reconstruction error, novelty thresholds."""

from kerasgen.evaluation.likelihood import (
    evaluate_log_likelihood,
    likelihood_metrics,
    nats_to_bits_per_dim,
)
from kerasgen.evaluation.novelty import NoveltyDetector, calibrate_threshold
