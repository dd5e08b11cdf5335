"""Read-only access to the Regula Face OpenAPI files (shared/reference), for tests that check the protos.

Only what those tests need: `$ref` resolution across the split yml files, the list of operations, and the
flattened properties of a schema (allOf/oneOf/anyOf merged, as the JSON on the wire has them).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import yaml

REFERENCE_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "reference"
OPENAPI_DIR = REFERENCE_DIR / "regula-face-openapi"


def require_reference(path: Path) -> None:
    """Skip, saying why, where the upstream contract is not beside the clone.

    Regula's OpenAPI files carry no licence that lets the project ship a copy, so these contract tests read
    them from ../shared/reference, which CI always has; a fresh clone without it skips only these.
    """
    if not path.is_file():
        pytest.skip(f"the Regula reference is not beside the clone ({path})")


HTTP_METHODS = ("get", "post", "put", "delete", "patch")

Schema = dict[str, Any]


@dataclass(frozen=True)
class Located:
    """A node of the spec and the file its relative `$ref`s resolve against."""

    node: Any
    doc: str


@dataclass(frozen=True)
class Operation:
    method: str  # upper case, e.g. "POST"
    path: str  # e.g. "/api/persons/{personId}"
    spec: Located  # the operation object
    parameters: dict[str, tuple[str, Located]]  # name -> ("path" | "query", schema)


class OpenApi:
    def __init__(self, folder: Path = OPENAPI_DIR) -> None:
        require_reference(folder / "index.yml")
        self.docs = {p.name: yaml.safe_load(p.read_text(encoding="utf-8")) for p in folder.glob("*.yml")}

    def resolve(self, located: Located) -> Located:
        """Follow `$ref`s (possibly chained, possibly into another file) to the node they point at."""
        node, doc = located.node, located.doc
        while isinstance(node, dict) and "$ref" in node:
            file_part, _, pointer = node["$ref"].partition("#")
            doc = Path(file_part).name if file_part else doc
            node = self.docs[doc]
            for part in filter(None, pointer.split("/")):
                node = node[unquote(part).replace("~1", "/").replace("~0", "~")]
        return Located(node, doc)

    def operations(self) -> list[Operation]:
        """Every operation of index.yml, with its path and query parameters."""
        result = []
        for path, item_ref in self.docs["index.yml"]["paths"].items():
            item = self.resolve(Located(item_ref, "index.yml"))
            for method in HTTP_METHODS:
                if method not in item.node:
                    continue
                op = Located(item.node[method], item.doc)
                params: dict[str, tuple[str, Located]] = {}
                for raw in [*item.node.get("parameters", []), *op.node.get("parameters", [])]:
                    param = self.resolve(Located(raw, item.doc))
                    if param.node["in"] in ("path", "query"):
                        params[param.node["name"]] = (
                            param.node["in"],
                            Located(param.node["schema"], param.doc),
                        )
                result.append(Operation(method.upper(), path, op, params))
        return result

    def request_schema(self, op: Operation) -> Located | None:
        body = op.spec.node.get("requestBody")
        if body is None:
            return None
        body = self.resolve(Located(body, op.spec.doc))
        return Located(body.node["content"]["application/json"]["schema"], body.doc)

    def success_responses(self, op: Operation) -> dict[int, tuple[str | None, Located | None]]:
        """2xx status -> (media type, schema); (None, None) for a response without a body."""
        result: dict[int, tuple[str | None, Located | None]] = {}
        for status, raw in op.spec.node["responses"].items():
            if not 200 <= int(status) < 300:
                continue
            response = self.resolve(Located(raw, op.spec.doc))
            content = response.node.get("content")
            if not content:
                result[int(status)] = (None, None)
                continue
            media, body = next(iter(content.items()))
            result[int(status)] = (media, Located(body["schema"], response.doc))
        return result

    def properties(self, schema: Located) -> dict[str, Located]:
        """The JSON properties of an object schema, compositions flattened."""
        schema = self.resolve(schema)
        props: dict[str, Located] = {}
        for key in ("allOf", "oneOf", "anyOf"):
            for part in schema.node.get(key, []):
                props.update(self.properties(Located(part, schema.doc)))
        for name, sub in schema.node.get("properties", {}).items():
            props[name] = Located(sub, schema.doc)
        return props

    def kind(self, schema: Located) -> str:
        """The JSON type of a schema: object, array, string, integer, number or boolean."""
        node = self.resolve(schema).node
        if "type" in node:
            return node["type"]
        return "object" if any(k in node for k in ("properties", "allOf", "oneOf", "anyOf")) else "any"
