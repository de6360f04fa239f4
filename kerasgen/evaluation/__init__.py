"""Evaluation: likelihood bounds, bits/dim, nats per audio sample, reconstruction error,
novelty thresholds."""

from kerasgen.evaluation.likelihood import (
    evaluate_log_likelihood,
    likelihood_metrics,
    nats_to_bits_per_dim,
)
from kerasgen.evaluation.audio import recording_nats_per_sample
from kerasgen.evaluation.novelty import NoveltyDetector, calibrate_threshold
from kerasgen.evaluation.classifier import (
    Classifier,
    classifier_score,
    frechet_distance,
    get_classifier,
    kernel_distance,
    label_agreement,
    mode_coverage,
    sample_quality,
)
from kerasgen.evaluation.partition import (
    AISResult,
    ais_log_partition,
    annealing_schedule,
    base_rate_visible_bias,
    exact_log_partition,
)
