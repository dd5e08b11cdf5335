"""The default search threshold's rule (libs/identification/threshold.py): the 1:1 threshold for small
galleries, then stricter with the gallery's size, so false hits by people not enrolled stay at the target."""

from __future__ import annotations

from statistics import NormalDist

import pytest

from libs.faces.compare import SAME_PERSON_COSINE
from libs.identification.threshold import SFACE_IMPOSTORS, search_cosine

pytestmark = pytest.mark.unit


def test_small_galleries_keep_the_one_to_one_threshold_and_large_ones_tighten() -> None:
    assert [search_cosine(n) for n in (0, 1, 10, 47)] == [SAME_PERSON_COSINE] * 4
    sizes = (48, 100, 300, 1000, 10_000, 10**6, 10**8)
    cosines = [search_cosine(n) for n in sizes]
    assert cosines == sorted(cosines) and cosines[0] > SAME_PERSON_COSINE
    assert [round(search_cosine(n), 3) for n in (100, 300, 1000, 10_000)] == [0.398, 0.423, 0.449, 0.495]


def test_the_rule_holds_its_false_positive_rate_under_its_own_model() -> None:
    """Under the impostor model, N comparisons at the threshold give the target FPIR exactly."""
    impostor = NormalDist(SFACE_IMPOSTORS.mean, SFACE_IMPOSTORS.sd)
    for size in (100, 1000, 10**6):
        for target in (0.01, 0.03, 0.05):
            per_comparison = 1 - impostor.cdf(search_cosine(size, target))
            assert 1 - (1 - per_comparison) ** size == pytest.approx(target, rel=1e-6)
    with pytest.raises(ValueError, match="target FPIR"):
        search_cosine(100, 0.0)
