"""The face collection in Milvus: its schema, its index, and creating it once."""

from __future__ import annotations

from pymilvus import DataType, MilvusClient
from pymilvus.exceptions import MilvusException

from libs.errors import UnavailableError

DIMENSION = 128  # SFace descriptors
ID_LENGTH = 64  # uuid4 strings are 36
MAX_GROUPS = 4096  # Milvus's largest ARRAY capacity: a person in more groups cannot be stored
MAX_TOPK = 16384  # Milvus's largest search limit and query window
FIELDS = ("image_id", "person_id", "groups", "vector")


def ensure_collection(
    client: MilvusClient,
    name: str,
    consistency: str,
    hnsw_m: int,
    hnsw_ef_construction: int,
    timeout: float,
) -> None:
    """Create the collection if it is missing (a concurrent creator is fine), check its schema, load it.

    HNSW with COSINE on both flavours: Milvus Lite builds it with faiss and searches small segments exactly.
    """
    if not client.has_collection(name, timeout=timeout):
        schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("image_id", DataType.VARCHAR, is_primary=True, max_length=ID_LENGTH)
        schema.add_field("person_id", DataType.VARCHAR, max_length=ID_LENGTH)
        schema.add_field(
            "groups",
            DataType.ARRAY,
            element_type=DataType.VARCHAR,
            max_capacity=MAX_GROUPS,
            max_length=ID_LENGTH,
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
    client.load_collection(name, timeout=timeout * 6)
