"""Regula's own Python client (regula-facesdk-webclient) against the gateway: it must notice no difference."""

from __future__ import annotations

from pathlib import Path

import pytest
from regula.facesdk.webclient.ext import DetectRequest, FaceSdk, MatchImage, MatchRequest
from regula.facesdk.webclient.gen import ApiException
from regula.facesdk.webclient.gen.models import (
    AttributeConfig,
    DetectAttributesDetails,
    DetectDetailsMeta,
    FaceSDKResultCode,
    ImageSource,
    ProcessParam,
    ProcessParamAttributes,
)

from services.launcher import Platform
from tests.e2e.conftest import regula_sdk

pytestmark = pytest.mark.e2e

KATY_1 = "deepface/tests/unit/dataset/img42.jpg"
KATY_2 = "deepface/tests/unit/dataset/img27.jpg"
OTHER = "deepface/tests/unit/dataset/img18.jpg"
GROUP = "compreface/embedding-calculator/sample_images/010_2.jpg"
HAPPY = "face-api.js/examples/images/happy.jpg"


@pytest.fixture(scope="module")
def sdk(platform: Platform) -> FaceSdk:
    return regula_sdk(platform)


def test_regula_client_detects_faces(sdk: FaceSdk, faces_dir: Path) -> None:
    request = DetectRequest(
        image=(faces_dir / GROUP).read_bytes(), process_param=ProcessParam(onlyCentralFace=False)
    )
    response = sdk.match_api.detect(request, x_request_id="regula-client-1")
    assert response.code == FaceSDKResultCode.FACER_OK
    assert len(response.results.detections) == 2
    for detection in response.results.detections:
        assert len(detection.landmarks) == 5 and len(detection.roi) == 4


def test_regula_client_matches_faces(sdk: FaceSdk, faces_dir: Path) -> None:
    images = [
        MatchImage(index=1, type=ImageSource.LIVE, data=(faces_dir / KATY_1).read_bytes()),
        MatchImage(index=2, type=ImageSource.DOCUMENT_PRINTED, data=(faces_dir / KATY_2).read_bytes()),
        MatchImage(index=3, type=ImageSource.DOCUMENT_PRINTED, data=(faces_dir / OTHER).read_bytes()),
    ]
    response = sdk.match_api.match(MatchRequest(images=images))
    assert response.code == FaceSDKResultCode.FACER_OK
    assert [d.image_index for d in response.detections] == [1, 2, 3]
    by_pair = {(r.first_index, r.second_index): r for r in response.results}
    assert set(by_pair) == {(1, 2), (1, 3), (2, 3)}
    assert (
        by_pair[(1, 2)].first == ImageSource.LIVE and by_pair[(1, 2)].second == ImageSource.DOCUMENT_PRINTED
    )
    assert by_pair[(1, 2)].similarity > max(by_pair[(1, 3)].similarity, by_pair[(2, 3)].similarity)


def test_regula_client_sees_errors_as_http_errors(sdk: FaceSdk, faces_dir: Path) -> None:
    one = [MatchImage(index=0, type=ImageSource.LIVE, data=(faces_dir / KATY_1).read_bytes())]
    with pytest.raises(ApiException) as caught:
        sdk.match_api.match(MatchRequest(images=one))
    assert caught.value.status == 400 and '"statusCode":400' in caught.value.body


def test_regula_client_health_check(sdk: FaceSdk) -> None:
    info = sdk.healthcheck.healthz()
    assert info.app and info.version and info.license_id is None


def test_regula_client_reads_the_attributes(sdk: FaceSdk, faces_dir: Path) -> None:
    asked = ProcessParamAttributes(
        config=[AttributeConfig(name=name) for name in ("Age", "Emotion", "Glasses")]
    )
    request = DetectRequest(
        image=(faces_dir / HAPPY).read_bytes(),
        process_param=ProcessParam(onlyCentralFace=True, attributes=asked),
    )
    response = sdk.match_api.detect(request)
    (detection,) = response.results.detections
    age, emotion, glasses = detection.attributes.details
    assert isinstance(age, DetectAttributesDetails) and len(age.value) == 2
    assert isinstance(emotion, DetectDetailsMeta) and emotion.value == "happy" and emotion.confidence > 0.9
    assert isinstance(glasses, DetectDetailsMeta) and glasses.value == "undetermined"
