"""The energy-based family's declaration (see `kerasgen.models.family`)."""

from kerasgen.models.boltzmann.dbn import DBN
from kerasgen.models.boltzmann.energy import EnergyModel
from kerasgen.models.boltzmann.general import BoltzmannMachine
from kerasgen.models.boltzmann.rbm import RBM, GaussianRBM
from kerasgen.models.family import Family, Preset

FAMILY = Family("boltzmann", "images", {
    "rbm": Preset(RBM, {"hidden_units": 64}, "RBM: Bernoulli visible units, CD-1 "
                  "(--set persistent=True for PCD, cd_steps=k)", tiny=dict(hidden_units=8)),
    "gaussian-rbm": Preset(GaussianRBM, {"hidden_units": 64},
                           "Gaussian-visible RBM (learned sigmas), CD-1",
                           tiny=dict(hidden_units=8)),
    "dbn": Preset(DBN, {"hidden_units": [64, 32]},
                  "deep belief network: RBMs trained greedily, top-down generation",
                  tiny=dict(hidden_units=(8, 4), fine_tune_epochs=1)),
    "boltzmann-machine": Preset(BoltzmannMachine, {"hidden_units": 16},
                                "general Boltzmann machine (visible-visible, visible-hidden, "
                                "hidden-hidden weights), classic rule",
                                tiny=dict(hidden_units=2)),
    "ebm": Preset(EnergyModel, {}, "energy-based model: a neural energy, Langevin samples "
                                   "from a replay buffer",
                  tiny=dict(hidden_units=(16,), langevin_steps=2, buffer_size=16)),
})
