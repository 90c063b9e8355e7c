"""A hostile or broken identity service and API on 127.0.0.1, for the fault and security tests.

One server, many behaviours: the first path segment names a *mode* and everything below it is an
ordinary authority (`/{mode}/id/...`) and API (`/{mode}/api/...`). A mode `{where}-{fault}` breaks
one endpoint (`where` is discovery, jwks, token or api) in one way (`fault`, see `FAULTS`); the
other endpoints answer normally, so a test reaches the broken one the way tokenlab would.
Special modes change what an endpoint *says* rather than how it answers (see `DOCUMENT_MODES`).

Every request is recorded (method, path, headers, body) so a test can prove what tokenlab sent,
and where: a secret that must not leave tokenlab must not be in `requests`.
"""

from __future__ import annotations

import base64
import functools
import gzip
import json
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote_plus

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "com.fault/app"
CLIENT_SECRET = "fault-secret"
ENDPOINTS = ("discovery", "jwks", "token", "api")


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class FaultServer:
    url: str
    drip_s: float
    requests: list[RecordedRequest] = field(default_factory=list)

    def authority(self, mode: str = "ok") -> str:
        return f"{self.url}/{mode}/id"

    def api(self, mode: str = "ok") -> str:
        return f"{self.url}/{mode}/api/domain/odata/"

    def sent(self, needle: str) -> list[RecordedRequest]:
        """Requests that carried `needle` anywhere (path, a header, the body)."""
        raw = needle.encode()
        return [
            r
            for r in self.requests
            if raw in r.body or needle in r.path or any(needle in v for v in r.headers.values())
        ]


@functools.cache
def _double_gzip(size: int) -> bytes:
    """`size` zero bytes gzipped twice: a few KiB on the wire, `size` bytes once inflated."""
    inner = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"\0" * (1 << 20)
    parts = [inner.compress(chunk) for _ in range(size >> 20)]
    parts.append(inner.flush())
    return gzip.compress(b"".join(parts), 9)


