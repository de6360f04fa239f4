from kerasgen.models.gan.began import BEGAN
from kerasgen.models.gan.gan import GAN, ConditionalGAN
from kerasgen.models.gan.vaegan import VAEGAN
