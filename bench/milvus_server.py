"""A Milvus standalone server for a benchmark: the binary of the PyPI package `milvus`, its data in a folder
the caller owns, every listener on a free loopback port, stopped on exit.

The package's own `MilvusServer` leaves the embedded etcd on its default ports (2379/2380), so a second server
on the machine (a test run, say) fails to start; we write the config, point etcd at an embed config with free
ports, and run the binary ourselves.

Three settings differ from the package's. So that a bulk load is indexed once, growing segments are sealed at
60 % of the segment size instead of 23 %, and automatic compaction is off. With the defaults, 10^6 descriptors
were sealed in ~80 000-row segments, which Milvus 2.3 counts as small and merges three at a time, and each
merged segment was compacted once more on its own to tidy its files; every step builds the HNSW graph of the
new segment again, and searches found every stored vector only 16 minutes after the last write. The one
compaction the benchmark needs (after deleting its enrolment-rate persons) it starts itself. And segments
may grow to 1 GB (the default of later Milvus releases) instead of 512 MB: a search visits every segment, so
10^6 vectors in two segments (one per shard) answered in 3.7 ms where four took 5.4 ms; the one-off index
build took 829 s instead of 580 s. A deployment that bulk-loads would tune the same.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from bench.common import free_port

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
START_TIMEOUT = 180.0
# dataCoord settings for a bulk load (see the module doc).
_BULK_LOAD_SETTINGS = (("maxSize", "1024"), ("sealProportion", "0.6"), ("enableAutoCompaction", "false"))


def _etcd_config(data_dir: Path, client_port: int) -> Path:
    peer = free_port()
    path = data_dir / "configs" / "etcd-embed.yaml"
    path.write_text(
        "name: default\n"
        f"data-dir: {data_dir / 'data' / 'etcd.data'}\n"
        f"listen-client-urls: http://127.0.0.1:{client_port}\n"
        f"advertise-client-urls: http://127.0.0.1:{client_port}\n"
        f"listen-peer-urls: http://127.0.0.1:{peer}\n"
        f"initial-advertise-peer-urls: http://127.0.0.1:{peer}\n"
        f"initial-cluster: default=http://127.0.0.1:{peer}\n",
        encoding="utf-8",
    )
    return path


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
            return b"OK" in answer.read()
    except (OSError, urllib.error.URLError):
        return False


def _with_bulk_load_settings(text: str, path: Path) -> str:
    """milvus.yaml with `_BULK_LOAD_SETTINGS` set in its dataCoord section (other sections reuse the keys)."""
    head, section, tail = text.partition("\ndataCoord:\n")
    for key, value in _BULK_LOAD_SETTINGS:
        tail, found = re.subn(rf"(?m)^(\s+{key}:) \S+", rf"\1 {value}", tail, count=1)
        if not section or not found:
            raise RuntimeError(f"{path} has no dataCoord {key} to set")
    return head + section + tail


@contextlib.contextmanager
def milvus_server(data_dir: Path) -> Iterator[str]:
    """Start the server (up to 3 minutes) and yield its URI, `http://127.0.0.1:<port>`."""
    from milvus import MilvusServerConfig, _initialize_data_files

    ports = {key: free_port() for key in _PORT_KEYS}
    config = MilvusServerConfig(data_dir=str(data_dir), **ports)
    config.resolve()  # writes configs/milvus.yaml
    _initialize_data_files(str(data_dir))  # unpacks bin/milvus and its libraries
    milvus_yaml = data_dir / "configs" / "milvus.yaml"
    etcd = _etcd_config(data_dir, ports["etcd_port"])
    text = milvus_yaml.read_text(encoding="utf-8")
    text = text.replace("\netcd:\n", f"\netcd:\n  config:\n    path: {etcd}\n", 1)
    milvus_yaml.write_text(_with_bulk_load_settings(text, milvus_yaml), encoding="utf-8")
    health_port = free_port()
    bin_dir = data_dir / "bin"
    environment = os.environ | {
        "DEPLOY_MODE": "STANDALONE",
        "METRICS_PORT": str(health_port),
        "MILVUS_RUN_DIR": str(data_dir / "run"),
        "LD_LIBRARY_PATH": f"{bin_dir}:{os.environ.get('LD_LIBRARY_PATH', '')}",
    }
    log = (data_dir / "logs" / "bench-server.log").open("ab")
    process = subprocess.Popen(
        [str(bin_dir / "milvus"), "run", "standalone"], cwd=data_dir, env=environment, stdout=log, stderr=log
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _healthy(health_port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Milvus server did not start; see {log.name}")
            time.sleep(0.5)
        yield f"http://127.0.0.1:{ports['proxy_port']}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
