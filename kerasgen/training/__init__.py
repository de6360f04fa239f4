"""Training styles (one train_step skeleton each, a mixin that a model class combines with
`kerasgen.models.base.GenerativeModel`), callbacks, resume and distribution. Below the models:
nothing here imports them."""

from kerasgen.training.callbacks import NaNGuard, SampleGrid, TimeLimit
from kerasgen.training.maximum_likelihood import MaximumLikelihoodTraining
from kerasgen.training.adversarial import AdversarialTraining, default_gan_optimizer
from kerasgen.training.contrastive_divergence import ContrastiveDivergenceTraining
from kerasgen.training import distribute, resume  # noqa: F401  (kerasgen.training.distribute...)
