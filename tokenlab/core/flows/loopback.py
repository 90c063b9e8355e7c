"""The loopback listener that receives the sign-in's redirect (RFC 8252 7.3), and where it runs.

One small HTTP/1.1 server on 127.0.0.1 that waits for exactly one callback: a GET with the answer
in the query, or a form_post. Anything else (a favicon, a probe) gets 404 and the wait goes on.
Once it knows the sign-in's `state`, an answer with another state or none (any web page can
make a browser send one, with an `<img>`) gets 400 and is ignored: it cannot end the sign-in.
It answers a short "you can close this tab" page, then closes; closing also ends any connection
still open, so a cancelled flow leaves no socket and no task behind.

Also here: whether a browser can be opened on this machine, and the `ssh -L` line that forwards
the listener's port when tokenlab runs over SSH.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import hmac
import os
import socket
from dataclasses import dataclass
from html import escape
from urllib.parse import parse_qsl, urlsplit

from tokenlab.core import browser
from tokenlab.core.errors import RemedyKind, TokenlabError, remedy

MAX_HEAD_BYTES = 16 * 1024
MAX_BODY_BYTES = 64 * 1024  # a form_post carries a code, a state and an id_token: a few KiB
READ_TIMEOUT_S = 10.0  # a connection that sends nothing must not hold the listener
CLOSE_GRACE_S = 1.0  # how long closing waits for a connection to finish before cancelling it
CALLBACK_FIELDS = ("code", "error", "state", "id_token")


class LoopbackError(TokenlabError):
    """The listener could not start, or nothing came back in time."""


@dataclass(frozen=True)
class Callback:
    """What the browser delivered to the listener. `params` holds the code: never show them."""

    method: str  # "GET" (query) or "POST" (form_post)
    params: dict[str, str]


_DONE_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>tokenlab</title>
<style>body{{font-family:sans-serif;max-width:32em;margin:3em auto}}</style></head>
<body><h1>{title}</h1><p>{text}</p></body></html>"""

