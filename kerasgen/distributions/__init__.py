"""Likelihoods built from TensorFlow Probability (the only module family that uses ``tfd``)."""

from kerasgen.distributions.discretized_logistic import discretized_logistic
from kerasgen.distributions.likelihoods import (
    LIKELIHOODS,
    Bernoulli,
    DiscretizedLogistic,
    Gaussian,
    Likelihood,
    get_likelihood,
)
from kerasgen.distributions.categorical import BernoulliHead, Categorical
from kerasgen.distributions.mixture import DiscretizedLogisticMixture
