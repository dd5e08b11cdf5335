"""Create the development CA and the certificates of the Visage services and the gateway.

    python -m certs.generate --out certs/out [--force] [--services detection,matching] [--san HOST ...]

Idempotent: a file set that is present, matches its key, is signed by the current CA, carries the wanted
names and is valid for more than 30 more days is kept; anything else is (re)made. For development only; see
certs/README.md for production.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from certs.pki import (
    CLIENT_ONLY,
    SERVER_AND_CLIENT,
    Issued,
    cert_pem,
    client_sans,
    key_pem,
    make_ca,
    make_leaf,
    same_key,
    sans_of,
    service_sans,
)

SERVICES = ("detection", "matching", "liveness", "identification")
CLIENTS = ("gateway",)
RENEW_BEFORE = timedelta(days=30)
KEY_MODE = 0o600
CERT_MODE = 0o644
_DNS_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


@dataclass(frozen=True)
class Outcome:
    """What happened to one file set (`<name>.pem` + `<name>.key`)."""

    name: str
    action: Literal["created", "renewed", "kept"]


def generate(
    out_dir: Path,
    services: Sequence[str] = SERVICES,
    extra_sans: Sequence[str] = (),
    force: bool = False,
    now: datetime | None = None,
) -> list[Outcome]:
    """Make or keep `ca.*`, one server set per service and one client set for the gateway in `out_dir`."""
    now = now or datetime.now(UTC)
    out_dir.mkdir(parents=True, exist_ok=True)
    outcomes: list[Outcome] = []

    ca = None if force else _load_usable(out_dir, "ca", now)
    if ca is None:
        ca = make_ca(now)
        outcomes.append(_write(out_dir, "ca", ca, chain=None))
    else:
        outcomes.append(Outcome("ca", "kept"))

    wanted = [(name, [*service_sans(name), *extra_sans], SERVER_AND_CLIENT) for name in services]
    wanted += [(name, client_sans(name), CLIENT_ONLY) for name in CLIENTS]
    for name, sans, usages in wanted:
        sans = [_normalized(s) for s in sans]
        kept = None if force else _load_usable(out_dir, name, now, ca, sans, usages)
        if kept is None:
            leaf = make_leaf(ca, name, sans, usages, now)
            outcomes.append(_write(out_dir, name, leaf, chain=ca))
        else:
            outcomes.append(Outcome(name, "kept"))
    return outcomes


def _normalized(san: str) -> str:
    try:
        return str(ipaddress.ip_address(san))
    except ValueError:
        return san.lower()


def _load_usable(
    out_dir: Path,
    name: str,
    now: datetime,
    ca: Issued | None = None,
    sans: Sequence[str] = (),
    usages: Sequence[x509.ObjectIdentifier] = (),
) -> Issued | None:
    """The file set `name` if it can stay as it is, else None."""
    cert_path, key_path = out_dir / f"{name}.pem", out_dir / f"{name}.key"
    if not (cert_path.is_file() and key_path.is_file()):
        return None
    try:
        chain = x509.load_pem_x509_certificates(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except ValueError:
        return None
    cert = chain[0]
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not same_key(cert, key):
        return None
    if cert.not_valid_after_utc - now <= RENEW_BEFORE:
        return None
    if ca is not None:
        try:
            cert.verify_directly_issued_by(ca.cert)
            eku = set(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
        except (InvalidSignature, ValueError, TypeError, x509.ExtensionNotFound):
            return None
        if chain[1:] != [ca.cert] or not set(sans) <= sans_of(cert) or eku != set(usages):
            return None
    return Issued(cert, key)


def _write(out_dir: Path, name: str, issued: Issued, chain: Issued | None) -> Outcome:
    existed = (out_dir / f"{name}.pem").exists() or (out_dir / f"{name}.key").exists()
    # Key first: an interrupted run leaves a mismatching pair, which the next run replaces.
    _write_file(out_dir / f"{name}.key", key_pem(issued.key), KEY_MODE)
    pem = cert_pem(issued.cert) + (cert_pem(chain.cert) if chain else b"")
    _write_file(out_dir / f"{name}.pem", pem, CERT_MODE)
    return Outcome(name, "renewed" if existed else "created")


def _write_file(path: Path, data: bytes, mode: int) -> None:
    """Write via a temporary file created with `mode`, so a key is never readable by others, even briefly."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.write(fd, data)
        os.fchmod(fd, mode)  # the umask may have narrowed a certificate's 0644
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _service_list(value: str) -> list[str]:
    names = [n.strip() for n in value.split(",") if n.strip()]
    for name in names:
        if not _DNS_LABEL.match(name) or name in ("ca", *CLIENTS):
            raise argparse.ArgumentTypeError(f"not a usable service name: {name!r}")
    return names


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m certs.generate", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("certs/out"), help="output directory")
    parser.add_argument("--force", action="store_true", help="regenerate everything, including the CA")
    parser.add_argument(
        "--services", type=_service_list, default=list(SERVICES), help="comma-separated service names"
    )
    parser.add_argument(
        "--san",
        action="append",
        default=[],
        help="extra DNS name or IP for every service certificate (repeatable, or comma-separated)",
    )
    args = parser.parse_args(argv)
    extra = [s.strip() for value in args.san for s in value.split(",") if s.strip()]
    for outcome in generate(args.out, args.services, extra, force=args.force):
        print(f"{outcome.action:8} {args.out / outcome.name}.pem")
    print("Development certificates only; see certs/README.md for production.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
