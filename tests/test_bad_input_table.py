"""The bad-input table: every public entry point, sent wrong ranks, dtypes, value ranges,
NaN/inf, empty inputs, wrong label counts and missing files.

Each row is ``(id, call, name)``: ``call(ctx)`` must raise a ``ValueError`` whose message names
the argument ``name`` as ``\\`name\\` must be <expected>; received <value>.`` (the library's
`kerasgen.utils.validation.fail`), before any work starts. Command-line rows run
``kerasgen.cli.main`` in-process: exit status 2 and one line on stderr naming the option.

Families are those of `kerasgen.models.registry.MODELS`, built once per module in the tiny
sizes their declarations give (lazily, so ``-k`` runs build only what they use).
"""

import dataclasses
import re
from typing import Callable

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgen import data as kdata
from kerasgen import evaluation, export
from kerasgen.cli import main
from kerasgen.data import audio as kaudio
from kerasgen.models.registry import MODELS
from tests.helpers import dataset, digits, table_rows, tiny_preset_model, tiny_table

# ---------------------------------------------------------------- tiny models

IMAGE_FAMILIES = [name for name in MODELS if MODELS[name].data_kind == "images"]
SAMPLERS = [name for name in MODELS if MODELS[name].cls.can_sample]
NUM_LEVELS = 17  # 8x8 digits, levels 0..16


make = tiny_preset_model  # a tiny model of registry `family` with `overrides`


# Models beside the registry's presets: a small Boltzmann machine that enumerates (log_prob),
# a PixelCNN++ conditioned on maps, a class-conditional WaveNet and a WaveNet vocoder.
EXTRA = {
    "small-bm": lambda: make("boltzmann-machine", image_shape=(1, 4, 1), num_levels=2),
    "pixelcnn++-maps": lambda: make("pixelcnn++", num_hierarchies=1,
                                    condition_shape=(8, 8, 1)),
    "wavenet-classes": lambda: make("wavenet", num_classes=3),
    "wavenet-vocoder": lambda: make("wavenet", local_condition="log_mel", num_mels=4,
                                    upsample_factors=(4,)),
}


class Zoo(dict):
    """Models built (and compiled, so that a missing check would really train) on first use."""

    def __missing__(self, key):
        model = EXTRA[key]() if key in EXTRA else make(key)
        model.compile_with_defaults()
        self[key] = model
        return model


@dataclasses.dataclass
class Context:
    models: Zoo
    images: np.ndarray  # uint8 [16, 8, 8, 1] digits, levels 0..16
    labels: np.ndarray  # int32 [16]
    audio: np.ndarray   # int64 [4, 24, 1] mu-law levels
    tmp: object         # a module temporary folder with fixtures (see `ctx`)
    runs: dict          # kerasgen CLI run folders by model name


@pytest.fixture(autouse=True)
def _no_data_dir_from_the_environment(monkeypatch):
    """Rows about a missing ``data_dir``/``--data-dir`` must not find $KERASGEN_DATA_DIR."""
    monkeypatch.delenv("KERASGEN_DATA_DIR", raising=False)


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bad_inputs")
    (tmp / "file.txt").write_text("not a model, not data")
    (tmp / "empty").mkdir()
    (tmp / "mnist").mkdir()  # a truncated IDX file
    (tmp / "mnist" / "train-images-idx3-ubyte").write_bytes(bytes([0, 0, 8, 3, 0, 0, 0, 2]))
    (tmp / "not.wav").write_bytes(b"RIFF....")
    (tmp / "wavs").mkdir()
    kaudio.write_wav(tmp / "wavs" / "tone.wav", 0.1 * np.sin(np.arange(400) / 3.0), 8000)
    images, labels = digits(16)
    audio = np.random.default_rng(0).integers(0, 256, size=(4, 24, 1))
    context = Context(Zoo(), images, labels, audio, tmp, {})
    # Command-line run folders: untrained tiny models saved as a training run would be.
    tables = tmp / "tables"
    tables.mkdir()
    (tables / "empty.csv").write_text("")
    (tables / "ragged.csv").write_text("a,b\n1,x\n2\n")
    (tables / "text_in_numbers.csv").write_text("a,b\n" + "".join(f"{i},x\n" for i in range(20))
                                                + "n/a,y\n")
    (tables / "all_missing.csv").write_text("a,b\n1,?\n2,?\n3,\n")
    for key in ("vae", "cvae", "gan", "autoencoder", "wavenet", "tvae"):
        run = tmp / "runs" / key
        run.mkdir(parents=True)
        make(key).save(run / "model.keras")
        context.runs[key] = str(run)
    return context


@pytest.fixture(scope="module")
def vae_tflite(ctx):
    """A real TFLite file (a tiny VAE's) for the signature and input checks."""
    path, _ = export.export_tflite(make("vae"), ctx.tmp / "vae.tflite")
    return path


# ---------------------------------------------------------------- the rows


@dataclasses.dataclass(frozen=True)
class Case:
    id: str
    call: Callable
    name: str  # the argument the message names


CASES = []


def add(case_id, call, name):
    CASES.append(Case(case_id, call, name))


def model_call(family, method, *args, **kwargs):
    """``ctx.models[family].method(*args, **kwargs)``; callables among the arguments are
    given the context first (bad data derived from the digits)."""
    def call(ctx):
        resolve = lambda a: a(ctx) if callable(a) else a  # noqa: E731
        return getattr(ctx.models[family], method)(
            *[resolve(a) for a in args], **{k: resolve(a) for k, a in kwargs.items()})
    return call


def fit_call(family, x, y=None, **kwargs):
    return model_call(family, "fit", x, y, epochs=1, verbose=0, **kwargs)


images = lambda ctx: ctx.images  # noqa: E731
labels = lambda ctx: ctx.labels  # noqa: E731
ragged = lambda ctx: [ctx.images[0], ctx.images[1][:4]]  # noqa: E731

# Bad image batches: (id, images from the digits) for every image family.
BAD_IMAGES = [
    ("rank 3", lambda ctx: ctx.images[..., 0]),
    ("28x28 images", lambda ctx: np.zeros([4, 28, 28, 1], np.uint8)),
    ("level = num_levels", lambda ctx: np.where(ctx.images == 16, NUM_LEVELS, ctx.images)),
    ("negative levels", lambda ctx: ctx.images.astype(np.int16) - 1),
    ("NaN", lambda ctx: np.where(ctx.images > 8, np.nan, ctx.images)),
    ("inf", lambda ctx: np.where(ctx.images > 8, np.inf, ctx.images)),
    ("strings", lambda ctx: ctx.images.astype(str)),
    ("empty batch", lambda ctx: ctx.images[:0]),
    ("None", None),
    ("ragged list", ragged),
]
INTEGER_FAMILIES = [f for f in IMAGE_FAMILIES if MODELS[f].cls.integer_images]
CONDITIONAL = [f for f in IMAGE_FAMILIES if MODELS[f].conditional]
BAD_LABELS = [
    ("missing", None),
    ("too few", lambda ctx: ctx.labels[:3]),
    ("out of range", lambda ctx: ctx.labels + 10),
    ("negative", lambda ctx: ctx.labels - 20),
    ("fractional", lambda ctx: ctx.labels + 0.5),
    ("NaN", lambda ctx: np.where(ctx.labels > 4, np.nan, ctx.labels)),
    ("strings", lambda ctx: ctx.labels.astype(str)),
    ("2-D", lambda ctx: ctx.labels[:, None]),
]


def labels_for(family):
    return labels if MODELS.get(family) and MODELS[family].conditional else None


# ------------------------------------------------- constructors (bad hyperparameters)

