"""HTTP/1.1 plumbing on asyncio streams: a small parser, a response type and a router.

Only what the sandbox needs: Content-Length bodies (no chunked uploads), a body size cap,
keep-alive, and a quiet server that never logs requests (tokens travel in them).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlsplit

MAX_BODY = 1 << 20
MAX_HEAD = 16 * 1024
MAX_HEADERS = 100
IDLE_TIMEOUT = 30.0


class HttpError(Exception):
    """A malformed request: answered with ``status`` and the connection closed."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _params(raw: str) -> dict[str, str]:
    """Query or form parameters, first value wins, blanks kept."""
    return {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}


@dataclass
class Request:
    method: str
    target: str
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    body: bytes = b""
    header_counts: dict[str, int] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, str]:
        return _params(urlsplit(self.target).query)

    @property
    def form(self) -> dict[str, str]:
        ctype = self.headers.get("content-type", "")
        if not ctype.lower().startswith("application/x-www-form-urlencoded"):
            return {}
        return _params(self.body.decode("utf-8", "replace"))

    @property
    def cookies(self) -> dict[str, str]:
        jar: SimpleCookie = SimpleCookie()
        with contextlib.suppress(Exception):
            jar.load(self.headers.get("cookie", ""))
        return {k: m.value for k, m in jar.items()}

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    def header(self, name: str, value: str) -> Response:
        self.headers.append((name, value))
        return self


def json_response(data: Any, status: int = 200, *, cache: int | None = None) -> Response:
    resp = Response(status, json.dumps(data, indent=None).encode())
    resp.header("Content-Type", "application/json; charset=utf-8")
    if cache is None:
        resp.header("Cache-Control", "no-store").header("Pragma", "no-cache")
    else:
        resp.header("Cache-Control", f"max-age={cache}, public")
    return resp


def html_response(markup: str, status: int = 200) -> Response:
    resp = Response(status, markup.encode())
    resp.header("Content-Type", "text/html; charset=utf-8").header("Cache-Control", "no-store")
    return resp


def redirect(location: str, status: int = 302) -> Response:
    return Response(status).header("Location", location).header("Cache-Control", "no-store")


Handler = Callable[[Request], Awaitable[Response]]


class Router:
    """Exact paths first, then the longest matching prefix (``/api/domain/odata/`` style)."""

    def __init__(self) -> None:
        self._exact: dict[str, Handler] = {}
        self._prefix: list[tuple[str, Handler]] = []

    def add(self, path: str, handler: Handler) -> None:
        self._exact[path] = handler

    def add_prefix(self, prefix: str, handler: Handler) -> None:
        self._prefix.append((prefix, handler))
        self._prefix.sort(key=lambda item: -len(item[0]))

    def include(self, routes: Iterable[tuple[str, Handler]]) -> None:
        for path, handler in routes:
            self.add(path, handler)

    def find(self, path: str) -> Handler | None:
        if path in self._exact:
            return self._exact[path]
        for prefix, handler in self._prefix:
            if path.startswith(prefix):
                return handler
        return None


async def _read_request(reader: asyncio.StreamReader) -> Request | None:
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), IDLE_TIMEOUT)
    except asyncio.IncompleteReadError as exc:
        if exc.partial.strip():
            raise HttpError(400, "incomplete request head") from None
        return None
    except asyncio.LimitOverrunError:
        raise HttpError(431, "request head too large") from None
    except (TimeoutError, ConnectionError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise HttpError(400, "bad request line")
    method, target, _ = parts
    headers: dict[str, str] = {}
    counts: dict[str, int] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise HttpError(400, "bad header line")
        key = name.lower()
        value = value.strip()
        counts[key] = counts.get(key, 0) + 1
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    if len(counts) > MAX_HEADERS:
        raise HttpError(431, "too many headers")
    if "chunked" in headers.get("transfer-encoding", "").lower():
        raise HttpError(411, "chunked request bodies are not supported; send Content-Length")
    try:
        length = int(headers.get("content-length", "0"))
    except ValueError:
        raise HttpError(400, "bad Content-Length") from None
    if length < 0:
        raise HttpError(400, "bad Content-Length")
    if length > MAX_BODY:
        raise HttpError(413, "request body too large")
    body = await reader.readexactly(length) if length else b""
    return Request(method.upper(), target, headers, body, counts)


def _serialize(resp: Response, *, head_only: bool, keep_alive: bool, date: str) -> bytes:
    reason = HTTPStatus(resp.status).phrase if resp.status in HTTPStatus._value2member_map_ else ""
    lines = [f"HTTP/1.1 {resp.status} {reason}"]
    names = {name.lower() for name, _ in resp.headers}
    if "date" not in names:
        lines.append(f"Date: {date}")
    lines.append("Server: tokenlab-sandbox")
    lines.extend(f"{name}: {value}" for name, value in resp.headers)
    lines.append(f"Content-Length: {len(resp.body)}")
    lines.append("Connection: keep-alive" if keep_alive else "Connection: close")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head if head_only else head + resp.body


class HttpServer:
    """Serves a :class:`Router` on 127.0.0.1 (or the given host)."""

    def __init__(
        self,
        router: Router,
        *,
        clock: Callable[[], float],
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.router = router
        self.clock = clock
        self.on_error = on_error
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    async def start(self, host: str, port: int) -> None:
        self._server = await asyncio.start_server(self._connection, host, port, limit=MAX_HEAD)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), 2)
        self._server = None

    async def _dispatch(self, request: Request) -> Response:
        handler = self.router.find(request.path)
        if handler is None:
            return json_response({"message": f"No route for {request.path}"}, 404)
        try:
            return await handler(request)
        except Exception as exc:  # noqa: BLE001 - a bug must not kill the connection loop
            if self.on_error is not None:
                self.on_error(exc)
            return json_response(
                {"message": "sandbox internal error", "type": type(exc).__name__}, 500
            )

    async def _send(
        self, writer: asyncio.StreamWriter, resp: Response, *, head_only: bool, keep_alive: bool
    ) -> None:
        date = formatdate(self.clock(), usegmt=True)
        writer.write(_serialize(resp, head_only=head_only, keep_alive=keep_alive, date=date))
        await writer.drain()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                try:
                    request = await _read_request(reader)
                except HttpError as err:
                    resp = json_response({"message": str(err)}, err.status)
                    await self._send(writer, resp, head_only=False, keep_alive=False)
                    return
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                if request is None:
                    return
                resp = await self._dispatch(request)
                keep_alive = request.headers.get("connection", "").lower() != "close"
                await self._send(
                    writer, resp, head_only=request.method == "HEAD", keep_alive=keep_alive
                )
                if not keep_alive:
                    return
        except ConnectionError:
            pass
        finally:
            self._writers.discard(writer)
            with contextlib.suppress(Exception):
                writer.close()
