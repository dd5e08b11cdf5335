"""mTLS credentials from PEM files: every Visage connection authenticates both ends."""

from __future__ import annotations

from pathlib import Path

import grpc
from pydantic import BaseModel, ConfigDict


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
    """Server side of mTLS: clients must present a certificate signed by `files.ca`."""
    ca, chain, key = files.read()
    return grpc.ssl_server_credentials([(key, chain)], root_certificates=ca, require_client_auth=True)


def channel_credentials(files: TLSFiles) -> grpc.ChannelCredentials:
    """Client side of mTLS: trust only `files.ca` and present our own certificate."""
    ca, chain, key = files.read()
    return grpc.ssl_channel_credentials(root_certificates=ca, private_key=key, certificate_chain=chain)
