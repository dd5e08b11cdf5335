"""The soak's platform: real stores (PostgreSQL, a Milvus server, moto S3) and the four services plus the
gateway as separate processes, each of which the soak can kill and start again.

PostgreSQL is the machine's (127.0.0.1:5432, trust auth), with a fresh database per run; Milvus is the
standalone binary of the test suite (`tests/milvus_server.py`); S3 is moto behind a relay
(`bench/tcp_proxy.py`) that stands for the S3 server in outages, because moto forgets its objects when killed.
Liveness keeps its own data embedded under the run's folder: the load does not use it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil

from bench import BenchSettings
from bench.common import free_port
from bench.deployment import service_environment
from certs.generate import generate
from libs.auth.store import KeyStoreSettings
from libs.stores.factory import StoreSettings
from services.launcher import LauncherSettings, Platform, running_platform
from tests.milvus_server import MilvusStandaloneServer
from tests.stores_support import MotoS3Server, PostgresTestDatabase, ServerProcess, http_ok

SERVICES = ("detection", "matching", "liveness", "identification")
BUCKET = "visage-soak"
COLLECTION = "soak"


@dataclass(frozen=True)
class SoakTimings:
    """What the platform is configured with, so the soak can hold it to it."""

    deadline_seconds: float = 30.0  # the gateway's call deadline (its default)
    store_timeout_seconds: float = (
        5.0  # one store call (the default; at 3 s, moto listed 1 000 keys too slowly)
    )
    write_step_seconds: float = 5.0  # one step of a write (identification's store_timeout_seconds)
    reconcile_period_seconds: float = 5.0
    orphan_scan_period_seconds: float = 20.0
    pending_grace_seconds: float = 20.0  # an add older than this, still pending, is removed


class S3Relay(ServerProcess):
    """The S3 endpoint the platform sees: `bench/tcp_proxy.py` in front of moto."""

    name = "S3 relay"

    def __init__(self, log_path: Path, moto: MotoS3Server) -> None:
        super().__init__(log_path)
        self.moto = moto
        self.port = free_port()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> tuple[list[str], dict[str, str], Path | None]:
        args = [sys.executable, "-m", "bench.tcp_proxy", str(self.port), str(self.moto.port)]
        return args, dict(os.environ), Path(__file__).resolve().parent.parent

    def is_ready(self) -> bool:
        return http_ok(f"{self.endpoint}/moto-api/")


@dataclass
class SoakPlatform:
    platform: Platform
    database: PostgresTestDatabase
    milvus: MilvusStandaloneServer
    moto: MotoS3Server
    s3: S3Relay
    stores: StoreSettings  # what identification uses; the audit opens the same stores
    timings: SoakTimings

    @property
    def api_url(self) -> str:
        return self.platform.api_url

    @property
    def api_key(self) -> str:
        return self.platform.keys.admin

    def kill(self, name: str) -> None:
        """SIGKILL one of the platform's processes (no graceful stop)."""
        process = self.platform.processes[name]
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def terminate_database_backends(self) -> int:
        """Every PostgreSQL connection to the run's database is terminated; how many there were."""
        sql = (
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            f"WHERE datname = '{self.database.name}' AND pid <> pg_backend_pid()"
        )
        args = ["psql", "-h", self.database.host, "-p", str(self.database.port), "-U", self.database.user]
        out = subprocess.run(
            [*args, "-d", "postgres", "-tAc", sql], capture_output=True, text=True, check=True
        )
        return int(out.stdout.strip() or 0)

    def resident_mib(self) -> dict[str, float]:
        """RSS of each platform process now (restarted ones under the same name), and of the store servers."""
        sizes = {}
        for name, process in self.platform.processes.items():
            with contextlib.suppress(psutil.Error):
                sizes[name] = psutil.Process(process.pid).memory_info().rss / 2**20
        for name, server in (("milvus", self.milvus), ("moto", self.moto)):
            if server.running:
                sizes[name] = server.rss_mib()
        return sizes


