"""The one httpx client factory: timeouts, TLS, proxies, a size cap, and a recorder.

Every request passes `RecordingTransport`, which publishes one `HttpExchange` event per
exchange with secrets masked by the `Redactor`, and turns transport failures into
`TokenlabError`s that say what to check. Nothing else in tokenlab builds an httpx client.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx

from tokenlab import __version__
from tokenlab.core.errors import (
    DnsError,
    RemedyKind,
    RequestTimeoutError,
    ResponseTooLargeError,
    ServerUnreachableError,
    TlsVerificationError,
    TokenlabError,
    TransportError,
    UsageError,
    remedy,
)
from tokenlab.core.events import Bus, HttpExchange
from tokenlab.core.redact import Redactor

if TYPE_CHECKING:
    from tokenlab.core.profiles import Profile

USER_AGENT = f"tokenlab/{__version__}"
MAX_BODY_BYTES = 4 * 1024 * 1024  # identity and API answers are small; a bigger one is a mistake


@dataclass(frozen=True)
class HttpOptions:
    timeout: float = 10.0
    verify: bool = True
    ca_bundle: str = ""
    os_trust_store: bool = False
    max_body_bytes: int = MAX_BODY_BYTES

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


def build_client(
    options: HttpOptions,
    *,
    bus: Bus | None = None,
    run_id: str = "",
    redactor: Redactor | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """An AsyncClient whose every exchange is capped, recorded (masked) and explained on failure.

    Redirects are not followed: they are evidence (a sign-in page), so callers follow them by
    hand. `transport` replaces the network (tests of faults a real server cannot show).
    """
    redactor = redactor or Redactor()
    verify = ssl_context(options)

    def recorded(inner: httpx.AsyncBaseTransport) -> RecordingTransport:
        return RecordingTransport(inner, options=options, bus=bus, run_id=run_id, redactor=redactor)

    if transport is not None:
        default = recorded(transport)
        mounts: dict[str, httpx.AsyncBaseTransport | None] = {}
    else:
        default = recorded(httpx.AsyncHTTPTransport(verify=verify))
        mounts = {
            pattern: recorded(httpx.AsyncHTTPTransport(verify=verify, proxy=proxy))
            if proxy
            else default
            for pattern, proxy in proxy_routes().items()
        }
    return httpx.AsyncClient(
        transport=default,
        mounts=mounts,
        timeout=httpx.Timeout(options.timeout),
        headers={"User-Agent": USER_AGENT},
        trust_env=False,  # proxies are routed by proxy_routes(); the rest of env is not trusted
    )


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
    """Sends through `inner`, reads the body with a cap, publishes a masked `HttpExchange`."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        options: HttpOptions,
        bus: Bus | None,
        run_id: str,
        redactor: Redactor,
    ) -> None:
        self.inner = inner
        self.options = options
        self.bus = bus
        self.run_id = run_id
        self.redactor = redactor

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        request_body = await request.aread()
        try:
            response = await self.inner.handle_async_request(request)
            raw = await self._read_capped(response, request)
        except TokenlabError as exc:
            self._publish(request, request_body, None, started, error=exc.message)
            raise
        except httpx.HTTPError as exc:
            error = await explain_transport_error(exc, request, self.options)
            self._publish(request, request_body, None, started, error=error.message)
            raise error from None
        result = httpx.Response(
            response.status_code,
            headers=response.headers,
            content=raw,
            request=request,
            extensions=response.extensions,
        )
        self._publish(request, request_body, result, started)
        return result

    async def _read_capped(self, response: httpx.Response, request: httpx.Request) -> bytes:
        try:
            return response.content  # already read (a transport that built it in memory)
        except httpx.ResponseNotRead:
            pass
        chunks: list[bytes] = []
        size = 0
        try:
            async for chunk in response.aiter_raw():
                size += len(chunk)
                if size > self.options.max_body_bytes:
                    raise ResponseTooLargeError(
                        f"the response from {request.url.host} is larger than "
                        f"{self.options.max_body_bytes // 1024} KiB",
                        "this is not an identity or API answer: check the URL",
                    )
                chunks.append(chunk)
        finally:
            await response.aclose()
        return b"".join(chunks)

    def _publish(
        self,
        request: httpx.Request,
        request_body: bytes,
        response: httpx.Response | None,
        started: float,
        error: str = "",
    ) -> None:
        if self.bus is None:
            return
        r = self.redactor
        self.bus.publish(
            HttpExchange(
                run_id=self.run_id,
                method=request.method,
                url=r.url(str(request.url)),
                request_headers=r.headers(list(request.headers.items())),
                request_body=r.body(request.headers.get("content-type", ""), request_body),
                status=response.status_code if response is not None else None,
                response_headers=r.headers(list(response.headers.items()))
                if response is not None
                else (),
                response_body=r.body(response.headers.get("content-type", ""), response.content)
                if response is not None
                else "",
                elapsed_ms=round((time.perf_counter() - started) * 1000, 1),
                error=r.text(error),  # a transport error may quote what the server sent
            )
        )

    async def aclose(self) -> None:
        await self.inner.aclose()