GENERIC_CONSTRUCTOR = [
    ("image_shape", (8, 8)), ("image_shape", (8, 0, 1)), ("image_shape", "881"),
    ("image_shape", (8, 8.5, 1)), ("num_levels", 1), ("num_levels", 2.0), ("num_levels", True),
    ("seed", "x"), ("seed", 1.5),
]
for family in IMAGE_FAMILIES:
    for arg, value in GENERIC_CONSTRUCTOR:
        add(f"{family}-init-{arg}={value!r}",
            lambda ctx, f=family, a=arg, x=value: make(f, **{a: x}), arg)
    if MODELS[family].conditional is True:
        for value in (None, 0, 2.5):
            add(f"{family}-init-num_classes={value!r}",
                lambda ctx, f=family, x=value: make(f, num_classes=x), "num_classes")

SPECIFIC_CONSTRUCTOR = {
    "autoencoder": [("latent_dim", 0), ("latent_dim", 2.5), ("hidden_units", [-1]),
                    ("hidden_units", 7), ("loss", "l1"), ("activation", "nope"),
                    ("network", "rnn"), ("num_classes", 10)],
    "conv-autoencoder": [("filters", ()), ("filters", (4, 4, 4, 4)),
                         ("upsampling", "bilinear")],
    "denoising-autoencoder": [("corruption", "blur"), ("noise_level", 0),
                              ("noise_level", float("inf"))],
    "vae": [("likelihood", "poisson"), ("likelihood", 5), ("beta", -1), ("beta", "1"),
            ("beta", float("nan")), ("upsampling", "bilinear")],
    "conv-vae": [("filters", (4, 4, 4, 4))],
    "gan": [("loss", "kl"), ("normalization", "group"), ("gradient_penalty", -1.0),
            ("feature_matching", float("inf")), ("statistics_matching", "a lot"),
            ("label_conditioning", "dot"), ("d_steps", 0), ("latent_dim", 0)],
    "dcgan": [("network", "resnet")],
    "wgan": [("clip_value", 0), ("clip_value", -0.01)],
    "wgan-gp": [("gradient_penalty", float("nan"))],
    "cgan": [("label_conditioning", None)],
    "vae-gan": [("feature_weight", -1.0), ("kl_weight", "1")],
    "began": [("diversity_ratio", 0), ("diversity_ratio", 1.5), ("k_learning_rate", -1.0),
              ("code_dim", 0), ("num_classes", 10), ("loss", "hinge"),
              ("statistics_matching", 0.5), ("label_conditioning", "projection")],
    "pixelcnn": [("first_kernel_size", 4), ("likelihood", "logistic_mixture"),
                 ("num_layers", -1), ("num_layers", 1.5)],
    "pixelcnn++": [("num_hierarchies", 5), ("dropout", 1.0), ("num_mixtures", 0),
                   ("likelihood", "gaussian"), ("condition_shape", (4, 4, 1)),
                   ("condition_shape", (8, 8))],
    "pixelrnn": [("layer", "column"), ("hidden_units", 0), ("kernel_size", 2),
                 ("first_kernel_size", 4), ("likelihood", "logistic_mixture")],
    "rbm": [("hidden_units", 0), ("visible", "poisson"), ("cd_steps", 0),
            ("persistent", "yes"), ("num_chains", 0), ("num_classes", 10)],
    "gaussian-rbm": [("hidden_units", -1), ("visible", "poisson")],
    "dbn": [("hidden_units", ()), ("hidden_units", (8, 0)), ("num_classes", 3),
            ("cd_steps", 0), ("persistent", "yes")],
    "boltzmann-machine": [("hidden_units", -1), ("gibbs_steps", 0), ("num_chains", 0),
                          ("num_classes", 2)],
    "ebm": [("network", "mlp"), ("langevin_steps", 0), ("step_size", -1.0),
            ("reinit", 1.5), ("energy_l2", "a lot"), ("buffer_size", 0),
            ("noise_scale", -1.0)],
    "wavenet": [("kernel_size", 1), ("initial_kernel_size", True), ("layers_per_stack", 0),
                ("stacks", 0), ("encoding", "float"), ("local_condition", "mfcc"),
                ("upsample_factors", ()), ("quantization_channels", 1),
                ("quantization_channels", 2.5), ("sample_rate", 0), ("num_classes", 0),
                ("seed", "x")],
}
SPECIFIC_CONSTRUCTOR.update({
    "tvae": [("transformer", None), ("transformer", {"columns": []}), ("latent_dim", 0),
             ("hidden_units", [-1]), ("beta", -1), ("weight_decay", float("nan")),
             ("seed", "x")],
    "ctgan": [("pac", 0), ("gradient_penalty", -1.0), ("generator_units", [-1]),
              ("critic_units", 3), ("d_steps", 0)],
    "table-autoencoder": [("transformer", "adult"), ("latent_dim", 2.5),
                          ("weight_decay", -1.0)],
})
SPECIFIC_CONSTRUCTOR.update({
    "diffusion": [("num_steps", 0), ("schedule", "quadratic"),
                  ("filters", 0), ("channel_multipliers", (1, 1, 1, 1, 1)), ("groups", 3),
                  ("attention_levels", 3), ("dropout", 1.5), ("ema_decay", 2.0),
                  ("eta", -1.0), ("guidance", float("nan")), ("learn_variance", "yes"),
                  ("hybrid_weight", -1.0), ("label_dropout", 1.0)],
    "ddim": [("sampling_steps", 0), ("sampling_steps", 9)],
    "cdiffusion": [("guidance", -1.0)],
})
assert set(SPECIFIC_CONSTRUCTOR) | {"cvae"} == set(MODELS)
for family, rows in SPECIFIC_CONSTRUCTOR.items():
    for arg, value in rows:
        add(f"{family}-init-{arg}={value!r}",
            lambda ctx, f=family, a=arg, x=value: make(f, **{a: x}), arg)
add("diffusion-init-linear num_steps=10",
    lambda ctx: make("diffusion", schedule="linear", num_steps=10), "num_steps")
add("pixelcnn++-init-condition_shape with num_classes",
    lambda ctx: make("pixelcnn++", condition_shape=(8, 8, 1), num_classes=10),
    "condition_shape")
add("pixelcnn-init-filters below channels",
    lambda ctx: make("pixelcnn", filters=2, image_shape=(8, 8, 3)), "filters")
add("denoising-autoencoder-init-masking noise_level=1",
    lambda ctx: make("denoising-autoencoder", corruption="masking", noise_level=1.0),
    "noise_level")
add("denoising-autoencoder-init-salt_and_pepper noise_level=2",
    lambda ctx: make("denoising-autoencoder", corruption="salt_and_pepper", noise_level=2.0),
    "noise_level")

# ------------------------------------------------------------------------ fit data

for family in IMAGE_FAMILIES:
    for what, bad in BAD_IMAGES:
        add(f"{family}-fit-{what}", fit_call(family, bad, labels_for(family)), "x")
    add(f"{family}-fit-empty dataset",
        fit_call(family, lambda ctx: dataset(ctx.images[:0])), "x")
for family in INTEGER_FAMILIES:
    add(f"{family}-fit-fractional levels",
        fit_call(family, lambda ctx: ctx.images + 0.5, labels_for(family)), "x")
for family in CONDITIONAL:
    for what, bad in BAD_LABELS:
        add(f"{family}-fit-labels {what}", fit_call(family, images, bad), "x labels")
    add(f"{family}-fit-dataset without labels",
        fit_call(family, lambda ctx: dataset(ctx.images)), "x labels")
    add(f"{family}-fit-validation without labels",
        fit_call(family, images, labels, validation_data=lambda ctx: dataset(ctx.images)),
        "validation_data labels")
# Dataset shapes, validation data and fit's own arguments: one family per training style,
# and the families with a fit of their own (DBN) or audio data (WaveNet).
for family in ("vae", "gan", "rbm", "pixelcnn", "dbn"):
    add(f"{family}-fit-unbatched dataset",
        fit_call(family, lambda ctx: tf.data.Dataset.from_tensor_slices(ctx.images)), "x")
    add(f"{family}-fit-out of range dataset",
        fit_call(family, lambda ctx: dataset(ctx.images * 2)), "x")
    add(f"{family}-fit-bad validation array",
        fit_call(family, images, validation_data=(np.full([4, 8, 8, 1], 20),)),
        "validation_data")
    add(f"{family}-fit-bad validation dataset",
        fit_call(family, images, validation_data=lambda ctx: dataset(ctx.images[..., 0])),
        "validation_data")
    add(f"{family}-fit-batch_size=0", fit_call(family, images, batch_size=0), "batch_size")
    add(f"{family}-fit-batch_size=1.5", fit_call(family, images, batch_size=1.5), "batch_size")
