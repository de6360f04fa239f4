from kerasgen.models.wavenet.model import WaveNet  # noqa: F401
from kerasgen.models.wavenet.network import WaveNetNetwork  # noqa: F401
