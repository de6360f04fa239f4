"""Checking and safely loading ``.keras`` files: any Keras model (`load_keras`).

`read_config` checks a file before Keras reads it, and `safe_load` then loads it with
``safe_mode=True`` (no Python lambdas or pickled code are ever run). Each refusal is a
``ValueError`` naming `path`, what it holds and what was expected:

- a missing path, or a directory;
- a truncated file, or one that is not a zip archive (random bytes, text);
- an archive without ``config.json`` and ``model.weights.h5``, with damaged members, or with a
  ``config.json`` that unpacks past `MAX_CONFIG_BYTES`;
- a file holding code (a ``Lambda`` layer's Python function): refused by Keras' safe mode.

It sits below the evaluation code (the classifier cache loads any Keras model with
`load_keras`) and the models (`kerasgen.models.load_model` adds the kerasgen checks: a
registered kerasgen class, a format this kerasgen reads).
"""

import json
import os
import pathlib
import zipfile

import keras

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
    return safe_load(path, compile)


def safe_load(path, compile=True):
    """``keras.saving.load_model(path, safe_mode=True)``, a safe-mode refusal as a ValueError
    naming `path` (check the file with `read_config` first)."""
    try:
        return keras.saving.load_model(path, compile=compile, safe_mode=True)
    except ValueError as error:
        if "safe_mode=False" not in str(error):  # how every Keras safe-mode refusal ends
            raise
        fail("path", f"{str(path)!r}, which holds Python code that safe mode refuses to run "
             f"({' '.join(str(error).split()[:12])} ...)",
             "a .keras file without Lambda layers or pickled functions (rebuild the model "
             "from registered layers)")
