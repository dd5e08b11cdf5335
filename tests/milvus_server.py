"""The Milvus 2.3 standalone server that the PyPI package `milvus` ships, run as a killable child process."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from tests.stores_support import ServerProcess, free_port, http_ok


class MilvusStandaloneServer(ServerProcess):
    """The Milvus standalone binary shipped by the PyPI package `milvus` (2.3.x), with its data in `base_dir`.

    The package's own `MilvusServer` picks ports and writes the config; we run the binary ourselves so the
    process can be killed and started again with the same ports and data.
    """

    name = "Milvus server"

    def __init__(self, base_dir: Path, settings: dict[str, object] | None = None) -> None:
        from milvus import MilvusServerConfig

        super().__init__(base_dir / "logs" / "visage-test.log")
        settings = {**TEST_SETTINGS, **(settings or {})}
        self.base_dir = base_dir
        # Random free ports for every listener (proxy, etcd, coordinators), fixed for the session.
        ports = {key: free_port() for key in _PORT_KEYS}
        config = MilvusServerConfig(data_dir=str(base_dir), **ports)
        for key, value in settings.items():
            config.set(key, value)
        config.resolve()  # writes configs/milvus.yaml
        self._private_etcd_ports(ports["etcd_port"])
        self.bin_dir = unpacked_milvus_binaries()
        self.port = ports["proxy_port"]
        self.metrics_port = free_port()

    def _private_etcd_ports(self, client_port: int) -> None:
        """The embedded etcd listens on 2379/2380 unless given a config file: two test sessions on one
        machine (two checkouts, or CI beside a developer) would collide there."""
        peer = f"http://127.0.0.1:{free_port()}"
        etcd_config = self.base_dir / "configs" / "etcd.yaml"
        etcd_config.write_text(
            "name: default\n"
            f"listen-client-urls: http://127.0.0.1:{client_port}\n"
            f"advertise-client-urls: http://127.0.0.1:{client_port}\n"
            f"listen-peer-urls: {peer}\n"
            f"initial-advertise-peer-urls: {peer}\n"
            f"initial-cluster: default={peer}\n"
        )
        milvus_yaml = self.base_dir / "configs" / "milvus.yaml"
        text = milvus_yaml.read_text()
        assert "\netcd:\n" in text, "the milvus.yaml template changed: no top-level etcd section"
        milvus_yaml.write_text(text.replace("\netcd:\n", f"\netcd:\n  config:\n    path: {etcd_config}\n", 1))

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> tuple[list[str], dict[str, str], Path | None]:
        bin_dir = self.bin_dir
        env = dict(os.environ)
        env.update(
            DEPLOY_MODE="STANDALONE",
            METRICS_PORT=str(self.metrics_port),
            MILVUS_RUN_DIR=str(self.base_dir / "run"),
            LD_LIBRARY_PATH=f"{bin_dir}:{env.get('LD_LIBRARY_PATH', '')}",
        )
        return [str(bin_dir / "milvus"), "run", "standalone"], env, self.base_dir

    def is_ready(self) -> bool:
        return http_ok(f"http://127.0.0.1:{self.metrics_port}/healthz")


# A restarted server waits for the sessions of its killed predecessor to expire (30 s by default) before it
# serves the collection again. 10 s keeps an outage test short; a server paused (hung()) for longer than this
# loses its sessions and needs as long again to serve, so keep pauses to a few seconds.
TEST_SETTINGS: dict[str, object] = {"common.session.ttl": 10}


def unpacked_milvus_binaries() -> Path:
    """The package ships the binary and its libraries xz-compressed (5 s to unpack): unpack them once into
    the user cache, under a lock because test sessions of other checkouts may start at the same time."""
    import milvus
    import platformdirs

    base = Path(platformdirs.user_cache_dir("visage")) / f"milvus-server-{milvus.__version__}"
    base.mkdir(parents=True, exist_ok=True)
    with (base / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        milvus._initialize_data_files(str(base))  # skips files whose checksum file matches
    return base / "bin"


_PORT_KEYS = (
    "etcd_port",
    "root_coord_port",
    "proxy_port",
    "proxy_internal_port",
    "query_coord_port",
    "query_node_port",
    "index_coord_port",
    "index_node_port",
    "data_coord_port",
    "data_node_port",
)
