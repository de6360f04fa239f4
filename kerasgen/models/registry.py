"""Model names used by the command line, with their defaults.

    create_model("conv-vae", dataset_info("digits"), {"latent_dim": 4})

A name maps to a class and preset keyword arguments; the dataset supplies ``image_shape``,
``num_levels`` and (for conditional models) ``num_classes``; ``overrides`` (``--set``) come last
and must name arguments the model's config has.
"""

import dataclasses

from kerasgen.models.autoencoder import Autoencoder, ConvAutoencoder, DenoisingAutoencoder
from kerasgen.models.autoregressive import PixelCNN, PixelCNNPlusPlus, PixelRNN
from kerasgen.models.boltzmann import DBN, RBM, BoltzmannMachine, EnergyModel, GaussianRBM
from kerasgen.models.gan import BEGAN, GAN, VAEGAN, ConditionalGAN
from kerasgen.models.vae import VAE, ConditionalVAE
from kerasgen.models.wavenet import WaveNet
from kerasgen.utils.validation import fail


@dataclasses.dataclass(frozen=True)
class ModelPreset:
    cls: type
    kwargs: dict
    description: str
    conditional: bool = False  # takes num_classes from the dataset
    audio: bool = False  # trains on audio data (kerasgen.cli_audio)


MODELS = {
    "autoencoder": ModelPreset(Autoencoder, {}, "dense autoencoder"),
    "conv-autoencoder": ModelPreset(ConvAutoencoder, {}, "convolutional autoencoder"),
    "denoising-autoencoder": ModelPreset(DenoisingAutoencoder, {},
                                         "denoising autoencoder (Gaussian corruption)"),
    "vae": ModelPreset(VAE, {}, "VAE, dense networks, Bernoulli decoder"),
    "conv-vae": ModelPreset(VAE, {"network": "conv"}, "VAE, convolutional networks"),
    "cvae": ModelPreset(ConditionalVAE, {}, "class-conditional VAE", conditional=True),
    "gan": ModelPreset(GAN, {}, "GAN, MLP pair, non-saturating loss"),
    "dcgan": ModelPreset(GAN, {"network": "conv", "normalization": "batch"},
                         "DCGAN: strided-conv discriminator, transposed-conv generator, BN"),
    "wgan": ModelPreset(GAN, {"network": "conv", "loss": "wasserstein", "clip_value": 0.01,
                              "d_steps": 5}, "WGAN: Wasserstein loss, weight clipping"),
    "wgan-gp": ModelPreset(GAN, {"network": "conv", "loss": "wasserstein",
                                 "gradient_penalty": 10.0, "d_steps": 5,
                                 "normalization": "layer"},
                           "WGAN-GP: Wasserstein loss, gradient penalty"),
    "cgan": ModelPreset(ConditionalGAN, {"network": "conv", "normalization": "batch",
                                         "label_conditioning": "projection"},
                        "conditional DCGAN (labels condition both networks; projection "
                        "discriminator)",
                        conditional=True),
    "vae-gan": ModelPreset(VAEGAN, {"network": "conv", "normalization": "batch"},
                           "VAE-GAN: VAE whose decoder is a DCGAN generator, feature-space "
                           "reconstruction"),
    "began": ModelPreset(BEGAN, {"network": "conv"},
                         "BEGAN: autoencoder discriminator, k_t equilibrium"),
    "pixelcnn": ModelPreset(PixelCNN, {}, "PixelCNN: masked convolutions, softmax over levels"),
    "pixelcnn++": ModelPreset(PixelCNNPlusPlus, {},
                              "PixelCNN++: shifted-conv U-net, discretized logistic mixture"),
    "rbm": ModelPreset(RBM, {"hidden_units": 64}, "RBM: Bernoulli visible units, CD-1 "
                       "(--set persistent=True for PCD, cd_steps=k)"),
    "gaussian-rbm": ModelPreset(GaussianRBM, {"hidden_units": 64},
                                "Gaussian-visible RBM (learned sigmas), CD-1"),
    "dbn": ModelPreset(DBN, {"hidden_units": [64, 32]},
                       "deep belief network: RBMs trained greedily, top-down generation"),
    "pixelrnn": ModelPreset(PixelRNN, {}, "PixelRNN: Diagonal BiLSTM (--set layer=row: Row LSTM) "
                                          "between masked convolutions, softmax over levels"),
    "boltzmann-machine": ModelPreset(BoltzmannMachine, {"hidden_units": 16},
                                     "general Boltzmann machine (visible-visible, "
                                     "visible-hidden, hidden-hidden weights), classic rule"),
    "ebm": ModelPreset(EnergyModel, {}, "energy-based model: a neural energy, Langevin "
                                        "samples from a replay buffer"),
    "wavenet": ModelPreset(WaveNet, {"residual_channels": 32, "skip_channels": 64,
                                     "layers_per_stack": 8, "stacks": 2},
                           "WaveNet (audio: --data spoken_digit|wav): dilated causal convs, "
                           "mu-law softmax; digit-conditioned on spoken_digit", audio=True),
}


def list_models():
    return sorted(MODELS)


def create_model(name, info, overrides=None):
    """Build model `name` for dataset `info` (an `ImageDatasetInfo`) with `overrides`."""
    if name not in MODELS:
        fail("model", repr(name), "one of " + ", ".join(list_models()))
    preset = MODELS[name]
    if preset.audio:
        fail("--data", repr(info.name), f"an audio dataset for {name}: spoken_digit or wav")
    kwargs = dict(image_shape=info.image_shape, num_levels=info.num_levels)
    if preset.conditional:
        if info.num_classes is None:
            fail("--data", f"{info.name!r} without labels ({info.description})",
                 f"labelled data for the conditional {name}: one subfolder per class")
        kwargs["num_classes"] = info.num_classes
    return build_preset(name, kwargs, overrides)


def build_preset(name, data_kwargs, overrides=None):
    """Preset `name` with the dataset's keyword arguments and the user's `overrides`, which
    must name arguments the model's config has."""
    preset = MODELS[name]
    kwargs = dict(preset.kwargs, **data_kwargs)
    overrides = dict(overrides or {})
    known = set(preset.cls(**kwargs).get_config()) - {"name", "trainable", "dtype"}
    unknown = sorted(set(overrides) - known)
    if unknown:
        fail("--set", ", ".join(unknown), f"hyperparameters of {name}: {', '.join(sorted(known))}")
    return preset.cls(**{**kwargs, **overrides})
