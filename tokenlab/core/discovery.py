"""Discovery documents and signing keys: fetched, checked for shape, cached as `Cache-Control` allows.

What they *mean* for tokenlab (instance or global authority, issuer, https, clock) is judged in
`authority.py`.
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tokenlab.core.errors import TokenlabError
from tokenlab.core.json_text import JsonTextError, read_json
from tokenlab.core.urls import join_url

if TYPE_CHECKING:  # only annotations: the commands that classify an authority need no httpx
    import httpx


class AuthorityError(TokenlabError):
    """Discovery or JWKS could not be fetched or is not usable."""


@dataclass(frozen=True)
class KeyInfo:
    """One key of an authority's JWKS, described without its key material."""

    kid: str
    kty: str
    alg: str
    use: str
    size: int | None  # RSA modulus bits or EC curve bits
    problem: str = ""  # why this signing key cannot check a signature ("" when it can)

    @property
    def usable(self) -> bool:
        return not self.problem

    def to_json(self) -> dict[str, Any]:
        return {
            "kid": self.kid,
            "kty": self.kty,
            "alg": self.alg,
            "use": self.use,
            "size": self.size,
            "usable": self.usable,
            "problem": self.problem,
        }


@dataclass(frozen=True)
class Discovery:
    """The parts of `/.well-known/openid-configuration` that tokenlab uses, plus the raw document."""

    authority: str
    raw: Mapping[str, Any]

    def get(self, key: str) -> str:
        value = self.raw.get(key)
        return value if isinstance(value, str) else ""

    def list(self, key: str) -> tuple[str, ...]:
        value = self.raw.get(key)
        return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()

    @property
    def issuer(self) -> str:
        return self.get("issuer")

    @property
    def token_endpoint(self) -> str:
        return self.get("token_endpoint")

    @property
    def authorization_endpoint(self) -> str:
        return self.get("authorization_endpoint")

    @property
    def device_authorization_endpoint(self) -> str:
        return self.get("device_authorization_endpoint")

    @property
    def jwks_uri(self) -> str:
        return self.get("jwks_uri")

    @property
    def revocation_endpoint(self) -> str:
        return self.get("revocation_endpoint")

    @property
    def introspection_endpoint(self) -> str:
        return self.get("introspection_endpoint")

    @property
    def end_session_endpoint(self) -> str:
        return self.get("end_session_endpoint")

    @property
    def userinfo_endpoint(self) -> str:
        return self.get("userinfo_endpoint")


def discovery_url(authority: str) -> str:
    return join_url(authority, ".well-known/openid-configuration")


def _json_object(response: httpx.Response, what: str) -> dict[str, Any]:
    ctype = response.headers.get("content-type", "")
    if response.status_code != 200:
        raise AuthorityError(
            f"{what} at {response.request.url} answered HTTP {response.status_code}",
            "check the authority URL: it is usually https://{instance}/id",
        )
    try:
        value = read_json(response.content).value
    except JsonTextError as exc:
        if exc.problem in ("too-deep", "too-large"):
            raise AuthorityError(
                f"{what} at {response.request.url} {exc.reason}",
                "no OpenID provider answers like this; check the authority URL",
            ) from None
        kind = (
            "an HTML page"
            if "html" in ctype or response.content.lstrip()[:1] == b"<"
            else "something that is not JSON"
        )
        raise AuthorityError(
            f"{what} at {response.request.url} answered {kind}",
            "this URL is not an OpenID provider; check the authority URL (https://{instance}/id)",
        ) from None
    if not isinstance(value, dict):
        raise AuthorityError(
            f"{what} at {response.request.url} is not a JSON object", "check the authority URL"
        )
    return value


def _max_age(response: httpx.Response) -> float:
    control = response.headers.get("cache-control", "")
    if "no-store" in control or "no-cache" in control:
        return 0.0
    match = re.search(r"max-age=(\d+)", control)
    return float(match.group(1)) if match else 300.0  # no advice: a short default


