"""MatchingService over real mTLS: in-process on the shared engine, and as `python -m services.matching`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import numpy as np
import pytest
from visage.matching.v1 import descriptors_pb2, matching_pb2, matching_pb2_grpc

from libs.errors import CorruptImageError, ImagesCountLimitError, TooFewImagesError
from libs.faces import FaceEngine
from libs.rpc import ServerSettings, TLSFiles, error_from_rpc
from services.matching.service import assemble
from services.matching.servicer import SERVICE_NAME
from services.matching.settings import MatchingSettings
from tests.integration.service_support import served_description, serving_in_process, serving_subprocess

pytestmark = pytest.mark.integration

KATY_1 = "deepface/tests/unit/dataset/img27.jpg"
KATY_2 = "deepface/tests/unit/dataset/img28.jpg"
OTHER = "deepface/tests/unit/dataset/img18.jpg"  # someone else
TRUNCATED = "compreface/embedding-calculator/src/services/imgtools/test/files/truncated.jpg"


@pytest.fixture
async def channel(
    face_engine: FaceEngine, dev_certs: Path, gateway_tls: TLSFiles
) -> AsyncIterator[grpc.aio.Channel]:
    tls = TLSFiles.in_directory(dev_certs, "matching")
    settings = MatchingSettings(server=ServerSettings(port=0), tls=tls)
    async with (
        assemble(settings, face_engine) as service,
        serving_in_process(service.rpc, gateway_tls) as channel,
    ):
        yield channel


@pytest.fixture
def stub(channel: grpc.aio.Channel) -> matching_pb2_grpc.MatchingServiceStub:
    return matching_pb2_grpc.MatchingServiceStub(channel)


def image(faces_dir: Path, name: str, **fields: object) -> matching_pb2.MatchImage:
    return matching_pb2.MatchImage(data=(faces_dir / name).read_bytes(), **fields)  # type: ignore[arg-type]


async def test_match_scores_the_same_person_above_a_different_one(
    stub: matching_pb2_grpc.MatchingServiceStub, faces_dir: Path
) -> None:
    images = [image(faces_dir, KATY_1), image(faces_dir, KATY_2, type=1), image(faces_dir, OTHER, type=1)]
    response = await stub.Match(matching_pb2.MatchRequest(images=images), timeout=30)

    assert response.code == 0
    assert [(d.image_index, d.status, len(d.faces)) for d in response.detections] == [
        (0, 0, 1),
        (1, 0, 1),
        (2, 0, 1),
    ]
    pairs = {(r.first_index, r.second_index): r for r in response.results}
    assert set(pairs) == {(0, 1), (0, 2), (1, 2)}
    assert pairs[0, 1].score < pairs[0, 2].score and pairs[0, 1].similarity > 0.5 > pairs[0, 2].similarity
    assert (pairs[0, 1].first, pairs[0, 1].second) == (3, 1)  # the absent type became LIVE
    face = response.detections[0].faces[0]
    assert len(face.landmarks) == 5 and len(face.roi) == 4 and not face.HasField("crop")


@pytest.mark.parametrize(
    ("names", "error_class", "result_code", "message"),
    [
        ([KATY_1], TooFewImagesError, 224, "at least 2 images"),
        ([KATY_1, KATY_2, OTHER], ImagesCountLimitError, 238, "at most 2 images of one type"),
        ([KATY_1, TRUNCATED], CorruptImageError, 6, "images[1]: image is truncated"),
    ],
)
async def test_refused_requests_are_invalid_argument_with_their_regula_code(
    stub: matching_pb2_grpc.MatchingServiceStub,
    faces_dir: Path,
    names: list[str],
    error_class: type,
    result_code: int,
    message: str,
) -> None:
    request = matching_pb2.MatchRequest(images=[image(faces_dir, name) for name in names])
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await stub.Match(request, timeout=30)

    assert failed.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert message in (failed.value.details() or "")
    error = error_from_rpc(failed.value)
    assert type(error) is error_class and error.result_code == result_code and error.http_status == 400


async def test_compute_descriptors_reports_a_bad_image_in_its_status(
    stub: matching_pb2_grpc.MatchingServiceStub, faces_dir: Path
) -> None:
    images = [
        descriptors_pb2.DescriptorImage(data=(faces_dir / name).read_bytes())
        for name in (KATY_1, TRUNCATED, KATY_2)
    ]
    response = await stub.ComputeDescriptors(
        descriptors_pb2.ComputeDescriptorsRequest(images=images), timeout=30
    )

    assert response.model == "sface_int8bq"
    assert [(i.status, len(i.faces)) for i in response.images] == [(0, 1), (6, 0), (0, 1)]
    first, second = (np.array(i.faces[0].descriptor) for i in (response.images[0], response.images[2]))
    assert len(first) == 128 and np.linalg.norm(first) == pytest.approx(1.0, abs=1e-5)
    assert float(first @ second) > 0.38  # the same person
    assert (response.images[0].width, response.images[0].height) == (745, 465)


async def test_health_is_serving_and_reflection_describes_the_service(channel: grpc.aio.Channel) -> None:
    described = await served_description(channel, SERVICE_NAME)

    assert described.serving
    assert SERVICE_NAME in described.services
    assert "visage/matching/v1/matching.proto" in described.file_names


async def test_python_m_services_matching_serves_then_exits_0_on_sigterm(
    dev_certs: Path, gateway_tls: TLSFiles, models_dir: Path, faces_dir: Path
) -> None:
    async with serving_subprocess("matching", SERVICE_NAME, dev_certs, gateway_tls, models_dir) as run:
        request = matching_pb2.MatchRequest(
            images=[image(faces_dir, KATY_1), image(faces_dir, KATY_2, type=1)]
        )
        response = await matching_pb2_grpc.MatchingServiceStub(run.channel).Match(request, timeout=30)
        assert len(response.results) == 1

    assert run.code == 0, run.output
    assert run.seconds < 5, run.output
