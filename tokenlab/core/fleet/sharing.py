"""What the fleet's runs share: a bound on requests per host, and discovery and keys per authority."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tokenlab.core.discovery import AuthorityCache

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    import httpx

    from tokenlab.core.discovery import Discovery


class HostGate:
    """At most `per_host` requests at once to one host:port, whichever profile sends them.

    Every profile has its own client (its own TLS settings and trace), so httpx's pool limits,
    which are per client, cannot bound a host across profiles: this semaphore per host does.
    """

    def __init__(self, per_host: int) -> None:
        if per_host < 1:
            raise ValueError("per_host must be at least 1")
        self.per_host = per_host
        self._hosts: dict[tuple[str, str, int | None], asyncio.Semaphore] = {}

    @asynccontextmanager
    async def __call__(self, request: httpx.Request) -> AsyncIterator[None]:
        url = request.url
        key = (url.scheme, url.host, url.port)
        gate = self._hosts.get(key)
        if gate is None:
            gate = self._hosts[key] = asyncio.Semaphore(self.per_host)
        async with gate:
            yield


@dataclass
class SharedAuthorityCache(AuthorityCache):
    """An `AuthorityCache` for runs at once: the first run fetches an authority's discovery
    document (or JWKS), the runs asking meanwhile wait for it instead of fetching it again."""

    locks: dict[tuple[str, str], asyncio.Lock] = field(default_factory=dict)

    def _lock(self, kind: str, key: str) -> asyncio.Lock:
        lock = self.locks.get((kind, key))
        if lock is None:
            lock = self.locks[(kind, key)] = asyncio.Lock()
        return lock

    async def discovery(self, client: httpx.AsyncClient, authority: str) -> Discovery:
        async with self._lock("discovery", authority):
            return await super().discovery(client, authority)

    async def jwks(
        self, client: httpx.AsyncClient, discovery: Discovery, *, refresh: bool = False
    ) -> dict[str, Any]:
        async with self._lock("jwks", discovery.jwks_uri):
            return await super().jwks(client, discovery, refresh=refresh)
