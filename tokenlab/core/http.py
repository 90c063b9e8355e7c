"""The one httpx client factory: timeouts, TLS, proxies, a size cap, and a recorder.

Every request passes `RecordingTransport`, which gives the whole exchange one deadline, reads
the body within a cap on both the wire and the decoded bytes (`http_body`), publishes one
`HttpExchange` event per exchange with secrets masked by the `Redactor`, and turns transport
failures into `TokenlabError`s that say what to check (`http_errors`). Nothing else in
tokenlab builds an httpx client.
"""

from __future__ import annotations

import asyncio
import ssl
import time
import urllib.request
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from tokenlab import __version__
from tokenlab.core.errors import (
    InvalidUrlError,
    RemedyKind,
    RequestTimeoutError,
    TokenlabError,
    UsageError,
    remedy,
)
from tokenlab.core.events import Bus, HttpExchange
from tokenlab.core.http_body import ACCEPT_ENCODING, CappedBody
from tokenlab.core.http_errors import explain_transport_error
from tokenlab.core.json_text import MAX_JSON_DEPTH, nests_deeper_than
from tokenlab.core.redact import Redactor
from tokenlab.core.timeouts import check_seconds

if TYPE_CHECKING:
    from tokenlab.core.profiles import Profile

USER_AGENT = f"tokenlab/{__version__}"
# Held around each exchange: a caller running many clients at once bounds requests per host.
RequestGate = Callable[[httpx.Request], AbstractAsyncContextManager[object]]
MAX_BODY_BYTES = 4 * 1024 * 1024  # identity and API answers are small; a bigger one is a mistake


@dataclass(frozen=True)
class HttpOptions:
    """A client's timeout, TLS trust and body cap, from a profile or given."""

    timeout: float = 10.0
    verify: bool = True
    ca_bundle: str = ""
    os_trust_store: bool = False
    max_body_bytes: int = MAX_BODY_BYTES

    def __post_init__(self) -> None:
        check_seconds(self.timeout)  # inf would wait forever, nan never compares, 0 never ends

    @classmethod
    def from_profile(cls, profile: Profile) -> HttpOptions:
        return cls(
            timeout=profile.timeout,
            verify=profile.tls.verify,
            ca_bundle=profile.tls.ca_bundle,
            os_trust_store=profile.tls.os_trust_store,
        )


def ssl_context(options: HttpOptions) -> ssl.SSLContext | bool:
    """The TLS trust to use: certifi's bundle, or the OS store, plus an optional CA bundle."""
    if not options.verify:
        return False
    if options.os_trust_store:
        import truststore  # lazy: only when asked for

        ctx: ssl.SSLContext = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    else:
        import certifi

        ctx = ssl.create_default_context(cafile=certifi.where())
    if options.ca_bundle:
        try:
            ctx.load_verify_locations(cafile=options.ca_bundle)
        except (OSError, ssl.SSLError) as exc:
            raise UsageError(
                f"cannot load the CA bundle {options.ca_bundle!r}: {exc}",
                "give the path of a readable PEM file of CA certificates",
                remedy=remedy(RemedyKind.TRUST_CA),
            ) from None
    return ctx


class ClientSharing:
    """What many clients running at once share: a gate entered around each exchange (a bound
    on requests per host across clients), and one TLS context per trust setting (loading a CA
    bundle takes tens of milliseconds: once, not once per client)."""

    def __init__(self, gate: RequestGate | None = None) -> None:
        self.gate = gate
        self._trust: dict[tuple[bool, str, bool], ssl.SSLContext | bool] = {}

    def trust(self, options: HttpOptions) -> ssl.SSLContext | bool:
        key = (options.verify, options.ca_bundle, options.os_trust_store)
        if key not in self._trust:
            self._trust[key] = ssl_context(options)
        return self._trust[key]


class _CheckedClient(httpx.AsyncClient):
    """An address httpx cannot build a request for (a port that is not a number, an unclosed
    IPv6 bracket, a host IDNA refuses) came from a profile or, worse, from a server's document:
    one clear error, never an exception from deep inside httpx."""

    def build_request(self, method: str, url: Any, **kwargs: Any) -> httpx.Request:
        try:
            return super().build_request(method, url, **kwargs)
        except (httpx.InvalidURL, ValueError) as exc:  # IDNAError is a UnicodeError, a ValueError
            shown = Redactor().url(str(url))[:200]
            raise InvalidUrlError(
                f"{shown!r} is not an address tokenlab can send a request to ({type(exc).__name__})",
                "check the URL in the profile, or the endpoint the identity service published",
            ) from None


