"""Every family's ``evaluation_report`` declares its options: a misspelt one is a ValueError
naming it and listing the accepted ones (never silently ignored)."""

import inspect
import re

import pytest

from kerasgen.models.base import strict_options
from tests.helpers import TINY_FAMILIES, family_elements

FAMILIES = TINY_FAMILIES


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_a_misspelt_report_option_is_refused(family):
    model = FAMILIES[family]()
    elements = family_elements(model, 4)
    images = elements[0] if isinstance(elements, tuple) else elements
    accepted = list(inspect.signature(model.evaluation_report).parameters)
    assert not any(p.kind == p.VAR_KEYWORD
                   for p in inspect.signature(model.evaluation_report).parameters.values())
    where = f"{type(model).__name__}.evaluation_report"
    with pytest.raises(ValueError, match=re.escape(
            f"`importance_sampels` must be an option of {where} ({', '.join(accepted)}); "
            f"received importance_sampels=10, which {where} does not take.")):
        model.evaluation_report(images, importance_sampels=10)


def test_a_report_must_declare_its_options():
    with pytest.raises(TypeError, match="explicit keyword parameters"):
        @strict_options
        def evaluation_report(self, images, labels=None, **unused):
            return {}
