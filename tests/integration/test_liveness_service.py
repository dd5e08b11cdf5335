"""LivenessService over real mTLS, in-process on the shared engine with embedded stores: the native (client
certificate) listener, the signed protocol's refusals as gRPC statuses, and matching resolving
`livenessTransactionId` through `GetTransactionPortrait`."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from visage.liveness.v1 import liveness_pb2, liveness_pb2_grpc
from visage.matching.v1 import matching_pb2, matching_pb2_grpc

from libs.errors import LivenessAlreadySubmittedError, LivenessNotConfirmedError, LivenessSignatureError
from libs.faces import FaceEngine
from libs.liveness.signing import sign_submission, transaction_key
from libs.rpc import ServerSettings, TLSFiles, error_from_rpc, secure_channel, wait_healthy
from libs.stores.factory import StoreSettings
from services.liveness.service import assemble as assemble_liveness
from services.liveness.servicer import SERVICE_NAME
from services.liveness.settings import LivenessSettings
from services.matching.service import assemble as assemble_matching
from services.matching.settings import MatchingSettings
from tests.integration.service_support import (
    free_port,
    service_env,
    service_process,
    serving_in_process,
    stop_with_sigterm,
)
from tests.liveness_support import LIVE_SAMPLE, SCREEN_ATTACK, capture_frames

pytestmark = pytest.mark.integration


@dataclass
class Running:
    port: int
    data_dir: Path
    stub: liveness_pb2_grpc.LivenessServiceStub


@pytest.fixture
async def liveness(
    face_engine: FaceEngine, dev_certs: Path, gateway_tls: TLSFiles, tmp_path: Path
) -> AsyncIterator[Running]:
    settings = LivenessSettings(
        server=ServerSettings(port=0),
        tls=TLSFiles.in_directory(dev_certs, "liveness"),
        stores=StoreSettings(data_dir=tmp_path),
    )
    async with (
        assemble_liveness(settings, face_engine) as service,
        serving_in_process(service.rpc, gateway_tls) as channel,
    ):
        yield Running(service.rpc.port, tmp_path, liveness_pb2_grpc.LivenessServiceStub(channel))


async def test_the_listener_refuses_clients_without_a_certificate_from_our_ca(
    liveness: Running, dev_certs: Path
) -> None:
    ca = (dev_certs / "ca.pem").read_bytes()
    anonymous = grpc.ssl_channel_credentials(root_certificates=ca)  # trusts the server, shows no certificate
    async with grpc.aio.secure_channel(f"127.0.0.1:{liveness.port}", anonymous) as channel:
        stub = liveness_pb2_grpc.LivenessServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.CheckLiveness(liveness_pb2.CheckLivenessRequest(frames=[b"x"]), timeout=10)
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE  # the TLS handshake fails


async def test_a_native_client_checks_liveness_in_one_call(liveness: Running, faces_dir: Path) -> None:
    request = liveness_pb2.CheckLivenessRequest(
        tag="native-app", frames=capture_frames(faces_dir, LIVE_SAMPLE)
    )
    request.metadata.update({"platform": "android"})
    answer = await liveness.stub.CheckLiveness(request, timeout=60)
    transaction = answer.transaction
    assert (transaction.status, transaction.code, transaction.tag) == (0, 0, "native-app")
    assert answer.score > 0.99 and transaction.portrait.endswith("name=portrait")

    portrait = await liveness.stub.GetTransactionPortrait(
        liveness_pb2.GetTransactionPortraitRequest(transaction_id=transaction.transaction_id), timeout=10
    )
    assert portrait.content_type == "image/jpeg" and portrait.portrait.startswith(b"\xff\xd8")
    assert (liveness.data_dir / "liveness.db").is_file()
    assert oct((liveness.data_dir / "liveness.secret").stat().st_mode & 0o777) == "0o600"


async def test_protocol_refusals_travel_as_their_domain_errors(liveness: Running, faces_dir: Path) -> None:
    started = await liveness.stub.StartLivenessTransaction(
        liveness_pb2.StartLivenessTransactionRequest(type=0), timeout=10
    )
    assert len(started.challenge) in (2, 3) and started.min_frames == 3
    frames = capture_frames(faces_dir, LIVE_SAMPLE)
    nonce = secrets.token_urlsafe(16)
    signature = sign_submission(bytes.fromhex(started.key), started.transaction_id, nonce, frames)
    request = liveness_pb2.SubmitLivenessTransactionRequest(
        transaction_id=started.transaction_id, nonce=nonce, frames=frames, signature=signature
    )
    tampered = liveness_pb2.SubmitLivenessTransactionRequest()
    tampered.CopyFrom(request)
    tampered.frames[0] = frames[1]
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await liveness.stub.SubmitLivenessTransaction(tampered, timeout=60)
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert isinstance(error_from_rpc(refused.value), LivenessSignatureError)

    decided = await liveness.stub.SubmitLivenessTransaction(request, timeout=60)
    # A still photo turns no head: the active challenge fails, whatever the passive score says.
    assert (decided.transaction.status, list(decided.transaction.failed_checks)) == (1, ["challenge"])
    with pytest.raises(grpc.aio.AioRpcError) as replayed:
        await liveness.stub.SubmitLivenessTransaction(request, timeout=60)
    assert replayed.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert isinstance(error_from_rpc(replayed.value), LivenessAlreadySubmittedError)


async def test_matching_uses_the_portrait_of_a_confirmed_transaction(
    liveness: Running, face_engine: FaceEngine, dev_certs: Path, gateway_tls: TLSFiles, faces_dir: Path
) -> None:
    live = await liveness.stub.CheckLiveness(
        liveness_pb2.CheckLivenessRequest(frames=capture_frames(faces_dir, LIVE_SAMPLE)), timeout=60
    )
    spoof = await liveness.stub.CheckLiveness(
        liveness_pb2.CheckLivenessRequest(frames=capture_frames(faces_dir, SCREEN_ATTACK)), timeout=60
    )
    settings = MatchingSettings(
        server=ServerSettings(port=0),
        tls=TLSFiles.in_directory(dev_certs, "matching"),
        liveness_target=f"127.0.0.1:{liveness.port}",
    )
    async with (
        assemble_matching(settings, face_engine) as service,
        serving_in_process(service.rpc, gateway_tls) as channel,
    ):
        matching = matching_pb2_grpc.MatchingServiceStub(channel)
        photo = matching_pb2.MatchImage(data=(faces_dir / LIVE_SAMPLE).read_bytes())
        by_id = matching_pb2.MatchImage(liveness_transaction_id=live.transaction.transaction_id)
        answer = await matching.Match(matching_pb2.MatchRequest(images=[by_id, photo]), timeout=60)
        assert answer.results[0].similarity > 0.9

        refused_id = matching_pb2.MatchImage(liveness_transaction_id=spoof.transaction.transaction_id)
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await matching.Match(matching_pb2.MatchRequest(images=[refused_id, photo]), timeout=60)
        error = error_from_rpc(refused.value)
        assert isinstance(error, LivenessNotConfirmedError) and error.http_status == 400
        assert "did not confirm liveness (status 1, code 254)" in error.message


async def test_python_m_services_liveness_serves_keeps_its_data_and_exits_0_on_sigterm(
    dev_certs: Path, gateway_tls: TLSFiles, models_dir: Path, faces_dir: Path, tmp_path: Path
) -> None:
    port = free_port()
    env = service_env("VISAGE_LIVENESS_", dev_certs, "liveness", port, models_dir)
    env["VISAGE_LIVENESS_STORES__DATA_DIR"] = str(tmp_path)
    env["VISAGE_LIVENESS_SECRET_KEY"] = "a-secret-from-the-environment"
    with service_process("services.liveness", env) as process:
        async with secure_channel(f"127.0.0.1:{port}", gateway_tls) as channel:
            await wait_healthy(channel, SERVICE_NAME, timeout=60)
            stub = liveness_pb2_grpc.LivenessServiceStub(channel)
            started = await stub.StartLivenessTransaction(
                liveness_pb2.StartLivenessTransactionRequest(), timeout=10
            )
            expected = transaction_key(b"a-secret-from-the-environment", started.transaction_id).hex()
            assert started.key == expected  # the configured secret, not a generated one
        code, seconds, output = stop_with_sigterm(process)
    assert code == 0, output
    assert seconds < 5, output
    assert (tmp_path / "liveness.db").is_file() and not (tmp_path / "liveness.secret").exists()
    assert "a-secret-from-the-environment" not in output