def build_client(
    options: HttpOptions,
    *,
    bus: Bus | None = None,
    run_id: str = "",
    redactor: Redactor | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    sharing: ClientSharing | None = None,
) -> httpx.AsyncClient:
    """An AsyncClient whose every exchange is capped, recorded (masked) and explained on failure.

    Redirects are not followed: they are evidence (a sign-in page), so callers follow them by
    hand. `transport` replaces the network (tests of faults a real server cannot show);
    `sharing` is what many clients at once share (the fleet's).
    """
    redactor = redactor or Redactor()
    gate = sharing.gate if sharing is not None else None

    def recorded(inner: httpx.AsyncBaseTransport) -> RecordingTransport:
        return RecordingTransport(
            inner, options=options, bus=bus, run_id=run_id, redactor=redactor, gate=gate
        )

    if transport is not None:
        default = recorded(transport)
        mounts: dict[str, httpx.AsyncBaseTransport | None] = {}
    else:
        routes = proxy_routes()
        if sharing is not None:  # built once for all the clients sharing it
            verify: ssl.SSLContext | bool | None = sharing.trust(options)
        else:
            verify = ssl_context(options) if routes or options.ca_bundle else None
        default = recorded(TlsOnDemandTransport(options, verify))
        mounts = {
            pattern: recorded(httpx.AsyncHTTPTransport(verify=verify or False, proxy=proxy))
            if proxy
            else default
            for pattern, proxy in routes.items()
        }
    return _CheckedClient(
        transport=default,
        mounts=mounts,
        timeout=httpx.Timeout(options.timeout),
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": ACCEPT_ENCODING},
        trust_env=False,  # proxies are routed by proxy_routes(); the rest of env is not trusted
    )


class TlsOnDemandTransport(httpx.AsyncBaseTransport):
    """Direct connections, whose TLS trust is built on the first https request: loading
    certifi's bundle takes ~17 ms, which a run against http:// (the sandbox, a loopback
    server) never needs. `verify` given: that trust, built already (a CA bundle is checked
    when the client is built, so a bad path is refused before any request)."""

    def __init__(self, options: HttpOptions, verify: ssl.SSLContext | bool | None = None) -> None:
        self._options = options
        self._verify = verify
        self._plain: httpx.AsyncHTTPTransport | None = None
        self._tls: httpx.AsyncHTTPTransport | None = None

    def _for(self, url: httpx.URL) -> httpx.AsyncHTTPTransport:
        if url.scheme != "https":  # plain http never uses TLS: no trust to load
            if self._plain is None:
                self._plain = httpx.AsyncHTTPTransport(verify=False)
            return self._plain
        if self._tls is None:
            verify = self._verify if self._verify is not None else ssl_context(self._options)
            self._tls = httpx.AsyncHTTPTransport(verify=verify)
        return self._tls

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._for(request.url).handle_async_request(request)

    async def aclose(self) -> None:
        for transport in (self._plain, self._tls):
            if transport is not None:
                await transport.aclose()


def proxy_routes() -> dict[str, str | None]:
    """httpx mount patterns from HTTP(S)_PROXY / ALL_PROXY / NO_PROXY; loopback always direct."""
    env = urllib.request.getproxies()
    routes: dict[str, str | None] = {}
    no_proxy = [h.strip() for h in env.get("no", "").split(",") if h.strip()]
    if "*" in no_proxy:
        return routes
    for scheme in ("http", "https"):
        proxy = env.get(scheme) or env.get("all")
        if proxy:
            routes[f"{scheme}://"] = proxy if "://" in proxy else f"http://{proxy}"
    if routes:
        for host in ["127.0.0.1", "localhost", "[::1]", *no_proxy]:
            host = host.lstrip(".")
            routes[
                f"all://*{host}" if not host[:1].isdigit() and host[:1] != "[" else f"all://{host}"
            ] = None
    return routes


