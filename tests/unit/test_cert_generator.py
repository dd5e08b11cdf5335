"""`certs.generate`: what it makes, and that a second run keeps what is still good."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from certs.generate import SERVICES, generate, main
from certs.pki import sans_of

pytestmark = pytest.mark.unit

ALL = ("ca", *SERVICES, "gateway")


def load(path: Path) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(path.read_bytes())


def contents(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("certs")
    generate(directory)
    return directory


def test_keys_are_private_and_certificates_readable(out: Path) -> None:
    for name in ALL:
        assert stat.S_IMODE((out / f"{name}.key").stat().st_mode) == 0o600
        assert stat.S_IMODE((out / f"{name}.pem").stat().st_mode) == 0o644


def test_ca_signs_leaves_only_for_five_years(out: Path) -> None:
    (ca,) = load(out / "ca.pem")
    constraints = ca.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca and constraints.value.path_length == 0
    assert ca.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    lifetime = ca.not_valid_after_utc - ca.not_valid_before_utc
    assert timedelta(days=5 * 365) <= lifetime < timedelta(days=5 * 366)


@pytest.mark.parametrize("service", SERVICES)
def test_service_certificate_is_chained_and_names_the_service_everywhere(out: Path, service: str) -> None:
    leaf, chained_ca = load(out / f"{service}.pem")
    (ca,) = load(out / "ca.pem")
    assert chained_ca == ca
    leaf.verify_directly_issued_by(ca)
    assert sans_of(leaf) >= {
        "localhost",
        "127.0.0.1",
        "::1",
        service,
        f"{service}.visage",
        f"{service}.visage.svc",
        f"{service}.visage.svc.cluster.local",
    }
    usages = set(leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    assert usages == {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH}


def test_gateway_certificate_is_for_clients_only(out: Path) -> None:
    leaf, _ = load(out / "gateway.pem")
    usages = set(leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    assert usages == {ExtendedKeyUsageOID.CLIENT_AUTH}


def test_second_run_keeps_every_file(tmp_path: Path) -> None:
    generate(tmp_path)
    before = contents(tmp_path)
    outcomes = generate(tmp_path)
    assert {o.action for o in outcomes} == {"kept"}
    assert contents(tmp_path) == before


def test_force_replaces_everything_including_the_ca(tmp_path: Path) -> None:
    generate(tmp_path)
    before = contents(tmp_path)
    outcomes = generate(tmp_path, force=True)
    assert {o.action for o in outcomes} == {"renewed"}
    after = contents(tmp_path)
    assert all(after[name] != before[name] for name in before)


def test_certificates_expiring_within_30_days_are_renewed(tmp_path: Path) -> None:
    # Made 340 days ago: leaves (1 year) have 25 days left, the CA (5 years) is fine.
    generate(tmp_path, now=datetime.now(UTC) - timedelta(days=340))
    outcomes = {o.name: o.action for o in generate(tmp_path)}
    assert outcomes == {"ca": "kept", **{name: "renewed" for name in (*SERVICES, "gateway")}}
    leaf, _ = load(tmp_path / "detection.pem")
    assert leaf.not_valid_after_utc > datetime.now(UTC) + timedelta(days=300)


def test_missing_key_remakes_that_pair_only(tmp_path: Path) -> None:
    generate(tmp_path)
    (tmp_path / "matching.key").unlink()
    outcomes = {o.name: o.action for o in generate(tmp_path)}
    assert outcomes["matching"] == "renewed"
    assert [name for name, action in outcomes.items() if action != "kept"] == ["matching"]


def test_new_ca_reissues_every_leaf(tmp_path: Path) -> None:
    generate(tmp_path)
    (tmp_path / "ca.key").unlink()
    generate(tmp_path)
    (ca,) = load(tmp_path / "ca.pem")
    for name in (*SERVICES, "gateway"):
        load(tmp_path / f"{name}.pem")[0].verify_directly_issued_by(ca)


def test_cli_adds_extra_names_and_makes_only_the_services_asked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--out", str(tmp_path), "--services", "detection", "--san", "face.example.org,10.1.2.3"]
    assert main(args) == 0
    assert sorted(p.name for p in tmp_path.glob("*.pem")) == ["ca.pem", "detection.pem", "gateway.pem"]
    assert {"face.example.org", "10.1.2.3"} <= sans_of(load(tmp_path / "detection.pem")[0])
    assert "created" in capsys.readouterr().out


def test_cli_refuses_a_service_name_that_is_not_a_dns_label(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        main(["--out", str(tmp_path), "--services", "Detection_Service"])