BOMB_SIZE = 256 << 20  # inflated: far past any cap tokenlab may set
ESCAPES = "\x1b]52;c;ZXZpbA==\x07\x1b[2J\x1b[H\r\ntokenlab: token issued OK\x1b[0m"
LEAKY_ACCESS = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJsZWFrIn0.bGVha3lhY2Nlc3N0b2tlbnNpZ25hdHVyZQ"
LEAKY_REFRESH = "leaky-refresh-token-0123456789abcdef"
# C1 controls (CSI, NEL), bidi override and isolate, a line separator: what json.dumps and a
# plain C0 filter let through.
ESCAPES_C1 = "\x9b2J\u202eKO si nekot\u2066\x85tokenlab: token issued OK\u2028\x1b[0m"


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    # -- plumbing --------------------------------------------------------------------------

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.owner.requests.append(
            RecordedRequest(self.command, self.path, dict(self.headers.items()), body)
        )
        mode, _, rest = self.path.lstrip("/").partition("/")
        where = _endpoint_of("/" + rest.split("?")[0])
        fault = mode.removeprefix(f"{where}-") if where and mode.startswith(f"{where}-") else ""
        if fault in FAULTS:
            FAULTS[fault](self)
            return
        if where is None:
            self.send_json(404, {"error": "not_found"})
            return
        NORMAL[where](self, mode)

    def send_raw(
        self, status: int, body: bytes, ctype: str = "application/json", **headers: str
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def send_json(self, status: int, value: Any, **headers: str) -> None:
        self.send_raw(status, json.dumps(value).encode(), **headers)

    def base(self, mode: str) -> str:
        host = self.headers.get("Host") or f"127.0.0.1:{self.server.server_address[1]}"
        return f"http://{host}/{mode}"


def _endpoint_of(rest: str) -> str | None:
    if rest.endswith("/.well-known/openid-configuration"):
        return "discovery"
    if rest.endswith("/jwks"):
        return "jwks"
    if rest.endswith("/connect/token"):
        return "token"
    if rest.startswith("/api/"):
        return "api"
    return None


# -- the ordinary answers ----------------------------------------------------------------------


def _discovery(h: _Handler, mode: str) -> None:
    issuer = f"{h.base(mode)}/id"
    doc: dict[str, Any] = {
        "issuer": issuer,
        "jwks_uri": f"{issuer}/.well-known/openid-configuration/jwks",
        "authorization_endpoint": f"{issuer}/connect/authorize",
        "token_endpoint": f"{issuer}/connect/token",
        "grant_types_supported": ["client_credentials", "authorization_code", "refresh_token"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "response_types_supported": ["code"],
    }
    change = DOCUMENT_MODES.get(mode)
    if change is not None:
        change(h, doc)
    h.send_json(200, doc, Date=_http_date())


def _jwks(h: _Handler, mode: str) -> None:
    keys = [h.server.jwk]
    change = JWKS_MODES.get(mode)
    h.send_json(200, {"keys": change(keys) if change else keys})


def _token(h: _Handler, mode: str) -> None:
    issuer = f"{h.base(mode)}/id"
    now = int(time.time())
    claims = {
        "iss": issuer,
        "aud": "DomainAPI",
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "client_id": CLIENT_ID,
        "scope": ["read"],
        "jti": base64.urlsafe_b64encode(now.to_bytes(8, "big")).decode(),
    }
    token = jwt.encode(claims, h.server.key, "RS256", headers={"kid": "fault-1", "typ": "at+jwt"})
    answer = {"access_token": token, "token_type": "Bearer", "expires_in": 3600, "scope": "read"}
    change = TOKEN_MODES.get(mode)
    if change is not None:
        h.send_raw(200, change(answer))
        return
    h.send_json(200, answer)


def _api(h: _Handler, mode: str) -> None:
    h.send_json(200, {"value": [{"Id": 1}]})


NORMAL: dict[str, Callable[[_Handler, str], None]] = {
    "discovery": _discovery,
    "jwks": _jwks,
    "token": _token,
    "api": _api,
}


def _http_date() -> str:
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())


# -- what a document says ----------------------------------------------------------------------


def _http_token_endpoint_elsewhere(h: _Handler, doc: dict[str, Any]) -> None:
    doc["token_endpoint"] = f"http://tokens.fault.test:{h.server.server_address[1]}/token"


def _issuer_mismatch(h: _Handler, doc: dict[str, Any]) -> None:
    doc["issuer"] = "https://someone-else.fault.test/id"


def _https_with_http_token_endpoint(h: _Handler, doc: dict[str, Any]) -> None:
    """Served over TLS (tests/support/tls_fault_server.py): every URL https, as the authority,
    except the token endpoint: plain http on another host."""
    for key, value in list(doc.items()):
        if isinstance(value, str) and value.startswith("http://"):
            doc[key] = "https://" + value.removeprefix("http://")
    _http_token_endpoint_elsewhere(h, doc)


def _escapes_in_fields(h: _Handler, doc: dict[str, Any]) -> None:
    """A usable document whose lists carry terminal escapes (`authority` prints them)."""
    doc["grant_types_supported"].append(ESCAPES)
    doc["token_endpoint_auth_methods_supported"].append(ESCAPES_C1)


DOCUMENT_MODES: dict[str, Callable[[_Handler, dict[str, Any]], None]] = {
    "discovery-http-token-endpoint": _http_token_endpoint_elsewhere,
    "discovery-issuer-mismatch": _issuer_mismatch,
    "discovery-https-http-token-endpoint": _https_with_http_token_endpoint,
    "discovery-escapes-in-fields": _escapes_in_fields,
}


def _many_keys(keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return keys + [{**keys[0], "kid": f"extra-{i}"} for i in range(10_000)]


def _small_keys_first(keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """10,000 tiny (unusable) keys, the real one last: small enough to pass the size cap, so a
    lookup by kid and the authority check meet every one of them."""
    return [
        {"kty": "RSA", "kid": f"extra-{i}", "n": "AQAB", "e": "AQAB"} for i in range(10_000)
    ] + keys


JWKS_MODES: dict[str, Callable[[list[dict[str, Any]]], list[dict[str, Any]]]] = {
    "jwks-10000-keys": _many_keys,
    "jwks-bad-n": lambda keys: [{**keys[0], "n": "not base64 at all!*"}],
    "jwks-n-list": lambda keys: [{**keys[0], "n": [1, 2, 3]}],
    "jwks-duplicate-kid": lambda keys: [keys[0], {**keys[0]}],
    "jwks-10000-small-keys": _small_keys_first,
}


def _with_expires_in(number: str) -> Callable[[dict[str, Any]], bytes]:
    """A token answer whose expires_in is `number` as written (json.dumps cannot write 1e400)."""

    def change(answer: dict[str, Any]) -> bytes:
        return (
            json.dumps({**answer, "expires_in": 0})
            .replace('"expires_in": 0', f'"expires_in": {number}')
            .encode()
        )

    return change


TOKEN_MODES: dict[str, Callable[[dict[str, Any]], bytes]] = {
    "token-expires-in-1e400": _with_expires_in("1e400"),
    "token-expires-in-400-digits": _with_expires_in("9" * 400),
}


# -- how an answer breaks ----------------------------------------------------------------------


def _drip_headers(h: _Handler) -> None:
    """One header byte every `drip_s`: each read is quick, the whole answer never comes."""
    try:
        h.wfile.write(b"HTTP/1.1 200 OK\r\n")
        h.wfile.flush()
        for byte in b"X-Slow: " + b"a" * 10_000:
            time.sleep(h.server.owner.drip_s)
            h.wfile.write(bytes([byte]))
            h.wfile.flush()
    except OSError:
        pass  # the client gave up: that is the point


def _drip_body(h: _Handler) -> None:
    try:
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", "10000")
        h.end_headers()
        for _ in range(10_000):
            time.sleep(h.server.owner.drip_s)
            h.wfile.write(b" ")
            h.wfile.flush()
    except OSError:
        pass


def _silent(h: _Handler) -> None:
    h.server.stopping.wait(60)


def _gzip_bomb(h: _Handler) -> None:
    h.send_raw(200, _double_gzip(BOMB_SIZE), Content_Encoding="gzip, gzip")


def _deep_json(h: _Handler) -> None:
    h.send_raw(200, b"[" * 100_000 + b"]" * 100_000)


def _deep_json_error(h: _Handler) -> None:
    """An error answer (400) nested 100,000 deep: the path that explains OAuth errors reads it."""
    h.send_raw(400, b'{"error": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")


def _html_500(h: _Handler) -> None:
    page = b"<html><head><title>Server Error</title></head><body>oops</body></html>"
    h.send_raw(500, page, "text/html")


def _invalid_json(h: _Handler) -> None:
    h.send_raw(200, b'{"issuer": "http://x", ')


def _redirect_loop(h: _Handler) -> None:
    h.send_raw(302, b"", "text/plain", Location=h.path)


def _huge(h: _Handler) -> None:
    h.send_raw(200, b'{"pad": "' + b"x" * (8 << 20) + b'"}')


def _escapes(h: _Handler) -> None:
    h.send_json(400, {"error": "invalid_request", "error_description": ESCAPES})


def _escapes_c1(h: _Handler) -> None:
    h.send_json(400, {"error": "invalid_request", "error_description": ESCAPES_C1})


def _echoed(h: _Handler) -> str:
    """What the request carried, echoed as a careless server would: the body as sent
    (URL-encoded), the Authorization and Cookie headers, and the Basic credentials decoded and
    re-encoded without URL-encoding, and their bare base64."""
    request = next(r for r in reversed(h.server.owner.requests) if r.path == h.path)
    auth = request.headers.get("Authorization", "")
    scheme, _, credentials = auth.partition(" ")
    plain = ""
    if scheme.lower() == "basic":
        user, _, password = base64.b64decode(credentials).decode().partition(":")
        pair = f"{unquote_plus(user)}:{unquote_plus(password)}"
        plain = base64.b64encode(pair.encode()).decode()
    return (
        f"received {request.body.decode('utf-8', 'replace')} with Authorization {auth}"
        f" (base64 {credentials}, read as Basic {plain} and {plain}),"
        f" Cookie {request.headers.get('Cookie', '')}"
    )


def _echo(h: _Handler) -> None:
    h.send_json(400, {"error": "invalid_client", "error_description": _echoed(h)})


def _echo_text(h: _Handler) -> None:
    h.send_raw(401, _echoed(h).encode(), "text/plain; charset=utf-8")


def _form_tokens(h: _Handler) -> None:
    body = f"access_token={LEAKY_ACCESS}&refresh_token={LEAKY_REFRESH}&token_type=Bearer"
    h.send_raw(200, body.encode(), "application/x-www-form-urlencoded")


def _json_array(h: _Handler) -> None:
    h.send_json(200, [{"access_token": LEAKY_ACCESS, "refresh_token": LEAKY_REFRESH}])


def _xssi(h: _Handler) -> None:
    doc = {"access_token": LEAKY_ACCESS, "refresh_token": LEAKY_REFRESH}
    h.send_raw(200, b")]}'\n" + json.dumps(doc).encode())


FAULTS: dict[str, Callable[[_Handler], None]] = {
    "drip-headers": _drip_headers,
    "drip-body": _drip_body,
    "silent": _silent,
    "gzip-bomb": _gzip_bomb,
    "deep-json": _deep_json,
    "deep-json-error": _deep_json_error,
    "html-500": _html_500,
    "invalid-json": _invalid_json,
    "redirect-loop": _redirect_loop,
    "huge": _huge,
    "escapes": _escapes,
    "form-tokens": _form_tokens,
    "json-array": _json_array,
    "xssi": _xssi,
    "escapes-c1": _escapes_c1,
    "echo": _echo,
    "echo-text": _echo_text,
}


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, owner: FaultServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.owner = owner
        self.stopping = threading.Event()
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.jwk: dict[str, Any] = {
            **json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key())),
            "kid": "fault-1",
            "alg": "RS256",
            "use": "sig",
        }


@contextmanager
def fault_server(drip_s: float = 0.3) -> Iterator[FaultServer]:
    """A running fault server; `drip_s` paces the drip faults (each read stays under a timeout)."""
    owner = FaultServer("", drip_s)
    server = _Server(owner)
    owner.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield owner
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()


def free_port() -> int:
    """A loopback port with nothing listening (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
