"""Transport failures explained: an httpx error becomes a `TransportError` that names the
likely cause (DNS, refused, TLS trust, timeout) and what to do about it."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx

from tokenlab.core.errors import (
    DnsError,
    RemedyKind,
    RequestTimeoutError,
    ServerUnreachableError,
    TlsVerificationError,
    TransportError,
    remedy,
)

if TYPE_CHECKING:
    from tokenlab.core.http import HttpOptions


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
