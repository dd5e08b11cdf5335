"""A throwaway HTTP(S) server on a loopback address for the `imageUrl` fetcher tests.

Routes: /photo.jpg, /plain (no Content-Type), /declared-huge (Content-Length 1 GiB, then nothing),
/sized/<n> (n bytes, chunked), /endless (chunked until the client hangs up), /slow-headers, /trickle
(1 byte per 50 ms), /redirect/<n> (relative redirects down to /redirect/0, which serves the photo),
/go?to=<url> (302 to anywhere), /status/<code>, /gzip, /no-location.
"""

from __future__ import annotations

import gzip
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

_CHUNK = 64 * 1024
_REDIRECTS = (301, 302, 303, 307, 308)


class ImageServer:
    def __init__(
        self, image: bytes, host: str = "127.0.0.1", port: int = 0, tls: ssl.SSLContext | None = None
    ) -> None:
        self.image = image
        self.stopping = threading.Event()
        # (path, Host header) of every request, and the number of accepted connections.
        self.requests: list[tuple[str, str]] = []
        self.connections = 0
        self._httpd = _Server((host, port), _Handler, self)
        if tls is not None:
            # The handshake happens in the handler thread, on the first read.
            self._httpd.socket = tls.wrap_socket(
                self._httpd.socket, server_side=True, do_handshake_on_connect=False
            )
        self.host, self.port = host, self._httpd.server_address[1]
        self._scheme = "https" if tls else "http"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    def url(self, path: str, host: str | None = None) -> str:
        return f"{self._scheme}://{host or self.host}:{self.port}{path}"

    def __enter__(self) -> ImageServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], handler: type, owner: ImageServer) -> None:
        self.owner = owner
        super().__init__(address, handler)

    def verify_request(self, request: Any, client_address: Any) -> bool:
        self.owner.connections += 1
        return True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that hang up mid-body (size limits) or refuse our certificate are expected


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        owner = self.server.owner
        owner.requests.append((self.path, self.headers.get("Host", "")))
        parts = urlsplit(self.path)
        route, _, argument = parts.path.strip("/").partition("/")
        if route == "photo.jpg":
            self._answer(200, owner.image, {"Content-Type": "image/jpeg"})
        elif route == "plain":
            self._answer(200, owner.image, {})
        elif route == "declared-huge":
            self._head(200, {"Content-Type": "image/jpeg", "Content-Length": str(1 << 30)})
            self.wfile.write(owner.image[:16])
            owner.stopping.wait(10)
        elif route == "sized":
            self._chunked(int(argument))
        elif route == "endless":
            self._chunked(1 << 30)
        elif route == "slow-headers":
            owner.stopping.wait(3)
            self._answer(200, owner.image, {"Content-Type": "image/jpeg"})
        elif route == "trickle":
            self._head(200, {"Content-Type": "image/jpeg", "Content-Length": "200"})
            for _ in range(200):
                if owner.stopping.wait(0.05):
                    return
                self.wfile.write(b"x")
                self.wfile.flush()
        elif route == "redirect":
            hops = int(argument)
            if hops == 0:
                self._answer(200, owner.image, {"Content-Type": "image/jpeg"})
            else:
                self._answer(_REDIRECTS[hops % len(_REDIRECTS)], b"", {"Location": f"/redirect/{hops - 1}"})
        elif route == "go":
            self._answer(302, b"", {"Location": parse_qs(parts.query)["to"][0]})
        elif route == "status":
            self._answer(int(argument), b"nope", {"Content-Type": "text/plain"})
        elif route == "gzip":
            body = gzip.compress(owner.image)
            self._answer(200, body, {"Content-Type": "image/jpeg", "Content-Encoding": "gzip"})
        elif route == "no-location":
            self._answer(302, b"", {})
        else:
            self._answer(404, b"", {})

    def _head(self, status: int, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self._head(status, {**headers, "Content-Length": str(len(body))})
        self.wfile.write(body)

    def _chunked(self, size: int) -> None:
        self._head(200, {"Content-Type": "application/octet-stream", "Transfer-Encoding": "chunked"})
        sent = 0
        try:
            while sent < size and not self.server.owner.stopping.is_set():
                chunk = b"\xff" * min(_CHUNK, size - sent)
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass  # the client stopped reading: what a size limit should do
