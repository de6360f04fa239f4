"""Boltzmann machines, trained by contrastive divergence."""

from kerasgen.models.boltzmann.rbm import RBM, GaussianRBM
from kerasgen.models.boltzmann.dbn import DBN
from kerasgen.models.boltzmann.general import BoltzmannMachine
from kerasgen.models.boltzmann.energy import EnergyModel
