"""The gateway's OpenAPI document says what the running platform accepts and answers: a short schemathesis run
(bench/api_schema.py) over every operation finds no server error, no valid request refused, no invalid one
accepted and no answer outside the document. `make soak` runs the same with many more examples."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bench.api_schema import run
from services.launcher import Platform

pytestmark = pytest.mark.e2e

QUICK_EXAMPLES = 3  # per operation and phase; the coverage phase adds each constraint's edges on top


@pytest.fixture(scope="module")
def own_tenant_key(api: httpx.Client) -> Iterator[str]:
    """An admin key of a tenant of its own: what the run creates stays out of the other tests' data."""
    made = api.post("admin/keys", json={"tenant": "schemathesis", "scopes": ["admin"], "name": "e2e schema"})
    assert made.status_code == 201, made.text
    yield made.json()["key"]
    api.delete("admin/tenants/schemathesis")


def test_every_operation_behaves_as_the_document_says(platform: Platform, own_tenant_key: str) -> None:
    document = httpx.get(f"{platform.api_url}/openapi.json", timeout=30).json()
    operations = sum(len(item) for item in document["paths"].values())
    result = run(platform.api_url, own_tenant_key, QUICK_EXAMPLES)
    assert result["failures"] == {}, "\n".join(result["examples"])
    assert result["errors"] == []
    assert result["operations"] == result["operations_checked"] == operations
    assert result["cases_by_phase"]["coverage"] > 10 * operations  # edges of every constraint, both sides
    assert result["cases_by_phase"]["stateful"] > 0  # create -> read / change / delete along the links
