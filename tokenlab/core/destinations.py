"""Where credentials may go: to the issuer that discovery confirmed, over https.

Two checks, made before anything secret is built or sent:
- the discovery document must name the authority it was fetched from as its issuer, exactly
  (OpenID Connect Discovery 4.3); otherwise its endpoints are someone else's word and no
  credential goes to them;
- a credential (client secret, client assertion, refresh token, authorization code and PKCE
  verifier, device code, a token to introspect or revoke, an API token) goes only over https,
  or to this machine (loopback), or where the profile explicitly allows plain http. An endpoint
  comes from discovery, not from the profile, so checking the profile's URLs is not enough.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from tokenlab.core.errors import RemedyKind, TokenlabError, remedy
from tokenlab.core.redact import Redactor
from tokenlab.core.urls import is_cleartext

if TYPE_CHECKING:
    from tokenlab.core.discovery import Discovery
    from tokenlab.core.profiles import Profile


class CredentialDestinationError(TokenlabError):
    """tokenlab refused to send a credential: the endpoint is not one it may go to."""


class IssuerMismatchError(CredentialDestinationError):
    """The discovery document names another issuer than the authority it came from."""


class CleartextEndpointError(CredentialDestinationError):
    """The endpoint is plain http on a host that is not this machine."""


# What each form field carries, in words (never its value).
FORM_CREDENTIALS = {
    "client_secret": "the client secret",
    "client_assertion": "a client assertion",
    "refresh_token": "a refresh token",
    "code": "an authorization code",
    "code_verifier": "the PKCE code verifier",
    "device_code": "a device code",
    "token": "a token",
    "id_token_hint": "an ID token",
    "password": "a password",
    "assertion": "an assertion",
    "subject_token": "a subject token",
    "actor_token": "an actor token",
}
# What the client authentication adds to a request, by auth method.
CLIENT_AUTH_CREDENTIALS = {
    "client_secret_basic": "the client secret",
    "client_secret_post": "the client secret",
    "private_key_jwt": "a client assertion",
}

# What a request header carries (the probe's token, a cookie from the profile's headers).
HEADER_CREDENTIALS = {
    "authorization": "the access token",
    "x-api-key": "the access token",
    "cookie": "a cookie",
    "proxy-authorization": "proxy credentials",
}


def confirm_issuer(discovery: Discovery, authority: str, *, profile: str = "") -> None:
    """Raise unless discovery names exactly `authority` as its issuer (`profile`: whose)."""
    issuer = discovery.issuer
    if issuer == authority:
        return
    if not issuer:
        said = "names no issuer"
    elif issuer.rstrip("/") == authority.rstrip("/"):
        said = f"names the issuer {issuer!r}: it differs from the authority by a trailing slash"
    else:
        said = f"names another issuer, {issuer!r}"
    shown = Redactor().url(authority)
    raise IssuerMismatchError(
        f"the discovery document of {shown} {said}; no credential is sent to its endpoints",
        "a provider's discovery names itself as the issuer, exactly (OpenID Connect Discovery "
        "4.3); if the issuer is the right identity service, set the authority to it",
        remedy(RemedyKind.FIX_AUTHORITY, url=issuer, profile=profile) if issuer else None,
    )


def credentials_in(
    form: Mapping[str, str], *, auth_method: str = "", headers: Iterable[str] = ()
) -> list[str]:
    """The kinds of credential a request carries, in words, in a stable order."""
    kinds = [CLIENT_AUTH_CREDENTIALS.get(auth_method, "")]
    kinds += [FORM_CREDENTIALS.get(name, "") for name in form]
    kinds += [HEADER_CREDENTIALS.get(name.lower(), "a credential") for name in headers]
    return list(dict.fromkeys(k for k in kinds if k))


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower()


def _named(url: str, discovery: Discovery | None) -> str:
    """`token_endpoint http://...`: the URL with the discovery field that named it."""
    names = [k for k, v in discovery.raw.items() if v == url] if discovery is not None else []
    return f"{names[0] if names else 'the endpoint'} {Redactor().url(url)}"


def refuse_cleartext(
    url: str,
    credentials: list[str],
    *,
    profile: Profile,
    discovery: Discovery | None = None,
) -> None:
    """Raise before sending `credentials` to `url` in clear text (not https, not loopback),
    unless the profile allows plain http. `discovery`: the document that named `url`."""
    if profile.allow_insecure or not is_cleartext(url):
        return
    carried = ", ".join(credentials) or "a request whose answer carries tokens"
    where = _named(url, discovery)
    if discovery is not None:
        where += f", named by the discovery document of {Redactor().url(discovery.authority)}"
        if _origin(url)[1] != _origin(discovery.authority)[1]:
            where += " on another host than the authority"
    raise CleartextEndpointError(
        f"refusing to send {carried} to {where}: it is plain http, so anyone on the way could "
        "read it",
        "credentials go only over https, or over plain http to this machine",
        remedy(RemedyKind.ALLOW_INSECURE, url=Redactor().url(url), profile=profile.name),
    )
