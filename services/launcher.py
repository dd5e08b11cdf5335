"""`make run`: start the services and the gateway on one machine, stop them all on Ctrl-C.

Each process is started as `python -m <module>` and configured only through its environment, the same way a
Kubernetes pod is, so what runs here is what runs there.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from libs.auth.scopes import Scope
from libs.auth.store import KeyStoreOnlySettings, KeyStoreSettings, local_key, open_keyring
from libs.settings import ProcessSettings


class LauncherSettings(ProcessSettings):
    section = "launcher"
    model_config = SettingsConfigDict(env_prefix="VISAGE_LAUNCHER_")

    certs_dir: Path = Path("certs/out")
    gateway_host: str = "127.0.0.1"
    gateway_port: int = Field(default=41101, ge=0, le=65535)
    # Backend ports on loopback; the gateway finds them through these addresses.
    ports: dict[str, int] = Field(
        default_factory=lambda: {
            "detection": 50051,
            "matching": 50052,
            "liveness": 50053,
            "identification": 50054,
        }
    )
    # Where a service serves Prometheus `/metrics` (loopback) instead of its default (its gRPC port + 1000);
    # 0 lets the OS pick (tests run beside each other).
    metrics_ports: dict[str, int] = Field(default_factory=dict)
    startup_timeout_seconds: float = 120.0


@dataclass(frozen=True)
class LocalKeys:
    admin: str  # every scope, tenant "default": the README's examples use it
    demo: str  # starts liveness transactions and reads them: the demo page's
    console: str  # reads and writes (no key or tenant administration): the web console's


LOCAL_KEY_FILES = {"admin": "api-key", "demo": "demo-key", "console": "console-key"}


def local_keys(settings: KeyStoreSettings) -> LocalKeys:
    """`make run`'s three keys, made on first start into the gateway's data dir and reused after."""
    data_dir = settings.data_dir

    async def make() -> LocalKeys:
        async with open_keyring(settings) as keyring:
            admin = await local_key(
                keyring, data_dir / LOCAL_KEY_FILES["admin"], frozenset({Scope.ADMIN}), "make run: local"
            )
            demo_scopes = frozenset({Scope.CAPTURE, Scope.READ})
            demo = await local_key(keyring, data_dir / LOCAL_KEY_FILES["demo"], demo_scopes, "make run: demo")
            console_file = data_dir / LOCAL_KEY_FILES["console"]
            console = await local_key(keyring, console_file, frozenset({Scope.WRITE}), "make run: console")
            return LocalKeys(admin, demo, console)

    return asyncio.run(make())


@dataclass
class Platform:
    """The running processes, where the API is, and the local keys."""

    api_url: str
    keys: LocalKeys
    key_store: KeyStoreSettings  # where the gateway keeps its keys (`visage keys` writes there too)
    environment: dict[str, str] = field(default_factory=dict)  # what the processes got beyond ours
    backends: dict[str, str] = field(default_factory=dict)  # service name -> host:port it listens on (mTLS)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    # How each process was started (module, environment), so one can be started again after it died.
    launches: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)

    def launch(self, name: str, module: str, env: dict[str, str]) -> None:
        self.launches[name] = (module, env)
        self.processes[name] = _spawn(module, env)

    def restart(self, name: str) -> None:
        """Start `name` again as it was first started (after it died or was killed)."""
        if self.processes[name].poll() is None:
            raise RuntimeError(f"{name} is still running")
        self.launch(name, *self.launches[name])

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with code {process.returncode}")

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM each process and wait for it, gateway first so no new calls reach the backends."""
        deadline = time.monotonic() + timeout
        for process in reversed(self.processes.values()):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _tls_env(prefix: str, certs_dir: Path, name: str) -> dict[str, str]:
    return {
        f"{prefix}TLS__CA": str(certs_dir / "ca.pem"),
        f"{prefix}TLS__CERT": str(certs_dir / f"{name}.pem"),
        f"{prefix}TLS__KEY": str(certs_dir / f"{name}.key"),
    }