async def explain_transport_error(
    exc: httpx.HTTPError, request: httpx.Request, options: HttpOptions
) -> TransportError:
    """Turn an httpx failure into an error that names the likely cause and what to do."""
    url = request.url
    host = url.host
    where = f"{url.scheme}://{url.netloc.decode('ascii', 'replace')}"
    chain = list(_causes(exc))
    text = " ".join(f"{c!r} {c}" for c in chain)
    if isinstance(exc, httpx.TimeoutException):
        phase = {
            httpx.ConnectTimeout: "connecting to",
            httpx.ReadTimeout: "waiting for an answer from",
            httpx.WriteTimeout: "sending to",
            httpx.PoolTimeout: "waiting for a connection to",
        }.get(type(exc), "talking to")
        return RequestTimeoutError(
            f"timed out after {options.timeout:g} s {phase} {where}",
            "the server may be down or slow",
            remedy(RemedyKind.RAISE_TIMEOUT, seconds=options.timeout),
        )
    if "CERTIFICATE_VERIFY_FAILED" in text or any(
        isinstance(c, ssl.SSLCertVerificationError) for c in chain
    ):
        detail = await _peer_certificate_summary(host, url.port or 443, options.timeout)
        reason = _verify_reason(exc)
        return TlsVerificationError(
            f"TLS verification failed for {host}: {reason}{detail}",
            "if a corporate proxy or a private CA signs this certificate, trust that CA; "
            "do not turn verification off",
            remedy(RemedyKind.TRUST_CA),
        )
    if isinstance(exc, httpx.ConnectError):
        return _connect_error(exc, chain, host, where)
    if isinstance(exc, httpx.RemoteProtocolError):
        return ServerUnreachableError(
            f"{where} closed the connection or answered something that is not HTTP: {exc}",
            "check the scheme (http vs https) and the port",
        )
    return TransportError(
        f"request to {where} failed: {type(exc).__name__}: {exc}", "check the URL and the network"
    )


_DNS_TEXTS = (
    "Name or service not known",
    "nodename nor servname",
    "name resolution",
    "getaddrinfo failed",
)


def _connect_error(
    exc: httpx.ConnectError, chain: list[BaseException], host: str, where: str
) -> TransportError:
    """No connection: the name does not resolve, nothing listens, or something else."""
    text = " ".join(f"{c!r} {c}" for c in chain)
    if any(isinstance(c, socket.gaierror) for c in chain) or any(s in text for s in _DNS_TEXTS):
        return DnsError(
            f"cannot resolve the host name {host!r}",
            "check the spelling of the URL; on a private network, check DNS or the VPN",
        )
    if any(isinstance(c, ConnectionRefusedError) for c in chain) or "refused" in text.lower():
        return ServerUnreachableError(
            f"connection refused by {where}",
            "is the URL right (scheme, host, port) and is the server up?",
        )
    return ServerUnreachableError(
        f"cannot connect to {where}: {exc}", "is the URL right and the server up?"
    )


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and what caused it, down the chain (httpx wraps the OS error)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _verify_reason(exc: BaseException) -> str:
    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            return cause.verify_message or "certificate not trusted"
    text = str(exc)
    marker = "certificate verify failed:"
    if marker in text:
        return text.split(marker, 1)[1].split("(_ssl")[0].strip()
    return "certificate not trusted"


async def _peer_certificate_summary(host: str, port: int, timeout: float) -> str:
    """`(subject ..., issuer ...)` of the certificate the server showed, fetched without trust."""

    def fetch() -> bytes | None:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        with (
            socket.create_connection((host, port), timeout=min(timeout, 5.0)) as sock,
            ctx.wrap_socket(sock, server_hostname=host) as tls,
        ):
            return tls.getpeercert(binary_form=True)

    with contextlib.suppress(Exception):
        der = await asyncio.wait_for(asyncio.to_thread(fetch), timeout=min(timeout, 5.0) + 1)
        if der:
            from cryptography import x509

            cert = x509.load_der_x509_certificate(der)
            return f" (certificate subject {cert.subject.rfc4514_string()}, issuer {cert.issuer.rfc4514_string()})"
    return ""
