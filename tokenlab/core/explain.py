"""What a token endpoint's answer means on this platform, and what to check next.

The table in platform-identity.md ("Token endpoint errors and what they mean here"), as code.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from tokenlab.core.errors import TokenlabError

INTERACTIVE_FLOWS = ("auth-code", "device", "refresh")


class TokenEndpointError(TokenlabError):
    """The identity service refused a request; carries the OAuth error and our explanation."""

    def __init__(
        self,
        message: str,
        hint: str,
        *,
        error: str = "",
        description: str = "",
        status: int | None = None,
    ) -> None:
        super().__init__(message, hint)
        self.error = error
        self.description = description
        self.status = status


@dataclass(frozen=True)
class Answer:
    """A token endpoint answer reduced to what explanation needs."""

    status: int
    error: str
    description: str
    kind: str  # "json" | "html" | "empty" | "text"
    snippet: str = ""


def read_answer(status: int, content_type: str, body: bytes) -> Answer:
    text = body.decode("utf-8", "replace").strip()
    if not text:
        return Answer(status, "", "", "empty")
    try:
        data: Any = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        error = data.get("error")
        desc = data.get("error_description") or data.get("message") or ""
        return Answer(status, error if isinstance(error, str) else "", str(desc)[:300], "json")
    if "html" in content_type or text[:1] == "<":
        title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
        return Answer(status, "", "", "html", (title.group(1).strip() if title else "")[:120])
    return Answer(status, "", "", "text", text[:120])


def _scope_in(description: str, requested: tuple[str, ...]) -> str:
    for scope in requested:
        if re.search(rf"(?<![\w.-]){re.escape(scope)}(?![\w.-])", description):
            return scope
    return ""


def explain(
    answer: Answer,
    *,
    flow: str,
    client_id: str,
    scopes: tuple[str, ...],
    public_client: bool,
    speaker: str = "the token endpoint",
) -> TokenEndpointError:
    """The OAuth error in the platform's terms: what it means here and what to check first.

    `speaker` names who sent the OAuth error (the authorize endpoint reuses this table)."""
    interactive = flow in INTERACTIVE_FLOWS
    app = f"the Trusted Application {client_id!r}" if client_id else "the Trusted Application"
    said = f"{speaker} said {answer.error}" + (
        f" ({answer.description})" if answer.description else ""
    )
    err = answer.error

    def fail(message: str, hint: str) -> TokenEndpointError:
        return TokenEndpointError(
            message, hint, error=err, description=answer.description, status=answer.status
        )

    if answer.kind == "html":
        title = f" titled {answer.snippet!r}" if answer.snippet else ""
        return fail(
            f"the token endpoint answered HTTP {answer.status} with an HTML page{title}, not an OAuth answer",
            "a proxy, a sign-in page or a wrong URL is in the way: check the authority URL ({instance}/id) and any proxy",
        )
    if answer.kind == "empty":
        return fail(
            f"the token endpoint answered HTTP {answer.status} with an empty body",
            "check the authority URL; a 401/403 with no body often means a proxy or firewall refused the request",
        )
    if answer.kind == "text" or not err:
        shown = f": {answer.snippet!r}" if answer.snippet else ""
        return fail(
            f"the token endpoint answered HTTP {answer.status} without an OAuth error{shown}",
            "check the authority URL and the instance's status",
        )
    if err == "invalid_client":
        if public_client and not interactive:
            return fail(
                f"{said}: a public client cannot use this grant",
                f"{app} must be Confidential for client credentials",
            )
        hint = (
            f"check that {app} exists and IsEnabled is on, that the secret is right (stored as "
            "base64(sha256(secret)) on the server; you send the plain secret) and that ClientType is Confidential"
        )
        if public_client:
            hint = (
                f"{app} is Public: it must send no secret; remove the secret or make it Confidential. "
                + hint
            )
        return fail(f"{said}: the client was not authenticated", hint)
    if err == "unauthorized_client":
        if interactive:
            return fail(
                f"{said}: {app} may not use this flow",
                f"check that {app} is enabled and allows interactive access (ImpersonateAsInternalUserAllowed)",
            )
        return fail(
            f"{said}: {app} has no service access",
            f"client credentials need SystemUserAllowed and a SystemUser on {app}",
        )
    if err == "invalid_scope":
        scope = _scope_in(answer.description, scopes)
        which = (
            f"the scope {scope!r}"
            if scope
            else f"one of the scopes {' '.join(scopes) or '(none asked)'}"
        )
        return fail(
            f"{said}: {which} is not allowed for {app}",
            "add it to the Trusted Application's Scope list (space-delimited, case-sensitive), or stop asking for it",
        )
    if err == "invalid_grant":
        if flow == "device":
            return fail(
                f"{said}: the device code was refused",
                "it is unknown, already used, or belongs to another client: start the device flow again",
            )
        if flow == "refresh":
            return fail(
                f"{said}: the refresh token is expired, revoked or already used",
                "sign in again to get a new refresh token (every refresh rotates it)",
            )
        if interactive:
            return fail(
                f"{said}: the code was refused",
                "PKCE verification failed, the code expired or was already used, or the redirect URI differs from the authorize request",
            )
        return fail(f"{said}: the request was refused", "check the grant parameters")
    if err in ("invalid_redirect_uri", "redirect_uri_mismatch"):
        return fail(
            f"{said}: the redirect URI is not registered",
            f"add it to {app}'s ImpersonateLoginUrl exactly (case-sensitive, comma-separated list)",
        )
    if err == "unsupported_grant_type":
        return fail(
            f"{said}",
            f"this identity service or {app} does not allow this grant; use the flow of your scenario",
        )
    if err == "invalid_request":
        return fail(
            f"{said}: the request is missing or repeats a parameter",
            "check client_id and client_secret (and the client auth method)",
        )
    if err == "access_denied":
        return fail(
            f"{said}: the user or the server refused", "sign in again and approve the request"
        )
    if err == "expired_token":
        return fail(
            f"{said}: the device code expired before it was approved",
            "start the device flow again and approve sooner",
        )
    return fail(f"{said}", "this error is not one tokenlab knows; it is shown as it came")


PROTOCOL_SCOPES = ("openid", "profile", "offline_access")
LEGACY_SCOPES = ("DomainApi",)


def explanation_json(exc: TokenEndpointError) -> dict[str, Any]:
    return {
        "error": exc.error,
        "error_description": exc.description,
        "status": exc.status,
        "message": exc.message,
        "hint": exc.hint,
    }
