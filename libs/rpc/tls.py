"""mTLS credentials from PEM files: every Visage connection authenticates both ends."""

from __future__ import annotations

import logging
from pathlib import Path

import grpc
from pydantic import BaseModel, ConfigDict

_log = logging.getLogger(__name__)


class TLSFiles(BaseModel):
    """The three PEM files one process needs: the CA it trusts, its certificate chain and its key."""

    model_config = ConfigDict(frozen=True)

    ca: Path
    cert: Path
    key: Path

    @classmethod
    def in_directory(cls, directory: Path, name: str) -> TLSFiles:
        """The layout `certs.generate` writes: `ca.pem`, `<name>.pem`, `<name>.key`."""
        return cls(ca=directory / "ca.pem", cert=directory / f"{name}.pem", key=directory / f"{name}.key")

    def read(self) -> tuple[bytes, bytes, bytes]:
        """(ca, cert chain, key) bytes; a missing file is named in the error together with the fix."""
        return _read(self.ca, "CA certificate"), _read(self.cert, "certificate"), _read(self.key, "key")


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(
            f"TLS {what} file not found: {path} (run `make certs` for development, "
            "or point the TLS settings at your own PKI's files)"
        ) from None


def server_credentials(files: TLSFiles) -> grpc.ServerCredentials:
    """Server side of mTLS: clients must present a certificate signed by `files.ca`.

    The files are looked at again when a connection is made, and read again when they changed: a renewed
    certificate (cert-manager, `make certs`) is served to new connections without a restart, while open
    connections keep the one they started with. A renewal caught half-written is skipped until it is whole.
    """
    initial = _configuration(files)
    seen = {"stamp": stamp_of(files)}

    def fetch() -> grpc.ServerCertificateConfiguration | None:
        stamp = stamp_of(files)
        if stamp == seen["stamp"]:
            return None  # unchanged: gRPC keeps the current configuration
        try:
            configuration = _configuration(files)
        except (OSError, ValueError) as error:
            _log.warning("TLS files changed but cannot be read yet (%s); the previous ones stay", error)
            return None
        seen["stamp"] = stamp
        _log.info("TLS certificate reloaded from %s", files.cert)
        return configuration

    return grpc.dynamic_ssl_server_credentials(initial, fetch, require_client_authentication=True)


def _configuration(files: TLSFiles) -> grpc.ServerCertificateConfiguration:
    ca, chain, key = files.read()
    if b"PRIVATE KEY" not in key or b"CERTIFICATE" not in chain:
        raise ValueError(f"{files.cert} or {files.key} is not a whole PEM file")
    return grpc.ssl_server_certificate_configuration([(key, chain)], root_certificates=ca)


def stamp_of(files: TLSFiles) -> tuple[tuple[int, int], ...]:
    """When and how big each file is: a cheap test of "changed" at every new connection."""
    stamps = []
    for path in (files.ca, files.cert, files.key):
        try:
            status = path.stat()
            stamps.append((status.st_mtime_ns, status.st_size))
        except OSError:
            stamps.append((-1, -1))
    return tuple(stamps)


def channel_credentials(files: TLSFiles) -> grpc.ChannelCredentials:
    """Client side of mTLS: trust only `files.ca` and present our own certificate."""
    ca, chain, key = files.read()
    return grpc.ssl_channel_credentials(root_certificates=ca, private_key=key, certificate_chain=chain)
