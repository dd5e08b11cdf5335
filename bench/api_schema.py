"""A property-based run of schemathesis against a running Visage, driven by the gateway's OpenAPI document.

`run(base_url, api_key, max_examples)` generates requests for every operation (schema examples, coverage of
each constraint's edges, random valid and invalid data, and stateful chains along the document's links: create
a group, then read, change and delete it) and returns the counts: cases generated and failures by check.
tests/e2e/test_api_schema.py runs it briefly in `make test`; a soak calls it with many examples.
`python -m bench.api_schema --base-url URL [--api-key KEY] [--max-examples N]` runs against a platform that is
up (`make run`) and prints the counts as JSON. It is not a `python -m bench` benchmark (`BENCHMARK = False`).

What the run cannot make valid, and how it is told (the only allowances; each is an answer the document
declares):
- Photos: valid `format: byte` values are real face photos from tests/data/faces (random bytes would never
  decode), so detection, matching and enrolment answer 200 and their answers are checked against the
  document. Still, a schema-valid request may carry what no schema can rule out: an `imageUrl` that cannot
  be fetched, both `content` and `imageUrl`, more images than the key may send, repeated indexes, random
  liveness frames. On the operations that take images a 400 is therefore an accepted answer to valid data;
  every other check still applies there.
- `expireAt` must lie in the future, which a JSON Schema cannot say: valid cases get a date a day ahead.
- DELETE /api/v2/liveness needs `transactionId` or `tag` (Regula's rule, in words only: OpenAPI 3.0 cannot
  require one of two parameters): valid cases without either are not sent.
"""

from __future__ import annotations

import argparse
import base64
import datetime
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
# Operations whose valid requests carry generated image data (see the module docstring).
IMAGE_OPERATIONS = (
    "POST /api/detect",
    "POST /api/match",
    "POST /api/match_and_search",
    "POST /api/search",
    "POST /api/persons/{personId}/images",
    "POST /api/v2/liveness/submit",
)
# A key may send 100 requests a second by default (gateway/auth.py): stay under it.
RATE_LIMIT = "80/s"


def config(base_url: str, api_key: str, max_examples: int) -> Any:
    """The schemathesis configuration of a run: the key, the checks, the image allowance."""
    from schemathesis.config import SchemathesisConfig

    image_statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]
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
            "operations": [
                {
                    "include-name": name,
                    "checks": {"positive_data_acceptance": {"expected-statuses": image_statuses}},
                }
                for name in IMAGE_OPERATIONS
            ],
        }
    )


def run(base_url: str, api_key: str, max_examples: int) -> dict[str, Any]:
    """Every operation of the document at `base_url` (the API root, `.../api`), tested with `api_key`.

    Returns {"operations", "operations_checked", "cases", "cases_by_phase", "failures": {check: count},
    "failed_operations": {operation: [checks]}, "errors": [message], "examples": [one line per failure kind]}.
    """
    import schemathesis
    from hypothesis import strategies
    from schemathesis.specs.openapi.formats import unregister_string_format

    _register_hooks()
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
    examples: dict[tuple[str, str], str] = {}
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            cases[str(event.phase.value)] += len(recorder.cases)
            for case_id, checks in recorder.checks.items():
                label = recorder.cases[case_id].value.operation.label
                operations.add(label)
                for check in checks:
                    if check.status == Status.FAILURE:
                        failures[check.name] += 1
                        failed_operations.setdefault(label, set()).add(check.name)
                        if check.failure_info is not None:
                            failure = check.failure_info.failure
                            examples.setdefault(
                                (label, check.name), f"{failure.title}: {failure.message}"[:300]
                            )
        elif isinstance(event, events.NonFatalError):
            inner = "; ".join(str(e)[:300] for e in getattr(event.value, "exceptions", ()))
            errors.append(f"{event.label}: {event.info.message}"[:300] + (f" ({inner})" if inner else ""))
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
        "examples": [f"{op} {check}: {text}" for (op, check), text in sorted(examples.items())],
    }


_HOOKS_REGISTERED = False


def _register_hooks() -> None:
    """Once per process: schemathesis hooks are global."""
    global _HOOKS_REGISTERED
    if _HOOKS_REGISTERED:
        return
    import schemathesis

    @schemathesis.hook
    def map_case(context: Any, case: Any) -> Any:
        # `expireAt` must be in the future (libs/identification/persons.py); a schema cannot say so.
        body = case.body
        if not _is_negative(case) and isinstance(body, dict) and isinstance(body.get("expireAt"), str):
            tomorrow = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
            body["expireAt"] = tomorrow.isoformat()
        return case

    @schemathesis.hook
    def filter_case(context: Any, case: Any) -> bool:
        # DELETE /api/v2/liveness needs transactionId or tag, which OpenAPI 3.0 cannot declare.
        if case.operation.label != "DELETE /api/v2/liveness" or _is_negative(case):
            return True
        query = case.query or {}
        return bool(query.get("transactionId") or query.get("tag"))

    _HOOKS_REGISTERED = True


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