for family in ("vae", "gan", "rbm"):
    add(f"{family}-fit-epochs=0", model_call(family, "fit", images, epochs=0, verbose=0),
        "epochs")
    add(f"{family}-fit-epochs=-1", model_call(family, "fit", images, epochs=-1, verbose=0),
        "epochs")
    add(f"{family}-fit-validation_split=2",
        fit_call(family, images, validation_split=2.0), "validation_split")
add("pixelcnn++-maps-fit-maps missing", fit_call("pixelcnn++-maps", images), "x labels")
add("pixelcnn++-maps-fit-maps of another size",
    fit_call("pixelcnn++-maps", images, lambda ctx: np.zeros([16, 4, 4, 1])), "x labels")
add("pixelcnn++-maps-fit-maps NaN",
    fit_call("pixelcnn++-maps", images, lambda ctx: np.full([16, 8, 8, 1], np.nan)),
    "x labels")

BAD_AUDIO = [
    ("rank 4", lambda ctx: ctx.audio[..., None]),
    ("2 channels", lambda ctx: np.concatenate([ctx.audio, ctx.audio], -1)),
    ("level 256", lambda ctx: np.full([2, 10, 1], 256)),
    ("negative", lambda ctx: np.full([2, 10, 1], -1)),
    ("fractional", lambda ctx: ctx.audio + 0.5),
    ("NaN", lambda ctx: np.full([2, 10, 1], np.nan)),
    ("inf", lambda ctx: np.full([2, 10, 1], np.inf)),
    ("empty batch", lambda ctx: ctx.audio[:0]),
    ("no samples", lambda ctx: ctx.audio[:, :0]),
    ("strings", lambda ctx: ctx.audio.astype(str)),
    ("None", None),
    ("ragged list", lambda ctx: [[1, 2], [3]]),
]
for what, bad in BAD_AUDIO:
    add(f"wavenet-fit-{what}", fit_call("wavenet", bad), "x")
    add(f"wavenet-log_prob-{what}", model_call("wavenet", "log_prob", bad), "audio")
add("wavenet-fit-empty dataset", fit_call("wavenet", lambda ctx: dataset(ctx.audio[:0])), "x")
add("wavenet-fit-unbatched dataset",
    fit_call("wavenet", lambda ctx: tf.data.Dataset.from_tensor_slices(ctx.audio)), "x")
add("wavenet-classes-fit-labels missing", fit_call("wavenet-classes", lambda c: c.audio),
    "x labels")
add("wavenet-classes-fit-labels too many",
    fit_call("wavenet-classes", lambda c: c.audio, lambda c: np.array([0, 1, 2, 0, 1])),
    "x labels")
add("wavenet-classes-fit-labels out of range",
    fit_call("wavenet-classes", lambda c: c.audio, lambda c: np.array([0, 1, 2, 3])),
    "x labels")

# Table rows: codes [N, C] (numbers; category indices) or DataFrames of the tiny Adult rows.
TABLE_FAMILIES = [name for name in MODELS if MODELS[name].data_kind == "tables"]


def table_codes(change=None):
    """The tiny table's codes, with `change(codes, columns)` applied to a copy."""
    def rows(ctx):
        codes = table_rows(8).copy()
        return codes if change is None else change(codes, tiny_table()[0].names)
    return rows


def table_frame(change):
    """The tiny table's first rows as a DataFrame, with `change(frame)` applied to a copy."""
    def rows(ctx):
        frame = tiny_table()[0].frame[:8].copy()
        return change(frame)
    return rows


def _set(codes, columns, name, value):
    codes[0, columns.index(name)] = value
    return codes


BAD_TABLES = [
    ("wrong width", table_codes(lambda c, n: c[:, :-1])),
    ("category index out of range", table_codes(lambda c, n: _set(c, n, "sex", 7))),
    ("fractional category", table_codes(lambda c, n: _set(c, n, "sex", 0.5))),
    ("NaN in a column without missing values", table_codes(lambda c, n: _set(c, n, "age",
                                                                             np.nan))),
    ("inf", table_codes(lambda c, n: _set(c, n, "age", np.inf))),
    ("empty", table_codes(lambda c, n: c[:0])),
    ("strings", table_codes(lambda c, n: c.astype(str))),
    ("None", None),
    ("unseen category in a DataFrame", table_frame(lambda f: f.assign(sex="Other"))),
    ("text in a number column of a DataFrame", table_frame(lambda f: f.assign(age="old"))),
    ("DataFrame without a column", table_frame(lambda f: f.drop(columns=["age"]))),
]
# The argument a DataFrame's bad value is named by: its column (what was wrong), else x.
TABLE_NAMES = {"unseen category in a DataFrame": "sex",
               "text in a number column of a DataFrame": "age"}
for family in TABLE_FAMILIES:
    for what, bad in BAD_TABLES:
        add(f"{family}-fit-{what}", fit_call(family, bad), TABLE_NAMES.get(what, "x"))
    add(f"{family}-fit-unbatched dataset", fit_call(
        family, lambda ctx: tf.data.Dataset.from_tensor_slices(table_rows(8))), "x")
    add(f"{family}-anomaly_score-wrong width",
        model_call(family, "anomaly_score", table_codes(lambda c, n: c[:, 1:])), "rows")
    add(f"{family}-anomaly_score-unseen category",
        model_call(family, "anomaly_score", table_frame(lambda f: f.assign(race="Martian"))),
        "race")
add("tvae-log_prob-category out of range",
    model_call("tvae", "log_prob", table_codes(lambda c, n: _set(c, n, "race", -1))), "rows")
add("tvae-log_prob-num_samples=0", model_call("tvae", "log_prob", table_codes(),
                                              num_samples=0), "num_samples")
for what, conditions, name in [
        ("unknown column", {"colour": "red"}, "conditions"),
        ("unseen value", {"sex": "Other"}, "conditions['sex']"),
        ("continuous column", {"fnlwgt": 1000.0}, "conditions"),
        ("fractional discrete value", {"age": 30.5}, "conditions"),
        ("discrete value out of range", {"age": 300}, "conditions"),
        ("not a dict", ["sex", "Male"], "conditions")]:
    add(f"tvae-sample-conditions {what}", model_call("tvae", "sample", 2, conditions=conditions),
        name)
for value in (0, float("nan")):
    add(f"tvae-sample-temperature={value!r}", model_call("tvae", "sample", 2,
                                                        temperature=value), "temperature")

# ---------------------------------------------------------------------------- sample


def sample_call(family, num_samples=2, **kwargs):
    """``sample`` of `family` (WaveNet: 8 samples long) with valid labels unless given."""
    conditional = family in MODELS and MODELS[family].conditional is True
    if conditional and "labels" not in kwargs:
        kwargs["labels"] = [1, 2]
    if family.startswith("wavenet"):
        return model_call(family, "sample", num_samples, 8, **kwargs)
    return model_call(family, "sample", num_samples, **kwargs)


for family in SAMPLERS:
    for value in (0, -1, 2.0, "2", True, None):
        add(f"{family}-sample-num_samples={value!r}", sample_call(family, value),
            "num_samples")
    for value in ("x", 1.5):
        add(f"{family}-sample-seed={value!r}", sample_call(family, seed=value), "seed")
    if MODELS[family].conditional is True:
        for what, value in (("missing", None), ("too few", [1]), ("out of range", [1, 10]),
                            ("negative", [-1, 2]), ("2-D", [[1], [2]]),
                            ("strings", ["a", "b"])):
            add(f"{family}-sample-labels {what}", sample_call(family, labels=value), "labels")
    else:
        add(f"{family}-sample-labels to an unconditional model",
            sample_call(family, labels=[1, 2]), "labels")
