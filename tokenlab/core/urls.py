"""Validation of the URLs a user types: instance, authority, API base, redirect URI."""

from __future__ import annotations

import functools
import ipaddress
from urllib.parse import urlsplit

from tokenlab.core.errors import InvalidUrlError, RemedyKind, remedy


@functools.lru_cache(maxsize=256)  # asked before every request, of the same few hosts
def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@functools.lru_cache(maxsize=256)  # the same few endpoints, checked on every request of every run
def is_cleartext(url: str) -> bool:
    """Would `url` carry tokens and secrets over a network unencrypted (not https, not loopback)?

    An address that does not even parse is treated as cleartext: nothing is sent to it."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return True
    return parts.scheme != "https" and not (host and is_loopback_host(host))


def check_url(value: str, *, what: str, allow_insecure: bool = False) -> str:
    """Return `value` if it is an absolute http(s) URL fit for `what`, else raise with a hint.

    Plain http is refused unless the host is loopback or `allow_insecure` is set: tokens and
    secrets would cross the network in clear text.
    """
    if not value or value != value.strip() or any(c.isspace() for c in value):
        raise InvalidUrlError(
            f"{what} {value!r} contains spaces or is empty",
            "give the URL without spaces, e.g. https://acme.my.erp.net",
        )
    try:
        parts = urlsplit(value)
        port = parts.port  # raises on a non-numeric port
    except ValueError as exc:
        raise InvalidUrlError(
            f"{what} {value!r} is not a valid URL: {exc}", "check the port"
        ) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidUrlError(
            f"{what} {value!r} has no http(s) scheme and host",
            f"write it in full, e.g. https://{value.split('/')[0] or 'acme.my.erp.net'}",
        )
    if parts.fragment or value.endswith("#"):
        raise InvalidUrlError(f"{what} {value!r} has a fragment (#...)", "remove the '#' part")
    if not allow_insecure and is_cleartext(value):
        raise InvalidUrlError(
            f"{what} {value!r} uses plain http on a host that is not loopback",
            "use https: plain http carries tokens and secrets in clear text",
            remedy=remedy(RemedyKind.ALLOW_INSECURE, url=value),
        )
    del port
    return value


def join_url(base: str, path: str) -> str:
    """`base` + `path` with exactly one slash between them."""
    return base.rstrip("/") + "/" + path.lstrip("/")


AUTHORITY_PATH = "id"  # the instance identity service: {instance}/id


def instance_of(url: str) -> tuple[str, bool]:
    """(the instance URL, whether `url` was its authority): a URL already ending in the
    authority path (`https://acme.my.erp.net/id`) is read as its instance, so nothing
    probes `/id/id/...`."""
    trimmed = url.rstrip("/")
    base, _, last = trimmed.rpartition("/")
    if last.lower() == AUTHORITY_PATH and "//" in base and base.split("//", 1)[1]:
        return base, True
    return url, False