def _service_env(settings: LauncherSettings, name: str, port: int) -> dict[str, str]:
    prefix = f"VISAGE_{name.upper()}_"
    env = {f"{prefix}SERVER__HOST": "127.0.0.1", f"{prefix}SERVER__PORT": str(port)} | _tls_env(
        prefix, settings.certs_dir.resolve(), name
    )
    if name in settings.metrics_ports:
        env[f"{prefix}METRICS__PORT"] = str(settings.metrics_ports[name])
    # Services that ask matching for descriptors find it on its launcher port (other services ignore it).
    if "matching" in settings.ports and name != "matching":
        env[f"{prefix}MATCHING_TARGET"] = f"127.0.0.1:{settings.ports['matching']}"
    # Services that resolve `livenessTransactionId` inputs find liveness the same way.
    if "liveness" in settings.ports and name != "liveness":
        env[f"{prefix}LIVENESS_TARGET"] = f"127.0.0.1:{settings.ports['liveness']}"
    return env


def _gateway_env(settings: LauncherSettings) -> dict[str, str]:
    prefix = "VISAGE_GATEWAY_"
    backends = {
        f"{prefix}BACKENDS__{name.upper()}": f"127.0.0.1:{port}" for name, port in settings.ports.items()
    }
    return (
        {f"{prefix}HOST": settings.gateway_host, f"{prefix}PORT": str(settings.gateway_port)}
        | backends
        | _tls_env(prefix, settings.certs_dir.resolve(), "gateway")
    )


def _spawn(module: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    # Own session: a Ctrl-C in the terminal reaches only the launcher, which then stops the children in
    # order (gateway first) instead of racing them.
    return subprocess.Popen([sys.executable, "-m", module], env=env, start_new_session=True)


def _wait_ready(platform: Platform, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        platform.check_alive()
        try:
            if httpx.get(f"{platform.api_url}/readyz", timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"the platform was not ready within {timeout:.0f} s")


@contextmanager
def running_platform(
    settings: LauncherSettings,
    extra_env: dict[str, str] | None = None,
    key_store: KeyStoreSettings | None = None,
) -> Iterator[Platform]:
    """Start every process, wait until the gateway is ready, and stop them all on exit.

    `key_store` is the gateway's (default: from the environment, as the gateway reads it); the local keys
    are made there before the gateway starts."""
    base_env = os.environ | (extra_env or {})
    host = "127.0.0.1" if settings.gateway_host in ("0.0.0.0", "::") else settings.gateway_host
    key_store = key_store or KeyStoreOnlySettings().keys
    platform = Platform(
        f"http://{host}:{settings.gateway_port}/api",
        local_keys(key_store),
        key_store,
        dict(extra_env or {}),
        backends={name: f"127.0.0.1:{port}" for name, port in settings.ports.items()},
    )
    try:
        for name, port in settings.ports.items():
            platform.launch(name, f"services.{name}", base_env | _service_env(settings, name, port))
        platform.launch("gateway", "gateway", base_env | _gateway_env(settings))
        _wait_ready(platform, settings.startup_timeout_seconds)
        yield platform
    finally:
        platform.stop()


def main() -> int:
    settings = LauncherSettings()
    # Both stop the platform the same way; SIGINT is set explicitly because a shell that starts us in the
    # background leaves it ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    # A person at a terminal reads text log lines; a log collector (no terminal) gets JSON. Set explicitly,
    # VISAGE_<PROCESS>_LOG_FORMAT wins.
    names = (*settings.ports, "gateway")
    text_logs = {f"VISAGE_{name.upper()}_LOG_FORMAT": "text" for name in names} if sys.stdout.isatty() else {}
    unset = {variable: value for variable, value in text_logs.items() if variable not in os.environ}
    try:
        with running_platform(settings, unset) as platform:
            print(f"Visage is ready: {platform.api_url}  (docs: {platform.api_url}/docs). Ctrl-C stops it.")
            key_file = platform.key_store.data_dir / LOCAL_KEY_FILES["admin"]
            print(f"API key (tenant 'default', every scope) in {key_file}; send it as")
            print(f'  curl -H "Authorization: Bearer $(cat {key_file})" {platform.api_url}/groups')
            demo = platform.api_url.removesuffix("/api") + "/liveness/demo"
            print(f"Liveness demo: {demo}#key={platform.keys.demo}")
            console = platform.api_url.removesuffix("/api") + "/console"
            print(f"Web console: {console}#key={platform.keys.console}")
            while True:
                platform.check_alive()
                time.sleep(1.0)
    except KeyboardInterrupt:
        print("stopping Visage")
        return 0
    except (RuntimeError, TimeoutError) as error:
        print(f"Visage could not run: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