for family in ("vae", "pixelcnn", "pixelcnn++", "pixelrnn", "rbm", "dbn",
               "boltzmann-machine", "ebm", "wavenet"):
    for value in (0, -1.0, float("inf"), "hot"):
        add(f"{family}-sample-temperature={value!r}", sample_call(family, temperature=value),
            "temperature")
for value in (0, -1.0, float("nan")):
    add(f"gan-sample-truncation={value!r}", sample_call("gan", truncation=value), "truncation")
for family in ("rbm", "gaussian-rbm", "dbn", "boltzmann-machine"):
    for value in (0, 1.5):
        add(f"{family}-sample-gibbs_steps={value!r}", sample_call(family, gibbs_steps=value),
            "gibbs_steps")
add("ebm-sample-langevin_steps=0", sample_call("ebm", langevin_steps=0), "langevin_steps")
add("rbm-sample-start count", sample_call("rbm", start=lambda ctx: ctx.images[:3]), "start")
add("rbm-sample-start out of range",
    sample_call("rbm", start=lambda ctx: np.full([2, 8, 8, 1], 20)), "start")
for family in ("pixelcnn", "wavenet"):
    add(f"{family}-sample-cached='yes'", sample_call(family, cached="yes"), "cached")
add("wavenet-sample-length=0", model_call("wavenet", "sample", 2, 0), "length")
add("wavenet-sample-length=1.5", model_call("wavenet", "sample", 2, 1.5), "length")
add("wavenet-sample-prime count", sample_call("wavenet", prime=np.zeros([3, 4])), "prime")
add("wavenet-sample-prime longer than length",
    sample_call("wavenet", prime=np.zeros([2, 9])), "prime")
add("wavenet-sample-prime out of range",
    sample_call("wavenet", prime=np.full([2, 3], 300)), "prime")
add("wavenet-sample-features to a model without", sample_call("wavenet",
    features=np.zeros([2, 3, 4])), "features")
add("wavenet-vocoder-sample-features missing", sample_call("wavenet-vocoder"), "features")
add("wavenet-vocoder-sample-too few frames",
    sample_call("wavenet-vocoder", features=np.zeros([2, 1, 4])), "features")
add("wavenet-vocoder-sample-features inf",
    sample_call("wavenet-vocoder", features=np.full([2, 2, 4], np.inf)), "features")
add("wavenet-vocoder-sample-features strings",
    sample_call("wavenet-vocoder", features=np.full([2, 2, 4], "x")), "features")
add("wavenet-classes-sample-labels missing", sample_call("wavenet-classes"), "labels")
add("wavenet-classes-sample-labels out of range",
    sample_call("wavenet-classes", labels=[0, 3]), "labels")
add("pixelcnn++-maps-sample-maps count",
    sample_call("pixelcnn++-maps", labels=np.zeros([3, 8, 8, 1])), "labels")
add("pixelcnn++-maps-sample-maps strings",
    sample_call("pixelcnn++-maps", labels=np.full([2, 8, 8, 1], "a")), "labels")

# -------------------------------------------------- log_prob and the other scoring methods

SCORING = {  # family: its scoring methods of images (the first gets the full battery)
    "autoencoder": ["anomaly_score", "encode", "reconstruct"],
    "conv-autoencoder": ["reconstruct"],
    "denoising-autoencoder": ["reconstruct", "corrupt"],
    "vae": ["log_prob", "bits_per_dim", "encode", "evaluation_report"],
    "conv-vae": ["log_prob"],
    "cvae": ["log_prob", "encode", "reconstruct"],
    "gan": ["discriminate", "evaluation_report"],
    "dcgan": ["discriminate"],
    "wgan": ["discriminate"],
    "wgan-gp": ["discriminate"],
    "cgan": ["discriminate"],
    "vae-gan": ["discriminate", "encode", "reconstruct"],
    "began": ["discriminate"],
    "pixelcnn": ["log_prob", "bits_per_dim", "nll_map", "anomaly_score", "evaluation_report"],
    "pixelcnn++": ["log_prob", "nll_map"],
    "pixelrnn": ["log_prob"],
    "rbm": ["free_energy", "transform", "reconstruction_error", "pseudo_log_likelihood",
            "binarized", "evaluation_report"],
    "gaussian-rbm": ["free_energy", "transform"],
    "dbn": ["features", "reconstruction_error", "evaluation_report"],
    "boltzmann-machine": ["evaluation_report"],
    "ebm": ["energy", "evaluation_report"],
    "diffusion": ["log_prob", "bits_per_dim", "anomaly_score", "evaluation_report"],
    "ddim": ["bits_per_dim"],
    "cdiffusion": ["log_prob", "evaluation_report"],
}
assert set(SCORING) == set(IMAGE_FAMILIES)
TAKES_LABELS = {"anomaly_score", "encode", "reconstruct", "log_prob", "bits_per_dim",
                "discriminate", "nll_map", "evaluation_report"}


def score_call(family, method, x, y=None, **kwargs):
    if method in TAKES_LABELS and not (family in ("rbm", "dbn", "boltzmann-machine", "ebm")
                                       and method == "evaluation_report"):
        return model_call(family, method, x, y, **kwargs)
    return model_call(family, method, x, **kwargs)


for family, methods in SCORING.items():
    y = labels_for(family)
    battery = BAD_IMAGES if family in ("vae", "pixelcnn", "rbm", "gan", "dbn", "ebm",
                                       "diffusion") \
        else BAD_IMAGES[:7] + [("None", None)]
    for what, bad in battery:
        add(f"{family}-{methods[0]}-{what}",
            score_call(family, methods[0], bad, None if bad is None else y), "images")
    for method in methods[1:]:
        add(f"{family}-{method}-out of range",
            score_call(family, method, lambda ctx: ctx.images + 1, y), "images")
        add(f"{family}-{method}-empty batch",
            score_call(family, method, lambda ctx: ctx.images[:0], y), "images")
    if family in CONDITIONAL:
        for method in methods:
            add(f"{family}-{method}-labels missing", score_call(family, method, images),
                "labels")
        add(f"{family}-{methods[0]}-labels too few",
            score_call(family, methods[0], images, lambda ctx: ctx.labels[:2]), "labels")
        add(f"{family}-{methods[0]}-labels out of range",
            score_call(family, methods[0], images, lambda ctx: ctx.labels + 10), "labels")
    elif methods[0] in TAKES_LABELS and methods[0] != "evaluation_report":
        add(f"{family}-{methods[0]}-labels to an unconditional model",
            score_call(family, methods[0], images, labels), "labels")
for family in INTEGER_FAMILIES:
    add(f"{family}-log_prob-fractional levels",
        model_call(family, "log_prob", lambda ctx: ctx.images + 0.5), "images")

