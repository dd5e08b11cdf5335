"""The default search threshold: one that holds the false-positive identification rate as the gallery grows.

A search compares the probe with each of the N descriptors in its scope (the tenant, or the groups asked
for) and answers the best match past the threshold. For someone who is not enrolled every comparison is an
impostor comparison, so the chance of a false hit is FPIR ≈ 1 − (1 − FMR(t))^N: with the 1:1 threshold
(FMR 7e-4), 20 % at N = 319 and 99.9 % at N = 10 000. Impostor cosines of SFace are close to normal (on the
calibration half of the LFW distractors, 78 186 pairs of 396 photos: mean 0.0961, sd 0.0881; the normal tail
is slightly heavier than the measured one, so the rule errs towards rejecting), so FMR(t) = Q((t − mean)/sd)
and the threshold for a target FPIR p over N descriptors is

    t(N, p) = mean + sd · Q⁻¹(1 − (1 − p)^(1/N)),   never below the 1:1 same-person cosine (0.38).

With p = 3 %: cosine 0.38 up to N = 47, 0.398 at 100, 0.423 at 300, 0.449 at 1 000, 0.495 at 10 000.
Measured on the other half (people the calibration never saw): bench/results/REPORT.md, "Open-set
identification"; and on 5 000 LFW people outside shared/faces (bench/lfw.py, section "LFW"): at 1 000
enrolled, FPIR 2.0 % (original photos) and 3.3 % (deep-funnelled), rank-1 98.5 % and 98.8 %, 1 000
outsiders each.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

from libs.faces.compare import SAME_PERSON_COSINE, distance_from_cosine

# The most probable rate a target may ask: beyond it the rule means nothing (and 1 would be every probe).
_MAX_TARGET = 0.5


@dataclass(frozen=True)
class ImpostorCosines:
    """The normal law of cosines between descriptors of two different people, for one descriptor model."""

    mean: float
    sd: float


# sface_int8bq, measured (bench/open_set.py); the fp32 file is the same network, assumed alike (its
# quantisation moves cosines by less than 0.01) but not measured here.
SFACE_IMPOSTORS = ImpostorCosines(mean=0.0961, sd=0.0881)
DEFAULT_TARGET_FPIR = 0.03


def search_cosine(
    gallery_size: int, target_fpir: float = DEFAULT_TARGET_FPIR, impostors: ImpostorCosines = SFACE_IMPOSTORS
) -> float:
    """The least cosine a search over `gallery_size` descriptors accepts, for at most `target_fpir`."""
    if not 0 < target_fpir <= _MAX_TARGET:
        raise ValueError(f"target FPIR must be in (0, {_MAX_TARGET}], got {target_fpir}")
    size = max(1, gallery_size)
    # Per-comparison false match rate 1 - (1-p)^(1/N), without the cancellation of 1 - (a number near 1).
    per_comparison = -math.expm1(math.log1p(-target_fpir) / size)
    cosine = impostors.mean - impostors.sd * NormalDist().inv_cdf(per_comparison)
    return max(SAME_PERSON_COSINE, cosine)


def search_distance(
    gallery_size: int, target_fpir: float = DEFAULT_TARGET_FPIR, impostors: ImpostorCosines = SFACE_IMPOSTORS
) -> float:
    """`search_cosine` as the API's distance (L2 between unit descriptors): the `threshold` it implies."""
    return float(distance_from_cosine(search_cosine(gallery_size, target_fpir, impostors)))
