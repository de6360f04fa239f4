"""Optimizer defaults used by the command line and benchmarks."""

import keras


def adam(learning_rate=1e-3):
    """Adam with the defaults the model families are tuned for."""
    return keras.optimizers.Adam(learning_rate=learning_rate)