SCORING_ARGUMENTS = [
    ("vae-log_prob-num_samples=0", model_call("vae", "log_prob", images, num_samples=0),
     "num_samples"),
    ("vae-log_prob-num_samples=1.5", model_call("vae", "log_prob", images, num_samples=1.5),
     "num_samples"),
    ("vae-log_prob-seed='x'", model_call("vae", "log_prob", images, seed="x"), "seed"),
    ("vae-log_prob-binarization_seed='x'",
     model_call("vae", "log_prob", images, binarization_seed="x"), "binarization_seed"),
    ("vae-evaluation_report-importance_samples=0",
     model_call("vae", "evaluation_report", images, importance_samples=0),
     "importance_samples"),
    ("vae-decode-wrong width", model_call("vae", "decode", np.zeros([3, 5])), "latents"),
    ("vae-decode-rank 1", model_call("vae", "decode", np.zeros(2)), "latents"),
    ("vae-decode-NaN", model_call("vae", "decode", np.array([[0.0, np.nan]])), "latents"),
    ("vae-decode-empty", model_call("vae", "decode", np.zeros([0, 2])), "latents"),
    ("vae-decode-strings", model_call("vae", "decode", np.array([["a", "b"]])), "latents"),
    ("vae-decode-None", model_call("vae", "decode", None), "latents"),
    ("vae-encode-rank 3", model_call("vae", "encode", lambda ctx: ctx.images[..., 0]),
     "images"),
    ("autoencoder-encode-one image without batch axis",
     model_call("autoencoder", "encode", lambda ctx: ctx.images[0]), "images"),
    ("autoencoder-decode-wrong width", model_call("autoencoder", "decode", np.zeros([3, 2])),
     "latents"),
    ("cvae-decode-labels missing", model_call("cvae", "decode", np.zeros([2, 2])), "labels"),
    ("vae-gan-decode-NaN", model_call("vae-gan", "decode", np.full([2, 4], np.nan)),
     "latents"),
    ("gan-generate-wrong width", model_call("gan", "generate", np.zeros([2, 3])), "noise"),
    ("gan-generate-inf", model_call("gan", "generate", np.full([2, 4], np.inf)), "noise"),
    ("gan-generate-empty", model_call("gan", "generate", np.zeros([0, 4])), "noise"),
    ("gan-generate-ragged", model_call("gan", "generate", [[0.0] * 4, [0.0]]), "noise"),
    ("cgan-generate-labels too few",
     model_call("cgan", "generate", np.zeros([2, 4]), [1]), "labels"),
    ("gan-compile-optimizer", model_call("gan", "compile", optimizer="adam"), "optimizer"),
    ("pixelcnn-log_prob-binarization_seed='x'",
     model_call("pixelcnn", "log_prob", images, binarization_seed="x"), "binarization_seed"),
    ("pixelcnn-complete-neither mask nor rows", model_call("pixelcnn", "complete", images),
     "known_mask"),
    ("pixelcnn-complete-known_rows=9",
     model_call("pixelcnn", "complete", images, known_rows=9), "known_rows"),
    ("pixelcnn-complete-known_rows=-1",
     model_call("pixelcnn", "complete", images, known_rows=-1), "known_rows"),
    ("pixelcnn-complete-float mask",
     model_call("pixelcnn", "complete", images, known_mask=np.ones([8, 8])), "known_mask"),
    ("pixelcnn-complete-mask count",
     model_call("pixelcnn", "complete", images, known_mask=np.ones([3, 8, 8], bool)),
     "known_mask"),
    ("pixelcnn-complete-out of range",
     model_call("pixelcnn", "complete", lambda ctx: ctx.images + 1, known_rows=2), "images"),
    ("pixelcnn-complete-cached='yes'",
     model_call("pixelcnn", "complete", images, known_rows=2, cached="yes"), "cached"),
    ("diffusion-sample-steps=0", model_call("diffusion", "sample", 2, steps=0), "steps"),
    ("diffusion-sample-steps=9 of 8", model_call("diffusion", "sample", 2, steps=9), "steps"),
    ("diffusion-sample-eta=-1", model_call("diffusion", "sample", 2, eta=-1.0), "eta"),
    ("diffusion-sample-guidance unconditional",
     model_call("diffusion", "sample", 2, guidance=3.0), "guidance"),
    ("cdiffusion-sample-guidance=nan",
     model_call("cdiffusion", "sample", 2, labels=[0, 1], guidance=float("nan")), "guidance"),
    ("diffusion-complete-float mask",
     model_call("diffusion", "complete", images, np.ones([8, 8])), "known_mask"),
    ("diffusion-complete-mask count",
     model_call("diffusion", "complete", images, np.ones([3, 8, 8], bool)), "known_mask"),
    ("diffusion-complete-out of range",
     model_call("diffusion", "complete", lambda ctx: ctx.images + 1, np.ones([8, 8], bool)),
     "images"),
    ("diffusion-log_prob-batch_size=0",
     model_call("diffusion", "log_prob", images, batch_size=0), "batch_size"),
    ("pixelcnn++-maps-log_prob-maps missing",
     model_call("pixelcnn++-maps", "log_prob", images), "labels"),
    ("pixelcnn++-maps-log_prob-maps not aligned",
     model_call("pixelcnn++-maps", "log_prob", images, np.zeros([16, 4, 4, 1])), "labels"),
    ("pixelcnn++-maps-log_prob-maps too few",
     model_call("pixelcnn++-maps", "log_prob", images, np.zeros([3, 8, 8, 1])), "labels"),
    ("rbm-log_prob-non-binary images", model_call("rbm", "log_prob", images, 1.0), "images"),
    ("rbm-log_prob-log_partition='x'",
     model_call("rbm", "log_prob", np.zeros([2, 8, 8, 1]), "x"), "log_partition"),
    ("rbm-log_prob-log_partition=NaN",
     model_call("rbm", "log_prob", np.zeros([2, 8, 8, 1]), float("nan")), "log_partition"),
    ("rbm-log_prob-log_partition=None",
     model_call("rbm", "log_prob", np.zeros([2, 8, 8, 1]), None), "log_partition"),
    ("rbm-free_energy-temperature=-1",
     model_call("rbm", "free_energy", images, temperature=-1.0), "temperature"),
    ("gaussian-rbm-pseudo_log_likelihood-gaussian units",
     model_call("gaussian-rbm", "pseudo_log_likelihood", images), "visible"),
    ("rbm-evaluation_report-importance_samples=0",
     model_call("rbm", "evaluation_report", images, importance_samples=0),
     "importance_samples"),
    ("dbn-fine_tune-epochs=0", model_call("dbn", "fine_tune", images, epochs=0), "epochs"),
    ("dbn-fine_tune-batch_size=0", model_call("dbn", "fine_tune", images, batch_size=0),
     "batch_size"),
    ("dbn-fine_tune-x out of range", model_call("dbn", "fine_tune", lambda ctx: ctx.images + 1),
     "x"),
    ("dbn-fine_tune_epochs=-1", lambda ctx: make("dbn", fine_tune_epochs=-1), "fine_tune_epochs"),
    ("dbn-to_classifier-num_classes=0", model_call("dbn", "to_classifier", 0), "num_classes"),
    ("dbn-to_classifier-dropout=2", model_call("dbn", "to_classifier", 10, dropout=2.0),
     "dropout"),
    ("boltzmann-machine-log_prob-too many units to enumerate",
     model_call("boltzmann-machine", "log_prob", images), "hidden_units"),
    ("small-bm-log_prob-level 2", model_call("small-bm", "log_prob", np.full([2, 1, 4, 1], 2)),
     "images"),
    ("small-bm-log_prob-fractional",
     model_call("small-bm", "log_prob", np.full([2, 1, 4, 1], 0.5)), "images"),
    ("small-bm-log_prob-NaN",
     model_call("small-bm", "log_prob", np.full([2, 1, 4, 1], np.nan)), "images"),
    ("small-bm-log_prob-wrong shape", model_call("small-bm", "log_prob", np.zeros([2, 1, 5, 1])),
     "images"),
    ("wavenet-log_prob-labels to an unconditional model",
     model_call("wavenet", "log_prob", lambda ctx: ctx.audio, [0, 1, 2, 0]), "labels"),
    ("wavenet-nats_per_sample-level 256",
     model_call("wavenet", "nats_per_sample", np.full([2, 10, 1], 256)), "audio"),
    ("wavenet-classes-log_prob-labels missing",
     model_call("wavenet-classes", "log_prob", lambda ctx: ctx.audio), "labels"),
    ("wavenet-classes-log_prob-labels too few",
     model_call("wavenet-classes", "log_prob", lambda ctx: ctx.audio, [0, 1]), "labels"),
    ("wavenet-vocoder-log_prob-features missing",
     model_call("wavenet-vocoder", "log_prob", lambda ctx: ctx.audio), "features"),
    # kerasgen.evaluation
    ("evaluate_log_likelihood-num_samples=0",
     lambda ctx: evaluation.evaluate_log_likelihood(ctx.models["vae"], ctx.images,
                                                    num_samples=0), "num_samples"),
    ("evaluate_log_likelihood-seed=1.5",
     lambda ctx: evaluation.evaluate_log_likelihood(ctx.models["vae"], ctx.images, seed=1.5),
     "seed"),
    ("calibrate_threshold-empty", lambda ctx: evaluation.calibrate_threshold([]), "scores"),
    ("calibrate_threshold-NaN", lambda ctx: evaluation.calibrate_threshold([1.0, np.nan]),
     "scores"),
    ("calibrate_threshold-rate=1",
     lambda ctx: evaluation.calibrate_threshold([1.0, 2.0], false_positive_rate=1.0),
     "false_positive_rate"),
    ("recording_nats_per_sample-no clips",
     lambda ctx: evaluation.recording_nats_per_sample(ctx.models["wavenet"], []), "clips"),
    ("recording_nats_per_sample-labels missing",
     lambda ctx: evaluation.recording_nats_per_sample(ctx.models["wavenet-classes"],
                                                      [np.zeros(10, np.float32)]), "labels"),
    ("ais_log_partition-num_chains=0",
     lambda ctx: evaluation.ais_log_partition(ctx.models["rbm"], num_chains=0), "num_chains"),
    ("ais_log_partition-betas not increasing",
     lambda ctx: evaluation.ais_log_partition(ctx.models["rbm"], betas=[0.0, 0.5]), "betas"),
]
for row in SCORING_ARGUMENTS:
    add(*row)

