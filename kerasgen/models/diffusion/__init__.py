from kerasgen.models.diffusion.model import ConditionalDiffusionModel, DiffusionModel
