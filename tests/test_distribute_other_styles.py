"""Adversarial and contrastive-divergence families under MirroredStrategy: two replicas train
like one device (the method and the maximum-likelihood families: tests/test_distribute.py)."""

import pytest

from tests.test_distribute import STYLES, check_trains_like_one_device, run_families

pytestmark = pytest.mark.slow  # README: what `-m "not slow"` leaves out

OTHER_STYLES = sorted(f for f, style in STYLES.items() if style != "maximum likelihood")


@pytest.fixture(scope="module")
def results():
    return run_families(OTHER_STYLES)


@pytest.mark.parametrize("family", OTHER_STYLES)
def test_two_replicas_train_like_one_device(results, family):
    check_trains_like_one_device(results[family])