class RecordingTransport(httpx.AsyncBaseTransport):
    """Sends through `inner` within one deadline, reads and decodes the body with a cap, and
    publishes a masked `HttpExchange`."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        options: HttpOptions,
        bus: Bus | None,
        run_id: str,
        redactor: Redactor,
        gate: RequestGate | None = None,
    ) -> None:
        self.gate = gate
        self.inner = inner
        self.options = options
        self.bus = bus
        self.run_id = run_id
        self.redactor = redactor

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.gate is None:
            return await self._exchange(request)
        async with self.gate(request):  # waiting here is not the exchange's time: no deadline
            return await self._exchange(request)

    async def _exchange(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        request_body = await request.aread()
        seconds = _deadline_s(request, self.options)
        # httpx's timeouts bound each read; a server that drips a byte at a time never
        # trips them, so the whole exchange (connect, headers, body) has one deadline.
        deadline = asyncio.timeout(seconds)
        try:
            async with deadline:
                response = await self.inner.handle_async_request(request)
                body = await self._read_capped(response, request)
        except TimeoutError:
            if not deadline.expired():
                raise
            late = RequestTimeoutError(
                f"no complete answer from {self.redactor.url(str(request.url))} within {seconds:g} s",
                "the server may be down, slow, or sending its answer too slowly",
                remedy(RemedyKind.RAISE_TIMEOUT, seconds=seconds),
            )
            self._publish(request, request_body, None, started, error=late.message)
            raise late from None
        except TokenlabError as exc:
            self._publish(request, request_body, None, started, error=exc.message)
            raise
        except httpx.HTTPError as exc:
            error = await explain_transport_error(exc, request, self.options)
            self._publish(request, request_body, None, started, error=error.message)
            raise error from None
        self._publish(request, request_body, (response, body), started)
        return httpx.Response(
            response.status_code,
            # the body is decoded here: httpx must not decode it again
            headers=[(k, v) for k, v in response.headers.multi_items() if k not in _DECODED],
            content=body,
            request=request,
            extensions=response.extensions,
        )

    async def _read_capped(self, response: httpx.Response, request: httpx.Request) -> bytes:
        def where() -> str:  # only an error names the answer
            return self.redactor.url(str(request.url))

        cap = self.options.max_body_bytes
        # A body is read only once its stream is consumed: an answer from the network never is
        # here, so it does not pay for the exception `content` raises when unread.
        if response.is_stream_consumed:
            try:
                content = response.content  # read and decoded (a transport built it in memory)
            except httpx.ResponseNotRead:
                pass
            else:
                body = CappedBody((), cap=cap, where=where)
                body.feed(content)
                return body.finish()
        try:
            body = CappedBody(
                response.headers.get_list("content-encoding", split_commas=True),
                cap=cap,
                where=where,
            )
            # the transport's stream itself: httpx's aiter_raw adds only bookkeeping of a
            # response that is replaced below (its errors are mapped by the transport already)
            stream = response.stream
            if not isinstance(stream, httpx.AsyncByteStream):  # as httpx's aiter_raw says it
                raise RuntimeError("Attempted to call an async iterator on an sync stream.")
            async for chunk in stream:
                body.feed(chunk)
            return body.finish()
        finally:
            await response.aclose()

    def _publish(
        self,
        request: httpx.Request,
        request_body: bytes,
        answer: tuple[httpx.Response, bytes] | None,
        started: float,
        error: str = "",
    ) -> None:
        if self.bus is None or not self.bus.wants(HttpExchange):
            return  # nobody records this exchange: no masked copies to make
        r = self.redactor
        status, headers, body = (
            (answer[0].status_code, r.headers(list(answer[0].headers.items())), answer[1])
            if answer is not None
            else (None, (), b"")
        )
        ctype = answer[0].headers.get("content-type", "") if answer is not None else ""
        self.bus.publish(
            HttpExchange(
                run_id=self.run_id,
                method=request.method,
                url=r.url(str(request.url)),
                request_headers=r.headers(list(request.headers.items())),
                request_body=r.body(request.headers.get("content-type", ""), request_body),
                status=status,
                response_headers=headers,
                response_body=_trace_body(r, ctype, body),
                elapsed_ms=round((time.perf_counter() - started) * 1000, 1),
                error=r.text(error),  # a transport error may quote what the server sent
            )
        )

    async def aclose(self) -> None:
        await self.inner.aclose()


_DECODED = ("content-encoding", "content-length", "transfer-encoding")


def _deadline_s(request: httpx.Request, options: HttpOptions) -> float:
    """The whole exchange's deadline: the request's own timeout if it set one, else the options'."""
    given = request.extensions.get("timeout") or {}
    values = [v for v in given.values() if isinstance(v, int | float) and v > 0]
    return max(values, default=options.timeout)


def _trace_body(redactor: Redactor, content_type: str, body: bytes) -> str:
    """The masked body for the trace; JSON too deep for a recursive reader is described, not
    shown (the redactor reads JSON recursively)."""
    if body.count(b"[") + body.count(b"{") > MAX_JSON_DEPTH and nests_deeper_than(
        body.decode("utf-8", "replace"), MAX_JSON_DEPTH
    ):
        return f"<{len(body)} bytes of JSON nested more than {MAX_JSON_DEPTH} levels deep>"
    return redactor.body(content_type, body)
