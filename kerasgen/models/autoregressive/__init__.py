from kerasgen.models.autoregressive.base import AutoregressiveImageModel
from kerasgen.models.autoregressive.pixelcnn import PixelCNN
from kerasgen.models.autoregressive.pixelcnn_pp import PixelCNNPlusPlus
from kerasgen.models.autoregressive.pixelrnn import PixelRNN
