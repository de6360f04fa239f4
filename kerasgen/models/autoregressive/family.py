"""The autoregressive image family's declaration (see `kerasgen.models.family`)."""

from kerasgen.models.autoregressive.pixelcnn import PixelCNN
from kerasgen.models.autoregressive.pixelcnn_pp import PixelCNNPlusPlus
from kerasgen.models.autoregressive.pixelrnn import PixelRNN
from kerasgen.models.family import Family, Preset

FAMILY = Family("autoregressive", "images", {
    "pixelcnn": Preset(PixelCNN, {}, "PixelCNN: masked convolutions, softmax over levels",
                       tiny=dict(filters=8, num_layers=1, first_kernel_size=3)),
    "pixelcnn++": Preset(PixelCNNPlusPlus, {},
                         "PixelCNN++: shifted-conv U-net, discretized logistic mixture",
                         tiny=dict(filters=8, num_resnet=1, num_hierarchies=1, num_mixtures=2,
                                   dropout=0.5)),
    "pixelrnn": Preset(PixelRNN, {}, "PixelRNN: Diagonal BiLSTM (--set layer=row: Row LSTM) "
                                     "between masked convolutions, softmax over levels",
                       tiny=dict(layer="row", hidden_units=4, num_layers=1,
                                 first_kernel_size=3)),
})
