"""POST /api/detect: the faces of one image, each with its box, five landmarks and, on request, a portrait,
a portrait quality report and attributes.

What a named scenario does comes from `libs.quality` (`find_scenario`: the custom scenarios of the service's
settings first, then the predefined ones). A known scenario replaces the request's other parameters, as
Regula documents: its `onlyCentralFace` (unless it leaves that to the request), its crop (none if it has
none; OldMode keeps the request's) and its quality checks (none if it has none). An empty or unknown name is
echoed and otherwise ignored. `outputImageParams.backgroundColor` is accepted and ignored: replacing the
background needs a person segmentation model Visage does not have.

Plain detection costs one detector call. Quality costs more, and only when asked: every face is detected even
for `onlyCentralFace` (OtherFaces counts them), and each reported face is measured again upright
(`remeasure_upright`) before it is assessed and cropped; its portrait then needs no second look of its own.
The trait models (age, expression, mesh) run only for what the requested attributes and characteristics
need, each once over all the reported faces; a trait whose model the service did not load leaves its
attributes and characteristics undetermined.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from libs.call_context import capped
from libs.config import ImageLimits
from libs.errors import FaceSDKResultCode
from libs.faces.crop import CropSpec
from libs.faces.detector import most_central
from libs.faces.ports import FaceAnalyzer, FaceTraits, Trait
from libs.faces.types import Face
from libs.quality import (
    QualityRequest,
    Scenario,
    assess,
    find_scenario,
    remeasure_upright,
    traits_for,
)
from libs.usecases.attributes import AttributesReport, attribute_traits, read_attributes
from libs.usecases.faces import (
    CropRequest,
    FaceFinding,
    crop_spec,
    decode,
    finding,
    findings,
    portrait_jpeg,
)

# Informational ids Regula clients echo: its detector reports 3; 2 is the five-point landmark scheme.
DETECTOR_TYPE = 3
LANDMARKS_TYPE = 2


@dataclass(frozen=True, slots=True)
class DetectRequest:
    image: bytes
    scenario: str | None = None
    only_central_face: bool | None = None  # None = every face
    crop: CropRequest | None = None  # None = no portraits
    quality: QualityRequest | None = None  # None = no quality report
    attributes: tuple[str, ...] = ()  # Regula FaceAttribute names (checked); empty = none


@dataclass(frozen=True, slots=True)
class DetectResult:
    code: FaceSDKResultCode  # FACER_OK, or FR_FACE_NOT_DETECTED when `detections` is empty
    detections: tuple[FaceFinding, ...]  # best detector score first; only the central face when asked
    detector_type: int
    landmarks_type: int
    scenario: str | None  # as requested
    elapsed_ms: float


@dataclass(frozen=True, slots=True)
class DetectPlan:
    """What one call does once the scenario is applied to the request."""

    only_central: bool
    crop: CropSpec | None
    quality: QualityRequest | None
    attributes: tuple[str, ...]


def plan_detection(request: DetectRequest, scenarios: Mapping[str, Scenario] | None = None) -> DetectPlan:
    """The request's parameters, or those of the known scenario it names (see the module docstring).

    Raises InvalidRequestError for crop parameters out of range, before any image work, even when a scenario
    replaces them (as malformed quality parameters are refused when the request is read)."""
    requested_crop = crop_spec(request.crop)
    scenario = find_scenario(request.scenario, scenarios)
    if scenario is None:
        return DetectPlan(
            bool(request.only_central_face), requested_crop, request.quality, request.attributes
        )
    central = scenario.only_central_face
    crop = requested_crop if scenario.keeps_request_crop else scenario.crop
    only_central = bool(request.only_central_face) if central is None else central
    return DetectPlan(only_central, crop, scenario.quality, scenario.attributes)


def detect_faces(
    engine: FaceAnalyzer,
    request: DetectRequest,
    limits: ImageLimits,
    scenarios: Mapping[str, Scenario] | None = None,
) -> DetectResult:
    """Decode, detect and (when asked) crop and assess; a refused image raises its `ImageError`.

    `scenarios` are the service's custom scenarios by name (`scenario_from_mapping`)."""
    started = time.perf_counter()
    plan = plan_detection(request, scenarios)  # checked before the expensive part
    image = decode(request.image, limits)
    if plan.quality is None:
        faces = capped(engine.detect(image, only_central=plan.only_central))  # best scores first
        detections = findings(engine, image, faces, plan.crop)
        if plan.attributes:
            traits, elapsed_ms = _traits(engine, image, faces, attribute_traits(plan.attributes))
            detections = tuple(
                replace(d, attributes=read_attributes(plan.attributes, t, elapsed_ms))
                for d, t in zip(detections, traits, strict=True)
            )
    else:
        detections = _assessed_findings(engine, image, plan, plan.quality)
    return DetectResult(
        code=FaceSDKResultCode.FACER_OK if detections else FaceSDKResultCode.FR_FACE_NOT_DETECTED,
        detections=detections,
        detector_type=DETECTOR_TYPE,
        landmarks_type=LANDMARKS_TYPE,
        scenario=request.scenario,
        elapsed_ms=(time.perf_counter() - started) * 1000.0,
    )


def _traits(
    engine: FaceAnalyzer, image: np.ndarray, faces: Sequence[Face], wanted: frozenset[Trait]
) -> tuple[list[FaceTraits], float]:
    """The traits of `faces` the engine can read (one batch per model), and the time taken, ms."""
    started = time.perf_counter()
    readable = {trait for trait in wanted if trait.capability in engine.capabilities}
    if not readable:  # nothing to read: no model call
        return [FaceTraits() for _ in faces], 0.0
    traits = engine.traits(image, faces, readable)
    return traits, (time.perf_counter() - started) * 1000.0


def _assessed_findings(
    engine: FaceAnalyzer, image: np.ndarray, plan: DetectPlan, quality: QualityRequest
) -> tuple[FaceFinding, ...]:
    every = engine.detect(image)  # OtherFaces counts them all, whichever faces are reported
    if plan.only_central:
        central = most_central(every, image.shape[1], image.shape[0])
        reported: Sequence[Face] = [] if central is None else [central]
    else:
        reported = capped(every)
    started = time.perf_counter()
    uprights = [remeasure_upright(image, face, engine.detect) for face in reported]
    remeasure_ms = (time.perf_counter() - started) * 1000.0 / max(1, len(reported))
    wanted = traits_for(item.name for item in quality.config) | attribute_traits(plan.attributes)
    traits, traits_ms = _traits(engine, image, uprights, wanted)
    results = []
    for index, (upright, face_traits) in enumerate(zip(uprights, traits, strict=True)):
        report = assess(
            image,
            upright,
            every,
            quality.config,
            background_match_color=quality.background_match_color,
            align=None if plan.crop is None else plan.crop.align,
            traits=face_traits,
        )
        # The report's time includes the face's share of re-measuring and of the trait models.
        report = replace(report, elapsed_ms=report.elapsed_ms + remeasure_ms + traits_ms / len(uprights))
        crop = None if plan.crop is None else portrait_jpeg(image, upright, plan.crop, None)
        attributes: AttributesReport | None = None
        if plan.attributes:
            attributes = read_attributes(plan.attributes, face_traits, traits_ms)
        results.append(finding(index, upright, crop, report, attributes))
    return tuple(results)
