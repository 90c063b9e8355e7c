"""The identity authority: find it, check its discovery and keys, classify it.

Fetching and caching the documents is `discovery.py`'s job; here is what they mean.

The seed's first rule: API tokens come only from the *instance* identity service. A global
authority (by default the platform's `https://id.erp.net/id`) signs people in but never issues
tokens the instance APIs accept; a profile that asks it for an API token is a mistake we name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from tokenlab.core.authority_kind import DEFAULT_GLOBAL_AUTHORITIES, AuthorityKind, classify
from tokenlab.core.discovery import (
    AuthorityCache,
    AuthorityError,
    Discovery,
    KeyInfo,
    clock_skew_seconds,
    discovery_url,
    key_info,
)
from tokenlab.core.errors import Remedy, RemedyKind, remedy
from tokenlab.core.json_text import JsonTextError, read_json
from tokenlab.core.jwk import is_signing_key, key_problem
from tokenlab.core.urls import AUTHORITY_PATH, instance_of, is_cleartext, join_url

if TYPE_CHECKING:  # only annotations: the commands that classify an authority need no httpx
    import httpx

AUTO_DISCOVERY_PATHS = ("sys/auto-discovery", "tools/auto-discovery")
CLOCK_SKEW_WARNING_S = 60.0

Level = Literal["ok", "warning", "error"]

__all__ = [  # the discovery and kind names, here too: callers import them from the authority
    "AUTO_DISCOVERY_PATHS",
    "CLOCK_SKEW_WARNING_S",
    "DEFAULT_GLOBAL_AUTHORITIES",
    "AuthorityCache",
    "AuthorityError",
    "AuthorityKind",
    "AuthorityReport",
    "Discovery",
    "Finding",
    "KeyInfo",
    "Level",
    "check_discovery",
    "check_keys",
    "classify",
    "clock_skew_seconds",
    "discovery_url",
    "find_authority",
    "global_authority_finding",
    "inspect_authority",
    "key_info",
    "skew_finding",
]


@dataclass(frozen=True)
class Finding:
    """One observation for the user: a level, what was seen, a hint and the step to take."""

    level: Level
    message: str
    hint: str = ""
    remedy: Remedy | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "message": self.message,
            "hint": self.hint,
            "remedy": self.remedy.to_json() if self.remedy else None,
        }


@dataclass(frozen=True)
class AuthorityReport:
    """What checking an authority found: its discovery, keys, clock and findings."""

    authority: str
    kind: AuthorityKind
    discovery: Discovery
    keys: tuple[KeyInfo, ...]
    clock_skew_s: float | None
    findings: tuple[Finding, ...]
    found_via: str = ""  # how the authority was found (auto-discovery, derived, given)

    @property
    def ok(self) -> bool:
        return not any(f.level == "error" for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        d = self.discovery
        return {
            "authority": self.authority,
            "found_via": self.found_via,
            "kind": self.kind,
            "issuer": d.issuer,
            "endpoints": {
                name: d.get(name)
                for name in (
                    "authorization_endpoint",
                    "token_endpoint",
                    "device_authorization_endpoint",
                    "userinfo_endpoint",
                    "revocation_endpoint",
                    "introspection_endpoint",
                    "end_session_endpoint",
                    "jwks_uri",
                )
            },
            "grant_types_supported": list(d.list("grant_types_supported")),
            "code_challenge_methods_supported": list(d.list("code_challenge_methods_supported")),
            "token_endpoint_auth_methods_supported": list(
                d.list("token_endpoint_auth_methods_supported")
            ),
            "keys": [k.to_json() for k in self.keys],
            "clock_skew_s": self.clock_skew_s,
            "findings": [f.to_json() for f in self.findings],
            "ok": self.ok,
        }


def global_authority_finding(
    authority: str, *, instance_authority: str = "", profile: str = ""
) -> Finding:
    """A global authority asked for API tokens; `instance_authority` is the one to use instead."""
    return Finding(
        "error",
        f"{authority} is a global authority: it signs people in, but never issues access tokens "
        "that an instance's APIs accept",
        "use the instance identity service, https://{your-instance}/id (tokenlab derives it from the instance URL)",
        remedy(RemedyKind.FIX_AUTHORITY, url=instance_authority, profile=profile),
    )


_SECRET_BEARING_ENDPOINTS = (
    "authorization_endpoint",
    "token_endpoint",
    "device_authorization_endpoint",
    "jwks_uri",
    "revocation_endpoint",
    "end_session_endpoint",
)


def _issuer_findings(authority: str, issuer: str) -> list[Finding]:
    if not issuer:
        return [
            Finding(
                "error", "discovery has no issuer", "this is not an OpenID provider's discovery"
            )
        ]
    if issuer == authority:
        return []
    if issuer.rstrip("/") == authority.rstrip("/"):
        return [
            Finding(
                "error",  # as the flows judge it: no credential goes to a mismatched issuer
                f"the issuer is {issuer!r} but the authority is {authority!r}: they differ only by a trailing slash",
                f"set the authority to exactly {issuer!r}; tokens carry the issuer and are compared "
                "exactly, and no credential is sent until they agree",
                remedy(RemedyKind.FIX_AUTHORITY, url=issuer),
            )
        ]
    return [
        Finding(
            "error",
            f"the issuer {issuer!r} is not the authority {authority!r}",
            f"tokens from here will carry iss={issuer!r}; set the authority to it if it is the instance identity service",
            remedy(RemedyKind.FIX_AUTHORITY, url=issuer),
        )
    ]


def check_discovery(
    authority: str,
    discovery: Discovery,
    *,
    allow_insecure: bool = False,
    needs: tuple[str, ...] = (),
) -> list[Finding]:
    """What is wrong or odd in a discovery document, in the order a user should read it."""
    findings = _issuer_findings(authority, discovery.issuer)
    findings += [
        Finding("error", f"discovery has no {name}", "the flow that needs it cannot run")
        for name in ("token_endpoint", "jwks_uri", *needs)
        if not discovery.get(name)
    ]
    findings += [
        Finding(
            "error",
            f"{name} {url} is not https",
            "tokens and secrets would cross the network in clear text",
            remedy(RemedyKind.ALLOW_INSECURE, url=url),
        )
        for name in _SECRET_BEARING_ENDPOINTS
        if (url := discovery.get(name)) and not allow_insecure and is_cleartext(url)
    ]
    methods = discovery.list("code_challenge_methods_supported")
    if discovery.authorization_endpoint and "S256" not in methods:
        findings.append(
            Finding(
                "warning",
                "discovery does not list PKCE S256 in code_challenge_methods_supported",
                "the code flow may still work, but the platform's flows require PKCE S256",
            )
        )
    return findings


MAX_KEYS_CHECKED = 50  # an authority publishes a few keys; more is a fault, not a key set


def check_keys(entries: list[Any]) -> tuple[tuple[KeyInfo, ...], list[Finding]]:
    """The keys of a JWKS, each loaded once to know it works, and what is wrong with the set:
    a key that cannot be used, a kid named twice, no usable signing key at all."""
    jwks = [k for k in entries if isinstance(k, dict)]
    findings: list[Finding] = []
    if len(jwks) > MAX_KEYS_CHECKED:
        findings.append(
            Finding(
                "warning",
                f"the JWKS holds {len(jwks)} keys; only the first {MAX_KEYS_CHECKED} were checked",
                "an authority publishes a few signing keys: this key set is not a real one",
            )
        )
        jwks = jwks[:MAX_KEYS_CHECKED]
    keys = tuple(
        key_info(k, (key_problem(k) or "") if is_signing_key(k) else "not a signing key")
        for k in jwks
    )
    signing = [k for k, jwk in zip(keys, jwks, strict=True) if is_signing_key(jwk)]
    usable = [k for k in signing if k.usable]
    broken = [f"key {k.kid or '(no kid)'}: {k.problem}" for k in signing if not k.usable]
    if not usable:
        findings.append(
            Finding(
                "error",
                "the JWKS holds no usable signing key"
                + (f" ({'; '.join(broken[:3])})" if broken else ""),
                "no token from this authority can be verified; the provider's key set is malformed",
            )
        )
    else:
        findings += [
            Finding(
                "warning", f"{text}: it cannot be used", "tokens signed with it cannot be verified"
            )
            for text in broken
        ]
    kids = [k.kid for k in keys if k.kid]
    findings += [
        Finding(
            "warning",
            f"the kid {kid!r} names {kids.count(kid)} keys in the JWKS",
            "a kid must name one key: a verifier picks one copy, and fails when it is the wrong one",
        )
        for kid in dict.fromkeys(k for k in kids if kids.count(k) > 1)
    ]
    return keys, findings


def skew_finding(skew: float | None) -> Finding | None:
    if skew is None or abs(skew) <= CLOCK_SKEW_WARNING_S:
        return None
    direction = "ahead of" if skew > 0 else "behind"
    return Finding(
        "warning",
        f"the server clock is {abs(skew):.0f} s {direction} this machine's",
        "token times (nbf, iat, exp) will look wrong",
        remedy(RemedyKind.FIX_CLOCK, clock="this-machine", offset_s=-skew),
    )


async def inspect_authority(
    client: httpx.AsyncClient,
    authority: str,
    *,
    cache: AuthorityCache | None = None,
    global_authorities: tuple[str, ...] = DEFAULT_GLOBAL_AUTHORITIES,
    allow_insecure: bool = False,
    found_via: str = "given",
) -> AuthorityReport:
    """Fetch discovery and JWKS and check them: the report of an authority."""
    cache = cache or AuthorityCache()
    discovery = await cache.discovery(client, authority)
    findings = check_discovery(authority, discovery, allow_insecure=allow_insecure)
    kind = classify(authority, global_authorities)
    if kind == "global":
        findings.insert(0, global_authority_finding(authority))
    elif kind == "other":
        findings.append(
            Finding(
                "warning",
                f"{authority} does not look like an instance identity service ({{instance}}/id)",
                "check that it is the instance's /id",
            )
        )
    keys: tuple[KeyInfo, ...] = ()
    try:
        jwks = await cache.jwks(client, discovery)
        keys, key_findings = check_keys(jwks["keys"])
        findings += key_findings
    except AuthorityError as exc:
        findings.append(Finding("error", exc.message, exc.hint, exc.remedy))
    skew = cache.last_skew.get(authority)
    finding = skew_finding(skew)
    if finding:
        findings.append(finding)
    return AuthorityReport(authority, kind, discovery, keys, skew, tuple(findings), found_via)


def _site_url(site: Mapping[str, Any]) -> str:
    """The site's address; the field's exact spelling is not documented (Url, URL, Uri)."""
    for key, value in site.items():
        if key.lower() in ("url", "uri", "address") and isinstance(value, str):
            return value
    return ""


async def find_authority(client: httpx.AsyncClient, instance: str) -> tuple[str, str, str]:
    """(authority, API base, how) from an instance URL: auto-discovery first, else `{instance}/id`.

    An instance URL that already ends in the authority path is read as its instance (and
    `how` says so), not probed as `/id/id/...`."""
    instance, was_authority = instance_of(instance)
    authority, api, how = await _discover_sites(client, instance)
    if was_authority:
        how = f"the URL given ends in /{AUTHORITY_PATH}: read as the instance {instance}; {how}"
    return authority, api, how


async def _discover_sites(client: httpx.AsyncClient, instance: str) -> tuple[str, str, str]:
    for path in AUTO_DISCOVERY_PATHS:
        url = join_url(instance, path)
        response = await client.get(url, headers={"Accept": "application/json"})
        if response.status_code != 200:
            continue
        try:
            doc = read_json(response.content).value
        except JsonTextError:
            continue
        sites = doc.get("WebSites") if isinstance(doc, dict) else None
        if not isinstance(sites, list):
            continue
        authority = api = ""
        for site in sites:
            if not isinstance(site, dict):
                continue
            site_url = _site_url(site)
            if site.get("Type") == "ID" and site_url:
                authority = site_url.rstrip("/")
            if site.get("Type") == "DomainAPI":
                props = site.get("AdditionalProperties")
                if isinstance(props, dict) and isinstance(props.get("ODataServiceRoot"), str):
                    api = props["ODataServiceRoot"]
        if authority:
            return (
                authority,
                api or join_url(instance, "api/domain/odata/"),
                f"auto-discovery ({url})",
            )
    return (
        join_url(instance, "id"),
        join_url(instance, "api/domain/odata/"),
        "derived ({instance}/id)",
    )
