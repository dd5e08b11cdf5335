"""POST /api/detect: the faces of one image, each with its box, five landmarks and, on request, a portrait.

Quality assessment and attributes come later; their fields stay absent. Of the named scenarios, the three that
only crop are applied here: "CropCentralFace" (central face, portrait per the request's crop type and size),
"CropAllFaces" (every face, same), "Thumbnail" (central face, portrait at the photo's own resolution). They
override `onlyCentralFace`, as Regula documents. Any other scenario name is echoed and otherwise ignored.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from libs.config import ImageLimits
from libs.errors import FaceSDKResultCode
from libs.usecases.faces import CropRequest, FaceFinding, crop_spec, decode, findings
from libs.usecases.ports import FaceAnalyzer

# Informational ids Regula clients echo: its detector reports 3; 2 is the five-point landmark scheme.
DETECTOR_TYPE = 3
LANDMARKS_TYPE = 2


@dataclass(frozen=True, slots=True)
class DetectRequest:
    image: bytes
    scenario: str | None = None
    only_central_face: bool | None = None  # None = every face
    crop: CropRequest | None = None  # None = no portraits


@dataclass(frozen=True, slots=True)
class DetectResult:
    code: FaceSDKResultCode  # FACER_OK, or FR_FACE_NOT_DETECTED when `detections` is empty
    detections: tuple[FaceFinding, ...]  # best detector score first; only the central face when asked
    detector_type: int
    landmarks_type: int
    scenario: str | None  # as requested
    elapsed_ms: float


@dataclass(frozen=True, slots=True)
class _Plan:
    only_central: bool
    crop: CropRequest | None


def _plan(request: DetectRequest) -> _Plan:
    asked = request.crop or CropRequest()
    if request.scenario == "CropCentralFace":
        return _Plan(True, asked)
    if request.scenario == "CropAllFaces":
        return _Plan(False, asked)
    if request.scenario == "Thumbnail":
        return _Plan(True, replace(asked, size=()))
    return _Plan(bool(request.only_central_face), request.crop)


def detect_faces(engine: FaceAnalyzer, request: DetectRequest, limits: ImageLimits) -> DetectResult:
    """Decode, detect and (when asked) crop; a refused image raises its `ImageError`."""
    started = time.perf_counter()
    plan = _plan(request)
    spec = crop_spec(plan.crop)  # checked before the expensive part
    image = decode(request.image, limits)
    faces = engine.detect(image, only_central=plan.only_central)
    detections = findings(engine, image, faces, spec)
    return DetectResult(
        code=FaceSDKResultCode.FACER_OK if detections else FaceSDKResultCode.FR_FACE_NOT_DETECTED,
        detections=detections,
        detector_type=DETECTOR_TYPE,
        landmarks_type=LANDMARKS_TYPE,
        scenario=request.scenario,
        elapsed_ms=(time.perf_counter() - started) * 1000.0,
    )
