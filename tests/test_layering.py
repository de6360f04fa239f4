"""No kerasgen module imports from a layer above its own.

`LAYERS` is the one statement of the order, lowest first. A module's layer is its package
under ``kerasgen/`` (``kerasgen.models.gan.gan`` is in ``models``); ``cli.py`` and the
``cli_*.py`` modules are ``cli``. A module may import its own layer and any layer below it, never
one above: the training styles are mixins below the models (as Keras' ``Trainer`` sits below
``Model``), the evaluation code is read by the models, and the export code reads the models'
endpoints (`kerasgen.core.Endpoint`) without being imported by them.

Every import counts: at module level or inside a function, ``import x`` and ``from x import
y``, relative ones resolved. ``kerasgen/__init__.py`` (the public API) may import anything;
importing the ``kerasgen`` root itself from a module (``import kerasgen``, ``from kerasgen
import load_model``) counts as importing the top.
"""

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "kerasgen"

LAYERS = (
    "utils",          # validation, noise, files, replicas
    "core",           # the Endpoint a model names for export; the checked .keras loader
    "data",           # datasets and the pixel/audio transforms
    "layers",         # masked, shifted, causal convolutions, recurrent layers
    "distributions",  # likelihood heads (the only TFP users)
    "networks",       # encoder/decoder builders
    "sampling",       # weight-free generation loops
    "training",       # train_step styles (mixins), callbacks, resume, distribution
    "evaluation",     # bits/dim, importance-weighted NLL, classifier distances, AIS
    "models",         # GenerativeModel and the families
    "export",         # SavedModel + TF Serving repository, TFLite
    "cli",            # the kerasgen command
)
# kerasgen/<name>.py -> layer
TOP_MODULES = {"cli": "cli", "cli_audio": "cli", "cli_images": "cli", "cli_errors": "cli",
               "cli_tables": "cli"}
ROOT = "kerasgen"  # the public API: above every layer


def module_name(path):
    """``kerasgen.models.base`` for ``kerasgen/models/base.py`` (a package: its __init__)."""
    parts = pathlib.Path(path).with_suffix("").parts
    parts = parts[parts.index(ROOT):]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module):
    """The index in `LAYERS` of a ``kerasgen...`` module; ``len(LAYERS)`` for the root."""
    parts = module.split(".")
    if parts == [ROOT]:
        return len(LAYERS)
    name = TOP_MODULES.get(parts[1], parts[1])
    if name not in LAYERS:
        raise KeyError(f"{module} is in no layer: add {parts[1]!r} to LAYERS in {__file__}")
    return LAYERS.index(name)


def imported_modules(node, module, is_package):
    """The kerasgen modules that the import statement `node` in `module` reads."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:  # relative: resolved against the module's own package
        package = module.split(".") if is_package else module.split(".")[:-1]
        base = package[:len(package) - node.level + 1]
        source = ".".join(base + ([node.module] if node.module else []))
    else:
        source = node.module
    if source == ROOT:  # from kerasgen import data (a package) or load_model (the API)
        return [f"{ROOT}.{alias.name}" if (PACKAGE / alias.name).is_dir()
                or (PACKAGE / f"{alias.name}.py").is_file() else ROOT for alias in node.names]
    return [source]


def upward_imports(path, source=None):
    """``(line, imported module, its layer, this module's layer)`` for every import in the
    file at `path` (or in `source`, as if it were that file) of a layer above its own."""
    path = pathlib.Path(path)
    module = module_name(path)
    if module == ROOT:
        return []
    own = layer_of(module)
    tree = ast.parse(path.read_text() if source is None else source, str(path))
    found = []
    for node in ast.walk(tree):  # every statement, also inside functions and classes
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        for target in imported_modules(node, module, path.name == "__init__.py"):
            if target.split(".")[0] != ROOT:
                continue
            layer = layer_of(target)
            if layer > own:
                name = LAYERS[layer] if layer < len(LAYERS) else "the kerasgen root (public API)"
                found.append((node.lineno, target, name, LAYERS[own]))
    return found


def test_no_module_imports_a_higher_layer():
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for line, target, layer, own in upward_imports(path):
            problems.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {target} "
                            f"(layer {layer}) from layer {own}")
    assert not problems, "imports from a higher layer (order: " + " < ".join(LAYERS) \
        + "):\n" + "\n".join(problems)


def test_every_package_has_a_layer():
    names = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    names |= {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    unplaced = sorted(n for n in names if TOP_MODULES.get(n, n) not in LAYERS)
    assert not unplaced, f"kerasgen modules in no layer: {unplaced}; add them to LAYERS"


@pytest.mark.parametrize("path, source, expected", [
    # A style reaching up into the models, at module level and inside a function.
    ("kerasgen/training/style.py", "from kerasgen.models.base import GenerativeModel\n",
     [(1, "kerasgen.models.base", "models", "training")]),
    ("kerasgen/training/style.py", "import os\n\ndef f():\n    import kerasgen.export.serving\n",
     [(4, "kerasgen.export.serving", "export", "training")]),
    # Relative imports, from a module and from a package's __init__.
    ("kerasgen/evaluation/x.py", "from ..models import loading\n",
     [(1, "kerasgen.models", "models", "evaluation")]),
    ("kerasgen/core/__init__.py", "from .. import training\n",
     [(1, "kerasgen.training", "training", "core")]),
    ("kerasgen/utils/x.py", "from kerasgen import load_model\n",
     [(1, "kerasgen", "the kerasgen root (public API)", "utils")]),
    # Allowed: the same layer, a lower one, and a function-level import of a lower layer.
    ("kerasgen/models/gan/x.py", "from .gan import GAN\nfrom kerasgen.training import resume\n",
     []),
    ("kerasgen/evaluation/x.py", "def f():\n    from kerasgen import data\n", []),
    ("kerasgen/cli.py", "from kerasgen.models import load_model\n", []),
])
def test_the_check_sees_upward_imports(path, source, expected):
    assert upward_imports(PACKAGE.parent / path, source) == expected
