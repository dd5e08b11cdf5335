"""The face collection in Milvus: its schema, its index, and creating it once."""

from __future__ import annotations

import re

from pymilvus import DataType, MilvusClient
from pymilvus.exceptions import MilvusException

from libs.errors import UnavailableError

DIMENSION = 128  # SFace descriptors
ID_LENGTH = 64  # uuid4 strings are 36
MAX_GROUPS = 4096  # Milvus's largest ARRAY capacity: a person in more groups cannot be stored
MAX_TOPK = 16384  # Milvus's largest search limit and query window
FIELDS = ("image_id", "person_id", "groups", "vector")
# The person's tenant, which every search filters on. A plain scalar field unless `partition_key` asks for
# the partition key (Milvus 2.5 and later only): on Milvus 2.3.5 standalone a `tenant == "x"` search of a
# partition-key collection holding 240 vectors of one tenant answered 5 hits of 10, none of them the nearest
# (the same search without the filter, or on a plain field, matched exact search). Collections made before
# tenants lack the field and are refused at open (see `ensure_collection`), never searched unfiltered.
TENANT = "tenant"
PARTITION_KEY_SINCE = (2, 5)
TENANT_LENGTH = 64  # libs.tenants names have at most 63 characters
# Group filters read a second copy of the groups, made for the flavour's fast path when the collection is
# created; collections made before it filter on `groups` itself. SQL re-checks membership either way.
# Milvus Lite: "|g1|g2|", matched with LIKE. Lite evaluates array operators row by row in Python (1.7 s per
# group-filtered search at 10^5 vectors) and LIKE in pyarrow (53 ms, as fast as no filter).
GROUP_KEYS = "group_keys"
GROUP_KEYS_LENGTH = 65535  # Milvus's longest VARCHAR: 1771 uuid groups
# Milvus server: 64-bit hashes of the group ids. Over 10^6 rows an INT64 array filter takes 3.2-3.8 ms, the
# uuid-string array 7 ms (Milvus 2.3 has no index on arrays). A collision could only add candidates.
GROUP_HASHES = "group_hashes"


def ensure_collection(
    client: MilvusClient,
    name: str,
    consistency: str,
    hnsw_m: int,
    hnsw_ef_construction: int,
    timeout: float,
    lite: bool = False,
    replicas: int | None = None,
    partition_key: bool = False,
) -> str:
    """Create the collection if it is missing (a concurrent creator is fine), check its schema, load it
    (`replicas` in-memory copies, None: the server's default); returns the field group filters read:
    `GROUP_KEYS`, `GROUP_HASHES` or, in older collections, `groups`.

    HNSW with COSINE on both flavours: Milvus Lite builds it with faiss and searches small segments exactly.
    `partition_key` makes the tenant the partition key of a collection created now (an existing collection
    keeps its schema); a partition-key collection is refused on Milvus Lite and on servers before 2.5.
    """
    if not client.has_collection(name, timeout=timeout):
        if partition_key:
            _check_partition_key_works(client, name, lite, timeout)
        schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("image_id", DataType.VARCHAR, is_primary=True, max_length=ID_LENGTH)
        schema.add_field("person_id", DataType.VARCHAR, max_length=ID_LENGTH)
        schema.add_field(TENANT, DataType.VARCHAR, max_length=TENANT_LENGTH, is_partition_key=partition_key)
        schema.add_field(
            "groups",
            DataType.ARRAY,
            element_type=DataType.VARCHAR,
            max_capacity=MAX_GROUPS,
            max_length=ID_LENGTH,
        )
        if lite:
            schema.add_field(GROUP_KEYS, DataType.VARCHAR, max_length=GROUP_KEYS_LENGTH)
        else:
            schema.add_field(
                GROUP_HASHES, DataType.ARRAY, element_type=DataType.INT64, max_capacity=MAX_GROUPS
            )
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=DIMENSION)
        index = client.prepare_index_params()
        index.add_index(
            "vector",
            index_type="HNSW",
            metric_type="COSINE",
            params={"M": hnsw_m, "efConstruction": hnsw_ef_construction},
        )
        try:
            client.create_collection(
                name, schema=schema, index_params=index, consistency_level=consistency, timeout=timeout * 6
            )
            if replicas is not None:
                # pymilvus loaded it with the server's default; Milvus 2.3 changes the replica number of a
                # loaded collection only after a release (instant while it is empty).
                client.release_collection(name, timeout=timeout)
        except MilvusException as error:
            if "already exist" not in str(error):  # another process created it meanwhile
                raise
    fields = {field["name"]: field for field in client.describe_collection(name, timeout=timeout)["fields"]}
    dimension = fields.get("vector", {}).get("params", {}).get("dim")
    if set(FIELDS) - fields.keys() or int(dimension or 0) != DIMENSION:
        raise UnavailableError(
            f"Milvus collection {name!r} exists with another schema ({sorted(fields)}, dim {dimension}); "
            "choose another collection name"
        )
    if TENANT not in fields:
        raise UnavailableError(
            f"Milvus collection {name!r} was made before tenants: it has no {TENANT!r} field, so its "
            "searches could not be confined to one tenant. Point the service at a new collection "
            "(VISAGE_IDENTIFICATION_STORES__COLLECTION) and add the persons' images again, or drop this one"
        )
    if fields[TENANT].get("is_partition_key"):
        _check_partition_key_works(client, name, lite, timeout)
    client.load_collection(name, timeout=timeout * 6, **load_arguments(replicas))
    return next((field for field in (GROUP_KEYS, GROUP_HASHES) if field in fields), "groups")


def load_arguments(replicas: int | None) -> dict[str, int]:
    """`load_collection`'s arguments for `replicas` copies; none for the server's default
    (`queryCoord.clusterLevelLoadReplicaNumber`), so a reload never changes what an operator set."""
    return {} if replicas is None else {"replica_number": replicas}


def _check_partition_key_works(client: MilvusClient, name: str, lite: bool, timeout: float) -> None:
    version = "Milvus Lite" if lite else client.get_server_version(timeout=timeout)
    numbers = tuple(int(part) for part in re.findall(r"\d+", version)[:2])
    if lite or numbers < PARTITION_KEY_SINCE:
        raise UnavailableError(
            f"Milvus collection {name!r}: the tenant as partition key needs a Milvus server 2.5 or later, "
            f"not {version} (2.3 answered tenant-filtered searches with wrong hits); unset "
            "vectors_partition_key and use another collection"
        )
