"""Portrait quality for /api/detect: Regula's 48 quality characteristics, scenarios and the report they make.

    face = remeasure_upright(image_bgr, face, engine.detect)  # steadier landmarks, see upright.py
    report = assess(image_bgr, face, faces, config, scenario, scenarios=custom_scenarios)

What is measured, in which unit, with which default range and why: README.md in this folder.
"""

from libs.quality.assess import assess
from libs.quality.checks import MEASURED
from libs.quality.scenarios import (
    PREDEFINED,
    RECOMMENDED,
    Scenario,
    find_scenario,
    measurable,
    recommended_range,
    scenario_from_mapping,
)
from libs.quality.traits import traits_for
from libs.quality.types import (
    CHARACTERISTIC_GROUPS,
    QualityConfig,
    QualityDetail,
    QualityDetailsGroup,
    QualityGroup,
    QualityReport,
    QualityRequest,
    QualityStatus,
    parse_quality_request,
)
from libs.quality.upright import remeasure_upright

__all__ = [
    "CHARACTERISTIC_GROUPS",
    "MEASURED",
    "PREDEFINED",
    "RECOMMENDED",
    "QualityConfig",
    "QualityDetail",
    "QualityDetailsGroup",
    "QualityGroup",
    "QualityReport",
    "QualityRequest",
    "QualityStatus",
    "Scenario",
    "assess",
    "find_scenario",
    "measurable",
    "parse_quality_request",
    "recommended_range",
    "remeasure_upright",
    "scenario_from_mapping",
    "traits_for",
]
