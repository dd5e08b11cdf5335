"""The platform as real processes for a benchmark: fresh certificates, free loopback ports, quiet logs."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from bench import BenchSettings
from bench.common import free_port
from certs.generate import generate
from libs.auth.store import KeyStoreSettings
from services.launcher import LauncherSettings, Platform, running_platform

QUIET = "WARNING"  # per-request log lines would drown the tables and cost time in the measured processes
BACKENDS = ("detection", "matching")


def service_environment(
    settings: BenchSettings, backends: Sequence[str], workers: int | None
) -> dict[str, str]:
    """Environment of the platform's processes: models, threads, log level, inference workers."""
    threads = str(settings.inference_settings().intra_op_threads)
    environment = {"VISAGE_GATEWAY_LOG_LEVEL": QUIET, "VISAGE_MODELS_RECOGNIZER": settings.models.recognizer}
    if settings.models.dir is not None:
        environment["VISAGE_MODELS_DIR"] = str(settings.models.dir)
    for name in backends:
        prefix = f"VISAGE_{name.upper()}_"
        environment[f"{prefix}LOG_LEVEL"] = QUIET
        environment[f"{prefix}INFERENCE__INTRA_OP_THREADS"] = threads
        if workers is not None and name in BACKENDS:
            environment[f"{prefix}INFERENCE_WORKERS"] = str(workers)
    return environment


@contextmanager
def bench_platform(
    settings: BenchSettings,
    backends: Sequence[str] = BACKENDS,
    workers: int | None = None,
    extra_environment: Mapping[str, str] | None = None,
) -> Iterator[Platform]:
    """Start the gateway and `backends` with `workers` inference workers each; stop them all on exit."""
    environment = service_environment(settings, backends, workers) | dict(extra_environment or {})
    with tempfile.TemporaryDirectory() as certs_dir, tempfile.TemporaryDirectory() as keys_dir:
        # The benches' clients send no API key: keys are off (loopback only), and what a key check costs
        # is measured on its own by bench.gateway. The keyring still lives in a folder of its own.
        environment |= {"VISAGE_GATEWAY_REQUIRE_API_KEYS": "false", "VISAGE_GATEWAY_KEYS__DATA_DIR": keys_dir}
        generate(Path(certs_dir), services=tuple(backends))
        launcher = LauncherSettings(
            certs_dir=Path(certs_dir),
            gateway_port=free_port(),
            ports={name: free_port() for name in backends},
            metrics_ports={name: free_port() for name in backends},
            startup_timeout_seconds=180,
        )
        key_store = KeyStoreSettings(data_dir=Path(keys_dir))
        with running_platform(launcher, environment, key_store) as platform:
            yield platform
