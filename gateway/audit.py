"""The audit log: one JSON line per call of a data or admin route, on logger `visage.audit`.

Who (key id and tenant, never the key), what (method, route template, the ids it named or created), the
result (HTTP status) and the request id. Bodies are never logged: no image data, no names, no metadata.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

_audit = logging.getLogger("visage.audit")
_MAX_ID_CHARS = 128


def target_ids(query: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The query parameters that name stored things (`transactionId`, `tag`...), for the audit line."""
    return {name: value for name, value in query if name.endswith("Id") or name == "tag"}


def write_audit(state: dict[str, Any], method: str, status: int) -> None:
    """Log the call if it reached a data or admin route (the route set `targets`)."""
    targets = state.get("targets")
    if targets is None or not _audit.isEnabledFor(logging.INFO):  # the line is not built for nobody
        return
    caller = state.get("caller")
    record = {
        "requestId": state.get("request_id"),
        "keyId": caller.key_id if caller else None,
        "tenant": caller.tenant if caller else None,
        "method": method,
        "route": state.get("route"),
        "targets": {name: str(value)[:_MAX_ID_CHARS] for name, value in targets.items()},
        "status": status,
    }
    _audit.info(json.dumps(record, separators=(",", ":")))
