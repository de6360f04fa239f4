"""How a family declares itself: `Family` and its `Preset`s, in ``<family folder>/family.py``.

Each folder of `kerasgen.models` that holds a family has a ``family.py`` defining ``FAMILY``;
`kerasgen.models.registry` finds and collects them (no list to edit elsewhere). A declaration
says everything the command line, the exports and the tests need to know about the family
without looking at its classes:

- `data_kind`: the kind of example it models, ``"images"``, ``"audio"`` or ``"tables"`` (the
  `name` of a `kerasgen.core.kinds` value: the model's ``data_kind`` says the same once built);
- its command-line presets (``kerasgen train NAME``), each a class with its defaults;
- a tiny configuration of every preset, which the conformance battery
  (``tests/test_conformance.py``) trains, saves, exports and resumes: a preset cannot be
  declared without one;
- its export endpoints are the models' own ``serving_endpoints()`` / ``tflite_endpoints()``.

Example:
    >>> from kerasgen.models import VAE
    >>> family = Family("my-vae", "images", {
    ...     "my-vae": Preset(VAE, {"latent_dim": 8}, "a VAE with 8 latents",
    ...                      tiny={"latent_dim": 2, "hidden_units": (8,)})})
    >>> family.presets["my-vae"].data_kind
    'images'
    >>> Family("broken", "images", {"broken": Preset(VAE, {}, "no tiny configuration")})
    Traceback (most recent call last):
    ...
    ValueError: `tiny` must be the keyword arguments of a tiny configuration for the tests (a dict); received None for preset 'broken' of family 'broken'.
"""

import dataclasses

from kerasgen.utils.validation import fail

DATA_KINDS = ("images", "audio", "tables")


@dataclasses.dataclass(frozen=True)
class Preset:
    """One command-line model name.

    Args:
        cls: the model class.
        kwargs: the preset's defaults (constructor keyword arguments; ``--set`` overrides).
        description: one line for ``kerasgen list``.
        tiny: keyword arguments laid over `kwargs` for the smallest sensible model, on the
            data of the tests (8x8 digits for images, 8-bit audio windows, eight columns
            of Adult for tables).
        conditional: True: takes ``num_classes`` from the dataset's labels and refuses
            unlabelled data; ``"if_labelled"``: conditioned on the labels when the data has
            them (WaveNet on spoken digits), unconditional otherwise.
        data_kind: filled in from the `Family`.
    """

    cls: type
    kwargs: dict
    description: str
    tiny: dict = None
    conditional: bool = False
    data_kind: str = None

    def tiny_kwargs(self):
        return {**self.kwargs, **self.tiny}


@dataclasses.dataclass(frozen=True)
class Family:
    """A family's declaration: its `name`, the `data_kind` it models and its `presets`."""

    name: str
    data_kind: str
    presets: dict

    def __post_init__(self):
        if self.data_kind not in DATA_KINDS:
            fail("data_kind", f"{self.data_kind!r} for family {self.name!r}",
                 f"one of {', '.join(DATA_KINDS)}")
        if not self.presets:
            fail("presets", f"none for family {self.name!r}", "at least one preset")
        presets = {}
        for name, preset in self.presets.items():
            if not isinstance(preset.tiny, dict):
                fail("tiny", f"{preset.tiny!r} for preset {name!r} of family {self.name!r}",
                     "the keyword arguments of a tiny configuration for the tests (a dict)")
            presets[name] = dataclasses.replace(preset, data_kind=self.data_kind)
        object.__setattr__(self, "presets", presets)
