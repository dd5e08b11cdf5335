"""The gateway's browser pages: the `<visage-liveness>` element, its demo page, and the web console.

A fixed table of files from `gateway/static/` (no directory listing, no path from the URL ever reaches the
file system). Files are read once when the app is built; each answer carries a strong ETag so browsers
revalidate cheaply with `If-None-Match`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.observability import set_route_label

STATIC_DIR = Path(__file__).parent / "static"

# The pages run only their own files: no inline script or style, no other origin. The camera preview is a
# MediaStream (not fetched, so outside CSP); photos the user picks and images read from the API are shown
# from blob: or data: URLs, never loaded from elsewhere.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; media-src 'self' blob:; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
_COMMON_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
_PAGE_HEADERS = _COMMON_HEADERS | {
    "Content-Security-Policy": PAGE_CSP,
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
}
# The element may be embedded by pages of another origin (module scripts are fetched with CORS); it is public
# code, so any origin may load it. Calling the API from there still needs the gateway's CORS_ORIGINS.
_SCRIPT_HEADERS = _COMMON_HEADERS | {"Access-Control-Allow-Origin": "*"}
# Unversioned URLs: a short freshness window, then a cheap revalidation, so an upgrade reaches browsers fast.
SCRIPT_CACHE = "public, max-age=300"
PAGE_CACHE = "no-cache"
JAVASCRIPT = "text/javascript; charset=utf-8"
CSS = "text/css; charset=utf-8"
HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class StaticFile:
    """One served file: URL path, file name in `gateway/static/`, and how it is sent."""

    url: str
    name: str
    media_type: str
    cache_control: str
    headers: dict[str, str]


LIVENESS_FILES = (
    StaticFile(
        "/liveness/visage-liveness.js", "visage-liveness.js", JAVASCRIPT, SCRIPT_CACHE, _SCRIPT_HEADERS
    ),
    StaticFile("/liveness/demo", "liveness-demo.html", HTML, PAGE_CACHE, _PAGE_HEADERS),
    StaticFile("/liveness/demo.js", "liveness-demo.js", JAVASCRIPT, PAGE_CACHE, _COMMON_HEADERS),
    StaticFile("/liveness/demo.css", "liveness-demo.css", CSS, PAGE_CACHE, _COMMON_HEADERS),
)
# What the demo page and the console share: the key from the address, API calls, errors as one line.
SHARED_FILES = (
    StaticFile("/static/api-client.js", "api-client.js", JAVASCRIPT, PAGE_CACHE, _COMMON_HEADERS),
)
# The web console (`console.html`); the gateway setting `console` switches it off.
CONSOLE_FILES = (
    StaticFile("/console", "console.html", HTML, PAGE_CACHE, _PAGE_HEADERS),
    StaticFile("/console/console.js", "console.js", JAVASCRIPT, PAGE_CACHE, _COMMON_HEADERS),
    StaticFile("/console/console.css", "console.css", CSS, PAGE_CACHE, _COMMON_HEADERS),
)
STATIC_FILES = LIVENESS_FILES + SHARED_FILES + CONSOLE_FILES


class StaticEndpoint:
    """GET (and HEAD) of one file, with a 304 when the client already has this version."""

    def __init__(self, file: StaticFile, directory: Path) -> None:
        self.file = file
        self.content = (directory / file.name).read_bytes()
        self.etag = '"' + hashlib.sha256(self.content).hexdigest()[:32] + '"'

    async def respond(self, request: Request) -> Response:
        set_route_label(request, self.file.url)
        headers = self.file.headers | {"ETag": self.etag, "Cache-Control": self.file.cache_control}
        if self.etag in _etags(request.headers.get("if-none-match", "")):
            return Response(status_code=304, headers=headers)
        return Response(self.content, media_type=self.file.media_type, headers=headers)


def _etags(header: str) -> set[str]:
    # Proxies may turn strong tags into weak ones (W/"..."); the content is the same either way.
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def static_routes(directory: Path = STATIC_DIR, *, console: bool = True) -> list[Route]:
    """Routes for every file of `STATIC_FILES`, the console's only with `console`; a missing file fails here,
    when the app is built."""
    files = STATIC_FILES if console else LIVENESS_FILES + SHARED_FILES
    # A bound method, not the instance: Starlette treats callable objects as raw ASGI apps.
    return [Route(f.url, StaticEndpoint(f, directory).respond, methods=["GET"]) for f in files]
