"""The model files Visage uses: where each comes from, its sha256, its licence."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

_ZOO = "https://github.com/opencv/opencv_zoo/raw/main/models"
_SILENT_FACE = "https://github.com/minivision-ai/Silent-Face-Anti-Spoofing"


@dataclass(frozen=True, kw_only=True)
class ModelSpec:
    """One model file. `how_to_get` is shown when the file is missing and cannot be downloaded."""

    name: str
    filename: str
    sha256: str
    url: str | None
    licence: str
    role: str
    size_bytes: int | None = None
    how_to_get: str = ""


def _minifasnet_how_to_get(stem: str) -> str:
    return (
        f"There is no upstream ONNX file: {stem}.onnx is the ONNX export (opset 17) of the Minivision "
        f"Silent-Face-Anti-Spoofing checkpoint resources/anti_spoof_models/{stem}.pth ({_SILENT_FACE}). "
        f"Put {stem}.onnx in the models directory (VISAGE_MODELS_DIR)."
    )


_SPECS = (
    ModelSpec(
        name="yunet",
        filename="face_detection_yunet_2026may.onnx",
        sha256="ebafce4e3c118d6554634be5c27ab333b4c047a9a8c3faf1d7cf93101c22f0f0",
        size_bytes=229_738,
        url=f"{_ZOO}/face_detection_yunet/face_detection_yunet_2026may.onnx",
        licence="MIT (opencv_zoo)",
        role="face detector (box, score, 5 landmarks), dynamic input size",
    ),
    ModelSpec(
        name="yunet_640",
        filename="face_detection_yunet_2023mar.onnx",
        sha256="8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4",
        size_bytes=232_589,
        url=f"{_ZOO}/face_detection_yunet/face_detection_yunet_2023mar.onnx",
        licence="MIT (opencv_zoo)",
        role="face detector, fixed 640x640 input (image letterboxed)",
    ),
    ModelSpec(
        name="sface_int8bq",
        filename="face_recognition_sface_2021dec_int8bq.onnx",
        sha256="fb143eea07838aa532d1c95df5f69899974ea0140e1fba05e94204be13ed74ee",
        size_bytes=10_667_852,
        url=f"{_ZOO}/face_recognition_sface/face_recognition_sface_2021dec_int8bq.onnx",
        licence="Apache-2.0 (opencv_zoo; training data has research-use terms)",
        role="SFace 128-d face descriptor, official int8 block-quantised file",
    ),
    ModelSpec(
        name="sface_fp32",
        filename="face_recognition_sface_2021dec.onnx",
        sha256="0ba9fbfa01b5270c96627c4ef784da859931e02f04419c829e83484087c34e79",
        size_bytes=38_696_353,
        url=f"{_ZOO}/face_recognition_sface/face_recognition_sface_2021dec.onnx",
        licence="Apache-2.0 (opencv_zoo; training data has research-use terms)",
        role="SFace 128-d face descriptor, fp32",
    ),
    ModelSpec(
        name="minifasnet_v2",
        filename="2.7_80x80_MiniFASNetV2.onnx",
        sha256="4040cc4c2078ba39df8c240adf53808f6b83798546c0e8e224f75a3a7dc465bc",
        size_bytes=1_744_241,
        url=None,
        licence="Apache-2.0 (Minivision; training data has research-use terms)",
        role="passive anti-spoofing classifier, face box x2.7 crop",
        how_to_get=_minifasnet_how_to_get("2.7_80x80_MiniFASNetV2"),
    ),
    ModelSpec(
        name="minifasnet_v1se",
        filename="4_0_0_80x80_MiniFASNetV1SE.onnx",
        sha256="8c0ddfa0acf7ddd8ab77661d49489f3adddde40c7b0f6ab4a26cf50c68e0c17a",
        size_bytes=1_743_409,
        url=None,
        licence="Apache-2.0 (Minivision; training data has research-use terms)",
        role="passive anti-spoofing classifier, face box x4.0 crop",
        how_to_get=_minifasnet_how_to_get("4_0_0_80x80_MiniFASNetV1SE"),
    ),
)

MODELS: Mapping[str, ModelSpec] = MappingProxyType({spec.name: spec for spec in _SPECS})

SFACE_NAMES = ("sface_int8bq", "sface_fp32")
