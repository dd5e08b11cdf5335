"""A Milvus standalone server for a benchmark: the test suite's launcher (`tests/milvus_server.py`: the binary
of the PyPI package `milvus`, every listener on a free loopback port, etcd included), its data in a folder the
caller owns, stopped on exit, with the settings a bulk load wants.

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
from collections.abc import Iterator
from pathlib import Path

from tests.milvus_server import MilvusStandaloneServer

START_TIMEOUT = 180.0
# See the module doc.
BULK_LOAD_SETTINGS: dict[str, object] = {
    "dataCoord.segment.maxSize": 1024,
    "dataCoord.segment.sealProportion": 0.6,
    "dataCoord.compaction.enableAutoCompaction": "false",
}


@contextlib.contextmanager
def milvus_server(data_dir: Path) -> Iterator[str]:
    """Start the server (up to 3 minutes) and yield its URI, `http://127.0.0.1:<port>`."""
    data_dir.mkdir(parents=True, exist_ok=True)
    server = MilvusStandaloneServer(data_dir, BULK_LOAD_SETTINGS)
    server.start(timeout=START_TIMEOUT)
    try:
        yield server.uri
    finally:
        server.stop()
