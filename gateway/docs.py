"""`/api/docs`: the OpenAPI document as one self-contained HTML page (no scripts, no CDN: works offline)."""

from __future__ import annotations

from html import escape
from typing import Any

_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em;color:#222}
h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
details{border:1px solid #ddd;border-radius:6px;margin:.5em 0;padding:.4em .8em}
summary{cursor:pointer} code{font-size:.95em} ul{margin:.2em 0;padding-left:1.4em}
.m{display:inline-block;width:4.5em;font-weight:bold;font-family:monospace}
.get{color:#0a6}.post{color:#06c}.put{color:#a60}.delete{color:#c22}.t{color:#777}
"""
_MAX_DEPTH = 6


def docs_page(document: dict[str, Any]) -> str:
    info = document["info"]
    schemas = document.get("components", {}).get("schemas", {})
    responses = document.get("components", {}).get("responses", {})
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{escape(info['title'])}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(info['title'])} <small class='t'>{escape(info['version'])}</small></h1>",
        f"<p>{escape(info.get('description', ''))}",
        " Machine-readable: <a href='openapi.json'>openapi.json</a>.</p>",
    ]
    if "OperationLog" in schemas:
        error = {"$ref": "#/components/schemas/OperationLog"}
        parts.append(f"<p>Every error answer is an OperationLog:</p>{_fields(error, schemas, 0)}")
    by_tag: dict[str, list[str]] = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            tag = (operation.get("tags") or ["other"])[0]
            by_tag.setdefault(tag, []).append(_operation(method, path, operation, schemas, responses))
    for tag, operations in by_tag.items():
        parts.append(f"<h2>{escape(tag)}</h2>")
        parts.extend(operations)
    parts.append("</body></html>")
    return "".join(parts)


def _operation(
    method: str, path: str, operation: dict[str, Any], schemas: dict[str, Any], responses: dict[str, Any]
) -> str:
    parts = [
        f"<details><summary><span class='m {method}'>{method.upper()}</span> <code>{escape(path)}</code>",
        f" <span class='t'>{escape(operation.get('summary', ''))}</span></summary>",
    ]
    parameters = operation.get("parameters", [])
    if parameters:
        items = "".join(
            f"<li><code>{escape(p['name'])}</code> ({p['in']}{', required' if p.get('required') else ''}): "
            f"{_type(p['schema'], schemas)}</li>"
            for p in parameters
        )
        parts.append(f"<p>Parameters</p><ul>{items}</ul>")
    body = operation.get("requestBody")
    if body:
        for media, content in body["content"].items():
            parts.append(f"<p>Request body ({escape(media)})</p>{_fields(content['schema'], schemas, 0)}")
    parts.append("<p>Responses</p><ul>")
    errors = [status for status, response in operation["responses"].items() if "$ref" in response]
    for status, response in operation["responses"].items():
        if status in errors:
            continue
        response = _resolve(response, responses)
        parts.append(f"<li><b>{status}</b> {escape(response.get('description', ''))}")
        for media, content in response.get("content", {}).items():
            parts.append(f" ({escape(media)}){_fields(content['schema'], schemas, 0)}")
        parts.append("</li>")
    if errors:
        parts.append(f"<li><b>{', '.join(errors)}</b> OperationLog</li>")
    parts.append("</ul></details>")
    return "".join(parts)


def _resolve(schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    return schemas.get(ref.rsplit("/", 1)[-1], {}) if ref else schema


def _type(schema: dict[str, Any], schemas: dict[str, Any]) -> str:
    if "$ref" in schema:
        return escape(_resolve(schema, schemas).get("title", schema["$ref"].rsplit("/", 1)[-1]))
    if "allOf" in schema:
        return _type(schema["allOf"][0], schemas) + " (deprecated)"
    kind = schema.get("type", "any")
    if kind == "array":
        items = _type(schema.get("items", {}), schemas)
        return f"array of {items}{escape(_bounds(schema, 'Items', 'items'))}"
    if "enum" in schema:
        detail = schema.get("description") or " | ".join(map(str, schema["enum"]))
    else:
        detail = ", ".join(filter(None, [schema.get("format", ""), schema.get("pattern", "")]))
    bounds = _bounds(schema, "imum", "") + _bounds(schema, "Length", "chars")
    return escape((f"{kind} ({detail})" if detail else kind) + bounds)


def _bounds(schema: dict[str, Any], suffix: str, unit: str) -> str:
    """` min..max unit` from the schema's `min{suffix}` / `max{suffix}` keywords; empty without them."""
    low, high = schema.get(f"min{suffix}"), schema.get(f"max{suffix}")
    if low is None and high is None:
        return ""
    return f" {'' if low is None else low}..{'' if high is None else high}{f' {unit}' if unit else ''}"


def _fields(schema: dict[str, Any], schemas: dict[str, Any], depth: int) -> str:
    """Nested list of an object's properties, following references and arrays of objects."""
    while schema.get("type") == "array":
        schema = schema.get("items", {})
    schema = _resolve(schema.get("allOf", [schema])[0], schemas)
    properties = schema.get("properties")
    if not properties or depth >= _MAX_DEPTH:
        return ""
    required = set(schema.get("required", []))
    items = "".join(
        f"<li><code>{escape(name)}</code>{'*' if name in required else ''}: {_type(sub, schemas)}"
        f"{_fields(sub, schemas, depth + 1)}</li>"
        for name, sub in properties.items()
    )
    return f"<ul>{items}</ul>"