# ------------------------------------------------------------------------ data loaders

LOADERS = [
    ("load_arrays-unknown name", lambda ctx: kdata.load_arrays("cifar"), "name"),
    ("load_arrays-name not a string", lambda ctx: kdata.load_arrays(3), "name"),
    ("load_arrays-bad split", lambda ctx: kdata.load_arrays("digits", split="valid"), "split"),
    ("load_arrays-max_examples=0",
     lambda ctx: kdata.load_arrays("digits", max_examples=0), "max_examples"),
    ("load_arrays-max_examples=-1",
     lambda ctx: kdata.load_arrays("digits", max_examples=-1), "max_examples"),
    ("load_arrays-max_examples=1.5",
     lambda ctx: kdata.load_arrays("digits", max_examples=1.5), "max_examples"),
    ("load_arrays-max_examples='10'",
     lambda ctx: kdata.load_arrays("digits", max_examples="10"), "max_examples"),
    ("load_arrays-missing data_dir",
     lambda ctx: kdata.load_arrays("mnist", data_dir="/nonexistent/dir"), "data_dir"),
    ("load_arrays-data_dir is a file",
     lambda ctx: kdata.load_arrays("mnist", data_dir=ctx.tmp / "file.txt"), "data_dir"),
    ("load_arrays-data_dir without the files",
     lambda ctx: kdata.load_arrays("mnist", data_dir=ctx.tmp / "empty"), "data_dir"),
    ("load_arrays-truncated IDX file",
     lambda ctx: kdata.load_arrays("mnist", data_dir=ctx.tmp), "data_dir"),
    ("load_arrays-split's files missing",
     lambda ctx: kdata.load_arrays("mnist", split="test", data_dir=ctx.tmp), "data_dir"),
    ("load_arrays-data_dir=5", lambda ctx: kdata.load_arrays("mnist", data_dir=5), "data_dir"),
    ("load-batch_size=0", lambda ctx: kdata.load("digits", batch_size=0), "batch_size"),
    ("load-shuffle='yes'", lambda ctx: kdata.load("digits", shuffle="yes"), "shuffle"),
    ("load-seed=-1", lambda ctx: kdata.load("digits", seed=-1), "seed"),
    ("load-max_examples=0", lambda ctx: kdata.load("digits", max_examples=0), "max_examples"),
    ("load-batch larger than the data, drop_remainder",
     lambda ctx: kdata.load("digits", batch_size=5000, drop_remainder=True), "batch_size"),
    ("dataset_info-unknown name", lambda ctx: kdata.dataset_info("nope"), "name"),
    ("read_idx-missing file", lambda ctx: kdata.read_idx(ctx.tmp / "nope"), "path"),
    ("read_idx-a folder", lambda ctx: kdata.read_idx(ctx.tmp), "path"),
    ("read_idx-truncated",
     lambda ctx: kdata.read_idx(ctx.tmp / "mnist" / "train-images-idx3-ubyte"), "path"),
    ("read_idx-not an IDX file", lambda ctx: kdata.read_idx(ctx.tmp / "file.txt"), "path"),
    ("read_idx-None", lambda ctx: kdata.read_idx(None), "path"),
    ("read_idx-bad expected_magic",
     lambda ctx: kdata.read_idx(ctx.tmp / "file.txt", expected_magic="x"), "expected_magic"),
    ("read_wav-missing file", lambda ctx: kaudio.read_wav(ctx.tmp / "nope.wav"), "path"),
    ("read_wav-not a WAV file", lambda ctx: kaudio.read_wav(ctx.tmp / "not.wav"), "path"),
    ("read_wav-sample_rate=0",
     lambda ctx: kaudio.read_wav(ctx.tmp / "wavs" / "tone.wav", sample_rate=0), "sample_rate"),
    ("read_wav-other rate without resample",
     lambda ctx: kaudio.read_wav(ctx.tmp / "wavs" / "tone.wav", sample_rate=16000),
     "sample_rate"),
    ("load_wav_folder-missing folder",
     lambda ctx: kaudio.load_wav_folder(ctx.tmp / "nope"), "directory"),
    ("load_wav_folder-no WAV files",
     lambda ctx: kaudio.load_wav_folder(ctx.tmp / "empty"), "directory"),
    ("load_wav_folder-a broken WAV file", lambda ctx: kaudio.load_wav_folder(ctx.tmp),
     "directory"),
    ("load_wav_folder-min_length too long",
     lambda ctx: kaudio.load_wav_folder(ctx.tmp / "wavs", min_length=1000), "min_length"),
    ("load_spoken_digit_clips-bad split",
     lambda ctx: kaudio.load_spoken_digit_clips("valid"), "split"),
    ("load_spoken_digit_clips-max_examples=0",
     lambda ctx: kaudio.load_spoken_digit_clips(max_examples=0), "max_examples"),
    ("load_spoken_digit_clips-missing data_dir",
     lambda ctx: kaudio.load_spoken_digit_clips(data_dir="/nonexistent/dir"), "data_dir"),
    ("load_spoken_digit_clips-data_dir without recordings",
     lambda ctx: kaudio.load_spoken_digit_clips(data_dir=ctx.tmp / "empty"), "data_dir"),
    ("load_spoken_digit-window_length missing",
     lambda ctx: kaudio.load_spoken_digit("train"), "window_length"),
    ("audio_dataset_info-unknown name", lambda ctx: kaudio.audio_dataset_info("nope"), "name"),
    ("audio_windows-window_length=0",
     lambda ctx: kaudio.audio_windows([np.zeros(50, np.float32)], 0), "window_length"),
    ("audio_windows-window longer than a clip",
     lambda ctx: kaudio.audio_windows([np.zeros(50, np.float32)], 60), "window_length"),
    ("audio_windows-NaN samples",
     lambda ctx: kaudio.audio_windows([np.full(50, np.nan, np.float32)], 10), "clips"),
    ("audio_windows-samples outside [-1, 1]",
     lambda ctx: kaudio.audio_windows([np.full(50, 2.0, np.float32)], 10), "clips"),
    ("audio_windows-no clips", lambda ctx: kaudio.audio_windows([], 10), "clips"),
    ("audio_windows-int16 clips",
     lambda ctx: kaudio.audio_windows([np.zeros(50, np.int16)], 10), "clips"),
    ("audio_windows-label count",
     lambda ctx: kaudio.audio_windows([np.zeros(50, np.float32)] * 2, 10, labels=[1]),
     "labels"),
    ("audio_windows-bad encoding",
     lambda ctx: kaudio.audio_windows([np.zeros(50, np.float32)], 10, encoding="flac"),
     "encoding"),
    ("encode_audio-int16", lambda ctx: kaudio.encode_audio(np.zeros(4, np.int16)), "x"),
    ("mu_law_encode-quantization_channels=1",
     lambda ctx: kaudio.mu_law_encode(np.zeros(4, np.float32), 1), "quantization_channels"),
    ("write_wav-NaN", lambda ctx: kaudio.write_wav(ctx.tmp / "o.wav", np.full(4, np.nan), 8000),
     "waveform"),
    ("write_wav-sample_rate=0",
     lambda ctx: kaudio.write_wav(ctx.tmp / "o.wav", np.zeros(4), 0), "sample_rate"),
    ("parse_spoken_digit_filename-bad name",
     lambda ctx: kaudio.parse_spoken_digit_filename("x.wav"), "filename"),
]
for row in LOADERS:
    add(*row)

