"""The gateway's browser files (/liveness/..., /static/..., /console) over HTTP, in process: types, caching,
the pages' CSP, and the setting that switches the console off."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from gateway.app import create_app
from gateway.settings import GatewaySettings
from gateway.static_routes import CONSOLE_FILES, STATIC_DIR, STATIC_FILES, static_routes

pytestmark = pytest.mark.unit


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = Starlette(routes=static_routes())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        yield http


async def test_every_file_is_served_with_its_type_and_contents(client: httpx.AsyncClient) -> None:
    for file in STATIC_FILES:
        response = await client.get(file.url)
        assert response.status_code == 200, file.url
        assert response.headers["content-type"] == file.media_type
        assert response.content == (STATIC_DIR / file.name).read_bytes()
        assert response.headers["x-content-type-options"] == "nosniff"


async def test_a_known_version_is_answered_304_without_a_body(client: httpx.AsyncClient) -> None:
    first = await client.get("/liveness/visage-liveness.js")
    etag = first.headers["etag"]
    again = await client.get("/liveness/visage-liveness.js", headers={"If-None-Match": f'"other", W/{etag}'})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
    changed = await client.get("/liveness/visage-liveness.js", headers={"If-None-Match": '"other"'})
    assert changed.status_code == 200


async def test_only_the_pages_carry_the_self_only_csp(client: httpx.AsyncClient) -> None:
    for url in ("/liveness/demo", "/console"):
        page = await client.get(url)
        policy = page.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy, url
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, url
        assert page.headers["cache-control"] == "no-cache"
    for url in ("/console/console.js", "/static/api-client.js"):
        assert "content-security-policy" not in (await client.get(url)).headers, url
    script = await client.get("/liveness/visage-liveness.js")
    assert script.headers["access-control-allow-origin"] == "*"  # loadable as a module by other origins
    assert script.headers["cache-control"] == "public, max-age=300"


async def test_paths_outside_the_table_are_not_served(client: httpx.AsyncClient) -> None:
    for path in ("/liveness/README.md", "/liveness/liveness-demo.html", "/liveness/../static_routes.py"):
        assert (await client.get(path)).status_code == 404, path


async def test_the_console_setting_switches_off_the_console_and_nothing_else() -> None:
    # The whole gateway app, not started: no backend is called for these routes.
    for console in (True, False):
        app = create_app(GatewaySettings(console=console))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            for file in CONSOLE_FILES:
                assert (await http.get(file.url)).status_code == (200 if console else 404), file.url
            for url in ("/liveness/demo", "/liveness/visage-liveness.js", "/static/api-client.js"):
                assert (await http.get(url)).status_code == 200, url
