"""The schemathesis run forgives a refused valid request only for a rule no schema can state."""

from __future__ import annotations

import json

import pytest

from bench.api_schema import undeclarable_reason
from gateway.errors import operation_log
from libs.errors import FaceNotDetectedError, InvalidRequestError

pytestmark = pytest.mark.unit


def test_only_rules_outside_any_schema_are_forgiven() -> None:
    no_face = json.dumps(operation_log(FaceNotDetectedError("image: no face found")))
    assert undeclarable_reason(no_face) == "a photo without a face"
    neither = json.dumps(operation_log(InvalidRequestError("give transactionId or tag (or both)")))
    assert undeclarable_reason(neither) == "neither of two alternative query parameters given"
    # What the document does declare is never forgiven: the gateway's own schema refusals, or anything else.
    assert undeclarable_reason(json.dumps(operation_log(InvalidRequestError("tag: must match ^x$")))) is None
    assert undeclarable_reason(json.dumps(operation_log(InvalidRequestError("name is required")))) is None
    both = "image: give exactly one of content, imageUrl"  # declared in the document
    assert undeclarable_reason(json.dumps(operation_log(InvalidRequestError(both)))) is None
    assert undeclarable_reason("<html>not an OperationLog</html>") is None