def _platform_environment(stores: StoreSettings, timings: SoakTimings, workdir: Path) -> dict[str, str]:
    ident = "VISAGE_IDENTIFICATION_"
    store = f"{ident}STORES__"
    secret = (stores.s3_access_key, stores.s3_secret_key)
    assert secret[0] is not None and secret[1] is not None
    return {
        f"{store}DATABASE_URL": str(stores.database_url),
        f"{store}OBJECTS_URL": str(stores.objects_url),
        f"{store}S3_ACCESS_KEY": secret[0].get_secret_value(),
        f"{store}S3_SECRET_KEY": secret[1].get_secret_value(),
        f"{store}VECTORS_URL": str(stores.vectors_url),
        f"{store}COLLECTION": stores.collection,
        f"{store}TIMEOUT_SECONDS": str(timings.store_timeout_seconds),
        f"{ident}STORE_TIMEOUT_SECONDS": str(timings.write_step_seconds),
        f"{ident}RECONCILE_PERIOD_SECONDS": str(timings.reconcile_period_seconds),
        f"{ident}ORPHAN_SCAN_PERIOD_SECONDS": str(timings.orphan_scan_period_seconds),
        f"{ident}PENDING_GRACE_SECONDS": str(timings.pending_grace_seconds),
        "VISAGE_LIVENESS_STORES__DATA_DIR": str(workdir / "liveness"),
        "VISAGE_GATEWAY_CALL_TIMEOUT_SECONDS": str(timings.deadline_seconds),
        # One key drives every client: its limits must not be what is measured.
        "VISAGE_GATEWAY_KEY_REQUESTS_PER_SECOND": "100000",
        "VISAGE_GATEWAY_KEY_MAX_CONCURRENT": "10000",
    }


@contextlib.contextmanager
def soak_platform(settings: BenchSettings, timings: SoakTimings) -> Iterator[SoakPlatform]:
    """Start the stores and the platform (a few minutes on a busy machine); stop and remove all on exit."""
    with tempfile.TemporaryDirectory(prefix="visage-soak-") as tmp, contextlib.ExitStack() as stack:
        workdir = Path(tmp)
        database = PostgresTestDatabase()
        database.name = f"visage_soak_{uuid.uuid4().hex[:12]}"
        database.create()
        stack.callback(database.drop)
        moto = MotoS3Server(workdir / "moto.log")
        moto.buckets.add(BUCKET)
        moto.start()
        stack.callback(moto.stop)
        s3 = S3Relay(workdir / "relay.log", moto)
        s3.start()
        stack.callback(s3.kill)
        milvus = MilvusStandaloneServer(workdir / "milvus")
        milvus.start(timeout=180)
        stack.callback(milvus.kill)
        stores = StoreSettings(
            database_url=database.url,
            objects_url=f"s3://{BUCKET}?endpoint={s3.endpoint}&region=us-east-1",
            s3_access_key=moto.access_key,
            s3_secret_key=moto.secret_key,
            vectors_url=milvus.uri,
            collection=COLLECTION,
            timeout_seconds=timings.store_timeout_seconds,
        )
        certs_dir, keys_dir = workdir / "certs", workdir / "keys"
        generate(certs_dir, services=SERVICES)
        environment = service_environment(settings, SERVICES, None) | _platform_environment(
            stores, timings, workdir
        )
        environment["VISAGE_GATEWAY_KEYS__DATA_DIR"] = str(keys_dir)
        launcher = LauncherSettings(
            certs_dir=certs_dir,
            gateway_port=free_port(),
            ports={name: free_port() for name in SERVICES},
            startup_timeout_seconds=300,
        )
        with running_platform(launcher, environment, KeyStoreSettings(data_dir=keys_dir)) as platform:
            yield SoakPlatform(platform, database, milvus, moto, s3, stores, timings)
