"""A stdlib instance whose token endpoint answers after a delay, counting requests in flight.

For the fleet's concurrency: how many requests the server saw at once (per path kind), and how
many discovery documents it served. Each handler runs in its own thread, so what overlaps at the
client overlaps here.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class InFlight:
    token_delay_s: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    now: int = 0
    peak: int = 0
    served: Counter[str] = field(default_factory=Counter)

    def enter(self, kind: str) -> None:
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
            self.served[kind] += 1

    def leave(self) -> None:
        with self.lock:
            self.now -= 1


def _handler(base: str, stats: InFlight) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _send(self, status: int, doc: object) -> None:
            body = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path == "/id/.well-known/openid-configuration":
                kind, doc = (
                    "discovery",
                    {
                        "issuer": f"{base}/id",
                        "token_endpoint": f"{base}/id/connect/token",
                        "jwks_uri": f"{base}/id/.well-known/openid-configuration/jwks",
                        "authorization_endpoint": f"{base}/id/connect/authorize",
                    },
                )
            elif self.path.endswith("/jwks"):
                kind, doc = "jwks", {"keys": []}
            else:
                kind, doc = "api", {"value": []}
            stats.enter(kind)
            try:
                self._send(200, doc)
            finally:
                stats.leave()

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            stats.enter("token")
            try:
                time.sleep(stats.token_delay_s)
                token = {"access_token": "opaque-fleet-token", "token_type": "Bearer"}
                self._send(200, {**token, "expires_in": 3600})
            finally:
                stats.leave()

    return Handler


@contextmanager
def slow_instance(token_delay_s: float) -> Iterator[tuple[str, InFlight]]:
    stats = InFlight(token_delay_s)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler("", stats))
    base = f"http://127.0.0.1:{server.server_address[1]}"
    server.RequestHandlerClass = _handler(base, stats)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base, stats
    finally:
        server.shutdown()
        server.server_close()
