"""The gateway's own health routes, shaped as Regula's: healthz (DeviceInfo), readyz, legacy readiness."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gateway.discovery import Backend
from gateway.errors import NotReadyError, error_response, request_id_of
from gateway.settings import GatewaySettings

SERVING = "SERVING"


class HealthRoutes:
    def __init__(self, settings: GatewaySettings, backends: tuple[Backend, ...]) -> None:
        self.settings = settings
        self.backends = backends

    def device_info(self) -> dict[str, Any]:
        # Regula's license fields: Visage has no license, so they are null, as the spec allows.
        return {
            "app": self.settings.app_name,
            "licenseId": None,
            "licenseSerial": None,
            "licenseValidUntil": None,
            "version": self.settings.version,
        }

    async def backend_states(self) -> dict[str, str]:
        """Each backend's gRPC health ("SERVING" or why not), asked in parallel."""
        states = await asyncio.gather(*(backend.health() for backend in self.backends))
        return {backend.name: state for backend, state in zip(self.backends, states, strict=True)}

    async def healthz(self, request: Request) -> Response:
        """Liveness: the gateway process answers; says nothing about the backends."""
        request.state.route = "/api/healthz"
        return JSONResponse(self.device_info())

    async def readyz(self, request: Request) -> Response:
        """200 when every backend is discovered and SERVING, else 503 naming them.

        Regula answers 400 for an invalid licence; Visage has no licence, and a backend still starting is a
        server-side condition, so it answers 503 (what load balancers and people read as "not yet").
        """
        request.state.route = "/api/readyz"
        states = await self.backend_states()
        failing = {name: state for name, state in states.items() if state != SERVING}
        if not failing:
            return JSONResponse({"status": "ready", "backends": states})
        reasons = "; ".join(f"{name}: {state}" for name, state in failing.items())
        return error_response(NotReadyError(f"not ready: {reasons}"), request_id_of(request), backends=states)

    async def readiness(self, request: Request) -> Response:
        """Legacy (spec <= 6.4) readyz: same statuses, a free-form object."""
        request.state.route = "/api/readiness"
        states = await self.backend_states()
        ready = all(state == SERVING for state in states.values())
        body = {"status": "ready" if ready else "not ready", "backends": states}
        return JSONResponse(body, status_code=200 if ready else NotReadyError.http_status)
