"""Shared pytest fixtures: where the real datasets live, quiet TensorFlow, fixed seeds."""

import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]


def shared_data_dir():
    """``$KERASGEN_DATA_DIR`` or ``../shared/data`` beside the repository."""
    env = os.environ.get("KERASGEN_DATA_DIR")
    return pathlib.Path(env) if env else REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def data_dir():
    path = shared_data_dir()
    if not (path / "mnist").is_dir():
        pytest.skip(f"real datasets not found at {path}; set KERASGEN_DATA_DIR")
    return path


@pytest.fixture(autouse=True)
def _seed_everything():
    import keras

    keras.utils.set_random_seed(1234)
    yield


@pytest.fixture(scope="session")
def tfds_dir(tmp_path_factory):
    """A TFDS data folder holding ``kerasgen_tiny_icons``: 12 train and 6 test RGBA images
    (12x16, random opaque pixels) of 3 classes, written by TFDS's own writer."""
    import numpy as np
    import tensorflow_datasets as tfds

    class KerasgenTinyIcons(tfds.core.GeneratorBasedBuilder):
        VERSION = tfds.core.Version("1.0.0")

        def _info(self):
            return tfds.core.DatasetInfo(
                builder=self, supervised_keys=("image", "label"),
                features=tfds.features.FeaturesDict({
                    "image": tfds.features.Image(shape=(12, 16, 4)),
                    "label": tfds.features.ClassLabel(names=["circle", "square", "star"])}))

        def _split_generators(self, dl_manager):
            return {"train": self._generate_examples(0, 12),
                    "test": self._generate_examples(1, 6)}

        def _generate_examples(self, seed, count):
            rng = np.random.default_rng(seed)
            for i in range(count):
                pixels = rng.integers(0, 256, (12, 16, 4), dtype=np.uint8)
                pixels[..., 3] = 255
                yield i, {"image": pixels, "label": i % 3}

    root = tmp_path_factory.mktemp("tfds")
    KerasgenTinyIcons(data_dir=str(root)).download_and_prepare()
    return root