# ------------------------------------------------------------------------------ export

def plain_keras_model():
    """A Keras model that is not a kerasgen model (it names no export endpoints)."""
    return keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])


def export_existing(ctx):
    """export_serving of a version that is already there, with overwrite=False."""
    (ctx.tmp / "repository" / "vae" / "1").mkdir(parents=True, exist_ok=True)
    return export.export_serving(ctx.models["vae"], ctx.tmp / "repository", name="vae",
                                 version=1, overwrite=False)


EXPORTS = [
    ("export_serving-version=0",
     lambda ctx: export.export_serving(ctx.models["vae"], ctx.tmp / "sm", version=0),
     "version"),
    ("export_serving-version='1'",
     lambda ctx: export.export_serving(ctx.models["vae"], ctx.tmp / "sm", version="1"),
     "version"),
    ("export_serving-version exists, no overwrite", lambda ctx: export_existing(ctx),
     "version"),
    ("export_serving-name with '/'",
     lambda ctx: export.export_serving(ctx.models["vae"], ctx.tmp / "sm", name="a/b"), "name"),
    ("export_serving-name='..'",
     lambda ctx: export.export_serving(ctx.models["vae"], ctx.tmp / "sm", name=".."), "name"),
    ("export_serving-name=5",
     lambda ctx: export.export_serving(ctx.models["vae"], ctx.tmp / "sm", name=5), "name"),
    ("export_serving-directory=None",
     lambda ctx: export.export_serving(ctx.models["vae"], None), "directory"),
    ("export_serving-directory is a file",
     lambda ctx: export.export_serving(ctx.models["vae"], ctx.tmp / "file.txt"), "directory"),
    ("export_serving-directory inside a file",
     lambda ctx: export.export_serving(ctx.models["vae"], ctx.tmp / "file.txt" / "sm"),
     "directory"),
    ("export_serving-warmup='no'",
     lambda ctx: export.export_serving(ctx.models["vae"], ctx.tmp / "sm", warmup="no"),
     "warmup"),
    ("export_serving-not a kerasgen model",
     lambda ctx: export.export_serving(plain_keras_model(), ctx.tmp / "sm"), "model"),
    ("export_serving-model=None", lambda ctx: export.export_serving(None, ctx.tmp / "sm"),
     "model"),
    ("export_tflite-path=None", lambda ctx: export.export_tflite(ctx.models["vae"], None),
     "path"),
    ("export_tflite-path is a folder",
     lambda ctx: export.export_tflite(ctx.models["vae"], ctx.tmp), "path"),
    ("export_tflite-path inside a file",
     lambda ctx: export.export_tflite(ctx.models["vae"], ctx.tmp / "file.txt" / "m.tflite"),
     "path"),
    ("export_tflite-atol=-1",
     lambda ctx: export.export_tflite(ctx.models["vae"], ctx.tmp / "m.tflite", atol=-1.0),
     "atol"),
    ("export_tflite-batch_size=0",
     lambda ctx: export.export_tflite(ctx.models["vae"], ctx.tmp / "m.tflite", batch_size=0),
     "batch_size"),
    ("export_tflite-check='yes'",
     lambda ctx: export.export_tflite(ctx.models["vae"], ctx.tmp / "m.tflite", check="yes"),
     "check"),
    ("export_tflite-not a kerasgen model",
     lambda ctx: export.export_tflite(plain_keras_model(), ctx.tmp / "m.tflite"), "model"),
    ("run_tflite-missing file",
     lambda ctx: export.run_tflite(ctx.tmp / "nope.tflite", "sample"), "path_or_bytes"),
    ("run_tflite-not a TFLite file",
     lambda ctx: export.run_tflite(ctx.tmp / "file.txt", "sample"), "path_or_bytes"),
    ("run_tflite-not TFLite bytes",
     lambda ctx: export.run_tflite(b"0123456789", "sample"), "path_or_bytes"),
    ("read_warmup_requests-missing folder",
     lambda ctx: export.read_warmup_requests(ctx.tmp / "nope"), "path"),
    ("read_warmup_requests-no warm-up file",
     lambda ctx: export.read_warmup_requests(ctx.tmp), "path"),
    ("replay_warmup_requests-no SavedModel",
     lambda ctx: export.replay_warmup_requests(ctx.tmp / "empty"), "path"),
    ("Endpoint-unnamed input",
     lambda ctx: export.Endpoint("f", lambda x: {"y": x}, [tf.TensorSpec([None], tf.float32)]),
     "input_signature"),
    ("Endpoint-two inputs of one name",
     lambda ctx: export.Endpoint("f", lambda x: {"y": x},
                                 [tf.TensorSpec([None], tf.float32, name="x")] * 2),
     "input_signature"),
    ("Endpoint-not a TensorSpec",
     lambda ctx: export.Endpoint("f", lambda x: {"y": x}, ["x"]), "input_signature"),
    ("Endpoint-name not an identifier",
     lambda ctx: export.Endpoint("my sample", lambda x: {"y": x},
                                 [tf.TensorSpec([None], tf.float32, name="x")]), "name"),
    ("Endpoint-function not callable",
     lambda ctx: export.Endpoint("f", None, [tf.TensorSpec([None], tf.float32, name="x")]),
     "function"),
    ("synthesize-length=0",
     lambda ctx: export.synthesize(ctx.tmp / "nope.tflite", 256, 0), "length"),
    ("synthesize-missing file",
     lambda ctx: export.synthesize(ctx.tmp / "nope.tflite", 256, 10), "path_or_bytes"),
]
for row in EXPORTS:
    add(*row)

# ------------------------------------------------------------------ command line (table 2)

