"""Training styles (one train_step skeleton each) and callbacks."""

from kerasgen.training.callbacks import NaNGuard, SampleGrid
from kerasgen.training.maximum_likelihood import MaximumLikelihoodModel
