"""Which backend endpoint answers an HTTP method and path, or which error does."""

from __future__ import annotations

from collections.abc import Sequence

from gateway.discovery import Backend, Endpoint
from gateway.errors import BackendNotReadyError, MethodNotAllowedError, RouteNotFoundError
from gateway.rules import sort_routes


class RouteTable:
    """The endpoints of every discovered backend, most specific template first."""

    def __init__(self, backends: Sequence[Backend]) -> None:
        self.backends = tuple(backends)
        self._seen: tuple[int, ...] = ()
        self._endpoints: tuple[Endpoint, ...] = ()

    def endpoints(self) -> tuple[Endpoint, ...]:
        # Rebuilt only when a backend finished discovery since the last call.
        seen = tuple(len(b.endpoints) if b.discovered else -1 for b in self.backends)
        if seen != self._seen:
            # The first backend to declare a method + path serves it.
            first: dict[tuple[str, str], Endpoint] = {}
            for endpoint in (e for b in self.backends for e in b.endpoints):
                first.setdefault((endpoint.route.method, endpoint.route.template), endpoint)
            by_route = {endpoint.route: endpoint for endpoint in first.values()}
            self._endpoints = tuple(by_route[route] for route in sort_routes(list(by_route)))
            self._seen = seen
        return self._endpoints

    def pending(self) -> list[Backend]:
        return [b for b in self.backends if not b.discovered]

    def resolve(self, method: str, path: str) -> tuple[Endpoint, dict[str, str]]:
        """The endpoint and its path variables; the 404, 405 or 503 error otherwise."""
        allowed: list[str] = []
        for endpoint in self.endpoints():
            variables = endpoint.route.match(path)
            if variables is None:
                continue
            if endpoint.route.method == method:
                return endpoint, variables
            allowed.append(endpoint.route.method)
        if allowed:
            raise MethodNotAllowedError(
                f"{method} is not allowed on {path}; allowed: {', '.join(allowed)}", tuple(allowed)
            )
        pending = self.pending()
        if pending:
            waiting = "; ".join(f"{b.name} ({b.last_error})" for b in pending)
            raise BackendNotReadyError(f"no route for {method} {path} yet: waiting for backends {waiting}")
        raise RouteNotFoundError(f"no such endpoint: {method} {path}")
