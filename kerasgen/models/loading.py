"""Loading ``.keras`` files safely: the one place kerasgen opens a saved model.

`load_model` checks the file before Keras reads it, and then loads it with
``safe_mode=True`` (no Python lambdas or pickled code are ever run). Each refusal is a
``ValueError`` naming `path`, what it holds and what was expected:

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

import json
import os
import pathlib
import zipfile

import keras

from kerasgen.models.base import FORMAT_VERSION, GenerativeModel
from kerasgen.utils.validation import fail

MEMBERS = ("config.json", "model.weights.h5")
MAX_CONFIG_BYTES = 64 * 2**20  # a model's config.json is kilobytes
_ZIP_MAGIC = b"PK\x03\x04"


def read_config(path):
    """The ``config.json`` of the ``.keras`` file at `path`, after checking that the file is
    a whole ``.keras`` archive (ValueError naming `path` otherwise)."""
    if not isinstance(path, (str, os.PathLike)):
        fail("path", repr(path), "the path of a .keras file (a str or pathlib.Path)")
    path = pathlib.Path(path)
    if not path.exists():
        fail("path", f"{str(path)!r}, which does not exist", "an existing .keras file")
    if not path.is_file():
        fail("path", f"{str(path)!r}, which is a directory", "a .keras file")
    archive = f"a .keras archive (a zip holding {' and '.join(MEMBERS)})"
    if not zipfile.is_zipfile(path):
        with open(path, "rb") as file:
            head = file.read(4)
        what = "empty" if not head else "truncated (a zip cut short before its end record)" \
            if head == _ZIP_MAGIC else f"not a .keras archive (not a zip; it starts {head!r})"
        fail("path", f"{str(path)!r}, which is {what}", archive)
    try:
        with zipfile.ZipFile(path) as zipped:
            missing = [name for name in MEMBERS if name not in zipped.namelist()]
            if missing:
                fail("path", f"{str(path)!r}, a zip without {', '.join(missing)}", archive)
            size = zipped.getinfo("config.json").file_size
            if size > MAX_CONFIG_BYTES:  # read whole below: a zip bomb must not get that far
                fail("path", f"{str(path)!r}, whose config.json unpacks to {size} bytes",
                     f"{archive}, with a config.json of at most {MAX_CONFIG_BYTES} bytes")
            damaged = zipped.testzip()  # reads every member (in chunks) and checks its CRC
            if damaged is not None:
                fail("path", f"{str(path)!r}, whose member {damaged} is damaged", archive)
            config = json.loads(zipped.read("config.json"))
    except (zipfile.BadZipFile, EOFError, OSError, UnicodeDecodeError, json.JSONDecodeError) \
            as error:
        fail("path", f"{str(path)!r}, which is damaged ({type(error).__name__}: {error})",
             archive)
    if not isinstance(config, dict) or not isinstance(config.get("config"), dict):
        fail("path", f"{str(path)!r}, whose config.json holds no model config", archive)
    return config


def load_keras(path, compile=True):
    """Any Keras model from a checked ``.keras`` file, loaded with ``safe_mode=True``."""
    read_config(path)
    return _safe_load(path, compile)


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
    return _safe_load(path, compile)


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


def _safe_load(path, compile):
    try:
        return keras.saving.load_model(path, compile=compile, safe_mode=True)
    except ValueError as error:
        if "safe_mode=False" not in str(error):  # how every Keras safe-mode refusal ends
            raise
        fail("path", f"{str(path)!r}, which holds Python code that safe mode refuses to run "
             f"({' '.join(str(error).split()[:12])} ...)",
             "a .keras file without Lambda layers or pickled functions (rebuild the model "
             "from registered layers)")