def clock_skew_seconds(response: httpx.Response, *, local_now: float | None = None) -> float | None:
    """Server time minus local time from the `Date` header; None when there is no usable header."""
    header = response.headers.get("date")
    if not header:
        return None
    try:
        server = email.utils.parsedate_to_datetime(header).timestamp()
    except (TypeError, ValueError, OverflowError):  # a Date no clock can hold is no reading
        return None
    now = time.time() if local_now is None else local_now
    return round(server - now, 1)  # Date has 1 s resolution: finer correction would be noise


@dataclass
class _Cached:
    """A cached document and when it goes stale (time.monotonic)."""

    value: Any
    expires: float


@dataclass
class AuthorityCache:
    """Discovery documents and JWKS per authority, kept as long as `Cache-Control` allows."""

    entries: dict[tuple[str, str], _Cached] = field(default_factory=dict)
    last_skew: dict[str, float | None] = field(default_factory=dict)

    def _get(self, kind: str, key: str) -> Any:
        hit = self.entries.get((kind, key))
        if hit and hit.expires > time.monotonic():
            return hit.value
        return None

    def _put(self, kind: str, key: str, value: Any, max_age: float) -> None:
        self.entries[(kind, key)] = _Cached(value, time.monotonic() + max_age)

    async def discovery(self, client: httpx.AsyncClient, authority: str) -> Discovery:
        cached = self._get("discovery", authority)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        response = await client.get(
            discovery_url(authority), headers={"Accept": "application/json"}
        )
        doc = Discovery(authority, _json_object(response, "discovery"))
        self.last_skew[authority] = clock_skew_seconds(response)
        self._put("discovery", authority, doc, _max_age(response))
        return doc

    async def jwks(
        self, client: httpx.AsyncClient, discovery: Discovery, *, refresh: bool = False
    ) -> dict[str, Any]:
        uri = discovery.jwks_uri
        if not uri:
            raise AuthorityError(
                f"discovery of {discovery.authority} has no jwks_uri",
                "the provider publishes no signing keys",
            )
        cached = None if refresh else self._get("jwks", uri)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        response = await client.get(uri, headers={"Accept": "application/json"})
        jwks = _json_object(response, "the JWKS")
        if not isinstance(jwks.get("keys"), list):
            raise AuthorityError(
                f"the JWKS at {uri} has no 'keys' list", "the provider's key set is malformed"
            )
        self._put("jwks", uri, jwks, _max_age(response))
        return jwks

    async def key_for(
        self, client: httpx.AsyncClient, discovery: Discovery, kid: str | None
    ) -> dict[str, Any] | None:
        """The JWK with this kid; an unknown kid refetches the JWKS once (keys rotate)."""
        return (await self.find_key(client, discovery, kid))[0]

    async def find_key(
        self, client: httpx.AsyncClient, discovery: Discovery, kid: str | None
    ) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """(the JWK with this kid or None, the JWKS it was looked up in).

        An unknown kid refetches the JWKS once (keys rotate), never more: a forger must not be
        able to make us hammer the identity service."""
        jwks: dict[str, Any] = {}
        for refresh in (False, True):
            jwks = await self.jwks(client, discovery, refresh=refresh)
            keys = [k for k in jwks["keys"] if isinstance(k, dict)]
            if kid is None and len(keys) == 1:
                return keys[0], jwks
            for key in keys:
                if key.get("kid") == kid:
                    return key, jwks
        return None, jwks


def _rsa_bits(n: Any) -> int | None:
    if not isinstance(n, str):
        return None
    try:
        return len(base64.urlsafe_b64decode(n + "=" * (-len(n) % 4))) * 8
    except (binascii.Error, ValueError):  # not base64url: `key_problem` says so
        return None


def key_info(jwk: Mapping[str, Any], problem: str = "") -> KeyInfo:
    """What a JWK says about itself; `problem` is why it cannot be used, when it cannot."""
    size: int | None = None
    kty = str(jwk.get("kty", ""))
    if kty == "RSA":
        size = _rsa_bits(jwk.get("n"))
    elif kty == "EC":
        size = {"P-256": 256, "P-384": 384, "P-521": 521}.get(str(jwk.get("crv")))
    return KeyInfo(
        str(jwk.get("kid", "")),
        kty,
        str(jwk.get("alg", "")),
        str(jwk.get("use", "")),
        size,
        problem,
    )


# Endpoints that carry tokens or secrets: each must be https (unless plain http was allowed).