CLI = [
    (["train", "nosuch"], "`model`"),
    (["train", "vae", "--epochs", "0"], "--epochs"),
    (["train", "vae", "--epochs", "x"], "--epochs"),
    (["train", "vae", "--batch-size", "-1"], "--batch-size"),
    (["train", "vae", "--max-examples", "0"], "--max-examples"),
    (["train", "vae", "--learning-rate", "-1"], "--learning-rate"),
    (["train", "vae", "--learning-rate", "nan"], "--learning-rate"),
    (["train", "vae", "--seed", "1.5"], "--seed"),
    (["train", "vae", "--seed", "-1"], "`seed`"),
    (["train", "vae", "--verbose", "5"], "--verbose"),
    (["train", "vae", "--data", "cifar"], "`--data`"),
    (["train", "vae", "--data", "mnist", "--data-dir", "/nonexistent/dir"], "`data_dir`"),
    (["train", "vae", "--data", "mnist", "--data-dir", "{tmp}/file.txt"], "`data_dir`"),
    (["train", "vae", "--data", "mnist", "--data-dir", "{tmp}/empty"], "`data_dir`"),
    (["train", "vae", "--set", "latent_dim=0"], "`latent_dim`"),
    (["train", "vae", "--set", "nosuch=1"], "`--set`"),
    (["train", "vae", "--set", "novalue"], "`--set`"),
    (["train", "vae", "--out", "{tmp}/file.txt"], "`--out`"),
    (["train", "vae", "--name", "../elsewhere"], "`--name`"),
    (["train", "wavenet"], "`--data`"),
    (["train", "tvae"], "`--data`"),
    (["train", "tvae", "--data", "csv"], "`--data-dir`"),
    (["train", "tvae", "--data", "csv", "--data-dir", "{tmp}/tables/nope.csv"], "`source`"),
    (["train", "tvae", "--data", "csv", "--data-dir", "{tmp}/tables/empty.csv"], "`source`"),
    (["train", "tvae", "--data", "csv", "--data-dir", "{tmp}/tables/ragged.csv"], "`source`"),
    (["train", "tvae", "--data", "csv", "--data-dir", "{tmp}/tables/text_in_numbers.csv"],
     "`a`"),
    (["train", "tvae", "--data", "csv", "--data-dir", "{tmp}/tables/all_missing.csv"], "`b`"),
    (["train", "tvae", "--data", "wine", "--categorical", "nosuch"], "`categorical`"),
    (["train", "tvae", "--data", "wine", "--image-size", "8"], "`--image-size`"),
    (["train", "vae", "--categorical", "a"], "`--categorical`"),
    (["sample", "{tvae}", "--condition", "colour=red"], "`conditions`"),
    (["sample", "{tvae}", "--condition", "sex=Other"], "`conditions['sex']`"),
    (["sample", "{tvae}", "--condition", "age=old"], "`--condition`"),
    (["sample", "{tvae}", "--condition", "novalue"], "`--condition`"),
    (["sample", "{vae}", "--condition", "sex=Male"], "`--condition`"),
    (["evaluate", "{tvae}", "--data", "digits"], "`--data`"),
    (["train", "wavenet", "--data", "wav"], "`--data-dir`"),
    (["train", "vae", "--data", "spoken_digit"], "`--data`"),
    (["train", "wavenet", "--data", "wav", "--data-dir", "/nonexistent/wavs"], "`directory`"),
    (["train", "wavenet", "--data", "wav", "--data-dir", "{tmp}/empty"], "`directory`"),
    (["sample", "/nonexistent/run"], "`DIR`"),
    (["sample", "{tmp}/empty"], "`DIR`"),
    (["sample", "{vae}", "--num", "0"], "--num"),
    (["sample", "{vae}", "--seed", "x"], "--seed"),
    (["sample", "{vae}", "--temperature", "0"], "`temperature`"),
    (["sample", "{vae}", "--temperature", "inf"], "`temperature`"),
    (["sample", "{vae}", "--truncation", "1"], "`--truncation`"),
    (["sample", "{vae}", "--labels", "1", "2"], "`--labels`"),
    (["sample", "{vae}", "--length", "100"], "`--length`"),
    (["sample", "{vae}", "--out", "{tmp}/file.txt/grid.png"], "`--out`"),
    (["sample", "{gan}", "--truncation", "0"], "`truncation`"),
    (["sample", "{gan}", "--temperature", "0.5"], "`--temperature`"),
    (["sample", "{cvae}", "--num", "3", "--labels", "1", "2"], "`--labels`"),
    (["sample", "{cvae}", "--num", "2", "--labels", "1", "10"], "`labels`"),
    (["sample", "{cvae}", "--num", "2", "--labels", "1", "x"], "--labels"),
    (["sample", "{autoencoder}"], "no prior"),
    (["sample", "{wavenet}", "--temperature", "0", "--length", "4"], "`temperature`"),
    (["sample", "{wavenet}", "--labels", "1", "--num", "1"], "`--labels`"),
    (["sample", "{wavenet}", "--length", "0"], "--length"),
    (["sample", "{wavenet}", "--out", "{tmp}/file.txt"], "`--out`"),
    (["evaluate", "/nonexistent/run"], "`DIR`"),
    (["evaluate", "{vae}", "--data", "cifar"], "`--data`"),
    (["evaluate", "{vae}", "--max-examples", "0"], "--max-examples"),
    (["evaluate", "{vae}", "--importance-samples", "0"], "--importance-samples"),
    (["evaluate", "{vae}", "--data", "mnist", "--data-dir", "/nonexistent/dir"], "`data_dir`"),
    (["export", "/nonexistent/run"], "`DIR`"),
    (["export", "{vae}", "--format", "onnx"], "--format"),
    (["export", "{vae}", "--version", "0"], "--version"),
    ([], "command"),
    (["nosuch"], "command"),
    (["train"], "model"),
]


# ------------------------------------------------------------------------------ tests


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_raises_value_error_naming_the_argument(case, ctx):
    with pytest.raises(ValueError) as raised:
        case.call(ctx)
    message = str(raised.value)
    # `name` must be <what was expected>; received <what was received>.
    assert re.search(rf"`{re.escape(case.name)}` must be .+; received .+", message, re.S), \
        message


SIGNATURES = [
    ("bad signature", lambda path: export.run_tflite(path, "nosuch"), "signature"),
    ("unknown input", lambda path: export.run_tflite(path, "decode", z=np.zeros([1, 2])),
     "inputs"),
    ("missing input", lambda path: export.run_tflite(path, "decode"), "inputs"),
    ("wrong width", lambda path: export.run_tflite(path, "decode",
                                                   latents=np.zeros([1, 5], np.float32)),
     "latents"),
    ("wrong rank", lambda path: export.run_tflite(path, "decode",
                                                  latents=np.zeros([2], np.float32)),
     "latents"),
    ("strings", lambda path: export.run_tflite(path, "decode", latents=np.full([1, 2], "a")),
     "latents"),
    ("not a WaveNet", lambda path: export.synthesize(path, 256, 10), "path_or_bytes"),
]


@pytest.mark.parametrize("call, name", [s[1:] for s in SIGNATURES],
                         ids=[s[0] for s in SIGNATURES])
def test_unsupported_tflite_signatures_and_inputs(call, name, vae_tflite):
    with pytest.raises(ValueError, match=rf"`{name}` must be .+; received "):
        call(vae_tflite)


@pytest.mark.parametrize("family", list(MODELS))
def test_unknown_constructor_argument_is_named(family):
    """A misspelt hyperparameter: Keras' own ValueError names it."""
    with pytest.raises(ValueError, match="latnt_dim"):
        make(family, latnt_dim=3)


@pytest.mark.parametrize("argv, needle", CLI, ids=[" ".join(a) or "(none)" for a, _ in CLI])
def test_command_line_bad_argument_exits_2_with_one_line(argv, needle, ctx, capsys):
    fields = {"tmp": str(ctx.tmp), **ctx.runs}
    argv = [a.format(**fields) for a in argv]
    if argv[:1] == ["train"]:  # were a check missing: a short run, written under tmp (the
        # row's own options come last and win)
        argv[1:1] = ["--out", f"{ctx.tmp}/out", "--epochs", "1", "--max-examples", "32",
                     "--no-export", "--verbose", "0"]
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("kerasgen: error:") and needle in lines[0], lines[0]
    assert captured.out == ""


@pytest.mark.parametrize("family", ["vae", "gan", "rbm", "pixelcnn"])
def test_bad_fit_does_no_work(family, ctx):
    """The checks come before any step: the step counter stays at zero."""
    model = make(family)
    model.compile_with_defaults()
    with pytest.raises(ValueError):
        model.fit(np.where(ctx.images == 16, 17, ctx.images), epochs=1, verbose=0)
    assert int(keras.ops.convert_to_numpy(model.optimizer.iterations)) == 0


def test_every_family_is_in_the_table():
    """Every registry family meets constructor, fit-data and (where it samples) sample rows,
    so a family added to the registry without a row here fails."""
    for family in MODELS:
        ids = [case.id for case in CASES if case.id.startswith(f"{family}-")]
        assert any("-init-" in i for i in ids), family
        assert any("-fit-" in i for i in ids), family
        if MODELS[family].cls.can_sample:
            assert any("-sample-" in i for i in ids), family
