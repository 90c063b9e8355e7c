"""Which proxy a request to a URL goes through, in words: what `proxy_routes` (core/http.py)
decides from HTTP(S)_PROXY / ALL_PROXY / NO_PROXY, said for one URL, with the proxy's
credentials masked. Corporate networks fail in ways only this explains ("why does the
authority time out?": it went to a proxy, or around one)."""

from __future__ import annotations

import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit


@dataclass(frozen=True)
class ProxyChoice:
    proxy: str | None  # the proxy's URL, credentials masked; None: direct
    reason: str  # why: "HTTPS_PROXY", "NO_PROXY", "loopback is always direct", ...

    @property
    def words(self) -> str:
        return f"{self.proxy} (from {self.reason})" if self.proxy else f"none ({self.reason})"

    def to_json(self) -> dict[str, Any]:
        return {"proxy": self.proxy, "reason": self.reason}


def masked_proxy(url: str) -> str:
    """The proxy's URL with any user and password in it masked."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if not (parts.username or parts.password):
        return urlunsplit(parts)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    netloc = f"***:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def _bypassed(host: str, no_proxy: list[str]) -> bool:
    """NO_PROXY as core/http.py routes it: an entry and every name under it."""
    for entry in no_proxy:
        entry = entry.lstrip(".").lower()
        if entry and (host == entry or host.endswith("." + entry)):
            return True
    return False


def proxy_for(url: str) -> ProxyChoice:
    """The proxy a request to `url` goes through (or why it goes direct)."""
    env = urllib.request.getproxies()
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    chosen, source = env.get(scheme), f"{scheme.upper()}_PROXY"
    if not chosen:
        chosen, source = env.get("all"), "ALL_PROXY"
    if not chosen:
        return ProxyChoice(None, f"no {scheme.upper()}_PROXY or ALL_PROXY set")
    no_proxy = [h.strip() for h in env.get("no", "").split(",") if h.strip()]
    if "*" in no_proxy or _bypassed(host, no_proxy):
        return ProxyChoice(None, "NO_PROXY")
    if host in ("127.0.0.1", "::1") or host.endswith("localhost"):  # as proxy_routes does
        return ProxyChoice(None, "loopback is always direct")
    return ProxyChoice(masked_proxy(chosen), source)
