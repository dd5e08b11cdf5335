"""A property-based run of schemathesis against a running Visage, driven by the gateway's OpenAPI document.

`run(base_url, api_key, max_examples)` generates requests for every operation (schema examples, coverage of
each constraint's edges, random valid and invalid data, and stateful chains along the document's links: create
a group, then read, change and delete it) and returns the counts: cases generated and failures by check.
tests/e2e/test_api_schema.py runs it briefly in `make test`; a soak calls it with many examples.
`python -m bench.api_schema --base-url URL [--api-key KEY] [--max-examples N]` runs against a platform that is
up (`make run`) and prints the counts as JSON. It is not a `python -m bench` benchmark (`BENCHMARK = False`).

Valid `format: byte` values are real face photos from tests/data/faces (random bytes never decode), so
detection, matching and enrolment answer 200 and their answers are checked against the document.

One allowance, and it is counted: a valid request refused with 400 for a rule no JSON Schema can state
(`UNDECLARABLE_TYPES` and `UNDECLARABLE_MESSAGES` below: an image that cannot be used, one of two query
parameters, `expireAt` in the future, a per-type or per-key image count, ...) is not a failure of the
document; it is reported under "undeclarable" (as is a "valid" body that is no JSON object, which
schemathesis' coverage phase sends for POST /api/search). Any other 400 for valid data fails the run.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

FACES = Path(__file__).resolve().parent.parent / "tests" / "data" / "faces"
# Small photos of one face each (tests/data/faces/LABELS.csv): what a valid `format: byte` value is.
PHOTOS = ("face-api.js/examples/images/fearful.jpg", "face-api.js/test/images/angry_cropped.jpg")

BENCHMARK = False  # `run` takes a platform, not BenchSettings: `python -m bench` leaves this module out
CHECKS = (
    "not_a_server_error",
    "positive_data_acceptance",
    "negative_data_rejection",
    "response_schema_conformance",
    "status_code_conformance",
    "content_type_conformance",
)
# Why a schema-valid request may still be refused: rules the services check that OpenAPI 3.0 cannot state,
# told apart by the OperationLog's `type` or a fragment of its `msg` (libs/errors.py, the services' messages).
UNDECLARABLE_TYPES = {
    "UnsupportedImageFormatError": "image bytes that are no image",
    "CorruptImageError": "image bytes that do not decode",
    "FaceNotDetectedError": "a photo without a face",
    "ImageFetchError": "an imageUrl that cannot be fetched",
    "ImageUrlRefusedError": "an imageUrl the fetcher will not contact",
    "ImageDownloadTooLargeError": "an imageUrl download too large",
    "ImageFetchTimeoutError": "an imageUrl download too slow",
    "ImagesCountLimitError": "more images than the key or the per-type limit allows",
    "LivenessNotConfirmedError": "a liveness transaction that is not confirmed",
}
UNDECLARABLE_MESSAGES = {
    # OpenAPI 3.0 can say "exactly one of" for body fields (`oneOf`), not for query parameters.
    "give transactionId or tag": "neither of two alternative query parameters given",
    "must be unique": "repeated image indexes",
    "exceeds maximum": "a range whose minimum exceeds its maximum",
    "must be in the future": "a date in the past",
    "frames expected": "a frame count outside the transaction's limits",
    "not an image": "a liveness frame that is no image",
    "not a WebM or MP4": "a liveness video that is no video",
    "bytes, the limit is": "a frame or video over the transaction's limits",
    "metadata: at most": "liveness metadata over its size limit",
    # PostgreSQL text and JSONB cannot hold NUL; SQLite can, so the document cannot refuse it for both.
    "text PostgreSQL cannot store": "a NUL character in stored text (PostgreSQL)",
}
# A key may send 100 requests a second by default (gateway/auth.py): stay under it.
RATE_LIMIT = "80/s"


def config(base_url: str, api_key: str, max_examples: int) -> Any:
    """The schemathesis configuration of a run: the key, the checks, the examples per operation and phase."""
    from schemathesis.config import SchemathesisConfig

    return SchemathesisConfig.from_dict(
        {
            "base-url": base_url.rstrip("/").removesuffix("/api"),
            "headers": {"Authorization": f"Bearer {api_key}"},
            "workers": 2,
            "rate-limit": RATE_LIMIT,
            "request-timeout": 60,
            "warnings": False,
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            "generation": {"max-examples": max_examples},
        }
    )


def run(base_url: str, api_key: str, max_examples: int) -> dict[str, Any]:
    """Every operation of the document at `base_url` (the API root, `.../api`), tested with `api_key`.

    Returns {"operations", "operations_checked", "cases", "cases_by_phase", "failures": {check: count},
    "failed_operations": {operation: [checks]}, "errors": [message], "tool_errors": [schemathesis' own, not
    the API's], "examples": [one line per failure kind],
    "statuses": {operation: {"valid 200" / "invalid 400" ...: count}},
    "undeclarable": {reason: valid requests refused for a rule no schema states}}.
    """
    import schemathesis
    from hypothesis import strategies
    from schemathesis.specs.openapi.formats import unregister_string_format

    _register_hooks()
    _UNDECLARABLE_SEEN.clear()
    photos = [base64.b64encode((FACES / photo).read_bytes()).decode() for photo in PHOTOS]
    schemathesis.openapi.format("byte", strategies.sampled_from(photos))
    try:
        return _run(base_url, api_key, max_examples)
    finally:
        unregister_string_format("byte")


def _run(base_url: str, api_key: str, max_examples: int) -> dict[str, Any]:
    import schemathesis
    from schemathesis.engine import Status, events, from_schema

    settings = config(base_url, api_key, max_examples)
    schema = schemathesis.openapi.from_url(
        f"{base_url.rstrip('/')}/openapi.json",
        config=settings,
        headers={"Authorization": f"Bearer {api_key}"},
    )
    operations: set[str] = set()
    cases: Counter[str] = Counter()
    failures: Counter[str] = Counter()
    failed_operations: dict[str, set[str]] = {}
    errors: list[str] = []
    tool_errors: list[str] = []
    examples: dict[tuple[str, str], str] = {}
    statuses: dict[str, Counter[str]] = {}
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            cases[str(event.phase.value)] += len(recorder.cases)
            for case_id, interaction in recorder.interactions.items():
                if interaction.response is not None:
                    label = recorder.cases[case_id].value.operation.label
                    answers = statuses.setdefault(label, Counter())
                    answers[f"{_mode(recorder.cases[case_id].value)} {interaction.response.status_code}"] += 1
            for case_id, checks in recorder.checks.items():
                label = recorder.cases[case_id].value.operation.label
                operations.add(label)
                for check in checks:
                    if check.status == Status.FAILURE:
                        failures[check.name] += 1
                        failed_operations.setdefault(label, set()).add(check.name)
                        if check.failure_info is not None:
                            failure = check.failure_info.failure
                            interaction = recorder.interactions.get(case_id)
                            answer = interaction.response if interaction is not None else None
                            told = answer.content[:300].decode(errors="replace") if answer else ""
                            sent = (
                                interaction.request.body[:200]
                                if interaction and interaction.request.body
                                else b""
                            )
                            examples.setdefault(
                                (label, check.name),
                                f"{failure.title}: {told} (sent {sent.decode(errors='replace')}; "
                                f"{_phase(recorder.cases[case_id].value)})",
                            )
        elif isinstance(event, events.NonFatalError):
            inner = "; ".join(str(e)[:300] for e in getattr(event.value, "exceptions", ()))
            error = f"{event.label}: {event.info.message}"[:300] + (f" ({inner})" if inner else "")
            # A SystemError of CPython 3.11's ast module, raised now and then inside schemathesis' own
            # generation (never from the API's answer); hypothesis reruns the case and it passes.
            (tool_errors if _TOOL_BUG in error else errors).append(error)
        elif isinstance(event, events.FatalError):
            errors.append(f"fatal: {event.exception}"[:300])
    return {
        "operations": sum(1 for _ in schema.get_all_operations()),
        "operations_checked": len(operations),
        "cases": sum(cases.values()),
        "cases_by_phase": dict(cases),
        "failures": dict(failures),
        "failed_operations": {k: sorted(v) for k, v in sorted(failed_operations.items())},
        "errors": errors,
        "tool_errors": tool_errors,
        "examples": [f"{op} {check}: {text}" for (op, check), text in sorted(examples.items())],
        "statuses": {op: dict(sorted(counts.items())) for op, counts in sorted(statuses.items())},
        "undeclarable": dict(_UNDECLARABLE_SEEN.most_common()),
    }


_TOOL_BUG = "AST constructor recursion depth mismatch"
_UNDECLARABLE_SEEN: Counter[str] = Counter()  # per run: why valid requests were refused
_HOOKS_REGISTERED = False


def _register_hooks() -> None:
    """Once per process: schemathesis hooks are global."""
    global _HOOKS_REGISTERED
    if _HOOKS_REGISTERED:
        return
    import schemathesis
    from schemathesis.openapi.checks import RejectedPositiveData

    @schemathesis.hook
    def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
        """Keep every failure but a valid request refused for a rule no schema can state."""
        if not isinstance(failure, RejectedPositiveData) or response.status_code != 400:
            return True
        if case.body is not None and not isinstance(case.body, dict) and "JSON object" in response.text:
            # Not valid data at all: every body in the document is an object. Schemathesis' coverage phase
            # sends a bare `0` as the "valid" body of POST /api/search (a body field beside a query parameter,
            # holding an image with alternative fields) when it varies the query parameter.
            _UNDECLARABLE_SEEN["schemathesis sent a non-object body as valid"] += 1
            return False
        reason = undeclarable_reason(response.text)
        if reason is None:
            return True
        _UNDECLARABLE_SEEN[reason] += 1
        return False

    _HOOKS_REGISTERED = True


def undeclarable_reason(answer: str) -> str | None:
    """Which rule outside any schema an OperationLog answer is about; None for any other answer."""
    try:
        log = json.loads(answer)
    except ValueError:
        return None
    if not isinstance(log, dict):
        return None
    if log.get("type") in UNDECLARABLE_TYPES:
        return UNDECLARABLE_TYPES[log["type"]]
    message = str(log.get("msg", ""))
    return next((why for fragment, why in UNDECLARABLE_MESSAGES.items() if fragment in message), None)


def _phase(case: Any) -> str:
    meta = case.meta
    return "" if meta is None else f"{meta.phase.name.value} {getattr(meta.phase.data, 'description', '')}"


def _mode(case: Any) -> str:
    return "invalid" if _is_negative(case) else "valid"


def _is_negative(case: Any) -> bool:
    return case.meta is not None and case.meta.generation.mode.is_negative


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.api_schema", description=__doc__)
    parser.add_argument("--base-url", required=True, help="API root, e.g. http://127.0.0.1:41101/api")
    parser.add_argument(
        "--api-key", default=os.environ.get("VISAGE_API_KEY"), help="default: $VISAGE_API_KEY"
    )
    parser.add_argument("--max-examples", type=int, default=200)
    args = parser.parse_args(argv)
    if not args.api_key:
        parser.error("an API key is needed: --api-key or VISAGE_API_KEY")
    result = run(args.base_url, args.api_key, args.max_examples)
    print(json.dumps(result, indent=2))
    return 0 if not result["failures"] and not result["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
