"""Model families. Each family adds architecture and loss on top of a shared training style."""

from kerasgen.models.autoencoder import Autoencoder, ConvAutoencoder, DenoisingAutoencoder
from kerasgen.models.base import GenerativeModel, ImageGenerativeModel
from kerasgen.models.networked import EncoderDecoderModel
from kerasgen.models.vae import VAE, ConditionalVAE
from kerasgen.models.gan import BEGAN, GAN, VAEGAN, ConditionalGAN
from kerasgen.models.autoregressive import PixelCNN, PixelCNNPlusPlus, PixelRNN
from kerasgen.models.wavenet import WaveNet
from kerasgen.models.boltzmann import DBN, RBM, BoltzmannMachine, EnergyModel, GaussianRBM
from kerasgen.models.tables import TableAutoencoder, TabularGAN, TabularVAE
from kerasgen.models.diffusion import ConditionalDiffusionModel, DiffusionModel
from kerasgen.models.loading import load_model
