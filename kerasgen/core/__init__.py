"""Contracts read by every layer above: how a model names an exported function (`Endpoint`)
and the checked, safe-mode loading of a ``.keras`` file (`load_keras`).

Below the evaluation code, the models and the export code (the import order of the packages is
the list ``LAYERS`` in ``tests/test_layering.py``); imports nothing of kerasgen but `utils`.
"""

from kerasgen.core.endpoints import Endpoint  # noqa: F401
from kerasgen.core.keras_files import load_keras, read_config, safe_load  # noqa: F401
