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