# A fragment (#code=...) never reaches a server: this page posts it back to the listener.
_FRAGMENT_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>tokenlab</title></head>
<body><p id="m">Handing the answer to tokenlab…</p><script>
var h = location.hash.slice(1);
if (h) {
  var f = document.createElement("form"); f.method = "post"; f.action = location.pathname;
  new URLSearchParams(h).forEach(function (v, k) {
    var i = document.createElement("input"); i.type = "hidden"; i.name = k; i.value = v;
    f.appendChild(i);
  });
  document.body.appendChild(f); history.replaceState(null, "", location.pathname); f.submit();
} else {
  document.getElementById("m").textContent = "This address carries no sign-in answer.";
}
</script></body></html>"""


def done_page(params: dict[str, str]) -> str:
    if "error" in params:
        # the error code is public; its explanation is in the terminal
        return _DONE_PAGE.format(
            title="Sign-in did not succeed",
            text=f"The identity service answered <code>{escape(params['error'][:80])}</code>. "
            "Return to tokenlab for the explanation; you can close this tab.",
        )
    return _DONE_PAGE.format(
        title="tokenlab received the sign-in",
        text="You can close this tab and return to the terminal.",
    )


_IGNORED_PAGE = (
    "This answer does not carry the state of the sign-in tokenlab is waiting for, so it was "
    "ignored. tokenlab goes on waiting for the real one.\n"
)


def _ignored_words(wrong: int, missing: int) -> str:
    """ "1 request with a wrong state and 2 requests without a state were ignored"; "" for none."""
    counted = ((wrong, "with a wrong state"), (missing, "without a state"))
    parts = [f"{n} request{'s' if n > 1 else ''} {what}" for n, what in counted if n]
    return (
        f"{' and '.join(parts)} {'was' if wrong + missing == 1 else 'were'} ignored"
        if parts
        else ""
    )


class LoopbackListener:
    """Waits on 127.0.0.1 for one callback at `path`. Use as `async with`; `wait()` for it.

    `state` (or `expect_state` once the sign-in address is built): only an answer carrying it
    counts; others get 400 and are counted in `ignored_wrong_state` / `ignored_missing_state`."""

    def __init__(
        self, *, port: int = 0, path: str = "/callback", host: str = "127.0.0.1", state: str = ""
    ) -> None:
        self.path = path or "/"
        self.host = host  # the redirect URI's host: 127.0.0.1, localhost or [::1]
        self._wanted_port = port
        self._state = state
        self._servers: list[asyncio.Server] = []
        self._connections: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._result: asyncio.Future[Callback] | None = None
        self.port = 0
        self.ignored_wrong_state = 0
        self.ignored_missing_state = 0

    def expect_state(self, state: str) -> None:
        """From now on, only an answer with this `state` ends the wait."""
        self._state = state

    def ignored(self) -> str:
        """What was ignored so far, in words ("" when nothing was)."""
        return _ignored_words(self.ignored_wrong_state, self.ignored_missing_state)

    @property
    def redirect_uri(self) -> str:
        host = f"[{self.host.strip('[]')}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{self.path}"

    async def start(self) -> None:
        self._result = asyncio.get_running_loop().create_future()
        bind = "::1" if self.host.strip("[]") == "::1" else "127.0.0.1"
        try:
            server = await asyncio.start_server(
                self._serve, bind, self._wanted_port, limit=MAX_HEAD_BYTES
            )
        except OSError as exc:
            raise LoopbackError(
                f"cannot listen on {bind} port {self._wanted_port}: {exc.strerror or exc}",
                "another program uses that port: close it, or choose another loopback_port "
                "(a loopback redirect URI without a port lets tokenlab pick a free one)",
            ) from None
        self._servers.append(server)
        self.port = server.sockets[0].getsockname()[1]
        if self.host == "localhost":
            # a browser may resolve localhost to ::1 first; listen there too when it exists
            with contextlib.suppress(OSError):
                self._servers.append(
                    await asyncio.start_server(self._serve, "::1", self.port, limit=MAX_HEAD_BYTES)
                )

    async def wait(self, timeout: float) -> Callback:
        """The callback, or a `LoopbackError` after `timeout` seconds."""
        if self._result is None:
            raise RuntimeError("start() the listener first")
        try:
            async with asyncio.timeout(timeout):
                return await asyncio.shield(self._result)
        except TimeoutError:
            raise self._timed_out(timeout) from None

    def _timed_out(self, timeout: float) -> LoopbackError:
        other_ways = remedy(RemedyKind.FINISH_SIGN_IN_ANOTHER_WAY, ways=("paste", "device"))
        message = f"no sign-in answer reached {self.redirect_uri} within {timeout:g} s"
        if self.ignored():
            return LoopbackError(
                f"{message}; {self.ignored()}",
                "an answer that does not carry this sign-in's state is not from this sign-in "
                "(another web page or an older sign-in may have sent it), so it cannot finish it; "
                "sign in again, and if the identity service sends no state back, finish the "
                "sign-in another way",
                other_ways,
            )
        return LoopbackError(
            message,
            "if the browser showed an error page instead of coming back here, the most likely "
            "cause is the redirect URI: it must be registered exactly on the Trusted "
            "Application (ImpersonateLoginUrl); over SSH, forward the port (ssh -L), or finish "
            "the sign-in another way",
            other_ways,
        )

    async def close(self) -> None:
        """Stop listening and end every open connection; safe to call twice."""
        servers, self._servers = self._servers, []
        for server in servers:
            server.close()  # the listening socket is gone from here on
        for writer in list(self._writers):
            writer.close()  # a handler still reading sees the end of its stream and returns
        tasks = list(self._connections)
        if tasks:
            _, stuck = await asyncio.wait(tasks, timeout=CLOSE_GRACE_S)
            for task in stuck:
                task.cancel()
            await asyncio.gather(*stuck, return_exceptions=True)
        for server in servers:
            await server.wait_closed()
        if self._result is not None and not self._result.done():
            self._result.cancel()

    async def __aenter__(self) -> LoopbackListener:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- one connection --------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
        self._writers.add(writer)
        try:
            try:
                async with asyncio.timeout(READ_TIMEOUT_S):
                    await self._answer(reader, writer)
            except (
                TimeoutError,
                ConnectionError,
                asyncio.IncompleteReadError,
                asyncio.LimitOverrunError,
            ):
                pass  # a browser that went away or a stray client: keep waiting for the real one
            finally:
                self._writers.discard(writer)
                writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()
        except asyncio.CancelledError:
            # only close() cancels a connection, as a last resort; ending quietly keeps
            # Python 3.11's stream server from logging the cancellation as an error
            pass
        finally:
            if task is not None:
                self._connections.discard(task)

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        try:
            method, target, _version = lines[0].split(" ", 2)
        except ValueError:
            await _respond(writer, 400, "text/plain", "bad request")
            return
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        parts = urlsplit(target)
        if parts.path != self.path:
            await _respond(writer, 404, "text/plain", "not found")
            return
        if method == "GET":
            params = dict(parse_qsl(parts.query, keep_blank_values=True))
            if not any(k in params for k in CALLBACK_FIELDS):
                await _respond(writer, 200, "text/html; charset=utf-8", _FRAGMENT_PAGE)
                return
        elif method == "POST":
            form = await _read_form(reader, writer, headers)
            if form is None:
                return
            params = form
        else:
            await _respond(writer, 405, "text/plain", "method not allowed", allow="GET, POST")
            return
        await self._deliver(writer, Callback(method, params))

    def _foreign(self, params: dict[str, str]) -> bool:
        """Does this answer carry another state, or none, while one is expected? Counted."""
        if not self._state:
            return False
        state = params.get("state")
        if state is None:
            self.ignored_missing_state += 1
            return True
        if not hmac.compare_digest(state.encode(), self._state.encode()):
            self.ignored_wrong_state += 1
            return True
        return False

    async def _deliver(self, writer: asyncio.StreamWriter, callback: Callback) -> None:
        result = self._result
        if result is None or result.done():
            await _respond(writer, 409, "text/plain", "tokenlab already has an answer")
            return
        if self._foreign(callback.params):
            await _respond(writer, 400, "text/plain; charset=utf-8", _IGNORED_PAGE)
            return
        try:
            await _respond(writer, 200, "text/html; charset=utf-8", done_page(callback.params))
        finally:
            # the answer counts even when the browser left before reading the page
            if not result.done():
                result.set_result(callback)


async def _read_form(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, headers: dict[str, str]
) -> dict[str, str] | None:
    ctype = headers.get("content-type", "").split(";")[0].strip().lower()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        await _respond(writer, 411, "text/plain", "length required")
        return None
    try:
        length = int(headers.get("content-length", "0"))
    except ValueError:
        length = -1
    if not 0 <= length <= MAX_BODY_BYTES:
        await _respond(writer, 413, "text/plain", "body too large")
        return None
    if ctype != "application/x-www-form-urlencoded":
        await _respond(writer, 415, "text/plain", "expected a form post")
        return None
    body = await reader.readexactly(length)
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


_REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    411: "Length Required",
    413: "Content Too Large",
    415: "Unsupported Media Type",
}


async def _respond(
    writer: asyncio.StreamWriter, status: int, ctype: str, body: str, *, allow: str = ""
) -> None:
    data = body.encode()
    head = [
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}",
        f"Content-Type: {ctype}",
        f"Content-Length: {len(data)}",
        "Connection: close",
        "Cache-Control: no-store",
        # the page's address holds the code: it must not leak to anything the page links to
        "Referrer-Policy: no-referrer",
        "X-Content-Type-Options: nosniff",
    ]
    if allow:
        head.append(f"Allow: {allow}")
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + data)
    await writer.drain()


# -- where tokenlab runs -------------------------------------------------------------------------


def over_ssh(env: dict[str, str] | None = None) -> bool:
    return browser.over_ssh(browser.Place() if env is None else browser.Place.described(env))


def has_display(env: dict[str, str] | None = None, platform: str | None = None) -> bool:
    """Can a browser open where the user sits? Not over SSH, not in a container, and on Linux
    only with a display (core/browser.py holds the table)."""
    place = browser.Place() if env is None else browser.Place.described(env, platform)
    if env is None and platform is not None:
        place = browser.Place(platform=platform)
    return browser.why_no_browser(place) is None


def ssh_forward_line(port: int, env: dict[str, str] | None = None) -> str:
    """`ssh -L PORT:127.0.0.1:PORT user@host`, to run on the user's own machine."""
    env = dict(os.environ) if env is None else env
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = env.get("USER", "you")
    host = socket.gethostname() or "this-host"
    return f"ssh -L {port}:127.0.0.1:{port} {user}@{host}"


async def open_browser(url: str, command: str = "") -> bool:
    """Try to open `url` (with the user's browser command, if any); False when none opened."""
    return await browser.open_in_browser(url, command)
