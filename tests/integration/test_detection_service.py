"""DetectionService over real mTLS: in-process on the shared engine, and as `python -m services.detection`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from visage.common.v1 import image_pb2
from visage.detection.v1 import detection_pb2, detection_pb2_grpc, params_pb2

from libs.errors import CorruptImageError
from libs.faces import FaceEngine
from libs.imaging import decode_image
from libs.rpc import ServerSettings, TLSFiles, error_from_rpc
from services.detection.service import assemble
from services.detection.servicer import SERVICE_NAME
from services.detection.settings import DetectionSettings
from tests.integration.service_support import served_description, serving_in_process, serving_subprocess

pytestmark = pytest.mark.integration

GROUP_OF_8 = "compreface/embedding-calculator/sample_images/016_8.jpg"
TRUNCATED = "compreface/embedding-calculator/src/services/imgtools/test/files/truncated.jpg"


@pytest.fixture
async def channel(
    face_engine: FaceEngine, dev_certs: Path, gateway_tls: TLSFiles
) -> AsyncIterator[grpc.aio.Channel]:
    settings = DetectionSettings(
        server=ServerSettings(port=0), tls=TLSFiles.in_directory(dev_certs, "detection")
    )
    async with (
        assemble(settings, face_engine) as service,
        serving_in_process(service.rpc, gateway_tls) as channel,
    ):
        yield channel


async def test_detect_finds_every_face_with_landmarks_inside_its_box(
    channel: grpc.aio.Channel, faces_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    stub = detection_pb2_grpc.DetectionServiceStub(channel)
    request = detection_pb2.DetectRequest(image=(faces_dir / GROUP_OF_8).read_bytes(), tag="session-1")
    with caplog.at_level(logging.INFO, logger="visage.calls"):
        response = await stub.Detect(request, metadata=[("x-request-id", "req-42")], timeout=30)

    assert response.code == 0
    assert len(response.results.detections) == 8
    for detection in response.results.detections:
        x, y, w, h = detection.roi
        assert len(detection.landmarks) == 5
        assert all(x <= p.x <= x + w and y <= p.y <= y + h for p in detection.landmarks)
        # Not asked for, so absent (Regula leaves the keys out).
        assert not detection.HasField("crop") and not detection.HasField("quality")
    assert response.results.landmarks_type == 2 and not response.results.HasField("scenario")
    assert response.results.elapsed_time > 0
    assert any("req-42" in r.getMessage() and "session-1" in r.getMessage() for r in caplog.records)


async def test_detect_returns_the_central_portrait_at_the_requested_size(
    channel: grpc.aio.Channel, faces_dir: Path
) -> None:
    crop = image_pb2.Crop(type=0, size=[300, 400], pad_color=[255, 255, 255])
    params = params_pb2.ProcessParam(
        only_central_face=True, output_image_params=image_pb2.OutputImageParams(crop=crop)
    )
    request = detection_pb2.DetectRequest(image=(faces_dir / GROUP_OF_8).read_bytes(), process_param=params)
    response = await detection_pb2_grpc.DetectionServiceStub(channel).Detect(request, timeout=30)

    (detection,) = response.results.detections
    assert decode_image(detection.crop).shape == (400, 300, 3)


async def test_a_broken_image_is_invalid_argument_with_a_clear_message(
    channel: grpc.aio.Channel, faces_dir: Path
) -> None:
    request = detection_pb2.DetectRequest(image=(faces_dir / TRUNCATED).read_bytes())
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await detection_pb2_grpc.DetectionServiceStub(channel).Detect(request, timeout=30)

    assert failed.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "truncated" in (failed.value.details() or "")
    error = error_from_rpc(failed.value)
    assert isinstance(error, CorruptImageError) and error.http_status == 400 and error.result_code == 6


async def test_health_is_serving_and_reflection_describes_the_service(channel: grpc.aio.Channel) -> None:
    described = await served_description(channel, SERVICE_NAME)

    assert described.serving
    assert SERVICE_NAME in described.services
    assert "visage/detection/v1/detection.proto" in described.file_names


async def test_python_m_services_detection_serves_then_exits_0_on_sigterm(
    dev_certs: Path, gateway_tls: TLSFiles, models_dir: Path, faces_dir: Path
) -> None:
    async with serving_subprocess("detection", SERVICE_NAME, dev_certs, gateway_tls, models_dir) as run:
        request = detection_pb2.DetectRequest(image=(faces_dir / GROUP_OF_8).read_bytes())
        response = await detection_pb2_grpc.DetectionServiceStub(run.channel).Detect(request, timeout=30)
        assert len(response.results.detections) == 8

    assert run.code == 0, run.output
    assert run.seconds < 5, run.output


async def test_attributes_over_grpc_and_without_the_attribute_models(
    channel: grpc.aio.Channel, dev_certs: Path, gateway_tls: TLSFiles, models_dir: Path, faces_dir: Path
) -> None:
    happy = (faces_dir / "face-api.js/examples/images/happy.jpg").read_bytes()
    asked = params_pb2.ProcessParam(
        attributes=params_pb2.AttributesRequest(
            config=[params_pb2.AttributeConfig(name=name) for name in ("Age", "Emotion", "Glasses")]
        )
    )
    request = detection_pb2.DetectRequest(image=happy, process_param=asked)
    (face,) = (
        await detection_pb2_grpc.DetectionServiceStub(channel).Detect(request, timeout=30)
    ).results.detections
    age, emotion, glasses = face.attributes.details
    assert len(age.value.list_value.values) == 2 and not age.HasField("confidence")
    assert (emotion.value.string_value, glasses.value.string_value) == ("happy", "undetermined")

    # A service told not to load the attribute models starts on YuNet alone and says what it cannot tell.
    settings = DetectionSettings(
        server=ServerSettings(port=0),
        tls=TLSFiles.in_directory(dev_certs, "detection"),
        attributes=False,
        models={"dir": models_dir},
    )
    async with assemble(settings) as service, serving_in_process(service.rpc, gateway_tls) as bare:
        for step in service.ready:
            await step()
        (face,) = (
            await detection_pb2_grpc.DetectionServiceStub(bare).Detect(request, timeout=30)
        ).results.detections
    assert [d.value.string_value for d in face.attributes.details] == ["undetermined"] * 3
