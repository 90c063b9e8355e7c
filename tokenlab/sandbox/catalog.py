"""The demo catalog: one profile per scenario that works, per classic mistake, and per way an
API can refuse or fail a request (each names what it shows in its one-line description).

A profile of the last kind gets its token like ``demo-service-app`` does; what differs is where
it sends it (its API URL: one of the misconfigured servers of ``api_nodes.py``, or a closed
port) or what it asks for (its probe path), so ``tokenlab probe`` and ``tokenlab doctor`` show
the case end to end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .api_nodes import (
    CLOCK_AHEAD,
    CLOCK_BEHIND,
    FLAKY_NODES,
    LEGACY_AUDIENCE_API,
    NO_ERROR_DETAILS,
    STALE_KEYS,
    TRAILING_SLASH_ISSUER,
    api_root,
    closed_api_root,
)
from .registrations import (
    ADMIN_APP,
    DEMO_REFERENCE_TOKEN,
    DEMO_SECRETS,
    DISABLED_APP,
    GLOBAL_APP,
    NO_PERMISSION_APP,
    NO_SYSTEM_USER_APP,
    PORTAL,
    READ_ONLY_APP,
    REDIRECT_MISMATCH_APP,
    SERVICE_APP,
    SPA,
    WEB_APP,
)

Scenario = Literal["web-app", "spa", "web-portal", "service-app", "automation"]
AuthMethod = Literal["none", "client_secret_basic", "client_secret_post"]

# Probe paths (relative to the API URL) of the profiles that show a failed request.
MISSING_ENTITY_SET_PATH = "Crm_Sales_Customer?$top=1"  # singular: no such entity set
BAD_FILTER_PATH = "Crm_Sales_Customers?$filter=Name eq Acme"  # text without quotes


@dataclass(frozen=True)
class DemoProfile:
    name: str
    description: str
    scenario: Scenario
    instance: str
    authority: str | None  # None: derived as f"{instance}/id"
    client_id: str | None  # None for automation (reference token, no OAuth client)
    auth_method: AuthMethod
    scopes: tuple[str, ...]
    redirect_uri: str | None
    public_secret: str | None
    reference_token: str | None
    # What goes wrong: an OAuth error code, or the API's answer ("HTTP 403", "connection refused")
    expected_error: str | None
    api_url: str | None = None  # None: the instance's own Domain API
    probe_path: str | None = None  # None: the usual first call (Crm_Sales_Customers?$top=1)


def demo_catalog(base_url: str) -> list[DemoProfile]:
    """Every demo profile for the sandbox at ``base_url``."""
    return (
        _scenarios(base_url) + _token_mistakes(base_url) + _api_cases(base_url) + _admin(base_url)
    )


def _profile(
    base_url: str,
    name: str,
    description: str,
    scenario: Scenario,
    client_id: str | None,
    auth_method: AuthMethod,
    scopes: tuple[str, ...],
    **optional: str,
) -> DemoProfile:
    return DemoProfile(
        name=name,
        description=description,
        scenario=scenario,
        instance=base_url.rstrip("/"),
        authority=optional.get("authority"),
        client_id=client_id,
        auth_method=auth_method,
        scopes=scopes,
        redirect_uri=optional.get("redirect_uri"),
        public_secret=DEMO_SECRETS.get(client_id or ""),
        reference_token=optional.get("reference_token"),
        expected_error=optional.get("expected_error"),
        api_url=optional.get("api_url"),
        probe_path=optional.get("probe_path"),
    )


CALLBACK = "http://127.0.0.1/callback"


def _scenarios(base: str) -> list[DemoProfile]:
    return [
        _profile(
            base,
            "demo-service-app",
            "Service application: client_credentials with a secret (Basic auth); works.",
            "service-app",
            SERVICE_APP,
            "client_secret_basic",
            ("read", "update"),
        ),
        _profile(
            base,
            "demo-web-app",
            "Web application: code + PKCE, code id_token via form_post, refresh token; works.",
            "web-app",
            WEB_APP,
            "client_secret_post",
            ("openid", "profile", "offline_access", "read", "update"),
            redirect_uri=CALLBACK,
        ),
        _profile(
            base,
            "demo-spa",
            "Single-page application: public client, code + PKCE, no secret; works.",
            "spa",
            SPA,
            "none",
            ("openid", "profile", "read", "update"),
            redirect_uri=CALLBACK,
        ),
        _profile(
            base,
            "demo-portal",
            "Web portal: sign the user in (openid profile), call the API with client_credentials.",
            "web-portal",
            PORTAL,
            "client_secret_basic",
            ("openid", "profile", "read", "update"),
            redirect_uri=CALLBACK,
        ),
        _profile(
            base,
            "demo-automation",
            "Automation: a reference token (enrt_...) sent as a Bearer token; works.",
            "automation",
            None,
            "none",
            (),
            reference_token=DEMO_REFERENCE_TOKEN,
        ),
    ]


def _token_mistakes(base: str) -> list[DemoProfile]:
    def service(name: str, description: str, client_id: str, error: str) -> DemoProfile:
        return _profile(
            base, name, description, "service-app", client_id, "client_secret_basic",
            ("read", "update"), expected_error=error,
        )  # fmt: skip

    return [
        service(
            "demo-disabled",
            "Mistake: the Trusted Application is disabled (IsEnabled off).",
            DISABLED_APP,
            "invalid_client",
        ),
        service(
            "demo-no-system-user",
            "Mistake: client_credentials without SystemUserAllowed/SystemUser on the app.",
            NO_SYSTEM_USER_APP,
            "unauthorized_client",
        ),
        service(
            "demo-scope-not-allowed",
            "Mistake: asks for 'update' but the Trusted Application allows only 'read'.",
            READ_ONLY_APP,
            "invalid_scope",
        ),
        _profile(
            base,
            "demo-redirect-mismatch",
            "Mistake: the redirect URI is not registered exactly on the Trusted Application.",
            "spa",
            REDIRECT_MISMATCH_APP,
            "none",
            ("openid", "profile", "read"),
            redirect_uri=CALLBACK,
            expected_error="invalid_redirect_uri",
        ),
        _profile(
            base,
            "demo-global-authority",
            "Mistake: token from the global authority; the instance API rejects its issuer.",
            "service-app",
            GLOBAL_APP,
            "client_secret_basic",
            ("read", "update"),
            authority=f"{base.rstrip('/')}/global/id",
            expected_error="invalid_token",
        ),
    ]


def _api_cases(base: str) -> list[DemoProfile]:
    """A good token that the API refuses, or a request that fails after the token was accepted."""

    def case(name: str, description: str, expected: str, **where: str) -> DemoProfile:
        client_id = where.pop("client_id", SERVICE_APP)
        return _profile(
            base, name, description, "service-app", client_id, "client_secret_basic",
            ("read", "update"), expected_error=expected, **where,
        )  # fmt: skip

    return [
        case(
            "demo-api-clock-behind",
            "API server with a clock 10 min behind: a fresh token is not valid yet there (401).",
            "invalid_token",
            api_url=api_root(base, CLOCK_BEHIND),
        ),
        case(
            "demo-api-clock-ahead",
            "API server with a clock 2 h ahead (wrong time zone): a fresh token is expired (401).",
            "invalid_token",
            api_url=api_root(base, CLOCK_AHEAD),
        ),
        case(
            "demo-api-wrong-audience",
            "API server expecting the legacy audience '{authority}/resources' (401).",
            "invalid_token",
            api_url=api_root(base, LEGACY_AUDIENCE_API),
        ),
        case(
            "demo-api-wrong-issuer",
            "API server trusting '{authority}/' (trailing slash), not the token's issuer (401).",
            "invalid_token",
            api_url=api_root(base, TRAILING_SLASH_ISSUER),
        ),
        case(
            "demo-api-stale-keys",
            "API server with the keys from before a key rotation: signature key not found (401).",
            "invalid_token",
            api_url=api_root(base, STALE_KEYS),
        ),
        case(
            "demo-api-unexplained",
            "API server with error details off: a bare 401 'Bearer' that names no cause.",
            "HTTP 401",
            api_url=api_root(base, NO_ERROR_DETAILS),
        ),
        case(
            "demo-api-forbidden",
            "Token accepted, but the app's system user may not read customers (403).",
            "HTTP 403",
            client_id=NO_PERMISSION_APP,
        ),
        case(
            "demo-api-not-found",
            "Token accepted, but the probe asks for an entity set that does not exist (404).",
            "HTTP 404",
            probe_path=MISSING_ENTITY_SET_PATH,
        ),
        case(
            "demo-api-business-error",
            "Token accepted, but the probe's $filter is invalid: a business error (500, JSON).",
            "HTTP 500",
            probe_path=BAD_FILTER_PATH,
        ),
        case(
            "demo-api-flaky-node",
            "Two API nodes in turn; one has an old key set and its own clock: every 2nd call 401.",
            "HTTP 401",
            api_url=api_root(base, FLAKY_NODES[0]),
        ),
        case(
            "demo-api-refused",
            "The API URL points at a closed port: connection refused (the token itself is fine).",
            "connection refused",
            api_url=closed_api_root(base),
        ),
    ]


def _admin(base: str) -> list[DemoProfile]:
    """The instance administrator's service application: reads the Trusted Applications."""
    return [
        _profile(
            base,
            "demo-admin",
            "Administrator: its system user may read the Trusted Applications; works.",
            "service-app",
            ADMIN_APP,
            "client_secret_basic",
            ("read",),
        )
    ]
