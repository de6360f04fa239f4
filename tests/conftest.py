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


# The files that take longest (minutes of subprocesses and tracing), first: with
# ``-n 2 --dist loadfile`` each worker takes whole files in collection order, and a long file
# started last leaves the other worker idle at the end.
HEAVY_FIRST = ("tests/test_distribute.py", "tests/test_multi_worker.py",
               "tests/test_distribute_other_styles.py", "tests/test_examples.py",
               "tests/export/test_export.py", "tests/training/test_resume.py",
               "tests/test_cli.py", "tests/training/test_nan_guard.py")


def pytest_collection_modifyitems(session, config, items):
    def rank(item):
        path = item.nodeid.split("::")[0]
        return HEAVY_FIRST.index(path) if path in HEAVY_FIRST else len(HEAVY_FIRST)

    items.sort(key=rank)  # stable: every file keeps its tests together and in order
