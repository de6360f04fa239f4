"""Training styles (one train_step skeleton each) and callbacks."""

from kerasgen.training.callbacks import NaNGuard, SampleGrid, TimeLimit
from kerasgen.training.maximum_likelihood import MaximumLikelihoodModel
from kerasgen.training.adversarial import AdversarialModel, default_gan_optimizer
from kerasgen.training.contrastive_divergence import ContrastiveDivergenceModel
from kerasgen.training import distribute, resume  # noqa: F401  (kerasgen.training.distribute...)
