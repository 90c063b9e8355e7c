"""The Trusted Application as the instance has it: read from the Domain API (OData) with an
administrator profile's token.

The entity set's name, `Systems_Security_TrustedApplications`, is inferred from the platform's
naming (`Module_Area_Entities`), so it is a parameter; a 404 says so and names the URL tried.
The property names are the platform's documented field names; the secret hash's is inferred.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from tokenlab.core.errors import RemedyKind, TokenlabError, remedy
from tokenlab.core.json_text import JsonTextError, read_json
from tokenlab.core.terminal_text import inert_line
from tokenlab.core.urls import join_url

if TYPE_CHECKING:
    import httpx


DEFAULT_ENTITY = "Systems_Security_TrustedApplications"
# Where each fact is in the entity (the platform's names); the first name present wins.
SECRET_HASH_NAMES = ("ClientSecretHash", "SecretHash", "ClientSecret")


class RegistrationError(TokenlabError):
    """The registration could not be read (entity not found, no rights, not OData)."""


@dataclass(frozen=True)
class Registration:
    """One Trusted Application as the Domain API returned it; None where a field was absent."""

    url: str  # where it was read (no secret in it)
    application_uri: str
    name: str = ""
    is_enabled: bool | None = None
    client_type: str | None = None
    system_user_allowed: bool | None = None
    system_user: str | None = None
    impersonate_internal: bool | None = None
    impersonate_community: bool | None = None
    redirect_uris: tuple[str, ...] | None = None
    scopes: tuple[str, ...] | None = None
    secret_hash: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "application_uri": self.application_uri,
            "name": self.name,
            "is_enabled": self.is_enabled,
            "client_type": self.client_type,
            "system_user_allowed": self.system_user_allowed,
            "system_user": self.system_user,
            "impersonate_as_internal_user_allowed": self.impersonate_internal,
            "impersonate_as_community_user_allowed": self.impersonate_community,
            "redirect_uris": None if self.redirect_uris is None else list(self.redirect_uris),
            "scope": None if self.scopes is None else list(self.scopes),
            "secret_hash": self.secret_hash,
        }


def _bool(row: dict[str, Any], name: str) -> bool | None:
    value = row.get(name)
    return value if isinstance(value, bool) else None


def _text(row: dict[str, Any], name: str) -> str | None:
    value = row.get(name)
    if isinstance(value, dict):  # a navigation property expanded: the user's name or login
        value = value.get("Name") or value.get("Login") or value.get("Id")
    return inert_line(str(value)) if isinstance(value, str | int) and value != "" else None


def _split(value: str | None, sep: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(part.strip() for part in value.split(sep) if part.strip())


def registration_of(row: dict[str, Any], url: str) -> Registration:
    """A `Registration` from one OData row (server text made inert, one line each)."""
    login = row.get("ImpersonateLoginUrl")
    scope = row.get("Scope")
    hashed = next((_text(row, n) for n in SECRET_HASH_NAMES if _text(row, n)), None)
    return Registration(
        url=url,
        application_uri=_text(row, "ApplicationUri") or "",
        name=_text(row, "Name") or "",
        is_enabled=_bool(row, "IsEnabled"),
        client_type=_text(row, "ClientType"),
        system_user_allowed=_bool(row, "SystemUserAllowed"),
        system_user=_text(row, "SystemUser"),
        impersonate_internal=_bool(row, "ImpersonateAsInternalUserAllowed"),
        impersonate_community=_bool(row, "ImpersonateAsCommunityUserAllowed"),
        redirect_uris=_split(inert_line(login) if isinstance(login, str) else None, ","),
        scopes=_split(inert_line(scope) if isinstance(scope, str) else None, None),
        secret_hash=hashed,
    )


def registration_url(api_url: str, entity: str, client_id: str) -> str:
    escaped = client_id.replace("'", "''")
    return join_url(api_url, entity) + "?$filter=" + quote(f"ApplicationUri eq '{escaped}'")


def _refusal(status: int, entity: str, url: str, admin: str) -> RegistrationError:
    if status == 404:
        return RegistrationError(
            f"the entity {entity} was not found at {url}",
            "the name is inferred from the platform's naming, and this instance may use another",
            remedy(RemedyKind.NAME_REGISTRATION_ENTITY, entity=entity),
        )
    if status in (401, 403):
        return RegistrationError(
            f"the API refused to show {entity} to profile {admin!r} (HTTP {status})",
            "the administrator profile's user or system user needs the right to read "
            "Trusted Applications",
            remedy(RemedyKind.ASK_ADMINISTRATORS, about=f"the right to read {entity}"),
        )
    if 300 <= status < 400:
        return RegistrationError(
            f"the API sent the request for {entity} elsewhere (HTTP {status})",
            "an API answers with data, not a redirect: check the administrator profile's API URL",
        )
    return RegistrationError(f"the API answered HTTP {status} for {entity} at {url}")


async def read_registration(
    client: httpx.AsyncClient,
    api_url: str,
    token: str,
    client_id: str,
    *,
    entity: str = DEFAULT_ENTITY,
    admin: str = "",
) -> Registration | None:
    """The Trusted Application whose ApplicationUri is exactly `client_id`; None: none is."""
    url = registration_url(api_url, entity, client_id)
    shown = join_url(api_url, entity)
    answer = await client.get(
        url, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"}
    )
    if answer.status_code != 200:
        raise _refusal(answer.status_code, entity, shown, admin)
    try:
        body = read_json(answer.content).value
    except JsonTextError as exc:
        raise RegistrationError(
            f"the answer for {entity} at {shown} {exc.message}", "an OData answer is JSON"
        ) from None
    rows = body.get("value") if isinstance(body, dict) else None
    if not isinstance(rows, list):
        raise RegistrationError(
            f"the answer for {entity} at {shown} is not an OData list", "expected {'value': [...]}"
        )
    # OData's eq may ignore case on the server; ApplicationUri is matched exactly here
    found = [r for r in rows if isinstance(r, dict) and r.get("ApplicationUri") == client_id]
    return registration_of(found[0], shown) if found else None
