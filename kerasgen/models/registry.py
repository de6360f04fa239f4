"""The registry: every family's declaration, collected from its own folder.

    create_model("conv-vae", dataset_info("digits"), {"latent_dim": 4})

`FAMILIES` holds the ``FAMILY`` of every ``kerasgen/models/<folder>/family.py`` (see
`kerasgen.models.family`), found by walking the package: a new family adds its folder and
nothing here. `MODELS` maps each command-line name to its `Preset`. A model is built from the
preset's defaults, what the dataset supplies (``info.model_kwargs()``: ``image_shape`` and
``num_levels`` for images, ``sample_rate`` for audio; ``num_classes`` for conditional
presets) and the user's ``overrides`` (``--set``), which must name arguments of the model's
config.

Example:
    >>> from kerasgen.data import dataset_info
    >>> sorted(FAMILIES)[:3]
    ['autoencoder', 'autoregressive', 'boltzmann']
    >>> MODELS["wavenet"].data_kind, MODELS["cvae"].conditional
    ('audio', True)
    >>> create_model("conv-vae", dataset_info("digits"), {"latent_dim": 4}).latent_dim
    4
"""

import importlib
import pkgutil

from kerasgen.utils.validation import fail


def _collect_families():
    """``{name: Family}`` of every subpackage of `kerasgen.models` with a ``family`` module."""
    import kerasgen.models as package

    families = {}
    for module in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if not module.ispkg:
            continue
        try:
            declaration = importlib.import_module(f"{package.__name__}.{module.name}.family")
        except ModuleNotFoundError as error:
            if error.name != f"{package.__name__}.{module.name}.family":
                raise
            continue
        family = declaration.FAMILY
        if family.name in families:
            raise ValueError(f"family {family.name!r} is declared twice")
        families[family.name] = family
    return families


def _collect_presets(families):
    presets = {}
    for family in families.values():
        for name, preset in family.presets.items():
            if name in presets:
                raise ValueError(f"preset {name!r} is declared by two families")
            presets[name] = preset
    return presets


FAMILIES = _collect_families()
MODELS = _collect_presets(FAMILIES)


def list_models():
    return sorted(MODELS)


def check_model_name(name):
    """The `Preset` of command-line model `name` (a ``ValueError`` listing them otherwise)."""
    if name not in MODELS:
        fail("model", repr(name), "one of " + ", ".join(list_models()))
    return MODELS[name]


def create_model(name, info, overrides=None):
    """Build model `name` for dataset `info` (an `ImageDatasetInfo` or `AudioDatasetInfo`)
    with `overrides`."""
    preset = check_model_name(name)
    if info.data_kind != preset.data_kind:
        fail("--data", f"{info.name!r}, {info.data_kind} data",
             f"{preset.data_kind} data for {name}")
    kwargs = info.model_kwargs()
    if preset.conditional:
        if info.num_classes is None and preset.conditional is True:
            fail("--data", f"{info.name!r} without labels ({info.description})",
                 f"labelled data for the conditional {name}: one subfolder per class")
        if info.num_classes is not None:
            kwargs["num_classes"] = info.num_classes
    return build_preset(name, kwargs, overrides)


def build_preset(name, data_kwargs, overrides=None):
    """Preset `name` with the dataset's keyword arguments and the user's `overrides`, which
    must name arguments the model's config has."""
    preset = check_model_name(name)
    kwargs = dict(preset.kwargs, **data_kwargs)
    overrides = dict(overrides or {})
    known = set(preset.cls(**kwargs).get_config()) - {"name", "trainable", "dtype",
                                                       "format_version"}
    unknown = sorted(set(overrides) - known)
    if unknown:
        fail("--set", ", ".join(unknown), f"hyperparameters of {name}: {', '.join(sorted(known))}")
    return preset.cls(**{**kwargs, **overrides})
