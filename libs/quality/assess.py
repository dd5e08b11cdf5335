"""Assess one face against a list of quality characteristics: Regula's `DetectionQuality` for a detection."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

import numpy as np

from libs.faces.crop import DEFAULT_ALIGN, LAYOUTS, AlignType
from libs.faces.ports import FaceTraits
from libs.faces.types import Face
from libs.quality.checks import NO_TRAITS, Subject, measure
from libs.quality.scenarios import Scenario, find_scenario
from libs.quality.types import (
    RGB,
    QualityConfig,
    QualityDetail,
    QualityDetailsGroup,
    QualityGroup,
    QualityReport,
    QualityStatus,
)


def assess(
    image_bgr: np.ndarray,
    face: Face,
    all_faces: Sequence[Face],
    config: Sequence[QualityConfig] | None,
    scenario: str | None = None,
    liveness_score: float | None = None,
    *,
    background_match_color: RGB | None = None,
    align: AlignType | None = None,
    scenarios: Mapping[str, Scenario] | None = None,
    traits: FaceTraits = NO_TRAITS,
) -> QualityReport:
    """The quality report of `face`, one of `all_faces` found in `image_bgr` (BGR uint8, H×W×3).

    A `scenario` that names a known scenario (a custom one from `scenarios`, else a predefined one) replaces
    `config`, `background_match_color` and `align` with its own, as Regula's `processParam.scenario`
    overrides the request; an empty or unknown name is ignored. `background_match_color` is Regula's
    `quality.backgroundMatchColor` (RGB). `align` is the FaceImageQualityAlignType of the portrait crop
    (`outputImageParams.crop.type`), used by PaddingRatio; ALIGN_3x4 when there is none.

    A known scenario without quality (CropCentralFace...) gives an empty report: the caller should not ask.
    `traits` are what the trait models read of the face (`traits_for(config names)` says which are
    needed); the characteristics that need a trait it lacks are UNDETERMINED. `liveness_score` is accepted
    for the detect use case's convenience but not used: no Regula characteristic is a presentation-attack
    score (ArtFace asks whether the face is a drawing or sculpture, which the anti-spoofing model was not
    trained to tell), so ArtFace stays UNDETERMINED.
    """
    del liveness_score
    started = time.perf_counter()
    plan = find_scenario(scenario, scenarios)
    if plan is not None:
        request = plan.quality
        config = request.config if request is not None else ()
        background_match_color = request.background_match_color if request is not None else None
        align = plan.crop.align if plan.crop is not None else None
    aspect = LAYOUTS[DEFAULT_ALIGN if align is None else align].aspect
    subject = Subject(image_bgr, face, all_faces, background_match_color, aspect, traits)
    details = tuple(_detail(item, subject) for item in config or ())
    return _report(details, (time.perf_counter() - started) * 1000.0)


def _detail(item: QualityConfig, subject: Subject) -> QualityDetail:
    value = measure(item.name, subject)
    if value is None:
        status = QualityStatus.UNDETERMINED
    else:
        low, high = item.range
        status = QualityStatus.TRUE if low <= value <= high else QualityStatus.FALSE
    return QualityDetail(item.group, item.name, item.range, status, value)


def _report(details: tuple[QualityDetail, ...], elapsed_ms: float) -> QualityReport:
    groups = []
    for group in sorted({d.group_id for d in details}):
        members = [d for d in details if d.group_id == group]
        compliant = sum(1 for d in members if d.status is QualityStatus.TRUE)
        groups.append(QualityDetailsGroup(group, QualityGroup(group).label, len(members), compliant))
    non_compliant = tuple(dict.fromkeys(d.name for d in details if d.status is QualityStatus.FALSE))
    determined = [d for d in details if d.status is not QualityStatus.UNDETERMINED]
    compliant_count = sum(1 for d in determined if d.status is QualityStatus.TRUE)
    score = compliant_count / len(determined) if determined else 0.0
    return QualityReport(details, tuple(groups), non_compliant, score, elapsed_ms)
