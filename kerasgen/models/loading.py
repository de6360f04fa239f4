"""Loading saved kerasgen models safely (`load_model`).

`load_model` checks the file before Keras reads it, and then loads it with
``safe_mode=True`` (no Python lambdas or pickled code are ever run). The file checks and the
safe load are `kerasgen.core.keras_files` (re-exported here); this module adds the kerasgen
ones. Each refusal is a ``ValueError`` naming `path`, what it holds and what was expected:

- a missing path, or a directory;
- a truncated file, or one that is not a zip archive (random bytes, text);
- an archive without ``config.json`` and ``model.weights.h5``, or with damaged members;
- a Keras model that is not a kerasgen model (`load_model` only; `load_keras` takes any);
- a model saved by a newer kerasgen (a ``format_version`` above `FORMAT_VERSION`);
- a file holding code (a ``Lambda`` layer's Python function): refused by Keras' safe mode.

Example:
    >>> import pathlib, tempfile
    >>> import kerasgen
    >>> model = kerasgen.models.VAE(latent_dim=2, hidden_units=(8,))
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "vae.keras"
    >>> model.save(path)
    >>> type(kerasgen.models.load_model(path)).__name__
    'VAE'
    >>> kerasgen.models.load_model(path.parent / "missing.keras")
    Traceback (most recent call last):
    ...
    ValueError: `path` must be an existing .keras file; received '...', which does not exist.
"""

import keras

from kerasgen.core.keras_files import (  # noqa: F401
    MAX_CONFIG_BYTES,
    MEMBERS,
    load_keras,
    read_config,
    safe_load,
)
from kerasgen.models.base import FORMAT_VERSION, GenerativeModel
from kerasgen.utils.validation import fail


def load_model(path, compile=True):
    """The kerasgen model saved at `path` (``model.save(path)``), loaded safely.

    Checks that `path` is a whole ``.keras`` archive holding a registered kerasgen model of a
    format this kerasgen reads, then loads it with ``keras.saving.load_model(path,
    safe_mode=True)``. Every refusal is a ``ValueError`` naming `path` (see the module).

    Args:
        path: a ``.keras`` file written by ``model.save``.
        compile: restore the optimizer state too (to train on).
    """
    config = read_config(path)
    holds = _kerasgen_class_problem(config)
    if holds:
        fail("path", f"{str(path)!r}, which holds {holds}", "a saved kerasgen model")
    version = config["config"].get("format_version", 1)  # files before versioning: 1
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        fail("path", f"{str(path)!r}, whose format_version is {version!r}",
             "a kerasgen model with a positive integer format_version")
    if version > FORMAT_VERSION:
        fail("path", f"{str(path)!r}, saved by a newer kerasgen (format {version})",
             f"a model of format <= {FORMAT_VERSION}, the newest this kerasgen reads "
             "(upgrade kerasgen to load it)")
    return safe_load(path, compile)


def _kerasgen_class_problem(config):
    """None when `config` is a registered kerasgen model, else what it holds instead."""
    registered = config.get("registered_name") or ""
    if not registered.startswith("kerasgen>"):
        return f"a {config.get('module')}.{config.get('class_name')}"
    cls = keras.saving.get_registered_object(registered)
    if cls is None:
        return f"a {registered}, a class this kerasgen does not know"
    if not (isinstance(cls, type) and issubclass(cls, GenerativeModel)):
        return f"a {registered}, which is not a kerasgen model"
    return None
